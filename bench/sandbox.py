"""Sandbox speed: a cold `python program.py` subprocess vs the pre-forked pool.

    .venv/bin/python bench/sandbox.py [--runs 200] [--cold-runs 200]

Prints per program the median and p95 wall time per run, the speed-up of the pool's median
over the cold median, the CPU time one pool run costs (caller, zygote, monitor, init and
program together: less distorted by other load than wall time), and the pool's resident
memory (zygote included). Pool runs go one at a time with full isolation, so the numbers
are per-run latency, not throughput. The empty program is the sandbox's own overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from optagent.solvers import Sandbox, SolutionStatus, Termination

PROGRAMS = {
    "empty program": "pass\n",
    "Pyomo+HiGHS LP": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var(domain=pyo.NonNegativeReals); m.y = pyo.Var(domain=pyo.NonNegativeReals)
        m.a = pyo.Constraint(expr=4 * m.x + 3 * m.y <= 240)
        m.b = pyo.Constraint(expr=2 * m.x + m.y <= 100)
        m.c = pyo.Constraint(expr=m.y <= 60)
        m.o = pyo.Objective(expr=70 * m.x + 50 * m.y, sense=pyo.maximize)
        pyo.SolverFactory("appsi_highs").solve(m)
        print(pyo.value(m.o))
    """,
    "PySCIPOpt NLP": """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar("x", lb=0, ub=10); y = m.addVar("y", lb=0, ub=10)
        m.addCons(x * x + y * y <= 8)
        m.setObjective(x + 2 * y, "maximize"); m.optimize()
        print(m.getObjVal())
    """,
    "CPMpy model": """
        import cpmpy as cp
        x = cp.intvar(1, 9, shape=4, name="x")
        model = cp.Model(cp.AllDifferent(x), x[0] + x[1] == x[2] + x[3], maximize=x[0] * 2 + x[3])
        model.solve()
        print(model.objective_value())
    """,
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cold(code: str, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "program.py"
        path.write_text(code)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, str(path)], check=True, capture_output=True, cwd=folder)
            times.append(time.perf_counter() - started)
    return times


async def pooled(sandbox: Sandbox, code: str, runs: int) -> tuple[list[float], float]:
    """Wall time of each run, and the CPU seconds per run of every process involved."""
    times = []
    cpu_before = pool_cpu_s(sandbox.zygote_pid)
    for _ in range(runs):
        started = time.perf_counter()
        result = await sandbox.run(code)
        times.append(time.perf_counter() - started)
        assert result.termination == Termination.OK, result.error
        assert code == PROGRAMS["empty program"] or result.solution_status == SolutionStatus.OPTIMAL, result.error
    await asyncio.sleep(0.2)  # let the last monitors exit and be reaped
    return times, (pool_cpu_s(sandbox.zygote_pid) - cpu_before) / runs


def pool_cpu_s(zygote_pid: int | None) -> float:
    """CPU seconds so far of this process, the zygote and every monitor it reaped (whose
    own waited-for children, init and program, are included in theirs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    fields = Path(f"/proc/{zygote_pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return own.ru_utime + own.ru_stime + ticks / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> tuple[float, float]:
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


async def main(runs: int, cold_runs: int, only: list[str]) -> None:
    started = time.perf_counter()
    async with Sandbox(workers=2) as sandbox:
        start_s = time.perf_counter() - started
        print(
            f"pool start (zygote import + warm-up): {start_s:.2f} s; isolation: "
            + ", ".join((await sandbox.run("pass")).isolation)
        )
        print()
        print(
            "| program | cold median | cold p95 | pool median | pool p95 | pool CPU/run | speed-up | runs (cold/pool) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for name, code in PROGRAMS.items():
            if only and not any(word.lower() in name.lower() for word in only):
                continue
            code = textwrap.dedent(code)
            await pooled(sandbox, code, 5)
            pool, cpu_s = await pooled(sandbox, code, runs)
            baseline = cold(code, cold_runs)
            cold_median, pool_median = statistics.median(baseline), statistics.median(pool)
            print(
                f"| {name} | {cold_median * 1000:.0f} ms | {percentile(baseline, 0.95) * 1000:.0f} ms "
                f"| {pool_median * 1000:.1f} ms | {percentile(pool, 0.95) * 1000:.1f} ms | {cpu_s * 1000:.1f} ms "
                f"| {cold_median / pool_median:.1f}x | {cold_runs}/{runs} |"
            )
        rss, pss = resident_mb(sandbox.zygote_pid)
        parent_rss, _ = resident_mb(int(Path("/proc/self/stat").read_text().split()[0]))
        print()
        print(
            f"pool resident memory while idle: zygote RSS {rss:.0f} MB (PSS {pss:.0f} MB); "
            f"calling process RSS {parent_rss:.0f} MB. Each run adds only the pages it writes (copy-on-write)."
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=[], help="programs whose name contains one of these words")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.cold_runs, arguments.only))
