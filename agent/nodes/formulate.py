"""LLMOPT's five-element formulation, written fresh or rewritten after the judge blamed it.

A problem that states it has no objective (`asks_any_solution`) gets sense "none" whatever
the reply says: the coder must not invent an objective for a satisfaction problem."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import asks_any_solution
from optagent.agent.context import RunContext
from optagent.agent.formulation import Formulation
from optagent.agent.llm import ask_structured
from optagent.agent.state import AttemptState
from optagent.core.types import Role


async def formulate(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    reformulating = state.trigger == "reformulate"
    any_solution = asks_any_solution(state.problem)
    formulation, calls, notes = await ask_structured(
        runtime,
        Role.FORMULATOR,
        "formulate",
        Formulation,
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        understanding=state.understanding,
        feedback=state.feedback if reformulating else "",
        previous=state.formulation.model_dump_json(indent=1) if reformulating and state.formulation else "",
        any_solution=any_solution,
        revision=state.previous,
    )
    if formulation is not None and any_solution:
        objective = formulation.objective.model_copy(update={"sense": "none", "latex": "", "text": "", "unit": ""})
        formulation = formulation.model_copy(update={"objective": objective})
    update: dict[str, Any] = {"calls": calls, "notes": notes, "feedback": ""}
    if formulation is not None or not reformulating:
        update["formulation"] = formulation
    return update
