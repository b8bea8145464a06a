"""The process tree of one run, forked from the zygote.

    monitor (root, outside)  ── enforces the wall clock, drains capped output, reports
      └─ init (pid 1 of a fresh PID namespace)  ── reaps; when it exits the kernel kills
           └─ program (unprivileged uid, rlimits)   every process the run started

The monitor unshares network, mount and PID namespaces, so the run has no network, a
private /tmp (a small tmpfs, gone with the namespace) and cannot outlive its init.
Whatever the kernel refuses is skipped and listed in `isolation_missing`.
"""

from __future__ import annotations

import base64
import io
import json
import os
import resource
import selectors
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

from optagent.solvers import _linux
from optagent.solvers._program import MODEL, PROGRAM, run_minizinc, run_python
from optagent.solvers.targets import SolveEvent, Target

UID_BASE = 61000
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_GRACE_S = 0.5
_MB = 1024 * 1024


def _read_request(conn: socket.socket) -> dict[str, Any]:
    chunks = []
    while not chunks or not chunks[-1].endswith(b"\n"):
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    return json.loads(b"".join(chunks))


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _isolate(limits: dict[str, Any], isolation: list[str], missing: list[str]) -> set[str]:
    """Unshare namespaces one by one; returns the names that took effect."""
    wanted = {"mountns": _linux.CLONE_NEWNS, "pidns": _linux.CLONE_NEWPID}
    if not limits["network"]:
        wanted["netns"] = _linux.CLONE_NEWNET
    granted = set()
    for name, flag in wanted.items():
        try:
            _linux.unshare(flag)
            granted.add(name)
        except OSError:
            missing.append(name)
    if "mountns" in granted:
        try:
            _linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE)
            size = max(64, 4 * (limits["file_size_mb"] or 64))
            for target in ("/tmp", "/var/tmp", "/dev/shm"):
                if os.path.isdir(target):
                    _linux.mount("tmpfs", target, "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, f"size={size}m,mode=1777")
            granted.add("private-tmp")
        except OSError:
            missing.append("private-tmp")
    isolation.extend(sorted(granted))
    return granted


def _workdir(request: dict[str, Any], private_tmp: bool, uid: int | None) -> Path:
    workdir = Path("/tmp/run") if private_tmp else Path(tempfile.mkdtemp(prefix="optagent-run-"))
    workdir.mkdir(mode=0o700, exist_ok=True)
    name = MODEL if request["language"] == "minizinc" else PROGRAM
    (workdir / name).write_text(request["code"], encoding="utf-8")
    for file_name, content in request.get("files", {}).items():
        (workdir / file_name).write_bytes(base64.b64decode(content))
    if uid is not None:
        for path in [workdir, *workdir.iterdir()]:
            os.chown(path, uid, uid)
    return workdir


def _set_limits(limits: dict[str, Any]) -> None:
    def cap(kind: int, value: float | None, slack: int = 0) -> None:
        if value is not None:
            resource.setrlimit(kind, (int(value), int(value) + slack))

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_CPU, limits["cpu_s"] and max(1, round(limits["cpu_s"])), slack=1)  # SIGXCPU first
    cap(resource.RLIMIT_FSIZE, limits["file_size_mb"] and limits["file_size_mb"] * _MB)
    cap(resource.RLIMIT_NPROC, limits["max_processes"])
    if limits["memory_mb"]:
        # The preloaded solver libraries are already mapped; the program gets memory_mb more.
        cap(resource.RLIMIT_AS, _vm_size() + limits["memory_mb"] * _MB)


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _program(
    request: dict[str, Any], workdir: Path, uid: int | None, fds: dict[str, int], events: list[SolveEvent], targets: list[Target]
) -> NoReturn:
    exit_code = 70
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        for source, target in ((devnull, 0), (fds["out"], 1), (fds["err"], 2)):
            os.dup2(source, target)
        report_fd = fds["report"]
        limits = request["limits"]
        _set_limits(limits)
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _linux.prctl(_linux.PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(PATH=SAFE_PATH, HOME=str(workdir), TMPDIR=str(workdir), LANG="C.UTF-8")
        tempfile.tempdir = None
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True)
        del events[:]
        if request["language"] == "minizinc":
            report = run_minizinc(workdir, max(1.0, limits["timeout_s"] - _GRACE_S))
        else:
            report = run_python(request["code"], workdir, events, targets)
        sys.stdout.flush()
        sys.stderr.flush()
        _linux.flush_c_stdio()
        exit_code = report["exit_code"] if isinstance(report["exit_code"], int) else 1
        os.write(report_fd, json.dumps({"report": report}).encode() + b"\n")
    except BaseException:  # noqa: BLE001 - reached only when the sandbox itself fails
        exit_code = 71
    finally:
        os._exit(exit_code)


def _init(start_program: Any, keep_fd: int, close_fds: list[int]) -> NoReturn:
    """Pid 1 of the run: waits for the program, reaps orphans, then exits, killing the rest."""
    _linux.prctl(_linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        _linux.mount("proc", "/proc", "proc", _linux.MS_NOSUID | _linux.MS_NODEV | _linux.MS_NOEXEC)
    except OSError:
        pass
    program = os.fork()
    if program == 0:
        start_program()
    for fd in close_fds:
        if fd != keep_fd:
            os.close(fd)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == program:
            os.write(keep_fd, json.dumps({"wait_status": status}).encode() + b"\n")
            os._exit(0)


def serve_run(conn: socket.socket, events: list[SolveEvent], targets: list[Target], base_isolation: list[str]) -> NoReturn:
    """Monitor one run from its request on `conn` to the raw record sent back on it."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        request = _read_request(conn)
        _send(conn, {"pid": os.getpid()})
        _send(conn, _monitor(conn, request, events, targets, list(base_isolation)))
    except BaseException as error:  # noqa: BLE001 - the parent turns this into a result
        try:
            _send(conn, {"sandbox_error": f"{type(error).__name__}: {error}"})
        except OSError:
            pass
    finally:
        os._exit(0)


def _monitor(conn: socket.socket, request: dict[str, Any], events: list[SolveEvent], targets: list[Target], isolation: list[str]) -> dict[str, Any]:
    limits = request["limits"]
    missing: list[str] = []
    granted = _isolate(limits, isolation, missing)
    uid = UID_BASE + request["slot"] if os.geteuid() == 0 else None
    isolation.extend(["rlimits", "env-scrub"] + (["uid-drop"] if uid is not None else []))
    if uid is None:
        missing.append("uid-drop")
    workdir = _workdir(request, "private-tmp" in granted, uid)
    pipes = {name: os.pipe() for name in ("out", "err", "report")}
    write_ends = {name: pair[1] for name, pair in pipes.items()}

    def start_program() -> NoReturn:
        for read_end, _ in pipes.values():
            os.close(read_end)
        _program(request, workdir, uid, write_ends, events, targets)

    started = time.monotonic()
    child = os.fork()
    if child == 0:
        conn.close()
        if "pidns" in granted:
            _init(start_program, write_ends["report"], [fd for pair in pipes.values() for fd in pair])
        start_program()
    for write_end in write_ends.values():
        os.close(write_end)
    streams, timed_out = _collect({name: pair[0] for name, pair in pipes.items()}, child, limits, started)
    if "pidns" not in granted:
        _kill_group(child)
    _, status, usage = os.wait4(child, 0)
    wall = time.monotonic() - started
    if "private-tmp" not in granted:
        _remove_tree(workdir)
    record: dict[str, Any] = {
        "timed_out": timed_out,
        "wait_status": status,
        "stdout": streams["out"][0].decode("utf-8", "replace"),
        "stderr": streams["err"][0].decode("utf-8", "replace"),
        "output_truncated": streams["out"][1] or streams["err"][1],
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
        "isolation": isolation,
        "isolation_missing": missing,
    }
    for line in streams["report"][0].splitlines():
        try:
            record.update(json.loads(line))
        except ValueError:
            continue
    return record


def _collect(read_ends: dict[str, int], child: int, limits: dict[str, Any], started: float) -> tuple[dict[str, tuple[bytes, bool]], bool]:
    """Read the run's pipes until they close or the wall clock runs out."""
    caps = {"out": limits["output_bytes"], "err": limits["output_bytes"], "report": 256 * _MB}
    buffers = {name: bytearray() for name in read_ends}
    truncated = dict.fromkeys(read_ends, False)
    selector = selectors.DefaultSelector()
    for name, fd in read_ends.items():
        selector.register(fd, selectors.EVENT_READ, name)
    child_exit = os.pidfd_open(child)
    selector.register(child_exit, selectors.EVENT_READ, None)
    deadline = started + limits["timeout_s"]
    timed_out = child_gone = False
    open_ends = len(read_ends)
    while open_ends:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if timed_out or child_gone:
                break  # something outside the run's namespace still holds a pipe
            timed_out = True
            os.kill(child, signal.SIGKILL)
            _kill_group(child)
            deadline = time.monotonic() + _GRACE_S
            continue
        for key, _ in selector.select(remaining):
            if key.data is None:  # the child is gone: whatever still holds a pipe has _GRACE_S
                selector.unregister(child_exit)
                child_gone = True
                deadline = min(deadline, time.monotonic() + _GRACE_S)
                continue
            chunk = os.read(key.fd, 1 << 16)
            if not chunk:
                selector.unregister(key.fd)
                os.close(key.fd)
                open_ends -= 1
                continue
            room = caps[key.data] - len(buffers[key.data])
            if room > 0:
                buffers[key.data] += chunk[:room]
            if len(chunk) > room:
                truncated[key.data] = True
    os.close(child_exit)
    return {name: (bytes(buffers[name]), truncated[name]) for name in read_ends}, timed_out


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
