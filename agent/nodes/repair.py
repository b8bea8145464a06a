"""Fix the program from its traceback, or from the judge's reason when it blamed the code.

A repair after a crash counts against `max_repairs`; a recode after the judge blamed the
code counts as that judge round (`max_judge_rounds`) instead, so every way in is bounded.
A repair that handed its program back unchanged is followed by one rewrite: the same
prompt without the program, so the coder writes it anew (`agent/progress.py`). A switch of
target (HiGHS refused a nonlinear model) is written anew too, without the old program: an
edit of a Pyomo program into a SCIP one kept its `pyo.` calls in both of the bench's
switches.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import asks_any_solution, exact_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.kind import retarget
from optagent.agent.llm import ask, extract_code
from optagent.agent.progress import returned_unchanged
from optagent.agent.state import AttemptState
from optagent.core.types import Role


async def repair(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    switched = retarget(state, runtime.context.settings.target)
    target = get_target(switched or state.target or "pyomo")
    # A recode follows the judge's verdict of this very round (diagnose clears the verdict
    # every round), so a recoded program that then crashes is repaired, and counted, as any.
    recoding = state.verdict is not None and state.verdict.blame == "code"
    rewriting = not recoding and returned_unchanged(state.rounds)
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
        rewrite=rewriting,
        switched_from=state.target if switched else "",
        feedback=feedback,
        target=target,
        language=target.language.value,
        outputs=requested_outputs(state.problem),
        exact_outputs=exact_outputs(state.problem),
        any_solution=asks_any_solution(state.problem),
    )
    code = extract_code(output.text, target.language)
    return {
        "target": target.name,
        "code": code,
        "feedback": "",
        "trigger": "recode" if recoding else "rewrite" if rewriting else "repair",
        "repairs": state.repairs + (0 if recoding else 1),
        "calls": [output.record],
        "notes": [] if code else ["repair: the reply contained no program"],
    }
