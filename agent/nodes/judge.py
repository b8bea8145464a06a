"""LLMOPT's self-correction: the judge reviews every executed run of a strategy that has it.

It sees the problem, the five elements, the program, what diagnose found, the printed JSON
and the ends of stdout and stderr, and blames the formulation (back to formulate), the
code (back to the coder) or accepts. The step it sends back to is told what diagnose found
(a fractional count, an infeasible model) as well as the judge's reason. Each review is one
of `max_judge_rounds`; the graph asks the solve's budget and the no-progress rule before it
follows a blame, so a judge that always blames still ends (see `agent/progress.py`).
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Diagnosis, Verdict, asks_any_solution
from optagent.agent.context import RunContext
from optagent.agent.llm import ask_structured
from optagent.agent.state import AttemptState
from optagent.core.types import Role

_TRIGGER = {"formulation": "reformulate", "code": "recode", "accept": "first"}
_OUTPUT_CHARS = 2000
_FINDING = {
    "ok": "the program ran and reported a solution",
    "suspicious": "the program ran, but the result looks suspicious",
}


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _OUTPUT_CHARS else "…" + text[-_OUTPUT_CHARS:]


def _feedback(diagnosis: Diagnosis, verdict: Verdict) -> str:
    """What the next formulation or program is told: what diagnose found, when it found
    something (its rule is exact where a judge's reason may be vague), then the reason."""
    if diagnosis.finding == "ok" or not diagnosis.detail:
        return verdict.reason
    return f"The result: {diagnosis.detail}." + (f" The reviewer: {verdict.reason}" if verdict.reason else "")


async def judge(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    assert state.diagnosis is not None and state.result is not None
    result = state.result
    target = get_target(state.target or "pyomo")
    verdict, calls, notes = await ask_structured(
        runtime,
        Role.JUDGE,
        "judge",
        Verdict,
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        formulation=state.formulation,
        code=state.code,
        language=target.language.value,
        finding=_FINDING.get(state.diagnosis.finding, state.diagnosis.finding),
        detail=state.diagnosis.detail,
        printed=json.dumps(result.printed_json) if result.printed_json else "",
        stdout=_tail(result.stdout),
        stderr=_tail(result.stderr),
        any_solution=asks_any_solution(state.problem),
    )
    if verdict is None:
        verdict = Verdict(blame="accept", reason="the judge's reply was unusable, so the result stands")
    judged = state.rounds[-1].model_copy(update={"verdict": verdict})
    return {
        "verdict": verdict,
        "judge_rounds": state.judge_rounds + 1,
        "feedback": _feedback(state.diagnosis, verdict),
        "trigger": _TRIGGER[verdict.blame],
        "rounds": [judged],
        "calls": calls,
        "notes": notes,
    }
