"""Fix the program from its traceback, or from the judge's reason when it blamed the code."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import exact_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.llm import ask, extract_code
from optagent.agent.models.base import Role
from optagent.agent.state import AttemptState


async def repair(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    target = get_target(state.target or "pyomo")
    recoding = state.trigger == "recode"
    feedback = state.feedback if recoding else (state.diagnosis.detail if state.diagnosis else "")
    output = await ask(
        runtime,
        Role.CODER,
        "repair",
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        formulation=state.formulation,
        code=state.code or "(no program was written)",
        feedback=feedback,
        target=target,
        language=target.language.value,
        outputs=requested_outputs(state.problem),
        exact_outputs=exact_outputs(state.problem),
    )
    code = extract_code(output.text, target.language)
    return {
        "code": code,
        "feedback": "",
        "trigger": "recode" if recoding else "repair",
        "repairs": state.repairs + (0 if recoding else 1),
        "calls": [output.record],
        "notes": [] if code else ["repair: the reply contained no program"],
    }
