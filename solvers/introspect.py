"""Reading the solution from the solver objects a finished program left behind.

Solve calls recorded by the targets' hooks come first (they also see models built inside
functions and solves that raised); the program's globals, searched one level into simple
containers, are the fallback. The last solve that reached a definite status wins.
"""

from __future__ import annotations

import types
from typing import Any

from optagent.core.types import SolutionStatus
from optagent.solvers.targets import SolveEvent, Target, get_target
from optagent.solvers.wire import Reading

_SKIP = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)
_MAX_OBJECTS = 10_000


def _walk(namespace: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    seen: set[int] = set()

    def visit(obj: Any, depth: int) -> None:
        if id(obj) in seen or isinstance(obj, _SKIP) or len(found) >= _MAX_OBJECTS:
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            children = list(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            children = list(obj)
        else:
            found.append(obj)
            return
        if depth < 2:
            for child in children[:_MAX_OBJECTS]:
                visit(child, depth + 1)

    for name, value in list(namespace.items()):
        if not name.startswith("__"):
            visit(value, 0)
    return found


def _best(readings: list[Reading]) -> Reading | None:
    definite = [reading for reading in readings if reading.status != SolutionStatus.UNKNOWN]
    candidates = definite or readings
    return candidates[-1] if candidates else None


def read_solution(namespace: dict[str, Any], events: list[SolveEvent], targets: list[Target]) -> Reading | None:
    readings: list[Reading] = []
    for event in events:
        try:
            reading = get_target(event.target).read_event(event)
        except Exception:  # a half-built or foreign object: the other events still count
            continue
        if reading is not None:
            readings.append(reading)
    if readings:
        return _best(readings)
    objects = _walk(namespace)
    for target in targets:
        try:
            readings.extend(target.read_scope(objects))
        except Exception:
            continue
    return _best(readings)
