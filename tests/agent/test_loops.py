"""Every loop of the graph ends by itself: round limits, no-progress stops and the call budget."""

from __future__ import annotations

import pytest

from optagent.agent import AgentSettings, AnswerOutcome, solve
from testing.scripted import ScriptedModel
from testing.workshop import ACCEPT, GOOD, INFEASIBLE, MODELING, WORKSHOP, crashing, pyomo_program

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_crashing_recodes_after_a_judge_verdict_are_bounded(sandbox) -> None:
    verdict = {"blame": "code", "reason": "the program adds a constraint that is not in the text"}
    script = ScriptedModel(write_code=INFEASIBLE, judge=verdict, repair=crashing(50), **MODELING)
    settings = AgentSettings(samples=1, max_repairs=3, max_judge_rounds=2)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert answer.outcome is AnswerOutcome.CRASHED
    assert [r.trigger for r in answer.rounds] == ["first", "recode", "repair", "repair", "repair"]
    assert script.calls["judge"] == 1 and script.calls["repair"] == 4, "one recode, then max_repairs repairs"


async def test_the_same_program_twice_stops_the_repairs_after_one_rewrite(sandbox) -> None:
    same = crashing(1)[0]
    script = ScriptedModel(write_code=same, repair=same, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert [r.trigger for r in answer.rounds] == ["first", "repair", "rewrite"] and script.calls["repair"] == 2
    assert "stopped: no progress: the same program was written again" in answer.attempts[0].notes


async def test_a_repair_handed_back_unchanged_is_written_anew_without_the_program(sandbox) -> None:
    same = crashing(1)[0]
    script = ScriptedModel(write_code=same, repair=[same, GOOD], judge=ACCEPT, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.outcome is AnswerOutcome.SOLVED and answer.objective == pytest.approx(4100)
    assert [r.trigger for r in answer.rounds][:3] == ["first", "repair", "rewrite"]
    edit, rewrite = script.prompts["repair"]
    assert "broken_0 = undefined_name_0" in edit and "did not work. Fix it." in edit
    assert "broken_0 = undefined_name_0 + 1\n" not in rewrite.split("# What went wrong")[0], "the program is not shown"
    assert "returned the same program" in rewrite and "undefined_name_0" in rewrite, "the error is"


async def test_a_rewrite_is_tried_once_per_sample(sandbox) -> None:
    first, second = crashing(2)
    script = ScriptedModel(write_code=first, repair=[first, second, second], **MODELING)
    settings = AgentSettings(samples=1, max_repairs=5)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert [r.trigger for r in answer.rounds] == ["first", "repair", "rewrite", "repair"], "no second rewrite"
    assert "stopped: no progress: the same program was written again" in answer.attempts[0].notes


async def test_the_same_result_twice_stops_the_judge(sandbox) -> None:
    verdict = {"blame": "formulation", "reason": "a demand constraint is wrong"}
    infeasible_again = pyomo_program(extra="m.too_many = pyo.Constraint(expr=m.tables + m.chairs >= 2000)")
    script = ScriptedModel(write_code=[INFEASIBLE, infeasible_again, GOOD], judge=verdict, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.outcome is AnswerOutcome.INFEASIBLE and script.calls["judge"] == 1
    assert any("the same result twice (infeasible)" in note for note in answer.attempts[0].notes)


async def test_the_call_budget_ends_a_sample(sandbox) -> None:
    script = ScriptedModel(write_code=crashing(1)[0], repair=crashing(50)[1:], **MODELING)
    settings = AgentSettings(strategy="five-element", max_calls=4, max_repairs=10, explain=False)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert len(answer.calls) == 4 and script.calls["repair"] == 2
    assert "stopped: this sample used its budget of 4 model calls (max_calls)" in answer.attempts[0].notes


async def test_the_budget_is_shared_by_the_samples(sandbox) -> None:
    script = ScriptedModel(write_code=crashing(1)[0], repair=crashing(50)[1:], **MODELING)
    settings = AgentSettings(samples=2, max_calls=8, max_repairs=10, explain=False)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert [len(a.calls) for a in answer.attempts] == [4, 4] and len(answer.calls) == 8


@pytest.mark.asyncio(loop_scope="module")
async def test_a_corrective_retry_counts_as_a_call() -> None:
    from optagent.core.types import CallRecord

    settings = AgentSettings(samples=1, max_calls=3)
    assert settings.over_budget([CallRecord(model="m"), CallRecord(model="m")]) is None
    assert settings.over_budget([CallRecord(model="m"), CallRecord(model="m", corrections=1)]) is not None
    tokens = AgentSettings(samples=1, max_solve_tokens=1000)
    assert "tokens" in (tokens.over_budget([CallRecord(model="m", prompt_tokens=900, completion_tokens=100)]) or "")
