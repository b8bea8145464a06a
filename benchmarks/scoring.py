"""Scoring rules shared by every benchmark: the strict rule, outcome classification, label parsing.

Each benchmark applies its own published tolerance, but all of them report the unified
strict rule beside it, classify a prediction the same way, and read labels with the same
parser, so numbers stay comparable across benchmarks and papers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from optagent.core.types import ExecResult, Outcome, Prediction, Score, SolutionStatus, Targets, Termination

STRICT_TOLERANCE = 1e-6
STRICT_RULE = "|pred - gt| / (|gt| + 1) <= 1e-6 on the objective"

INFEASIBLE_LABELS = frozenset(
    {"infeasible", "no best solution", "no feasible solution", "no solution", "none", "null", "n/a"}
)
_INFEASIBLE_STATUSES = (SolutionStatus.INFEASIBLE, SolutionStatus.INFEASIBLE_OR_UNBOUNDED)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def strict_match(predicted: float | None, expected: float) -> bool:
    """The unified rule: relative error with a +1 guard, so a zero label does not divide by zero."""
    if predicted is None or not math.isfinite(predicted):
        return False
    return abs(predicted - expected) / (abs(expected) + 1.0) <= STRICT_TOLERANCE


def absolute_match(predicted: float | None, expected: float, tolerance: float) -> bool:
    if predicted is None or not math.isfinite(predicted):
        return False
    return abs(predicted - expected) <= tolerance


def is_infeasible_label(value: Any) -> bool:
    """`null`, "No Best Solution", "infeasible" and the like: the reference says no solution exists."""
    if value is None:
        return True
    return isinstance(value, str) and value.strip().strip(".").lower() in INFEASIBLE_LABELS


def parse_number(value: Any) -> float:
    """Read a label as a number: 3, "40000", "1,234.5", "$2,000", "12.5%", " -3e2 ".

    Raises ValueError with the offending text when there is no single number in it.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise ValueError(f"{value!r} is not a finite number")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a number")
    text = value.strip().replace(",", "").replace("_", "")
    text = re.sub(r"^[$€£¥]\s*|\s*%$", "", text).strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    raise ValueError(f"{value!r} is not a number")


def normal_name(name: str) -> str:
    """A target name with case, punctuation and spacing ignored: "Total cost ($)" -> "total cost"."""
    return re.sub(r"\W+", " ", name).strip().lower()


def named_in_output(result: ExecResult, keys: list[str]) -> dict[str, float | None]:
    """The targets a program's output states by name: in its printed JSON object, else in `name: value` lines.

    A line `The number of kids size bottles: 25.0` answers the key of that exact name, else
    the key equal to it with case and punctuation ignored; a later line wins over an earlier
    one. A value is read as a label is (`$2,000`, `12.5%`), else as the one number it holds
    (`25 units`); JSON `null` reads as None. Keys not stated, or stated without a number
    to read, are left out (an extractor model may still read them).
    """
    found: dict[str, float | None] = {}
    printed = {normal_name(str(key)): value for key, value in (result.printed_json or {}).items()}
    exact: dict[str, str] = {}
    normal: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, colon, value = line.rpartition(":")
        if colon and name.strip():
            exact[name.strip()] = value
            normal[normal_name(name)] = value
    for key in keys:
        if normal_name(key) in printed and printed[normal_name(key)] is None:
            found[key] = None
            continue
        for stated in (printed.get(normal_name(key)), exact.get(key.strip()), normal.get(normal_name(key))):
            number = _stated_number(stated)
            if number is not None:
                found[key] = number
                break
    return found


def numbers_in(text: str) -> list[float]:
    """Every number written in a text ("1,234.5" reads as 1234.5)."""
    return [float(n) for n in _NUMBER.findall(text.replace(",", ""))]


def _stated_number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return parse_number(value)
    except ValueError:
        numbers = numbers_in(value) if isinstance(value, str) else []
        return numbers[0] if len(numbers) == 1 else None


def reports_infeasible(prediction: Prediction) -> bool:
    """The program's solver proved infeasibility (an infeasible-or-unbounded proof counts)."""
    result = prediction.result
    return result is not None and result.solution_status in _INFEASIBLE_STATUSES


def execution_outcome(prediction: Prediction) -> Outcome | None:
    """The outcome decided by how the program ran, or None when it produced a value to compare.

    A timeout wins over everything; a proof of infeasibility or unboundedness wins over a
    crash that came after it (reading values of an infeasible model raises in most APIs).
    """
    result = prediction.result
    if result is None:
        return Outcome.NO_ANSWER
    if result.termination == Termination.TIMEOUT:
        return Outcome.TIMEOUT
    if result.solution_status in _INFEASIBLE_STATUSES:
        return Outcome.INFEASIBLE
    if result.solution_status == SolutionStatus.UNBOUNDED:
        return Outcome.UNBOUNDED
    if result.termination != Termination.OK:
        return Outcome.CRASHED
    return None


def predicted_objective(prediction: Prediction) -> float | None:
    """The objective read from the solver objects (by the sandbox), when the run ended cleanly."""
    result = prediction.result
    if result is None or result.termination != Termination.OK or result.objective is None:
        return None
    return result.objective if math.isfinite(result.objective) else None


def verdict(correct: bool) -> Outcome:
    return Outcome.CORRECT if correct else Outcome.WRONG


def score_objective(
    targets: Targets,
    prediction: Prediction,
    matches: Callable[[float, float], bool],
    rule: str,
) -> Score:
    """Score a single-objective answer: infeasible labels match only a proof of infeasibility."""
    outcome = execution_outcome(prediction)
    predicted = predicted_objective(prediction)
    if targets.infeasible:
        ok = reports_infeasible(prediction)
        return Score(
            correct=ok,
            strict=ok,
            outcome=Outcome.CORRECT if ok else outcome or Outcome.WRONG,
            predicted_objective=predicted,
            detail=f"label: infeasible; {'the solver proved infeasibility' if ok else _describe(outcome, prediction, predicted)}",
        )
    expected = targets.objective
    if expected is None:
        raise ValueError("score_objective needs an objective or an infeasible label")
    if outcome is not None or predicted is None:
        failed = Outcome.NO_ANSWER if outcome is None else outcome
        return Score(
            correct=False,
            strict=False,
            outcome=failed,
            expected_objective=expected,
            detail=f"label {expected:g}; {_describe(failed, prediction, predicted)}",
        )
    ok = matches(predicted, expected)
    return Score(
        correct=ok,
        strict=strict_match(predicted, expected),
        outcome=verdict(ok),
        predicted_objective=predicted,
        expected_objective=expected,
        detail=f"objective {predicted:g} vs label {expected:g} ({rule})",
    )


def _describe(outcome: Outcome | None, prediction: Prediction, predicted: float | None) -> str:
    if outcome is None:
        return "no objective value was produced" if predicted is None else f"the program found objective {predicted:g}"
    if outcome == Outcome.CRASHED and prediction.result is not None and prediction.result.error:
        return f"the program crashed: {prediction.result.error}"
    return {
        Outcome.NO_ANSWER: "no objective value was produced",
        Outcome.TIMEOUT: "the program timed out",
        Outcome.INFEASIBLE: "the program reported infeasible",
        Outcome.UNBOUNDED: "the program reported unbounded",
        Outcome.CRASHED: "the program crashed",
    }.get(outcome, outcome.value)
