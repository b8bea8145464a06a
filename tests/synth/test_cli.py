"""`optagent synth` bad inputs: one line saying what was wrong, exit code 2, nothing made."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.synth


def _synth(*args: str):
    env = {k: v for k, v in os.environ.items() if k != "OPTAGENT_MODEL"}
    return subprocess.run(
        [sys.executable, "-c", "from optagent.app.cli import main; main()", "synth", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model", "mock", "--kinds", "lp,quantum"],
            "unknown kind 'quantum' in --kinds; choose from lp, milp, nlp, cp",
        ),
        (["--model", "mock", "--kinds", ","], "--kinds is empty"),
        (["--model", "mock", "--n", "0"], "--n: Input should be greater than or equal to 1"),
        (["--model", "mock", "--check-strategy", "magic"], "--check-strategy: Value error, unknown strategy 'magic'"),
        (["--model", "mock", "--dedup-threshold", "1.5"], "--dedup-threshold: Input should be less than 1"),
        (["--model", "mock", "--role", "boss=mock"], "unknown role 'boss'"),
        (["--model", "mock", "--seeds", "/nonexistent/seeds"], "--seeds /nonexistent/seeds is not a directory"),
        (["--model", "mock", "--target", "excel"], "unknown target 'excel'"),
    ],
)
def test_bad_inputs_are_one_line(tmp_path, args, message) -> None:
    out = tmp_path / "job"
    done = _synth("--out", str(out), *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert not (out / "candidates.jsonl").exists()
