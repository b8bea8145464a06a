"""The scripted conversation the chat tests hold: a workshop problem, a change, off-topic.

Replies come per step (tests.agent.scripted.Scripted) plus the chat's triage step, decided
from the newest message, and they are correct programs run by the real sandbox: the
workshop optimum is 4100 (30 tables, 40 chairs); with at most 20 tables it is 4060.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from optagent.agent.models import Message
from tests.agent.scripted import (
    FORMULATION,
    GOOD,
    UNDERSTANDING,
    Scripted,
    pyomo_program,
)

PROBLEM = (
    "A workshop makes tables ($70 profit each) and chairs ($50 each). A table takes 4 h of carpentry "
    "and 2 h of finishing, a chair 3 h and 1 h. There are 240 carpentry and 100 finishing hours a week, "
    "and at most 60 chairs sell. How many of each should it make to maximize profit?"
)
CHANGE = "What if we can make at most 20 tables?"
TRIAGE_MARKER = "Decide what the newest message asks for"

FORMULATION_20 = copy.deepcopy(FORMULATION)
FORMULATION_20["constraints"].append({"name": "table_cap", "latex": "t \\le 20", "text": "at most 20 tables"})
AT_MOST_20 = pyomo_program(extra="m.table_cap = pyo.Constraint(expr=m.tables <= 20)")


def intent_of(prompt: str) -> dict[str, str]:
    newest = prompt.split("# Newest message", 1)[1].split("# Reply", 1)[0]
    if "poem" in newest:
        return {"kind": "other", "reply": ""}
    if "at most 20 tables" in newest:
        return {"kind": "change", "reply": ""}
    if "binding" in newest:
        return {"kind": "question", "reply": "Carpentry and finishing hours are both used up."}
    return {"kind": "new_problem", "reply": ""}


class WorkshopScript:
    """Replies for the fake OpenAI server (request body in, reply text out)."""

    def __init__(self) -> None:
        self.script = Scripted(
            understand=UNDERSTANDING,
            formulate=[FORMULATION, FORMULATION_20],
            write_code=[GOOD, AT_MOST_20],
            explain=[
                "Make 30 tables and 40 chairs for a weekly profit of $4,100; carpentry and finishing hours are both used up.",
                "With at most 20 tables, make 18 tables and 56 chairs for $4,060.",
            ],
        )
        self.on_step: dict[str, Any] = {}

    def __call__(self, body: dict[str, Any]) -> str:
        messages = [Message(role=m["role"], content=m["content"]) for m in body["messages"]]
        prompt = messages[-1].content
        if TRIAGE_MARKER in prompt:
            return json.dumps(intent_of(prompt))
        step = self.script.step_of(messages)
        if step in self.on_step:
            self.on_step.pop(step)()
        return self.script(messages)


def objective_in(text: str) -> list[str]:
    return re.findall(r"Objective \(maximize\): ([0-9,]+)", text)
