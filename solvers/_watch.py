"""The monitor's watch over a running program: its wall clock and its capped output.

`collect_output` drains the run's pipes (stdout and stderr capped at `output_bytes`, the
report pipe at 256 MB) until they close, killing the program when the wall clock runs out
and, as soon as the program ends, whatever it left running: only output already written
remains, for `GRACE_S` at most.
"""

from __future__ import annotations

import os
import selectors
import signal
import time
from collections.abc import Callable

from optagent.core.types import Limits

GRACE_S = 0.5
"""What a run may still take once its wall clock ran out or its program ended."""
_REPORT_CAP = 256 * 1024 * 1024


def collect_output(
    read_ends: dict[str, int], program: int, limits: Limits, started: float, end_rest: Callable[[], None]
) -> tuple[dict[str, tuple[bytes, bool]], bool]:
    """Each pipe's bytes and whether they were cut, and whether the wall clock ran out."""
    caps = {"out": limits.output_bytes, "err": limits.output_bytes, "report": _REPORT_CAP}
    buffers = {name: bytearray() for name in read_ends}
    truncated = dict.fromkeys(read_ends, False)
    selector = selectors.DefaultSelector()
    for name, fd in read_ends.items():
        selector.register(fd, selectors.EVENT_READ, name)
    child_exit = os.pidfd_open(program)
    selector.register(child_exit, selectors.EVENT_READ, None)
    deadline = started + limits.timeout_s
    timed_out = child_gone = False
    open_ends = len(read_ends)
    while open_ends:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if timed_out or child_gone:
                break  # something outside the run's namespace still holds a pipe
            timed_out = True
            kill(program)
            end_rest()
            deadline = time.monotonic() + GRACE_S
            continue
        for key, _ in selector.select(remaining):
            if key.data is None:  # the program is gone: whatever still holds a pipe has GRACE_S
                selector.unregister(child_exit)
                child_gone = True
                end_rest()
                deadline = min(deadline, time.monotonic() + GRACE_S)
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


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
