"""Read one execution without an LLM and log it as a round.

The finding picks what happens next: a code fault (no program, a crash, no result) goes to
code repair with the traceback; a timeout, an infeasible or unbounded model, or a
suspicious result (an objective of exactly 0, every variable 0, a requested output
missing) goes to the judge, which decides whether the formulation or the code is wrong.
"""

from __future__ import annotations

import numbers
from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Diagnosis, Round, named_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.nodes.execute import NO_PROGRAM
from optagent.agent.state import AttemptState
from optagent.solvers.result import ExecResult, SolutionStatus, Termination

_TRACEBACK_CHARS = 3000


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


def _suspicion(state: AttemptState, result: ExecResult) -> str | None:
    missing = [key for key in requested_outputs(state.problem) if key not in named_outputs(result, [key])]
    if missing:
        return f"the program did not print the requested outputs {missing}"
    optimizing = state.formulation is None or not state.formulation.is_feasibility
    if optimizing and result.objective is not None and result.objective == 0:
        return "the objective is exactly 0"
    numbers_found = [v for v in result.values.values() if isinstance(v, numbers.Number)]
    if numbers_found and all(v == 0 for v in numbers_found):
        return "every variable is 0"
    return None


def diagnosis_of(state: AttemptState) -> Diagnosis:
    result = state.result
    assert result is not None
    printed = _printed_status(result)
    if result.error == NO_PROGRAM:
        return Diagnosis(finding="no_code", detail=NO_PROGRAM)
    if result.solution_status is SolutionStatus.INFEASIBLE or printed == "infeasible":
        return Diagnosis(finding="infeasible", detail="the solver reported the model infeasible")
    if result.solution_status is SolutionStatus.INFEASIBLE_OR_UNBOUNDED:
        return Diagnosis(finding="infeasible", detail="the solver reported the model infeasible or unbounded")
    if result.solution_status is SolutionStatus.UNBOUNDED or printed == "unbounded":
        return Diagnosis(finding="unbounded", detail="the solver reported the model unbounded")
    if result.termination is Termination.TIMEOUT:
        return Diagnosis(finding="timeout", detail=f"the program ran out of time: {result.error or ''}".strip())
    if result.termination is not Termination.OK:
        return Diagnosis(finding="crash", detail=_fault_detail(result))
    if not (result.solved or _reported_something(result)):
        return Diagnosis(finding="no_result", detail="the program ran but reported no solution")
    suspicion = _suspicion(state, result)
    if suspicion:
        return Diagnosis(finding="suspicious", detail=suspicion)
    return Diagnosis(finding="ok")


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
    return {"diagnosis": diagnosis, "rounds": [round_], "verdict": None}
