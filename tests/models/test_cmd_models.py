"""`optagent models check` against an answering fake server and an endpoint that is not there."""

import socket
import subprocess
import sys
import time

from testing.fake_openai import FakeOpenAI


def optagent(*args: str) -> subprocess.CompletedProcess:
    code = "from optagent.app.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=False)


def test_check_reports_served_models_and_latency():
    with FakeOpenAI(models=("Qwen/Qwen3-8B", "other")) as server:
        done = optagent("models", "check", "--model", "vllm/Qwen/Qwen3-8B", "--base-url", server.base_url)
        assert done.returncode == 0, done.stderr
        assert f"ok    vllm     {server.base_url}  serves: Qwen/Qwen3-8B, other" in done.stdout
        assert "first token of Qwen/Qwen3-8B in" in done.stdout

        done = optagent("models", "check", "--model", "vllm/missing", "--base-url", server.base_url)
        assert done.returncode != 0
        assert "model 'missing' is not served" in done.stderr and "it serves: Qwen/Qwen3-8B, other" in done.stderr


def test_check_fails_fast_with_one_line_when_nothing_answers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    started = time.perf_counter()
    done = optagent("models", "check", "--model", "vllm/Qwen/Qwen3-8B", "--base-url", url)
    assert time.perf_counter() - started < 20
    assert done.returncode != 0 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach {url}" in lines[0] and "vllm serve Qwen/Qwen3-8B" in lines[0]
