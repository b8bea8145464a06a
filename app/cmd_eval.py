"""`optagent eval`, `optagent report` and `optagent audit`: score, resume, report, find label errors."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from optagent.app.options import (
    BaseUrlOption,
    CpPromptOption,
    MaxJudgeRoundsOption,
    MaxRepairsOption,
    MaxTokensOption,
    ModelOption,
    RayOption,
    RoleOption,
    StrategyOption,
    TargetOption,
    TrimrOption,
    agent_settings,
)
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.evals.log import RunHeader
    from optagent.evals.producers import Producer
    from optagent.evals.runner import EvalConfig, EvalResult

Ids = Annotated[
    list[str] | None,
    typer.Option("--ids", help="problem ids, comma-separated or repeated (the benchmark's own ids)"),
]
Limit = Annotated[int | None, typer.Option("--limit", min=1, help="only the first N selected problems")]
Concurrency = Annotated[
    int, typer.Option("--concurrency", min=1, help="model requests in flight at once (samples in progress: twice that)")
]
AuditConcurrency = Annotated[
    int,
    typer.Option(
        "--concurrency",
        min=1,
        help="bounds the work in progress (twice this many programs) and the default sandbox workers",
    ),
]
Workers = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="sandbox executions at once (default: min(concurrency, CPUs))"),
]
Out = Annotated[Path | None, typer.Option("--out", help="run log directory; the same one resumes a run")]
Data = Annotated[Path | None, typer.Option("--data", help="data directory (else OPTAGENT_DATA, else the user cache)")]
Responses = Annotated[
    Path | None, typer.Option("--responses", help="JSONL of completions or programs to score instead of a model")
]
Timeout = Annotated[float, typer.Option("--timeout", min=1.0, help="seconds each scored program may run")]
Json = Annotated[bool, typer.Option("--json", help="print the summary as one JSON object on the last line")]


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
    app.command("report")(report_command)
    app.command("audit")(audit_command)


def eval_command(
    benchmark: Annotated[
        str, typer.Argument(help="a benchmark name (`optagent data list` shows them) or the path of a JSON/JSONL file")
    ],
    model: ModelOption = None,
    role: RoleOption = None,
    base_url: BaseUrlOption = None,
    trimr: TrimrOption = False,
    question_field: Annotated[
        str | None, typer.Option("--question-field", help="for a file: the question field")
    ] = None,
    answer_field: Annotated[str | None, typer.Option("--answer-field", help="for a file: the answer field")] = None,
    strategy: StrategyOption = "full",
    target: TargetOption = None,
    max_tokens: MaxTokensOption = 4096,
    max_repairs: MaxRepairsOption = 3,
    max_judge_rounds: MaxJudgeRoundsOption = 2,
    cp_prompt: CpPromptOption = "documentation",
    samples: Annotated[int, typer.Option("--samples", min=1, help="independent solves per problem")] = 1,
    votes: Annotated[
        int | None,
        typer.Option("--votes", min=1, help="attempts that vote inside each solve (default: the strategy's; full: 3)"),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="also ask for the explanation a person reads (one more call a sample)")
    ] = False,
    limit: Limit = None,
    ids: Ids = None,
    concurrency: Concurrency = 8,
    workers: Workers = None,
    out: Out = None,
    data: Data = None,
    responses: Responses = None,
    extractor_model: Annotated[
        str | None, typer.Option("--extractor-model", help="model that reads named targets from program output")
    ] = None,
    timeout: Timeout = 60.0,
    ray: RayOption = None,
    as_json: Json = False,
) -> None:
    """Score a model (or a responses file) on a benchmark; the run log makes it resumable."""
    from optagent.core.files import git_revision
    from optagent.core.types import Limits
    from optagent.evals.log import RunHeader
    from optagent.evals.runner import EvalConfig

    if responses is not None and (model or role or trimr):
        raise OptagentError("--responses re-scores given outputs; drop --model/--role/--trimr, or drop --responses")
    limits = Limits(timeout_s=timeout)
    config = EvalConfig(
        benchmark=benchmark,
        question_field=question_field,
        answer_field=answer_field,
        out=out or _default_out(Path(benchmark).stem),
        data_dir=data,
        ids=_split_ids(ids),
        limit=limit,
        concurrency=concurrency * _replicas(base_url),
        workers=workers,
        extractor_model=extractor_model,
        limits=limits,
    )
    common: dict[str, Any] = {
        "benchmark": benchmark,
        "samples": samples,
        "extractor_model": extractor_model,
        "data_dir": str(data) if data else None,
        "git_revision": git_revision(),
    }
    if responses is not None:
        from optagent.evals.producers import ResponsesProducer
        from optagent.evals.responses import read_responses

        read = read_responses(responses)
        producer = ResponsesProducer(read, limits)
        header = RunHeader(
            source="responses",
            responses_file=str(responses),
            responses_sha256=read.sha256,
            settings={"timeout_s": timeout},
            **common,
        )
        result = _run(config, producer, header, read.problems, ray)
    else:
        from optagent.app.model_choice import model_roles
        from optagent.evals.producers import AgentProducer

        settings = agent_settings(
            strategy,
            target=target,
            samples=votes,
            limits=limits,
            max_tokens=max_tokens,
            max_repairs=max_repairs,
            max_judge_rounds=max_judge_rounds,
            cp_prompt=cp_prompt,
            explain=explain,
        )
        with model_roles(model, role, base_url=base_url, trimr=trimr, concurrency=concurrency) as roles:
            header = RunHeader(
                source="agent",
                models=roles.specs(),
                strategy=strategy,
                settings=settings.model_dump(mode="json") | {"trimr": trimr},
                **common,
            )
            result = _run(config, AgentProducer(roles, settings, samples), header, [], ray)
    _print_summary(result, as_json)


def report_command(
    runs: Annotated[list[Path], typer.Argument(help="run log directories; two or more are compared")],
    out: Annotated[
        Path | None, typer.Option("--out", help="file stem for FILE.md and FILE.html (default: in the first run)")
    ] = None,
) -> None:
    """Write a Markdown report and a self-contained HTML page for one run or a comparison."""
    from optagent.evals.report import write_report

    md, html = write_report(runs, out)
    typer.echo(f"wrote {md}")
    typer.echo(f"wrote {html}")


def audit_command(
    benchmark: Annotated[str, typer.Argument(help="the benchmark whose labels to check")],
    responses: Annotated[Path, typer.Option("--responses", help="JSONL of reference programs, one per problem")],
    limit: Limit = None,
    ids: Ids = None,
    concurrency: AuditConcurrency = 8,
    workers: Workers = None,
    out: Out = None,
    data: Data = None,
    timeout: Timeout = 60.0,
    as_json: Json = False,
) -> None:
    """Run reference programs and list the problems whose labels they do not reproduce."""
    from optagent.benchmarks import resolve_data_dir
    from optagent.benchmarks.registry import benchmark_for
    from optagent.core.files import git_revision
    from optagent.core.types import Limits
    from optagent.evals.audit import mismatches
    from optagent.evals.log import RunHeader
    from optagent.evals.producers import ResponsesProducer
    from optagent.evals.responses import read_responses
    from optagent.evals.runner import EvalConfig

    read = read_responses(responses)
    limits = Limits(timeout_s=timeout)
    config = EvalConfig(
        benchmark=benchmark,
        out=out or _default_out(f"audit-{benchmark}"),
        data_dir=data,
        ids=_split_ids(ids),
        limit=limit,
        concurrency=concurrency,
        workers=workers,
        limits=limits,
    )
    header = RunHeader(
        benchmark=benchmark,
        source="responses",
        responses_file=str(responses),
        responses_sha256=read.sha256,
        settings={"timeout_s": timeout, "audit": True},
        data_dir=str(data) if data else None,
        git_revision=git_revision(),
    )
    result = _run(config, ResponsesProducer(read, limits), header, read.problems)
    problems = benchmark_for(benchmark).load(resolve_data_dir(data)).by_id()
    found = mismatches(result.records, problems)
    for m in found:
        got = "-" if m.predicted is None else f"{m.predicted:g}"
        want = "-" if m.expected is None else f"{m.expected:g}"
        why = f"\tthe label equals the values printed after an {m.failed_solve} solve" if m.failed_solve else ""
        typer.echo(f"{m.id}\t{m.outcome}\tlabel {want}\tprogram {got}\t{m.detail}{why}")
    failed = sum(m.failed_solve is not None for m in found)
    typer.echo(
        f"{len(found)} of {result.summary.n} labels not reproduced"
        + (f" ({failed} taken from a failed solve)" if failed else "")
        + f"; run log: {result.run_dir}"
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "benchmark": benchmark,
                    "n": result.summary.n,
                    "reproduced": result.summary.n - len(found),
                    "mismatched": [m.model_dump() for m in found],
                }
            )
        )


def _run(
    config: EvalConfig, producer: Producer, header: RunHeader, pre_warnings: list[str], ray: str | None = None
) -> EvalResult:
    from rich.console import Console

    from optagent.evals.runner import run_eval

    console = Console(stderr=True, soft_wrap=True)
    for line in pre_warnings:
        console.print(f"[yellow]warning:[/] {line}", highlight=False)
    if ray is None:
        return asyncio.run(run_eval(config, producer, header, console=console))

    async def on_cluster() -> EvalResult:
        from optagent.core.files import write_atomic
        from optagent.evals.cluster import ClusterSandbox

        warnings: list[str] = []

        def warn(line: str) -> None:
            warnings.append(line)
            console.print(f"[yellow]warning:[/] {line}", highlight=False)

        cluster = ClusterSandbox(ray, workers=config.workers, warn=warn)
        try:
            result = await run_eval(config, producer, header, console=console, sandbox=cluster, warn=warn)
        finally:
            if cluster.nodes:
                write_atomic(config.out / "cluster.json", json.dumps(cluster.summary(), indent=2) + "\n")
            await cluster.close()
        return result

    return asyncio.run(on_cluster())


def _replicas(base_url: list[str] | None) -> int:
    """How many model servers `--base-url` names: samples in progress grow with them."""
    from optagent.models.providers import base_urls

    return max(1, len(base_urls(base_url)))


def _print_summary(result: EvalResult, as_json: bool) -> None:
    s = result.summary

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    line = f"{s.benchmark}: {s.correct}/{s.graded} correct ({pct(s.accuracy)}), strict {pct(s.strict_accuracy)}"
    if s.objective_accuracy is not None:
        line += f", objective {pct(s.objective_accuracy)}"
    if s.graded < s.n:
        line += f"; native rule applied to {s.graded} of {s.n} samples (scores held: {', '.join(s.scores)})"
    if s.missing:
        line += f"; {s.missing} samples missing, run again with --out {result.run_dir} to retry them"
    typer.echo(line, err=as_json)
    typer.echo(f"run log: {result.run_dir}  (report: optagent report {result.run_dir})", err=as_json)
    if as_json:
        typer.echo(s.model_dump_json())


def _split_ids(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _default_out(name: str) -> Path:
    return Path("runs") / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
