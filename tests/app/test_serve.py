"""`optagent serve`: the vLLM command per profile, one-line refusals, and llama.cpp for real."""

from __future__ import annotations

import shlex
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from optagent.models.llamacpp_server import free_port
from optagent.models.profiles import PROFILES
from tests.app.conftest import optagent

MODEL_OF_PROFILE = {
    "qwen3-instruct-2507": "Qwen/Qwen3-4B-Instruct-2507",
    "qwen3": "Qwen/Qwen3-8B",
    "qwq": "Qwen/QwQ-32B",
    "deepseek-r1-distill": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
    "qwen2.5": "Qwen/Qwen2.5-7B-Instruct",
    "gpt-oss": "openai/gpt-oss-20b",
    "llama3": "meta-llama/Llama-3.1-8B-Instruct",
    "smollm2": "HuggingFaceTB/SmolLM2-1.7B-Instruct",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(optagent(*args), capture_output=True, text=True, timeout=60, check=False)


def test_every_profile_has_a_dry_run_case():
    assert set(MODEL_OF_PROFILE) == {profile.name for profile in PROFILES}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_dry_run_builds_the_vllm_command_from_the_profile(profile):
    model = MODEL_OF_PROFILE[profile.name]
    done = run(
        "serve", model, "--dry-run", "--port", "8123", "--tensor-parallel-size", "2", "--gpu-memory-utilization", "0.85"
    )
    assert done.returncode == 0, done.stderr
    command = shlex.split(done.stdout.strip())
    assert command[:3] == ["vllm", "serve", model]
    flags = dict(zip(command[3::2], command[4::2], strict=False)) if len(command[3:]) % 2 == 0 else {}
    assert flags["--port"] == "8123" and flags["--served-model-name"] == model
    assert flags["--tensor-parallel-size"] == "2" and flags["--gpu-memory-utilization"] == "0.85"
    assert flags.get("--reasoning-parser") == profile.reasoning_parser


def test_user_max_model_len_wins_over_the_profile():
    done = run("serve", "Qwen/QwQ-32B", "--dry-run", "--max-model-len", "16384")
    assert done.stdout.count("--max-model-len") == 1 and "--max-model-len 16384" in done.stdout


def test_llamacpp_dry_run_uses_the_one_launcher():
    done = run("serve", "--backend", "llamacpp", "--dry-run", "--port", "8099")
    assert done.returncode == 0, done.stderr
    assert "-m llama_cpp.server" in done.stdout and ".gguf" in done.stdout and "--port 8099" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Qwen/Qwen3-8B",), "vLLM is not installed"),
        (("--backend", "llamacpp", "--gguf", "/no/such/model.gguf"), "does not exist"),
        (("--backend", "tgi", "x"), "unknown --backend"),
        (("Qwen/Qwen3-8B", "--gpu-memory-utilization", "1.5"), "is not a share"),
        ((), "no model given"),
    ],
)
def test_bad_serve_input_is_one_line(args, message):
    done = run("serve", *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_busy_port_is_refused_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = run("serve", "--backend", "llamacpp", "--port", str(busy.getsockname()[1]))
    assert done.returncode == 2 and "is busy" in done.stderr, done.stderr


@pytest.mark.llm
def test_serve_llamacpp_for_real_serves_and_sigterm_stops_it_mid_request():
    """`optagent serve` prints the spec and serves; terminated, it takes its server down with
    it, an answer in flight or not (the server would otherwise wait the answer out)."""
    port = free_port()
    process = subprocess.Popen(
        optagent("serve", "--backend", "llamacpp", "smollm2", "--port", str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not any(line.startswith("use:") for line in lines):
            line = process.stdout.readline()
            assert line or process.poll() is None, "".join(lines)
            lines.append(line)
        assert f"use: --model llamacpp/smollm2 --base-url http://127.0.0.1:{port}/v1\n" in lines
        served = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10).json()
        assert [entry["id"] for entry in served["data"]] == ["smollm2"]

        children = [pid for pid in _pids() if _parent(pid) == process.pid]
        assert children, "the llama.cpp server runs as a child process"
        body = {"model": "smollm2", "prompt": "Count to ten thousand:", "max_tokens": 2000, "stream": True}
        with httpx.stream("POST", f"http://127.0.0.1:{port}/v1/completions", json=body, timeout=60) as reply:
            next(reply.iter_lines())  # generating now
            process.terminate()
            process.wait(timeout=30)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and any(_alive(pid) for pid in children):
                time.sleep(0.2)
            assert not any(_alive(pid) for pid in children), "the server outlived `optagent serve` by 15 s"
    finally:
        process.kill()


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
