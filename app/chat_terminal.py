"""The terminal chat (`optagent chat --terminal`): the same conversation as the web page,
rendered with rich (formulation, highlighted code, result table).

One event loop lives for the whole chat (the sandbox and the store are bound to it); input
is read outside it, so Ctrl-C at the prompt ends the chat, while Ctrl-C during an answer
cancels only that answer (a loop signal handler) and the conversation goes on.

Commands: `/data FILE` attaches a CSV or Excel table to the next message, `/save [DIR]`
writes the current model as a program and LP/MPS files, `/new` starts a new conversation,
`/quit` ends.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from optagent.app.chat_render import WORKING, Step, event_steps, turn_steps, user_md
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from rich.console import Console

    from optagent.agent.context import AgentSettings
    from optagent.app.chat_data import Table
    from optagent.app.chat_session import ChatSession, Turn
    from optagent.models import ModelRoles

HELP = "Describe a problem; then ask for changes. /data FILE attaches a table, /save [DIR] writes the model, /new, /quit. Ctrl-C stops an answer."


def print_step(console: Console, step: Step) -> None:
    from rich.markdown import Markdown
    from rich.panel import Panel

    if step.title:
        console.print(Panel(Markdown(step.body), title=step.title, title_align="left", border_style="cyan"))
    else:
        console.print(Markdown(step.body))


def print_history(console: Console, turns: list[Turn]) -> None:
    for turn in turns:
        console.print(f"[bold green]you>[/bold green] {user_md(turn)}")
        for step in turn_steps(turn, latex=False):
            print_step(console, step)


def print_notice(console: Console, notice: str) -> None:
    console.print(notice.replace("**", ""), style="yellow", markup=False)


class TerminalChat:
    def __init__(
        self,
        console: Console,
        chat: ChatSession,
        roles: ModelRoles,
        spec: str,
        conversation: str,
        base_url: str | list[str] | None = None,
    ) -> None:
        self.console = console
        self.chat = chat
        self.roles = roles
        self.spec = spec
        self.conversation = conversation
        self.base_url = base_url
        self.data: Table | None = None

    async def turn(self, message: str) -> None:
        """One message: its steps and answer; the endpoints are probed again beside it, and
        when no reply came the probe's notice is printed (the status line is current)."""
        from optagent.agent.events import NodeEvent
        from optagent.app.chat_models import model_menu

        data, self.data = self.data, None
        samples = self.chat.settings.sample_count
        probe = asyncio.create_task(model_menu(self.spec, self.base_url))
        replied = False
        try:
            with self.console.status(WORKING[None]) as status:
                async for item in self.chat.send(
                    self.conversation, message, roles=self.roles, model=self.spec, data=data
                ):
                    if isinstance(item, NodeEvent):
                        replied = True
                        for step in event_steps(item, latex=False, samples=samples):
                            print_step(self.console, step)
                        status.update(WORKING.get(type(item), "Working…"))
                    elif item.answer is not None:
                        print_step(self.console, turn_steps(item, latex=False)[-1])
                    else:
                        replied = replied or item.kind in ("answer", "other")
                        style = "bold red" if item.kind == "failed" else ""
                        self.console.print(item.reply, style=style, markup=False)
            if not replied and (notice := (await probe).notice):
                print_notice(self.console, notice)
        finally:
            probe.cancel()

    async def save(self, folder: Path) -> None:
        from optagent.app.chat_export import export_files
        from optagent.app.chat_session import current_model

        current = current_model(await self.chat.turns(self.conversation))
        if current is None or current.answer is None:
            raise OptagentError("there is no model to save yet; describe a problem first")
        exports = await export_files(current.answer, await self.chat.sandbox(), folder)
        for path in exports.files:
            self.console.print(f"wrote {path}")
        if exports.note:
            self.console.print(exports.note)

    def command(self, line: str, loop: asyncio.AbstractEventLoop) -> bool:
        """Run a /command; False when the chat should end."""
        from optagent.app.chat_data import load_table

        name, _, argument = line.partition(" ")
        if name == "/quit":
            return False
        if name == "/new":
            self.conversation = uuid.uuid4().hex
            self.console.print(f"new conversation {self.conversation}")
        elif name == "/data":
            self.data = load_table(Path(argument.strip()).expanduser())
            self.console.print(
                f"attached {self.data.name} ({self.data.rows} rows, {self.data.columns} columns) to the next message"
            )
        elif name == "/save":
            loop.run_until_complete(self.save(Path(argument.strip() or ".").expanduser()))
        else:
            self.console.print(HELP)
        return True

    def run_turn(self, loop: asyncio.AbstractEventLoop, message: str) -> None:
        task = loop.create_task(self.turn(message))
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            self.console.print("stopped; the conversation goes on")
        finally:
            loop.remove_signal_handler(signal.SIGINT)


def _choose_model(
    loop: asyncio.AbstractEventLoop, model: str | None, base_url: str | list[str] | None
) -> tuple[str, str]:
    """The model to talk to, and the notice to print when its endpoint does not answer now."""
    from optagent.app.chat_models import model_menu

    menu = loop.run_until_complete(model_menu(model, base_url))
    if not menu.specs:
        raise OptagentError(menu.notice.replace("**", ""))
    return menu.specs[0], menu.notice


def run_terminal(
    store: Path,
    settings: AgentSettings,
    *,
    model: str | None,
    base_url: str | list[str] | None,
    conversation: str | None,
) -> None:
    from rich.console import Console

    from optagent.app.chat_session import ChatSession
    from optagent.models import ModelRoles

    console = Console()
    loop = asyncio.new_event_loop()
    chat = ChatSession(store, settings=settings)
    try:
        spec, notice = _choose_model(loop, model, base_url)
        roles = ModelRoles.from_specs(spec, base_url=base_url)
        loop.run_until_complete(chat.__aenter__())
        session = TerminalChat(console, chat, roles, spec, conversation or uuid.uuid4().hex, base_url)
        print_history(console, loop.run_until_complete(chat.turns(session.conversation)))
        console.print(f"[dim]conversation {session.conversation} · model {spec} · {HELP}[/dim]")
        if notice:
            print_notice(console, notice)
        while True:
            try:
                line = console.input("[bold green]you>[/bold green] ").strip()
            except (EOFError, KeyboardInterrupt):
                console.print()
                break
            try:
                if line.startswith("/"):
                    if not session.command(line, loop):
                        break
                else:
                    session.run_turn(loop, line)
            except OptagentError as error:
                console.print(f"error: {error}", style="bold red", markup=False)
    finally:
        loop.run_until_complete(chat.__aexit__(None, None, None))
        loop.close()
