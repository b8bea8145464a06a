"""Parked process trees: each serves exactly one run, carries nothing from one run to the
next, and one that dies while parked is replaced without the caller noticing."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from optagent.solvers import Limits, Termination

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBE = """
import json, os
seen = {
    "pid": os.getpid(),
    "left_file": os.path.exists("/tmp/left-by-an-earlier-run"),
    "left_global": hasattr(json, "left_by_an_earlier_run"),
}
open("/tmp/left-by-an-earlier-run", "w").write("x")
json.left_by_an_earlier_run = True
print(json.dumps(seen))
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


async def _parked_monitors(sandbox, count: int, gone: int | None = None) -> set[int]:
    """The zygote's children once `count` of them exist (the parked trees, when idle)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = _children(sandbox.zygote_pid)
        if len(children) == count and gone not in children:
            return children
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} parked trees, found {_children(sandbox.zygote_pid)}")


async def test_every_run_gets_new_namespaces_and_nothing_left_behind(sandbox):
    seen = [(await sandbox.run(PROBE)).printed_json for _ in range(6)]  # each of the 2 slots thrice
    assert all(entry is not None for entry in seen)
    assert [entry["pid"] for entry in seen] == [2] * 6  # a fresh PID namespace each time (init is 1)
    assert not any(entry["left_file"] or entry["left_global"] for entry in seen)


async def test_a_parked_tree_that_dies_is_replaced(sandbox):
    await sandbox.run("pass")
    monitors = await _parked_monitors(sandbox, sandbox.workers)
    await asyncio.sleep(1.1)  # parked long enough to be replaced at once
    victim = min(monitors)
    programs = _children(victim)
    assert programs, "a parked monitor has its program (and init) waiting"
    for pid in programs:
        os.kill(pid, signal.SIGKILL)
    await _parked_monitors(sandbox, sandbox.workers, gone=victim)
    results = await asyncio.gather(*(sandbox.run("print('still serving')") for _ in range(4)))
    assert all(result.stdout == "still serving\n" for result in results)


async def test_killed_parked_monitors_cost_no_run(sandbox):
    await sandbox.run("pass")
    for pid in await _parked_monitors(sandbox, sandbox.workers):
        os.kill(pid, signal.SIGKILL)  # right away: not replaced until the next run needs it
    results = [await sandbox.run("print('still serving')") for _ in range(4)]
    assert all(result.termination == Termination.OK and result.stdout == "still serving\n" for result in results)


async def test_a_run_with_network_gets_a_tree_of_its_own(sandbox):
    result = await sandbox.run("print('online')", limits=Limits(network=True, timeout_s=10))
    assert result.termination == Termination.OK and result.stdout == "online\n"
    assert "netns" not in result.isolation and {"pidns", "mountns", "uid-drop"} <= set(result.isolation)
    assert "netns" in (await sandbox.run("pass")).isolation
