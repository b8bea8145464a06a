"""Chat tests: the real CLI, the real sandbox and a fake OpenAI-compatible server that
answers with the scripted workshop conversation (correct programs)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from testing.fake_openai import FakeOpenAI
from testing.scripted import over_http
from tests.app.workshop import WorkshopScript

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output" / "app"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def optagent(*args: str) -> list[str]:
    """The installed `optagent` command of this virtualenv."""
    return [str(Path(sys.executable).parent / "optagent"), *args]


class ChatServer:
    """`optagent chat` in a child process, restartable on the same port and store."""

    def __init__(
        self,
        base_url: str | None,
        store: Path,
        port: int,
        model: str | None = "vllm/fake-model",
        args: tuple[str, ...] = (),
    ) -> None:
        self.base_url, self.store, self.port, self.model, self.args = base_url, store, port, model, args
        self.url = f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = store.parent / "chat.log"

    def start(self) -> ChatServer:
        command = optagent("chat", "--port", str(self.port), "--store", str(self.store), *self.args)
        command += ["--model", self.model] if self.model else []
        command += ["--base-url", self.base_url] if self.base_url else []
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"NO_COLOR": "1"}
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.url, timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the chat did not serve its page: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture(scope="module")
def workshop() -> WorkshopScript:
    return WorkshopScript()


@pytest.fixture(scope="module")
def fake_server(workshop: WorkshopScript) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply=over_http(workshop)) as server:
        yield server


@pytest.fixture(scope="module")
def output_dir(request: pytest.FixtureRequest) -> Path:
    folder = OUTPUT / request.module.__name__.rsplit(".", 1)[-1]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox():
    from optagent.solvers.sandbox import Sandbox

    async with Sandbox(workers=1) as box:
        yield box


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, one per test module."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium", pytrace=False)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def send(page, text: str) -> None:
    """Type a message into the web chat and send it."""
    box = page.locator("#optagent-input textarea")
    box.fill(text)
    box.press("Enter")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """A command on a pseudo-terminal (120 columns), read until a text appears."""

    def __init__(self, command: list[str]) -> None:
        self.master, slave = pty.openpty()
        env = os.environ | {"COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"}
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = ""
        self.transcript = ""

    def expect(self, pattern: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            plain = ANSI.sub("", self.seen)
            if pattern in plain:
                return plain
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} did not appear; the terminal shows:\n{ANSI.sub('', self.seen)[-3000:]}")

    def send(self, line: str) -> None:
        self.transcript += self.seen
        self.seen = ""
        os.write(self.master, (line + "\n").encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=20)
        os.close(self.master)
