"""Re-scoring OptiBench programs through the real CLI and sandbox, with and without an extractor model.

The programs (tests/evals/pulp_programs.py) print every target by its OptiBench name, as
the benchmark's reference programs do, so the native rule applies without a model; a model
is asked only for the targets a program did not print by name.
"""

from __future__ import annotations

import json
import os

from optagent.evals.log import read_log
from tests.evals.conftest import last_json, run_cli, write_responses
from tests.evals.pulp_programs import RESCORED


def _eval(tmp_path, datasets, name: str, programs: dict[str, str], *extra: str, env=None):
    responses = write_responses(tmp_path / f"{name}.jsonl", [{"id": i, "code": code} for i, code in programs.items()])
    out = tmp_path / name
    done = run_cli("eval", "optibench", "--data", datasets, "--responses", responses, "--out", out, *extra, env=env)
    assert done.returncode == 0, done.stderr
    return out, {r.id: r for r in read_log(out).records}


def test_targets_printed_by_name_are_graded_without_a_model(tmp_path, datasets):
    out, records = _eval(tmp_path, datasets, "named", RESCORED)
    assert records["474"].graded and records["474"].correct and records["474"].outcome == "correct"
    assert records["333"].graded and not records["333"].correct and records["333"].outcome == "wrong"
    # values printed after an infeasible or unbounded solve are read, but are no answer
    assert records["141"].graded and not records["141"].correct and records["141"].outcome == "infeasible"
    assert records["231"].graded and not records["231"].correct and records["231"].outcome == "unbounded"
    # two of three targets printed: without an extractor the native rule is not applied
    partial = records["173"]
    assert not partial.graded and partial.objective_correct
    assert "1 of 3 targets not printed by name and no extractor model" in partial.detail

    assert run_cli("report", out).returncode == 0
    md = (out / "report.md").read_text()
    assert "| headline rule | native (the benchmark's published rule) |" in md
    assert "| accuracy | 25.0% (1/4) |" in md
    failures = md.split("## Samples not correct by the native rule (3)")[1]
    assert "| 333 | 0 | wrong |" in failures and "| 141 | 0 | infeasible |" in failures
    assert "| 173 |" not in failures and "1 samples the native rule could not be applied to" in failures
    assert "Accuracy by category (native rule)" in (out / "report.html").read_text()


def test_the_extractor_is_asked_only_for_the_missing_targets(tmp_path, datasets, fake_openai):
    fake_openai.reply = json.dumps({"answers": [{"name": "The total number of vehicles", "value": 30}]})
    env = {**os.environ, "OPTAGENT_VLLM_BASE_URL": fake_openai.base_url}
    _, records = _eval(
        tmp_path, datasets, "extract", {"173": RESCORED["173"]}, "--extractor-model", "vllm/fake-model", env=env
    )
    record = records["173"]
    assert record.graded and record.correct, record.detail
    assert "2 read from the program's output by name, 1 extracted by vllm/fake-model" in record.detail
    (request,) = fake_openai.requests
    prompt = json.dumps(request)
    assert "- The total number of vehicles" in prompt and "- The number of limousines" not in prompt


def test_without_names_the_report_uses_the_objective_rule(tmp_path, datasets):
    unnamed = {i: RESCORED[i].replace(" + ':'", "") for i in ("474", "333")}  # "The number of scooters 75.0"
    out, records = _eval(tmp_path, datasets, "unnamed", unnamed)
    assert not any(r.graded for r in records.values())
    assert records["474"].objective_correct and records["333"].objective_correct is False
    assert run_cli("report", out).returncode == 0
    md = (out / "report.md").read_text()
    assert "| headline rule | objective-only (the native rule could not be applied) |" in md
    assert "| accuracy | 50.0% (1/2) |" in md
    failures = md.split("## Samples not correct by the objective rule (1)")[1]
    assert "| 333 | 0 | wrong |" in failures and "| 474 |" not in failures
    html = (out / "report.html").read_text()
    assert "Accuracy by category (objective rule)" in html and "<svg" in html


def test_audit_names_labels_taken_from_failed_solves(tmp_path, datasets):
    programs = {i: RESCORED[i] for i in ("474", "141", "231")}
    responses = write_responses(tmp_path / "reference.jsonl", [{"id": i, "code": c} for i, c in programs.items()])
    done = run_cli(
        "audit", "optibench", "--data", datasets, "--responses", responses, "--out", tmp_path / "audit", "--json"
    )
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert [(m["id"], m["failed_solve"]) for m in result["mismatched"]] == [("141", "infeasible"), ("231", "unbounded")]
    assert "the label equals the values printed after an infeasible solve" in done.stdout
    assert "2 of 3 labels not reproduced (2 taken from a failed solve)" in done.stdout
    assert "known label issue: the reference program is infeasible" in result["mismatched"][0]["detail"]
