"""Close one sample: its state becomes an `Attempt`, the only thing the parent graph sees."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Attempt
from optagent.agent.context import RunContext
from optagent.agent.progress import stop_reason
from optagent.agent.state import AttemptState


async def finish(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    target = get_target(state.target or "pyomo")
    judged_ok = state.verdict is not None and state.verdict.blame == "accept"
    done = state.diagnosis is None or state.diagnosis.finding == "ok" or judged_ok
    stopped = None if done else stop_reason(state, runtime.context.settings)
    attempt = Attempt(
        sample=state.sample,
        understanding=state.understanding,
        formulation=state.formulation,
        target=target.name,
        language=target.language,
        code=state.code,
        result=state.result,
        diagnosis=state.diagnosis,
        rounds=state.rounds,
        notes=[*state.notes, f"stopped: {stopped}"] if stopped else state.notes,
        calls=state.calls,
    )
    return {"attempts": [attempt]}
