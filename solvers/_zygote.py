"""The zygote: a process that imported and warmed every solver once, then forks per run.

Started by `Sandbox` as `python -m optagent.solvers._zygote FD WORKERS`, where FD is a
SOCK_SEQPACKET control socket. Each message on it, a `HandOver` (`wire.py`), carries one
file descriptor: a stream socket for one run. The zygote keeps one process tree parked per slot
(`_monitor.park`: namespaces made, init and program started) and hands the socket to it,
then parks a new tree for the slot; a run that wants network, or finds no parked tree,
gets a freshly forked monitor (`_monitor.serve_fresh`). A parked tree that dies is reaped
here and replaced. The zygote never reads run data itself, so a slow or hostile run cannot
stall it. It exits when the control socket closes.
"""

from __future__ import annotations

import gc
import os
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable

from pydantic import ValidationError

from optagent.solvers._monitor import park, serve_fresh
from optagent.solvers._rootfs import enter_allowlist_root
from optagent.solvers._tree import UID_BASE
from optagent.solvers.targets import RunScope, all_targets, program_languages
from optagent.solvers.wire import HandOver, ZygoteReady

HAND_OVER_BYTES = 4096
"""The longest `HandOver` message the zygote reads."""


def _prepare(workers: int) -> tuple[RunScope, list[str]]:
    """Load and warm every available solver, then enter the runs' allowlist root."""
    os.chdir("/")
    scope = RunScope(events=[], targets=[target for target in all_targets() if target.available()])
    for target in scope.targets:
        target.preload()
        target.install_hooks(scope.events.append)
    program_languages()  # looked up once here; every run inherits the answer
    _release_solver_threads()
    if os.geteuid() != 0:
        return scope, []
    if enter_allowlist_root([UID_BASE + slot for slot in range(workers)]):
        return scope, ["fs-allowlist"]
    print(
        "optagent sandbox: the kernel refused the runs' own root (pivot_root); runs see the host's files",
        file=sys.stderr,
    )
    return scope, []


def _release_solver_threads() -> None:
    """HiGHS keeps a worker pool after a solve; a forked child must start its own."""
    try:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
    except (ImportError, AttributeError):
        pass


_REPARK_AFTER_S = 1.0  # a tree that dies sooner is not replaced at once (no crash loop)


class _Zygote:
    def __init__(self, control: socket.socket, scope: RunScope, isolation: list[str]) -> None:
        self.control, self.scope, self.isolation = control, scope, isolation
        self.parked: dict[int, tuple[int, socket.socket, float]] = {}  # slot -> monitor pid, channel, since
        self.wake_read, self.wake_write = os.pipe()
        for fd in (self.wake_read, self.wake_write):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self.wake_write, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector; monitors are reaped here
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ)
        self.selector.register(self.wake_read, selectors.EVENT_READ)

    def fork(self, serve: Callable[[], object]) -> int:
        """Fork a monitor that holds none of the zygote's channels, then `serve` in it."""
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            self.selector.close()
            for channel in [self.control, *(channel for _, channel, _ in self.parked.values())]:
                channel.close()
            os.close(self.wake_read)
            os.close(self.wake_write)
            serve()
        return pid

    def park(self, slot: int, warm: str | None = None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

        def serve() -> None:
            ours.close()
            park(theirs, slot, self.scope, self.isolation, warm)

        pid = self.fork(serve)
        theirs.close()
        self.parked[slot] = (pid, ours, time.monotonic())

    def dispatch(self, message: bytes, fd: int) -> None:
        """Serve the run on `fd` (its `HandOver` in `message`), then park the slot's next tree,
        warmed for the target the caller names (the target of its last finished run); names
        the zygote does not know are ignored, and a message that is no `HandOver` still gets
        its run served, by a fresh monitor."""
        try:
            hand_over: HandOver | None = HandOver.model_validate_json(message)
        except ValidationError:
            hand_over = None
        slot = hand_over.slot if hand_over else None
        network = hand_over.network if hand_over else False
        named = hand_over.warm if hand_over else None
        warm = next((t.name for t in self.scope.targets if t.name == named), None)
        os.set_inheritable(fd, False)
        handed = False
        if slot is not None and not network and slot in self.parked:
            _, channel, _ = self.parked.pop(slot)
            try:
                socket.send_fds(channel, [b"run"], [fd])
                handed = True
            except OSError:
                pass  # the parked monitor died; its exit is reaped later
            channel.close()
        if not handed:
            self.fork(lambda: serve_fresh(socket.socket(fileno=fd), self.scope, self.isolation))
        os.close(fd)
        if slot is not None and not network and slot not in self.parked:
            self.park(slot, warm)

    def reap(self) -> None:
        while True:
            try:
                os.read(self.wake_read, 4096)
            except BlockingIOError:
                break
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for slot, (parked_pid, channel, since) in list(self.parked.items()):
                if parked_pid == pid:
                    channel.close()
                    del self.parked[slot]
                    if time.monotonic() - since > _REPARK_AFTER_S:
                        self.park(slot)

    def serve(self, workers: int) -> None:
        for slot in range(workers):
            self.park(slot)
        while True:
            for key, _ in self.selector.select():
                if key.fileobj == self.wake_read:
                    self.reap()
                    continue
                message, fds, _, _ = socket.recv_fds(self.control, HAND_OVER_BYTES, 1)
                if not message:
                    return
                if fds:
                    self.dispatch(message, fds[0])


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    control.set_inheritable(False)
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    scope, isolation = _prepare(workers)
    zygote = _Zygote(control, scope, isolation)
    gc.collect()
    gc.freeze()  # keep the collector from dirtying the shared pages in every child
    control.send(ZygoteReady(pid=os.getpid(), targets=[t.name for t in scope.targets]).model_dump_json().encode())
    zygote.serve(workers)


if __name__ == "__main__":
    main()
