"""What each node of the graph produced, as one typed event per node.

Every node returns its state update (a dict, for LangGraph); the graph validates that update
into the node's event (`node_event`, called once, in `graph._emitting`) and streams it. The
CLI, the chat and the evals read these types (`match event: case Formulated(...)`), never
state keys, so a node and its readers cannot drift apart silently:

- an update with a key its event does not know, or without one the event requires, is
  refused when the node finishes (`extra="forbid"`, required fields);
- each event's fields are fields of its graph's state (`tests/agent/test_events.py`), so
  renaming a state field fails a test instead of blanking a step of the chat.

Attempt events carry the sample they belong to; `Voted` and `Answered` belong to the whole
solve (`sample` None).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from optagent.agent.answer import Answer, Attempt, Diagnosis, Round, Trigger, Verdict, Vote
from optagent.agent.formulation import Formulation, Understanding
from optagent.core.types import CallRecord, ExecResult


class NodeEvent(BaseModel):
    """One node finished: the base of every event type (for `isinstance`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AttemptEvent(NodeEvent):
    """A node of one sample's attempt subgraph finished."""

    sample: int


class SolveEvent(NodeEvent):
    """A node of the whole solve (after the samples) finished."""

    sample: None = None


class Understood(AttemptEvent):
    """The expert reading; None when the reply was unusable (a note says why)."""

    node: Literal["understand"] = "understand"
    understanding: Understanding | None
    calls: list[CallRecord]
    notes: list[str]


class Formulated(AttemptEvent):
    """The five-element formulation; None when the reply was unusable.

    An unusable rewrite (after the judge blamed the formulation) keeps the previous
    formulation: the update then carries none, and `kept_previous` is true.
    """

    node: Literal["formulate"] = "formulate"
    formulation: Formulation | None = None
    feedback: str
    calls: list[CallRecord]
    notes: list[str]

    @property
    def kept_previous(self) -> bool:
        return "formulation" not in self.model_fields_set


class Coded(AttemptEvent):
    """The program for `target` ("" when the reply held none); also ORThought's expert reply."""

    node: Literal["write_code"] = "write_code"
    target: str
    code: str
    feedback: str
    calls: list[CallRecord]
    notes: list[str]


class Executed(AttemptEvent):
    """The sandbox's result of running the program."""

    node: Literal["execute"] = "execute"
    result: ExecResult


class Diagnosed(AttemptEvent):
    """What the run showed, logged as a new round; a program that ignores the problem is
    sent back with `feedback` and the `recode` trigger."""

    node: Literal["diagnose"] = "diagnose"
    diagnosis: Diagnosis
    rounds: list[Round]
    verdict: None
    feedback: str | None = None
    trigger: Trigger | None = None


class Repaired(AttemptEvent):
    """The repaired (or, after the judge blamed the code, recoded) program."""

    node: Literal["repair"] = "repair"
    target: str
    code: str
    feedback: str
    trigger: Trigger
    repairs: int
    calls: list[CallRecord]
    notes: list[str]


class Judged(AttemptEvent):
    """The judge's verdict on the round, which it adds to the round's log."""

    node: Literal["judge"] = "judge"
    verdict: Verdict
    judge_rounds: int
    feedback: str
    trigger: Trigger
    rounds: list[Round]
    calls: list[CallRecord]
    notes: list[str]


class Verified(AttemptEvent):
    """The self-verification's verdict; with a fix, the corrected program (`code`) runs next."""

    node: Literal["verify"] = "verify"
    verdict: Verdict
    verify_rounds: int
    rounds: list[Round]
    calls: list[CallRecord]
    code: str | None = None
    trigger: Trigger | None = None


class Finished(AttemptEvent):
    """The sample closed as an `Attempt`, the only thing the solve sees of it."""

    node: Literal["finish"] = "finish"
    attempts: list[Attempt]


class Voted(SolveEvent):
    """The vote over the samples (and the tie-break's calls, if the judge broke a tie)."""

    node: Literal["vote"] = "vote"
    tally: Vote
    calls: list[CallRecord]


class Answered(SolveEvent):
    """The final typed answer: always the last event of a solve."""

    node: Literal["answer"] = "answer"
    final: Answer


AgentEvent = Annotated[
    Understood | Formulated | Coded | Executed | Diagnosed | Repaired | Judged | Verified | Finished | Voted | Answered,
    Field(discriminator="node"),
]
"""Any node's event, told apart by `node` (the graph's name of the node)."""

_EVENTS: TypeAdapter[AgentEvent] = TypeAdapter(AgentEvent)


def node_event(node: str, sample: int | None, update: dict[str, Any]) -> AgentEvent:
    """The typed event of `node`'s `update`; a pydantic ValidationError when they disagree
    (a key the event does not know, a required one missing, a value of the wrong type)."""
    return _EVENTS.validate_python({"node": node, "sample": sample, **update})


def is_agent_event(item: object) -> TypeGuard[AgentEvent]:
    """Whether a streamed item is a node's event (a stream may carry other items too)."""
    return isinstance(item, NodeEvent)
