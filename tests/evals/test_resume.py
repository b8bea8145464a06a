"""A real `optagent eval` killed with SIGKILL midway, then started again with the same --out."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

from optagent.evals.log import SAMPLES_FILE, read_log
from tests.evals.conftest import OPTAGENT, last_json, run_cli, write_responses
from tests.evals.programs import CORRECT, WRONG

SAMPLES = 16
_COMPARED = (
    "benchmark",
    "n",
    "correct",
    "accuracy",
    "strict_accuracy",
    "outcomes",
    "by_category",
    "by_size",
    "pass_at_k",
    "majority_accuracy",
    "missing",
)


def _responses(tmp_path):
    """Three LogiOR problems x 16 samples; odd samples of two problems are wrong or infeasible."""
    lines = []
    for (bench, ident), code in CORRECT.items():
        if bench != "logior":
            continue
        for sample in range(SAMPLES):
            program = WRONG.get((bench, ident), code) if sample % 2 else code
            lines.append({"id": ident, "sample": sample, "code": program, "language": "python"})
    return write_responses(tmp_path / "responses.jsonl", lines)


def _eval_args(datasets, responses, out):
    return [
        "eval",
        "logior",
        "--data",
        datasets,
        "--responses",
        responses,
        "--out",
        out,
        "--concurrency",
        "1",
        "--json",
    ]


def _lines(out):
    path = out / SAMPLES_FILE
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_midway_then_resume_finishes_only_what_is_missing(tmp_path, datasets):
    responses = _responses(tmp_path)
    total = 3 * SAMPLES

    whole = run_cli(*_eval_args(datasets, responses, tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    expected = last_json(whole.stdout)
    assert expected["n"] == total and expected["correct"] == 3 * SAMPLES - 2 * (SAMPLES // 2)

    out = tmp_path / "killed"
    process = subprocess.Popen(
        [str(OPTAGENT), *map(str, _eval_args(datasets, responses, out))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _lines(out) < 6 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # sandbox processes the kill left behind
        except ProcessLookupError:
            pass
    committed = _lines(out)
    assert process.returncode == -signal.SIGKILL
    assert 6 <= committed < total, f"the kill should land midway, found {committed} of {total} lines"

    resumed = run_cli(*_eval_args(datasets, responses, out))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{committed} of {total} samples already done" in resumed.stderr
    summary = last_json(resumed.stdout)
    assert {k: summary[k] for k in _COMPARED} == {k: expected[k] for k in _COMPARED}

    keys = [r.key for r in read_log(out).records]
    assert _lines(out) == total and len(set(keys)) == total
    assert Counter(sample for _, sample in keys) == Counter({s: 3 for s in range(SAMPLES)})

    again = run_cli(*_eval_args(datasets, responses, out))
    assert again.returncode == 0 and _lines(out) == total
    assert last_json(again.stdout)["correct"] == expected["correct"]


def test_a_torn_last_line_is_reported_and_redone_on_resume(tmp_path, datasets):
    responses = write_responses(
        tmp_path / "r.jsonl",
        [{"id": ident, "sample": 0, "code": code} for (bench, ident), code in CORRECT.items() if bench == "logior"],
    )
    out = tmp_path / "run"
    first = run_cli("eval", "logior", "--data", datasets, "--responses", responses, "--out", out, "--json")
    assert first.returncode == 0, first.stderr
    path = out / SAMPLES_FILE
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])

    report = run_cli("report", out)
    assert report.returncode == 0, report.stderr
    assert "torn last line" in (out / "report.md").read_text()

    resumed = run_cli("eval", "logior", "--data", datasets, "--responses", responses, "--out", out, "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert "torn last line" in resumed.stderr and "2 of 3 samples already done" in resumed.stderr
    assert last_json(resumed.stdout)["correct"] == last_json(first.stdout)["correct"] == 3
    assert path.read_bytes().count(b"\n") == 3 and read_log(out).problems == []
