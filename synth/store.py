"""The job directory: `header.json` (what the job is) and `candidates.jsonl` (what it did).

Appending a candidate line (write, flush, fsync) is the commit point, as in the eval run
log (`optagent.evals.log`), whose atomic header write and revision helper this reuses; its
`RunLog` itself is not reused because its records and header are the eval's. A job killed
at any moment loses at most the candidates in flight, never a committed one: on resume a
torn last line is cut off, each candidate id counts once (the first committed line wins)
and the indices whose own candidate is not committed yet are done again (with their prefixes:
those committed before the kill are not committed twice).
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from optagent import __version__
from optagent.core.errors import OptagentError
from optagent.core.files import git_revision, read_committed_lines, write_atomic
from optagent.synth.records import Candidate
from optagent.synth.scenario import Seed

HEADER_FILE = "header.json"
CANDIDATES_FILE = "candidates.jsonl"


class JobHeader(BaseModel):
    schema_version: Literal[1] = 1
    models: dict[str, str] = Field(description="role -> model spec")
    settings: dict[str, Any] = Field(description="the settings that shape what is made (SynthSettings.identity)")
    seeds_sha256: str
    seed_count: int
    git_revision: str | None = None
    optagent_version: str = __version__
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def identity(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"models", "settings", "seeds_sha256"})


def seeds_digest(seeds: list[Seed]) -> str:
    digest = hashlib.sha256()
    for seed in sorted(seeds, key=lambda s: s.id):
        digest.update(seed.model_dump_json().encode())
    return digest.hexdigest()


def new_header(models: dict[str, str], settings: dict[str, Any], seeds: list[Seed]) -> JobHeader:
    return JobHeader(
        models=models,
        settings=settings,
        seeds_sha256=seeds_digest(seeds),
        seed_count=len(seeds),
        git_revision=git_revision(),
    )


def read_header(out: Path) -> JobHeader:
    path = out / HEADER_FILE
    try:
        return JobHeader.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, UnicodeDecodeError):
        raise OptagentError(
            f"{path} is not a synthesis job header; pass a new --out, or the folder a synth job made"
        ) from None


def read_candidates(out: Path) -> tuple[list[Candidate], list[str], int]:
    """Committed candidates, one line per unreadable line, and the length of the good part."""
    lines, problems, good_bytes = read_committed_lines(out / CANDIDATES_FILE, Candidate, "candidate", "job")
    found: dict[str, Candidate] = {}
    for candidate in lines:
        found.setdefault(candidate.id, candidate)
    return sorted(found.values(), key=lambda c: (c.index, c.id)), problems, good_bytes


def _first_difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    for key in sorted(set(old) | set(new)):
        before, now = old.get(key), new.get(key)
        if before == now:
            continue
        if isinstance(before, dict) and isinstance(now, dict):
            inner = next(k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k))
            return f"{key}.{inner}: {before.get(inner)!r} there, {now.get(inner)!r} now"
        return f"{key}: {before!r} there, {now!r} now"
    return None


class CandidateLog:
    """The open candidate log; `CandidateLog.open(out, header)` starts or resumes a job."""

    def __init__(self, out: Path, header: JobHeader, candidates: list[Candidate], problems: list[str]) -> None:
        self.out = out
        self.header = header
        self.candidates = candidates
        self.problems = problems
        self._file = open(out / CANDIDATES_FILE, "ab")  # noqa: SIM115 (held open for appends; closed by close())

    @classmethod
    def open(cls, out: Path, header: JobHeader) -> CandidateLog:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OptagentError(f"cannot create --out {out}: {error.strerror}; choose a writable folder") from None
        if not (out / HEADER_FILE).exists():
            if any(out.iterdir()):
                raise OptagentError(f"--out {out} is not empty and holds no synthesis job; pass a new or empty folder")
            write_atomic(out / HEADER_FILE, header.model_dump_json(indent=2) + "\n")
            return cls(out, header, [], [])
        existing = read_header(out)
        difference = _first_difference(existing.identity(), header.identity())
        if difference:
            raise OptagentError(
                f"{out} holds a different synthesis job ({difference}); "
                "pass a new --out to start another, or the same options to resume it"
            )
        candidates, problems, good_bytes = read_candidates(out)
        path = out / CANDIDATES_FILE
        if path.exists() and path.stat().st_size > good_bytes:
            with open(path, "r+b") as f:
                f.truncate(good_bytes)
        return cls(out, existing, candidates, problems)

    def append(self, candidate: Candidate) -> None:
        """Return once the line is on disk. Synchronous on purpose: a commit cannot be cut in
        half by a cancelled task, and at one line per candidate it is far from a bottleneck."""
        self._file.write(candidate.model_dump_json().encode() + b"\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.candidates.append(candidate)

    def close(self) -> None:
        self._file.close()
