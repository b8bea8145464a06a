"""The zygote: a process that imported and warmed every solver once, then forks per run.

Started by `Sandbox` as `python -m optagent.solvers._zygote FD`, where FD is a SOCK_SEQPACKET
control socket. Each message on it carries one file descriptor: a stream socket for one run,
handed to a freshly forked monitor (`_process.serve_run`). The zygote never reads run data
itself, so a slow or hostile run cannot stall it. It exits when the control socket closes.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import site
import socket
import stat
import sys
from pathlib import Path

from optagent.solvers import _linux
from optagent.solvers._process import serve_run
from optagent.solvers.targets import SolveEvent, Target, all_targets


def _blocked_ancestor(path: Path) -> Path | None:
    """The outermost directory on `path` that other users may not enter, if any."""
    for ancestor in reversed(path.parents):
        if ancestor != Path("/") and not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return ancestor
    return None


def _expose_interpreter() -> str | None:
    """Let unprivileged run uids reach the interpreter and its packages.

    When they live under a private directory (pyenv in /root), the zygote's own mount
    namespace lays an empty tmpfs over that directory and binds back only the needed
    paths; the rest of it (keys, configs) stays invisible to every run.
    """
    needed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, *site.getsitepackages()) if os.path.isdir(p)}
    needed.add(Path(sys.executable).resolve().parent)
    blocked: dict[Path, list[Path]] = {}
    for path in needed:
        ancestor = _blocked_ancestor(path)
        if ancestor is not None:
            blocked.setdefault(ancestor, []).append(path)
    if not blocked:
        return None
    _linux.unshare(_linux.CLONE_NEWNS)
    _linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE)
    for ancestor, paths in blocked.items():
        keep = sorted({ancestor / path.relative_to(ancestor).parts[0] for path in paths})
        handles = [os.open(path, os.O_PATH) for path in keep]
        _linux.mount("tmpfs", str(ancestor), "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, "size=1m,mode=0755")
        for path, handle in zip(keep, handles):
            path.mkdir(parents=True, exist_ok=True)
            _linux.mount(f"/proc/self/fd/{handle}", str(path), None, _linux.MS_BIND | _linux.MS_REC)
            os.close(handle)
    return "hidden-home"


def _prepare(events: list[SolveEvent]) -> tuple[list[Target], list[str]]:
    os.chdir("/")
    isolation = []
    if os.geteuid() == 0:
        try:
            if _expose_interpreter():
                isolation.append("hidden-home")
        except OSError as error:
            print(f"optagent sandbox: interpreter stays private ({error})", file=sys.stderr)
    targets = [target for target in all_targets() if target.available()]
    for target in targets:
        target.preload()
        target.install_hooks(events.append)
    _release_solver_threads()
    return targets, isolation


def _release_solver_threads() -> None:
    """HiGHS keeps a worker pool after a solve; a forked child must start its own."""
    try:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
    except (ImportError, AttributeError):
        pass


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    events: list[SolveEvent] = []
    targets, isolation = _prepare(events)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # monitors are reaped by the kernel
    gc.collect()
    gc.freeze()  # keep the collector from dirtying the shared pages in every child
    control.send(json.dumps({"ready": True, "pid": os.getpid(), "targets": [t.name for t in targets]}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 64, 1)
        except InterruptedError:
            continue
        if not message:
            return
        if not fds:
            continue
        if os.fork() == 0:
            control.close()
            serve_run(socket.socket(fileno=fds[0]), events, targets, isolation)
        os.close(fds[0])


if __name__ == "__main__":
    main()
