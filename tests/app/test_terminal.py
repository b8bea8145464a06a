"""`optagent chat --terminal` driven through a pseudo-terminal: the real CLI, rich output."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time

from tests.app.conftest import optagent
from tests.app.workshop import CHANGE, PROBLEM

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
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


def test_terminal_chat_problem_follow_up_save_and_resume(fake_server, tmp_path, output_dir):
    store = tmp_path / "chat.sqlite"
    base = [
        "chat",
        "--terminal",
        "--model",
        "vllm/fake-model",
        "--base-url",
        fake_server.base_url,
        "--store",
        str(store),
    ]
    terminal = Terminal(optagent(*base, "--conversation", "pty"))
    try:
        terminal.expect("you>")
        terminal.send(PROBLEM)
        shown = terminal.expect("Objective (maximize): 4,100")
        for part in ("Formulation", "Program (pyomo)", "SolverFactory", "4t + 3c \\le 240", "tables", "Make 30 tables"):
            assert part in shown, part
        terminal.send(CHANGE)
        terminal.expect("Objective (maximize): 4,060")
        terminal.send("write me a poem")
        terminal.expect("I model and solve optimization problems")
        terminal.send(f"/save {tmp_path / 'model'}")
        terminal.expect("model.mps")
        terminal.send("/data /no/such/file.csv")
        terminal.expect("cannot read the upload file.csv")
        terminal.send("/quit")
        assert terminal.process.wait(timeout=20) == 0
    finally:
        (output_dir / "terminal.txt").write_text(ANSI.sub("", terminal.transcript + terminal.seen))
        terminal.close()
    assert sorted(path.name for path in (tmp_path / "model").iterdir()) == ["model.lp", "model.mps", "model.py"]

    resumed = Terminal(optagent(*base, "--conversation", "pty"))
    try:
        shown = resumed.expect("conversation pty · model")
        assert "4,100" in shown and "4,060" in shown, "the conversation comes back"
    finally:
        resumed.close()
