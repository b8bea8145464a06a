"""CPMpy on its OR-Tools backend: constraint models in NumPy-style Python.

CPMpy's own MiniZinc backend needs MiniZinc >= 2.8.2, newer than Debian's, so programs are
steered to the default OR-Tools backend; `.mzn` programs use the `minizinc` target.
"""

from __future__ import annotations

import re
from typing import Any

from optagent.core.types import ProblemKind, SolutionStatus
from optagent.solvers.targets.base import Record, SolveEvent, Target, collect, number, wrap_solve
from optagent.solvers.targets.python import PYTHON
from optagent.solvers.wire import Reading

_STATUS = {
    "OPTIMAL": SolutionStatus.OPTIMAL,
    "FEASIBLE": SolutionStatus.FEASIBLE,
    "UNSATISFIABLE": SolutionStatus.INFEASIBLE,
}


def _read(obj: Any) -> Reading | None:
    import cpmpy
    from cpmpy.solvers.solver_interface import SolverInterface
    from cpmpy.transformations.get_variables import get_variables_model

    if isinstance(obj, cpmpy.Model):
        variables = get_variables_model(obj)
        name = "cpmpy"
    elif isinstance(obj, SolverInterface):
        variables = sorted(obj.user_vars, key=str)
        name = f"cpmpy/{obj.name}"
    else:
        return None
    status = _STATUS.get(obj.status().exitstatus.name, SolutionStatus.UNKNOWN)
    if status not in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        return Reading(name, status)
    values = collect((var.name, var.value()) for var in variables)
    return Reading(name, status, number(obj.objective_value()), values)


class CPMpyTarget(Target):
    name = "cpmpy"
    program_language = PYTHON
    kinds = frozenset({ProblemKind.CP_SATISFACTION, ProblemKind.CP_OPTIMIZATION, ProblemKind.MILP})
    packages = ("cpmpy", "ortools")
    fixes = (
        (
            re.compile("IntVar (?:lower|upper)bound must be integer"),
            "cp.intvar(lb, ub) takes two integer bounds, both given: cp.intvar(0, 100)",
        ),
    )
    description = "CPMpy constraint models solved with OR-Tools CP-SAT"

    def preload(self) -> None:
        import cpmpy as cp

        x = cp.intvar(0, 5, shape=2, name="x")
        model = cp.Model(cp.AllDifferent(x), x[0] + x[1] <= 6, maximize=x[0])
        model.solve()
        model.objective_value()

    def install_hooks(self, record: Record) -> None:
        import cpmpy

        wrap_solve(cpmpy.Model, "solve", self.name, record, lambda model, *args, **kwargs: (model,))
        for _, solver_class in cpmpy.SolverLookup.base_solvers():
            wrap_solve(solver_class, "solve", self.name, record, lambda solver, *args, **kwargs: (solver,))

    def read_event(self, event: SolveEvent) -> Reading | None:
        return _read(event.objects[0])

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        return [reading for obj in objects if (reading := _read(obj)) is not None]
