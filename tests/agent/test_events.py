"""The typed events: each node's update is its event, and the events match the graph's state,
so a renamed or unknown state key fails here instead of blanking a step of the chat."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
from pydantic import ValidationError

from optagent.agent import STRATEGY_NAMES, AgentSettings, build_graph, stream_solve
from optagent.agent.events import (
    AgentEvent,
    Answered,
    AttemptEvent,
    Coded,
    Diagnosed,
    Executed,
    Finished,
    Formulated,
    Judged,
    NodeEvent,
    Repaired,
    SolveEvent,
    Understood,
    Verified,
    Voted,
    node_event,
)
from optagent.agent.formulation import Understanding
from optagent.agent.state import AttemptState, SolveState
from testing.scripted import ScriptedModel
from testing.workshop import ACCEPT, CRASH, FORMULATION, GOOD, MODELING, UNDERSTANDING, WORKSHOP, WRONG

EVENT_TYPES: tuple[type[NodeEvent], ...] = get_args(get_args(AgentEvent)[0])
BY_NODE = {cls.model_fields["node"].default: cls for cls in EVENT_TYPES}


def test_each_event_holds_only_fields_of_its_graphs_state() -> None:
    attempt = {f.name for f in dataclasses.fields(AttemptState)}
    solve = {f.name for f in dataclasses.fields(SolveState)}
    for cls in EVENT_TYPES:
        state = attempt if issubclass(cls, AttemptEvent) else solve
        assert issubclass(cls, AttemptEvent) != issubclass(cls, SolveEvent), cls
        produced = set(cls.model_fields) - {"node", "sample"}
        assert produced <= state, f"{cls.__name__} carries {produced - state}, which the state does not have"


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_every_node_of_every_strategy_has_its_event(strategy: str) -> None:
    graph = build_graph(AgentSettings(strategy=strategy)).get_graph(xray=True)
    nodes = {name.split(":")[-1] for name in graph.nodes} - {"__start__", "__end__", "attempt"}
    assert nodes <= set(BY_NODE), f"nodes without an event type: {nodes - set(BY_NODE)}"


def test_an_update_its_event_does_not_know_is_refused() -> None:
    update = {"formulation": None, "feedback": "", "calls": [], "notes": []}
    assert isinstance(node_event("formulate", 0, update), Formulated)
    with pytest.raises(ValidationError, match="formulation_v2"):
        node_event("formulate", 0, {"formulation_v2": None, "feedback": "", "calls": [], "notes": []})
    with pytest.raises(ValidationError, match="feedback"):
        node_event("formulate", 0, {"formulation": None, "calls": [], "notes": []})
    with pytest.raises(ValidationError):
        node_event("formulation", 0, update)
    with pytest.raises(ValidationError, match="sample"):
        node_event("formulate", None, update)


def test_an_unusable_rewrite_keeps_the_previous_formulation() -> None:
    kept = node_event("formulate", 0, {"feedback": "", "calls": [], "notes": ["formulate: unusable reply"]})
    assert isinstance(kept, Formulated) and kept.kept_previous
    unusable = node_event("formulate", 0, {"formulation": None, "feedback": "", "calls": [], "notes": []})
    assert isinstance(unusable, Formulated) and not unusable.kept_previous


@pytest.mark.asyncio(loop_scope="module")
async def test_a_scripted_solve_streams_the_typed_event_of_each_node(sandbox) -> None:
    blame = {"blame": "formulation", "reason": "the demand limit is missing"}
    script = ScriptedModel(write_code=[CRASH, WRONG], repair=GOOD, judge=[blame, ACCEPT], **MODELING)
    settings = AgentSettings(samples=1)
    events = [e async for e in stream_solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)]
    assert all(isinstance(e, BY_NODE[e.node]) for e in events)
    assert [type(e) for e in events] == [
        Understood,
        Formulated,
        Coded,
        Executed,
        Diagnosed,
        Repaired,
        Executed,
        Diagnosed,
        Judged,
        Formulated,
        Coded,
        Executed,
        Diagnosed,
        Judged,
        Finished,
        Voted,
        Answered,
    ]
    assert all(e.sample == 0 for e in events if isinstance(e, AttemptEvent))
    understood, formulated, coded = events[:3]
    assert isinstance(understood, Understood) and understood.understanding == Understanding.model_validate(
        UNDERSTANDING
    )
    assert isinstance(formulated, Formulated) and formulated.formulation is not None
    assert formulated.formulation.objective.sense == FORMULATION["objective"]["sense"]
    assert isinstance(coded, Coded) and coded.target == "pyomo" and "undefined_name" in coded.code
    answered = events[-1]
    assert isinstance(answered, Answered) and answered.final.solved


CP_TEXT = "Find integers x, y in 0..10 with x + y = 7 and x - y = 1."
CP_MODELING = {
    "understand": UNDERSTANDING | {"sense": "none", "kind": "cp-satisfaction"},
    "formulate": FORMULATION | {"objective": {"sense": "none"}, "kind": "cp-satisfaction"},
    "explain": "x=4, y=3.",
}


def cp_program(x: int, y: int) -> str:
    return f"""```python
import json
import cpmpy as cp
x = cp.intvar(0, 10, name="x")
y = cp.intvar(0, 10, name="y")
model = cp.Model(x + y == 7, x == {x}, y == {y})
assert model.solve()
print(json.dumps({{"x": int(x.value()), "y": int(y.value())}}))
```"""


@pytest.mark.asyncio(loop_scope="module")
async def test_self_verification_streams_its_verdicts_and_the_fix(sandbox) -> None:
    fixed = "[[FIXED]] x - y = 1 was missing.\n" + cp_program(4, 3)
    script = ScriptedModel(write_code=cp_program(5, 2), verify=[fixed, "[[OK]]"], **CP_MODELING)
    events = [
        e async for e in stream_solve(CP_TEXT, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    ]
    verified = [e for e in events if isinstance(e, Verified)]
    assert [(e.verdict.blame, e.trigger) for e in verified] == [("code", "verify"), ("accept", None)]
    assert verified[0].code is not None and "x == 4" in verified[0].code
