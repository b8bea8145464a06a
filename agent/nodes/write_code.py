"""Write the program for the chosen target, from the formulation when there is one.

The target is the user's choice, else the one suited to the problem kind: the kind the
problem states (the benchmark's), else the formulation's, else the expert reading's, else a
classifier over the statement (`agent/kind.py`).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import asks_any_solution, exact_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.kind import choose_target
from optagent.agent.llm import ask, extract_code
from optagent.agent.state import AttemptState
from optagent.core.types import Role


async def write_code(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    settings = runtime.context.settings
    target = get_target(choose_target(state, settings.target))
    output = await ask(
        runtime,
        Role.CODER,
        "write_code",
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        formulation=state.formulation,
        feedback=state.feedback,
        target=target,
        language=target.language.value,
        outputs=requested_outputs(state.problem),
        exact_outputs=exact_outputs(state.problem),
        any_solution=asks_any_solution(state.problem),
        reason_first=settings.plan.reason_first,
        revision=state.previous,
    )
    code = extract_code(output.text, target.language)
    notes = [] if code else ["write_code: the reply contained no program"]
    return {"target": target.name, "code": code, "feedback": "", "calls": [output.record], "notes": notes}
