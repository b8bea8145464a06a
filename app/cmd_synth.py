"""`optagent synth`: the ReSocratic job that makes verified optimization problems for training."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optagent.app.options import BaseUrlOption, MaxTokensOption, ModelOption, RayOption, RoleOption
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.models import ModelRoles
    from optagent.synth.job import Progress as JobProgress
    from optagent.synth.report import SynthReport
    from optagent.synth.scenario import SynthKind
    from optagent.synth.settings import SynthSettings


def parse_kinds(text: str) -> tuple[SynthKind, ...]:
    from optagent.synth.scenario import SynthKind

    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = ", ".join(k.value for k in SynthKind)
    if not names:
        raise OptagentError(f"--kinds is empty; give a comma-separated list of {known}")
    try:
        return tuple(SynthKind(name) for name in names)
    except ValueError:
        bad = next(name for name in names if name not in {k.value for k in SynthKind})
        raise OptagentError(f"unknown kind '{bad}' in --kinds; choose from {known}") from None


def synth_command(
    out: Annotated[Path, typer.Option(help="job folder: created, or resumed when it holds the same job")],
    model: ModelOption = None,
    role: RoleOption = None,
    base_url: BaseUrlOption = None,
    n: Annotated[int, typer.Option("--n", help="problems to keep")] = 1000,
    seeds: Annotated[Path | None, typer.Option(help="folder of seed .yaml files (default: the packaged seeds)")] = None,
    concurrency: Annotated[int, typer.Option(help="candidates in flight at once")] = 8,
    kinds: Annotated[str, typer.Option(help="comma-separated: lp,milp,nlp,cp")] = "lp,milp,nlp,cp",
    temperature: Annotated[float, typer.Option(help="the synthesizer's temperature")] = 0.7,
    target: Annotated[str | None, typer.Option(help="solver target for every problem; default: one per kind")] = None,
    check_strategy: Annotated[str, typer.Option(help="agent strategy of the independent check")] = "orthought",
    dedup_threshold: Annotated[float, typer.Option(help="near-duplicate Jaccard threshold on word 3-grams")] = 0.5,
    max_candidates: Annotated[
        int | None, typer.Option(help="give up after this many candidates (default 20 * n)")
    ] = None,
    timeout: Annotated[float, typer.Option(help="seconds per program run")] = 60.0,
    max_tokens: MaxTokensOption = 4096,
    rng_seed: Annotated[int, typer.Option(help="seed of the seed choice per candidate")] = 0,
    prefixes: Annotated[
        bool,
        typer.Option(
            "--prefixes/--no-prefixes", help="every well-formed prefix of 3+ steps of a scenario is a candidate too"
        ),
    ] = True,
    ray: RayOption = None,
) -> None:
    """Synthesize verified optimization problems (ReSocratic): JSONL, chat SFT export, HF dataset."""
    from pydantic import ValidationError

    from optagent.app.model_choice import model_roles
    from optagent.core.types import Limits
    from optagent.synth.settings import SynthSettings

    try:
        settings = SynthSettings(
            n=n,
            kinds=parse_kinds(kinds),
            concurrency=concurrency,
            max_candidates=max_candidates,
            temperature=temperature,
            dedup_threshold=dedup_threshold,
            target=target,
            check_strategy=check_strategy,
            max_tokens=max_tokens,
            limits=Limits(timeout_s=timeout),
            rng_seed=rng_seed,
            prefixes=prefixes,
        )
    except ValidationError as error:
        first = error.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "an option"
        raise OptagentError(f"{option}: {first['msg']}; see optagent synth --help") from None
    with model_roles(model, role, base_url=base_url, concurrency=concurrency) as roles:
        report = asyncio.run(_run(settings, roles, out, seeds, ray))
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    console.print(Markdown(report.markdown()))
    for warning in report.warnings:
        console.print(f"warning: {warning}", style="yellow")
    dataset = "dataset/, " if report.kept else ""
    console.print(f"outputs in {out}: problems.jsonl, sft.jsonl, {dataset}report.md")
    if report.kept < settings.n:
        console.print(
            f"kept {report.kept} of {settings.n}: the candidate budget ran out; raise --max-candidates and rerun to go on"
        )
        raise typer.Exit(1)


async def _run(
    settings: SynthSettings, roles: ModelRoles, out: Path, seeds: Path | None, ray: str | None
) -> SynthReport:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from optagent.synth.job import run_job

    columns = (
        TextColumn("[bold]synth"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    cluster = None
    if ray is not None:
        from optagent.evals.cluster import ClusterSandbox

        cluster = ClusterSandbox(ray, warn=lambda line: bar.console.print(f"[yellow]warning:[/] {line}"))
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("kept", total=settings.n, counts="")

        def show(progress: JobProgress) -> None:
            counts = f"kept {progress.kept} · rejected {progress.rejected} · candidates {progress.candidates}"
            if cluster is not None:
                counts += f" · {cluster.display()}"
            bar.update(task, completed=min(progress.kept, progress.target), counts=counts)

        try:
            return await run_job(
                settings,
                roles,
                out,
                seeds_dir=seeds,
                sandbox=cluster,
                on_start=show,
                on_candidate=lambda _c, p: show(p),
            )
        finally:
            if cluster is not None:
                await cluster.close()


def register(app: typer.Typer) -> None:
    app.command("synth")(synth_command)
