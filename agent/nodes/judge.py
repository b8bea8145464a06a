"""LLMOPT's self-correction: decide whether the formulation or the code is wrong, or accept."""

from __future__ import annotations

import json
from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Verdict
from optagent.agent.context import RunContext
from optagent.agent.llm import ask_structured
from optagent.agent.models.base import Role
from optagent.agent.state import AttemptState

_TRIGGER = {"formulation": "reformulate", "code": "recode", "accept": "first"}


async def judge(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    assert state.diagnosis is not None and state.result is not None
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
        finding=state.diagnosis.finding,
        detail=state.diagnosis.detail,
        printed=json.dumps(state.result.printed_json) if state.result.printed_json else "",
    )
    if verdict is None:
        verdict = Verdict(blame="accept", reason="the judge's reply was unusable, so the result stands")
    judged = state.rounds[-1].model_copy(update={"verdict": verdict})
    return {
        "verdict": verdict,
        "judge_rounds": state.judge_rounds + 1,
        "feedback": verdict.reason,
        "trigger": _TRIGGER[verdict.blame],
        "rounds": [judged],
        "calls": calls,
        "notes": notes,
    }
