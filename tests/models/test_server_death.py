"""A server optagent itself started dies in the middle of a request: every caller gets one
line naming the server, how it died, its last log line and the log's path, never
"cannot reach ... start one". Real llama.cpp with the packaged SmolLM2, killed for real."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optagent.core.errors import OptagentError
from optagent.models.llamacpp_server import LlamaCppServer

pytestmark = pytest.mark.llm

LONG = "Write a very long story about a ship crossing the ocean, with many chapters."


def assert_death_line(line: str, server_log: str | None = None) -> None:
    assert "\n" not in line.strip()
    assert "llama.cpp server optagent started" in line and "died with signal SIGSEGV" in line
    assert "(log: " in line and "rerun scripts/install.sh" in line
    assert "cannot reach" not in line and "start one" not in line
    if server_log:
        assert f"(log: {server_log})" in line


async def test_a_request_in_flight_when_the_server_dies_names_the_death():
    with LlamaCppServer() as server:
        model = server.model()
        request = asyncio.create_task(model.generate(LONG, max_tokens=1500, temperature=0.7))
        await asyncio.sleep(1.5)  # the completion is being generated
        assert not request.done()
        os.kill(server.process.pid, signal.SIGSEGV)
        with pytest.raises(OptagentError) as caught:
            await request
        assert_death_line(str(caught.value), str(server.log_path))
        with pytest.raises(OptagentError) as again:  # and every later call says the same
            await model.generate("Say yes.", max_tokens=4)
        assert_death_line(str(again.value), str(server.log_path))


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_the_cli_names_the_embedded_server_s_death(tmp_path):
    """`optagent solve` on the embedded default: the server is killed once it serves."""
    command = [str(Path(sys.executable).with_name("optagent")), "solve", LONG, "--strategy", "direct"]
    env = {key: value for key, value in os.environ.items() if key != "OPTAGENT_MODEL"}
    solve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    assert solve.stderr is not None
    note = solve.stderr.readline()  # printed once the embedded server answers
    assert "embedded SmolLM2" in note, note
    time.sleep(1.0)
    (server,) = [
        pid for pid in _children(solve.pid) if b"llama_cpp.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    os.kill(server, signal.SIGSEGV)
    _, rest = solve.communicate(timeout=120)
    assert solve.returncode != 0
    lines = [line for line in rest.splitlines() if line.strip()]
    assert lines, "no error line"
    assert_death_line(lines[-1])
    assert lines[-1].startswith("optagent: error: ")
