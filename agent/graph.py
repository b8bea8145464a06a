"""Build the agent graph for one strategy: same nodes, different edges.

    START ─Send×K─► attempt ─► vote ─► answer ─► END
    attempt:  [understand] → [formulate] → write_code → execute → diagnose
              diagnose → repair → execute            (code fault, repair rounds left;
                                                      a fix handed back unchanged: rewrite once)
              diagnose → judge → formulate | repair  (every run, where the strategy judges)
              diagnose → verify → execute            (a clean CP run, self-verification fixed it)
              diagnose → write_code                  (the program ignores the problem, once)
              diagnose | judge → finish              (done, rounds or budget spent, or no progress)

Sampling is a fan-out with LangGraph `Send`, one attempt subgraph per sample, rather than
an outer Python loop: the K samples then run concurrently in one superstep (their LLM
calls and sandbox runs overlap), each keeps its own state and round counters, the compiled
graph shows the whole flow (subgraph included) in one Mermaid picture, and node events of
every sample stream through the same `astream` call.
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial
from itertools import pairwise
from typing import Any, Literal, Protocol

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer, Send

from optagent.agent.context import AgentSettings, RunContext
from optagent.agent.events import node_event
from optagent.agent.kind import is_cp
from optagent.agent.nodes.answer import answer
from optagent.agent.nodes.diagnose import diagnose
from optagent.agent.nodes.execute import execute
from optagent.agent.nodes.expert import expert
from optagent.agent.nodes.finish import finish
from optagent.agent.nodes.formulate import formulate
from optagent.agent.nodes.judge import judge
from optagent.agent.nodes.repair import repair
from optagent.agent.nodes.understand import understand
from optagent.agent.nodes.verify import verify
from optagent.agent.nodes.vote import vote
from optagent.agent.nodes.write_code import write_code
from optagent.agent.progress import rewrite_due, stop_reason
from optagent.agent.state import AttemptOutput, AttemptState, SolveInput, SolveState


class Node(Protocol):
    """A node: its state in, its state update out."""

    def __call__(self, state: Any, runtime: Runtime[RunContext]) -> Awaitable[dict[str, Any]]: ...


def _emitting(name: str, node: Node) -> Node:
    """The node, also streaming its update as the node's typed event (stream mode "custom").

    This is the one place an update becomes an event (`agent/events.py`): an update its
    event refuses fails the node here, at once, rather than a reader of it later.
    """

    async def run(state: Any, runtime: Runtime[RunContext]) -> dict[str, Any]:
        update = await node(state, runtime)
        runtime.stream_writer(node_event(name, getattr(state, "sample", None), update))
        return update

    return run


def fan_out(state: SolveState, settings: AgentSettings) -> list[Send]:
    sample_input = {"problem": state.problem, "previous": state.previous}
    return [Send("attempt", sample_input | {"sample": k}) for k in range(settings.sample_count)]


def verifies(state: AttemptState, settings: AgentSettings) -> bool:
    """Whether self-verification, rather than the judge, reviews this sample's clean runs."""
    mode = settings.verify_mode
    return mode == "always" or (mode == "cp" and is_cp(state))


def after_diagnose(
    state: AttemptState, settings: AgentSettings
) -> Literal["write_code", "repair", "judge", "verify", "finish"]:
    assert state.diagnosis is not None
    plan = settings.plan
    if rewrite_due(state, settings):
        return "repair"
    if stop_reason(state, settings):
        return "finish"
    if state.diagnosis.finding == "ok" and verifies(state, settings):
        return "verify" if state.verify_rounds < settings.max_verify_rounds else "finish"
    if state.diagnosis.finding == "ignores_problem":
        return "write_code"
    if state.diagnosis.code_fault:
        return "repair" if plan.repair and state.repairs < settings.max_repairs else "finish"
    return "judge" if plan.judge and state.judge_rounds < settings.max_judge_rounds else "finish"


def after_verify(state: AttemptState) -> Literal["execute", "finish"]:
    assert state.verdict is not None
    return "execute" if state.verdict.blame == "code" else "finish"


def after_judge(state: AttemptState, settings: AgentSettings) -> Literal["formulate", "write_code", "repair", "finish"]:
    assert state.verdict is not None
    if state.verdict.blame != "accept" and stop_reason(state, settings):
        return "finish"
    if state.verdict.blame == "formulation":
        return "formulate" if settings.plan.formulate else "write_code"
    if state.verdict.blame == "code":
        return "repair"
    return "finish"


def _attempt_graph(
    settings: AgentSettings,
) -> CompiledStateGraph[AttemptState, RunContext, AttemptState, AttemptOutput]:
    plan = settings.plan
    builder = StateGraph(
        AttemptState, context_schema=RunContext, input_schema=AttemptState, output_schema=AttemptOutput
    )
    steps: list[tuple[str, Node]] = []
    if plan.understand:
        steps.append(("understand", understand))
    if plan.formulate:
        steps.append(("formulate", formulate))
    steps += [("write_code", expert if plan.expert else write_code), ("execute", execute), ("diagnose", diagnose)]
    for name, node in steps:
        builder.add_node(name, _emitting(name, node))
    builder.add_node("finish", _emitting("finish", finish))
    builder.add_edge(START, steps[0][0])
    for (first, _), (second, _) in pairwise(steps):
        builder.add_edge(first, second)

    after_diagnose_targets = ["finish", "write_code"]  # write_code: the program ignored the problem
    if plan.repair:
        builder.add_node("repair", _emitting("repair", repair))
        builder.add_edge("repair", "execute")
        after_diagnose_targets.append("repair")
    if plan.judge:
        builder.add_node("judge", _emitting("judge", judge))
        after_diagnose_targets.append("judge")
        after_judge_targets = ["formulate" if plan.formulate else "write_code", "finish"]
        if plan.repair:
            after_judge_targets.append("repair")
        builder.add_conditional_edges("judge", partial(after_judge, settings=settings), after_judge_targets)
    if settings.verify_mode != "never":
        builder.add_node("verify", _emitting("verify", verify))
        after_diagnose_targets.append("verify")
        builder.add_conditional_edges("verify", after_verify, ["execute", "finish"])
    builder.add_conditional_edges("diagnose", partial(after_diagnose, settings=settings), after_diagnose_targets)
    builder.add_edge("finish", END)
    return builder.compile(name="attempt")


def build_graph(
    settings: AgentSettings, *, checkpointer: Checkpointer = None
) -> CompiledStateGraph[SolveState, RunContext, SolveInput, SolveState]:
    """The compiled graph for `settings.strategy`; run it with `context=RunContext(...)`."""
    builder = StateGraph(SolveState, context_schema=RunContext, input_schema=SolveInput, output_schema=SolveState)
    builder.add_node("attempt", _attempt_graph(settings))
    builder.add_node("vote", _emitting("vote", vote))
    builder.add_node("answer", _emitting("answer", answer))
    builder.add_conditional_edges(START, partial(fan_out, settings=settings), ["attempt"])
    builder.add_edge("attempt", "vote")
    builder.add_edge("vote", "answer")
    builder.add_edge("answer", END)
    return builder.compile(checkpointer=checkpointer, name=f"optagent-{settings.strategy}")
