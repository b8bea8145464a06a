"""`optagent exec FILE`: run one program through the sandbox and show its ExecResult.

Exits 0 whenever the sandbox itself worked, whatever the program did; the program's fate
is in the result. A missing FILE or a sandbox that cannot start is a one-line error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.core.types import ExecResult, Language


def _language(file: Path, option: str | None) -> Language:
    from optagent.core.types import Language
    from optagent.solvers.targets import language_names, program_languages

    suffixes = {language.suffix: language.name for language in program_languages()}
    names = language_names()
    if option is None:
        if file.suffix.lower() not in suffixes:
            choices = " or ".join(f"--language {name}" for name in names)
            raise OptagentError(f"cannot tell the language of {file.name}; pass {choices}")
        return suffixes[file.suffix.lower()]
    if option not in names:
        raise OptagentError(f"unknown --language '{option}'; use {' or '.join(names)}")
    return Language(option)


def _data_files(file: Path, language: Language) -> dict[str, bytes]:
    """A program whose language reads a data file (a `.mzn` its `.dzn`) gets the one of the
    same name beside it."""
    from optagent.solvers.targets import program_language

    suffix = program_language(language).data_suffix
    data = file.with_suffix(suffix) if suffix else None
    return {data.name: data.read_bytes()} if data is not None and data.is_file() else {}


def _summary(result: ExecResult, file: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    color = {"ok": "green", "error": "red", "timeout": "yellow", "memory": "yellow", "killed": "red"}[
        result.termination
    ]
    console.print(
        f"[bold]{file.name}[/bold]: [{color}]{result.termination}[/{color}], solution {result.solution_status}"
        + (f" (read from {result.solver})" if result.solver else "")
    )
    if result.objective is not None:
        console.print(f"objective: {result.objective:g}")
    if result.error:
        where = f" at line {result.error_line}" if result.error_line else ""
        console.print(f"[red]error{where}:[/red] {result.error}", markup=True, highlight=False)
    if result.values:
        table = Table("variable", "value", box=None)
        for name, value in list(result.values.items())[:30]:
            table.add_row(name, str(value))
        console.print(table)
        if len(result.values) > 30:
            console.print(f"... and {len(result.values) - 30} more values (use --json)")
    if result.printed_json is not None:
        console.print(f"printed JSON: {result.printed_json}", highlight=False, markup=False)
    if result.stdout.strip():
        console.rule("stdout")
        console.print(result.stdout.rstrip()[-3000:], highlight=False, markup=False)
    timings = result.timings
    console.print(
        f"[dim]wall {timings.wall_s * 1000:.0f} ms, cpu {timings.cpu_s * 1000:.0f} ms; "
        f"isolation: {', '.join(result.isolation) or 'none'}"
        + (f"; missing: {', '.join(result.isolation_missing)}" if result.isolation_missing else "")
        + "[/dim]"
    )


def exec_command(
    file: Annotated[Path, typer.Argument(help="A Python solver program (.py) or a MiniZinc model (.mzn).")],
    language: Annotated[str | None, typer.Option(help="python or minizinc; default from the file suffix.")] = None,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit in seconds.", min=0.1)] = 60.0,
    memory_mb: Annotated[
        int, typer.Option("--memory-mb", help="Address-space limit beyond the preloaded solvers, MB.", min=16)
    ] = 4096,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the ExecResult as one JSON object on the last line.")
    ] = False,
) -> None:
    """Run one program in the sandbox and print what happened (termination, solution, values)."""
    from optagent.core.types import Limits
    from optagent.solvers.sandbox import run_sync

    if not file.is_file():
        from optagent.solvers.targets import program_languages

        suffixes = " or ".join(language.suffix for language in program_languages())
        raise OptagentError(f"no such file: {file}; give the path of a {suffixes} program")
    chosen = _language(file, language)
    try:
        code = file.read_bytes()
        files = _data_files(file, chosen)
    except OSError as error:
        raise OptagentError(f"cannot read {file}: {error.strerror}; check the permissions") from None
    result = run_sync(code, chosen, Limits(timeout_s=timeout, memory_mb=memory_mb), files)
    if json_output:
        print(result.model_dump_json())
    else:
        _summary(result, file)


def register(app: typer.Typer) -> None:
    app.command("exec")(exec_command)
