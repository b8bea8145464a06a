"""TrimR on generated reasoning traces, with and without trimming.

Generates realistic traces (answers reached at varied points, repeated checks in varied
words, distractions, idea switching, loops), serves them from the fake OpenAI server at
50 tokens/s per stream (one 4-character chunk a token) with 32 requests in flight, and
runs every trace twice: plain streaming, and through TrimR with a verifier server that
answers in 40 ms. The servers run in their own process so the client's event loop is not
slowed by theirs.

    .venv/bin/python bench/trimr.py [--traces 64] [--concurrency 32] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared test doubles (testing/)

from optagent.models import get_model
from optagent.models.trimr import TrimRSettings
from optagent.models.trimr.controller import TrimR
from testing.fake_openai import FakeOpenAI
from testing.trimr import ScriptedReasoner, ScriptedVerifier, stated_answer

VERIFIER_LATENCY_S = 0.04
MARKERS = ["Wait", "Hmm", "Let me double-check", "Let me verify", "Alternatively", "But", "However", "Let me check"]


@dataclass
class Trace:
    key: str
    kind: str
    reasoning: str
    content: str
    converged_at: float | None = None  # share of the trace at the end of the 3rd agreeing answer


@dataclass
class Run:
    tokens: int = 0
    wall_s: float = 0.0
    answer: str | None = None
    extra: dict = field(default_factory=dict)


def _work(rng: random.Random) -> str:
    a, b, c = rng.randint(2, 40), rng.randint(2, 40), rng.randint(2, 9)
    sentences = [
        f"The coefficient on x{rng.randint(1, 6)} is {a}, and with {b} units of capacity the slack is {abs(a - b)}.",
        f"Multiplying row {rng.randint(1, 5)} by {c} gives {a * c}, which I compare with the bound {b * c + rng.randint(0, 9)}.",
        f"If the plant opens, the fixed cost {a * 100} is paid once and each unit adds {b}.",
        f"The demand constraint for period {rng.randint(1, 8)} reads {a} + s{c} - s{c - 1} >= {b}.",
        f"Relaxing integrality, the LP bound is {a * b / c:.2f}, so rounding needs care.",
        f"Using {c} trucks of capacity {a} covers {a * c} units against a demand of {b * c}.",
        f"The dual price of constraint {rng.randint(1, 6)} is {c / (a + 1):.3f}, so one more unit is worth little.",
    ]
    return " ".join(rng.sample(sentences, rng.randint(2, 4)))


def _paragraph(rng: random.Random, marker: str | None, answer: str | None, confident: bool = True) -> str:
    opening = f"{marker}, " if marker else ""
    lead = rng.choice(
        [
            "let me recompute the objective",
            "checking the constraints again",
            "I want to be sure",
            "reconsider the binding rows",
            "trying the other branch",
            "looking at the cost terms",
        ]
    )
    text = f"{opening}{lead}. {_work(rng)}"
    if answer is not None:
        if confident:
            end = rng.choice(
                ["So the answer is", "Therefore the answer is", "That confirms the answer is", "Hence the answer is"]
            )
        else:
            end = rng.choice(["Maybe the answer is", "Perhaps the answer is", "For now the answer is"])
        text += f" {end} {answer}."
    return text + "\n\n"


def _cycle(rng: random.Random) -> str:
    return " ".join(_work(rng).split()[:40]) + " and substituting back returns the same expression as before. "


def generate(count: int, seed: int) -> list[Trace]:
    rng = random.Random(seed)
    kinds = ["early"] * 12 + ["late"] * 5 + ["switching"] * 5 + ["loop"] * 4 + ["normal"] * 6
    traces = []
    for number in range(count):
        kind = kinds[number % len(kinds)]
        answer = str(rng.randint(100, 9999))
        parts = [_paragraph(rng, None, None) for _ in range(rng.randint(1, 3))]
        converged = None
        if kind == "early":
            parts.append(_paragraph(rng, rng.choice(MARKERS), answer))
            agreeing = 1
            for _ in range(rng.randint(8, 16)):
                has = rng.random() > 0.3
                parts.append(_paragraph(rng, rng.choice(MARKERS), answer if has else None))
                agreeing += has
                if agreeing == 3 and converged is None:
                    converged = len("".join(parts))
        elif kind == "late":
            for _ in range(rng.randint(4, 9)):
                parts.append(_paragraph(rng, rng.choice(MARKERS), str(rng.randint(100, 9999)), confident=False))
                parts.append(_paragraph(rng, rng.choice(MARKERS), None))
            for i in range(rng.randint(3, 4)):
                parts.append(_paragraph(rng, rng.choice(MARKERS), answer))
                if i == 2:
                    converged = len("".join(parts))
        elif kind == "switching":
            for _ in range(rng.randint(24, 30)):
                answer = str(rng.randint(100, 9999))
                parts.append(_paragraph(rng, rng.choice(MARKERS), answer, confident=False))
        elif kind == "loop":
            parts.append(_paragraph(rng, rng.choice(MARKERS), None))
            parts.append(_cycle(rng) * rng.randint(6, 12) + "\n\n")
            parts.append(_paragraph(rng, rng.choice(MARKERS), answer))
        else:
            for _ in range(rng.randint(2, 5)):
                parts.append(_paragraph(rng, rng.choice(MARKERS), None))
            parts.append(_paragraph(rng, rng.choice(MARKERS), answer))
        reasoning = "".join(parts)
        traces.append(
            Trace(
                f"trace-{number}",
                kind,
                reasoning,
                f"The answer is {answer}.",
                converged / len(reasoning) if converged else None,
            )
        )
    return traces


def _serve(traces: dict[str, tuple[str, str]], delay_s: float, ports, stop) -> None:
    with (
        FakeOpenAI(
            models=("bench-qwen3-thinker",), reply=ScriptedReasoner(traces), chunk_chars=4, chunk_delay_s=delay_s
        ) as r,
        FakeOpenAI(models=("bench-qwen2.5-verifier",), reply=ScriptedVerifier(), latency_s=VERIFIER_LATENCY_S) as v,
    ):
        ports.put((r.base_url, v.base_url))
        stop.wait()


async def _plain(model, trace: Trace) -> Run:
    started = time.perf_counter()
    stream = model.stream(trace.key)
    tokens, text = 0, []
    async for delta in stream:
        tokens += bool(delta.reasoning)
        text.append(delta.text)
    return Run(tokens, time.perf_counter() - started, stated_answer("".join(text)))


async def _trimmed(trimr: TrimR, trace: Trace) -> Run:
    output = await trimr.generate(trace.key)
    s = output.trimr
    if s.verifier_error:
        print(f"{trace.key}: verifier failed: {s.verifier_error}")
    return Run(s.thinking_tokens, s.wall_s, stated_answer(output.text), s.model_dump())


async def _all(call, traces: list[Trace], concurrency: int) -> list[Run]:
    gate = asyncio.Semaphore(concurrency)

    async def one(trace: Trace) -> Run:
        async with gate:
            return await call(trace)

    return await asyncio.gather(*(one(t) for t in traces))


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(traces: list[Trace], plain: list[Run], trimmed: list[Run], rate: float) -> None:
    groups = {
        "converges < 50%": [i for i, t in enumerate(traces) if t.converged_at is not None and t.converged_at < 0.5],
        "converges >= 50%": [i for i, t in enumerate(traces) if t.converged_at is not None and t.converged_at >= 0.5],
        "switching": [i for i, t in enumerate(traces) if t.kind == "switching"],
        "loop": [i for i, t in enumerate(traces) if t.kind == "loop"],
        "normal": [i for i, t in enumerate(traces) if t.kind == "normal"],
        "all": list(range(len(traces))),
    }
    print(
        f"{'traces':<18}{'n':>4} {'tokens plain med/p95':>21} {'tokens TrimR med/p95':>21} {'saved':>7}"
        f" {'wall plain med/p95 s':>21} {'wall TrimR med/p95 s':>21} {'changed':>8}  rules"
    )
    for name, idx in groups.items():
        if not idx:
            continue
        p_tok = [plain[i].tokens for i in idx]
        t_tok = [trimmed[i].tokens for i in idx]
        p_wall = [plain[i].wall_s for i in idx]
        t_wall = [trimmed[i].wall_s for i in idx]
        saved = 1 - sum(t_tok) / sum(p_tok)
        changed = sum(plain[i].answer != trimmed[i].answer for i in idx)
        rules: dict[str, int] = {}
        for i in idx:
            rule = trimmed[i].extra["rule"] or "none"
            rules[rule] = rules.get(rule, 0) + 1
        print(
            f"{name:<18}{len(idx):>4} {statistics.median(p_tok):>10.0f} {_q(p_tok, 0.95):>10.0f}"
            f" {statistics.median(t_tok):>10.0f} {_q(t_tok, 0.95):>10.0f} {saved:>7.1%}"
            f" {statistics.median(p_wall):>10.2f} {_q(p_wall, 0.95):>10.2f}"
            f" {statistics.median(t_wall):>10.2f} {_q(t_wall, 0.95):>10.2f} {changed:>8}  "
            + ", ".join(f"{k} {v}" for k, v in sorted(rules.items()))
        )
    stats = [r.extra for r in trimmed]
    calls = sum(s["verifier_calls"] for s in stats)
    busy = sum(s["verifier_latency_s"] for s in stats)
    lag_s = sum((s["thinking_tokens"] - s["kept_tokens"]) / rate for s in stats if s["rule"])
    wall = sum(s["wall_s"] for s in stats)
    never_cut = [i for i, s in enumerate(stats) if s["rule"] is None]
    slowdown = [trimmed[i].wall_s / plain[i].wall_s - 1 for i in never_cut]
    print()
    print(
        f"verifier: {calls} calls, {calls / len(stats):.1f} per request, mean latency {busy / max(calls, 1) * 1000:.0f} ms,"
        f" max {max(s['verifier_latency_max_s'] for s in stats) * 1000:.0f} ms"
    )
    print(
        f"verifier overhead: tokens streamed past the deciding thought while verdicts were pending = "
        f"{lag_s:.1f} s of {wall:.1f} s TrimR wall time ({lag_s / wall:.1%})"
    )
    if slowdown:
        print(
            f"never-cut requests: wall time vs plain, median {statistics.median(slowdown):+.1%},"
            f" p95 {_q(slowdown, 0.95):+.1%} (n={len(slowdown)})"
        )


async def main_async(args: argparse.Namespace) -> None:
    traces = generate(args.traces, args.seed)
    context = multiprocessing.get_context("fork")
    ports, stop = context.Queue(), context.Event()
    server = context.Process(
        target=_serve, args=({t.key: (t.reasoning, t.content) for t in traces}, 1 / args.rate, ports, stop)
    )
    server.start()
    try:
        reasoning_url, verifier_url = ports.get(timeout=30)
        model = get_model("vllm/bench-qwen3-thinker", base_url=reasoning_url, concurrency=4 * args.concurrency)
        verifier = get_model("vllm/bench-qwen2.5-verifier", base_url=verifier_url, concurrency=16 * args.concurrency)
        trimr = TrimR(model, verifier, TrimRSettings())
        print(
            f"{len(traces)} traces, {args.concurrency} in flight, {args.rate:g} tokens/s per stream, "
            f"verifier latency {VERIFIER_LATENCY_S * 1000:.0f} ms"
        )
        started = time.perf_counter()
        plain = await _all(lambda t: _plain(model, t), traces, args.concurrency)
        plain_s = time.perf_counter() - started
        started = time.perf_counter()
        trimmed = await _all(lambda t: _trimmed(trimr, t), traces, args.concurrency)
        trimmed_s = time.perf_counter() - started
        print(f"total wall: plain {plain_s:.1f} s, TrimR {trimmed_s:.1f} s ({1 - trimmed_s / plain_s:.1%} less)\n")
        report(traces, plain, trimmed, args.rate)
    finally:
        stop.set()
        server.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=50.0, help="tokens per second per stream")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
