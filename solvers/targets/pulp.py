"""PuLP with its bundled CBC: many published LP/MILP programs are written in it."""

from __future__ import annotations

from typing import Any

from optagent.core.types import ProblemKind, SolutionStatus
from optagent.solvers.targets.base import Record, SolveEvent, Target, collect, number, wrap_solve
from optagent.solvers.targets.python import PYTHON
from optagent.solvers.wire import Reading

# LpProblem.status: 1 optimal, 0 not solved, -1 infeasible, -2 unbounded, -3 undefined.
# LpProblem.sol_status: 1 optimal, 2 integer feasible, 0 no solution, -1 infeasible, -2 unbounded.
_STATUS = {-1: SolutionStatus.INFEASIBLE, -2: SolutionStatus.UNBOUNDED}


def _read(problem: Any) -> Reading | None:
    import pulp

    if not isinstance(problem, pulp.LpProblem):
        return None
    status = _STATUS.get(problem.status) or _STATUS.get(problem.sol_status)
    if status is None:
        if problem.sol_status == 1 or (problem.status == 1 and problem.sol_status != 2):
            status = SolutionStatus.OPTIMAL
        elif problem.sol_status == 2:
            status = SolutionStatus.FEASIBLE
        else:
            status = SolutionStatus.UNKNOWN
    if status not in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        return Reading("pulp/cbc", status)
    objective = number(pulp.value(problem.objective)) if problem.objective is not None else None
    values = collect((var.name, var.varValue) for var in problem.variables())
    return Reading("pulp/cbc", status, objective, values)


class PulpTarget(Target):
    name = "pulp"
    program_language = PYTHON
    kinds = frozenset({ProblemKind.LP, ProblemKind.MILP})
    packages = ("pulp",)
    description = "PuLP with its bundled CBC solver (LP, MILP)"

    def preload(self) -> None:
        import pulp

        problem = pulp.LpProblem("warm", pulp.LpMaximize)
        x = pulp.LpVariable("x", 0, 3)
        problem += x
        problem += x <= 2
        problem.solve(pulp.PULP_CBC_CMD(msg=False))

    def install_hooks(self, record: Record) -> None:
        import pulp

        wrap_solve(pulp.LpProblem, "solve", self.name, record, lambda problem, *args, **kwargs: (problem,))

    def read_event(self, event: SolveEvent) -> Reading | None:
        return _read(event.objects[0])

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        return [reading for obj in objects if (reading := _read(obj)) is not None]
