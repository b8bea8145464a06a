"""File helpers every job shares: append-only JSONL files read up to their last committed line,
files replaced atomically, and the checkout's git revision for run headers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

Line = TypeVar("Line", bound=BaseModel)


def git_revision(path: Path | None = None) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=path or Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def read_committed_lines(path: Path, model: type[Line], noun: str, job: str) -> tuple[list[Line], list[str], int]:
    """The committed lines of an append-only JSONL file, one problem per unreadable line, and
    the byte length of the good part (a resume cuts the file there before appending).

    A line counts once its newline is written, so a torn last line is a kill mid-write: it
    is reported and left for the resume to redo; a line that does not validate is skipped.
    """
    data = path.read_bytes() if path.exists() else b""
    lines: list[Line] = []
    problems: list[str] = []
    good_bytes = offset = 0
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        offset += len(raw)
        if not raw.endswith(b"\n"):
            problems.append(f"{path}:{number}: torn last line (the {job} was killed while writing it); ignored")
            break
        good_bytes = offset
        if not raw.strip():
            continue
        try:
            lines.append(model.model_validate_json(raw))
        except ValidationError as error:
            problems.append(f"{path}:{number}: unreadable {noun} ({error.errors()[0]['msg']}); skipped")
    return lines, problems, good_bytes


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
