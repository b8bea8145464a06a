"""The three reasons to stop thinking: overthinking, underthinking, repetition.

Each rule is a small state machine fed in stream order; none of them talks to a server,
so they are tested and reasoned about on their own.
"""

from __future__ import annotations

import re
from collections import deque
from enum import StrEnum

from optagent.models.trimr.settings import TrimRSettings


class Rule(StrEnum):
    OVERTHINKING = "overthinking"
    UNDERTHINKING = "underthinking"
    REPETITION = "repetition"


class Convergence:
    """Overthinking: M consecutive answer-bearing thoughts that agree with their predecessor.

    Thoughts without an answer neither count nor reset; a different answer resets.
    """

    def __init__(self, agreeing_answers: int) -> None:
        self._needed = agreeing_answers
        self.streak = 0
        self.answers = 0

    def observe(self, has_answer: bool, equivalent: bool | None) -> bool:
        """Record one thought's verdict; True when the trace has converged."""
        if not has_answer:
            return False
        self.answers += 1
        self.streak = self.streak + 1 if equivalent else 0
        return self.streak >= self._needed

    @property
    def converging(self) -> bool:
        return self.streak > 0


def underthinking(thoughts: int, tokens: int, converging: bool, settings: TrimRSettings, *, count_tokens: bool) -> bool:
    """Long or scattered thinking that is not settling on an answer.

    `count_tokens` is False when the server enforces the token half of the rule natively.
    """
    if converging:
        return False
    over_budget = count_tokens and tokens >= settings.underthinking_tokens
    return over_budget or thoughts >= settings.underthinking_thoughts


_WORD = re.compile(r"\S+")
_MODULUS = (1 << 61) - 1
_BASE = 1_000_003


class LoopDetector:
    """Repetition: a Rabin-Karp rolling hash over the last `repetition_ngram` words.

    When one window has occurred `repetition_count` times within the horizon, the trace
    is looping; the cut keeps one full cycle and drops the repeats.
    """

    def __init__(self, settings: TrimRSettings) -> None:
        self._n = settings.repetition_ngram
        self._count = settings.repetition_count
        self._horizon = settings.repetition_horizon
        self._high = pow(_BASE, self._n - 1, _MODULUS)
        self._pending = ""
        self._pending_start = 0
        self._words: deque[tuple[int, int]] = deque()  # (word hash, start char)
        self._hash = 0
        self._index = 0
        self._seen: dict[int, deque[tuple[int, int]]] = {}  # window hash -> (window index, start char)

    def feed(self, piece: str) -> int | None:
        """Add text; returns the character offset to cut at once a loop is found."""
        text = self._pending + piece
        base = self._pending_start
        complete_until = max(text.rfind(c) for c in " \n\t\r") + 1
        cut = None
        for match in _WORD.finditer(text, 0, complete_until):
            if cut is None:
                cut = self._add(match.group(), base + match.start())
        self._pending = text[complete_until:]
        self._pending_start = base + complete_until
        return cut

    def _add(self, word: str, start: int) -> int | None:
        value = hash(word) % _MODULUS
        if len(self._words) == self._n:
            old, _ = self._words.popleft()
            self._hash = (self._hash - old * self._high) % _MODULUS
        self._words.append((value, start))
        self._hash = (self._hash * _BASE + value) % _MODULUS
        self._index += 1
        if len(self._words) < self._n:
            return None
        window = self._index - self._n
        positions = self._seen.setdefault(self._hash, deque())
        while positions and positions[0][0] < window - self._horizon:
            positions.popleft()
        positions.append((window, self._words[0][1]))
        if len(positions) >= self._count:
            return positions[1][1]
        return None
