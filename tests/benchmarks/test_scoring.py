"""Each benchmark's native rule beside the strict and objective-only scores.

Where the point is solver behaviour (an objective read from the solver, a proof of
infeasibility) the programs run through the real sandbox; where the point is the rule's
arithmetic, ExecResult objects are built directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optagent.benchmarks import Outcome, Prediction, Problem, ScoringContext, Targets, get_benchmark
from optagent.core.types import ExecResult, Language, Limits, SolutionStatus, Termination
from optagent.models import get_model
from optagent.solvers.sandbox import Sandbox

pytestmark = pytest.mark.asyncio(loop_scope="session")
CONTEXT = ScoringContext()


def ok(objective: float | None, **fields) -> Prediction:
    status = SolutionStatus.OPTIMAL if objective is not None else SolutionStatus.UNKNOWN
    return Prediction(
        result=ExecResult(termination=Termination.OK, solution_status=status, objective=objective, **fields)
    )


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
    result = await sandbox.run(
        PROCESS_PROGRAM.format(pollution=1350, printed=NAMED), Language.PYTHON, Limits(timeout_s=30)
    )
    score = await benchmark.score(problem, Prediction(result=result), CONTEXT)
    assert score.graded and score.correct and score.objective_correct and score.strict
    assert score.outcome == Outcome.CORRECT and "read from the program's output by name" in score.detail
    # a tighter pollution limit changes the optimum: every score says wrong
    result = await sandbox.run(
        PROCESS_PROGRAM.format(pollution=1000, printed=NAMED), Language.PYTHON, Limits(timeout_s=30)
    )
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


async def test_optibench_grades_a_failed_run_wrong_by_its_native_rule(datasets: Path) -> None:
    """The published protocol scores every problem: a crash answers no target, so it counts."""
    problem = get_benchmark("optibench").load(datasets).by_id()["2"]
    crash = Prediction(result=ExecResult(termination=Termination.ERROR, error="NameError: name 'x' is not defined"))
    score = await get_benchmark("optibench").score(problem, crash, CONTEXT)
    assert score.graded and not score.correct and score.outcome == Outcome.CRASHED
    assert "no named answers: the run's outcome is crashed" in score.detail


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
    unnamed_objective = {key: value for key, value in named.items() if key != "The total metal extracted"}

    def printing(objective: float | None) -> Prediction:
        printed = {} if objective is None else {"objective": objective}
        return ok(2250.0, printed_json=printed).model_copy(update={"named": unnamed_objective})

    assert (await benchmark.score(problem, printing(2250.0), CONTEXT)).correct, "'objective' answers the key"
    score = await benchmark.score(problem, printing(2249.0), CONTEXT)
    assert not score.correct and "1 of 3 off: ['The total metal extracted']" in score.detail
    score = await benchmark.score(problem, printing(None), CONTEXT)
    assert not score.correct, "the solver's objective is not a printed answer"
    worded = ok(2250.0, printed_json={"objective": "2250 kg"}).model_copy(update={"named": unnamed_objective})
    assert (await benchmark.score(problem, worded, CONTEXT)).correct, "read as any printed target is"


async def test_optibench_extractor_model(datasets: Path) -> None:
    benchmark = get_benchmark("optibench")
    problem = benchmark.load(datasets).by_id()["2"]
    seen: list[str] = []

    def reply(call):
        seen.append(call.messages[-1].content)
        return {
            "answers": [
                {"name": "The number of Process J", "value": 0},
                {"name": "the number of process p", "value": 250},
                {"name": "The total metal extracted", "value": 2250},
            ]
        }

    result = ExecResult(
        termination=Termination.OK,
        solution_status=SolutionStatus.OPTIMAL,
        objective=2250.0,
        stdout="Process J: 0 runs\nProcess P: 250 runs\nMetal: 2250 units\n",
    )
    context = ScoringContext(extractor=get_model("mock", replies=reply))
    score = await benchmark.score(problem, Prediction(result=result), context)
    assert score.correct and score.graded and "extracted by mock" in score.detail
    assert "- The number of Process P" in seen[0] and "Process P: 250 runs" in seen[0]
    # an extractor reply that is not the contract: the sample counts as unanswered, the run goes on
    broken = ScoringContext(extractor=get_model("mock", replies=lambda call: "I think 2250"))
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
