"""A conversation with the agent, shared by the web and the terminal chat.

    async with ChatSession(store_path, settings=settings) as chat:
        async for item in chat.send(conversation_id, "A workshop makes tables...", roles=roles):
            ...  # a typed event (agent/events.py) per finished agent step, then the Turn
        turns = await chat.turns(conversation_id)

A conversation is a LangGraph graph with one node (`respond`) whose state is the list of
turns, compiled with an `AsyncSqliteSaver` checkpointer; the conversation id is the thread
id. So a conversation survives a page reload and a server restart, and each turn reads the
previous ones from the checkpoint: a follow-up ("what if the demand doubles?") is solved
from the current model's formulation and program (`solve(..., previous=answer)`).

Turns are stored as JSON (`Turn.model_dump(mode="json")`) rather than as pickled objects,
so a checkpoint never depends on LangGraph's msgpack class allowlist and old conversations
still load after `Answer` gains fields.

Each message is first sorted by one small model call (`prompts/chat/triage.md`): a new
problem, a change to the current model, a question about it, or something else ("write
me a poem"), which gets a clear reply instead of a pointless solve.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import operator
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypedDict

from pydantic import BaseModel

from optagent.agent.answer import Answer
from optagent.agent.context import AgentSettings
from optagent.agent.events import AgentEvent, Answered, is_agent_event
from optagent.app.chat_data import Table
from optagent.app.chat_examples import EXAMPLE
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph.state import CompiledStateGraph
    from langgraph.runtime import Runtime

    from optagent.models import ModelRoles
    from optagent.solvers.sandbox import Sandbox

logger = logging.getLogger(__name__)

TurnKind = Literal["solve", "answer", "other", "data", "refused", "failed", "stopped"]

OFF_TOPIC = (
    "I model and solve optimization problems, so I cannot help with that. Describe a decision "
    f"problem instead, for example: *{EXAMPLE}*"
)
START_A_MODEL = (
    "Start a model server and choose it in the model menu: `optagent serve Qwen/Qwen3-8B` on a GPU machine, "
    "or `optagent serve --backend llamacpp --gguf FILE.gguf` on a laptop; or restart the chat with "
    "`--model SPEC` (e.g. `--model vllm/Qwen/Qwen3-8B --base-url http://host:8000/v1`) or set OPTAGENT_MODEL."
)


class Intent(BaseModel):
    """What a message asks for, decided by the triage step."""

    kind: Literal["new_problem", "change", "question", "other"] = "new_problem"
    reply: str = ""


class Turn(BaseModel):
    """One message of the person and what came of it."""

    index: int
    message: str
    data: Table | None = None
    kind: TurnKind
    reply: str = ""
    problem: str = ""
    revised: bool = False
    answer: Answer | None = None
    model: str = ""
    seconds: float = 0.0

    @property
    def has_model(self) -> bool:
        return self.answer is not None and bool(self.answer.formulation or self.answer.code)


class Request(BaseModel):
    message: str
    data: Table | None = None


class ChatInput(TypedDict):
    """What one turn of the conversation graph starts from: the request, as JSON."""

    request: dict[str, Any]


@dataclass(kw_only=True)
class ChatState:
    turns: Annotated[list[dict[str, Any]], operator.add] = field(default_factory=list)
    request: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChatContext:
    roles: ModelRoles
    model: str
    sandbox: Sandbox
    settings: AgentSettings


def current_model(turns: list[Turn]) -> Turn | None:
    """The turn holding the model that a follow-up changes: the last one with a model."""
    return next((turn for turn in reversed(turns) if turn.has_model), None)


def _pending_data(turns: list[Turn]) -> Table | None:
    """A table uploaded on its own in the turn just before, waiting for its problem."""
    return turns[-1].data if turns and turns[-1].kind == "data" else None


async def _triage(message: str, current: Turn | None, context: ChatContext) -> Intent:
    from optagent.core.types import Message, Role
    from optagent.models.chat import MalformedReply
    from optagent.prompts import render

    messages = [
        Message(role="system", content=render("system")),
        Message(role="user", content=render("chat/triage", message=message, current=current)),
    ]
    try:
        output = await (
            context.roles[Role.FORMULATOR]
            .with_step("chat/triage")
            .generate(messages, schema=Intent, temperature=0.0, max_tokens=600)
        )
    except MalformedReply:
        output = None
    intent = output.parsed if output is not None and isinstance(output.parsed, Intent) else Intent()
    if intent.kind == "change" and current is None:
        return Intent(kind="new_problem")
    if intent.kind == "new_problem" and current is not None and output is None:
        return Intent(kind="change")
    return intent


async def _isolated(stream: Callable[[], AsyncIterator[AgentEvent]]) -> AsyncIterator[AgentEvent]:
    """The agent's events, produced in a fresh context.

    Run inside a node, the agent graph would otherwise inherit the conversation graph's
    config and become its subgraph: checkpointed into the chat store under a nested
    namespace and streamed twice.
    """
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for event in stream():
                await queue.put(("event", event))
        except BaseException as error:  # noqa: BLE001 (handed to the consumer, which re-raises it)
            await queue.put(("error", error))
            return
        await queue.put(("done", None))

    task = asyncio.create_task(pump(), context=contextvars.Context())
    try:
        while True:
            kind, item = await queue.get()
            if kind == "event":
                yield item
            elif kind == "error":
                raise item
            else:
                return
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def respond(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    """Answer the request in `state.request`: refuse, reply, or run the agent; append the turn."""
    from optagent.agent.run import as_problem, stream_solve

    context = runtime.context
    request = Request.model_validate(state.request)
    turns = [Turn.model_validate(turn) for turn in state.turns]
    started = time.perf_counter()
    turn = Turn(index=len(turns), message=request.message, data=request.data, kind="refused", model=context.model)
    message = request.message.strip()
    try:
        if not message and request.data is None:
            turn.reply = "The message is empty: describe your optimization problem in plain language, or ask about the current model."
        elif not message and (table := request.data) is not None:
            turn.kind, turn.reply = (
                "data",
                (
                    f"I have the table **{table.name}** ({table.rows} rows, {table.columns} columns). "
                    "Now describe the problem that uses it."
                ),
            )
        elif len(message) > context.settings.max_problem_chars:
            turn.reply = (
                f"The message has {len(message):,} characters, more than the {context.settings.max_problem_chars:,} "
                "a problem may have; shorten it to the problem itself and upload large data as a CSV or Excel file."
            )
        else:
            current = current_model(turns)
            intent = await _triage(message, current, context)
            data = request.data or _pending_data(turns)
            if intent.kind == "other":
                turn.kind, turn.reply = "other", OFF_TOPIC
            elif intent.kind == "question":
                turn.kind, turn.reply = (
                    "answer",
                    intent.reply.strip() or "I could not answer that from the current model; ask again in other words.",
                )
            else:
                revising = intent.kind == "change" and current is not None
                problem = f"{current.problem}\n\nFollow-up request: {message}" if revising and current else message
                if data is not None:
                    problem += "\n\n" + data.as_problem_data()
                turn.kind, turn.problem, turn.revised = "solve", problem, revising
                as_problem(problem, context.settings)
                previous = current.answer if revising and current else None

                def agent() -> AsyncIterator[AgentEvent]:
                    return stream_solve(
                        problem,
                        roles=context.roles,
                        sandbox=context.sandbox,
                        settings=context.settings,
                        previous=previous,
                    )

                async for event in _isolated(agent):
                    runtime.stream_writer(event)
                    if isinstance(event, Answered):
                        turn.answer = event.final
    except OptagentError as error:
        turn.kind, turn.reply = "failed", str(error)
    except Exception as error:  # a fault of ours: logged, told in one line, and the conversation goes on
        logger.exception("chat turn failed")
        turn.kind, turn.reply = "failed", f"internal error ({type(error).__name__}: {error}); please report it"
    turn.seconds = time.perf_counter() - started
    runtime.stream_writer(turn)
    return {"turns": [turn.model_dump(mode="json")], "request": None}


def build_chat_graph(checkpointer: Any) -> CompiledStateGraph[ChatState, ChatContext, ChatInput, ChatState]:
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(ChatState, context_schema=ChatContext, input_schema=ChatInput, output_schema=ChatState)
    builder.add_node("respond", respond)
    builder.add_edge(START, "respond")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer, name="optagent-chat")


def default_store() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("optagent")) / "chat.sqlite"


class ChatSession:
    """Conversations in one SQLite file, and the sandbox their programs run in."""

    def __init__(self, store: str | Path, *, settings: AgentSettings, sandbox_workers: int = 2) -> None:
        self.store = Path(store)
        self.settings = settings
        self.sandbox_workers = sandbox_workers
        self._saver_cm: Any = None
        self._graph: CompiledStateGraph[ChatState, ChatContext, ChatInput, ChatState] | None = None
        self._sandbox: Sandbox | None = None
        self._sandbox_lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OptagentError(
                f"cannot create the chat store folder {self.store.parent}: {error.strerror}; pass --store PATH"
            ) from None
        self._saver_cm = AsyncSqliteSaver.from_conn_string(str(self.store))
        saver = await self._saver_cm.__aenter__()
        try:
            await saver.setup()
        except sqlite3.Error as error:
            await self._saver_cm.__aexit__(None, None, None)
            raise OptagentError(
                f"{self.store} is not a usable chat store ({error}); pass --store with a new file"
            ) from None
        self._graph = build_chat_graph(saver)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._sandbox is not None:
            await self._sandbox.close()
        if self._saver_cm is not None:
            await self._saver_cm.__aexit__(None, None, None)

    async def sandbox(self) -> Sandbox:
        """The sandbox, started on first use so that the page serves before it is up."""
        from optagent.solvers.sandbox import Sandbox

        async with self._sandbox_lock:
            if self._sandbox is None:
                sandbox = Sandbox(workers=self.sandbox_workers)
                await sandbox.start()
                self._sandbox = sandbox
        return self._sandbox

    @staticmethod
    def _config(conversation: str) -> RunnableConfig:
        return {"configurable": {"thread_id": conversation}}

    async def turns(self, conversation: str) -> list[Turn]:
        assert self._graph is not None, "use ChatSession as `async with`"
        snapshot = await self._graph.aget_state(self._config(conversation))
        return [Turn.model_validate(turn) for turn in (snapshot.values or {}).get("turns", [])]

    async def send(
        self, conversation: str, message: str, *, roles: ModelRoles, model: str, data: Table | None = None
    ) -> AsyncIterator[AgentEvent | Turn]:
        """Each finished agent step as it happens, then the new turn (also stored).

        Cancelling the iteration (a stop button, Ctrl-C) stores a "stopped" turn, so the
        message is not lost and the conversation goes on.
        """
        assert self._graph is not None, "use ChatSession as `async with`"
        request = Request(message=message, data=data)
        context = ChatContext(roles=roles, model=model, sandbox=await self.sandbox(), settings=self.settings)
        config = self._config(conversation)
        finished = False
        try:
            async for item in self._graph.astream(
                {"request": request.model_dump(mode="json")}, config, context=context, stream_mode="custom"
            ):
                if isinstance(item, Turn):
                    finished = True
                    yield item
                elif is_agent_event(item):
                    yield item
        except (asyncio.CancelledError, GeneratorExit):
            if not finished:
                await self._stopped(conversation, request, model)
            raise

    async def _stopped(self, conversation: str, request: Request, model: str) -> None:
        assert self._graph is not None
        index = len(await self.turns(conversation))
        turn = Turn(
            index=index,
            message=request.message,
            data=request.data,
            kind="stopped",
            model=model,
            reply="Stopped before an answer.",
        )
        await asyncio.shield(
            self._graph.aupdate_state(
                self._config(conversation),
                {"turns": [turn.model_dump(mode="json")], "request": None},
                as_node="respond",
            )
        )
