"""A scripted model for the synthesis job: candidates whose fate is written in their scenario.

Scenario calls (step `synthesis/scenario`) take the next scripted scenario (a dict, or a
string for a malformed reply); every later step of a candidate finds its scenario by the
tag word the scenario carries ("Alder", "Birch", ...), so the author's program, the check's
program and the repairs can be chosen per candidate: good, crashing, infeasible, or
disagreeing with the check. Steps are recognised by name (`testing.scripted`), never by a
template's wording; only the candidate is read from the prompt's content.
"""

from __future__ import annotations

import copy
import json
import random
import re
import string
from collections import Counter, deque
from collections.abc import Callable, Iterable

from optagent.models import ModelRoles
from optagent.models.mock import MockCall
from testing.scripted import ScriptedModel
from testing.workshop import FORMULATION, GOOD, UNDERSTANDING

AUTHORED = "\\max 70t + 50c"
"""The formal objective of every workshop scenario: the authoring prompt lists each step's
formal expression, a back-translated question only the sentences, so it marks the author's prompts."""


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
    """Replies by step; `scenarios` are consumed in call order, plans are looked up by tag.

    `calls` counts the calls per step; `questions` counts the back-translations by variant
    ("plain" and "table": a scenario's first question is the plain one, its second the table).
    """

    def __init__(
        self,
        scenarios: Iterable[dict | str] | Callable[[], dict],
        plans: dict[str, Plan] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.scenarios = scenarios if callable(scenarios) else deque(copy.deepcopy(list(scenarios)))
        self.plans = plans or {}
        self.served: list[dict] = []
        self.questions: Counter[str] = Counter()
        self._asked: Counter[tuple[str, ...]] = Counter()
        self.model = ScriptedModel(
            {"synthesis/scenario": self._scenario, "synthesis/question": self._question},
            delay_s=delay_s,
            understand=json.dumps(UNDERSTANDING),
            formulate=json.dumps(FORMULATION),
            write_code=lambda call: (
                self._plan(call.prompt).author if AUTHORED in call.prompt else self._plan(call.prompt).check
            ),
            orthought=lambda call: self._plan(call.prompt).check,  # the independent check's one expert reply
            repair=lambda call: self._plan(call.prompt).repair,
        )
        self.calls = self.model.calls

    def _plan(self, text: str) -> Plan:
        for tag, plan in self.plans.items():
            if re.search(rf"\b{tag}\b", text):
                return plan
        return Plan()

    def _scenario(self, call: MockCall) -> str:
        if callable(self.scenarios):
            reply: dict | str = self.scenarios()
        elif self.scenarios:
            reply = self.scenarios.popleft()
        else:
            raise AssertionError("the job asked for more scenarios than were scripted")
        if isinstance(reply, str):
            return reply
        self.served.append(reply)
        return json.dumps(reply)

    def _question(self, call: MockCall) -> str:
        """The sentences of the prompt's scenario (the served one it holds most of: a prefix holds
        some) as prose; the second ask for the same sentences gets the table."""
        sentences = max(
            (
                tuple(s["sentence"] for s in scenario["steps"] if s["sentence"] in call.prompt)
                for scenario in self.served
            ),
            key=len,
        )
        variant = "table" if self._asked[sentences] % 2 else "plain"
        self._asked[sentences] += 1
        self.questions[variant] += 1
        plan = self._plan(call.prompt)
        question = " ".join(sentences)
        if plan.drop_number:
            question = question.replace(plan.drop_number, "some")
        question += " What should be made to earn the most, and what is the best weekly profit?"
        if variant == "table":
            question += "\n\n| resource | hours |\n|---|---|\n| carpentry | see above |\n"
        return question

    def roles(self) -> ModelRoles:
        return self.model.roles()
