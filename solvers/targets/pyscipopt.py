"""PySCIPOpt (SCIP): nonlinear and mixed-integer nonlinear models, also LP and MILP."""

from __future__ import annotations

import re
from typing import Any

from optagent.core.types import ProblemKind, SolutionStatus
from optagent.solvers.targets.base import Record, SolveEvent, Target, collect, number
from optagent.solvers.targets.python import PYTHON
from optagent.solvers.wire import Reading

_STATUS = {
    "optimal": SolutionStatus.OPTIMAL,
    "infeasible": SolutionStatus.INFEASIBLE,
    "unbounded": SolutionStatus.UNBOUNDED,
    "inforunbd": SolutionStatus.INFEASIBLE_OR_UNBOUNDED,
}


def _read(model: Any) -> Reading | None:
    import pyscipopt

    if not isinstance(model, pyscipopt.scip.Model):
        return None
    status_name = model.getStatus()
    has_solution = model.getNSols() > 0
    status = _STATUS.get(status_name)
    if status is None:
        status = SolutionStatus.FEASIBLE if has_solution and status_name != "unknown" else SolutionStatus.UNKNOWN
    if not has_solution or status not in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
        return Reading("scip", status)
    solution = model.getBestSol()
    values = collect((var.name, model.getSolVal(solution, var)) for var in model.getVars())
    return Reading("scip", status, number(model.getObjVal()), values)


class PySCIPOptTarget(Target):
    name = "pyscipopt"
    program_language = PYTHON
    kinds = frozenset({ProblemKind.LP, ProblemKind.MILP, ProblemKind.NLP, ProblemKind.MINLP})
    packages = ("pyscipopt",)
    description = "PySCIPOpt with SCIP (nonlinear, MINLP, also LP and MILP)"
    fixes = (
        (
            re.compile("Can't evaluate constraints as booleans"),
            "a range lhs <= expr <= rhs is two constraints (or lhs <= (expr <= rhs)); a constraint is never an if-test",
        ),
        (
            re.compile(r"has no attribute 'addVars'"),
            "PySCIPOpt makes one variable per addVar call: x = {i: m.addVar(vtype='C', lb=0) for i in I}",
        ),
        (
            re.compile(r"for \+=: '\S*Expr' and '\S*Term'"),
            (
                "quicksum takes an iterable (quicksum(c[i] * x[i] for i in I)); "
                "a sum of a few terms needs no quicksum: 2 * x + 3 * y"
            ),
        ),
        (
            re.compile(r"requires Expr or number but got type \w+Expr|does not support nonlinear objective"),
            (
                "setObjective takes a linear expression: for a nonlinear objective add a variable z "
                "(lb=None), setObjective(z), and addCons(z >= <expression>) when minimizing (z <= when maximizing)"
            ),
        ),
    )

    def preload(self) -> None:
        import pyscipopt

        model = pyscipopt.Model()
        model.hideOutput()
        x = model.addVar("x", lb=0, ub=3)
        y = model.addVar("y", vtype="I", lb=0, ub=3)
        model.addCons(x * x + y <= 5)
        model.setObjective(x + y, "maximize")
        model.optimize()
        model.getObjVal()

    def install_hooks(self, record: Record) -> None:
        """SCIP's Model is a Cython class, so programs get a subclass that records solves."""
        import pyscipopt

        base = pyscipopt.scip.Model
        if getattr(pyscipopt.Model, "__optagent_hook__", False):
            return

        def optimize(self: Any) -> None:
            record(SolveEvent("pyscipopt", (self,)))
            return base.optimize(self)

        def optimizeNogil(self: Any) -> None:
            record(SolveEvent("pyscipopt", (self,)))
            return base.optimizeNogil(self)

        namespace = {
            "optimize": optimize,
            "optimizeNogil": optimizeNogil,
            "__optagent_hook__": True,
            "__module__": "pyscipopt",
            "__qualname__": "Model",
        }
        # The hooked subclass replaces the module's class; mypy takes a class name for a constant.
        pyscipopt.Model = type("Model", (base,), namespace)  # type: ignore[misc, assignment]

    def read_event(self, event: SolveEvent) -> Reading | None:
        return _read(event.objects[0])

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        return [reading for obj in objects if (reading := _read(obj)) is not None]
