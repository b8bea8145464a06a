"""Scale-out: the harness's eval (N problems, a fake model with a fixed latency, one canned
Pyomo + HiGHS program per problem, strategy `direct`) in one process and on a local Ray
cluster of 1 and 2 nodes, then a simulation of big jobs on N GPU nodes x M CPUs.

    flock /tmp/heavy.lock .venv/bin/python bench/scale.py --problems 500 --latency 1 5

Per mode and latency: wall time of the samples (first start to last end), samples/s, CPU
per sample (this process, the fake server's and every cluster process: raylets, actors,
sandboxes), and Ray's cost per program run: the round trip of a run less the program's own
wall time and its wait for a slot, with Ray minus without. The simulation takes the
measured CPU per sample of the agent side (driver) and of the solver side, and the model
time per sample, and gives the wall time of a 5 x 5 x K=8 evaluation and a 100,000-problem
synthesis job as GPU nodes are added, naming what bounds it. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import REPLIES, Timed, serve

from testing.ray_cluster import LocalCluster


class Stopwatch:
    """A sandbox (local or on the cluster) that times each run's round trip beyond the program."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.workers = getattr(inner, "workers", 1)
        self.runs = 0
        self.beyond_s = 0.0

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def run(self, code, language=None, limits=None, files=None):
        from optagent.core.types import Language

        started = time.monotonic()
        result = await self.inner.run(code, language or Language.PYTHON, limits, files)
        self.runs += 1
        self.beyond_s += time.monotonic() - started - result.timings.wall_s - result.timings.queued_s
        return result


def cpu_of(pids: list[int]) -> float:
    """User + system CPU of these processes and of their reaped children, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


async def one_run(args, base_url: str, out: Path, sandbox: Stopwatch, solver_cpu):
    from rich.console import Console

    from optagent.agent.context import AgentSettings
    from optagent.evals.log import RunHeader
    from optagent.evals.producers import AgentProducer
    from optagent.evals.runner import EvalConfig, run_eval
    from optagent.models import ModelRoles

    roles = ModelRoles.from_specs("vllm/fake-model", base_url=base_url, concurrency=args.concurrency, timeout_s=60.0)
    settings = AgentSettings.for_strategy("direct", explain=False)
    config = EvalConfig(
        benchmark="optibench", out=out, data_dir=args.data, limit=args.problems, concurrency=args.concurrency
    )
    header = RunHeader(benchmark="optibench", source="agent", models=roles.specs(), strategy="direct")
    timed = Timed(AgentProducer(roles, settings, samples=1))
    await sandbox.start()
    try:
        result = await run_eval(config, timed, header, console=Console(stderr=True, quiet=True), sandbox=sandbox)
        used = solver_cpu()  # before the close: the nodes' processes and their children are still there
    finally:
        await sandbox.close()
    return result, timed.last_end - (timed.first_start or 0.0), used


def measure(args, mode: str, latency: float) -> dict:
    cluster = LocalCluster(nodes=int(mode[-1]), cpus=args.node_cpus).start() if mode != "single" else None
    # The cluster lives in a loopback-only network namespace: the model server and this driver
    # (its threads, sockets and Ray's) join it for the run, the single-process mode too stays here.
    inside = cluster.network.entered() if cluster else contextlib.nullcontext()
    with inside:
        return _measure(args, mode, latency, cluster)


def _measure(args, mode: str, latency: float, cluster) -> dict:
    from optagent.evals.cluster import ClusterSandbox
    from optagent.solvers.sandbox import Sandbox

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(REPLIES["pyomo"], latency, theirs))
    server.start()
    base_url = ours.recv()
    try:
        before_self = resource.getrusage(resource.RUSAGE_SELF)
        before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        before_cluster = cpu_of(cluster.pids()) if cluster else 0.0
        if cluster:
            os.environ.update(cluster.env)
            inner = ClusterSandbox(cluster.address)
        else:
            inner = Sandbox(workers=args.node_cpus)
        sandbox = Stopwatch(inner)
        with tempfile.TemporaryDirectory() as tmp:
            result, steady, cluster_cpu = asyncio.run(
                one_run(
                    args,
                    base_url,
                    Path(tmp) / "run",
                    sandbox,
                    lambda: cpu_of(cluster.pids()) - before_cluster if cluster else 0.0,
                )
            )
        if cluster:
            import ray

            ray.shutdown()
        after_self = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        ours.send("stop")
        _, _, server_cpu = ours.recv()
        server.join()
        if cluster:
            cluster.stop()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after_self.ru_utime + after_self.ru_stime) - (before_self.ru_utime + before_self.ru_stime)
    children = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )
    sandbox_cpu = children - server_cpu if not cluster else cluster_cpu
    n = result.summary.n
    return {
        "mode": mode,
        "latency": latency,
        "n": n,
        "correct": result.summary.correct,
        "steady_s": steady,
        "rate": n / steady,
        "driver_cpu_ms": 1000 * own / n,
        "program_cpu_ms": 1000 * sum(_program_cpu(r) for r in result.records) / n,
        "outside_cpu_ms": 1000 * sandbox_cpu / n,
        "beyond_ms": 1000 * sandbox.beyond_s / max(sandbox.runs, 1),
        "exec_ms": 1000 * sum(r.timings.exec_s for r in result.records) / n,
    }


def _program_cpu(record) -> float:
    """The scored program's own CPU as the sandbox measured it, the same with and without Ray."""
    run = record.prediction.result
    return run.timings.cpu_s if run else 0.0


def simulate(driver_cpu_s: float, solver_cpu_s: float, model_s: float, slots_per_gpu: int, cpus: int) -> list[str]:
    """Wall time of two jobs on N nodes (one GPU's model replica and `cpus` CPUs each), the
    driver on one core: samples/s = min(N x slots / model_s, N x cpus / solver_cpu, 1 / driver_cpu)."""
    jobs = {
        "eval 5 strategies x 5 seeds x K=8 on 800 problems": 5 * 5 * 8 * 800,
        "synthesis of 100,000 problems (6 solves per kept, see doc)": 100_000 * 6,
    }
    rows = ["| job | nodes | samples/s | wall | bound by |", "|---|---:|---:|---:|---|"]
    for name, samples in jobs.items():
        for nodes in (1, 2, 4, 8, 16, 32, 64):
            limits = {
                "model": nodes * slots_per_gpu / model_s,
                "solver": nodes * cpus / solver_cpu_s,
                "driver": 1 / driver_cpu_s,
            }
            bound = min(limits, key=limits.get)
            rate = limits[bound]
            rows.append(f"| {name} | {nodes} | {rate:,.0f} | {samples / rate / 3600:,.1f} h | {bound} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--node-cpus", type=int, default=1, help="CPUs (sandbox slots) of each node and of one process")
    parser.add_argument("--modes", nargs="+", default=["single", "ray-1", "ray-2"])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument(
        "--gpu-slots", type=int, default=64, help="simulation: requests one GPU's replica serves at once"
    )
    parser.add_argument("--node-cpus-sim", type=int, default=32, help="simulation: CPUs of each node")
    parser.add_argument("--model-s", type=float, default=20.0, help="simulation: model seconds per sample")
    args = parser.parse_args()

    import optagent.agent.graph
    import optagent.evals.runner
    import optagent.solvers.sandbox  # noqa: F401 - imported before any measurement, as a long run has

    token = Path(tempfile.mkdtemp(prefix="scale-bench")) / "auth_token"  # one for every cluster it starts
    token.write_text(secrets.token_hex(32))
    os.environ["RAY_AUTH_TOKEN_PATH"] = str(token)
    rows = [measure(args, mode, latency) for latency in args.latency for mode in args.modes]
    print(
        "| mode | latency | correct/n | wall (samples) | samples/s | driver CPU/sample | program CPU/sample |"
        " other CPU/sample | program wall/sample | run round trip beyond the program |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['mode']} | {r['latency']:g} s | {r['correct']}/{r['n']} | {r['steady_s']:.1f} s | {r['rate']:.1f} |"
            f" {r['driver_cpu_ms']:.1f} ms | {r['program_cpu_ms']:.1f} ms | {r['outside_cpu_ms']:.1f} ms |"
            f" {r['exec_ms']:.1f} ms | {r['beyond_ms']:.1f} ms |"
        )
    print(
        "\nother CPU: without Ray the sandbox pool's reaped processes (zygote and runs, its start included); with Ray"
        " every live process of the cluster (GCS, raylets, agents, the actors and their sandboxes) over the run"
    )
    single = [r for r in rows if r["mode"] == "single"]
    for r in rows:
        base = next((s for s in single if s["latency"] == r["latency"]), None)
        if base and r["mode"] != "single":
            print(
                f"\nRay overhead per run ({r['mode']}, {r['latency']:g} s): "
                f"{r['beyond_ms'] - base['beyond_ms']:.1f} ms of round trip beyond the program"
            )
    ray_rows = [r for r in rows if r["mode"] != "single"] or rows
    driver = max(r["driver_cpu_ms"] for r in ray_rows) / 1000
    solver = max(r["program_cpu_ms"] for r in ray_rows) / 1000
    print(
        f"\nSimulation: driver {driver * 1000:.1f} ms and solver {solver * 1000:.1f} ms CPU per sample (measured,"
        f" worst Ray mode), {args.model_s:g} s of model time per sample, {args.gpu_slots} requests per GPU replica,"
        f" {args.node_cpus_sim} CPUs per node\n"
    )
    print("\n".join(simulate(driver, solver, args.model_s, args.gpu_slots, args.node_cpus_sim)))


if __name__ == "__main__":
    main()
