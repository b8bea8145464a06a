"""When a sample's loops stop: the budget is spent, or the last round made no progress.

Every loop of the attempt graph (repair, judge, the rewrite of a program that ignores the
problem, and any loop a strategy adds) asks `stop_reason` before it starts another round;
`finish` records the reason as a note, so a stopped sample says why.

No progress means the last round repeated an earlier one: the same program ran again, the
result was the same as the round before (finding, objective and detail), or the judge gave
the same verdict twice in a row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optagent.agent.answer import Round

if TYPE_CHECKING:
    from optagent.agent.context import AgentSettings
    from optagent.agent.state import AttemptState


def _same_result(a: Round, b: Round) -> bool:
    """Same finding and detail, and the same solution: objective, values and printed JSON
    (a satisfaction problem has no objective, so two different solutions differ only there)."""

    def key(r: Round) -> tuple[object, ...]:
        return (r.diagnosis.finding, r.diagnosis.detail, r.result.objective, r.result.values, r.result.printed_json)

    return key(a) == key(b)


def stall(rounds: list[Round]) -> str | None:
    """One line on how the last round repeated an earlier one, or None."""
    if len(rounds) < 2:
        return None
    last, before = rounds[-1], rounds[-2]
    if last.code.strip() and any(last.code.strip() == r.code.strip() for r in rounds[:-1]):
        return "no progress: the same program was written again"
    if _same_result(last, before):
        return f"no progress: the same result twice ({last.diagnosis.finding})"
    judged = [r.verdict for r in rounds if r.verdict is not None]
    if len(judged) >= 2 and judged[-1] == judged[-2] and last.verdict is not None:
        return f"no progress: the judge gave the same verdict twice ({last.verdict.blame})"
    return None


def stop_reason(state: AttemptState, settings: AgentSettings) -> str | None:
    """Why this sample may not start another round (budget or no progress), or None."""
    return settings.over_budget(state.calls) or stall(state.rounds)
