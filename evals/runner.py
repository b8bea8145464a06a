"""The eval runner: every (problem, sample) pair, concurrently, scored and committed to the log.

A semaphore bounds the pairs in flight (the LLM work); the sandbox pool bounds executions
behind it. Each finished pair is scored and appended to the run log before it counts, so a
killed run loses at most the pairs in flight, and starting it again with the same log
finishes only what is missing. One bad record or one failing pair is reported and skipped;
an OptagentError (an unreachable server, a full disk) stops the run, keeping the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from pydantic import BaseModel, Field
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from optagent.core.errors import OptagentError
from optagent.core.types import Limits, Problem, Tokens
from optagent.evals.log import RunHeader, RunLog, SampleRecord, SampleTimings
from optagent.evals.metrics import Summary, summarize
from optagent.evals.producers import Produced, Producer

if TYPE_CHECKING:
    from optagent.models.base import Model
    from optagent.solvers.runner import ProgramRunner

Warn = Callable[[str], None]

IN_PROGRESS_PER_REQUEST = 2
"""Samples kept in progress per model request in flight.

`--concurrency` bounds the requests the model endpoint holds at once (the model layer's
per-endpoint limit). A sample also spends time outside the model (building prompts, the
sandbox, scoring, the log); with only as many samples as requests, the endpoint would idle
through that time, and with a fixed model latency the samples stay in lockstep waves that
all finish their CPU work together. Twice as many samples keeps a queue at the endpoint, so
a request starts the moment one ends; a crash still loses at most that many samples.
"""


class EvalConfig(BaseModel):
    benchmark: str = Field(description="a benchmark name, or the path of a JSON/JSONL file")
    question_field: str | None = None
    answer_field: str | None = None
    out: Path
    data_dir: Path | None = None
    ids: list[str] | None = None
    limit: int | None = Field(default=None, ge=1)
    concurrency: int = Field(
        default=8,
        ge=1,
        description="model requests in flight (the endpoint's limit); samples in progress are twice that",
    )
    workers: int | None = Field(default=None, ge=1, description="sandbox workers; default min(concurrency, CPUs)")
    extractor_model: str | None = None
    limits: Limits = Field(default_factory=lambda: Limits(timeout_s=60.0), description="for scored programs")


class EvalResult(BaseModel):
    run_dir: Path
    summary: Summary
    records: list[SampleRecord] = Field(description="the planned samples in the log, in plan order")
    warnings: list[str] = Field(default_factory=list)


def select(problems: list[Problem], ids: list[str] | None, limit: int | None, warn: Warn) -> list[Problem]:
    """The problems `--ids` names (in benchmark order), then the first `--limit` of them."""
    if ids:
        wanted = set(ids)
        known = {p.id for p in problems}
        for unknown in [i for i in ids if i not in known]:
            warn(f"--ids {unknown!r}: no such problem in this benchmark; skipped")
        problems = [p for p in problems if p.id in wanted]
    return problems[:limit] if limit else problems


async def run_eval(
    config: EvalConfig,
    producer: Producer,
    header: RunHeader,
    *,
    console: Console | None = None,
    warn: Warn | None = None,
    sandbox: ProgramRunner | None = None,
) -> EvalResult:
    """Run (or resume) the eval in `config.out`.

    The run starts its own sandbox with `config.workers` slots unless given a started `sandbox`
    (several runs in one process, e.g. one per strategy, can then share one).
    """
    from optagent.benchmarks import ScoringContext, resolve_data_dir
    from optagent.benchmarks.registry import benchmark_for
    from optagent.solvers.sandbox import Sandbox

    console = console or Console(stderr=True, soft_wrap=True)
    warnings: list[str] = []

    def report(line: str) -> None:
        warnings.append(line)
        (warn or (lambda text: console.print(f"[yellow]warning:[/] {text}", markup=True, highlight=False)))(line)

    benchmark = benchmark_for(config.benchmark, question_field=config.question_field, answer_field=config.answer_field)
    loaded = benchmark.load(resolve_data_dir(config.data_dir))
    for skipped_record in loaded.skipped:
        report(str(skipped_record))
    problems = select(loaded.problems, config.ids, config.limit, report)
    pairs, skipped = producer.plan(problems, {p.id for p in loaded.problems})
    for line in skipped:
        report(line)
    extractor = _extractor(config.extractor_model)

    log = await RunLog.open(config.out, header)
    for line in log.problems:
        report(line)
    planned = {(p.id, s) for p, s in pairs}
    done = {r.key: r for r in log.done if r.key in planned}
    pending = [(p, s) for p, s in pairs if (p.id, s) not in done]
    if done:
        console.print(f"resuming {config.out}: {len(done)} of {len(pairs)} samples already done", highlight=False)

    stats = _Running(list(done.values()))
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("acc {task.fields[accuracy]}"),
        TextColumn("{task.fields[tokens]} tok"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[where]}"),
        console=console,
        transient=False,
    )
    task = progress.add_task(config.benchmark, total=len(pairs), completed=len(done), **stats.fields(sandbox))
    limit = asyncio.Semaphore(IN_PROGRESS_PER_REQUEST * config.concurrency)
    workers = config.workers or max(1, min(config.concurrency, os.cpu_count() or 1))

    async def one(problem: Problem, sample: int, sandbox: ProgramRunner) -> None:
        async with limit:
            started = time.perf_counter()
            try:
                produced = await producer.produce(problem, sample, sandbox)
                context = ScoringContext(sandbox=sandbox, extractor=extractor, limits=config.limits)
                score = await benchmark.score(problem, produced.prediction, context)
            except OptagentError:
                raise
            except Exception as error:  # noqa: BLE001 - one failing pair must not end a 600-problem run
                report(
                    f"{problem.id} sample {sample}: {type(error).__name__}: {error}; not logged, a resume retries it"
                )
                return
            record = _record(problem, sample, produced, score.model_dump(), time.perf_counter() - started)
        await log.append(record)
        stats.add(record)
        progress.update(task, advance=1, **stats.fields(pool))

    pool = sandbox
    try:
        with progress:
            async with contextlib.AsyncExitStack() as stack, asyncio.TaskGroup() as group:
                if pool is None:
                    pool = Sandbox(workers=workers)
                    stack.push_async_callback(pool.close)
                    group.create_task(pool.start())  # its solver imports overlap the first model requests
                for problem, sample in pending:
                    group.create_task(one(problem, sample, pool))
    except* OptagentError as errors:
        raise errors.exceptions[0] from None
    finally:
        await log.close()

    by_key = {r.key: r for r in stats.records}
    records = [by_key[(p.id, s)] for p, s in pairs if (p.id, s) in by_key]
    summary = summarize(config.benchmark, records, missing=len(pairs) - len(records))
    return EvalResult(run_dir=config.out, summary=summary, records=records, warnings=warnings)


def _record(problem: Problem, sample: int, produced: Produced, score: dict[str, Any], wall_s: float) -> SampleRecord:
    result = produced.prediction.result
    return SampleRecord(
        **score,
        id=problem.id,
        sample=sample,
        category=problem.category,
        size=problem.metadata.get("problem_size") or problem.metadata.get("size"),
        prediction=produced.prediction,
        messages=produced.messages,
        messages_dropped=produced.messages_dropped,
        agent=produced.agent,
        formulation=produced.formulation,
        calls=produced.calls,
        tokens=Tokens.of(produced.calls),
        timings=SampleTimings(
            wall_s=wall_s,
            llm_s=sum(c.latency_s for c in produced.calls),
            exec_s=result.timings.wall_s if result else 0.0,
            finished_at=time.time(),
        ),
    )


class _Running:
    """Running accuracy, tokens and samples/s for the progress bar, and where the work goes:
    each cluster node's runs/s (`--ray`), each model replica's state (several `--base-url`)."""

    def __init__(self, records: list[SampleRecord]):
        self.records = list(records)
        self.started = time.monotonic()
        self.added = 0

    def add(self, record: SampleRecord) -> None:
        self.records.append(record)
        self.added += 1

    def fields(self, sandbox: object) -> ProgressFields:
        from optagent.models.transport import replica_states

        graded = [r for r in self.records if r.graded]
        accuracy = f"{sum(r.correct for r in graded) / len(graded):.1%}" if graded else "-"
        where = []
        if display := getattr(sandbox, "display", None):
            where.append(display())
        if len(replicas := replica_states()) > 1:
            where.append("models " + " ".join(f"{r.in_flight}{'' if r.up else ' out'}" for r in replicas))
        return {
            "accuracy": accuracy,
            "tokens": f"{sum(r.tokens.total for r in self.records):,}",
            "rate": f"{self.added / max(time.monotonic() - self.started, 1e-9):.2f}/s",
            "where": "  ".join(where),
        }


class ProgressFields(TypedDict):
    """The run's figures on the progress bar."""

    accuracy: str
    tokens: str
    rate: str
    where: str


def _extractor(spec: str | None) -> Model | None:
    """The model that reads named targets from program output (OptiBench's protocol), if any."""
    if spec is None:
        return None
    from optagent.models import get_model

    return get_model(spec)
