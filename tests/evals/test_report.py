"""`optagent report` and `optagent audit` on runs made from real records by the real sandbox."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.evals.conftest import last_json, run_cli, write_responses
from tests.evals.programs import CORRECT, LABEL_ERRORS, WRONG


def _run(tmp_path, datasets, name: str, programs: dict) -> object:
    lines = [{"id": i, "sample": 0, "code": c} for (b, i), c in programs.items() if b == "logior"]
    responses = write_responses(tmp_path / f"{name}.jsonl", lines)
    out = tmp_path / name
    done = run_cli("eval", "logior", "--data", datasets, "--responses", responses, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def two_runs(tmp_path, datasets):
    good = _run(tmp_path, datasets, "good", CORRECT)
    mixed = _run(tmp_path, datasets, "mixed", {**CORRECT, **WRONG})
    return good, mixed


def test_one_run_report_holds_accuracy_breakdowns_and_failures(two_runs):
    _, mixed = two_runs
    done = run_cli("report", mixed)
    assert done.returncode == 0, done.stderr
    md = (mixed / "report.md").read_text()
    assert "| accuracy | 33.3% (1/3) |" in md and "| headline rule | native (the benchmark's published rule) |" in md
    assert "## By size" in md and "| Toy | 0.0% (0/1) |" in md and "| Small | 50.0% (1/2) |" in md
    assert "| infeasible | 1 (33.3%) |" in md and "| wrong | 1 (33.3%) |" in md
    assert (
        "## Samples not correct by the native rule (2)" in md
        and "| prob_023 | 0 | wrong |" in md
        and "| prob_061 | 0 | infeasible |" in md
    )
    html = (mixed / "report.html").read_text()
    assert "<svg" in html and "Accuracy by category (native rule)" in html
    assert not re.search(r"<script|<link|\bsrc=|url\(", html), "the page must not load anything"


def test_two_run_report_is_side_by_side_and_lists_the_samples_that_differ(two_runs, tmp_path):
    good, mixed = two_runs
    done = run_cli("report", good, mixed, "--out", tmp_path / "cmp" / "compare")
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "cmp" / "compare.md").read_text()
    assert "| accuracy | 100.0% (3/3) | 33.3% (1/3) |" in md
    section = md.split("## Samples scored differently (2)")[1]
    assert "| prob_023 | 0 | correct | wrong |" in section and "| prob_061 | 0 | correct | infeasible |" in section
    assert "prob_069" not in section
    html = (tmp_path / "cmp" / "compare.html").read_text()
    assert html.count("<svg") == 1 and "good (responses)" in html and "mixed (responses)" in html


def test_report_of_a_directory_that_is_not_a_run_is_one_line(tmp_path):
    done = run_cli("report", tmp_path)
    assert done.returncode == 2 and "not a run log" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_html_page_renders_in_a_headless_browser(two_runs, tmp_path):
    good, mixed = two_runs
    assert run_cli("report", good, mixed, "--out", tmp_path / "page").returncode == 0
    png = tmp_path / "page.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={png}",
            "--window-size=1200,2000",
            (tmp_path / "page.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert png.exists() and png.stat().st_size > 20_000


def test_audit_lists_the_labels_reference_programs_do_not_reproduce(tmp_path, datasets):
    lines = [{"id": i, "sample": 0, "code": c} for (b, i), c in {**CORRECT, **LABEL_ERRORS}.items() if b == "optibench"]
    responses = write_responses(tmp_path / "reference.jsonl", lines)
    done = run_cli(
        "audit", "optibench", "--data", datasets, "--responses", responses, "--out", tmp_path / "audit", "--json"
    )
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert (result["n"], result["reproduced"]) == (4, 2)
    assert [(m["id"], m["outcome"], m["expected"], m["predicted"]) for m in result["mismatched"]] == [
        ("29", "infeasible", 15.0, None),
        ("293", "wrong", 150.0, 750.0),
    ]
    assert "2 of 4 labels not reproduced" in done.stdout
