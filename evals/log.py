"""The run log: a directory per run, `header.json` plus one `samples.jsonl` line per sample.

Appending a line (write, flush, fsync) is the commit point: whatever is in the file after a
crash is done, and a run started again with the same directory does only what is missing.
Lines are written by one writer task that commits every line waiting at that moment with a
single fsync (group commit), so many concurrent samples never queue behind each other's
disk flushes.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from optagent import __version__
from optagent.agent.transcript import Exchange
from optagent.core.errors import OptagentError
from optagent.core.files import read_committed_lines, write_atomic
from optagent.core.types import CallRecord, Prediction, Score, Tokens

SCHEMA_VERSION: Final = 1
HEADER_FILE = "header.json"
SAMPLES_FILE = "samples.jsonl"


Line = TypeVar("Line", bound=BaseModel)


class RunHeader(BaseModel):
    """What a run is: the fields of `identity()` must match for a run to be resumed."""

    schema_version: Literal[1] = SCHEMA_VERSION
    benchmark: str
    source: Literal["agent", "responses"] = Field(description="who produced the programs")
    models: dict[str, str] = Field(default_factory=dict, description="role -> model spec; empty when re-scoring")
    strategy: str | None = None
    samples: int = 1
    extractor_model: str | None = None
    responses_file: str | None = None
    responses_sha256: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    data_dir: str | None = None
    git_revision: str | None = None
    optagent_version: str = __version__
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def identity(self) -> dict[str, Any]:
        return self.model_dump(
            mode="json",
            include={
                "benchmark",
                "source",
                "models",
                "strategy",
                "samples",
                "extractor_model",
                "responses_sha256",
                "settings",
            },
        )


class SampleTimings(BaseModel):
    wall_s: float = Field(0.0, description="the whole sample, model calls and executions")
    llm_s: float = Field(0.0, description="sum of model call latencies")
    exec_s: float = Field(0.0, description="wall time of the scored program in the sandbox")
    finished_at: float | None = Field(None, description="unix time the sample was done, for throughput")


class SolveStats(BaseModel):
    """What the agent's loops did for one sample, counted by the report and the bench."""

    corrective_retries: int = Field(0, description="structured replies sent back once as invalid")
    unusable_replies: int = Field(0, description="structured replies still invalid after their retry")
    sent_back: int = Field(0, description="programs sent back to the coder for ignoring the problem")
    ignores_problem: bool = Field(False, description="the final program ignores the problem (a copied example)")
    stopped: list[str] = Field(default_factory=list, description="why a sample stopped early: budget, no progress")
    notes: list[str] = Field(default_factory=list, description="every note of every attempt")


class SampleRecord(Score):
    """One line of `samples.jsonl`: the score of one (problem, sample) and what produced it."""

    id: str
    sample: int
    category: str | None = None
    size: str | None = None
    prediction: Prediction = Field(default_factory=Prediction)
    messages: list[Exchange] = Field(default_factory=list, description="every model call: node, prompt, reply")
    messages_dropped: int = Field(0, description="calls left out of `messages` by its size cap")
    agent: SolveStats | None = None
    formulation: dict[str, Any] | None = None
    calls: list[CallRecord] = Field(default_factory=list)
    tokens: Tokens = Field(default_factory=Tokens)
    timings: SampleTimings = Field(default_factory=SampleTimings)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.sample)


def natural_key(key: tuple[str, int]) -> tuple[int, int, str, int]:
    """Sort ids as a person would: '2' before '10', 'prob_002' before 'prob_010'."""
    ident, sample = key
    return (0, int(ident), "", sample) if ident.isdigit() else (1, 0, ident, sample)


class LogRead(BaseModel):
    """The committed records of a log, and the lines that could not be read."""

    header: RunHeader
    records: list[SampleRecord]
    problems: list[str] = Field(default_factory=list, description="one line per unreadable line")
    good_bytes: int = Field(0, description="length of the file up to the end of the last good line")


def read_header(run_dir: Path) -> RunHeader:
    path = run_dir / HEADER_FILE
    if not path.is_file():
        raise OptagentError(
            f"{run_dir} is not a run log (no {HEADER_FILE}); pass a directory made by `optagent eval --out`"
        )
    try:
        return RunHeader.model_validate_json(path.read_text())
    except ValidationError as error:
        first = error.errors()[0]
        raise OptagentError(
            f"{path} is not a run header this optagent can read ({'.'.join(map(str, first['loc']))}: {first['msg']})"
        ) from None


def read_log(run_dir: Path) -> LogRead:
    """Read a run log. A torn last line (a kill mid-write) and bad lines are reported, not fatal.

    When a (problem, sample) appears twice the first committed line wins.
    """
    header = read_header(run_dir)
    lines, problems, good_bytes = read_committed_lines(run_dir / SAMPLES_FILE, SampleRecord, "record", "run")
    records: dict[tuple[str, int], SampleRecord] = {}
    for record in lines:
        records.setdefault(record.key, record)
    return LogRead(header=header, records=list(records.values()), problems=problems, good_bytes=good_bytes)


class RunLog:
    """An open run log for appending. Use `await RunLog.open(...)`, then `append`, then `close`."""

    def __init__(self, run_dir: Path, header: RunHeader, done: list[SampleRecord], problems: list[str]):
        self.run_dir = run_dir
        self.header = header
        self.done = done
        self.problems = problems
        self._file = open(run_dir / SAMPLES_FILE, "ab")  # noqa: SIM115 - held open for appends until close()
        self._queue: asyncio.Queue[tuple[bytes, asyncio.Future[None]]] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop())

    @classmethod
    async def open(cls, run_dir: Path, header: RunHeader) -> RunLog:
        """Start a new log in `run_dir`, or resume the one there if its header is compatible."""
        run_dir.mkdir(parents=True, exist_ok=True)
        header_path = run_dir / HEADER_FILE
        if not header_path.exists():
            write_atomic(header_path, header.model_dump_json(indent=2) + "\n")
            (run_dir / SAMPLES_FILE).touch()
            return cls(run_dir, header, [], [])
        existing = read_header(run_dir)
        _check_compatible(run_dir, existing, header)
        read = read_log(run_dir)
        (run_dir / SAMPLES_FILE).touch()
        os.truncate(run_dir / SAMPLES_FILE, read.good_bytes)  # drop a torn last line before appending
        return cls(run_dir, existing, read.records, read.problems)

    async def append(self, record: SampleRecord) -> None:
        """Return once the record is on disk."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((record.model_dump_json().encode() + b"\n", done))
        await done

    async def close(self) -> None:
        await self._queue.join()
        self._writer.cancel()
        try:
            await self._writer
        except asyncio.CancelledError:
            pass
        self._file.close()

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await asyncio.to_thread(self._commit, [line for line, _ in batch])
            except OSError as error:
                failure = OptagentError(f"cannot write {self.run_dir / SAMPLES_FILE}: {error}")
                for _, done in batch:
                    if not done.done():
                        done.set_exception(failure)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _commit(self, lines: list[bytes]) -> None:
        self._file.write(b"".join(lines))
        self._file.flush()
        os.fsync(self._file.fileno())


def _check_compatible(run_dir: Path, existing: RunHeader, new: RunHeader) -> None:
    old_id, new_id = existing.identity(), new.identity()
    differing = [key for key in new_id if old_id[key] != new_id[key]]
    if differing:
        key = differing[0]
        raise OptagentError(
            f"{run_dir} holds a different run ({key}: {old_id[key]!r} there, {new_id[key]!r} now); "
            f"pass a new --out to start a new run, or the same options to resume it"
        )
