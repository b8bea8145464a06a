"""Watching one reasoning stream: thoughts, verifier verdicts in order, and the cut.

The stream is never blocked by the verifier: each finished thought starts a task that
asks its questions, and the verdicts are applied strictly in thought order (a task waits
for its predecessor before it updates the rules), so the outcome does not depend on
which verifier call returns first.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Sequence

from pydantic import BaseModel

from optagent.models.trimr.rules import Convergence, LoopDetector, Rule, underthinking
from optagent.models.trimr.settings import TrimRSettings
from optagent.models.trimr.thoughts import Thought, ThoughtSplitter
from optagent.models.trimr.verifier import Verifier


class Cut(BaseModel):
    """Where to stop: keep `reasoning[:position]`."""

    rule: Rule
    position: int
    thought: int | None


class Monitor:
    """Feed reasoning pieces (one per streamed token); `cut` is set once a rule fires."""

    def __init__(self, settings: TrimRSettings, markers: Sequence[str], verifier: Verifier) -> None:
        self._settings = settings
        self._verifier = verifier
        self._splitter = ThoughtSplitter(markers)
        self._convergence = Convergence(settings.agreeing_answers)
        self._loops = None if settings.native_repetition_detection else LoopDetector(settings)
        self._ends: list[int] = []  # reasoning length after each token
        self._last: asyncio.Task[str | None] | None = None
        self._tasks: list[asyncio.Task[str | None]] = []
        self.cut: Cut | None = None
        self.verifier_error: str | None = None

    @property
    def text(self) -> str:
        return self._splitter.text

    @property
    def tokens(self) -> int:
        return len(self._ends)

    @property
    def thoughts(self) -> int:
        return self._splitter.thoughts_finished

    def tokens_until(self, position: int) -> int:
        """Tokens streamed by the time `reasoning[:position]` was complete."""
        return 0 if position <= 0 else bisect.bisect_left(self._ends, position) + 1

    def feed(self, piece: str) -> None:
        if self.cut is not None or not piece:
            return
        for thought in self._splitter.feed(piece):
            self._judge(thought)
        self._ends.append(len(self.text))
        if self._loops is not None and (position := self._loops.feed(piece)) is not None:
            self._decide(Rule.REPETITION, position, None)
        elif self.tokens >= self._settings.thinking_budget and not self._settings.native_thinking_budget:
            # The whole budget is spent: a hard stop at the last thought boundary.
            boundary = self._splitter.boundary or len(self.text)
            self._decide(Rule.UNDERTHINKING, boundary, self.thoughts - 1 if self.thoughts else None)

    async def close(self) -> None:
        """Stop verifier work still in flight (the stream ended or was cut).

        A failed verifier call does not fail the answer: the thinking just runs on
        untrimmed from that thought, and the first error is kept for the log.
        """
        for task in self._tasks:
            task.cancel()
        outcomes = await asyncio.gather(*self._tasks, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, asyncio.CancelledError)]
        if failures and self.verifier_error is None:
            self.verifier_error = f"{type(failures[0]).__name__}: {failures[0]}".splitlines()[0]

    def _judge(self, thought: Thought) -> None:
        task = asyncio.create_task(self._verdict(thought, self._last, self.tokens))
        self._tasks.append(task)
        self._last = task

    async def _verdict(
        self, thought: Thought, previous_task: asyncio.Task[str | None] | None, tokens: int
    ) -> str | None:
        """Judge one thought; returns the text of the latest answer-bearing thought so far."""
        has_answer = await self._verifier.has_answer(thought.index, thought.text)
        previous = await previous_task if previous_task is not None else None
        if self.cut is not None:
            return previous
        equivalent = None
        if has_answer and previous is not None:
            equivalent = await self._verifier.equivalent(thought.index, previous, thought.text)
        if self.cut is not None:
            return previous
        if self._convergence.observe(has_answer, equivalent):
            self._decide(Rule.OVERTHINKING, thought.end, thought.index)
        elif underthinking(
            thought.index + 1,
            tokens,
            self._convergence.converging,
            self._settings,
            count_tokens=not self._settings.native_thinking_budget,
        ):
            self._decide(Rule.UNDERTHINKING, thought.end, thought.index)
        return thought.text if has_answer else previous

    def _decide(self, rule: Rule, position: int, thought: int | None) -> None:
        if self.cut is None:
            self.cut = Cut(rule=rule, position=position, thought=thought)
