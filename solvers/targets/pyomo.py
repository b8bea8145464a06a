"""Pyomo with HiGHS (LP, MILP, convex QP): `SolverFactory("appsi_highs")` or `"highs"`."""

from __future__ import annotations

import re
from typing import Any

from optagent.core.types import ProblemKind, SolutionStatus
from optagent.solvers.targets.base import Record, SolveEvent, Target, collect, number, wrap_solve
from optagent.solvers.targets.python import PYTHON
from optagent.solvers.wire import Reading

# Termination-condition names of Pyomo's three result APIs (legacy SolverResults, appsi,
# pyomo.contrib.solver), compared lower-cased so one table serves all of them.
_TERMINATION = {
    "optimal": SolutionStatus.OPTIMAL,
    "globallyoptimal": SolutionStatus.OPTIMAL,
    "locallyoptimal": SolutionStatus.OPTIMAL,
    "feasible": SolutionStatus.FEASIBLE,
    "infeasible": SolutionStatus.INFEASIBLE,
    "provenininfeasible": SolutionStatus.INFEASIBLE,
    "proveninfeasible": SolutionStatus.INFEASIBLE,
    "locallyinfeasible": SolutionStatus.INFEASIBLE,
    "unbounded": SolutionStatus.UNBOUNDED,
    "infeasibleorunbounded": SolutionStatus.INFEASIBLE_OR_UNBOUNDED,
}

_HIGHS = {
    "kOptimal": SolutionStatus.OPTIMAL,
    "kInfeasible": SolutionStatus.INFEASIBLE,
    "kUnbounded": SolutionStatus.UNBOUNDED,
    "kUnboundedOrInfeasible": SolutionStatus.INFEASIBLE_OR_UNBOUNDED,
}


def _is_model(obj: Any) -> bool:
    from pyomo.core.base.block import BlockData

    return isinstance(obj, BlockData) and obj.parent_block() is None


def _is_results(obj: Any) -> bool:
    return hasattr(obj, "termination_condition") or hasattr(getattr(obj, "solver", None), "termination_condition")


def _status_from_results(results: Any) -> SolutionStatus | None:
    condition = getattr(results, "termination_condition", None)
    if condition is None:
        condition = getattr(getattr(results, "solver", None), "termination_condition", None)
    if condition is None:
        return None
    name = str(getattr(condition, "name", condition)).lower()
    if name == "convergencecriteriasatisfied":
        solution = str(getattr(getattr(results, "solution_status", None), "name", "")).lower()
        return SolutionStatus.OPTIMAL if solution in ("optimal", "") else SolutionStatus.FEASIBLE
    return _TERMINATION.get(name)


def _status_from_highs(solver: Any) -> SolutionStatus | None:
    """Appsi and contrib HiGHS keep their highspy model; it still knows after a raise."""
    highs = getattr(solver, "_solver_model", None)
    if highs is None or not hasattr(highs, "getModelStatus"):
        return None
    return _HIGHS.get(highs.getModelStatus().name)


def _reading(model: Any, status: SolutionStatus | None, solver_name: str) -> Reading:
    from pyomo.environ import Objective, Var, value

    values = collect(
        (var.name, var.value) for var in model.component_data_objects(Var, descend_into=True) if var.value is not None
    )
    objective = None
    for component in model.component_data_objects(Objective, active=True, descend_into=True):
        objective = number(value(component, exception=False))
        break
    if status is None:
        status = SolutionStatus.UNKNOWN
    elif status in (SolutionStatus.INFEASIBLE, SolutionStatus.UNBOUNDED, SolutionStatus.INFEASIBLE_OR_UNBOUNDED):
        objective, values = None, {}
    return Reading(solver_name, status, objective, values)


def _solver_name(solver: Any) -> str:
    if hasattr(getattr(solver, "_solver_model", None), "getModelStatus"):
        return "pyomo/highs"
    name = getattr(solver, "name", None)
    return f"pyomo/{name if isinstance(name, str) else type(solver).__name__.lower()}"


class PyomoTarget(Target):
    name = "pyomo"
    program_language = PYTHON
    kinds = frozenset({ProblemKind.LP, ProblemKind.MILP, ProblemKind.NLP})
    packages = ("pyomo", "highspy")
    description = "Pyomo modelling with the HiGHS solver (LP, MILP, convex QP)"
    fixes = (
        (
            re.compile("strict inequality"),
            (
                "write <= or >= instead: x > 0 becomes a lower bound (bounds=(1e-6, None), or 1 for "
                "an integer x), or no constraint when the domain already keeps x nonnegative"
            ),
        ),
        (
            re.compile("does not have a proper value"),
            "pyo.Constraint(expr=...) takes a relation: two expressions joined by <=, >= or ==",
        ),
        (
            re.compile("Set operator to (?:a non-Set|an indexed)"),
            (
                "the positional arguments of a component (pyo.Var, pyo.Constraint, pyo.Param) are Sets "
                "to index it by, never variables: a single variable is pyo.Var(domain=...)"
            ),
        ),
        (
            re.compile(
                r"(?:operand type\(s\) for|not supported between instances of) .*'Indexed(?:Var|Param|Expression)'"
            ),
            (
                "an indexed component is a family, one member per element of its set: use one member "
                "(m.x[i]) or sum over the set (sum(c[i] * m.x[i] for i in m.I))"
            ),
        ),
        (
            re.compile("resolved to a trivial Boolean"),
            (
                "the constraint compares numbers only, no variable: write it over the model's variables, "
                "or leave it out when it is a fact of the data"
            ),
        ),
        (
            re.compile("Accessing Pyomo Sets by position"),
            "use a Set's elements by name or by a loop over it (for r in m.R), not by position: m.R[0] is no element",
        ),
        (
            re.compile("is not valid for indexed component"),
            (
                "an index must be an element of the component's set: with m.I = pyo.Set(initialize=['a', 'b']), "
                "m.x['a'], not m.x[0]; loop over the set itself (for i in m.I)"
            ),
        ),
    )

    def preload(self) -> None:
        _solve_small(("appsi_highs", "highs"))

    def warm(self) -> None:
        """Only the interface the cheat-sheet teaches (`appsi_highs`): a third less CPU."""
        _solve_small(("appsi_highs",))

    def install_hooks(self, record: Record) -> None:
        from pyomo.contrib.appsi import base as appsi_base
        from pyomo.contrib.appsi.solvers import highs as appsi_highs
        from pyomo.contrib.solver.common import base as contrib_base
        from pyomo.contrib.solver.common import persistent as contrib_persistent
        from pyomo.contrib.solver.solvers import highs as contrib_highs
        from pyomo.opt.base.solvers import OptSolver

        def objects(solver: Any, model: Any = None, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
            return (solver, model)

        for cls in (
            OptSolver,
            appsi_base.LegacySolverInterface,
            appsi_highs.Highs,
            contrib_base.LegacySolverWrapper,
            contrib_persistent.PersistentSolverMixin,
            contrib_highs.Highs,
        ):
            wrap_solve(cls, "solve", self.name, record, objects)

    def read_event(self, event: SolveEvent) -> Reading | None:
        solver, model = event.objects
        if model is None or not _is_model(model):
            return None
        status = _status_from_results(event.result) if event.result is not None else None
        return _reading(model, status or _status_from_highs(solver), _solver_name(solver))

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        results = [obj for obj in objects if _is_results(obj)]
        status = _status_from_results(results[-1]) if results else None
        return [_reading(obj, status, "pyomo") for obj in objects if _is_model(obj)]


def _solve_small(solvers: tuple[str, ...]) -> None:
    import pyomo.environ as pyo

    model = pyo.ConcreteModel()
    model.x = pyo.Var(domain=pyo.NonNegativeIntegers)
    model.y = pyo.Var(domain=pyo.NonNegativeReals)
    model.c = pyo.Constraint(expr=model.x + 2 * model.y <= 4)
    model.o = pyo.Objective(expr=model.x + model.y, sense=pyo.maximize)
    for solver in solvers:
        pyo.SolverFactory(solver).solve(model)
    pyo.value(model.o)
