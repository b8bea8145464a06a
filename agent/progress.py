"""When a sample's loops stop: the budget is spent, or the last round made no progress.

Every loop of the attempt graph (repair, judge, the rewrite of a program that ignores the
problem, and any loop a strategy adds) asks `stop_reason` before it starts another round;
`finish` records the reason as a note, so a stopped sample says why.

No progress means the last round repeated an earlier one: the same program ran again, the
result was the same as the round before (finding, objective and detail), or the judge gave
the same verdict twice in a row.

One stall gets a second chance: a repair that handed its crashing program back unchanged
(measured: 13 of 18 repairs by Qwen2.5-Coder-1.5B did). The program is then written anew
once, from the problem and the error, without showing it (`rewrite_due`), since a coder that
sees the program can copy it.
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


def returned_unchanged(rounds: list[Round]) -> bool:
    """The last round's program is a repair that handed the program before it back unchanged."""
    return len(rounds) >= 2 and rounds[-1].trigger == "repair" and rounds[-1].code.strip() == rounds[-2].code.strip()


def rewrite_due(state: AttemptState, settings: AgentSettings) -> bool:
    """A crashing program came back unchanged from its repair, no rewrite was tried yet in this
    sample, and repair rounds and budget are left: write it anew instead of stopping."""
    assert state.diagnosis is not None
    return (
        settings.plan.repair
        and state.diagnosis.code_fault
        and state.repairs < settings.max_repairs
        and returned_unchanged(state.rounds)
        and not any(r.trigger == "rewrite" for r in state.rounds)
        and settings.over_budget(state.calls) is None
    )


def stop_reason(state: AttemptState, settings: AgentSettings) -> str | None:
    """Why this sample may not start another round (budget or no progress), or None."""
    return settings.over_budget(state.calls) or stall(state.rounds)
