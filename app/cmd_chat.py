"""`optagent chat`: talk to the agent in a web page (Gradio) or in the terminal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from optagent.app.chat_examples import CHAT_STRATEGY
from optagent.app.options import BaseUrlOption, StrategyOption, TargetOption
from optagent.core.errors import OptagentError


def chat_command(
    terminal: Annotated[bool, typer.Option("--terminal", help="chat in this terminal instead of a web page")] = False,
    port: Annotated[int, typer.Option(help="port of the web page")] = 7860,
    host: Annotated[
        str, typer.Option(help="address to serve on; 0.0.0.0 exposes the page to the network")
    ] = "127.0.0.1",
    model: Annotated[
        str | None,
        typer.Option(
            help="model spec, e.g. vllm/Qwen/Qwen3-8B (default: $OPTAGENT_MODEL, else what the endpoints serve)"
        ),
    ] = None,
    base_url: BaseUrlOption = None,
    strategy: StrategyOption = CHAT_STRATEGY,
    target: TargetOption = None,
    store: Annotated[Path | None, typer.Option(help="SQLite file holding the conversations")] = None,
    conversation: Annotated[
        str | None, typer.Option(help="terminal: the conversation to continue (default: a new one)")
    ] = None,
    auth: Annotated[
        str | None, typer.Option(help="USER:PASSWORD the web page asks for (required off loopback)")
    ] = None,
    auth_file: Annotated[Path | None, typer.Option(help="file of USER:PASSWORD lines the web page accepts")] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="serve a non-loopback --host without a login (a trusted network)")
    ] = False,
) -> None:
    """Chat about an optimization problem: steps as they happen, follow-ups change the model."""
    from optagent.agent.context import AgentSettings
    from optagent.app.chat_session import default_store

    if not 1 <= port <= 65535:
        raise OptagentError(f"--port {port} is not a port number; use 1-65535")
    settings = AgentSettings.for_strategy(strategy, target=target)
    if target is not None:
        from optagent.solvers.targets import get_target

        get_target(target)
    spec = model or os.environ.get("OPTAGENT_MODEL")
    if spec:
        from optagent.models import split_spec

        split_spec(spec)
    store = store or default_store()
    if terminal:
        if auth is not None or auth_file is not None or no_auth:
            raise OptagentError(
                "--auth, --auth-file and --no-auth are for the web page; leave them out with --terminal"
            )
        from optagent.app.chat_terminal import run_terminal

        run_terminal(store, settings, model=spec, base_url=base_url, conversation=conversation)
        return
    from optagent.app.chat_auth import access

    login = access(host, port, auth=auth, auth_file=auth_file, no_auth=no_auth)
    import importlib.util

    if importlib.util.find_spec("gradio") is None:
        raise OptagentError(
            "the web chat needs Gradio; pip install 'optagent[chat]', or chat in the terminal with --terminal"
        )
    from optagent.app.chat_web import WebChat, serve
    from optagent.app.serve import check_port_free

    check_port_free(host, port)
    typer.echo(f"optagent chat: http://{host}:{port}  (conversations in {store}; Ctrl-C stops)")
    typer.echo(f"optagent chat: {login.line}")
    chat = WebChat(store, settings, model=spec, base_url=base_url)
    serve(chat, host=host, port=port, credentials=login.credentials)


def register(app: typer.Typer) -> None:
    app.command("chat")(chat_command)
