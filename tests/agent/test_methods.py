"""The papers' methods as the strategies run them, with the scripted model and the real sandbox:
LLMOPT's judge on every run, ORThought's one expert reply, the problem kind for every
strategy, one vote, CP-Bench's self-verification and prompt levels, thinking-model sampling.
"""

from __future__ import annotations

import pytest

from optagent.agent import AgentSettings, AnswerOutcome, solve
from optagent.agent.kind import classify
from optagent.core.types import Problem, ProblemKind, Targets
from optagent.models.mock import MockModel
from optagent.models.roles import ModelRoles
from testing.scripted import ScriptedModel
from testing.workshop import (
    ACCEPT,
    CRASH,
    FORMULATION,
    GOOD,
    INFEASIBLE,
    MODELING,
    UNDERSTANDING,
    WORKSHOP,
    WRONG,
    crashing,
    pyomo_program,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ONE = AgentSettings(samples=1)
EXPERT_READING = (
    "1. Understanding: we decide how many tables and chairs to make; each is a variable because the "
    "workshop chooses it, an integer count.\n2. Model: max 70t + 50c s.t. 4t + 3c <= 240, ...\n3. Program:\n"
)


class Recording(MockModel):
    """The scripted model, also keeping each call's messages and sampling options."""

    def __init__(self, script: ScriptedModel) -> None:
        super().__init__(script)
        self.seen: list[tuple[str | None, str, dict]] = []
        self.schemas: list[type | None] = []

    async def _chat(self, messages, schema, sampling):  # type: ignore[no-untyped-def]
        self.seen.append((self.step, messages[0].content, dict(sampling)))
        self.schemas.append(schema)
        return await super()._chat(messages, schema, sampling)


# --- LLMOPT: the judge reviews every run, and its loop ends by itself


async def test_a_clean_wrong_run_is_reviewed_and_reformulated(sandbox) -> None:
    blame = {"blame": "formulation", "reason": "chairs earn $50, not $70"}
    script = ScriptedModel(write_code=[WRONG, GOOD], judge=[blame, ACCEPT], **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert answer.objective == pytest.approx(4100), "the plausible 4950 was not accepted"
    assert [(r.trigger, r.diagnosis.finding) for r in answer.rounds] == [("first", "ok"), ("reformulate", "ok")]
    assert "chairs earn $50, not $70" in script.prompts["formulate"][1]
    first_review = script.prompts["judge"][0]
    assert '"objective": 4950' in first_review and "Standard output" in first_review


async def test_a_judge_that_always_blames_ends_after_its_rounds(sandbox) -> None:
    reasons = [{"blame": "formulation", "reason": f"objection {i}"} for i in range(20)]
    programs = [pyomo_program(chair_profit=40 + i) for i in range(20)]
    script = ScriptedModel(write_code=programs, judge=reasons, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=ONE.model_copy())
    assert script.calls["judge"] == 2 and len(answer.rounds) == 3, "max_judge_rounds=2 reviews, then it stops"
    assert answer.solved


async def test_a_judge_that_always_blames_the_code_ends_too(sandbox) -> None:
    script = ScriptedModel(
        write_code=GOOD,
        judge=[{"blame": "code", "reason": f"objection {i}"} for i in range(20)],
        repair=[pyomo_program(chair_profit=41 + i) for i in range(20)],
        **MODELING,
    )
    settings = AgentSettings(samples=1, max_judge_rounds=3)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["judge"] == 3 and [r.trigger for r in answer.rounds] == ["first", "recode", "recode", "recode"]


async def test_the_judge_loop_honours_the_call_budget(sandbox) -> None:
    script = ScriptedModel(
        write_code=[pyomo_program(chair_profit=40 + i) for i in range(20)],
        judge=[{"blame": "formulation", "reason": f"objection {i}"} for i in range(20)],
        **MODELING,
    )
    settings = AgentSettings(samples=1, max_judge_rounds=50, max_calls=9, explain=False)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert len(answer.calls) == 9 and script.calls["judge"] == 2, "the budget, not the rounds, ended it"


# --- ORThought: one free-text expert reply, then crash repair


async def test_orthought_is_one_free_text_reply_then_crash_repairs(sandbox) -> None:
    script = ScriptedModel(orthought=EXPERT_READING + CRASH, repair=crashing(2) + [GOOD], explain="ok")
    recording = Recording(script)
    settings = AgentSettings(strategy="orthought")
    answer = await solve(WORKSHOP, roles=ModelRoles(recording), sandbox=sandbox, settings=settings)
    assert answer.solved and answer.objective == pytest.approx(4100)
    assert dict(script.calls) == {"orthought": 1, "repair": 3, "explain": 1}
    assert answer.understanding is None and answer.formulation is None
    prompt = script.prompts["orthought"][0]
    assert "why it is one" in prompt and prompt.rstrip().endswith("fenced code block at the end.")
    assert prompt.index("# Problem") > prompt.index("# How to write"), "the problem comes last"
    assert recording.schemas == [None] * 5, "no JSON schema call: the reasoning is the reply"


async def test_orthought_repairs_at_most_three_times_and_never_judges(sandbox) -> None:
    script = ScriptedModel(orthought=EXPERT_READING + CRASH, repair=crashing(10), explain="ok")
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(strategy="orthought"))
    assert answer.outcome is AnswerOutcome.CRASHED and script.calls["repair"] == 3 and len(answer.rounds) == 4
    script = ScriptedModel(orthought=EXPERT_READING + INFEASIBLE, explain="ok")
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(strategy="orthought"))
    assert answer.outcome is AnswerOutcome.INFEASIBLE and script.calls["judge"] == 0


# --- the problem kind for every strategy, and a target switch when the solver refuses the class

PEN = (
    "You have 800 ft of fencing for a rectangular pen along a river (no fence on the river side). "
    "Which dimensions maximize the area?"
)
PEN_SCIP = """```python
import json
from pyscipopt import Model

m = Model()
x = m.addVar("width", lb=0)
y = m.addVar("length", lb=0)
area = m.addVar("area", lb=0)
m.addCons(2 * x + y <= 800)
m.addCons(area <= x * y)
m.setObjective(area, "maximize")
m.optimize()
print(json.dumps({"objective": m.getObjVal(), "width": m.getVal(x), "length": m.getVal(y)}))
```"""
PEN_PYOMO_NONLINEAR = """```python
import json
import pyomo.environ as pyo

m = pyo.ConcreteModel()
m.x = pyo.Var(domain=pyo.NonNegativeReals)
m.y = pyo.Var(domain=pyo.NonNegativeReals)
m.fence = pyo.Constraint(expr=2 * m.x + m.y <= 800)
m.some_area = pyo.Constraint(expr=m.x * m.y >= 1)
m.area = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
pyo.SolverFactory("appsi_highs").solve(m)
print(json.dumps({"objective": pyo.value(m.area)}))
```"""


async def test_the_classifier_keeps_nonlinear_and_puzzles_off_linear_solvers() -> None:
    assert classify(PEN) is ProblemKind.NLP
    assert classify(WORKSHOP) is ProblemKind.MILP
    assert classify("Maximize the benefit-risk ratio of the portfolio; how many shares of each?") is ProblemKind.MINLP
    assert classify("A field of 300 square feet is split between corn and wheat to maximize profit.") is ProblemKind.LP
    assert classify("Solve this Sudoku puzzle.") is ProblemKind.CP_SATISFACTION


async def test_direct_routes_a_nonlinear_problem_to_scip(sandbox) -> None:
    script = ScriptedModel(write_code=PEN_SCIP, explain="ok")
    answer = await solve(PEN, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(strategy="direct"))
    assert answer.target == "pyscipopt" and "pyscipopt" in script.prompts["write_code"][0]
    assert answer.objective == pytest.approx(80000, rel=1e-4)


async def test_a_linear_reading_of_a_statement_with_nonlinear_words_goes_to_scip(sandbox) -> None:
    script = ScriptedModel(
        understand=UNDERSTANDING | {"kind": "milp"},
        formulate=FORMULATION | {"kind": "lp"},
        write_code=PEN_SCIP,
        judge=ACCEPT,
        explain="ok",
    )
    answer = await solve(PEN, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert answer.target == "pyscipopt" and "pyscipopt" in script.prompts["write_code"][0]
    assert answer.objective == pytest.approx(80000, rel=1e-4)


PEN_PLAIN = PEN.replace("maximize the area", "make the pen as large as it can be")


async def test_repair_switches_target_when_highs_refuses_a_nonlinear_model(sandbox) -> None:
    assert classify(PEN_PLAIN) is ProblemKind.LP, "no nonlinear word: the model's linear reading stands"
    linear = FORMULATION | {"kind": "lp"}
    script = ScriptedModel(
        understand=UNDERSTANDING | {"kind": "lp"},
        formulate=linear,
        write_code=PEN_PYOMO_NONLINEAR,
        repair=PEN_SCIP,
        judge=ACCEPT,
        explain="ok",
    )
    answer = await solve(PEN_PLAIN, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert [r.diagnosis.finding for r in answer.rounds] == ["crash", "ok"]
    assert "degree" in answer.rounds[0].diagnosis.detail
    switch = script.prompts["repair"][0]
    assert answer.target == "pyscipopt" and "Write a new pyscipopt program" in switch and "A pyomo program" in switch
    assert "# The program" not in switch and "pyo.Var" not in switch, "written anew: the Pyomo program is not shown"
    assert "degree" in switch, "with the solver's refusal"
    assert answer.objective == pytest.approx(80000, rel=1e-4)
    chosen = AgentSettings(strategy="orthought", target="pyomo")
    script = ScriptedModel(orthought=PEN_PYOMO_NONLINEAR, repair=crashing(5), explain="ok")
    answer = await solve(PEN_PLAIN, roles=script.roles(), sandbox=sandbox, settings=chosen)
    assert answer.target == "pyomo", "the user's --target is never switched"
    assert not any("Write a new pyscipopt program" in prompt for prompt in script.prompts["repair"])
    assert all("# The program" in prompt for prompt in script.prompts["repair"])


# --- one vote


async def test_infeasible_verdicts_are_votes(sandbox) -> None:
    script = ScriptedModel(write_code=[INFEASIBLE, GOOD, INFEASIBLE], judge=ACCEPT, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=3))
    assert answer.outcome is AnswerOutcome.INFEASIBLE and sorted(map(len, answer.vote.groups)) == [1, 2]


async def test_a_tie_is_broken_at_temperature_zero(sandbox) -> None:
    script = ScriptedModel(write_code=[GOOD, WRONG], judge=ACCEPT, vote={"choice": 1, "reason": "first"}, **MODELING)
    recording = Recording(script)
    answer = await solve(WORKSHOP, roles=ModelRoles(recording), sandbox=sandbox, settings=AgentSettings(samples=2))
    assert answer.vote.tie_broken_by_judge
    temperatures = {step: sampling["temperature"] for step, _, sampling in recording.seen}
    assert temperatures["vote"] == 0.0 and temperatures["write_code"] == 0.7


def _cp_program(x: int, y: int, flag: bool) -> str:
    return f"""```python
import json
import cpmpy as cp
x = cp.intvar(0, 10, name="x")
y = cp.intvar(0, 10, name="y")
model = cp.Model(x + y == {x + y})
model += [x == {x}, y == {y}]
assert model.solve()
print(json.dumps({{"x": int(x.value()), "y": int(y.value()), "flag": {flag}}}))
```"""


CP_TEXT = "Find integers x, y in 0..10 with x + y = 7 and x - y = 1; report flag as whether x > y."
CP_MODELING = {
    "understand": UNDERSTANDING | {"sense": "none", "kind": "cp-satisfaction"},
    "formulate": FORMULATION | {"objective": {"sense": "none"}, "kind": "cp-satisfaction"},
    "explain": "x=4, y=3.",
}


async def test_satisfaction_samples_vote_by_their_canonical_solution(sandbox) -> None:
    problem = Problem(id="cp", text=CP_TEXT, kind=ProblemKind.CP_SATISFACTION, targets=Targets())
    programs = [_cp_program(5, 2, True), _cp_program(4, 3, True), _cp_program(4, 3, True).replace("True", "1")]
    script = ScriptedModel(write_code=programs, verify="[[OK]]", **CP_MODELING)
    answer = await solve(problem, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=3))
    assert sorted(map(len, answer.vote.groups)) == [1, 2], "true and 1 are one ballot; 5+2 is another"
    assert answer.values["x"] == 4 and not answer.vote.tie_broken_by_judge


async def test_a_stated_kind_wins_over_the_models_reading(sandbox) -> None:
    """A benchmark's stated kind is input: a reading and formulation that call the CP problem a
    MILP (a small model's common slip) must not send it to Pyomo."""
    problem = Problem(id="cp", text=CP_TEXT, kind=ProblemKind.CP_SATISFACTION, targets=Targets())
    misread = {step: reply | {"kind": "milp"} for step, reply in CP_MODELING.items() if isinstance(reply, dict)}
    script = ScriptedModel(write_code=_cp_program(4, 3, True), verify="[[OK]]", explain="x=4, y=3.", **misread)
    answer = await solve(problem, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert answer.target == "cpmpy" and "cpmpy" in script.prompts["write_code"][0]
    assert answer.values["x"] == 4 and script.calls["verify"] == 1, "CP problems get self-verification"


async def test_a_stated_satisfaction_problem_has_no_objective_whatever_the_model_reads(sandbox) -> None:
    """A small model reads most satisfaction puzzles as "minimize"; the stated kind is input."""
    problem = Problem(id="cp", text=CP_TEXT, kind=ProblemKind.CP_SATISFACTION, targets=Targets())
    minimizing = {
        "understand": UNDERSTANDING | {"sense": "minimize", "objective": "the sum", "kind": "cp-satisfaction"},
        "formulate": FORMULATION | {"objective": {"sense": "minimize", "latex": "x + y"}, "kind": "cp-satisfaction"},
    }
    script = ScriptedModel(write_code=_cp_program(4, 3, True), verify="[[OK]]", explain="x=4.", **minimizing)
    answer = await solve(problem, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert answer.understanding is not None and answer.understanding.sense == "none"
    assert answer.formulation is not None and answer.formulation.is_feasibility
    said = "asks for any solution that meets every condition"
    assert all(said in script.prompts[step][0] for step in ("understand", "formulate", "write_code"))
    optimizing = Problem(id="opt", text=CP_TEXT, kind=ProblemKind.CP_OPTIMIZATION, targets=Targets())
    script = ScriptedModel(write_code=_cp_program(4, 3, True), verify="[[OK]]", explain="x=4.", **minimizing)
    answer = await solve(optimizing, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert answer.formulation is not None and answer.formulation.objective.sense == "minimize"
    assert said not in script.prompts["write_code"][0]


# --- CP-Bench's self-verification and prompt levels


async def test_self_verification_runs_the_fixed_program(sandbox) -> None:
    fixed = "[[FIXED]] x - y = 1 was missing.\n" + _cp_program(4, 3, True)
    script = ScriptedModel(write_code=_cp_program(5, 2, True), verify=[fixed, "[[OK]]"], **CP_MODELING)
    answer = await solve(CP_TEXT, roles=script.roles(), sandbox=sandbox, settings=ONE)
    assert [r.trigger for r in answer.rounds] == ["first", "verify"] and answer.values["x"] == 4
    assert answer.rounds[0].verdict is not None and "x - y = 1 was missing" in answer.rounds[0].verdict.reason
    assert script.calls["verify"] == 2 and script.calls["judge"] == 0
    assert '"x": 5' in script.prompts["verify"][0], "the model sees what its program printed"


async def test_self_verification_stops_after_its_rounds_and_within_the_budget(sandbox) -> None:
    fixes = [f"[[FIXED]] try {i}\n" + _cp_program(i % 8, 7 - i % 8, bool(i % 2)) for i in range(1, 30)]
    script = ScriptedModel(write_code=_cp_program(0, 7, False), verify=fixes, **CP_MODELING)
    settings = AgentSettings(samples=1, max_verify_rounds=3, explain=False)
    answer = await solve(CP_TEXT, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["verify"] == 3 and len(answer.rounds) == 4
    script = ScriptedModel(write_code=_cp_program(0, 7, False), verify=fixes, **CP_MODELING)
    settings = AgentSettings(samples=1, max_calls=5, explain=False)
    answer = await solve(CP_TEXT, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["verify"] == 2 and len(answer.calls) == 5


async def test_self_verification_is_a_setting_for_any_strategy(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, verify="[[OK]]", explain="ok")
    settings = AgentSettings(strategy="direct", self_verify="always")
    await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["verify"] == 1
    script = ScriptedModel(write_code=_cp_program(4, 3, True), judge=ACCEPT, **CP_MODELING)
    await solve(CP_TEXT, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1, self_verify="never"))
    assert script.calls["verify"] == 0 and script.calls["judge"] == 1


@pytest.mark.parametrize("level", ["basic", "guidelines", "documentation"])
async def test_cp_prompt_levels(sandbox, level: str) -> None:
    script = ScriptedModel(write_code=_cp_program(4, 3, True), verify="[[OK]]", **CP_MODELING)
    recording = Recording(script)
    settings = AgentSettings(samples=1, cp_prompt=level)
    await solve(CP_TEXT, roles=ModelRoles(recording), sandbox=sandbox, settings=settings)
    systems = {step: system for step, system, _ in recording.seen}
    assert "expert in constraint programming" in systems["write_code"] and systems["verify"] == systems["write_code"]
    assert ("Modelling guidelines" in systems["write_code"]) is (level != "basic")
    assert ("Reference of cpmpy" in systems["write_code"]) is (level == "documentation")
    assert "constraint programming" not in systems["formulate"], "only CP code steps get the CP prompt"
    assert AgentSettings().cp_prompt == "documentation"


# --- thinking models sample as their profile says


async def test_thinking_models_sample_as_their_profile_says() -> None:
    from optagent.agent.llm import sampling_for
    from optagent.models import get_model

    thinking = get_model("vllm/Qwen/Qwen3-8B", base_url="http://127.0.0.1:9/v1")
    hybrid_off = get_model("vllm/Qwen/Qwen3-8B", base_url="http://127.0.0.1:9/v1", sampling={"thinking": False})
    instruct = get_model("vllm/Qwen/Qwen2.5-7B-Instruct", base_url="http://127.0.0.1:9/v1")
    one = AgentSettings(strategy="direct")
    assert sampling_for(thinking, one) == {"max_tokens": 4096 + 28672}, "no forced temperature 0"
    assert sampling_for(thinking, one, temperature=0.0) == {"max_tokens": 4096 + 28672}
    assert sampling_for(thinking, one.model_copy(update={"temperature": 0.3}))["temperature"] == 0.3
    assert sampling_for(hybrid_off, one) == {"temperature": 0.0, "max_tokens": 4096}
    assert sampling_for(instruct, one) == {"temperature": 0.0, "max_tokens": 4096}
    assert sampling_for(get_model("vllm/deepseek-r1-distill-qwen-7b", base_url="http://x/v1"), one)["max_tokens"] == (
        4096 + 20480
    )


async def test_a_thinking_model_on_the_fake_server_gets_its_profile_sampling(sandbox) -> None:
    """Against testing/fake_openai.py: what a real reasoning model would be sent (no such model runs here)."""
    from optagent.models import get_model
    from testing.fake_openai import FakeOpenAI

    program = GOOD
    with FakeOpenAI(
        models=("Qwen/Qwen3-8B",), reply={"reasoning": "Let me think. 4t+3c<=240.", "content": program}
    ) as server:
        model = get_model("vllm/Qwen/Qwen3-8B", base_url=server.base_url)
        settings = AgentSettings(strategy="direct", explain=False)
        answer = await solve(WORKSHOP, roles=ModelRoles(model), sandbox=sandbox, settings=settings)
        body = server.requests[-1]
    assert answer.objective == pytest.approx(4100)
    assert "temperature" in body and body["temperature"] == 0.6, "Qwen3's thinking default, not 0"
    assert body["top_p"] == 0.95 and body["max_tokens"] == 4096 + 28672


async def test_cp_prompt_reaches_the_settings_from_the_command_line() -> None:
    from optagent.app.options import agent_settings

    settings = agent_settings("full", max_tokens=4096, max_repairs=3, max_judge_rounds=2, cp_prompt="guidelines")
    assert settings.cp_prompt == "guidelines"


async def test_the_chat_shows_the_self_check(sandbox) -> None:
    from optagent.agent import stream_solve
    from optagent.app.chat_render import event_steps

    fixed = "[[FIXED]] x - y = 1 was missing.\n" + _cp_program(4, 3, True)
    script = ScriptedModel(write_code=_cp_program(5, 2, True), verify=[fixed, "[[OK]]"], **CP_MODELING)
    events = [e async for e in stream_solve(CP_TEXT, roles=script.roles(), sandbox=sandbox, settings=ONE)]
    titles = [step.title for e in events if e.node == "verify" for step in event_steps(e, latex=False)]
    assert titles == ["Self-check: code", "Self-check: accept"]
