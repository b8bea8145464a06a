"""The scripted conversation the chat tests hold: a workshop problem, a change, off-topic.

Replies come per step (`testing.scripted.ScriptedModel`), the chat's triage included, decided
from the newest message, and they are correct programs run by the real sandbox: the
workshop optimum is 4100 (30 tables, 40 chairs); with at most 20 tables it is 4060. The
explanation is chosen by the turn (the follow-up's or the first), unless a test queues its
own in `explanations`. `WorkshopScript(named_xy=True)` is the issue's program that calls
tables x and chairs y, with a formulation saying what x and y mean.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Callable

from optagent.models import ModelRoles, get_model
from optagent.models.mock import MockCall, Reply
from testing.scripted import ScriptedModel
from testing.workshop import FORMULATION, GOOD, UNDERSTANDING, pyomo_program

PROBLEM = (
    "A workshop makes tables ($70 profit each) and chairs ($50 each). A table takes 4 h of carpentry "
    "and 2 h of finishing, a chair 3 h and 1 h. There are 240 carpentry and 100 finishing hours a week, "
    "and at most 60 chairs sell. How many of each should it make to maximize profit?"
)
CHANGE = "What if we can make at most 20 tables?"
POEM = "write me a poem"
TRIAGE = "chat/triage"

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


def intent_of(call: MockCall) -> dict[str, str]:
    """The newest message's intent. The triage prompt holds it and the current model, whose
    problem carries each change applied as "Follow-up request: ..." (so a change is new only
    where it appears beyond those)."""
    if POEM in call.prompt:
        return {"kind": "other", "reply": ""}
    if call.prompt.count(CHANGE) > call.prompt.count(f"Follow-up request: {CHANGE}"):
        return {"kind": "change", "reply": ""}
    return {"kind": "new_problem", "reply": ""}


class WorkshopScript:
    """Replies per step for the chat (the `mock` model, or `over_http` for the fake server).

    `on_step[step]` runs once before that step's next reply; `explanations` queues the next
    explanations, which otherwise follow the turn.
    """

    def __init__(self, *, named_xy: bool = False) -> None:
        self.explanations: deque[str] = deque()
        self.on_step: dict[str, Callable[[], object]] = {}
        self.script = ScriptedModel(
            {TRIAGE: intent_of},
            understand=UNDERSTANDING,
            formulate=[XY_FORMULATION] if named_xy else [FORMULATION, FORMULATION_20],
            write_code=[XY_PROGRAM] if named_xy else [GOOD, AT_MOST_20],
            judge=ACCEPT,
            explain=self._explanation,
        )

    def _explanation(self, call: MockCall) -> str:
        if self.explanations:
            return self.explanations.popleft()
        return EXPLAINED_20 if "Follow-up request: " + CHANGE in call.prompt else EXPLAINED

    def __call__(self, call: MockCall) -> Reply:
        if call.step in self.on_step:
            self.on_step.pop(call.step)()
        return self.script(call)

    def roles(self) -> ModelRoles:
        return ModelRoles(get_model("mock", replies=self))


def objective_in(text: str) -> list[str]:
    return re.findall(r"Objective \(maximize\): ([0-9,]+)", text)
