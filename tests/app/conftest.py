"""Chat tests: the real CLI, the real sandbox and a fake OpenAI-compatible server that
answers with the scripted workshop conversation (correct programs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.app.workshop import WorkshopScript
from tests.fake_openai import FakeOpenAI

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

    def __init__(self, base_url: str | None, store: Path, port: int, model: str | None = "vllm/fake-model") -> None:
        self.base_url, self.store, self.port, self.model = base_url, store, port, model
        self.url = f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = store.parent / "chat.log"

    def start(self) -> ChatServer:
        command = optagent("chat", "--port", str(self.port), "--store", str(self.store))
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
    with FakeOpenAI(reply=workshop) as server:
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
