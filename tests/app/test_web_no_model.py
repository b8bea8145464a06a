"""`optagent chat` with no model endpoint running: the page serves and says how to get one."""

from __future__ import annotations

import os

import pytest

from optagent.models.llamacpp_server import free_port
from tests.app.conftest import CHROMIUM_ARGS, ChatServer

pytestmark = [pytest.mark.browser, pytest.mark.chat]
playwright_api = pytest.importorskip("playwright.sync_api")


def test_page_serves_and_explains_how_to_start_a_model(tmp_path, monkeypatch, output_dir):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv("OPTAGENT_VLLM_BASE_URL", dead)
    monkeypatch.setenv("OPTAGENT_LLAMACPP_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.delenv("OPTAGENT_MODEL", raising=False)
    monkeypatch.delenv("OPTAGENT_BASE_URL", raising=False)
    server = ChatServer(None, tmp_path / "chat.sqlite", free_port(), model=None).start()
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.url)
            notice = page.locator("#optagent-notice")
            playwright_api.expect(notice).to_contain_text("No model endpoint answers", timeout=20_000)
            playwright_api.expect(notice).to_contain_text("optagent serve")
            box = page.locator("#optagent-input textarea")
            box.fill("Maximize 3x + 2y subject to x + y <= 4.")
            box.press("Enter")
            playwright_api.expect(page.locator("#optagent-chat")).to_contain_text("no model is chosen", timeout=20_000)
            page.screenshot(path=output_dir / "no-model.png", full_page=True)
            browser.close()
    finally:
        server.stop()
    assert os.environ["OPTAGENT_VLLM_BASE_URL"] == dead
