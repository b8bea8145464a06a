"""The batch job: candidates in flight at once until `n` problems are kept, resumable.

Candidate indices 0, 1, 2, ... are handed to `concurrency` workers; an index already in
the log is skipped, so a resumed job redoes exactly the candidates that were in flight when
it was killed, with the same seeds. Commits are serialised: the job keeps exactly `n`
problems (a candidate finishing after the n-th is dropped uncommitted, and the workers
still in flight are cancelled). A transport failure stops the job with one line; what was
committed stays, and the same command resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optagent.core.errors import OptagentError
from optagent.core.files import write_atomic
from optagent.synth.dedup import NearDuplicateIndex
from optagent.synth.export import REPORT_FILES, export
from optagent.synth.pipeline import Workbench, candidate_id, synthesize
from optagent.synth.records import Candidate
from optagent.synth.report import SynthReport, build_report
from optagent.synth.scenario import Seed, load_seeds
from optagent.synth.settings import SynthSettings
from optagent.synth.store import CandidateLog, new_header

if TYPE_CHECKING:
    from optagent.models import ModelRoles
    from optagent.solvers.runner import ProgramRunner


@dataclass
class Progress:
    candidates: int
    kept: int
    rejected: int
    target: int


OnCandidate = Callable[[Candidate, Progress], None]


def usable_seeds(seeds: list[Seed], settings: SynthSettings) -> list[Seed]:
    usable = [seed for seed in seeds if seed.kind in settings.kinds]
    if not usable:
        kinds = ", ".join(k.value for k in settings.kinds)
        raise OptagentError(f"no seed has a requested kind ({kinds}); add seeds of those kinds or change --kinds")
    return usable


def duplicate_index(settings: SynthSettings, seeds: list[Seed], candidates: list[Candidate]) -> NearDuplicateIndex:
    """Seeds (so a copied seed is a duplicate) and every kept scenario."""
    index = NearDuplicateIndex(settings.dedup_threshold)
    for seed in seeds:
        index.add(f"seed:{seed.id}", seed.text)
    for candidate in candidates:
        if candidate.kept and candidate.scenario:
            index.add(candidate.id, candidate.scenario.text)
    return index


class _Run:
    def __init__(self, bench: Workbench, log: CandidateLog, on_candidate: OnCandidate | None) -> None:
        self.bench = bench
        self.log = log
        self.on_candidate = on_candidate
        self.kept = sum(c.kept for c in log.candidates)
        self.done = {c.index for c in log.candidates if c.parent is None}
        self.committed = {c.id for c in log.candidates}
        self.stop = asyncio.Event()
        self._indices = self._pending()

    def _pending(self) -> Iterator[int]:
        for index in range(self.bench.settings.candidate_budget):
            if index not in self.done:
                yield index

    def progress(self) -> Progress:
        count = len(self.log.candidates)
        return Progress(candidates=count, kept=self.kept, rejected=count - self.kept, target=self.bench.settings.n)

    def commit(self, candidate: Candidate) -> None:
        n = self.bench.settings.n
        if candidate.id in self.committed:  # a prefix committed before a kill, made again on resume
            return
        if candidate.kept and self.kept >= n:
            self.bench.index.remove(candidate.id)
            return
        self.log.append(candidate)
        self.committed.add(candidate.id)
        if candidate.kept:
            self.kept += 1
        else:
            self.bench.index.remove(candidate.id)
        if self.kept >= n:
            self.stop.set()
        if self.on_candidate:
            self.on_candidate(candidate, self.progress())

    async def work(self) -> None:
        try:
            while not self.stop.is_set():
                index = next(self._indices, None)
                if index is None:
                    return
                try:
                    candidates = await synthesize(self.bench, index)
                except BaseException:
                    self.bench.index.remove_family(candidate_id(index))
                    raise
                for candidate in candidates[1:] + candidates[:1]:  # its own last: it marks the index done
                    self.commit(candidate)
        except BaseException:
            self.stop.set()
            raise

    async def run(self) -> None:
        if self.kept >= self.bench.settings.n:
            return
        workers = [asyncio.create_task(self.work()) for _ in range(self.bench.settings.concurrency)]
        everyone = asyncio.gather(*workers, return_exceptions=True)
        stopped = asyncio.create_task(self.stop.wait())
        either: set[asyncio.Future[Any]] = {everyone, stopped}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        for worker in workers:
            worker.cancel()
        outcomes = await everyone
        stopped.cancel()
        failures = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, asyncio.CancelledError)]
        if failures:
            raise failures[0]


async def run_job(
    settings: SynthSettings,
    roles: ModelRoles,
    out: Path,
    *,
    seeds_dir: Path | None = None,
    workers: int | None = None,
    sandbox: ProgramRunner | None = None,
    on_candidate: OnCandidate | None = None,
    on_start: Callable[[Progress], None] | None = None,
) -> SynthReport:
    """Run (or resume) the job in `out`; the report covers every candidate ever committed.

    The job starts its own sandbox with `workers` slots unless given a started `sandbox`.
    """
    from optagent.solvers.sandbox import Sandbox
    from optagent.solvers.targets import get_target

    if settings.target is not None:
        get_target(settings.target)
    seeds = usable_seeds(load_seeds(seeds_dir), settings)
    log = CandidateLog.open(out, new_header(roles.specs(), settings.identity(), seeds))
    started = time.perf_counter()
    try:
        async with contextlib.AsyncExitStack() as stack:
            if sandbox is None:
                slots = workers or max(1, min(settings.concurrency, os.cpu_count() or 1))
                sandbox = await stack.enter_async_context(Sandbox(workers=slots))
            bench = Workbench(settings, roles, sandbox, seeds, duplicate_index(settings, seeds, log.candidates))
            job = _Run(bench, log, on_candidate)
            if on_start:
                on_start(job.progress())
            try:
                await job.run()
            except OptagentError as error:
                raise OptagentError(
                    f"{error}; the committed candidates are safe in {out}: run the same command to resume"
                ) from None
    finally:
        log.close()
    report = build_report(log.candidates, settings.n, time.perf_counter() - started, log.problems)
    export(out, log.header, log.candidates)
    write_atomic(out / REPORT_FILES[0], report.markdown())
    write_atomic(out / REPORT_FILES[1], report.model_dump_json(indent=2) + "\n")
    return report
