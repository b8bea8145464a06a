"""The chat tells the truth (issue 17), in a real browser and in the terminal through a pty:
an explanation that contradicts the table is replaced by one built from it, the table says
what each variable means, and the notice above the chat is current (a busy endpoint at page
load, then an answer, leaves no "no endpoint" banner; a message that gets no reply brings it
back). The program calls tables x and chairs y, the formulation says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optagent.agent.explanation import SUMMARY_NOTE
from optagent.app.chat_examples import EXAMPLE, EXAMPLE_CHANGE
from optagent.models.llamacpp_server import free_port
from tests.app.conftest import ANSI, REPO, ChatServer, Terminal, optagent, send
from tests.app.workshop import EXPLAINED, PROBLEM, SWAPPED, WorkshopScript

SUMMARY = (
    "The solver's solution: x = 30 (tables made per week); y = 40 (chairs made per week). "
    "The objective (weekly profit, $) is 4,100."
)
OBJECTIVE = "Objective (maximize): 4,100 · weekly profit, $"
NO_ENDPOINT = "No model endpoint answers"
BUSY_S = 8.0  # /v1/models answers later than the probe's 5 s: the endpoint looks down, completions still work


@pytest.fixture(scope="module")
def workshop() -> WorkshopScript:
    return WorkshopScript(named_xy=True)


@pytest.fixture
def busy(fake_server):
    fake_server.models_latency_s = BUSY_S
    yield fake_server
    fake_server.models_latency_s = 0.0
    fake_server.faults.clear()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_example_shares_no_number_with_any_prompt() -> None:
    def numbers(text: str) -> set[str]:
        return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}

    mine = numbers(EXAMPLE + EXAMPLE_CHANGE)
    for path in (REPO / "prompts").rglob("*"):
        if path.is_file() and path.suffix != ".py":
            shared = mine & numbers(path.read_text(encoding="utf-8"))
            assert not shared, f"{path.relative_to(REPO)} has {shared}"
    assert len(mine) >= 8


@pytest.fixture(scope="module")
def server(fake_server, tmp_path_factory):
    chat = ChatServer(fake_server.base_url, tmp_path_factory.mktemp("chat") / "chat.sqlite", free_port()).start()
    yield chat
    chat.stop()


def open_page(browser, server):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 1100}).new_page()
    page.goto(server.url)
    expect(page.locator("#optagent-model input")).to_have_value("vllm/fake-model", timeout=30_000)
    return page


@pytest.mark.chat
@pytest.mark.browser
def test_web_contradicting_explanation_is_replaced_and_the_table_says_what_x_is(
    browser, server, workshop, output_dir
) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server)
    workshop.explanations.extend([SWAPPED, SWAPPED])
    asked = workshop.script.calls["explain"]
    send(page, PROBLEM)
    chat = page.locator("#optagent-chat")
    expect(chat).to_contain_text(OBJECTIVE, timeout=60_000)
    expect(chat).to_contain_text(SUMMARY)
    expect(chat).to_contain_text(SUMMARY_NOTE)
    expect(chat).not_to_contain_text("Make 30 chairs")
    table = chat.locator("table").last
    for text in ("variable", "meaning", "tables made per week", "chairs made per week"):
        expect(table).to_contain_text(text)
    assert [c.inner_text() for c in table.locator("tbody tr").first.locator("td").all()] == [
        "x",
        "tables made per week",
        "30",
    ]
    assert workshop.script.calls["explain"] - asked == 2
    page.screenshot(path=output_dir / "replaced-explanation.png", full_page=True)
    page.context.close()


@pytest.mark.chat
@pytest.mark.browser
def test_web_busy_endpoint_at_load_then_an_answer_leaves_no_banner(browser, server, busy, output_dir) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server)
    notice = page.locator("#optagent-notice")
    expect(notice).to_contain_text(NO_ENDPOINT)
    page.screenshot(path=output_dir / "busy-at-load.png", full_page=True)
    send(page, PROBLEM)
    chat = page.locator("#optagent-chat")
    expect(chat).to_contain_text(EXPLAINED, timeout=60_000)
    expect(notice).to_be_hidden()
    page.wait_for_timeout(BUSY_S * 1000)  # the message's own probe, still failing, must not bring it back
    expect(notice).to_be_hidden()
    page.screenshot(path=output_dir / "busy-then-answered.png", full_page=True)

    busy.faults.extend(["drop"] * 4)  # now no reply comes: the probe's finding is shown again
    send(page, PROBLEM)
    expect(chat).to_contain_text("cannot reach", timeout=60_000)
    expect(notice).to_contain_text(NO_ENDPOINT, timeout=20_000)
    page.context.close()


def terminal_chat(fake_server, store: Path) -> Terminal:
    command = ["chat", "--terminal", "--model", "vllm/fake-model", "--base-url", fake_server.base_url]
    return Terminal(optagent(*command, "--store", str(store)))


def test_terminal_contradicting_explanation_is_replaced_and_the_table_says_what_x_is(
    fake_server, workshop, tmp_path, output_dir
) -> None:
    terminal = terminal_chat(fake_server, tmp_path / "chat.sqlite")
    try:
        terminal.expect("you>")
        workshop.explanations.extend([SWAPPED, SWAPPED])
        terminal.send(PROBLEM)
        terminal.expect(OBJECTIVE)
        shown = flat(terminal.expect("you>"))
        assert SUMMARY in shown and SUMMARY_NOTE in shown and "Make 30 chairs" not in shown
        assert re.search(r"variable\s+meaning\s+value", shown), shown
        assert "x tables made per week 30" in shown and "y chairs made per week 40" in shown
    finally:
        (output_dir / "terminal-replaced.txt").write_text(ANSI.sub("", terminal.transcript + terminal.seen))
        terminal.close()


def test_terminal_busy_endpoint_at_start_then_an_answer_prints_no_notice(busy, tmp_path, output_dir) -> None:
    terminal = terminal_chat(busy, tmp_path / "chat.sqlite")
    try:
        assert NO_ENDPOINT in terminal.expect("you>", timeout=90)
        terminal.send(PROBLEM)
        shown = flat(terminal.expect("you>", timeout=60))
        assert EXPLAINED in shown and NO_ENDPOINT not in shown, "the answer came, so the endpoint answers"
        busy.faults.extend(["drop"] * 4)
        terminal.send(PROBLEM)
        shown = flat(terminal.expect(NO_ENDPOINT, timeout=60))
        assert "cannot reach" in shown
    finally:
        (output_dir / "terminal-busy.txt").write_text(ANSI.sub("", terminal.transcript + terminal.seen))
        terminal.close()
