"""Eval runner throughput: N problems at concurrency C against a model with a fixed latency.

A local OpenAI-compatible fake server (testing/fake_openai.py), in its own process as a real
server would be, answers every call after `--latency` seconds with a canned Pyomo + HiGHS program (or, with `--reply none`, with
no program, which leaves the sandbox idle and isolates the runner's own overhead); the real runner drives the real
agent (strategy `direct`, no explanation: one model call per problem) and the real sandbox,
scores each answer and commits it to a run log. The ideal wall time is
problems x latency / concurrency; with a fixed latency the requests go in whole waves, so no
client can beat ceil(problems / concurrency) x latency (the wave floor); and no run beats
the CPU everything used (runner, sandbox, server) divided by the cores. The runner's
overhead is the wall time above the highest of these floors.

    .venv/bin/python bench/harness.py --problems 500 --concurrency 64 --latency 1.0

Prints a table: wall time vs ideal, the harness process's CPU (runner, agent graph, model
client, log writer) and peak memory, the fake server's CPU and the sandbox's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the shared test doubles (testing/)

from testing.fake_openai import FakeOpenAI

PROGRAM = (ROOT / "examples" / "production_pyomo.py").read_text()
REPLIES = {
    "pyomo": f"Here is the model.\n\n```python\n{PROGRAM}```\n",
    # No program: the sandbox stays idle, isolating the runner, agent graph and model client.
    "none": "I cannot write a program for this problem.",
}


def serve(reply: str, latency_s: float, conn) -> None:
    """The fake server's process: sends its base URL, then its counters and CPU when told to stop."""
    with FakeOpenAI(reply=reply, latency_s=latency_s) as server:
        conn.send(server.base_url)
        conn.recv()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        conn.send((len(server.requests), server.max_in_flight, usage.ru_utime + usage.ru_stime))


class Timed:
    """The agent producer, recording when the first sample started and the last one ended."""

    def __init__(self, producer):
        self.producer = producer
        self.source = producer.source
        self.first_start: float | None = None
        self.last_end = 0.0

    def plan(self, problems, known):
        return self.producer.plan(problems, known)

    async def produce(self, problem, sample, sandbox):
        self.first_start = self.first_start or time.perf_counter()
        try:
            return await self.producer.produce(problem, sample, sandbox)
        finally:
            self.last_end = time.perf_counter()


async def run(args: argparse.Namespace, base_url: str, out: Path, timed: list[Timed]):
    from rich.console import Console

    from optagent.agent.context import AgentSettings
    from optagent.evals.log import RunHeader
    from optagent.evals.producers import AgentProducer
    from optagent.evals.runner import EvalConfig, run_eval
    from optagent.models import ModelRoles

    roles = ModelRoles.from_specs("vllm/fake-model", base_url=base_url, concurrency=args.concurrency, timeout_s=60.0)
    settings = AgentSettings.for_strategy("direct", explain=False)
    config = EvalConfig(
        benchmark=args.benchmark,
        out=out,
        data_dir=args.data,
        limit=args.problems,
        concurrency=args.concurrency,
        workers=args.workers,
    )
    header = RunHeader(
        benchmark=args.benchmark,
        source="agent",
        models=roles.specs(),
        strategy="direct",
        settings=settings.model_dump(mode="json"),
    )
    console = Console(stderr=True, quiet=not args.progress)
    timed.append(Timed(AgentProducer(roles, settings, samples=1)))
    return await run_eval(config, timed[0], header, console=console)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per model call")
    parser.add_argument("--workers", type=int, default=None, help="sandbox workers (default: min(C, CPUs))")
    parser.add_argument("--benchmark", default="optibench")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--reply", choices=sorted(REPLIES), default="pyomo", help="the canned answer")
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(REPLIES[args.reply], args.latency, theirs)
    )
    server.start()
    base_url = ours.recv()
    with tempfile.TemporaryDirectory() as tmp:
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        timed: list[Timed] = []
        result = asyncio.run(run(args, base_url, Path(tmp) / "run", timed))
        wall = time.perf_counter() - started
        self_after = resource.getrusage(resource.RUSAGE_SELF)
    ours.send("stop")
    requests, peak_in_flight, server_cpu = ours.recv()
    server.join()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)

    summary = result.summary
    ideal = summary.n * args.latency / args.concurrency
    waves = math.ceil(summary.n / args.concurrency) * args.latency
    steady = timed[0].last_end - (timed[0].first_start or 0.0)
    exec_floor = sum(r.timings.exec_s for r in result.records) / (
        args.workers or min(args.concurrency, os.cpu_count() or 1)
    )
    cpu = (self_after.ru_utime - self_before.ru_utime) + (self_after.ru_stime - self_before.ru_stime)
    sandbox_cpu = children.ru_utime + children.ru_stime - server_cpu
    cpu_floor = (cpu + server_cpu + sandbox_cpu) / (os.cpu_count() or 1)
    seconds = summary.seconds_per_sample
    rows = [
        ("problems scored", f"{summary.n}"),
        ("outcomes", ", ".join(f"{k}={v}" for k, v in summary.outcomes.items())),
        ("canned reply", args.reply),
        ("concurrency / latency", f"{args.concurrency} / {args.latency:.2f} s"),
        ("model calls (peak in flight)", f"{requests} ({peak_in_flight})"),
        ("ideal wall (n x latency / C)", f"{ideal:.2f} s"),
        ("wave floor (ceil(n / C) x latency)", f"{waves:.2f} s"),
        ("sandbox floor (sum exec wall / workers)", f"{exec_floor:.2f} s"),
        (f"CPU floor (all CPU used / {os.cpu_count()} cores)", f"{cpu_floor:.2f} s"),
        ("wall, whole command", f"{wall:.2f} s"),
        ("  setup (imports, data, sandbox start)", f"{wall - steady:.2f} s"),
        ("  first sample start to last sample end", f"{steady:.2f} s"),
        ("steady / ideal", f"{steady / ideal:.3f}"),
        ("steady / wave floor", f"{steady / waves:.3f}"),
        ("wall / ideal", f"{wall / ideal:.3f}"),
        ("per sample median / p95", f"{seconds.median:.2f} / {seconds.p95:.2f} s" if seconds else "-"),
        ("harness CPU (user+sys)", f"{cpu:.2f} s ({cpu / wall:.0%} of one core)"),
        ("harness peak RSS", f"{self_after.ru_maxrss / 1024:.0f} MiB"),
        ("fake server CPU (own process)", f"{server_cpu:.2f} s"),
        ("sandbox CPU (zygote + runs)", f"{sandbox_cpu:.2f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if result.warnings:
        print(f"{len(result.warnings)} warnings, first: {result.warnings[0]}")


if __name__ == "__main__":
    main()
