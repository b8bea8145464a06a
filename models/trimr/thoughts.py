"""Splitting a streamed reasoning trace into thoughts, as the deltas arrive.

A thought ends where the next paragraph opens with a reflection marker ("Wait",
"Alternatively", "Let me double-check", ...): that is where reasoning models change course
or re-check, so each thought is one unit the verifier can judge. Markers only count at a
paragraph start, so "wait" inside a sentence never splits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


class Thought(BaseModel):
    """One finished thought: `text[start:end]` of the whole trace."""

    index: int
    start: int
    end: int
    text: str


class ThoughtSplitter:
    """Feed reasoning text piece by piece; get back the thoughts each piece finished.

    A paragraph start is classified only once enough text follows it to tell a marker
    from a word that merely begins like one ("Butter" is not "But").
    """

    def __init__(self, markers: Sequence[str]) -> None:
        if not markers:
            raise ValueError("ThoughtSplitter needs at least one reflection marker")
        self._markers = tuple(sorted(markers, key=len, reverse=True))
        self._longest = len(self._markers[0])
        self.text = ""
        self._thought_start = 0
        self._scan = 0
        self._count = 0

    def feed(self, piece: str) -> list[Thought]:
        self.text += piece
        finished: list[Thought] = []
        while True:
            found = _PARAGRAPH_BREAK.search(self.text, self._scan)
            if found is None:
                # Keep a trailing "\n" (or "\n ") in view: it may become a break.
                self._scan = max(self._thought_start, self.text.rfind("\n"), self._scan)
                return finished
            paragraph = found.end()
            verdict = self._opens_with_marker(paragraph)
            if verdict is None:
                self._scan = found.start()
                return finished
            if verdict and paragraph > self._thought_start:
                finished.append(self._close(paragraph))
            self._scan = paragraph

    def finish(self) -> Thought | None:
        """The last thought, when the trace ended (or was cut) after it."""
        if len(self.text) <= self._thought_start or not self.text[self._thought_start :].strip():
            return None
        return self._close(len(self.text))

    @property
    def boundary(self) -> int:
        """Where the last finished thought ended (0 before the first)."""
        return self._thought_start

    @property
    def thoughts_finished(self) -> int:
        return self._count

    def _opens_with_marker(self, position: int) -> bool | None:
        """True or False when decidable, None while too little text follows `position`."""
        ahead = self.text[position : position + self._longest + 1]
        for marker in self._markers:
            if ahead.startswith(marker):
                after = ahead[len(marker) : len(marker) + 1]
                if not after:
                    return None
                if not after.isalnum():
                    return True
        if len(ahead) > self._longest:
            return False
        return None if any(m.startswith(ahead) for m in self._markers) else False

    def _close(self, end: int) -> Thought:
        thought = Thought(
            index=self._count, start=self._thought_start, end=end, text=self.text[self._thought_start : end]
        )
        self._count += 1
        self._thought_start = end
        return thought
