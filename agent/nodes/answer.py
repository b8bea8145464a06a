"""The final typed answer from the winning sample, with an honest outcome and explanation."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Answer, AnswerOutcome, Attempt, named_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.explanation import SUMMARY_NOTE, contradictions, number, objective_row, solution_rows, summary
from optagent.agent.llm import ask
from optagent.agent.state import SolveState
from optagent.core.types import ExecResult, Role

_EXPLAINED = (AnswerOutcome.SOLVED, AnswerOutcome.INFEASIBLE, AnswerOutcome.UNBOUNDED)


def _detail(attempt: Attempt) -> str:
    """One line on how the sample ended, when that is not a clean solution."""
    if attempt.diagnosis is None or attempt.diagnosis.finding == "ok":
        return ""
    last = attempt.rounds[-1] if attempt.rounds else None
    if last is not None and last.verdict is not None and last.verdict.blame == "accept":
        return f"the judge accepted it: {last.verdict.reason}"
    first_line = attempt.diagnosis.detail.splitlines()[0] if attempt.diagnosis.detail else attempt.diagnosis.finding
    return f"after {len(attempt.rounds)} round(s): {first_line}"


def _sandbox_note(result: ExecResult | None) -> str:
    if result is None or not (result.isolation or result.isolation_missing):
        return ""
    note = "ran in the sandbox with " + (", ".join(result.isolation) or "no isolation")
    if result.isolation_missing:
        note += "; not available here: " + ", ".join(result.isolation_missing)
    return note


async def answer(state: SolveState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    assert state.tally is not None and state.tally.winner is not None
    settings = runtime.context.settings
    winner = next(a for a in state.attempts if a.sample == state.tally.winner)
    result = winner.result
    outcome = winner.outcome
    printed = dict((result.printed_json or {}) if result else {})
    printed.pop("status", None)
    objective = result.objective if result and result.objective is not None else printed.pop("objective", None)
    printed.pop("objective", None)
    values = (result.values if result else {}) or printed
    calls = [call for attempt in state.attempts for call in attempt.calls] + state.calls
    explanation, note = "", ""
    if settings.explain and outcome in _EXPLAINED:
        rows = solution_rows(values, winner.formulation, winner.understanding)
        goal = objective_row(
            objective if isinstance(objective, (int, float)) else None, winner.formulation, winner.understanding
        )
        mistakes: list[str] = []
        for attempt in range(2):  # the explanation, and once more if it contradicts the solution
            if attempt and settings.over_budget(calls, whole_solve=True):
                break
            output = await ask(
                runtime,
                Role.FORMULATOR,
                "explain",
                problem_id=state.problem.id,
                sample=winner.sample,
                problem=state.problem.text,
                outcome=outcome.value,
                objective=goal,
                rows=rows,
                number=number,
                previous=explanation,
                mistakes=mistakes,
            )
            calls.append(output.record)
            explanation = output.text.strip()
            mistakes = contradictions(explanation, rows, goal, state.problem.text)
            if not mistakes:
                break
        if mistakes:
            explanation, note = summary(rows, goal, outcome.value), SUMMARY_NOTE
    final = Answer(
        problem_id=state.problem.id,
        strategy=settings.strategy,
        outcome=outcome,
        detail=_detail(winner),
        understanding=winner.understanding,
        formulation=winner.formulation,
        code=winner.code,
        language=winner.language,
        target=winner.target,
        result=result,
        objective=objective if isinstance(objective, (int, float)) else None,
        values=values,
        named=named_outputs(result, requested_outputs(state.problem)),
        explanation=explanation,
        explanation_note=note,
        sandbox=_sandbox_note(result),
        vote=state.tally,
        attempts=sorted(state.attempts, key=lambda a: a.sample),
        calls=calls,
    )
    return {"final": final}
