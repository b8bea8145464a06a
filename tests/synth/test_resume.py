"""A job killed with SIGKILL resumes without losing or repeating a record; exactly n are kept
under concurrency; a folder holding another job is refused in one line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optagent.core.errors import OptagentError
from optagent.synth import SynthSettings, run_job
from optagent.synth.store import CANDIDATES_FILE, read_candidates
from testing.synth_script import SynthScript, fresh_workshop

pytestmark = pytest.mark.synth

SETTINGS = {"n": 5, "concurrency": 2, "max_candidates": 40, "dedup_threshold": 0.8, "prefixes": False}
CHILD = f"""
import asyncio, sys
sys.path.insert(0, {str(Path(__file__).parents[2])!r})
from pathlib import Path
from testing.synth_script import SynthScript, fresh_workshop
from optagent.synth import SynthSettings, run_job

script = SynthScript(fresh_workshop, delay_s=0.15)
asyncio.run(run_job(SynthSettings(**{SETTINGS!r}), script.roles(), Path(sys.argv[1]), workers=2))
"""


def _lines(out: Path) -> list[bytes]:
    path = out / CANDIDATES_FILE
    return path.read_bytes().splitlines(keepends=True) if path.exists() else []


def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path) -> None:
    out = tmp_path / "job"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_lines(out)) < 2 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, f"the job ended before it could be killed: {child.stderr.read().decode()[-2000:]}"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stderr.close()
    before = b"".join(_lines(out))
    done_before = {json.loads(line)["index"] for line in _lines(out) if line.endswith(b"\n")}
    assert 2 <= before.count(b"\n") < SETTINGS["n"]
    with open(out / CANDIDATES_FILE, "ab") as f:
        f.write(b'{"index": 99, "id": "syn-0000')  # a kill in the middle of a commit

    report = asyncio.run(run_job(SynthSettings(**SETTINGS), SynthScript(fresh_workshop).roles(), out, workers=2))

    after = (out / CANDIDATES_FILE).read_bytes()
    assert after.startswith(before), "committed lines survive the kill and the resume unchanged"
    assert any("torn last line" in warning for warning in report.warnings)
    candidates, problems, _ = read_candidates(out)
    assert problems == []
    indices = [c.index for c in candidates]
    assert len(indices) == len(set(indices)) == after.count(b"\n"), "no candidate is recorded twice"
    in_flight_at_kill = set(range(max(done_before) + 1)) - done_before
    assert in_flight_at_kill <= set(indices), "the candidates in flight at the kill were done again"
    assert report.kept == sum(c.kept for c in candidates) == SETTINGS["n"]
    ids = [json.loads(line)["id"] for line in (out / "problems.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids)) == SETTINGS["n"]

    again = asyncio.run(run_job(SynthSettings(**SETTINGS), SynthScript([]).roles(), out, workers=1))
    assert again.kept == SETTINGS["n"] and (out / CANDIDATES_FILE).read_bytes() == after, (
        "a finished job does nothing more"
    )


def test_exactly_n_are_kept_with_many_in_flight(tmp_path) -> None:
    settings = SynthSettings(n=3, concurrency=6, max_candidates=30, dedup_threshold=0.8)
    report = asyncio.run(run_job(settings, SynthScript(fresh_workshop).roles(), tmp_path / "job", workers=2))
    candidates, _, _ = read_candidates(tmp_path / "job")
    assert report.kept == 3 and sum(c.kept for c in candidates) == 3
    assert len((tmp_path / "job" / "problems.jsonl").read_text().splitlines()) == 3


def test_a_folder_with_another_job_or_other_files_is_refused(tmp_path) -> None:
    out = tmp_path / "job"
    settings = SynthSettings(n=1, concurrency=1, max_candidates=3, dedup_threshold=0.8)
    asyncio.run(run_job(settings, SynthScript(fresh_workshop).roles(), out, workers=1))
    changed = settings.model_copy(update={"temperature": 0.2})
    with pytest.raises(
        OptagentError, match=r"holds a different synthesis job \(settings.temperature: 0.7 there, 0.2 now\)"
    ):
        asyncio.run(run_job(changed, SynthScript([]).roles(), out, workers=1))
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OptagentError, match="is not empty and holds no synthesis job"):
        asyncio.run(run_job(settings, SynthScript([]).roles(), other, workers=1))
    assert (other / "notes.txt").read_text() == "mine"
