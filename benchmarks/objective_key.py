"""Which of an OptiBench problem's named results is the objective value.

OptiBench labels each problem with a dict from human-readable names to values, mostly
decision variables plus the optimum; the objective is usually, not always, the last key
(index 4 puts it first, some problems list none). The key is chosen from the question
alone, never from a program's output (which would let a wrong program pick the key it
matches).

First, a key naming what the question says it optimises wins outright: its head noun
phrase (after "the total number of" / "the amount of") is the head of the phrase after
"maximize"/"minimize"/"reduce", or one starts the other ("minimize the total number of
scooters used" picks "The number of scooters" over "The total number of vehicles used").
This applies only when exactly one key names it, and not to a coordination ("the number
of limousines and buses" names a sum). Otherwise the heuristic scores each key:

- +3 when the key contains an objective word (total, maximum, minimum, optimal, profit,
  cost, revenue, ratio, efficiency, average, ...);
- +2, plus 1 per extra word, when the key shares words with the goal of the question, the
  head noun phrase after "maximize"/"minimize"/"reduce", after a superlative ("smallest
  perimeter", "least amount of surface area"; not "at least"), or before "is a maximum";
  "the total number of" / "the amount of" are skipped so the head is the thing counted;
- -2 when the key reads like a decision variable ("The number of ...", "Amount to invest
  ...", "Whether ...") and has no objective word.

The highest score wins and ties go to the later key. No key scoring above zero, or a tie
between keys with no objective word (two vehicle counts when the goal is "the total number
of vans"), means the problem has no identifiable objective key: its objective-only and
strict scores are left undefined rather than guessed. On the published file this picks
the last key for 582 problems, another key for 14 and none for 9 (see tests).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_OBJECTIVE_WORDS = (
    "total maximum minimum maximal minimal maximized minimized optimal optimum objective profit cost revenue "
    "income earning expense payout return ratio efficiency average expected overall net sum score utility"
)
_STOP = frozenset(
    [
        "the",
        "of",
        "a",
        "an",
        "to",
        "and",
        "for",
        "in",
        "on",
        "per",
        "is",
        "be",
        "by",
        "that",
        "which",
        "its",
        "with",
        "from",
        "at",
        "as",
        "this",
        "it",
        "each",
        "all",
    ]
)
_LEAD = frozenset(["the", "a", "an", "total", "overall", "its", "their", "her", "his", "our", "your", "my"])
_MEASURE = frozenset(["number", "amount", "quantity", "sum", "count"])
_BREAK = frozenset(
    [
        "of",
        "for",
        "in",
        "by",
        "to",
        "that",
        "from",
        "while",
        "subject",
        "with",
        "per",
        "and",
        "which",
        "on",
        "at",
        "under",
        "given",
        "so",
    ]
)
_DECISION = re.compile(
    r"^(?:the\s+)?(?:optimal\s+)?(?:number|amount|quantity|units?|acres?|hours|whether|open|money|level|"
    r"proportion|percentage|fraction|investment|invested|allocation)\b|^(?:how many|is|should)\b",
    re.IGNORECASE,
)
_GOAL_VERB = re.compile(
    r"\b(?:maximi[sz](?:e|es|ed|ing)|minimi[sz](?:e|es|ed|ing)|reduce)((?:[ \t]+[\w-]+){1,8})", re.IGNORECASE
)
_SUPERLATIVE = re.compile(
    r"(?<!at )\b(?:largest|smallest|least|maximum|minimum|greatest|lowest|highest)((?:[ \t]+[\w-]+){1,3})",
    re.IGNORECASE,
)
_IS_EXTREME = re.compile(
    r"\b([\w-]+)\s+is\s+(?:a\s+|the\s+)?(?:maximum|minimum|maximized|minimized|largest|smallest)\b", re.IGNORECASE
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {_stem(word) for word in re.findall(r"[a-z]+", text.lower())}


_OBJECTIVE = frozenset(_stem(word) for word in _OBJECTIVE_WORDS.split())


def _head(span: str) -> list[str]:
    return _head_and_next(span)[0]


def _head_and_next(span: str) -> tuple[list[str], str | None]:
    """The stemmed head words of a noun phrase, and the word that ended it (None at the end)."""
    tokens = re.findall(r"[a-z]+", span.lower())
    while tokens and tokens[0] in _LEAD:
        tokens.pop(0)
    if len(tokens) > 1 and tokens[0] in _MEASURE and tokens[1] == "of":
        tokens = tokens[2:]
        while tokens and tokens[0] in _LEAD:
            tokens.pop(0)
    head: list[str] = []
    for token in tokens:
        if token in _BREAK or len(head) == 3:
            return head, token
        head.append(_stem(token))
    return head, None


def _goal_heads(question: str) -> list[list[str]]:
    """The head of each single thing the question says it maximizes or minimizes.

    "minimize the total number of scooters used" gives [scooter, used]; a coordination
    ("the total number of limousines and buses") names a sum, not one thing, and gives none.
    """
    heads = []
    for match in _GOAL_VERB.finditer(question):
        head, after = _head_and_next(match.group(1))
        if after != "and" and (content := _content(head)):
            heads.append(content)
    return heads


def _content(words: list[str]) -> list[str]:
    return [word for word in words if word not in _STOP and len(word) > 2]


def _names_goal(key: str, heads: list[list[str]]) -> bool:
    """The key's head is the head of an optimised phrase (or one starts the other)."""
    own = _content(_head(key))
    return bool(own) and any(head[: len(own)] == own or own[: len(head)] == head for head in heads)


def goal_words(question: str) -> set[str]:
    """Stemmed head words of what the question asks to maximize or minimize."""
    spans = [
        match.group(1) for pattern in (_GOAL_VERB, _SUPERLATIVE, _IS_EXTREME) for match in pattern.finditer(question)
    ]
    return {word for span in spans for word in _head(span) if word not in _STOP and len(word) > 2}


def _score(key: str, goal: set[str]) -> int:
    words = _words(key)
    objective_word = bool(words & _OBJECTIVE)
    overlap = len((words - _STOP) & goal)
    score = 3 * objective_word + (2 + overlap if overlap else 0)
    if _DECISION.search(key.strip()) and not objective_word:
        score -= 2
    return score


def objective_key(question: str, keys: Sequence[str]) -> str | None:
    """The key holding the objective value, or None when no key can be identified."""
    if len(keys) == 1:
        return keys[0]
    if not keys:
        return None
    heads = _goal_heads(question)
    naming = [key for key in keys if _names_goal(key, heads)]
    if len(naming) == 1:
        return naming[0]
    goal = goal_words(question)
    scores = [_score(key, goal) for key in keys]
    best = max(scores)
    if best <= 0:
        return None
    top = [key for key, score in zip(keys, scores, strict=True) if score == best]
    if len(top) > 1 and not any(_words(key) & _OBJECTIVE for key in top):
        return None
    return top[-1]
