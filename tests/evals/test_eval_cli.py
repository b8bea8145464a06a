"""`optagent eval --responses` end to end: real records, real sandbox, hand-written programs."""

from __future__ import annotations

import json

import pytest

from optagent.evals.log import SAMPLES_FILE, read_log
from tests.evals.conftest import last_json, run_cli, write_responses
from tests.evals.programs import CORRECT, WRONG


def _lines(bench: str, table: dict, sample: int = 0) -> list[dict]:
    return [
        {"id": ident, "sample": sample, "code": code, "language": "python"}
        for (name, ident), code in table.items()
        if name == bench
    ]


def test_logior_rescoring_scores_correct_wrong_and_infeasible_and_prints_json_last(tmp_path, datasets):
    lines = _lines("logior", CORRECT) + _lines("logior", WRONG, sample=1)
    lines.append({"id": "prob_999", "sample": 0, "code": "print(1)", "language": "python"})
    responses = write_responses(tmp_path / "responses.jsonl", lines)
    out = tmp_path / "run"
    done = run_cli(
        "eval", "logior", "--data", datasets, "--responses", responses, "--out", out, "--concurrency", "2", "--json"
    )
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert (summary["benchmark"], summary["n"], summary["correct"]) == ("logior", 5, 3)
    assert summary["accuracy"] == 3 / 5 and summary["strict_accuracy"] == 3 / 5
    assert summary["outcomes"] == {"correct": 3, "wrong": 1, "infeasible": 1}
    assert summary["by_size"]["Toy"] == {"n": 2, "graded": 2, "correct": 1, "accuracy": 0.5}
    assert summary["pass_at_k"] == {"1": pytest.approx(2 / 3), "2": 1.0}
    assert "prob_999" in done.stderr and "responses.jsonl:6" in done.stderr

    read = read_log(out)
    assert read.header.source == "responses" and read.header.schema_version == 1
    by_key = {r.key: r for r in read.records}
    wrong = by_key[("prob_023", 1)]
    assert wrong.outcome == "wrong" and wrong.predicted_objective == 10650.0 and wrong.expected_objective == 10637.5
    assert wrong.prediction.result is not None and wrong.prediction.code.startswith("import json")
    assert by_key[("prob_061", 1)].outcome == "infeasible"


def test_optibench_named_targets_from_printed_json_and_objective_accuracy(tmp_path, datasets):
    responses = write_responses(
        tmp_path / "r.jsonl",
        [
            {
                "id": "2",
                "sample": 0,
                "completion": "Here is the model:\n```python\n" + CORRECT[("optibench", "2")] + "```\n",
            },
            *_lines("optibench", WRONG, sample=1),
        ],
    )
    done = run_cli(
        "eval",
        "optibench",
        "--data",
        datasets,
        "--responses",
        responses,
        "--out",
        tmp_path / "run",
        "--concurrency",
        "2",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert (summary["n"], summary["correct"], summary["graded"]) == (3, 1, 3), "a crash is graded: it answers nothing"
    assert summary["objective_accuracy"] == 1 / 3 and summary["strict_accuracy"] == 1 / 3
    assert summary["outcomes"] == {"correct": 1, "wrong": 1, "crashed": 1}
    assert summary["scores"] == ["native", "strict", "objective"]


def test_unknown_ids_are_reported_and_the_run_goes_on(tmp_path, datasets):
    responses = write_responses(tmp_path / "r.jsonl", _lines("logior", CORRECT))
    with open(responses, "a") as f:
        f.write("{not json\n")
    done = run_cli(
        "eval",
        "logior",
        "--data",
        datasets,
        "--responses",
        responses,
        "--out",
        tmp_path / "run",
        "--ids",
        "prob_069,prob_nope",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert "prob_nope" in done.stderr and "r.jsonl:4: not JSON" in done.stderr
    summary = last_json(done.stdout)
    assert (summary["n"], summary["correct"]) == (1, 1)


def test_an_incompatible_run_log_is_one_clear_error_and_is_kept(tmp_path, datasets):
    first = write_responses(tmp_path / "a.jsonl", _lines("logior", CORRECT))
    second = write_responses(tmp_path / "b.jsonl", _lines("logior", WRONG))
    out = tmp_path / "run"
    assert (
        run_cli(
            "eval", "logior", "--data", datasets, "--responses", first, "--out", out, "--ids", "prob_069"
        ).returncode
        == 0
    )
    before = (out / SAMPLES_FILE).read_bytes()
    done = run_cli("eval", "logior", "--data", datasets, "--responses", second, "--out", out)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "new --out" in done.stderr and "Traceback" not in done.stderr
    assert (out / SAMPLES_FILE).read_bytes() == before
    done = run_cli("eval", "nosuchbench", "--data", datasets, "--responses", first, "--out", tmp_path / "x")
    assert done.returncode == 2 and "unknown benchmark 'nosuchbench'" in done.stderr


def test_the_header_records_what_the_run_was(tmp_path, datasets):
    responses = write_responses(tmp_path / "r.jsonl", _lines("logior", CORRECT)[:1])
    out = tmp_path / "run"
    assert run_cli("eval", "logior", "--data", datasets, "--responses", responses, "--out", out).returncode == 0
    header = json.loads((out / "header.json").read_text())
    assert header["schema_version"] == 1 and header["benchmark"] == "logior"
    assert header["responses_sha256"] and header["optagent_version"] and header["started_at"]


def test_a_json_file_of_objective_values_is_a_benchmark(tmp_path):
    """The generic benchmark: question/answer fields detected, "No Best Solution" means infeasible."""
    data = tmp_path / "mini.jsonl"
    write_responses(
        data,
        [
            {"id": "a", "question": "Maximize x + y with x + y <= 4, x, y >= 0.", "answer": "4"},
            {"id": "b", "en_question": "Minimize x with x >= 2 and x <= 1.", "en_answer": "No Best Solution"},
        ],
    )
    lp = (
        "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.x = pyo.Var(bounds=({lo}, {hi}))\n"
        "m.o = pyo.Objective(expr=m.x, sense=pyo.{sense})\npyo.SolverFactory('appsi_highs').solve(m)\n"
    )
    responses = write_responses(
        tmp_path / "r.jsonl",
        [
            {"id": "a", "sample": 0, "code": lp.format(lo=0, hi=4, sense="maximize"), "language": "python"},
            {"id": "b", "sample": 0, "code": lp.format(lo=2, hi=1, sense="minimize"), "language": "python"},
        ],
    )
    done = run_cli("eval", data, "--responses", responses, "--out", tmp_path / "run", "--json")
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert (summary["benchmark"], summary["n"], summary["correct"]) == (str(data), 2, 2), done.stderr


def test_responses_with_a_model_is_one_clear_line(tmp_path, datasets):
    responses = write_responses(tmp_path / "r.jsonl", [])
    done = run_cli("eval", "logior", "--data", datasets, "--responses", responses, "--model", "mock")
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "optagent: error: --responses re-scores given outputs; drop --model/--role/--trimr, or drop --responses"
    ]
