"""The verifier: two Yes/No questions per thought, answered from one token's logprobs.

Nothing is decoded: the verifier model is asked for a single token with its top
logprobs, and the probability mass on "Yes" is weighed against the mass on "No" (any
casing, with or without a leading space, as tokenizers differ). That costs one prefill
and one decoding step per question, so it keeps up with the reasoning stream.

As in the paper, the verifier sees the question being reasoned about and a few worked
examples before the sentences it judges; those come first in its prompt, so every question
of one request shares a prefix the server's prefix cache serves.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from optagent.core.types import Message
from optagent.prompts import render

AskToken = Callable[[str], Awaitable[dict[str, float]]]
"""Sends one question to the verifier model; returns the first token's top logprobs."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class VerifierCall(BaseModel):
    """One question asked, for the run log."""

    thought: int
    question: str
    p_yes: float
    latency_s: float


def last_sentences(text: str, count: int) -> str:
    """The last `count` sentences of a thought: where a thought states its conclusion."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    return " ".join(sentences[-count:])


def question_of(messages: list[Message], chars: int) -> str:
    """The question a request asks (its last user message), its start and end when longer than `chars`."""
    text = next((m.content for m in reversed(messages) if m.role == "user"), "").strip()
    if len(text) <= chars:
        return text
    half = chars // 2
    return text[:half].rstrip() + "\n[…]\n" + text[-half:].lstrip()


def p_yes(top_logprobs: dict[str, float]) -> float:
    """P(Yes) / (P(Yes) + P(No)) over the token's top alternatives; 0 when neither is there."""
    mass = {"yes": 0.0, "no": 0.0}
    for token, logprob in top_logprobs.items():
        word = token.strip().lower()
        if word in mass:
            mass[word] += math.exp(logprob)
    total = mass["yes"] + mass["no"]
    return mass["yes"] / total if total > 0 else 0.0


class Verifier:
    """Asks the two TrimR questions and records every call with its latency."""

    def __init__(self, ask: AskToken, *, sentences: int, concurrency: int, question: str = "") -> None:
        self._ask = ask
        self._sentences = sentences
        self._question = question
        self._gate = asyncio.Semaphore(concurrency)
        self.calls: list[VerifierCall] = []

    async def has_answer(self, thought: int, text: str) -> bool:
        question = render("trimr/has_answer", question=self._question, sentences=last_sentences(text, self._sentences))
        return await self._yes(thought, "has_answer", question)

    async def equivalent(self, thought: int, previous: str, current: str) -> bool:
        question = render(
            "trimr/equivalent",
            question=self._question,
            previous=last_sentences(previous, self._sentences),
            current=last_sentences(current, self._sentences),
        )
        return await self._yes(thought, "equivalent", question)

    async def _yes(self, thought: int, name: str, question: str) -> bool:
        async with self._gate:
            started = time.perf_counter()
            top = await self._ask(question)
            latency = time.perf_counter() - started
        probability = p_yes(top)
        self.calls.append(VerifierCall(thought=thought, question=name, p_yes=probability, latency_s=latency))
        return probability > 0.5
