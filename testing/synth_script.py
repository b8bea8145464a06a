"""A scripted model for the synthesis job: candidates whose fate is written in their scenario.

Scenario calls take the next scripted scenario (a dict, or a string for a malformed reply);
every later step of a candidate is recognised by the tag word its scenario carries
("Alder", "Birch", ...), so the author's program, the check's program and the repairs
can be chosen per candidate: good, crashing, infeasible, or disagreeing with the check.
"""

from __future__ import annotations

import copy
import json
import random
import re
import string
import time
from collections import deque
from collections.abc import Callable, Iterable

from optagent.core.types import Message
from optagent.models import ModelRoles, get_model
from tests.agent.scripted import FORMULATION, GOOD, UNDERSTANDING

SCENARIO_MARKER = "Write a NEW optimization scenario"
QUESTION_MARKER = "Turn this optimization scenario into the question"
AUTHOR_MARKER = "The author's model, sentence by sentence"
AGENT_MARKERS = {
    "understand": "Read this optimization problem as an expert would",
    "formulate": "five-element formulation",
    "write_code": "Write a complete",
    "orthought": "as an operations research expert would, in",
    "repair": "did not work. Fix it.",
}


def workshop(tag: str, carpentry: int = 240, kind: str = "milp") -> dict:
    """A workshop scenario whose optimum is 4100 (30 tables, 40 chairs) at 240 carpentry hours."""
    return {
        "title": f"Workshop {tag}",
        "domain": "production",
        "kind": kind,
        "steps": [
            {
                "element": "variable",
                "sentence": f"The {tag} workshop decides how many tables and chairs to make each week.",
                "formal": "t, c \\in Z_{\\ge 0}",
            },
            {
                "element": "objective",
                "sentence": f"A {tag} table earns $70 and a {tag} chair $50, and the {tag} owners maximize weekly profit.",
                "formal": "\\max 70t + 50c",
            },
            {
                "element": "constraint",
                "sentence": f"A {tag} table takes 4 hours of carpentry and a {tag} chair 3, with {carpentry} carpentry hours available.",
                "formal": f"4t + 3c \\le {carpentry}",
            },
            {
                "element": "constraint",
                "sentence": f"A {tag} table takes 2 hours of finishing and a {tag} chair 1, with 100 finishing hours available.",
                "formal": "2t + c \\le 100",
            },
            {"element": "constraint", "sentence": f"At most 60 {tag} chairs can be sold.", "formal": "c \\le 60"},
        ],
    }


class Plan:
    """What one tagged candidate's later steps answer; an untagged one is good."""

    def __init__(
        self, author: str = GOOD, check: str = GOOD, repair: str = GOOD, drop_number: str | None = None
    ) -> None:
        self.author, self.check, self.repair, self.drop_number = author, check, repair, drop_number


def fresh_workshop() -> dict:
    """A good workshop scenario under a random tag, unlike any other (for many candidates)."""
    return workshop("".join(random.choices(string.ascii_lowercase, k=10)))


class SynthScript:
    """Replies by step; `scenarios` are consumed in call order, plans are looked up by tag."""

    def __init__(
        self,
        scenarios: Iterable[dict | str] | Callable[[], dict],
        plans: dict[str, Plan] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.scenarios = scenarios if callable(scenarios) else deque(copy.deepcopy(list(scenarios)))
        self.plans = plans or {}
        self.delay_s = delay_s
        self.calls: dict[str, int] = {}

    def _plan(self, text: str) -> Plan:
        for tag, plan in self.plans.items():
            if re.search(rf"\b{tag}\b", text):
                return plan
        return Plan()

    def __call__(self, messages: list[Message]) -> str:
        text = next(m.content for m in messages if m.role == "user")
        step = next((s for s, marker in AGENT_MARKERS.items() if marker in text), None)
        if SCENARIO_MARKER in text:
            step = "scenario"
        elif QUESTION_MARKER in text:
            step = "question_table" if "Markdown tables" in text else "question"
        self.calls[step or "?"] = self.calls.get(step or "?", 0) + 1
        if self.delay_s:
            time.sleep(self.delay_s)
        if step == "scenario":
            reply = self.scenarios() if callable(self.scenarios) else self.scenarios.popleft()
            return reply if isinstance(reply, str) else json.dumps(reply)
        if step in ("question", "question_table"):
            sentences = re.findall(r"^- (.*)$", text.split("# How to write it")[0], re.MULTILINE)
            plan = self._plan(text)
            question = " ".join(sentences)
            if plan.drop_number:
                question = question.replace(plan.drop_number, "some")
            question += " What should be made to earn the most, and what is the best weekly profit?"
            if step == "question_table":
                question += "\n\n| resource | hours |\n|---|---|\n| carpentry | see above |\n"
            return question
        if step == "understand":
            return json.dumps(UNDERSTANDING)
        if step == "formulate":
            return json.dumps(FORMULATION)
        plan = self._plan(text)
        if step == "write_code":
            return plan.author if AUTHOR_MARKER in text else plan.check
        if step == "orthought":  # the independent check's one expert reply
            return plan.check
        if step == "repair":
            return plan.repair
        raise AssertionError(f"unscripted step in prompt: {text[:200]!r}")

    def roles(self) -> ModelRoles:
        return ModelRoles(get_model("mock", replies=self))
