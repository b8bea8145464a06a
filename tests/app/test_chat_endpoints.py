"""`--base-url` as the chat takes it: several replicas like every other command, and beside a
model that needs no server; a command whose models all need none refuses it in one line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from testing.fake_openai import FakeOpenAI
from testing.scripted import over_http
from tests.app.conftest import ANSI, Terminal, optagent
from tests.app.workshop import PROBLEM, WorkshopScript


@pytest.fixture
def replicas() -> Iterator[tuple[FakeOpenAI, FakeOpenAI]]:
    """Two replicas of one model, answering the scripted workshop conversation."""
    reply = over_http(WorkshopScript())
    with FakeOpenAI(reply=reply) as first, FakeOpenAI(reply=reply) as second:
        yield first, second


def test_terminal_chat_spreads_its_calls_over_every_base_url(replicas, tmp_path, output_dir) -> None:
    first, second = replicas
    terminal = Terminal(
        optagent(
            "chat",
            "--terminal",
            "--model",
            "vllm/fake-model",
            "--base-url",
            first.base_url,
            "--base-url",
            second.base_url,
            "--store",
            str(tmp_path / "chat.sqlite"),
        )
    )
    try:
        terminal.expect("you>")
        terminal.send(PROBLEM)
        terminal.expect("Objective (maximize): 4,100")
        terminal.expect("you>")
        terminal.send("/quit")
        assert terminal.process.wait(timeout=20) == 0
    finally:
        (output_dir / "replicas.txt").write_text(ANSI.sub("", terminal.transcript + terminal.seen))
        terminal.close()
    assert first.requests and second.requests, "the chat's model calls go to both replicas"


def test_terminal_chat_with_the_scripted_model_leaves_the_base_url_to_the_menu(replicas, tmp_path) -> None:
    terminal = Terminal(
        optagent(
            "chat",
            "--terminal",
            "--model",
            "mock",
            "--base-url",
            replicas[0].base_url,
            "--store",
            str(tmp_path / "chat.sqlite"),
        )
    )
    try:
        shown = terminal.expect("you>")
        assert "model mock" in shown and "Traceback" not in shown
        terminal.send("/quit")
        assert terminal.process.wait(timeout=20) == 0
    finally:
        terminal.close()


def test_a_base_url_no_model_uses_is_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from optagent.app.cli import main; main()", "solve", "max x", "--model", "mock"]
        + ["--base-url", "http://127.0.0.1:9/v1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no model here needs one (mock); drop --base-url" in lines[0], done.stderr
