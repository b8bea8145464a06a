"""Synthesis job throughput and the cost of its parts (not a test; prints tables).

1. Near-duplicate index (MinHash LSH, `datasketch`) as the kept set grows to 10,000:
   insert and query time at 1k/5k/10k, against the obvious baseline (exact Jaccard of the
   query's 3-gram set against every kept set), and the memory it holds.
2. The sandbox alone: runs per second of a verified Pyomo+HiGHS program.
3. The whole job against the local fake OpenAI server (`testing/fake_openai.py`) with a fixed
   latency per model call, at concurrency 32: problems kept per minute, the job's CPU and peak memory, and how busy the sandbox and the dedup index were.

    .venv/bin/python bench/synth.py [--latency 0.5] [--n 64] [--concurrency 32] [--sizes 1000,5000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the shared test doubles (testing/)

from testing.fake_openai import FakeOpenAI
from testing.scripted import over_http
from testing.synth_script import SynthScript, fresh_workshop
from testing.workshop import GOOD


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def synthetic_texts(count: int, rng: random.Random) -> list[str]:
    """Scenario-like stories: seed sentences recombined, with fresh nouns and numbers."""
    from optagent.synth import load_seeds

    sentences = [step.sentence for seed in load_seeds() for step in seed.steps]
    nouns = [f"item{rng.randrange(10**6)}" for _ in range(5000)]
    texts = []
    for _ in range(count):
        picked = rng.sample(sentences, 6)
        words = " ".join(picked).split()
        for _ in range(8):
            words[rng.randrange(len(words))] = rng.choice(nouns)
        texts.append(" ".join(w if not w[0].isdigit() else str(rng.randrange(1, 5000)) for w in words))
    return texts


def bench_dedup(sizes: list[int]) -> None:
    from optagent.synth.dedup import NearDuplicateIndex, shingles

    rng = random.Random(7)
    texts = synthetic_texts(max(sizes) + 200, rng)
    queries = texts[-200:]
    index = NearDuplicateIndex()
    exact: list[set[bytes]] = []
    print("\n## Near-duplicate index (MinHash LSH, 128 permutations, threshold 0.5)\n")
    print(
        "| kept | insert median ms | insert p95 ms | query median ms | query p95 ms | brute-force query median ms | ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    inserted = 0
    insert_times: list[float] = []
    for size in sizes:
        insert_times = []
        while inserted < size:
            started = time.perf_counter()
            index.claim(f"k{inserted}", texts[inserted])
            insert_times.append(time.perf_counter() - started)
            exact.append(shingles(texts[inserted]))
            inserted += 1
        query_times, brute_times = [], []
        for query in queries:
            started = time.perf_counter()
            index.match(query)
            query_times.append(time.perf_counter() - started)
        for query in queries[:20]:
            started = time.perf_counter()
            grams = shingles(query)
            max(len(grams & other) / len(grams | other) for other in exact)
            brute_times.append(time.perf_counter() - started)
        q, b = statistics.median(query_times), statistics.median(brute_times)
        print(
            f"| {size:,} | {statistics.median(insert_times) * 1e3:.2f} | {percentile(insert_times, 0.95) * 1e3:.2f} "
            f"| {q * 1e3:.2f} | {percentile(query_times, 0.95) * 1e3:.2f} | {b * 1e3:.1f} | {b / q:.0f}x |"
        )
    del index, exact
    started = time.perf_counter()
    rebuilt = NearDuplicateIndex()
    for number, text in enumerate(texts[: max(sizes)]):
        rebuilt.add(f"k{number}", text)
    elapsed = time.perf_counter() - started
    del rebuilt
    tracemalloc.start()
    measured = NearDuplicateIndex()
    for number, text in enumerate(texts[: max(sizes)]):
        measured.add(f"k{number}", text)
    memory = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    print(f"\nRebuilding the index of {max(sizes):,} on resume: {elapsed:.1f} s; it holds {memory:.0f} MB")


async def bench_sandbox(workers: int, runs: int) -> float:
    from optagent.agent.llm import extract_code
    from optagent.core.types import Language, Limits
    from optagent.solvers.sandbox import Sandbox

    code = extract_code(GOOD, Language.PYTHON)
    async with Sandbox(workers=workers) as sandbox:
        await sandbox.run(code, Language.PYTHON, Limits())
        latencies: list[float] = []

        async def one() -> None:
            started = time.perf_counter()
            result = await sandbox.run(code, Language.PYTHON, Limits())
            assert result.objective == 4100, result.error
            latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(runs)))
        elapsed = time.perf_counter() - started
    rate = runs / elapsed
    print(f"\n## Sandbox alone ({workers} workers, {runs} runs of the workshop Pyomo+HiGHS program)\n")
    print("| runs/s | latency median s | latency p95 s |")
    print("|---:|---:|---:|")
    print(f"| {rate:.1f} | {statistics.median(latencies):.2f} | {percentile(latencies, 0.95):.2f} |")
    return rate


class TimedSandbox:
    """Wraps a sandbox to add up what its runs report: wall time in a slot (queueing
    excluded) and CPU time."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.busy_s = 0.0
        self.cpu_s = 0.0
        self.runs = 0

    async def run(self, *args, **kwargs):
        result = await self.sandbox.run(*args, **kwargs)
        self.busy_s += result.timings.wall_s
        self.cpu_s += result.timings.cpu_s
        self.runs += 1
        return result


async def bench_job(latency: float, n: int, concurrency: int, workers: int) -> None:
    from optagent.models import ModelRoles, get_model
    from optagent.solvers.sandbox import Sandbox
    from optagent.synth import SynthSettings, pipeline, run_job

    replies = SynthScript(fresh_workshop)
    claim_times: list[float] = []
    real_claim = pipeline.NearDuplicateIndex.claim

    def timed_claim(self, key, text, **options):
        started = time.perf_counter()
        try:
            return real_claim(self, key, text, **options)
        finally:
            claim_times.append(time.perf_counter() - started)

    pipeline.NearDuplicateIndex.claim = timed_claim
    server = FakeOpenAI(reply=over_http(replies.model), latency_s=latency).start()
    try:
        roles = ModelRoles(get_model("vllm/fake-model", base_url=server.base_url, concurrency=concurrency))
        settings = SynthSettings(n=n, concurrency=concurrency, max_candidates=4 * n, dedup_threshold=0.8)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        with tempfile.TemporaryDirectory() as folder:
            async with Sandbox(workers=workers) as sandbox:
                timed = TimedSandbox(sandbox)
                started = time.perf_counter()
                report = await run_job(settings, roles, Path(folder) / "job", sandbox=timed)
                elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        server.stop()
        pipeline.NearDuplicateIndex.claim = real_claim
    own_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    calls = report.tokens.calls
    print(
        f"\n## Whole job: fake server, {latency:g} s per model call, concurrency {concurrency}, {workers} sandbox workers\n"
    )
    print(
        "| kept | candidates | wall s | kept/min | model calls | calls/s | job CPU s (main) | sandbox CPU s (runs) | main peak RSS MB | sandbox busy | dedup ms/candidate |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {report.kept} | {report.candidates} | {elapsed:.1f} | {report.kept / elapsed * 60:.0f} | {calls} | {calls / elapsed:.1f} "
        f"| {own_cpu:.1f} | {timed.cpu_s:.1f} | {cpu_after.ru_maxrss / 1024:.0f} "
        f"| {timed.busy_s / (workers * elapsed):.0%} of {workers} slots ({timed.runs} runs) "
        f"| {statistics.median(claim_times) * 1e3:.2f} |"
    )
    ideal = concurrency / (8 * latency) * 60
    print(
        f"\nModel-bound ceiling: {concurrency} candidates in flight x 8 sequential calls of {latency:g} s = {ideal:.0f} candidates/min."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: dedup, sandbox, job")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    if "dedup" not in skip:
        bench_dedup([int(size) for size in args.sizes.split(",")])
    if "sandbox" not in skip:
        asyncio.run(bench_sandbox(args.workers, 40))
    if "job" not in skip:
        asyncio.run(bench_job(args.latency, args.n, args.concurrency, args.workers))


if __name__ == "__main__":
    main()
