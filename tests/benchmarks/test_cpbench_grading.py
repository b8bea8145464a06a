"""CP-Bench grading by solution checking, through the real sandbox and CPMpy (OR-Tools).

The candidate programs run in the sandbox like any generated program; the check (pin the
printed values in the reference model, re-solve) runs there too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optagent.benchmarks import Outcome, Prediction, ScoringContext, get_benchmark
from optagent.core.errors import OptagentError
from optagent.core.types import ExecResult, Language, Limits, Termination
from optagent.solvers.sandbox import Sandbox

pytestmark = pytest.mark.asyncio(loop_scope="session")
LIMITS = Limits(timeout_s=60.0)


async def _score(cp_data: Path, sandbox: Sandbox, problem_id: str, program: str):
    benchmark = get_benchmark("cpbench")
    problem = benchmark.load(cp_data).by_id()[problem_id]
    result = await sandbox.run(program, Language.PYTHON, LIMITS)
    return await benchmark.score(problem, Prediction(result=result), ScoringContext(sandbox=sandbox, limits=LIMITS))


KNAP = """
from cpmpy import *
import json
take = boolvar(shape=3, name="take")
weights, values = [3, 4, 5], [4, 5, 6]
model = Model(sum(take * weights) <= 8, {extra})
model.maximize(sum(take * values))
model.solve()
print("solved; solution follows")
print(json.dumps({{"take": take.value().astype(int).tolist(), "value": int(sum(take.value() * values))}}))
"""


async def test_optimization_problem(cp_data: Path, sandbox: Sandbox) -> None:
    passed = await _score(cp_data, sandbox, "knap", KNAP.format(extra="True"))
    assert passed.correct and passed.strict and passed.outcome == Outcome.CORRECT
    assert passed.predicted_objective == passed.expected_objective == 10
    # feasible but not optimal: items 0 and 1 (value 9) instead of 0 and 2 (value 10)
    worse = await _score(cp_data, sandbox, "knap", KNAP.format(extra="take[2] == 0"))
    assert not worse.correct and worse.outcome == Outcome.WRONG
    assert "objective 9 is not the reference optimum 10" in worse.detail


async def test_satisfaction_problem(cp_data: Path, sandbox: Sandbox) -> None:
    good = 'import json\nprint(json.dumps({"a": 1, "b": 3, "c": 8}))'
    wrong = 'import json\nprint(json.dumps({"a": 2, "b": 6, "c": 4}))'
    missing = 'import json\nprint(json.dumps({"a": 1, "b": 3}))'
    extra = 'import json\nprint(json.dumps({"a": 1, "b": 3, "c": 8, "d": 0}))'
    score = await _score(cp_data, sandbox, "abc", good)
    assert score.correct and score.outcome == Outcome.CORRECT and score.detail == "satisfies the reference model"
    score = await _score(cp_data, sandbox, "abc", wrong)
    assert not score.correct and "violates the reference model" in score.detail
    score = await _score(cp_data, sandbox, "abc", missing)
    assert not score.correct and "missing: ['c']" in score.detail
    score = await _score(cp_data, sandbox, "abc", extra)
    assert not score.correct and "extra: ['d']" in score.detail


async def test_wrong_shape_and_no_json(cp_data: Path, sandbox: Sandbox) -> None:
    score = await _score(cp_data, sandbox, "knap", 'print(\'{"take": [1, 0], "value": 10}\')')
    assert not score.correct and "printed shape (2,) but the reference has (3,)" in score.detail
    score = await _score(cp_data, sandbox, "knap", 'print("no idea")')
    assert score.outcome == Outcome.NO_ANSWER


async def test_crash_and_timeout_are_their_own_outcomes(cp_data: Path, sandbox: Sandbox) -> None:
    crashed = await _score(cp_data, sandbox, "abc", "raise RuntimeError('boom')")
    assert crashed.outcome == Outcome.CRASHED and not crashed.correct
    benchmark = get_benchmark("cpbench")
    problem = benchmark.load(cp_data).by_id()["abc"]
    short = Limits(timeout_s=1.0)
    result = await sandbox.run("while True: pass", Language.PYTHON, short)
    score = await benchmark.score(problem, Prediction(result=result), ScoringContext(sandbox=sandbox, limits=short))
    assert score.outcome == Outcome.TIMEOUT


async def test_statements_only_are_not_gradable(datasets: Path) -> None:
    benchmark = get_benchmark("cpbench")
    problems, _ = benchmark.read(datasets / "cpbench" / "problems.jsonl")
    problem = next(p for p in problems if p.id == "abbots_puzzle")
    result = ExecResult(termination=Termination.OK, stdout='{"men": 5, "women": 25, "children": 70}')
    score = await benchmark.score(problem, Prediction(result=result), ScoringContext())
    assert not score.graded and not score.correct and score.outcome == Outcome.UNGRADED
    assert "not gradable: statements only" in score.detail


async def test_grading_needs_a_sandbox(cp_data: Path) -> None:
    benchmark = get_benchmark("cpbench")
    problem = benchmark.load(cp_data).by_id()["abc"]
    result = ExecResult(termination=Termination.OK, stdout='{"a": 1, "b": 3, "c": 8}')
    with pytest.raises(OptagentError, match="runs the reference model in the sandbox"):
        await benchmark.score(problem, Prediction(result=result), ScoringContext())
