"""The process tree of one run, forked from the zygote, made before its program is known.

    monitor (root, outside)  ── enforces the wall clock, drains capped output, reports
      ├─ init (`cat`, pid 1 of a fresh PID namespace)  ── when it dies, the kernel kills
      └─ program (pid 2; unprivileged uid, rlimits)       every process of the run

A `Tree` unshares network, mount and PID namespaces (its mount namespace a copy of the
zygote's allowlist root, `_rootfs`), lays a private tmpfs on /tmp and starts both
processes; the program (`_program.run_program`) then waits on a pipe for its order. So
the zygote can keep one tree parked per worker slot (`_monitor.park`): a run's critical
path holds no fork and no unshare. A tree serves exactly one run and dies with it.

init is `/bin/cat` reading a pipe that only the monitor holds: spawning it copies none of
the zygote's memory, it reaps the run's orphans (it inherits SIGCHLD ignored), and it
exits when the monitor dies, taking the namespace with it. The monitor kills it as soon as
the program ends, so background processes never outlive the run. Whatever the kernel
refuses is skipped and listed in `isolation_missing`.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import tempfile
import time
from pathlib import Path

from optagent.core.types import Limits
from optagent.solvers import _linux, _rootfs
from optagent.solvers._program import run_program
from optagent.solvers._watch import collect_output, kill, kill_group
from optagent.solvers.targets import RunScope, program_language
from optagent.solvers.wire import ProgramLine, ProgramOrder, RunRecord, RunRequest, merge_program_lines

UID_BASE = 61000
INIT = "/bin/cat"


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
    """Namespaces, init and a program process waiting for its order; serves one run."""

    def __init__(
        self,
        slot: int,
        network: bool,
        scope: RunScope,
        base_isolation: list[str],
        inherited: list[int],
        warm: str | None = None,
    ) -> None:
        self.slot, self.network = slot, network
        self.isolation = list(base_isolation)
        self.missing: list[str] = []
        self.granted = _unshare(network, self.missing)
        self.tmp_size_mb = _rootfs.tmp_size_mb(Limits().file_size_mb)
        if "mountns" in self.granted and _rootfs.mount_private_tmp(self.tmp_size_mb):
            self.granted.add("private-tmp")
        self.uid = UID_BASE + slot if os.geteuid() == 0 else None
        self.init: int | None = None
        keepalive: int | None = None
        if "pidns" in self.granted:
            self.init, keepalive = _spawn_init()
        order_read, self.order_fd = os.pipe()
        pipes = {name: os.pipe() for name in ("out", "err", "report")}
        self.read_ends = {name: pair[0] for name, pair in pipes.items()}
        self.reaped: tuple[int, int, resource.struct_rusage] | None = None
        self.leftover: Path | None = None
        self.program = os.fork()
        if self.program == 0:
            for fd in [*inherited, self.order_fd, *self.read_ends.values(), *([keepalive] if keepalive else [])]:
                os.close(fd)
            run_program(
                order_read,
                {name: pair[1] for name, pair in pipes.items()},
                self.uid,
                self.init is not None,
                scope,
                warm,
            )
        os.close(order_read)
        for _, write_end in pipes.values():
            os.close(write_end)
        self.keepalive = keepalive

    def watch(self) -> list[int]:
        """Descriptors that become readable when a process of the tree dies."""
        return [os.pidfd_open(pid) for pid in (self.program, self.init) if pid is not None]

    def discard(self) -> None:
        self._end_rest()
        kill(self.program)
        os.waitpid(self.program, 0)
        if self.init is not None:
            os.waitpid(self.init, 0)

    def _end_rest(self) -> None:
        """Kill everything of the run but the program (already gone or about to be)."""
        if self.init is not None:
            kill(self.init)
        else:
            kill_group(self.program)

    def run(self, request: RunRequest) -> RunRecord:
        limits = request.limits
        if limits.network != self.network or request.slot != self.slot:
            raise RuntimeError("the parked process tree does not match the request")
        granted = set(self.granted)
        size_mb = _rootfs.tmp_size_mb(limits.file_size_mb)
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
        order = ProgramOrder(code=request.code, language=request.language, limits=limits, workdir=str(workdir))
        try:
            with open(self.order_fd, "wb") as pipe:
                pipe.write(order.model_dump_json().encode())
        except BrokenPipeError:
            pass  # the program is gone; its wait status says how
        streams, timed_out = collect_output(self.read_ends, self.program, limits, started, self._end_rest)
        self._end_rest()
        self.leftover = None if "private-tmp" in granted else workdir
        reported = merge_program_lines(streams["report"][0])
        exited = self._exit_status(reported, timed_out)
        wall = time.monotonic() - started
        if exited is None:
            self.finish()
            assert self.reaped is not None
            _, status, usage = self.reaped
            exited = (status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
        status, cpu_s, maxrss_kb = exited
        cpu_s -= reported.warm_cpu_s or 0.0
        return RunRecord(
            timed_out=timed_out,
            wait_status=status,
            stdout=streams["out"][0].decode("utf-8", "replace"),
            stderr=streams["err"][0].decode("utf-8", "replace"),
            output_truncated=streams["out"][1] or streams["err"][1],
            wall_s=wall,
            cpu_s=max(0.0, cpu_s),
            maxrss_kb=maxrss_kb,
            isolation=self.isolation,
            isolation_missing=self.missing,
            report=reported.report,
        )

    def _exit_status(self, reported: ProgramLine, timed_out: bool) -> tuple[int, float, int] | None:
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
        own = reported.own
        if timed_out or own is None or not own.alone or not 0 <= own.exit_code < 256:
            return None
        pid, status, usage = os.wait4(self.program, os.WNOHANG)
        if pid:
            self.reaped = (pid, status, usage)
            return None
        return own.exit_code << 8, own.cpu_s, own.maxrss_kb

    def finish(self) -> None:
        """Reap the program and init, and remove a run directory outside a private /tmp."""
        if self.reaped is None:
            self.reaped = os.wait4(self.program, 0)
        if self.init is not None:
            os.waitpid(self.init, 0)  # its exit waits for every process of the namespace
            self.init = None
        if self.leftover is not None:
            shutil.rmtree(self.leftover, ignore_errors=True)
            self.leftover = None


def _workdir(request: RunRequest, private_tmp: bool, uid: int | None) -> Path:
    workdir = Path("/tmp/run") if private_tmp else Path(tempfile.mkdtemp(prefix="optagent-run-"))
    workdir.mkdir(mode=0o700, exist_ok=True)
    (workdir / program_language(request.language).file_name).write_text(request.code, encoding="utf-8")
    for file_name, content in request.files.items():
        (workdir / file_name).write_bytes(content)
    if uid is not None:
        for path in [workdir, *workdir.iterdir()]:
            os.chown(path, uid, uid)
    return workdir
