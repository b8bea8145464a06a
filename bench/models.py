"""Per-call overhead of the model client against the loopback fake server.

Compares `generate`, `stream` and `complete` with the obvious baseline, a bare
`httpx.AsyncClient` POST of the same request (both reuse one keep-alive connection), and
shows the in-process cost of the `mock` provider. The fake server answers instantly, so
the numbers are client + loopback cost, the floor under any real model's latency.

    .venv/bin/python bench/models.py [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test doubles (testing/)

from optagent.models import get_model
from testing.fake_openai import FakeOpenAI

MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello."}]


async def timed(call: Callable[[], Awaitable[object]], calls: int) -> list[float]:
    for _ in range(20):
        await call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


async def main(calls: int) -> None:
    with FakeOpenAI(reply="Hello from the fake server, a reply of a few dozen characters.") as server:
        model = get_model("vllm/fake-model", base_url=server.base_url)
        mock = get_model("mock", replies=lambda call: "Hello from the mock.")
        body = {"model": "fake-model", "messages": MESSAGES}
        async with httpx.AsyncClient(base_url=server.base_url) as raw:

            async def baseline() -> object:
                response = await raw.post("/chat/completions", json=body)
                return response.json()["choices"][0]["message"]["content"]

            async def baseline_stream() -> object:
                async with raw.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
                    return [line async for line in response.aiter_lines() if line.startswith("data: ")]

            async def streamed() -> object:
                return await model.stream(MESSAGES).text()

            # Streams are compared with the bare SSE read, everything else with the bare POST.
            rows = {
                "httpx POST (baseline)": await timed(baseline, calls),
                "generate": await timed(lambda: model.generate(MESSAGES), calls),
                "httpx SSE read (baseline)": await timed(baseline_stream, calls),
                "stream (16 chunks)": await timed(streamed, calls),
                "complete (logprobs=5)": await timed(lambda: model.complete("Say hello.", logprobs=5), calls),
                "mock generate": await timed(lambda: mock.generate(MESSAGES), calls),
            }
            started = time.perf_counter()
            await asyncio.gather(*(model.generate(MESSAGES) for _ in range(calls)))
            concurrent = calls / (time.perf_counter() - started)
    base = statistics.median(rows["httpx POST (baseline)"])
    stream_base = statistics.median(rows["httpx SSE read (baseline)"])
    print(f"{calls} sequential calls each, loopback fake server (same process, own thread)\n")
    print(f"| {'call':26} | median ms | p95 ms | vs baseline |")
    print(f"|{'-' * 28}|-----------|--------|-------------|")
    for name, times in rows.items():
        median = statistics.median(times)
        ratio = median / (stream_base if name.startswith("stream") else base)
        print(f"| {name:26} | {median * 1000:9.2f} | {p95(times) * 1000:6.2f} | {ratio:10.2f}x |")
    print(f"\nconcurrent generate (limit 16 per endpoint): {concurrent:.0f} calls/s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))
