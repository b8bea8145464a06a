"""The program process of a run: forked in its tree (`_tree.Tree`), parked until its order
arrives, then limited, stripped to an unprivileged uid and run in its target's language.

Whatever happens, it writes `ProgramLine`s to its report pipe: the CPU its warm-up spent
(before running anything of the program's), then the language's report and its own
account of its end. It closes its pipes before `_exit`, so the monitor has the whole
output while the kernel still tears down its copy of the zygote.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from optagent.core.types import Limits
from optagent.solvers import _linux
from optagent.solvers._watch import GRACE_S
from optagent.solvers.introspect import read_solution
from optagent.solvers.targets import RunScope, program_language
from optagent.solvers.wire import OwnAccount, ProgramLine, ProgramOrder, json_line

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_MB = 1024 * 1024


def _warm_up(scope: RunScope, name: str | None, devnull: int) -> None:
    """Walk the first-solve path of the target the last run used, and the reading of its
    result, while the tree is parked.

    A forked process pays for every page of the zygote it writes to (copy on write), and a
    first solve writes to many: Pyomo's first LP in a fresh fork takes 16 ms against 4 ms
    for the next. Paying that here, before the request arrives, takes it off the run's
    critical path; the CPU is spent either way. Output goes to /dev/null, and a warm-up
    that fails leaves the tree as it was.
    """
    target = next((t for t in scope.targets if t.name == name), None)
    if target is None:
        return
    saved = [os.dup(1), os.dup(2)]
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        with contextlib.suppress(Exception):
            target.warm()
            read_solution({}, scope.events, scope.targets)
    finally:
        del scope.events[:]
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


def _set_limits(limits: Limits, spent_cpu_s: float) -> None:
    """The run's limits; the CPU limit counts from now (RLIMIT_CPU counts the warm-up too)."""

    def cap(kind: int, value: float | None, slack: int = 0) -> None:
        if value is not None:
            resource.setrlimit(kind, (int(value), int(value) + slack))

    cap(resource.RLIMIT_CORE, 0)
    cpu_s = limits.cpu_s and max(1, math.ceil(spent_cpu_s + limits.cpu_s))
    cap(resource.RLIMIT_CPU, cpu_s, slack=1)  # SIGXCPU first
    cap(resource.RLIMIT_FSIZE, limits.file_size_mb and limits.file_size_mb * _MB)
    cap(resource.RLIMIT_NPROC, limits.max_processes)
    if limits.memory_mb:
        # The preloaded solver libraries are already mapped; the program gets memory_mb more.
        cap(resource.RLIMIT_AS, _vm_size() + limits.memory_mb * _MB)


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for entry in status:
            if entry.startswith("VmSize:"):
                return int(entry.split()[1]) * 1024
    return 0


def _read_all(fd: int) -> bytes:
    with open(fd, "rb") as pipe:
        return pipe.read()


def run_program(
    order_fd: int, fds: dict[str, int], uid: int | None, own_proc: bool, scope: RunScope, warm: str | None
) -> NoReturn:
    """The program process, from its fork in the tree to `_exit`."""
    exit_code = 70
    try:
        if own_proc:
            try:
                _linux.mount("proc", "/proc", "proc", _linux.MS_NOSUID | _linux.MS_NODEV | _linux.MS_NOEXEC)
            except OSError:
                pass
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        _warm_up(scope, warm, devnull)
        for source, target in ((devnull, 0), (fds["out"], 1), (fds["err"], 2)):
            os.dup2(source, target)
        report_fd = fds["report"]
        raw = _read_all(order_fd)  # parked here until the run's order arrives
        if not raw:
            os._exit(0)  # the tree was discarded unused
        warm_cpu_s = _cpu_used()
        os.write(report_fd, json_line(ProgramLine(warm_cpu_s=warm_cpu_s)))  # even if the run crashes
        order = ProgramOrder.model_validate_json(raw)
        language = program_language(order.language)
        workdir = Path(order.workdir)
        _set_limits(order.limits, warm_cpu_s)
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
        del scope.events[:]
        # A language that drives another process (MiniZinc) ends it before the monitor would.
        report = language.run(order.code, workdir, max(1.0, order.limits.timeout_s - GRACE_S), scope)
        sys.stdout.flush()
        sys.stderr.flush()
        _linux.flush_c_stdio()
        exit_code = report.exit_code
        own = OwnAccount(
            exit_code=exit_code,
            cpu_s=_cpu_used(children=True),
            maxrss_kb=_maxrss_kb(),
            alone=own_proc and _alone_in_namespace(),
        )
        os.write(report_fd, json_line(ProgramLine(report=report, own=own)))
        for fd in (1, 2, report_fd):
            os.close(fd)  # the monitor has the whole output now, before the slow part of exit
    except BaseException:  # reached only when the sandbox itself fails
        exit_code = 71
    finally:
        os._exit(exit_code)
