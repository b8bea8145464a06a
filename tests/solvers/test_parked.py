"""Parked process trees: each serves exactly one run, carries nothing from one run to the
next, and one that dies while parked is replaced without the caller noticing."""

from __future__ import annotations

import asyncio
import contextlib
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
    deadline = time.monotonic() + 10  # a loaded machine forks the waiting program late
    while not (programs := _children(victim)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert programs, "a parked monitor has its program (and init) waiting"
    for pid in programs:
        with contextlib.suppress(ProcessLookupError):  # killing the tree's init takes its program with it
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


CPU_AT_START = """
import resource
usage = resource.getrusage(resource.RUSAGE_SELF)
print(round((usage.ru_utime + usage.ru_stime) * 1000, 1))
"""

PYOMO_LP = """
import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.x = pyo.Var(bounds=(0, 4))
m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
pyo.SolverFactory("appsi_highs").solve(m)
print("solved", pyo.value(m.o))
"""


async def test_the_next_tree_is_warmed_for_the_last_target_and_the_run_sees_none_of_it():
    """Once a Pyomo run has reported, the trees parked after it walk Pyomo's first solve
    while they wait (the tree parked while that run was going is already made): the
    program starts with that CPU spent, yet prints nothing of it, reads no solution from
    it, and its CPU limit and CPU time count from the run's start, even when it crashes."""
    from optagent.solvers import Sandbox

    async with Sandbox(workers=1) as own:
        cold = await own.run(CPU_AT_START)
        solved = await own.run(PYOMO_LP)
        await own.run(CPU_AT_START)
        warmed = await own.run(CPU_AT_START, limits=Limits(cpu_s=1))
        crashed = await own.run("import os\nos._exit(3)")
    assert solved.objective == 4 and solved.stdout == "solved 4.0\n"
    assert crashed.termination is Termination.ERROR and crashed.timings.cpu_s * 1000 < float(warmed.stdout)
    assert float(warmed.stdout) > float(cold.stdout) + 5, (cold.stdout, warmed.stdout)
    assert warmed.termination is Termination.OK and warmed.stderr == ""
    assert warmed.objective is None and warmed.values == {} and warmed.solver is None
    assert warmed.timings.cpu_s < 0.5


FORK_UP_TO = """
import os, time
pids = []
for _ in range({children}):
    pid = os.fork()
    if pid == 0:
        os.closerange(0, 1024)  # holds none of the run's pipes: its end is not the output's
        time.sleep(30)
        os._exit(0)
    pids.append(pid)
print(len(pids))
"""


async def test_a_run_that_leaves_processes_is_reaped_before_the_next_one_starts():
    """The next run of a slot has the same uid, so the same process cap: a run whose
    processes outlive its program (and hold none of its pipes) is waited for with them
    before its result goes out."""
    from optagent.solvers import Sandbox

    limits = Limits(max_processes=12)
    async with Sandbox(workers=1) as own:
        for _ in range(3):
            result = await own.run(FORK_UP_TO.format(children=10), limits=limits)
            assert result.termination is Termination.OK and result.stdout == "10\n", result.error


async def test_no_warm_up_while_runs_queue_for_a_slot():
    """A saturated pool spends its CPU on runs: trees parked while others wait start cold."""
    from optagent.solvers import Sandbox

    async with Sandbox(workers=1) as own:
        await own.run(PYOMO_LP)
        await own.run(PYOMO_LP)
        queued = await asyncio.gather(*(own.run(CPU_AT_START) for _ in range(4)))
        after = await own.run(CPU_AT_START)
    started_with = [float(result.stdout) for result in queued]
    assert started_with[0] > started_with[-1] + 5, started_with  # warmed while idle, then cold under load
    assert float(after.stdout) > started_with[-1] + 5  # idle again: warm
