"""A structured expert reading (`full`; ORThought itself is one free-text reply, `expert.py`):
objective and sense, decisions with types, constraints, data. A problem that states it has no
objective (`asks_any_solution`) gets sense "none" whatever the reply says."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import asks_any_solution, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.formulation import Understanding
from optagent.agent.llm import ask_structured
from optagent.agent.state import AttemptState
from optagent.core.types import Role


async def understand(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    any_solution = asks_any_solution(state.problem)
    understanding, calls, notes = await ask_structured(
        runtime,
        Role.FORMULATOR,
        "understand",
        Understanding,
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        outputs=requested_outputs(state.problem),
        any_solution=any_solution,
        revision=state.previous,
    )
    if understanding is not None and any_solution:
        understanding = understanding.model_copy(update={"sense": "none", "objective": "", "objective_unit": ""})
    return {"understanding": understanding, "calls": calls, "notes": notes}
