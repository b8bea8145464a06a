"""`optagent eval --base-url A --base-url B` (or `A,B`): one model behind two servers, through
the real CLI, agent and sandbox; every call record names the server that answered."""

from __future__ import annotations

from optagent.evals.log import read_log
from testing.fake_openai import FakeOpenAI
from tests.evals.conftest import last_json, run_cli
from tests.scale.scripted import IDS, reply


def test_eval_spreads_over_two_servers_and_records_which_answered(tmp_path, datasets):
    with FakeOpenAI(reply=reply, latency_s=0.2) as first, FakeOpenAI(reply=reply, latency_s=0.2) as second:
        common = ("eval", "logior", "--data", datasets, "--model", "vllm/fake-model", "--strategy", "direct")
        common += ("--ids", IDS, "--samples", "2", "--concurrency", "2", "--json")
        repeated = run_cli(
            *common, "--base-url", first.base_url, "--base-url", second.base_url, "--out", tmp_path / "a"
        )
        assert repeated.returncode == 0, repeated.stderr
        comma = run_cli(*common, "--base-url", f"{first.base_url},{second.base_url}", "--out", tmp_path / "b")
        assert comma.returncode == 0, comma.stderr
    assert last_json(repeated.stdout)["correct"] == last_json(comma.stdout)["correct"] == 6
    for run in ("a", "b"):
        calls = [call for record in read_log(tmp_path / run).records for call in record.calls]
        assert len(calls) == 8
        assert {call.endpoint for call in calls} == {first.base_url, second.base_url}
    assert len(first.requests) >= 4 and len(second.requests) >= 4
    report = run_cli("report", tmp_path / "a", "--out", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    markdown = (tmp_path / "report.md").read_text()
    assert "## Throughput" in markdown and "over 8 samples" in markdown and "node " not in markdown


def test_a_base_url_that_is_not_a_url_is_one_line(tmp_path, datasets):
    done = run_cli(
        "eval", "logior", "--data", datasets, "--model", "vllm/fake-model", "--ids", "prob_023",
        "--base-url", "http://127.0.0.1:9/v1,127.0.0.1:8000", "--out", tmp_path / "run",
    )  # fmt: skip
    assert done.returncode != 0
    assert "base URL '127.0.0.1:8000' is not an http(s) URL" in done.stderr
    assert "Traceback" not in done.stderr
