"""Run the program in the sandbox; the graph never imports a solver itself."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.context import RunContext
from optagent.agent.state import AttemptState
from optagent.core.types import ExecResult, Termination

NO_PROGRAM = "the model's reply contained no program"


async def execute(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    if not state.code.strip():
        return {"result": ExecResult(termination=Termination.ERROR, error=NO_PROGRAM)}
    context = runtime.context
    language = get_target(state.target or "pyomo").language
    result = await context.sandbox.run(state.code, language, context.settings.limits)
    return {"result": result}
