"""Solver targets: one module per language, looked up by name and imported lazily.

Adding a target is one module defining a `Target` subclass and one line in `TARGETS`.
"""

from __future__ import annotations

import functools
import importlib

from optagent.core.errors import OptagentError
from optagent.solvers.targets.base import Reading, SolveEvent, Target

TARGETS: dict[str, str] = {
    "pyomo": "optagent.solvers.targets.pyomo:PyomoTarget",
    "pyscipopt": "optagent.solvers.targets.pyscipopt:PySCIPOptTarget",
    "pulp": "optagent.solvers.targets.pulp:PulpTarget",
    "cpmpy": "optagent.solvers.targets.cpmpy:CPMpyTarget",
    "cpsat": "optagent.solvers.targets.cpsat:CPSATTarget",
    "minizinc": "optagent.solvers.targets.minizinc:MiniZincTarget",
    "gurobipy": "optagent.solvers.targets.gurobipy:GurobipyTarget",
}


@functools.cache
def get_target(name: str) -> Target:
    try:
        module_name, class_name = TARGETS[name].split(":")
    except KeyError:
        raise OptagentError(f"unknown target '{name}'; choose one of {', '.join(TARGETS)}") from None
    return getattr(importlib.import_module(module_name), class_name)()


def all_targets() -> list[Target]:
    return [get_target(name) for name in TARGETS]


__all__ = ["TARGETS", "Reading", "SolveEvent", "Target", "all_targets", "get_target"]
