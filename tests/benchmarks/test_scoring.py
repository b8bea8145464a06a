"""Scoring rules: the strict rule, label parsing, outcomes, and each benchmark's native rule.

Where the point is solver behaviour (an objective read from the solver, a proof of
infeasibility) the programs run through the real sandbox; where the point is the rule's
arithmetic, ExecResult objects are built directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from optagent.agent.models import get_model
from optagent.benchmarks import Outcome, Prediction, Problem, ScoringContext, Targets, get_benchmark
from optagent.benchmarks.scoring import execution_outcome, is_infeasible_label, parse_number, strict_match
from optagent.solvers.result import ExecResult, Language, Limits, SolutionStatus, Termination
from optagent.solvers.sandbox import Sandbox

CONTEXT = ScoringContext()


def ok(objective: float | None, **fields) -> Prediction:
    status = SolutionStatus.OPTIMAL if objective is not None else SolutionStatus.UNKNOWN
    return Prediction(result=ExecResult(termination=Termination.OK, solution_status=status, objective=objective, **fields))


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(workers=1) as sandbox:
        yield sandbox


@pytest.mark.parametrize(
    ("predicted", "expected", "match"),
    [(2250.0, 2250.0, True), (2250.002, 2250.0, True), (2250.003, 2250.0, False), (1e-6, 0.0, True),
     (2e-6, 0.0, False), (-5.0, 5.0, False), (float("nan"), 1.0, False), (None, 1.0, False)],
)
def test_strict_rule(predicted: float | None, expected: float, match: bool) -> None:
    assert strict_match(predicted, expected) is match


@pytest.mark.parametrize(
    ("label", "value"),
    [("1,234.5", 1234.5), ("40000", 40000.0), (" -3e2 ", -300.0), ("$2,000", 2000.0), ("12.5%", 12.5), (7, 7.0), (".5", 0.5)],
)
def test_parse_number(label: object, value: float) -> None:
    assert parse_number(label) == value


@pytest.mark.parametrize("label", ["abc", "12 apples", "", True, [1], "1.2.3", float("inf")])
def test_parse_number_rejects(label: object) -> None:
    with pytest.raises(ValueError, match="not a|boolean"):
        parse_number(label)


def test_infeasible_labels() -> None:
    assert all(is_infeasible_label(v) for v in (None, "No Best Solution", "infeasible", "Infeasible.", "null"))
    assert not any(is_infeasible_label(v) for v in ("0", 0, "12", "feasible"))


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (None, Outcome.NO_ANSWER),
        (ExecResult(termination=Termination.TIMEOUT, solution_status=SolutionStatus.FEASIBLE, objective=3.0), Outcome.TIMEOUT),
        (ExecResult(termination=Termination.ERROR, solution_status=SolutionStatus.INFEASIBLE), Outcome.INFEASIBLE),
        (ExecResult(termination=Termination.OK, solution_status=SolutionStatus.INFEASIBLE_OR_UNBOUNDED), Outcome.INFEASIBLE),
        (ExecResult(termination=Termination.OK, solution_status=SolutionStatus.UNBOUNDED), Outcome.UNBOUNDED),
        (ExecResult(termination=Termination.MEMORY), Outcome.CRASHED),
        (ExecResult(termination=Termination.ERROR, objective=4.0), Outcome.CRASHED),
        (ExecResult(termination=Termination.OK, objective=4.0), None),
    ],
)
def test_execution_outcome(result: ExecResult | None, outcome: Outcome | None) -> None:
    assert execution_outcome(Prediction(result=result)) == outcome


async def test_logior_rule_is_absolute_and_strictly_below_001() -> None:
    benchmark = get_benchmark("logior")
    problem = Problem(id="p", text="t", targets=Targets(objective=100.0))
    assert (await benchmark.score(problem, ok(100.009), CONTEXT)).correct
    near = await benchmark.score(problem, ok(100.01), CONTEXT)
    assert not near.correct and near.outcome == Outcome.WRONG
    close = await benchmark.score(problem, ok(100.00005), CONTEXT)
    assert close.correct and close.strict
    loose = await benchmark.score(problem, ok(100.005), CONTEXT)
    assert loose.correct and not loose.strict  # 0.005/101 > 1e-6
    none = await benchmark.score(problem, ok(None), CONTEXT)
    assert none.outcome == Outcome.NO_ANSWER and not none.correct


async def test_logior_infeasible_through_the_sandbox(sandbox: Sandbox) -> None:
    benchmark = get_benchmark("logior")
    infeasible = Problem(id="p", text="t", targets=Targets(infeasible=True))
    feasible = Problem(id="q", text="t", targets=Targets(objective=10.0))
    program = """
import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.x = pyo.Var(bounds=(0, 10))
m.c = pyo.Constraint(expr=m.x >= {low})
m.obj = pyo.Objective(expr=m.x)
result = pyo.SolverFactory("appsi_highs").solve(m, load_solutions=False)
print(result.solver.termination_condition)
"""
    proof = await sandbox.run(program.format(low=20), Language.PYTHON, Limits(timeout_s=30))
    assert proof.solution_status == SolutionStatus.INFEASIBLE
    score = await benchmark.score(infeasible, Prediction(result=proof), CONTEXT)
    assert score.correct and score.strict and score.outcome == Outcome.CORRECT
    score = await benchmark.score(feasible, Prediction(result=proof), CONTEXT)
    assert not score.correct and score.outcome == Outcome.INFEASIBLE
    solved = await sandbox.run(program.format(low=5), Language.PYTHON, Limits(timeout_s=30))
    score = await benchmark.score(infeasible, Prediction(result=solved), CONTEXT)
    assert not score.correct and score.outcome == Outcome.WRONG and "label: infeasible" in score.detail


PROCESS_PROGRAM = """
import json
import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.j = pyo.Var(domain=pyo.NonNegativeIntegers)
m.p = pyo.Var(domain=pyo.NonNegativeIntegers)
m.water = pyo.Constraint(expr=8 * m.j + 6 * m.p <= 1500)
m.pollution = pyo.Constraint(expr=3 * m.j + 5 * m.p <= {pollution})
m.obj = pyo.Objective(expr=5 * m.j + 9 * m.p, sense=pyo.maximize)
pyo.SolverFactory("appsi_highs").solve(m)
print({printed})
"""
NAMED = (
    'json.dumps({"The number of Process J": pyo.value(m.j), "The number of Process P": pyo.value(m.p), '
    '"The total metal extracted": pyo.value(m.obj)})'
)


async def test_optibench_named_targets_from_printed_json(datasets: Path, sandbox: Sandbox) -> None:
    benchmark = get_benchmark("optibench")
    problem = benchmark.load(datasets).by_id()["2"]
    result = await sandbox.run(PROCESS_PROGRAM.format(pollution=1350, printed=NAMED), Language.PYTHON, Limits(timeout_s=30))
    score = await benchmark.score(problem, Prediction(result=result), CONTEXT)
    assert score.graded and score.correct and score.objective_correct and score.strict
    assert score.outcome == Outcome.CORRECT and "read from the printed JSON" in score.detail
    # a tighter pollution limit changes the optimum: every score says wrong
    result = await sandbox.run(PROCESS_PROGRAM.format(pollution=1000, printed=NAMED), Language.PYTHON, Limits(timeout_s=30))
    score = await benchmark.score(problem, Prediction(result=result), CONTEXT)
    assert not score.correct and score.objective_correct is False and score.strict is False
    assert score.outcome == Outcome.WRONG and score.predicted_objective == 1800.0


async def test_optibench_without_named_answers_scores_the_objective_only(datasets: Path, sandbox: Sandbox) -> None:
    benchmark = get_benchmark("optibench")
    problem = benchmark.load(datasets).by_id()["2"]
    result = await sandbox.run(
        PROCESS_PROGRAM.format(pollution=1350, printed='"J", pyo.value(m.j), "P", pyo.value(m.p)'),
        Language.PYTHON,
        Limits(timeout_s=30),
    )
    score = await benchmark.score(problem, Prediction(result=result), CONTEXT)
    assert not score.graded and not score.correct
    assert score.objective_correct and score.strict and score.outcome == Outcome.CORRECT
    assert "native rule not applied: no named answers and no extractor model" in score.detail


async def test_optibench_native_rule_needs_every_target(datasets: Path) -> None:
    benchmark = get_benchmark("optibench")
    problem = benchmark.load(datasets).by_id()["2"]
    named = {"The number of Process J": 0.0, "The number of Process P": 250.0, "The total metal extracted": 2250.0}
    score = await benchmark.score(problem, ok(2250.0, values={}).model_copy(update={"named": named}), CONTEXT)
    assert score.correct and score.graded
    off = {**named, "The number of Process J": 0.0002}
    score = await benchmark.score(problem, ok(2250.0).model_copy(update={"named": off}), CONTEXT)
    assert not score.correct and score.objective_correct and score.outcome == Outcome.WRONG
    assert "1 of 3 off: ['The number of Process J']" in score.detail
    within = {**named, "The total metal extracted": 2250.00009}
    assert (await benchmark.score(problem, Prediction(named=within), CONTEXT)).correct


async def test_optibench_extractor_model(datasets: Path) -> None:
    benchmark = get_benchmark("optibench")
    problem = benchmark.load(datasets).by_id()["2"]
    seen: list[str] = []

    def reply(messages):
        seen.append(messages[-1].content)
        return {"answers": [
            {"name": "The number of Process J", "value": 0},
            {"name": "the number of process p", "value": 250},
            {"name": "The total metal extracted", "value": 2250},
        ]}

    result = ExecResult(
        termination=Termination.OK, solution_status=SolutionStatus.OPTIMAL, objective=2250.0,
        stdout="Process J: 0 runs\nProcess P: 250 runs\nMetal: 2250 units\n",
    )
    context = ScoringContext(extractor=get_model("mock", replies=reply))
    score = await benchmark.score(problem, Prediction(result=result), context)
    assert score.correct and score.graded and "extracted by mock" in score.detail
    assert "- The number of Process P" in seen[0] and "Process P: 250 runs" in seen[0]
    # an extractor reply that is not the contract: the sample counts as unanswered, the run goes on
    broken = ScoringContext(extractor=get_model("mock", replies=lambda messages: "I think 2250"))
    score = await benchmark.score(problem, Prediction(result=result), broken)
    assert score.graded and not score.correct and "extractor failed" in score.detail
    assert score.objective_correct  # the solver's objective still scores


async def test_optibench_problem_without_objective_key(datasets: Path) -> None:
    benchmark = get_benchmark("optibench")
    problem = benchmark.load(datasets).by_id()["33"]
    score = await benchmark.score(problem, ok(5.0), CONTEXT)
    assert score.objective_correct is None and score.strict is None
    assert score.outcome == Outcome.UNGRADED and "no objective key" in score.detail


async def test_jsonl_relative_rule(tmp_path: Path) -> None:
    benchmark = get_benchmark("jsonl", path="x.jsonl", rel_tol=1e-3)
    problem = Problem(id="1", text="t", targets=Targets(objective=1000.0))
    assert (await benchmark.score(problem, ok(1000.9), CONTEXT)).correct
    assert not (await benchmark.score(problem, ok(1001.1), CONTEXT)).correct
    crashed = Prediction(result=ExecResult(termination=Termination.ERROR, error="NameError: x"))
    score = await benchmark.score(problem, crashed, CONTEXT)
    assert score.outcome == Outcome.CRASHED and not score.correct and score.strict is False
