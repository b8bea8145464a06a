"""Read one execution without an LLM and log it as a round.

The finding picks what happens next: a code fault (no program, a crash, no result) goes to
code repair with the traceback; a timeout, an infeasible or unbounded model, or a
suspicious result goes to the judge, which decides whether the formulation or the code is
wrong. Suspicious means: a requested output missing, an objective of exactly 0, every
variable 0, a variable at a huge value (a missing constraint hidden by a big-M or default
bound), a fractional value of an integer variable or of a continuous one that counts whole
things ("the number of buses", no unit; not when the problem states it is continuous, an
LP or NLP), or every variable with a finite upper bound in the formulation sitting at that
bound (no resource constraint binds: usually one is missing), or, read from the program
against the statement (`agent/grounding.py`), a comparison it computes and drops, a stated
bound it keeps the other way, or numbers of the statement it never uses. A vertex solution
has many variables at bounds, so the upper-bound rule looks only at non-binary variables
and fires only when all of at least two sit there.

A program that ran but ignores the problem (none of the statement's numbers appear in it,
typically a cheat sheet's example handed back) is sent back to the coder once, with that
feedback, before anything else is judged; a crash of the cheat sheet's skeleton with its
placeholders left in says so to the repair.
"""

from __future__ import annotations

import ast
import math
import numbers
import re
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Diagnosis, Round, asks_any_solution, named_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.formulation import Domain, Formulation
from optagent.agent.grounding import (
    dropped_comparison,
    flipped_bound,
    ignores_problem,
    left_placeholders,
    parse_python,
    unused_numbers,
)
from optagent.agent.nodes.execute import NO_PROGRAM
from optagent.agent.state import AttemptState
from optagent.core.types import ExecResult, Language, ProblemKind, SolutionStatus, Termination

if TYPE_CHECKING:
    from optagent.solvers.targets.base import Target

_TRACEBACK_CHARS = 3000
_HUGE = 1e9


def _printed_status(result: ExecResult) -> str | None:
    status = (result.printed_json or {}).get("status")
    return status.lower() if isinstance(status, str) else None


def _reported_something(result: ExecResult) -> bool:
    printed = {k: v for k, v in (result.printed_json or {}).items() if k != "status"}
    return result.objective is not None or bool(result.values) or bool(printed)


def _fault_detail(result: ExecResult) -> str:
    parts = [result.error or f"the program ended with {result.termination.value}"]
    if result.traceback:
        parts.append(result.traceback[-_TRACEBACK_CHARS:])
    elif result.stderr:
        parts.append(result.stderr[-_TRACEBACK_CHARS:])
    return "\n".join(parts)


def _python_tree(state: AttemptState) -> ast.Module | None:
    return parse_python(state.code) if _target(state).language is Language.PYTHON else None


def _misread(state: AttemptState, tree: ast.Module | None) -> str | None:
    """A constraint the program drops, or a stated bound it keeps the other way."""
    if tree is None:
        return None
    return dropped_comparison(tree, state.code) or flipped_bound(state.problem.text, tree, state.code)


def _with_misread(state: AttemptState, detail: str) -> str:
    """An infeasible or unbounded verdict, with the misread that may explain it (a dropped
    constraint leaves a model unbounded, a flipped bound can make it infeasible)."""
    misread = _misread(state, _python_tree(state))
    return f"{detail}; {misread}" if misread else detail


def _suspicion(state: AttemptState, result: ExecResult) -> str | None:
    missing = [key for key in requested_outputs(state.problem) if key not in named_outputs(result, [key])]
    if missing:
        return f"the program did not print the requested outputs {missing}"
    tree = _python_tree(state)
    misread = _misread(state, tree)
    if misread:
        return misread
    optimizing = not asks_any_solution(state.problem) and not (state.formulation and state.formulation.is_feasibility)
    if optimizing and result.objective is not None and result.objective == 0:
        return "the objective is exactly 0"
    numeric = {name: float(v) for name, v in result.values.items() if isinstance(v, numbers.Real)}
    if numeric and all(v == 0 for v in numeric.values()):
        return "every variable is 0"
    huge = [name for name, v in numeric.items() if abs(v) >= _HUGE]
    if huge:
        return f"{huge[0]} = {numeric[huge[0]]:g}: a value this large usually means a missing constraint"
    if state.formulation is not None:
        continuous = state.problem.kind in (ProblemKind.LP, ProblemKind.NLP)
        fractional = _fractional_count(state.formulation, numeric, counts_are_integer=not continuous)
        bound = fractional or _all_at_upper_bounds(state.formulation, numeric)
        if bound:
            return bound
    return unused_numbers(state.problem.text, tree) if tree else None


_MEASURES = (
    r"(?:hours?|minutes?|days?|weeks?|months?|years?|acres?|hectares?|square|cubic|kilo\w*|kg|grams?|tons?"
    r"|tonnes?|lit(?:er|re)s?|gallons?|pounds?|lbs?|ounces?|dollars?|miles?|met(?:er|re)s?|feet|km)\b"
)
_COUNTS = re.compile(rf"^(?:the )?(?:number|count) of (?!{_MEASURES})|\bhow many (?!{_MEASURES})", re.IGNORECASE)
_NO_UNIT = frozenset({"", "none", "count", "units", "unit"})


def _fractional_count(formulation: Formulation, values: dict[str, float], counts_are_integer: bool) -> str | None:
    """A fractional value of a variable the formulation makes integer (the program did not),
    or, unless the problem states it is continuous, of a continuous one whose text counts
    whole things ("number of buses", no unit; not "number of hours")."""
    variables = {v.name: v for v in formulation.variables}
    for name, value in values.items():
        variable = variables.get(name.split("[", 1)[0])
        if variable is None or not math.isfinite(value) or abs(value - round(value)) <= 1e-6 + 1e-9 * abs(value):
            continue
        if variable.domain is not Domain.CONTINUOUS:
            return f"{name} = {value:g}, but the formulation makes it {variable.domain.value}: the program must too"
        text = variable.text.strip()
        if counts_are_integer and _COUNTS.search(text) and variable.unit.strip().lower() in _NO_UNIT:
            return f'{name} = {value:g}, but "{text}" counts whole things: a count is integer'
    return None


def _all_at_upper_bounds(formulation: Formulation, values: dict[str, float]) -> str | None:
    """Every value of a non-binary variable with a finite upper bound sits at that bound.

    Solver names of indexed variables look like `x[1]` or `x[a,b]`; they map to the
    formulation's `x` by the part before the bracket.
    """
    uppers = {v.name: v.upper for v in formulation.variables if v.upper is not None and v.domain is not Domain.BINARY}
    bounded = [(value, uppers[base]) for name, value in values.items() if (base := name.split("[", 1)[0]) in uppers]
    if len(bounded) >= 2 and all(abs(value - upper) <= 1e-6 * (1 + abs(upper)) for value, upper in bounded):
        return "every variable with an upper bound is at that bound: no constraint binds, one may be missing"
    return None


def diagnosis_of(state: AttemptState) -> Diagnosis:
    result = state.result
    assert result is not None
    printed = _printed_status(result)
    if result.error == NO_PROGRAM:
        return Diagnosis(finding="no_code", detail=NO_PROGRAM)
    if result.solution_status is SolutionStatus.INFEASIBLE or printed == "infeasible":
        return Diagnosis(finding="infeasible", detail=_with_misread(state, "the solver reported the model infeasible"))
    if result.solution_status is SolutionStatus.INFEASIBLE_OR_UNBOUNDED:
        return Diagnosis(
            finding="infeasible", detail=_with_misread(state, "the solver reported the model infeasible or unbounded")
        )
    if result.solution_status is SolutionStatus.UNBOUNDED or printed == "unbounded":
        return Diagnosis(finding="unbounded", detail=_with_misread(state, "the solver reported the model unbounded"))
    if result.termination is Termination.TIMEOUT:
        return Diagnosis(finding="timeout", detail=f"the program ran out of time: {result.error or ''}".strip())
    if result.termination is not Termination.OK:
        skeleton = left_placeholders(state.code, _cheat_sheet(state))
        hint = ignores_problem(state.problem.text, state.code, _cheat_sheet(state)) if skeleton else None
        return Diagnosis(finding="crash", detail=(f"{hint}\n" if hint else "") + _fault_detail(result))
    if not (result.solved or _reported_something(result)):
        return Diagnosis(finding="no_result", detail="the program ran but reported no solution")
    if not any(r.diagnosis.finding == "ignores_problem" for r in state.rounds):
        ignored = ignores_problem(state.problem.text, state.code, _cheat_sheet(state))
        if ignored:
            return Diagnosis(finding="ignores_problem", detail=ignored)
    suspicion = _suspicion(state, result)
    if suspicion:
        return Diagnosis(finding="suspicious", detail=suspicion)
    return Diagnosis(finding="ok")


def _target(state: AttemptState) -> Target:
    from optagent.solvers.targets import get_target

    return get_target(state.target or "pyomo")


def _cheat_sheet(state: AttemptState) -> str:
    return _target(state).cheat_sheet


async def diagnose(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    diagnosis = diagnosis_of(state)
    assert state.result is not None
    round_ = Round(
        sample=state.sample,
        index=len(state.rounds),
        trigger=state.trigger,
        code=state.code,
        result=state.result,
        diagnosis=diagnosis,
    )
    update: dict[str, Any] = {"diagnosis": diagnosis, "rounds": [round_], "verdict": None}
    if diagnosis.finding == "ignores_problem":
        update |= {"feedback": diagnosis.detail, "trigger": "recode"}
    return update
