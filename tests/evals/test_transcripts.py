"""Transcripts: the run log keeps every call's prompt and reply per sample, and the HTML report
opens them sample by sample, node by node (real CLI, fake server, real chromium)."""

from __future__ import annotations

import os

import pytest

from optagent.evals.log import read_log
from optagent.evals.report import write_report
from tests.evals.conftest import run_cli
from tests.evals.programs import CORRECT

PROGRAM = CORRECT[("logior", "prob_023")]


def _reply(body: dict) -> str:
    prompt = " ".join(m["content"] for m in body.get("messages", []))
    if "HAPPY pharmaceutical" in prompt:
        return f"The model:\n\n```python\n{PROGRAM}```\n"
    return '```python\nimport json\nprint(json.dumps({"objective": 123456.789}))\n```'


@pytest.fixture
def run(tmp_path, datasets, fake_openai):
    fake_openai.reply = _reply
    out = tmp_path / "run"
    env = {**os.environ, "OPTAGENT_VLLM_BASE_URL": fake_openai.base_url}
    args = ("--model", "vllm/fake-model", "--strategy", "direct", "--ids", "prob_023,prob_002", "--out", out)
    done = run_cli("eval", "logior", "--data", datasets, *args, env=env)
    assert done.returncode == 0, done.stderr
    return out


def test_the_log_holds_every_call_of_a_sample(run) -> None:
    records = {r.id: r for r in read_log(run).records}
    solved = records["prob_023"]
    assert [e.node for e in solved.messages] == ["write_code"]
    exchange = solved.messages[0]
    assert [m.role for m in exchange.prompt] == ["system", "user"]
    assert "HAPPY pharmaceutical" in exchange.prompt[1].content
    assert PROGRAM.strip()[:40] in exchange.reply and exchange.record is not None
    assert solved.agent is not None and solved.agent.corrective_retries == 0
    # prob_002's program has none of the problem's numbers: sent back once, both calls logged
    failed = records["prob_002"]
    assert [e.node for e in failed.messages] == ["write_code", "write_code"]
    assert failed.agent is not None and failed.agent.sent_back == 1 and failed.agent.ignores_problem
    assert "none of the problem's numbers" in failed.messages[1].prompt[1].content


@pytest.mark.browser
def test_the_report_opens_a_transcript_node_by_node(run) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    from tests.app.conftest import CHROMIUM_ARGS

    _, html = write_report([run])
    text = html.read_text()
    assert "<script" not in text and "What the agent did" in text
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(html.as_uri())
        sample = page.locator("details.sample", has_text="prob_002")
        call = sample.locator("details.call").nth(1)
        reply = call.locator("pre.reply")
        assert not reply.is_visible()
        sample.locator("summary").first.click()
        assert call.is_visible() and not reply.is_visible()
        call.locator("summary").click()
        playwright_api.expect(reply).to_be_visible()
        playwright_api.expect(call.locator("pre").nth(1)).to_contain_text("none of the problem's numbers")
        browser.close()
