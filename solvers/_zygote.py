"""The zygote: a process that imported and warmed every solver once, then forks per run.

Started by `Sandbox` as `python -m optagent.solvers._zygote FD WORKERS`, where FD is a
SOCK_SEQPACKET control socket. Each message on it, `run SLOT NETWORK`, carries one file
descriptor: a stream socket for one run. The zygote keeps one process tree parked per slot
(`_process.park`: namespaces made, init and program started) and hands the socket to it,
then parks a new tree for the slot; a run that wants network, or finds no parked tree,
gets a freshly forked monitor (`_process.serve_fresh`). A parked tree that dies is reaped
here and replaced. The zygote never reads run data itself, so a slow or hostile run cannot
stall it. It exits when the control socket closes.
"""

from __future__ import annotations

import gc
import json
import os
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable

from optagent.solvers._process import UID_BASE, park, serve_fresh
from optagent.solvers._rootfs import enter_allowlist_root
from optagent.solvers.targets import SolveEvent, Target, all_targets


def _prepare(events: list[SolveEvent], workers: int) -> tuple[list[Target], list[str]]:
    """Load and warm every available solver, then enter the runs' allowlist root."""
    os.chdir("/")
    targets = [target for target in all_targets() if target.available()]
    for target in targets:
        target.preload()
        target.install_hooks(events.append)
    _release_solver_threads()
    if os.geteuid() != 0:
        return targets, []
    if enter_allowlist_root([UID_BASE + slot for slot in range(workers)]):
        return targets, ["fs-allowlist"]
    print(
        "optagent sandbox: the kernel refused the runs' own root (pivot_root); runs see the host's files",
        file=sys.stderr,
    )
    return targets, []


def _release_solver_threads() -> None:
    """HiGHS keeps a worker pool after a solve; a forked child must start its own."""
    try:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
    except (ImportError, AttributeError):
        pass


_REPARK_AFTER_S = 1.0  # a tree that dies sooner is not replaced at once (no crash loop)


class _Zygote:
    def __init__(
        self, control: socket.socket, events: list[SolveEvent], targets: list[Target], isolation: list[str]
    ) -> None:
        self.control, self.events, self.targets, self.isolation = control, events, targets, isolation
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
        pid = self.fork(lambda: (ours.close(), park(theirs, slot, self.events, self.targets, self.isolation, warm)))
        theirs.close()
        self.parked[slot] = (pid, ours, time.monotonic())

    def dispatch(self, message: bytes, fd: int) -> None:
        """`run SLOT NETWORK [TARGET]`: serve the run on `fd`, then park the slot's next tree,
        warmed for TARGET when the caller names one (the target of its last finished run);
        names the zygote does not know are ignored."""
        words = message.split()
        slot = int(words[1]) if len(words) in (3, 4) and words[1].isdigit() else None
        network = len(words) in (3, 4) and words[2] == b"1"
        named = words[3].decode("ascii", "replace") if len(words) == 4 else None
        warm = next((t.name for t in self.targets if t.name == named), None)
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
            self.fork(lambda: serve_fresh(socket.socket(fileno=fd), self.events, self.targets, self.isolation))
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
                message, fds, _, _ = socket.recv_fds(self.control, 64, 1)
                if not message:
                    return
                if fds:
                    self.dispatch(message, fds[0])


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    control.set_inheritable(False)
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    events: list[SolveEvent] = []
    targets, isolation = _prepare(events, workers)
    zygote = _Zygote(control, events, targets, isolation)
    gc.collect()
    gc.freeze()  # keep the collector from dirtying the shared pages in every child
    control.send(json.dumps({"ready": True, "pid": os.getpid(), "targets": [t.name for t in targets]}).encode())
    zygote.serve(workers)


if __name__ == "__main__":
    main()
