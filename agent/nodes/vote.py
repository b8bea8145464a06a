"""One vote over the samples (self-consistency, CP-Bench's repeated sampling).

Each sample casts one ballot, by what it concluded:
- an optimization result votes for its objective (samples agree under the strict tolerance
  |a - b| / (|b| + 1) <= 1e-6);
- a satisfaction result (a satisfaction problem, or no objective at all) votes for its
  printed solution, canonicalised: keys sorted, booleans as 0/1, integral floats as ints, so
  `{"x": [1.0, true]}` and `{"x": [1, 1]}` are one ballot;
- an infeasible or unbounded verdict is a ballot too, so two samples that prove a problem
  infeasible outvote one that "solved" it.
A crash, a timeout or a silent program casts none. The largest group wins; a tie between
groups is broken by the judge at temperature 0. With no ballot at all, the most common way
of failing wins, so the answer reports it honestly.
"""

from __future__ import annotations

import json
import numbers
from collections import Counter
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel

from optagent.agent.answer import AnswerOutcome, Attempt, Vote
from optagent.agent.context import RunContext
from optagent.agent.llm import ask_structured
from optagent.agent.state import SolveState
from optagent.benchmarks.scoring import strict_match
from optagent.core.types import CallRecord, Problem, ProblemKind, Role

Ballot = tuple[str, Any]
_NOT_SOLUTION = ("status", "objective")


class TieBreak(BaseModel):
    choice: int
    reason: str = ""


def canonical(value: Any) -> Any:
    """A printed value in one form: booleans and integral floats as ints, containers as tuples."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if number.is_integer() else round(number, 9)
    if isinstance(value, dict):
        return tuple(sorted((str(key), canonical(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(canonical(item) for item in value)
    return value


def _objective(attempt: Attempt) -> float | None:
    result = attempt.result
    if result is None:
        return None
    if result.objective is not None:
        return result.objective
    printed = (result.printed_json or {}).get("objective")
    return float(printed) if isinstance(printed, numbers.Real) and not isinstance(printed, bool) else None


def ballot(attempt: Attempt, problem: Problem) -> Ballot | None:
    """What this sample votes for, or None when it concluded nothing."""
    outcome = attempt.outcome
    if outcome in (AnswerOutcome.INFEASIBLE, AnswerOutcome.UNBOUNDED):
        return ("verdict", outcome.value)
    if outcome is not AnswerOutcome.SOLVED or attempt.result is None:
        return None
    objective = _objective(attempt)
    if objective is not None and problem.kind is not ProblemKind.CP_SATISFACTION:
        return ("objective", objective)
    printed = {k: v for k, v in (attempt.result.printed_json or {}).items() if k not in _NOT_SOLUTION}
    return ("solution", json.dumps(canonical(printed or attempt.result.values)))


def _agree(a: Ballot, b: Ballot) -> bool:
    if a[0] != b[0]:
        return False
    return strict_match(a[1], b[1]) if a[0] == "objective" else a[1] == b[1]


def group_ballots(attempts: list[Attempt], problem: Problem) -> list[tuple[Ballot, list[Attempt]]]:
    """Samples with agreeing ballots, in order of first appearance; samples without one left out."""
    groups: list[tuple[Ballot, list[Attempt]]] = []
    for attempt in attempts:
        cast = ballot(attempt, problem)
        if cast is None:
            continue
        home = next((members for key, members in groups if _agree(cast, key)), None)
        if home is None:
            groups.append((cast, [attempt]))
        else:
            home.append(attempt)
    return groups


def _describe(cast: Ballot) -> str:
    kind, value = cast
    if kind == "verdict":
        return f"the model is {value}"
    if kind == "objective":
        return f"objective {value:g}"
    return f"solution {value}"


async def _break_tie(
    state: SolveState, runtime: Runtime[RunContext], leaders: list[tuple[Ballot, list[Attempt]]]
) -> tuple[list[Attempt], str, list[CallRecord]]:
    candidates = [
        {
            "result": _describe(cast),
            "support": len(group),
            "code": group[0].code,
            "language": group[0].language.value,
        }
        for cast, group in leaders
    ]
    choice, calls, notes = await ask_structured(
        runtime,
        Role.JUDGE,
        "vote",
        TieBreak,
        problem_id=state.problem.id,
        sample=0,
        temperature=0.0,
        problem=state.problem.text,
        candidates=candidates,
    )
    if choice is None or not 1 <= choice.choice <= len(leaders):
        reason = notes[0] if notes else f"the judge chose {choice.choice if choice else None}, not a candidate"
        return leaders[0][1], f"tie kept the first group: {reason}", calls
    return leaders[choice.choice - 1][1], choice.reason, calls


async def vote(state: SolveState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    attempts = sorted(state.attempts, key=lambda a: a.sample)
    cast = group_ballots(attempts, state.problem)
    calls: list[CallRecord] = []
    reason = ""
    tie_broken = False
    if cast:
        groups = [members for _, members in cast]
        top = max(len(g) for g in groups)
        leaders = [(key, g) for key, g in cast if len(g) == top]
        winners = leaders[0][1]
        if len(leaders) > 1:
            spent = state.calls + [call for attempt in attempts for call in attempt.calls]
            over = runtime.context.settings.over_budget(spent, whole_solve=True)
            if over:
                reason = f"tie kept the first group: {over}"
            else:
                winners, reason, calls = await _break_tie(state, runtime, leaders)
                tie_broken = True
    else:
        by_outcome = Counter(a.outcome for a in attempts)
        groups = [[a for a in attempts if a.outcome is outcome] for outcome, _ in by_outcome.most_common()]
        winners = groups[0]
    result = Vote(
        groups=[[a.sample for a in g] for g in groups],
        winner=winners[0].sample,
        tie_broken_by_judge=tie_broken,
        reason=reason,
    )
    return {"tally": result, "calls": calls}
