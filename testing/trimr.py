"""Scripted behaviours for the fake OpenAI server: a reasoning model and a Yes/No verifier.

The reasoning model streams a scripted trace for a chat request and, for a
`/v1/completions` continuation, answers with the last answer stated in the prompt (what a
real model does after "**Final Answer**" or a forced `</think>`). The verifier reads the
TrimR question inside its prompt and answers with a P(" Yes") / P(" No") distribution on
one token. Used by tests/trimr and bench/trimr.py.
"""

from __future__ import annotations

import math
import re
from typing import Any

ANSWER = re.compile(r"answer is \$?(-?[\w.]+?)[$.,;]?(?=\s|$)")


def stated_answer(text: str) -> str | None:
    found = ANSWER.findall(text)
    return found[-1] if found else None


class ScriptedReasoner:
    """`reply=` for a FakeOpenAI playing a reasoning model; traces keyed by the user message."""

    def __init__(self, traces: dict[str, tuple[str, str]], think_end: str = "</think>") -> None:
        self.traces = traces
        self.think_end = think_end
        self.continuations: list[str] = []

    def __call__(self, body: dict[str, Any]) -> dict[str, str]:
        if "messages" in body:
            reasoning, content = self.traces[body["messages"][-1]["content"]]
            return {"reasoning": reasoning, "content": content}
        prompt = body["prompt"]
        self.continuations.append(prompt)
        answer = stated_answer(prompt) or "unknown"
        if prompt.rstrip().endswith("**Final Answer**"):
            return {"content": f"\nThe answer is {answer}.\n{self.think_end}\n\nThe answer is {answer}."}
        return {"content": f"The answer is {answer}."}


def _distribution(p_yes: float) -> dict[str, Any]:
    token = " Yes" if p_yes > 0.5 else " No"
    return {"content": token, "top_logprobs": [{" Yes": math.log(p_yes), " No": math.log(1 - p_yes), " Maybe": -6.0}]}


class ScriptedVerifier:
    """`reply=` for a FakeOpenAI playing the verifier: judges answers by their stated value."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["prompt"]
        self.questions.append(prompt)
        if "<earlier>" in prompt:
            earlier = stated_answer(_between(prompt, "<earlier>", "</earlier>"))
            later = stated_answer(_between(prompt, "<later>", "</later>"))
            return _distribution(0.93 if earlier is not None and earlier == later else 0.04)
        return _distribution(0.9 if stated_answer(_between(prompt, "<step>", "</step>")) else 0.08)


def _between(text: str, start: str, end: str) -> str:
    """The last tagged block: the prompt's worked examples use the same tags before it."""
    return text.rsplit(start, 1)[1].split(end, 1)[0]
