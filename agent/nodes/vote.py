"""Majority over the samples' solved results (self-consistency, CP-Bench's repeated sampling).

Solved samples are grouped by objective under the strict tolerance
(|a - b| / (|b| + 1) <= 1e-6; satisfaction results, with no objective, form one group);
the largest group wins, and the judge breaks a tie between equally large groups. With no
solved sample, the most common way of failing wins, so the answer reports it honestly.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel

from optagent.agent.answer import AnswerOutcome, Attempt, Vote
from optagent.agent.context import RunContext
from optagent.agent.llm import ask_structured
from optagent.agent.models.base import CallRecord, Role
from optagent.agent.state import SolveState
from optagent.benchmarks.scoring import strict_match


class TieBreak(BaseModel):
    choice: int
    reason: str = ""


def _agree(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return strict_match(a, b)


def group_by_objective(attempts: list[Attempt]) -> list[list[Attempt]]:
    groups: list[list[Attempt]] = []
    for attempt in attempts:
        objective = attempt.result.objective if attempt.result else None
        home = next((g for g in groups if _agree(objective, g[0].result.objective if g[0].result else None)), None)
        if home is None:
            groups.append([attempt])
        else:
            home.append(attempt)
    return groups


async def _break_tie(
    state: SolveState, runtime: Runtime[RunContext], leaders: list[list[Attempt]]
) -> tuple[list[Attempt], str, list[CallRecord]]:
    candidates = [
        {
            "objective": group[0].result.objective if group[0].result else None,
            "support": len(group),
            "code": group[0].code,
            "language": group[0].language.value,
        }
        for group in leaders
    ]
    choice, calls, notes = await ask_structured(
        runtime,
        Role.JUDGE,
        "vote",
        TieBreak,
        problem_id=state.problem.id,
        sample=0,
        problem=state.problem.text,
        candidates=candidates,
    )
    if choice is None or not 1 <= choice.choice <= len(leaders):
        reason = notes[0] if notes else f"the judge chose {choice.choice if choice else None}, not a candidate"
        return leaders[0], f"tie kept the first group: {reason}", calls
    return leaders[choice.choice - 1], choice.reason, calls


async def vote(state: SolveState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    attempts = sorted(state.attempts, key=lambda a: a.sample)
    solved = [a for a in attempts if a.outcome is AnswerOutcome.SOLVED]
    if solved:
        groups = group_by_objective(solved)
    else:
        by_outcome = Counter(a.outcome for a in attempts)
        groups = [[a for a in attempts if a.outcome is outcome] for outcome, _ in by_outcome.most_common()]
    top = max(len(g) for g in groups)
    leaders = [g for g in groups if len(g) == top]
    calls: list[CallRecord] = []
    reason = ""
    tie_broken = bool(solved) and len(leaders) > 1
    if tie_broken:
        winners, reason, calls = await _break_tie(state, runtime, leaders)
    else:
        winners = leaders[0]
    result = Vote(
        groups=[[a.sample for a in g] for g in groups],
        winner=winners[0].sample,
        tie_broken_by_judge=tie_broken,
        reason=reason,
    )
    return {"tally": result, "calls": calls}
