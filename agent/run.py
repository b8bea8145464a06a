"""The public entry points: `solve` for a typed answer, `stream_solve` for node events."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from optagent.agent.answer import Answer
from optagent.agent.context import AgentSettings, RunContext
from optagent.agent.events import AgentEvent, Answered, is_agent_event
from optagent.core.errors import OptagentError
from optagent.core.types import Problem

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from optagent.agent.state import SolveInput, SolveState
    from optagent.agent.transcript import Transcript
    from optagent.models import ModelRoles
    from optagent.solvers.runner import ProgramRunner


def as_problem(problem: str | Problem, settings: AgentSettings) -> Problem:
    """The problem, refused in one line when it is empty or too long to model faithfully.

    A statement over `max_problem_chars` is refused rather than truncated: a model of half a
    problem is a wrong model presented as a right one.
    """
    if isinstance(problem, str):
        problem = Problem(id="problem", text=problem)
    text = problem.text.strip()
    if not text:
        raise OptagentError("the problem is empty; write the optimization problem in plain language")
    if len(text) > settings.max_problem_chars:
        raise OptagentError(
            f"the problem statement has {len(text)} characters, more than the limit of "
            f"{settings.max_problem_chars}; shorten it to the problem itself or raise max_problem_chars"
        )
    if settings.target is not None:
        from optagent.solvers.targets import get_target

        get_target(settings.target)
    return problem.model_copy(update={"text": text})


@functools.lru_cache(maxsize=32)
def _compiled_graph(settings_json: str) -> CompiledStateGraph[SolveState, RunContext, SolveInput, SolveState]:
    """One compiled graph per distinct settings, reused by every solve.

    Compiling costs about 20 ms of CPU, which dominated an eval of 500 problems on one event
    loop; a compiled graph without a checkpointer holds no per-run state, so sharing is safe.
    """
    from optagent.agent.graph import build_graph

    return build_graph(AgentSettings.model_validate_json(settings_json))


async def stream_solve(
    problem: str | Problem,
    *,
    roles: ModelRoles,
    sandbox: ProgramRunner,
    settings: AgentSettings | None = None,
    previous: Answer | None = None,
    transcript: Transcript | None = None,
) -> AsyncIterator[AgentEvent]:
    """Each node's typed event (`agent/events.py`) as it finishes, for every sample; the last
    is `Answered`, which carries the answer.

    `previous` is the answer of the conversation so far, for a follow-up ("what if demand
    doubles?"): the reading, formulation and program start from it instead of from scratch.
    `transcript`, when given, receives every model call's prompt and reply.
    """
    settings = settings or AgentSettings()
    checked = as_problem(problem, settings)
    graph = _compiled_graph(settings.model_dump_json())
    context = RunContext(settings=settings, roles=roles, sandbox=sandbox, transcript=transcript)
    start: SolveInput = {"problem": checked, "previous": previous}
    async for _namespace, event in graph.astream(start, context=context, stream_mode="custom", subgraphs=True):
        if is_agent_event(event):
            yield event


async def solve(
    problem: str | Problem,
    *,
    roles: ModelRoles,
    sandbox: ProgramRunner,
    settings: AgentSettings | None = None,
    previous: Answer | None = None,
    transcript: Transcript | None = None,
) -> Answer:
    """Solve one problem: the final typed answer, solved or honestly not."""
    final: Answer | None = None
    events = stream_solve(
        problem, roles=roles, sandbox=sandbox, settings=settings, previous=previous, transcript=transcript
    )
    async for event in events:
        if isinstance(event, Answered):
            final = event.final
    assert final is not None, "the graph ended without an answer node"
    return final
