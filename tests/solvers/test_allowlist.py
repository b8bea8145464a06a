"""A run sees a read-only allowlist of the file system and nothing else: no file of the
caller's working directory, home or any other tree leaks, whatever its permissions, and
the pool keeps serving after each attempt."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest

from optagent.solvers import Limits, Termination
from optagent.solvers._rootfs import allowlist

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mount namespaces and pivot_root need root here")
module_loop = pytest.mark.asyncio(loop_scope="module")

KEY = "sk-planted-" + uuid.uuid4().hex
HEALTHY = "import pulp\np = pulp.LpProblem('h', pulp.LpMaximize)\nx = pulp.LpVariable('x', 0, 2)\np += x\np.solve(pulp.PULP_CBC_CMD(msg=False))\n"
REPO = Path(__file__).parents[2]


async def run(sandbox, code: str, **limits):
    return await sandbox.run(textwrap.dedent(code), limits=Limits(**{"timeout_s": 10.0, **limits}))


async def assert_still_serving(sandbox):
    result = await run(sandbox, HEALTHY)
    assert (result.termination, result.objective) == (Termination.OK, 2)


@pytest.fixture
def project(tmp_path_factory):
    """A user's project folder outside /tmp (the run's /tmp is private anyway): world-readable
    and world-writable, so only the allowlist keeps a run out of it."""
    folder = Path.cwd() / f".sandbox-probe-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    (folder / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")
    (folder / ".env").chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


WALKER = """
import os, sys
found = []
for top in sys.argv[1:] or ["/"]:
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys")]
        for name in files:
            if name == ".env":
                path = os.path.join(root, name)
                try:
                    found.append((path, open(path).read()[:200]))
                except OSError as error:
                    found.append((path, error.strerror))
print(found)
"""


def test_a_walk_from_root_finds_no_env_file_through_optagent_exec(project):
    """The user's path: `optagent exec` run inside a project folder that holds a key."""
    (project / "walker.py").write_text(WALKER)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("optagent")), "exec", "walker.py", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["termination"] == "ok", result
    assert "fs-allowlist" in result["isolation"] and result["isolation_missing"] == []
    assert KEY not in done.stdout and ".sandbox-probe" not in done.stdout
    assert result["stdout"].strip() == "[]"


@module_loop
async def test_root_holds_only_the_allowlist(sandbox, project):
    code = f"""
        import os
        print(sorted(os.listdir("/")))
        for path in ["{project / ".env"}", "{project}", "/etc/shadow", "/etc/hostname", "/home", "/mnt", "/srv", "/opt"]:
            try:
                print("read", path, open(path).read()[:40] if os.path.isfile(path) else os.listdir(path))
            except OSError as error:
                print("refused", path, error.strerror)
    """
    result = await run(sandbox, code)
    assert result.termination == Termination.OK, result.error
    assert "fs-allowlist" in result.isolation
    listed = set(ast.literal_eval(result.stdout.splitlines()[0]))
    allowed = {Path(path).parts[1] for path in allowlist()} | {"dev", "etc", "proc", "tmp", "var"}
    assert listed <= allowed
    assert not listed & {"home", "mnt", "srv", "boot", "media", "sys"} - allowed
    assert KEY not in result.stdout and " read " not in f" {result.stdout}"
    assert result.stdout.count("refused") == 8
    await assert_still_serving(sandbox)


@module_loop
async def test_other_processes_environment_and_ptrace_are_out_of_reach(sandbox):
    code = f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        print("pids", pids)
        for pid in pids:
            try:
                print("environ", pid, open(f"/proc/{{pid}}/environ", "rb").read()[:100])
            except OSError as error:
                print("refused", pid, error.strerror)
        for pid in [os.getppid(), 1, {sandbox.zygote_pid}, {os.getpid()}]:
            attached = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
            print("ptrace", pid, attached, os.strerror(ctypes.get_errno()))
    """
    result = await run(sandbox, code)
    assert result.termination == Termination.OK, result.error
    lines = result.stdout.splitlines()
    assert lines[0] == "pids [1, 2]"  # init and the program: nothing of the host
    assert "refused 1" in result.stdout and KEY not in result.stdout
    assert [line.split()[2] for line in lines if line.startswith("ptrace")] == ["-1"] * 4
    await assert_still_serving(sandbox)


@module_loop
async def test_writes_anywhere_outside_the_run_vanish(sandbox, project):
    name = f"optagent-probe-{uuid.uuid4().hex[:8]}"
    targets = [f"/var/tmp/{name}", f"/dev/shm/{name}", f"/root/{name}", f"{project}/{name}", f"/etc/{name}", f"/{name}"]
    code = f"""
        import os
        for path in {targets!r} + [os.path.join(os.environ["HOME"], "{name}")]:
            try:
                open(path, "w").write("x")
                print("wrote", path)
            except OSError as error:
                print("refused", path, error.strerror)
    """
    result = await run(sandbox, code)
    assert result.termination == Termination.OK, result.error
    assert f"wrote /root/{name}" not in result.stdout and f"wrote {project}" not in result.stdout
    assert not any(os.path.exists(path) for path in targets)
    await assert_still_serving(sandbox)


@module_loop
async def test_a_daemonised_grandchild_cannot_write_after_the_program_exits(sandbox, project):
    marker = project / "written-late"
    code = f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(1.0)
                for path in ["{marker}", "/tmp/late"]:
                    try:
                        open(path, "w").write("late")
                    except OSError:
                        pass
                os._exit(0)
            os._exit(0)
        print("parent done")
    """
    result = await run(sandbox, code)
    assert result.termination == Termination.OK and result.stdout == "parent done\n"
    await asyncio.sleep(2.0)
    assert not marker.exists()
    await assert_still_serving(sandbox)


CHILD = """
import os, sys
from pathlib import Path
from optagent.solvers import _linux, _rootfs

code, secret = Path(sys.argv[1]), Path(sys.argv[2])
_rootfs.code_paths = lambda: (code,)
assert _rootfs.enter_allowlist_root([61000])  # as the zygote does
_linux.unshare(_linux.CLONE_NEWNS)  # as each run's monitor does
_linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE)
assert _rootfs.mount_private_tmp(64) and _rootfs.resize_private_tmp(128)
print((code / "module.py").read_text(), secret.exists(), sorted(os.listdir("/tmp")), sorted(os.listdir("/")))
try:
    open(code / "new.py", "w")
    print("writable")
except OSError as error:
    print("read-only", error.strerror)
"""


def test_code_under_tmp_is_bound_back_read_only_and_the_rest_is_hidden():
    """A CI clone or scratch venv under /tmp: the interpreter's code stays visible at its
    own path (read-only), its neighbours do not. Run in a child process, whose mount
    namespace and root are its own."""
    with tempfile.TemporaryDirectory(dir="/tmp") as scratch:
        code = Path(scratch) / "checkout" / ".venv"
        code.mkdir(parents=True)
        (code / "module.py").write_text("visible")
        secret = Path(scratch) / "secret.txt"
        secret.write_text("hidden")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(code), str(secret)],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    words = first.split(maxsplit=2)
    assert words[:2] == ["visible", "False"]
    assert words[2].startswith(f"['{Path(scratch).name}']")
    assert second.startswith("read-only")
    assert "'home'" not in first and "'srv'" not in first
