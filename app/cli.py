"""The `optagent` command line: one Typer app, each command group in its own module.

Command modules import nothing heavy at module level; solvers, models and LangGraph are
imported inside the command functions, so `optagent --help` stays instant.
"""

from __future__ import annotations

import importlib
import sys

import typer

from optagent.core.errors import OptagentError

# Each module defines `register(app: typer.Typer) -> None`.
COMMAND_MODULES: tuple[str, ...] = (
    "optagent.app.cmd_chat",
    "optagent.app.cmd_data",
    "optagent.app.cmd_eval",
    "optagent.app.cmd_exec",
    "optagent.app.cmd_models",
    "optagent.app.cmd_serve",
    "optagent.app.cmd_solve",
    "optagent.app.cmd_synth",
)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="optagent",
        help="Optimization problems in plain language to verified models and solutions.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(app)
    return app


def main() -> None:
    try:
        build_app()()
    except OptagentError as error:
        print(f"optagent: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("optagent: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
