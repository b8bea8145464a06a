"""The web chat (`optagent chat`): a Gradio page over `ChatSession`.

Each agent step arrives as a collapsible message while the agent works (a pending
"working" message says what comes next); the answer (objective, table of values,
explanation) is a plain message. The conversation id lives in the browser's localStorage
(`gr.BrowserState`, with a secret kept next to the store so it survives a restart) and the
turns live in the SQLite store, so a reload or a server restart shows the conversation
again. The page never depends on a model answering: the endpoints are probed when the page
loads and again with each message, and when none answers the notice above the chat says
how to start one (cleared as soon as a model replies).
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optagent.app.chat_examples import EXAMPLE, EXAMPLE_CHANGE
from optagent.app.chat_render import LATEX_DELIMITERS, WORKING, Step, event_steps, turn_steps, user_md
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    import gradio as gr

    from optagent.agent.context import AgentSettings
    from optagent.app.chat_models import ModelMenu
    from optagent.app.chat_session import ChatSession, Turn
    from optagent.models import ModelRoles

PLACEHOLDER = (
    f"**Describe an optimization problem in plain language.** For example: *{EXAMPLE}* Then ask for "
    f"changes: *{EXAMPLE_CHANGE}* Attach a CSV or Excel table as data."
)
CSS = "#optagent-chat .message-wrap table { font-variant-numeric: tabular-nums; } footer { display: none !important; }"


def _message(step: Step, *, pending: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.body}
    if step.title:
        message["metadata"] = {"title": step.title, "status": "pending" if pending else "done"}
    return message


def _history(turns: list[Turn]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for turn in turns:
        messages.append({"role": "user", "content": user_md(turn) or "(empty message)"})
        messages += [_message(step) for step in turn_steps(turn, latex=True)]
    return messages


class WebChat:
    """The page's handlers over one `ChatSession`, opened lazily on Gradio's event loop."""

    def __init__(
        self,
        store: Path,
        settings: AgentSettings,
        *,
        model: str | None = None,
        base_url: str | list[str] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.model = model
        self.base_url = base_url
        self._roles: dict[str, ModelRoles] = {}
        self._session: ChatSession | None = None
        self._opening = asyncio.Lock()

    async def session(self) -> ChatSession:
        from optagent.app.chat_session import ChatSession

        async with self._opening:
            if self._session is None:
                self._session = await ChatSession(self.store, settings=self.settings).__aenter__()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.__aexit__(None, None, None)
            self._session = None

    def roles(self, spec: str) -> ModelRoles:
        from optagent.models import ModelRoles

        if spec not in self._roles:
            self._roles[spec] = ModelRoles.from_specs(spec, base_url=self.base_url)
        return self._roles[spec]

    def exports_folder(self, conversation: str, turn: Turn) -> Path:
        return self.store.parent / "exports" / conversation / f"turn-{turn.index + 1}"

    async def downloads(self, conversation: str, turns: list[Turn]) -> list[str]:
        """The current model's files, written on first request."""
        from optagent.app.chat_export import export_files
        from optagent.app.chat_session import current_model

        turn = current_model(turns)
        if turn is None or turn.answer is None:
            return []
        folder = self.exports_folder(conversation, turn)
        if not folder.is_dir():
            session = await self.session()
            await export_files(turn.answer, await session.sandbox(), folder)
        return sorted(str(path) for path in folder.iterdir())

    async def load(self, conversation: str | None) -> tuple[Any, ...]:
        import gradio as gr

        from optagent.app.chat_models import model_menu

        conversation = conversation or uuid.uuid4().hex
        notices: list[str] = []
        try:
            session = await self.session()
            turns = await session.turns(conversation)
        except OptagentError as error:
            turns, notices = [], [f"**The chat store cannot be used**: {error}"]
        menu = await model_menu(self.model, self.base_url)
        specs = list(dict.fromkeys([*self._roles, *menu.specs]))
        if menu.notice:
            notices.append(menu.notice)
        files = await self._safe_downloads(conversation, turns)
        dropdown = gr.Dropdown(choices=specs, value=specs[0] if specs else None)
        notice = gr.Markdown(value="\n\n".join(notices), visible=bool(notices))
        return conversation, _history(turns), dropdown, notice, files

    async def _safe_downloads(self, conversation: str, turns: list[Turn]) -> list[str] | None:
        try:
            return await self.downloads(conversation, turns) or None
        except OptagentError:
            return None

    async def new_conversation(self) -> tuple[str, list[dict[str, Any]], None]:
        return uuid.uuid4().hex, [], None

    async def send(
        self, box: dict[str, Any] | None, history: list[dict[str, Any]], spec: str | None, conversation: str | None
    ) -> AsyncIterator[tuple[Any, ...]]:
        """Stream one turn into the chat: the user's message, each step, then the answer.

        The endpoints are probed again beside the turn, so the notice above the chat says
        what holds now: cleared as soon as the model replies, else the probe's finding.
        """
        import gradio as gr

        from optagent.app.chat_models import model_menu

        probe = asyncio.create_task(model_menu(self.model, self.base_url))
        status = _Status(probe)
        try:
            async for chatbot, box_update, files in self._turn(box, history, spec, conversation, probe, status):
                yield chatbot, box_update, files, status.notice(), status.menu(spec)
            if not status.answered:
                await asyncio.wait([probe])
            # the last update restates the box: one that skips it can leave the page's box locked
            yield gr.skip(), gr.MultimodalTextbox(interactive=True), gr.skip(), status.notice(), status.menu(spec)
        finally:
            probe.cancel()

    async def _turn(
        self,
        box: dict[str, Any] | None,
        history: list[dict[str, Any]],
        spec: str | None,
        conversation: str | None,
        probe: asyncio.Task[ModelMenu],
        status: _Status,
    ) -> AsyncIterator[tuple[Any, ...]]:
        import gradio as gr

        from optagent.agent.events import NodeEvent
        from optagent.app.chat_data import load_table

        box = box or {}
        text = str(box.get("text") or "")
        uploads = [str(f if isinstance(f, str) else f.get("path")) for f in box.get("files") or []]
        history = list(history or [])
        conversation = conversation or uuid.uuid4().hex
        names = ", ".join(Path(path).name for path in uploads)
        history.append(
            {"role": "user", "content": text + (f"\n\n(attached: {names})" if names else "") or "(empty message)"}
        )
        locked = gr.MultimodalTextbox(value=None, interactive=False)
        yield history, locked, gr.skip()
        spec = spec or self.model or next(iter(self._roles), None)
        if not spec:  # none answered when the page loaded: one may answer now
            menu = await probe
            spec = menu.specs[0] if menu.specs else None
        try:
            if not spec:
                raise OptagentError("no model is chosen and none answers. " + self._start_hint())
            data = load_table(uploads[-1], Path(uploads[-1]).name) if uploads else None
            roles = self.roles(spec)
            session = await self.session()
        except OptagentError as error:
            history.append({"role": "assistant", "content": f"⚠️ {error}"})
            yield history, gr.MultimodalTextbox(interactive=True), gr.skip()
            return
        working = Step(title="Working", body=WORKING[None])
        history.append(_message(working, pending=True))
        yield history, locked, gr.skip()
        samples = self.settings.sample_count
        async for item in session.send(conversation, text, roles=roles, model=spec, data=data):
            history.pop()
            status.replied(item)
            if isinstance(item, NodeEvent):
                history += [_message(step) for step in event_steps(item, latex=True, samples=samples)]
                history.append(_message(Step(title="Working", body=WORKING.get(type(item), "Working…")), pending=True))
                yield history, locked, gr.skip()
            else:
                turn: Turn = item
                history.append(
                    _message(Step(body=self._reply(turn)) if turn.answer is None else turn_steps(turn, latex=True)[-1])
                )
                yield history, gr.MultimodalTextbox(value=None, interactive=True), gr.skip()
        yield history, gr.skip(), await self._safe_downloads(conversation, await session.turns(conversation))

    def _reply(self, turn: Turn) -> str:
        if turn.kind == "failed":
            return f"⚠️ {turn.reply}"
        return turn.reply

    def _start_hint(self) -> str:
        from optagent.app.chat_session import START_A_MODEL

        return START_A_MODEL

    async def stopped(self, history: list[dict[str, Any]]) -> tuple[Any, ...]:
        import gradio as gr

        history = [m for m in (history or []) if (m.get("metadata") or {}).get("status") != "pending"]
        history.append({"role": "assistant", "content": "Stopped before an answer. Send a message to go on."})
        return history, gr.MultimodalTextbox(value=None, interactive=True)


class _Status:
    """The notice above the chat during one turn: the probe's finding until the model replies."""

    def __init__(self, probe: asyncio.Task[ModelMenu]) -> None:
        self.probe = probe
        self.answered = False
        self._shown: str | None = None
        self._refilled = False

    def replied(self, item: object) -> None:
        from optagent.agent.events import NodeEvent
        from optagent.app.chat_session import Turn

        # an agent step comes after the triage call answered; so does a solved, answered or off-topic turn
        if isinstance(item, NodeEvent) or (isinstance(item, Turn) and item.kind in ("solve", "answer", "other")):
            self.answered = True

    def _text(self) -> str | None:
        if self.answered:
            return ""
        if self.probe.done() and not self.probe.cancelled() and self.probe.exception() is None:
            return self.probe.result().notice
        return None

    def notice(self) -> Any:
        import gradio as gr

        text = self._text()
        if text is None or text == self._shown:
            return gr.skip()
        self._shown = text
        return gr.Markdown(value=text, visible=bool(text))

    def menu(self, chosen: str | None) -> Any:
        """The model menu, refilled once when the page had none and the probe found some."""
        import gradio as gr

        if chosen or self._refilled or not self.probe.done() or self.probe.cancelled() or self.probe.exception():
            return gr.skip()
        self._refilled = True
        specs = self.probe.result().specs
        return gr.Dropdown(choices=specs, value=specs[0]) if specs else gr.skip()


def _secret(store: Path) -> str:
    """The key of the browser state, kept beside the store so a restart can read it back."""
    path = store.parent / "chat.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def build_page(chat: WebChat) -> gr.Blocks:
    import gradio as gr

    from optagent.app.chat_data import TABLE_SUFFIXES

    with gr.Blocks(title="optagent chat") as page:
        conversation = gr.BrowserState(None, storage_key="optagent-conversation", secret=_secret(chat.store))
        with gr.Row(equal_height=True):
            gr.Markdown("### optagent · optimization problems in plain language", elem_id="optagent-title")
            model = gr.Dropdown(label="Model", choices=[], allow_custom_value=True, scale=2, elem_id="optagent-model")
            new = gr.Button("New conversation", scale=0, elem_id="optagent-new")
        notice = gr.Markdown(visible=False, elem_id="optagent-notice")
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            elem_id="optagent-chat",
            height=640,
            latex_delimiters=LATEX_DELIMITERS,
            placeholder=PLACEHOLDER,
            buttons=["copy"],
            feedback_options=None,
        )
        with gr.Row(equal_height=True):
            box = gr.MultimodalTextbox(
                placeholder="Describe a problem, ask for a change, or attach a table (CSV, Excel)…",
                file_types=list(TABLE_SUFFIXES),
                sources=["upload"],
                show_label=False,
                scale=8,
                max_plain_text_length=200_000,
                elem_id="optagent-input",
            )
            stop = gr.Button("Stop", variant="stop", scale=0, elem_id="optagent-stop")
        downloads = gr.File(
            label="Download the model (program, LP, MPS)",
            file_count="multiple",
            interactive=False,
            elem_id="optagent-downloads",
        )

        page.load(chat.load, inputs=[conversation], outputs=[conversation, chatbot, model, notice, downloads])
        running = box.submit(
            chat.send, inputs=[box, chatbot, model, conversation], outputs=[chatbot, box, downloads, notice, model]
        )
        stop.click(chat.stopped, inputs=[chatbot], outputs=[chatbot, box], cancels=[running])
        new.click(chat.new_conversation, outputs=[conversation, chatbot, downloads])
    return page


def serve(
    chat: WebChat,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    credentials: list[tuple[str, str]] | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Start the page, behind Gradio's login when `credentials` are given; `block=False`
    returns at once (tests), the page keeps serving."""
    page = build_page(chat)
    try:
        page.queue(default_concurrency_limit=4).launch(
            server_name=host,
            server_port=port,
            auth=credentials,
            auth_message="optagent chat: log in with the user and password the chat was started with.",
            prevent_thread_lock=not block,
            show_error=True,
            quiet=True,
            allowed_paths=[str(chat.store.parent / "exports")],
            css=CSS,
        )
    except OSError as error:
        raise OptagentError(f"cannot serve the chat on {host}:{port} ({error}); choose another --port") from None
    return page
