"""Hostile programs: each run is contained, the result says what happened, and the pool
keeps serving afterwards."""

from __future__ import annotations

import os
import signal
import socket
import textwrap
import threading
from pathlib import Path

import pytest

from optagent.solvers import Limits, Termination

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEALTHY = "import pulp\np = pulp.LpProblem('h', pulp.LpMaximize)\nx = pulp.LpVariable('x', 0, 2)\np += x\np.solve(pulp.PULP_CBC_CMD(msg=False))\n"


async def run(sandbox, code: str, **limits):
    return await sandbox.run(textwrap.dedent(code), limits=Limits(**{"timeout_s": 5.0, **limits}))


async def assert_still_serving(sandbox):
    result = await run(sandbox, HEALTHY)
    assert (result.termination, result.objective) == (Termination.OK, 2)


async def test_isolation_is_in_force(sandbox):
    result = await run(sandbox, "print('hi')")
    assert {"netns", "pidns", "mountns", "rlimits", "env-scrub", "uid-drop"} <= set(result.isolation)
    assert result.isolation_missing == []


async def test_infinite_loop_times_out(sandbox):
    result = await run(sandbox, "while True:\n    pass\n", timeout_s=1.0)
    assert result.termination == Termination.TIMEOUT and "1 s" in result.error
    assert result.timings.wall_s < 3
    await assert_still_serving(sandbox)


async def test_cpu_limit_counts_as_timeout(sandbox):
    result = await run(sandbox, "while True:\n    pass\n", cpu_s=1, timeout_s=10)
    assert result.termination == Termination.TIMEOUT and "CPU" in result.error


async def test_fork_bomb_is_capped_and_killed(sandbox):
    code = """
        import os, time
        for _ in range(10_000):
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError as error:
                print("fork refused:", error.strerror)
                break
        time.sleep(60)
    """
    result = await run(sandbox, code, timeout_s=2, max_processes=32)
    assert result.termination == Termination.TIMEOUT
    assert "fork refused: Resource temporarily unavailable" in result.stdout
    await assert_still_serving(sandbox)


async def test_orphans_die_with_the_run(sandbox):
    code = """
        import os, subprocess
        subprocess.Popen(["sleep", "314.159"], start_new_session=True)  # a duration no other process uses
        print("left an orphan")
    """
    result = await run(sandbox, code)
    assert result.termination == Termination.OK and result.timings.wall_s < 2
    leftover = [pid for pid in os.listdir("/proc") if pid.isdigit() and _cmdline(pid) == "sleep314.159"]
    assert leftover == []


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b"").decode()
    except OSError:
        return ""


async def test_memory_bomb_ends_as_memory(sandbox):
    result = await run(sandbox, "blocks = []\nwhile True:\n    blocks.append(bytearray(50_000_000))\n", memory_mb=300)
    assert result.termination == Termination.MEMORY
    assert result.error_line == 3
    await assert_still_serving(sandbox)


async def test_native_allocation_failure_ends_as_memory(sandbox):
    code = """
        import numpy as np
        a = np.ones((40_000, 40_000))
    """
    result = await run(sandbox, code, memory_mb=300)
    assert result.termination == Termination.MEMORY


async def test_huge_output_is_capped(sandbox):
    result = await run(
        sandbox,
        "import sys\nfor _ in range(2000):\n    sys.stdout.write('x' * 100_000)\nprint('done')\n",
        output_bytes=10_000,
    )
    assert result.termination == Termination.OK
    assert result.output_truncated and len(result.stdout) == 10_000
    await assert_still_serving(sandbox)


async def test_os_exit_is_reported(sandbox):
    result = await run(sandbox, "import os\nprint('before', flush=True)\nos._exit(3)\n")
    assert (result.termination, result.exit_code) == (Termination.ERROR, 3)
    assert "exit code 3" in result.error and result.stdout == "before\n"


async def test_segfault_in_native_code_is_killed(sandbox):
    result = await run(sandbox, "import ctypes\nprint('about to crash')\nctypes.string_at(0)\n")
    assert result.termination == Termination.KILLED and "SIGSEGV" in result.error
    assert result.stdout == "about to crash\n"
    await assert_still_serving(sandbox)


async def test_sigkill_of_the_program_is_killed(sandbox):
    result = await run(sandbox, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert result.termination == Termination.KILLED and "SIGKILL" in result.error
    await assert_still_serving(sandbox)


async def test_writes_outside_its_directory_fail_and_vanish(sandbox, tmp_path):
    target = tmp_path / "escaped.txt"
    code = f"""
        import os
        for path in ["{target}", "/etc/optagent-escape", "/work/optagent-escape", "/tmp/scratch.txt"]:
            try:
                open(path, "w").write("x")
                print("wrote", path)
            except OSError as error:
                print("refused", path, error.strerror)
        open("local.txt", "w").write("fine")
        print("cwd", os.getcwd(), os.listdir("."))
    """
    result = await run(sandbox, code)
    assert result.termination == Termination.OK
    assert "wrote /etc" not in result.stdout and "wrote /work" not in result.stdout
    assert "local.txt" in result.stdout
    assert (
        not target.exists()
        and not os.path.exists("/etc/optagent-escape")
        and not os.path.exists("/work/optagent-escape")
    )
    assert not os.path.exists("/tmp/scratch.txt")  # the run's /tmp was its own tmpfs


async def test_files_larger_than_the_limit_are_refused(sandbox):
    result = await run(sandbox, "open('big', 'wb').write(b'x' * 3_000_000)\n", file_size_mb=1)
    assert result.termination == Termination.ERROR and "File too large" in result.error


async def test_parent_secrets_are_out_of_reach(sandbox, tmp_path, monkeypatch):
    home_secret = os.path.expanduser("~/.optagent-test-secret")
    Path(home_secret).write_text("hunter2")
    os.chmod(home_secret, 0o600)
    try:
        code = f"""
            import os
            print(sorted(os.environ))
            for path in ["{home_secret}", "/etc/shadow", "/proc/1/environ"]:
                try:
                    print("read", path, open(path).read()[:20])
                except OSError as error:
                    print("refused", path, error.strerror)
        """
        result = await run(sandbox, code)
    finally:
        os.remove(home_secret)
    assert result.termination == Termination.OK
    assert "hunter2" not in result.stdout and "read /etc/shadow" not in result.stdout
    assert "['HOME', 'LANG', 'PATH', 'TMPDIR']" in result.stdout


async def test_secret_environment_never_reaches_the_zygote(monkeypatch):
    from optagent.solvers import Sandbox

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:1")
    async with Sandbox(workers=1) as own:
        environ = Path(f"/proc/{own.zygote_pid}/environ").read_bytes()
    assert b"sk-test-not-real" not in environ and b"proxy.invalid" not in environ


async def test_sockets_cannot_reach_anything(sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    code = f"""
        import socket
        for address in [("127.0.0.1", {port}), ("1.1.1.1", 80)]:
            try:
                socket.create_connection(address, timeout=1)
                print("connected", address)
            except OSError as error:
                print("refused", address, error.strerror)
    """
    try:
        result = await run(sandbox, code)
    finally:
        server.close()
    assert result.termination == Termination.OK
    assert "connected" not in result.stdout and result.stdout.count("refused") == 2
    assert accepted == []


async def test_zygote_death_is_survived(sandbox):
    os.kill(sandbox.zygote_pid, signal.SIGKILL)
    await assert_still_serving(sandbox)


async def test_runs_in_parallel_up_to_the_worker_count(sandbox):
    import asyncio

    results = await asyncio.gather(*(run(sandbox, "import time\ntime.sleep(0.5)\n") for _ in range(4)))
    assert all(result.termination == Termination.OK for result in results)
    assert sorted(result.timings.queued_s > 0.3 for result in results) == [False, False, True, True]
