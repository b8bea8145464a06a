"""`optagent serve --data-parallel-size N --dry-run`: one vLLM server per replica, each on its
own port and GPUs, and the `--base-url` list that spreads a run over them."""

from __future__ import annotations

import shlex
import subprocess

from optagent.models.providers import base_urls
from tests.app.conftest import optagent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(optagent(*args), capture_output=True, text=True, timeout=60, check=False)


def test_data_parallel_dry_run_prints_each_replica_and_the_base_url_list():
    done = run("serve", "Qwen/Qwen3-8B", "--dry-run", "--data-parallel-size", "3", "--tensor-parallel-size", "2")
    assert done.returncode == 0, done.stderr
    *commands, use = done.stdout.strip().splitlines()
    assert len(commands) == 3
    for rank, line in enumerate(commands):
        env, *command = shlex.split(line)
        assert env == f"CUDA_VISIBLE_DEVICES={2 * rank},{2 * rank + 1}"
        flags = dict(zip(command[3::2], command[4::2], strict=False))
        assert command[:3] == ["vllm", "serve", "Qwen/Qwen3-8B"] and flags["--port"] == str(8000 + rank)
        assert flags["--tensor-parallel-size"] == "2" and "--data-parallel-size" not in command
    assert use.startswith("use: --model vllm/Qwen/Qwen3-8B --base-url ")
    assert base_urls(use.split("--base-url ")[1]) == [f"http://127.0.0.1:{8000 + r}/v1" for r in range(3)]


def test_one_replica_is_the_plain_command_and_a_bad_size_is_one_line():
    done = run("serve", "Qwen/Qwen3-8B", "--dry-run", "--data-parallel-size", "1")
    assert done.returncode == 0 and len(done.stdout.strip().splitlines()) == 1
    assert shlex.split(done.stdout)[:2] == ["vllm", "serve"]
    bad = run("serve", "Qwen/Qwen3-8B", "--data-parallel-size", "0")
    assert bad.returncode == 2 and bad.stderr.strip() == "optagent: error: --data-parallel-size 0 must be 1 or more"
