"""ORThought as its paper runs it: one expert reply in free text, then the program.

The reply reads the problem (what is decided and why each variable is one), builds the
model step by step from the text, and ends with the program; nothing is schema-constrained.
The program is the reply's fenced code block. In the graph this node is `write_code` of the
`orthought` strategy; crashes then go to repair (`max_repairs`, 3 as in the paper).
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


async def expert(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    target = get_target(state.target or choose_target(state, runtime.context.settings.target))
    output = await ask(
        runtime,
        Role.CODER,
        "orthought",
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        feedback=state.feedback,
        target=target,
        language=target.language.value,
        outputs=requested_outputs(state.problem),
        exact_outputs=exact_outputs(state.problem),
        any_solution=asks_any_solution(state.problem),
        revision=state.previous,
    )
    code = extract_code(output.text, target.language)
    notes = [] if code else ["orthought: the reply contained no program"]
    return {"target": target.name, "code": code, "feedback": "", "calls": [output.record], "notes": notes}
