"""The graph's typed state: one `SolveState` for the whole solve, one `AttemptState` per sample.

Each sample runs the attempt subgraph (understand → formulate → code → execute → diagnose →
repair/judge) with its own state, so K samples can loop independently and concurrently;
its only output to the parent is the finished `Attempt`, appended by the `attempts`
reducer. Lists that grow across rounds use `operator.add` reducers; everything else is
overwritten by the node that owns it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, TypedDict

from optagent.agent.answer import Answer, Attempt, Diagnosis, Round, Trigger, Verdict, Vote
from optagent.agent.formulation import Formulation, Understanding
from optagent.core.types import CallRecord, ExecResult, Problem


def log_rounds(logged: list[Round], new: list[Round]) -> list[Round]:
    """Append new rounds; a round with a logged index replaces it (the judge adds its verdict)."""
    by_index = {round_.index: round_ for round_ in logged}
    by_index.update({round_.index: round_ for round_ in new})
    return [by_index[index] for index in sorted(by_index)]


@dataclass(kw_only=True)
class AttemptState:
    problem: Problem
    sample: int = 0
    previous: Answer | None = None
    understanding: Understanding | None = None
    formulation: Formulation | None = None
    target: str | None = None
    code: str = ""
    trigger: Trigger = "first"
    feedback: str = ""
    result: ExecResult | None = None
    diagnosis: Diagnosis | None = None
    verdict: Verdict | None = None
    repairs: int = 0
    judge_rounds: int = 0
    verify_rounds: int = 0
    rounds: Annotated[list[Round], log_rounds] = field(default_factory=list)
    notes: Annotated[list[str], operator.add] = field(default_factory=list)
    calls: Annotated[list[CallRecord], operator.add] = field(default_factory=list)
    attempts: Annotated[list[Attempt], operator.add] = field(default_factory=list)


@dataclass(kw_only=True)
class AttemptOutput:
    """What the parent graph sees of a finished sample."""

    attempts: Annotated[list[Attempt], operator.add] = field(default_factory=list)


class SolveInput(TypedDict):
    """What a solve starts from: the problem, and the answer it follows up on (or None)."""

    problem: Problem
    previous: Answer | None


@dataclass(kw_only=True)
class SolveState:
    problem: Problem
    previous: Answer | None = None
    attempts: Annotated[list[Attempt], operator.add] = field(default_factory=list)
    tally: Vote | None = None
    calls: Annotated[list[CallRecord], operator.add] = field(default_factory=list)
    final: Answer | None = None
