"""The process tree of one run, forked from the zygote, made before its program is known.

    monitor (root, outside)  ── enforces the wall clock, drains capped output, reports
      ├─ init (`cat`, pid 1 of a fresh PID namespace)  ── when it dies, the kernel kills
      └─ program (pid 2; unprivileged uid, rlimits)       every process of the run

A `Tree` unshares network, mount and PID namespaces (its mount namespace a copy of the
zygote's allowlist root, `_rootfs`), lays a private tmpfs on /tmp and starts both
processes; the program then waits on a pipe for its request. So the zygote can keep one tree parked per worker
slot (`park`): a run's critical path holds no fork and no unshare. A tree serves exactly
one run and dies with it; `serve_fresh` builds one for a request in hand (runs that want
network, or a slot whose parked tree is gone).

init is `/bin/cat` reading a pipe that only the monitor holds: spawning it copies none of
the zygote's memory, it reaps the run's orphans (it inherits SIGCHLD ignored), and it
exits when the monitor dies, taking the namespace with it. The monitor kills it as soon as
the program ends, so background processes never outlive the run. Whatever the kernel
refuses is skipped and listed in `isolation_missing`.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import resource
import selectors
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from optagent.core.types import Limits
from optagent.solvers import _linux, _rootfs
from optagent.solvers._program import MODEL, PROGRAM, run_minizinc, run_python
from optagent.solvers.introspect import read_solution
from optagent.solvers.targets import SolveEvent, Target

UID_BASE = 61000
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
INIT = "/bin/cat"
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


def _unshare(network: bool, missing: list[str]) -> set[str]:
    """Unshare namespaces one by one; returns the names that took effect."""
    wanted = {"mountns": _linux.CLONE_NEWNS, "pidns": _linux.CLONE_NEWPID}
    if not network:
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
        except OSError:
            granted.discard("mountns")
            missing.append("mountns")
    return granted


def _spawn_init() -> tuple[int, int]:
    """Start pid 1 of the new PID namespace; returns its pid and the pipe that keeps it alive."""
    keep_read, keep_write = os.pipe()
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # inherited through exec: cat reaps orphans
    try:
        pid = os.posix_spawn(INIT, [INIT], {}, file_actions=[(os.POSIX_SPAWN_DUP2, keep_read, 0)])
    finally:
        signal.signal(signal.SIGCHLD, previous)
        os.close(keep_read)
    return pid, keep_write


class Tree:
    """Namespaces, init and a program process waiting for its request; serves one run."""

    def __init__(
        self,
        slot: int,
        network: bool,
        events: list[SolveEvent],
        targets: list[Target],
        base_isolation: list[str],
        inherited: list[int],
        warm: str | None = None,
    ) -> None:
        self.slot, self.network = slot, network
        self.isolation, self.missing = list(base_isolation), []
        self.granted = _unshare(network, self.missing)
        self.tmp_size_mb = _rootfs.tmp_size_mb(Limits().file_size_mb)
        if "mountns" in self.granted and _rootfs.mount_private_tmp(self.tmp_size_mb):
            self.granted.add("private-tmp")
        self.uid = UID_BASE + slot if os.geteuid() == 0 else None
        self.init, keepalive = _spawn_init() if "pidns" in self.granted else (None, None)
        request_read, self.request_fd = os.pipe()
        pipes = {name: os.pipe() for name in ("out", "err", "report")}
        self.read_ends = {name: pair[0] for name, pair in pipes.items()}
        self.reaped: tuple[int, int, Any] | None = None
        self.leftover: Path | None = None
        self.program = os.fork()
        if self.program == 0:
            for fd in [*inherited, self.request_fd, *self.read_ends.values(), *([keepalive] if keepalive else [])]:
                os.close(fd)
            _program(
                request_read,
                {name: pair[1] for name, pair in pipes.items()},
                self.uid,
                self.init is not None,
                events,
                targets,
                warm,
            )
        os.close(request_read)
        for _, write_end in pipes.values():
            os.close(write_end)
        self.keepalive = keepalive

    def watch(self) -> list[int]:
        """Descriptors that become readable when a process of the tree dies."""
        return [os.pidfd_open(pid) for pid in (self.program, self.init) if pid is not None]

    def discard(self) -> None:
        self._end_rest()
        _kill(self.program)
        os.waitpid(self.program, 0)
        if self.init is not None:
            os.waitpid(self.init, 0)

    def _end_rest(self) -> None:
        """Kill everything of the run but the program (already gone or about to be)."""
        if self.init is not None:
            _kill(self.init)
        else:
            _kill_group(self.program)

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        limits = request["limits"]
        if limits["network"] != self.network or request["slot"] != self.slot:
            raise RuntimeError("the parked process tree does not match the request")
        granted = set(self.granted)
        size_mb = _rootfs.tmp_size_mb(limits["file_size_mb"])
        if "private-tmp" in granted and size_mb != self.tmp_size_mb and not _rootfs.resize_private_tmp(size_mb):
            granted.discard("private-tmp")
        if "private-tmp" not in granted:
            self.missing.append("private-tmp")
        self.isolation.extend(
            sorted(granted) + ["rlimits", "env-scrub"] + (["uid-drop"] if self.uid is not None else [])
        )
        if self.uid is None:
            self.missing.append("uid-drop")
        workdir = _workdir(request, "private-tmp" in granted, self.uid)
        started = time.monotonic()
        order = {"code": request["code"], "language": request["language"], "limits": limits, "workdir": str(workdir)}
        try:
            with open(self.request_fd, "wb") as pipe:
                pipe.write(json.dumps(order).encode())
        except BrokenPipeError:
            pass  # the program is gone; its wait status says how
        streams, timed_out = _collect(self.read_ends, self.program, limits, started, self._end_rest)
        self._end_rest()
        self.leftover = None if "private-tmp" in granted else workdir
        reported: dict[str, Any] = {}
        for line in streams["report"][0].splitlines():
            try:
                reported.update(json.loads(line))
            except ValueError:
                continue
        exited = self._exit_status(reported, timed_out)
        wall = time.monotonic() - started
        if exited is None:
            self.finish()
            _, status, usage = self.reaped
            exited = (status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
        status, cpu_s, maxrss_kb = exited
        warm_cpu_s = reported.get("warm_cpu_s")
        cpu_s -= warm_cpu_s if isinstance(warm_cpu_s, float) else 0.0
        return {
            "timed_out": timed_out,
            "wait_status": status,
            "stdout": streams["out"][0].decode("utf-8", "replace"),
            "stderr": streams["err"][0].decode("utf-8", "replace"),
            "output_truncated": streams["out"][1] or streams["err"][1],
            "wall_s": wall,
            "cpu_s": max(0.0, cpu_s),
            "maxrss_kb": maxrss_kb,
            "isolation": self.isolation,
            "isolation_missing": self.missing,
            "report": reported.get("report"),
        }

    def _exit_status(self, reported: dict[str, Any], timed_out: bool) -> tuple[int, float, int] | None:
        """How the program ended, without waiting for its exit to finish, or None to wait.

        A program that wrote its report closes its pipes before `_exit`, so its output is
        complete while the kernel still tears down its copy of the zygote's address space
        (4-5 ms). If it is still exiting and it was the last process of its namespace, its
        own account (exit code, CPU, peak memory) stands in for the wait status, and the
        reaping happens after the record is sent (`finish`): the next run of the slot (same
        uid, same process cap) finds at most this one process, already in `_exit`. A
        program that already ended is reaped now: its real status wins over anything it
        wrote. One that left processes behind is waited for with them, as before.
        """
        own = reported.get("own")
        valid = (
            isinstance(own, dict)
            and own.get("alone") is True
            and isinstance(own.get("exit_code"), int)
            and 0 <= own["exit_code"] < 256
            and isinstance(own.get("cpu_s"), float)
            and isinstance(own.get("maxrss_kb"), int)
        )
        if timed_out or not valid:
            return None
        pid, status, usage = os.wait4(self.program, os.WNOHANG)
        if pid:
            self.reaped = (pid, status, usage)
            return None
        return own["exit_code"] << 8, own["cpu_s"], own["maxrss_kb"]

    def finish(self) -> None:
        """Reap the program and init, and remove a run directory outside a private /tmp."""
        if self.reaped is None:
            self.reaped = os.wait4(self.program, 0)
        if self.init is not None:
            os.waitpid(self.init, 0)  # its exit waits for every process of the namespace
            self.init = None
        if self.leftover is not None:
            _remove_tree(self.leftover)
            self.leftover = None


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


def _warm_up(targets: list[Target], events: list[SolveEvent], name: str | None, devnull: int) -> None:
    """Walk the first-solve path of the target the last run used, and the reading of its
    result, while the tree is parked.

    A forked process pays for every page of the zygote it writes to (copy on write), and a
    first solve writes to many: Pyomo's first LP in a fresh fork takes 16 ms against 4 ms
    for the next. Paying that here, before the request arrives, takes it off the run's
    critical path; the CPU is spent either way. Output goes to /dev/null, and a warm-up
    that fails leaves the tree as it was.
    """
    target = next((t for t in targets if t.name == name), None)
    if target is None:
        return
    saved = [os.dup(1), os.dup(2)]
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        with contextlib.suppress(Exception):
            target.warm()
            read_solution({}, events, targets)
    finally:
        del events[:]
        sys.stdout.flush()
        sys.stderr.flush()
        _linux.flush_c_stdio()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)


def _cpu_used(children: bool = False) -> float:
    kinds = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if children else (resource.RUSAGE_SELF,)
    return sum(usage.ru_utime + usage.ru_stime for usage in map(resource.getrusage, kinds))


def _alone_in_namespace() -> bool:
    """Only init (pid 1) and this program (pid 2) are left in the run's PID namespace."""
    return {entry for entry in os.listdir("/proc") if entry.isdigit()} <= {"1", "2"}


def _maxrss_kb() -> int:
    return max(resource.getrusage(kind).ru_maxrss for kind in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def _set_limits(limits: dict[str, Any], spent_cpu_s: float) -> None:
    """The run's limits; the CPU limit counts from now (RLIMIT_CPU counts the warm-up too)."""

    def cap(kind: int, value: float | None, slack: int = 0) -> None:
        if value is not None:
            resource.setrlimit(kind, (int(value), int(value) + slack))

    cap(resource.RLIMIT_CORE, 0)
    cpu_s = limits["cpu_s"] and max(1, math.ceil(spent_cpu_s + limits["cpu_s"]))
    cap(resource.RLIMIT_CPU, cpu_s, slack=1)  # SIGXCPU first
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


def _read_all(fd: int) -> bytes:
    with open(fd, "rb") as pipe:
        return pipe.read()


def _program(
    request_fd: int,
    fds: dict[str, int],
    uid: int | None,
    own_proc: bool,
    events: list[SolveEvent],
    targets: list[Target],
    warm: str | None,
) -> NoReturn:
    exit_code = 70
    try:
        if own_proc:
            try:
                _linux.mount("proc", "/proc", "proc", _linux.MS_NOSUID | _linux.MS_NODEV | _linux.MS_NOEXEC)
            except OSError:
                pass
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        _warm_up(targets, events, warm, devnull)
        for source, target in ((devnull, 0), (fds["out"], 1), (fds["err"], 2)):
            os.dup2(source, target)
        report_fd = fds["report"]
        order = _read_all(request_fd)  # parked here until the run's request arrives
        if not order:
            os._exit(0)  # the tree was discarded unused
        warm_cpu_s = _cpu_used()
        os.write(report_fd, json.dumps({"warm_cpu_s": warm_cpu_s}).encode() + b"\n")  # even if the run crashes
        request = json.loads(order)
        limits = request["limits"]
        workdir = Path(request["workdir"])
        _set_limits(limits, warm_cpu_s)
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _linux.prctl(_linux.PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(PATH=SAFE_PATH, HOME=str(workdir), TMPDIR=str(workdir), LANG="C.UTF-8")
        tempfile.tempdir = None
        sys.stdout = io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
        )
        sys.stderr = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
        )
        del events[:]
        if request["language"] == "minizinc":
            report = run_minizinc(workdir, max(1.0, limits["timeout_s"] - _GRACE_S))
        else:
            report = run_python(request["code"], workdir, events, targets)
        sys.stdout.flush()
        sys.stderr.flush()
        _linux.flush_c_stdio()
        exit_code = report["exit_code"] if isinstance(report["exit_code"], int) else 1
        own = {
            "exit_code": exit_code,
            "cpu_s": _cpu_used(children=True),
            "maxrss_kb": _maxrss_kb(),
            "alone": own_proc and _alone_in_namespace(),
        }
        os.write(report_fd, json.dumps({"report": report, "own": own}).encode() + b"\n")
        for fd in (1, 2, report_fd):
            os.close(fd)  # the monitor has the whole output now, before the slow part of exit
    except BaseException:  # reached only when the sandbox itself fails
        exit_code = 71
    finally:
        os._exit(exit_code)


def _serve(conn: socket.socket, tree_for: Callable[[dict[str, Any]], Tree]) -> NoReturn:
    """Monitor one run from its request on `conn` to the raw record sent back on it."""
    try:
        request = _read_request(conn)
        _send(conn, {"pid": os.getpid()})
        tree = tree_for(request)
        _send(conn, tree.run(request))
        tree.finish()
    except BaseException as error:  # the parent turns this into a result
        try:
            _send(conn, {"sandbox_error": f"{type(error).__name__}: {error}"})
        except OSError:
            pass
    finally:
        os._exit(0)


def serve_fresh(
    conn: socket.socket, events: list[SolveEvent], targets: list[Target], base_isolation: list[str]
) -> NoReturn:
    """Build a tree for the request on `conn` and run it."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)

    def tree_for(request: dict[str, Any]) -> Tree:
        return Tree(request["slot"], request["limits"]["network"], events, targets, base_isolation, [conn.fileno()])

    _serve(conn, tree_for)


def park(
    channel: socket.socket,
    slot: int,
    events: list[SolveEvent],
    targets: list[Target],
    base_isolation: list[str],
    warm: str | None,
) -> NoReturn:
    """Build a tree for `slot` (no network), wait for one run's socket on `channel`, serve it.

    Exits without serving when the zygote goes away or a process of the tree dies while
    parked; the zygote sees the exit and parks a new tree."""
    conn = None
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        tree = Tree(slot, False, events, targets, base_isolation, [channel.fileno()], warm)
        selector = selectors.DefaultSelector()
        selector.register(channel, selectors.EVENT_READ)
        for pidfd in tree.watch():
            selector.register(pidfd, selectors.EVENT_READ)
        while conn is None:
            ready = [key.fileobj for key, _ in selector.select()]
            if channel not in ready:
                break  # a process of the tree died while parked
            message, fds, _, _ = socket.recv_fds(channel, 64, 1)
            if not message:
                break  # the zygote is gone
            if fds:
                conn = socket.socket(fileno=fds[0])
        if conn is None:
            tree.discard()
    except BaseException:  # a tree that cannot be made is simply not parked
        os._exit(1)
    if conn is None:
        os._exit(0)
    channel.close()
    _serve(conn, lambda request: tree)


def _collect(
    read_ends: dict[str, int], program: int, limits: dict[str, Any], started: float, end_rest: Callable[[], None]
) -> tuple[dict[str, tuple[bytes, bool]], bool]:
    """Read the run's pipes until they close or the wall clock runs out. When the program
    ends, `end_rest` kills what it left running, so only output already written remains."""
    caps = {"out": limits["output_bytes"], "err": limits["output_bytes"], "report": 256 * _MB}
    buffers = {name: bytearray() for name in read_ends}
    truncated = dict.fromkeys(read_ends, False)
    selector = selectors.DefaultSelector()
    for name, fd in read_ends.items():
        selector.register(fd, selectors.EVENT_READ, name)
    child_exit = os.pidfd_open(program)
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
            _kill(program)
            end_rest()
            deadline = time.monotonic() + _GRACE_S
            continue
        for key, _ in selector.select(remaining):
            if key.data is None:  # the program is gone: whatever still holds a pipe has _GRACE_S
                selector.unregister(child_exit)
                child_gone = True
                end_rest()
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


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
