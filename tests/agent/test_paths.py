"""Every path through the graph, with the scripted model and the real sandbox."""

from __future__ import annotations

import pytest

from optagent.agent import AgentSettings, AnswerOutcome, solve, stream_solve
from optagent.core.types import Problem, Targets
from testing.scripted import ScriptedModel
from testing.workshop import ACCEPT, CRASH, FORMULATION, GOOD, INFEASIBLE, MODELING, WORKSHOP, WRONG, crashing

pytestmark = pytest.mark.asyncio(loop_scope="module")

REVIEWED = MODELING | {"judge": ACCEPT}


async def test_clean_path(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, **REVIEWED)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.outcome is AnswerOutcome.SOLVED and answer.objective == pytest.approx(4100)
    assert answer.values == {"tables": pytest.approx(30), "chairs": pytest.approx(40)}
    assert answer.formulation is not None and answer.formulation.objective.sense == "maximize"
    assert answer.understanding is not None and answer.target == "pyomo"
    assert answer.explanation == "Make 30 tables and 40 chairs."
    assert [r.trigger for r in answer.rounds] == ["first"] and answer.detail == ""
    assert dict(script.calls) == {"understand": 1, "formulate": 1, "write_code": 1, "judge": 1, "explain": 1}
    assert len(answer.calls) == 5 and all(c.prompt_tokens > 0 for c in answer.calls)
    assert answer.rounds[0].verdict == answer.rounds[0].verdict.model_validate(ACCEPT), "the clean run was reviewed"
    review = script.prompts["judge"][0]
    assert "4t + 3c" in review and '"objective": 4100' in review, "the judge sees the five elements and the output"
    assert "240 h of carpentry" in script.prompts["write_code"][0]
    assert "4t + 3c" in script.prompts["write_code"][0], "the code prompt carries the formulation"


async def test_crash_goes_to_repair_with_the_traceback(sandbox) -> None:
    script = ScriptedModel(write_code=CRASH, repair=GOOD, **REVIEWED)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.solved and answer.objective == pytest.approx(4100)
    assert [(r.trigger, r.diagnosis.finding) for r in answer.rounds] == [("first", "crash"), ("repair", "ok")]
    assert "undefined_name" in script.prompts["repair"][0], "the repair prompt carries the error"
    assert script.calls["judge"] == 1, "only the run that ran is reviewed"


async def test_infeasible_goes_to_judge_then_reformulation(sandbox) -> None:
    verdict = {"blame": "formulation", "reason": "the constraint tables + chairs >= 1000 is not in the text"}
    script = ScriptedModel(write_code=[INFEASIBLE, GOOD], judge=[verdict, ACCEPT], **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.solved and answer.objective == pytest.approx(4100)
    first, second = answer.rounds
    assert first.diagnosis.finding == "infeasible" and first.verdict is not None
    assert first.verdict.blame == "formulation" and second.trigger == "reformulate"
    assert script.calls["formulate"] == 2
    assert "tables + chairs >= 1000 is not in the text" in script.prompts["formulate"][1]


async def test_a_fractional_count_reaches_the_reformulation_with_the_rule_that_found_it(sandbox) -> None:
    continuous = FORMULATION | {
        "variables": [
            {"name": "tables", "domain": "continuous", "text": "number of tables made"},
            {"name": "chairs", "domain": "continuous", "text": "number of chairs made"},
        ]
    }
    relaxed = GOOD.replace("NonNegativeIntegers", "NonNegativeReals").replace("<= 100)", "<= 100.5)")
    verdict = {"blame": "formulation", "reason": "the domains look wrong"}
    script = ScriptedModel(
        write_code=[relaxed, GOOD], judge=[verdict, ACCEPT], **MODELING | {"formulate": [continuous, FORMULATION]}
    )
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    first, second = answer.rounds
    assert (
        first.diagnosis.finding == "suspicious" and "counts whole things: a count is integer" in first.diagnosis.detail
    )
    assert "number of tables made" in script.prompts["judge"][0], "the judge sees the rule's finding"
    told = script.prompts["formulate"][1]
    assert 'The result: tables = 30.75, but "number of tables made" counts whole things' in told
    assert "domains look wrong" in told
    assert second.trigger == "reformulate" and answer.objective == pytest.approx(4100)


async def test_judge_blaming_code_goes_to_repair(sandbox) -> None:
    script = ScriptedModel(
        write_code=INFEASIBLE, repair=GOOD, judge=[{"blame": "code", "reason": "extra constraint"}, ACCEPT], **MODELING
    )
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.solved and [r.trigger for r in answer.rounds] == ["first", "recode"]
    assert "extra constraint" in script.prompts["repair"][0]


async def test_majority_vote_across_disagreeing_samples(sandbox) -> None:
    script = ScriptedModel(write_code=[GOOD, WRONG, GOOD], **REVIEWED)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=3))
    assert answer.objective == pytest.approx(4100)
    assert sorted(len(g) for g in answer.vote.groups) == [1, 2] and not answer.vote.tie_broken_by_judge
    assert len(answer.attempts) == 3 and script.calls["vote"] == 0


async def test_tie_is_broken_by_the_judge(sandbox) -> None:
    script = ScriptedModel(write_code=[GOOD, WRONG], vote={"choice": 2, "reason": "second is right"}, **REVIEWED)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=2))
    assert answer.vote.tie_broken_by_judge and answer.vote.reason == "second is right"
    chosen = next(a for a in answer.attempts if a.sample == answer.vote.winner)
    assert answer.objective == chosen.result.objective
    assert "Candidate 2" in script.prompts["vote"][0]


async def test_round_limit_ends_with_an_honest_not_solved(sandbox) -> None:
    script = ScriptedModel(write_code=CRASH, repair=crashing(2), **MODELING)
    settings = AgentSettings(samples=1, max_repairs=2)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert answer.outcome is AnswerOutcome.CRASHED and not answer.solved
    assert len(answer.rounds) == 3 and "after 3 round(s)" in answer.detail and "undefined_name_1" in answer.detail
    assert answer.explanation == "" and script.calls["explain"] == 0
    assert answer.prediction.result is not None and answer.prediction.code


async def test_direct_and_cot_are_one_code_prompt(sandbox) -> None:
    for strategy in ("direct", "cot"):
        script = ScriptedModel(write_code=GOOD, explain="ok")
        answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(strategy=strategy))
        assert answer.solved and answer.formulation is None
        assert dict(script.calls) == {"write_code": 1, "explain": 1}
        assert ("step by step" in script.prompts["write_code"][0]) is (strategy == "cot")


async def test_named_outputs_reach_the_prompt_and_the_prediction(sandbox) -> None:
    problem = Problem(id="opt-1", text=WORKSHOP, targets=Targets(named={"tables": 30, "chairs": 40, "Profit": 4100}))
    script = ScriptedModel(write_code=GOOD, judge={"blame": "accept", "reason": "profit is the objective"}, **MODELING)
    answer = await solve(problem, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert '"tables", "chairs", "Profit"' in script.prompts["write_code"][0]
    assert answer.problem_id == "opt-1"
    assert answer.prediction.named["tables"] == pytest.approx(30)
    # "Profit" was not printed: a missing requested output goes to the judge, which accepts here
    assert answer.rounds[0].diagnosis.finding == "suspicious" and "Profit" in answer.rounds[0].diagnosis.detail
    assert answer.solved and answer.detail.startswith("the judge accepted it")


async def test_unusable_structured_replies_degrade_not_fail(sandbox) -> None:
    script = ScriptedModel(
        understand="I think it is an LP", formulate="no json here", write_code=GOOD, judge=ACCEPT, explain="ok"
    )
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.solved and answer.understanding is None and answer.formulation is None
    assert any("understand" in note for note in answer.attempts[0].notes)


async def test_stream_yields_typed_events_per_sample(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, **REVIEWED)
    events = [
        e
        async for e in stream_solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=2))
    ]
    per_sample = [(e.sample, e.node) for e in events if e.sample is not None]
    for k in (0, 1):
        assert [n for s, n in per_sample if s == k] == [
            "understand",
            "formulate",
            "write_code",
            "execute",
            "diagnose",
            "judge",
            "finish",
        ]
    assert [e.node for e in events[-2:]] == ["vote", "answer"]
