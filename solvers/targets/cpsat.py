"""OR-Tools CP-SAT: integer constraint programming with a CpModel and a CpSolver."""

from __future__ import annotations

import re
from typing import Any

from optagent.core.types import ProblemKind, SolutionStatus
from optagent.solvers.targets.base import Record, SolveEvent, Target, collect, number, wrap_solve
from optagent.solvers.targets.python import PYTHON
from optagent.solvers.wire import Reading

# CP-SAT cannot prove unboundedness: every variable has a finite domain.
_STATUS = {
    "OPTIMAL": SolutionStatus.OPTIMAL,
    "FEASIBLE": SolutionStatus.FEASIBLE,
    "INFEASIBLE": SolutionStatus.INFEASIBLE,
}


def _read(solver: Any, model: Any) -> Reading | None:
    from ortools.sat.python import cp_model

    if not isinstance(solver, cp_model.CpSolver):
        return None
    try:
        response = solver.response_proto
    except Exception:  # never solved: ortools raises on reading an empty response
        return None
    status = _STATUS.get(response.status.name, SolutionStatus.UNKNOWN)
    if status not in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        return Reading("cp-sat", status)
    values: dict[str, Any] = {}
    if isinstance(model, cp_model.CpModel):
        variables = model.proto.variables
        values = collect(
            (variables[index].name or f"v{index}", value)
            for index, value in enumerate(response.solution)
            if index < len(variables)
        )
    objective = number(solver.objective_value) if model is None or model.has_objective() else None
    return Reading("cp-sat", status, objective, values)


class CPSATTarget(Target):
    name = "cpsat"
    program_language = PYTHON
    kinds = frozenset({ProblemKind.CP_SATISFACTION, ProblemKind.CP_OPTIMIZATION, ProblemKind.MILP})
    packages = ("ortools",)
    fixes = (
        (
            re.compile("incompatible constructor arguments"),
            (
                "CP-SAT bounds are integers, both given (new_int_var(lb, ub, name), add_linear_constraint, "
                "Domain): no None, no float"
            ),
        ),
    )
    description = "Google OR-Tools CP-SAT (integer constraint programming)"

    def preload(self) -> None:
        from ortools.sat.python import cp_model

        model = cp_model.CpModel()
        x = model.new_int_var(0, 10, "x")
        model.add(2 * x <= 7)
        model.maximize(x)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.solve(model)

    def install_hooks(self, record: Record) -> None:
        from ortools.sat.python import cp_model

        def objects(solver: Any, model: Any = None, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
            return (solver, model)

        for method in ("solve", "Solve"):
            wrap_solve(cp_model.CpSolver, method, self.name, record, objects)

    def read_event(self, event: SolveEvent) -> Reading | None:
        return _read(*event.objects)

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        from ortools.sat.python import cp_model

        models = [obj for obj in objects if isinstance(obj, cp_model.CpModel)]
        return [reading for obj in objects if (reading := _read(obj, models[-1] if models else None)) is not None]
