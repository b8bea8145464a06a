"""gurobipy programs, run when the user has gurobipy installed (a licence for large models)."""

from __future__ import annotations

from typing import Any

from optagent.core.types import ProblemKind, SolutionStatus
from optagent.solvers.targets.base import SolveEvent, Target, collect, number
from optagent.solvers.targets.python import PYTHON
from optagent.solvers.wire import Reading

# gurobipy.GRB.Status codes.
_STATUS = {
    2: SolutionStatus.OPTIMAL,
    3: SolutionStatus.INFEASIBLE,
    4: SolutionStatus.INFEASIBLE_OR_UNBOUNDED,
    5: SolutionStatus.UNBOUNDED,
}

MISSING = "needs gurobipy (pip install gurobipy; a licence for large models)"


def _read(model: Any) -> Reading | None:
    import gurobipy

    if not isinstance(model, gurobipy.Model):
        return None
    status = _STATUS.get(model.Status)
    has_solution = model.SolCount > 0
    if status is None:
        status = SolutionStatus.FEASIBLE if has_solution else SolutionStatus.UNKNOWN
    if status not in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        return Reading("gurobi", status)
    values = collect((var.VarName, var.X) for var in model.getVars())
    return Reading("gurobi", status, number(model.ObjVal), values)


class GurobipyTarget(Target):
    name = "gurobipy"
    program_language = PYTHON
    kinds = frozenset({ProblemKind.LP, ProblemKind.MILP, ProblemKind.NLP, ProblemKind.MINLP})
    packages = ("gurobipy",)
    description = "gurobipy (commercial Gurobi; runs only where the user installed it)"
    missing_message = MISSING

    def preload(self) -> None:
        import gurobipy  # noqa: F401

    def read_event(self, event: SolveEvent) -> Reading | None:
        return _read(event.objects[0])

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        if not self.available():
            return []
        return [reading for obj in objects if (reading := _read(obj)) is not None]
