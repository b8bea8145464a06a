"""`optagent solve`: one problem from text or a file to a formulation, code, solution and explanation."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optagent.app.options import (
    BaseUrlOption,
    CpPromptOption,
    MaxJudgeRoundsOption,
    MaxRepairsOption,
    MaxTokensOption,
    ModelOption,
    RoleOption,
    StrategyOption,
    TargetOption,
    TrimrOption,
    agent_settings,
)
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.agent.answer import Answer
    from optagent.agent.context import AgentSettings
    from optagent.models import ModelRoles


def _problem_text(text: str | None, file: Path | None) -> str:
    if text is not None and file is not None:
        raise OptagentError("give the problem either as TEXT or with --file, not both")
    if file is not None:
        try:
            content = file.read_text(encoding="utf-8")
        except OSError as error:
            raise OptagentError(f"cannot read --file {file}: {error.strerror}; check the path") from None
        except UnicodeDecodeError:
            raise OptagentError(f"--file {file} is not UTF-8 text; save it as UTF-8") from None
        if file.name.endswith(".cpmpy.py"):  # a DCP-Bench-Open reference: its problem, never its solution
            from optagent.benchmarks.cpbench import reference_problem_text

            return reference_problem_text(content, file)
        return content
    if text is None:
        raise OptagentError('no problem given; pass it as TEXT (optagent solve "...") or with --file F')
    return text


async def _run(text: str, roles: ModelRoles, settings: AgentSettings) -> Answer:
    from optagent.agent import solve
    from optagent.solvers.sandbox import Sandbox

    async with Sandbox(workers=min(settings.sample_count, os.cpu_count() or 1)) as sandbox:
        return await solve(text, roles=roles, sandbox=sandbox, settings=settings)


def solve_command(
    text: Annotated[str | None, typer.Argument(help="the problem, in plain language")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="read the problem from a file")] = None,
    model: ModelOption = None,
    role: RoleOption = None,
    base_url: BaseUrlOption = None,
    trimr: TrimrOption = False,
    strategy: StrategyOption = "full",
    target: TargetOption = None,
    samples: Annotated[int | None, typer.Option(help="independent attempts that vote")] = None,
    max_tokens: MaxTokensOption = 4096,
    max_repairs: MaxRepairsOption = 3,
    max_judge_rounds: MaxJudgeRoundsOption = 2,
    cp_prompt: CpPromptOption = "documentation",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on the last line")] = False,
) -> None:
    """Solve one optimization problem: formulation, code, solution and explanation."""
    from optagent.agent.run import as_problem
    from optagent.app.model_choice import model_roles

    problem = _problem_text(text, file)
    if samples is not None and samples < 1:
        raise OptagentError(f"--samples {samples} is not a positive number; use 1 or more")
    settings = agent_settings(
        strategy,
        target=target,
        samples=samples,
        max_tokens=max_tokens,
        max_repairs=max_repairs,
        max_judge_rounds=max_judge_rounds,
        cp_prompt=cp_prompt,
    )
    as_problem(problem, settings)
    with model_roles(model, role, base_url=base_url, trimr=trimr) as roles:
        answer = asyncio.run(_run(problem, roles, settings))
    if as_json:
        print(json.dumps(answer.model_dump(mode="json") | {"solved": answer.solved}))
    else:
        print_answer(answer)
    if not answer.solved and answer.outcome.value not in ("infeasible", "unbounded"):
        raise typer.Exit(1)


def print_answer(answer: Answer) -> None:
    """The formulation, the code (highlighted), the solution table and the explanation."""
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table

    console = Console()
    formulation = answer.formulation
    if formulation is not None:
        lines = [f"**Kind**: {formulation.kind.value if formulation.kind else 'unknown'}"]
        lines += [f"- set `{s.name}`: {s.text}" for s in formulation.sets]
        lines += [f"- parameter `{p.name}` = {p.value}: {p.text}" for p in formulation.parameters]
        lines += [f"- variable `{v.name}` ({v.domain.value}): {v.text}" for v in formulation.variables]
        lines.append(
            f"- objective ({formulation.objective.sense}): `{formulation.objective.latex}` {formulation.objective.text}"
        )
        lines += [f"- constraint {c.name}: `{c.latex}` {c.text}" for c in formulation.constraints]
        console.print(Panel(Markdown("\n".join(lines)), title="Formulation"))
    if answer.code:
        lexer = "python" if answer.language is None else answer.language.value
        console.print(Panel(Syntax(answer.code, lexer, line_numbers=True), title=f"Code ({answer.target})"))
    table = Table(title=f"Solution: {answer.outcome.value}")
    table.add_column("name")
    table.add_column("value", justify="right")
    if answer.objective is not None:
        table.add_row("objective", f"{answer.objective:g}")
    for name, value in {**answer.values, **answer.named}.items():
        table.add_row(str(name), str(value))
    console.print(table)
    if answer.detail:
        console.print(f"[bold]Outcome[/bold]: {answer.outcome.value}: {answer.detail}")
    if answer.explanation:
        console.print(Panel(answer.explanation, title="Explanation"))
    if answer.explanation_note:
        console.print(answer.explanation_note, style="dim", markup=False)
    if answer.sandbox:
        console.print(f"[dim]{answer.sandbox}[/dim]")


def register(app: typer.Typer) -> None:
    app.command("solve")(solve_command)
