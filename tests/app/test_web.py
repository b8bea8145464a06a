"""The web chat in a real browser (Debian's chromium through Playwright), one server per
module: a problem, a follow-up, a reload, a server restart, and the bad inputs."""

from __future__ import annotations

import pytest

from optagent.models.llamacpp_server import free_port
from tests.app.conftest import ChatServer, send
from tests.app.workshop import CHANGE, PROBLEM

pytestmark = [pytest.mark.browser, pytest.mark.chat]
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(fake_server, tmp_path_factory):
    store = tmp_path_factory.mktemp("chat") / "chat.sqlite"
    chat = ChatServer(fake_server.base_url, store, free_port()).start()
    yield chat
    chat.stop()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.goto(server.url)
    playwright_api.expect(page.locator("#optagent-model input")).to_have_value("vllm/fake-model", timeout=20_000)
    yield page
    context.close()


def chat_text(page):
    return page.locator("#optagent-chat")


def expect_text(page, text: str, timeout: float = 30_000) -> None:
    playwright_api.expect(chat_text(page)).to_contain_text(text, timeout=timeout)


def open_step(page, title: str) -> None:
    page.locator("#optagent-chat").get_by_text(title, exact=True).last.click()


def test_problem_follow_up_reload_and_restart(page, server, output_dir):
    send(page, PROBLEM)
    expect_text(page, "Objective (maximize): 4,100")
    open_step(page, "Formulation")
    open_step(page, "Program (pyomo)")
    expect_text(page, "Constraints")
    assert page.locator("#optagent-chat .katex").count() >= 4, "the formulation's LaTeX was not typeset"
    expect_text(page, 'SolverFactory("appsi_highs")')
    table = page.locator("#optagent-chat table").last
    playwright_api.expect(table).to_contain_text("tables")
    playwright_api.expect(table).to_contain_text("30")
    playwright_api.expect(table).to_contain_text("40")
    downloads = page.locator("#optagent-downloads")
    for name in ("model.py", "model.lp", "model.mps"):
        playwright_api.expect(downloads.locator(f"a[href$='/{name}']")).to_have_count(1, timeout=20_000)
    page.screenshot(path=output_dir / "1-solved.png", full_page=True)

    send(page, CHANGE)
    expect_text(page, "Objective (maximize): 4,060")
    expect_text(page, "With at most 20 tables")
    page.screenshot(path=output_dir / "2-follow-up.png", full_page=True)

    page.reload()
    expect_text(page, "Objective (maximize): 4,100", timeout=20_000)
    expect_text(page, "Objective (maximize): 4,060")
    expect_text(page, CHANGE)

    server.stop()
    server.start()
    page.reload()
    expect_text(page, "Objective (maximize): 4,060", timeout=20_000)
    expect_text(page, PROBLEM[:40])
    page.screenshot(path=output_dir / "3-after-restart.png", full_page=True)


def test_bad_inputs_get_a_reply_and_the_chat_goes_on(page, fake_server, workshop, output_dir, tmp_path):
    page.locator("#optagent-new").click()
    playwright_api.expect(chat_text(page)).not_to_contain_text("4,060")

    send(page, "write me a poem")
    expect_text(page, "I model and solve optimization problems")

    send(page, "x" * 100_000)
    expect_text(page, "more than the 32,000")

    broken = tmp_path / "plan.xlsx"
    broken.write_bytes(b"\x00\x01 this is not a workbook")
    page.locator("#optagent-input input[type=file]").set_input_files(str(broken))
    send(page, PROBLEM)
    expect_text(page, "plan.xlsx is not a readable Excel file")

    workshop.on_step["formulate"] = lambda: fake_server.faults.extend(["drop"] * 4)
    send(page, PROBLEM)
    expect_text(page, fake_server.base_url, timeout=40_000)
    expect_text(page, "Formulation")
    page.screenshot(path=output_dir / "4-endpoint-down.png", full_page=True)

    send(page, PROBLEM)
    expect_text(page, "Solved", timeout=30_000)
    page.screenshot(path=output_dir / "5-bad-inputs.png", full_page=True)


def test_stop_button_ends_the_answer_and_the_chat_goes_on(page, fake_server, workshop, output_dir):
    page.locator("#optagent-new").click()
    workshop.on_step["formulate"] = lambda: setattr(fake_server, "latency_s", 30.0)
    send(page, PROBLEM)
    expect_text(page, "Writing the program")
    page.locator("#optagent-stop").click()
    expect_text(page, "Stopped before an answer")
    fake_server.latency_s = 0.0
    send(page, PROBLEM)
    expect_text(page, "Solved", timeout=30_000)
    page.reload()
    expect_text(page, "Stopped before an answer", timeout=20_000)
    expect_text(page, "Solved")
    page.screenshot(path=output_dir / "6-stopped.png", full_page=True)
