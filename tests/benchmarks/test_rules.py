"""The shared rules: the strict rule, label parsing, infeasible labels, outcome classification."""

from __future__ import annotations

import pytest

from optagent.benchmarks import Outcome, Prediction
from optagent.benchmarks.scoring import execution_outcome, is_infeasible_label, parse_number, strict_match
from optagent.core.types import ExecResult, SolutionStatus, Termination


@pytest.mark.parametrize(
    ("predicted", "expected", "match"),
    [
        (2250.0, 2250.0, True),
        (2250.002, 2250.0, True),
        (2250.003, 2250.0, False),
        (1e-6, 0.0, True),
        (2e-6, 0.0, False),
        (-5.0, 5.0, False),
        (float("nan"), 1.0, False),
        (None, 1.0, False),
    ],
)
def test_strict_rule(predicted: float | None, expected: float, match: bool) -> None:
    assert strict_match(predicted, expected) is match


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("1,234.5", 1234.5),
        ("40000", 40000.0),
        (" -3e2 ", -300.0),
        ("$2,000", 2000.0),
        ("12.5%", 12.5),
        (7, 7.0),
        (".5", 0.5),
    ],
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
        (
            ExecResult(termination=Termination.TIMEOUT, solution_status=SolutionStatus.FEASIBLE, objective=3.0),
            Outcome.TIMEOUT,
        ),
        (ExecResult(termination=Termination.ERROR, solution_status=SolutionStatus.INFEASIBLE), Outcome.INFEASIBLE),
        (
            ExecResult(termination=Termination.OK, solution_status=SolutionStatus.INFEASIBLE_OR_UNBOUNDED),
            Outcome.INFEASIBLE,
        ),
        (ExecResult(termination=Termination.OK, solution_status=SolutionStatus.UNBOUNDED), Outcome.UNBOUNDED),
        (ExecResult(termination=Termination.MEMORY), Outcome.CRASHED),
        (ExecResult(termination=Termination.ERROR, objective=4.0), Outcome.CRASHED),
        (ExecResult(termination=Termination.OK, objective=4.0), None),
    ],
)
def test_execution_outcome(result: ExecResult | None, outcome: Outcome | None) -> None:
    assert execution_outcome(Prediction(result=result)) == outcome
