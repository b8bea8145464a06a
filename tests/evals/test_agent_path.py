"""`optagent eval --model`: the real CLI, agent, HTTP model client and sandbox, against a local
OpenAI-compatible server that answers each problem with a hand-written program."""

from __future__ import annotations

import os

import pytest

from optagent.evals.log import read_log
from tests.evals.conftest import last_json, run_cli
from tests.evals.programs import CORRECT

# A phrase of each problem's statement -> the program the fake model answers with.
_ANSWERS = {
    "HAPPY pharmaceutical": CORRECT[("logior", "prob_023")],
    "3 supply points (S1, S2, S3)": CORRECT[("logior", "prob_061")],
    "Reservoir A": CORRECT[("logior", "prob_069")],
}


def _reply(body: dict) -> str:
    prompt = " ".join(m["content"] for m in body.get("messages", []))
    for phrase, program in _ANSWERS.items():
        if phrase in prompt:
            return f"The model:\n\n```python\n{program}```\n"
    return "I cannot write a program for this problem."


def test_eval_runs_the_agent_over_http_and_logs_calls_and_tokens(tmp_path, datasets, fake_openai):
    fake_openai.reply = _reply
    out = tmp_path / "run"
    env = {**os.environ, "OPTAGENT_VLLM_BASE_URL": fake_openai.base_url}
    done = run_cli(
        "eval",
        "logior",
        "--data",
        datasets,
        "--model",
        "vllm/fake-model",
        "--strategy",
        "direct",
        "--ids",
        "prob_023,prob_061,prob_069,prob_002",
        "--out",
        out,
        "--concurrency",
        "4",
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert (summary["n"], summary["correct"]) == (4, 3)
    assert summary["outcomes"] == {"correct": 3, "no_answer": 1}
    assert summary["tokens_per_sample"]["total"] > 0

    read = read_log(out)
    assert read.header.source == "agent" and read.header.strategy == "direct"
    assert read.header.models["coder"] == "vllm/fake-model" and read.header.settings["strategy"] == "direct"
    record = next(r for r in read.records if r.id == "prob_023")
    assert record.calls and record.calls[0].role == "coder" and record.tokens.total > 0
    assert record.prediction.code and "HAPPY" not in record.prediction.code
    assert record.timings.llm_s > 0 and record.timings.exec_s > 0
    assert len(fake_openai.requests) >= 4
    assert read.header.settings["explain"] is False and len(record.calls) == 1, "a benchmark run explains nothing"


def test_eval_explains_only_when_asked(tmp_path, datasets, fake_openai):
    fake_openai.reply = _reply
    env = {**os.environ, "OPTAGENT_VLLM_BASE_URL": fake_openai.base_url}
    common = ("eval", "logior", "--data", datasets, "--model", "vllm/fake-model", "--strategy", "direct")
    done = run_cli(*common, "--ids", "prob_023", "--out", tmp_path / "run", "--explain", env=env)
    assert done.returncode == 0, done.stderr
    read = read_log(tmp_path / "run")
    calls = read.records[0].calls
    assert read.header.settings["explain"] is True and len(calls) > 1 and calls[0].role == "coder"
    assert {call.role for call in calls[1:]} == {"formulator"}, "only the explanation is added"


def test_eval_votes_sets_the_attempts_inside_each_solve(tmp_path, datasets, fake_openai):
    fake_openai.reply = _reply
    env = {**os.environ, "OPTAGENT_VLLM_BASE_URL": fake_openai.base_url}
    common = ("eval", "logior", "--data", datasets, "--model", "vllm/fake-model", "--strategy", "direct")
    done = run_cli(*common, "--ids", "prob_023", "--votes", "2", "--out", tmp_path / "run", env=env)
    assert done.returncode == 0, done.stderr
    read = read_log(tmp_path / "run")
    assert read.header.settings["samples"] == 2 and len(read.records) == 1, "--votes is not --samples"
    assert [call.role for call in read.records[0].calls] == ["coder", "coder"] and read.records[0].correct
    refused = run_cli(*common, "--ids", "prob_023", "--votes", "0", "--out", tmp_path / "bad", env=env)
    assert refused.returncode != 0 and "--votes" in refused.stderr and not (tmp_path / "bad").exists()


@pytest.mark.llm
def test_eval_and_report_on_the_real_small_llm(tmp_path, datasets, llm_server):
    """SmolLM2-135M answers nonsense; the eval still scores, logs and reports every sample."""
    out = tmp_path / "run"
    done = run_cli(
        "eval",
        "logior",
        "--data",
        datasets,
        "--model",
        f"llamacpp/{llm_server.alias}",
        "--base-url",
        llm_server.base_url,
        "--strategy",
        "direct",
        "--limit",
        "2",
        "--max-tokens",
        "128",
        "--max-repairs",
        "1",
        "--out",
        out,
        "--json",
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert summary["n"] == 2 and sum(summary["outcomes"].values()) == 2
    read = read_log(out)
    assert len(read.records) == 2 and not read.problems
    assert all(r.calls and r.calls[0].model.startswith("llamacpp/") and r.tokens.total > 0 for r in read.records)
    reported = run_cli("report", out, timeout=120)
    assert reported.returncode == 0, reported.stderr
    assert (out / "report.md").exists() and (out / "report.html").exists()
