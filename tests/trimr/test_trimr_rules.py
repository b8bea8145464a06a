"""Thought splitting and the three stopping rules, fed piece by piece as a stream would."""

from __future__ import annotations

import random

import pytest

from optagent.models.trimr.rules import Convergence, LoopDetector, underthinking
from optagent.models.trimr.settings import TrimRSettings
from optagent.models.trimr.thoughts import ThoughtSplitter

MARKERS = ["Wait", "But", "Alternatively", "Hmm", "Let me double-check"]


def _pieces(text: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces, i = [], 0
    while i < len(text):
        step = rng.randint(1, 6)
        pieces.append(text[i : i + step])
        i += step
    return pieces


TRACE = (
    "First compute 6 times 7.\nThat is 42.\n\n"
    "Wait, is it 42? Yes.\n\n"
    "Butter is not a marker, nor is Waiting.\n\n"
    "  Let me double-check: 6*7=42.\n\n"
    "Hmm\n\nthe end, but wait here is inline."
)


@pytest.mark.parametrize("seed", range(20))
def test_thoughts_split_at_markers_at_paragraph_starts_whatever_the_chunking(seed):
    splitter = ThoughtSplitter(MARKERS)
    thoughts = [t for piece in _pieces(TRACE, seed) for t in splitter.feed(piece)]
    last = splitter.finish()
    texts = [t.text for t in thoughts] + [last.text]
    assert "".join(texts) == TRACE
    assert [t.split("\n")[0].strip()[:12] for t in texts] == [
        "First comput",
        "Wait, is it ",
        "Let me doubl",
        "Hmm",
    ]
    assert "Butter" in texts[1] and "Waiting" in texts[1]
    assert [t.index for t in thoughts] == [0, 1, 2]


def test_a_marker_split_across_deltas_waits_for_the_next_character():
    splitter = ThoughtSplitter(MARKERS)
    assert splitter.feed("x = 1.\n\nBu") == []
    assert splitter.feed("t") == []
    assert [t.text for t in splitter.feed(" no.")] == ["x = 1.\n\n"]


def test_convergence_needs_m_consecutive_equivalent_answers_and_resets_on_mismatch():
    c = Convergence(agreeing_answers=2)
    assert not c.observe(True, None)  # first answer
    assert not c.observe(True, True)  # 2 agree
    assert not c.observe(True, False)  # switched: reset
    assert not c.observe(False, None)  # no answer: neither counts nor resets
    assert not c.observe(True, True)
    assert c.converging
    assert c.observe(True, True)  # 3 agreeing in a row


def test_underthinking_fires_on_half_budget_or_many_thoughts_unless_converging():
    s = TrimRSettings(thinking_budget=1000)
    assert not underthinking(5, 499, False, s, count_tokens=True)
    assert underthinking(5, 500, False, s, count_tokens=True)
    assert not underthinking(5, 900, False, s, count_tokens=False)
    assert underthinking(20, 10, False, s, count_tokens=True)
    assert not underthinking(25, 900, True, s, count_tokens=True)


def test_loop_detector_cuts_after_one_cycle():
    s = TrimRSettings(repetition_ngram=8, repetition_count=3)
    prefix = "We set up the model with three variables and two constraints first. "
    cycle = "Then x plus y equals ten so x equals ten minus y and substituting gives back the same equation. "
    text = prefix + cycle * 5
    detector = LoopDetector(s)
    cut = None
    for piece in _pieces(text, 1):
        cut = cut if cut is not None else detector.feed(piece)
    assert cut == len(prefix) + len(cycle)


def test_loop_detector_ignores_varied_text():
    s = TrimRSettings(repetition_ngram=8, repetition_count=3)
    rng = random.Random(0)
    words = [f"w{rng.randint(0, 50)}" for _ in range(3000)]
    detector = LoopDetector(s)
    assert detector.feed(" ".join(words) + " ") is None
