"""The scripted conversation the chat tests hold: a workshop problem, a change, off-topic.

Replies come per step (tests.agent.scripted.Scripted) plus the chat's triage step, decided
from the newest message, and they are correct programs run by the real sandbox: the
workshop optimum is 4100 (30 tables, 40 chairs); with at most 20 tables it is 4060. The
explanation is chosen by the turn (the follow-up's or the first), unless a test queues its
own in `explanations`. `WorkshopScript(named_xy=True)` is the issue's program that calls
tables x and chairs y, with a formulation saying what x and y mean.
"""

from __future__ import annotations

import copy
import json
import re
from collections import deque
from typing import Any

from optagent.core.types import Message
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
EXPLAINED = (
    "Make 30 tables and 40 chairs for a weekly profit of $4,100; carpentry and finishing hours are both used up."
)
EXPLAINED_20 = "With at most 20 tables, make 18 tables and 56 chairs for $4,060."
ACCEPT = {"blame": "accept", "reason": "the program implements the formulation"}

XY_FORMULATION = copy.deepcopy(FORMULATION)
XY_FORMULATION["variables"] = [
    {"name": "x", "domain": "integer", "lower": 0, "latex": "x", "text": "tables made per week"},
    {"name": "y", "domain": "integer", "lower": 0, "latex": "y", "text": "chairs made per week"},
]
XY_FORMULATION["objective"] |= {"text": "weekly profit", "unit": "$"}
XY_PROGRAM = (
    GOOD.replace("m.tables", "m.x")
    .replace("m.chairs", "m.y")
    .replace('"tables": ', '"x": ')
    .replace('"chairs": ', '"y": ')
)
SWAPPED = "Make 30 chairs and 40 tables. This will maximize profit to $4,100."
"""Every number is a solution value, but x (30) is tables and y (40) chairs: it contradicts the table."""


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

    def __init__(self, *, named_xy: bool = False) -> None:
        self.script = Scripted(
            understand=UNDERSTANDING,
            formulate=[XY_FORMULATION] if named_xy else [FORMULATION, FORMULATION_20],
            write_code=[XY_PROGRAM] if named_xy else [GOOD, AT_MOST_20],
            judge=ACCEPT,
        )
        self.explanations: deque[str] = deque()
        self.on_step: dict[str, Any] = {}

    def __call__(self, body: dict[str, Any]) -> str:
        messages = [Message(role=m["role"], content=m["content"]) for m in body["messages"]]
        prompt = messages[-1].content
        if TRIAGE_MARKER in prompt:
            return json.dumps(intent_of(prompt))
        step = self.script.step_of(messages)
        if step in self.on_step:
            self.on_step.pop(step)()
        if step == "explain":
            self.script.calls[step] += 1
            self.script.prompts.setdefault(step, []).append(prompt)
            if self.explanations:
                return self.explanations.popleft()
            return EXPLAINED_20 if "Follow-up request: " + CHANGE in prompt else EXPLAINED
        return self.script(messages)


def objective_in(text: str) -> list[str]:
    return re.findall(r"Objective \(maximize\): ([0-9,]+)", text)
