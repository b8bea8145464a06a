"""The Target interface: one solver language, its cheat-sheet, and how to read it back.

A target never runs at registry import: solver packages are imported inside `preload`,
`install_hooks` and the readers, which only ever run inside the sandbox's zygote and its
children, where the packages are already loaded.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from optagent.core.types import Language, ProblemKind, SolutionStatus

MAX_VALUES = 5000


@dataclass
class Reading:
    """What one solver object said about its model."""

    solver: str
    status: SolutionStatus
    objective: float | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class SolveEvent:
    """A solve call the program made, recorded by a target's hook as it happened.

    Hooks make "result, not prints" work for models built inside functions (`def main()`)
    and for solves that raised after the solver had already concluded (Pyomo raises on
    infeasible models unless told not to).
    """

    target: str
    objects: tuple[Any, ...]
    result: Any = None
    error: BaseException | None = None


Record = Callable[[SolveEvent], None]


class Target:
    name: ClassVar[str]
    language: ClassVar[Language] = Language.PYTHON
    kinds: ClassVar[frozenset[ProblemKind]]
    packages: ClassVar[tuple[str, ...]] = ()
    """Importable packages the target needs; the first also marks programs that use it."""
    description: ClassVar[str] = ""
    missing_message: ClassVar[str | None] = None
    """The error shown when a program imports the package and it is not installed."""

    @functools.cached_property
    def cheat_sheet(self) -> str:
        from optagent.prompts.loader import template_source

        return template_source(f"targets/{self.name}")

    def available(self) -> bool:
        return all(importlib.util.find_spec(package) is not None for package in self.packages)

    def preload(self) -> None:
        """Import the solver stack and walk its first-solve path once (zygote start-up)."""

    def warm(self) -> None:
        """Walk the solve path a program of this target usually takes, in a parked tree
        (`solvers/_process.py`): by default the same walk as `preload`."""
        self.preload()

    def install_hooks(self, record: Record) -> None:
        """Wrap the solver's solve entry points so each call is recorded (zygote start-up)."""

    def read_event(self, event: SolveEvent) -> Reading | None:
        return None

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        """Readings from objects the program left in its globals (the fallback to hooks)."""
        return []


def number(value: Any) -> float | int | None:
    """A plain JSON number from a solver value (numpy scalars, bools, Fractions), or None."""
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def collect(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in pairs:
        converted = number(value)
        if converted is not None:
            values[str(name)] = converted
            if len(values) >= MAX_VALUES:
                break
    return values


_depth = [0]


def wrap_solve(cls: type, method: str, target: str, record: Record, objects: Callable[..., tuple[Any, ...]]) -> None:
    """Wrap `cls.method` (only where the class defines it) to record a SolveEvent per call."""
    original = cls.__dict__.get(method)
    if original is None or getattr(original, "__optagent_hook__", False):
        return

    @functools.wraps(original)
    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _depth[0]:  # a solve inside a recorded solve (CPMpy calling CP-SAT) is not the user's
            return original(self, *args, **kwargs)
        event = SolveEvent(target, objects(self, *args, **kwargs))
        record(event)
        _depth[0] += 1
        try:
            event.result = original(self, *args, **kwargs)
        except BaseException as error:
            event.error = error
            raise
        finally:
            _depth[0] -= 1
        return event.result

    hooked.__optagent_hook__ = True  # type: ignore[attr-defined]
    setattr(cls, method, hooked)
