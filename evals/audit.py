"""Label audits: run reference programs and list the problems whose labels they don't reproduce.

Benchmark labels are wrong more often than anyone likes (OptiBench's own reference programs
disagree with a handful of its labels). An audit is an eval of the reference programs; a
problem is reproduced when the native rule passes, or, where the native rule cannot be
applied (named targets without an extractor model), when the objective-only or strict
score passes.

A label taken from a failed solve is named as such: when the reference program's solver
reported the model infeasible or unbounded and the label still equals what the program
printed after that solve (every named target, read by name from its output; for a single
objective label, a number it printed), the mismatch carries `failed_solve` ("infeasible"
or "unbounded"): the label holds the leftovers of a solve that found no solution.
"""

from __future__ import annotations

from pydantic import BaseModel

from optagent.benchmarks.scoring import absolute_match, named_in_output, numbers_in, strict_match
from optagent.core.types import Outcome, Problem
from optagent.evals.log import SampleRecord, natural_key

NAMED_TOLERANCE = 1e-4


class Mismatch(BaseModel):
    id: str
    sample: int
    outcome: str
    expected: float | None
    predicted: float | None
    detail: str
    failed_solve: str | None = None


def reproduces(record: SampleRecord) -> bool:
    if record.graded:
        return record.correct
    if record.objective_correct is not None:
        return record.objective_correct
    return bool(record.strict)


def mismatches(records: list[SampleRecord], problems: dict[str, Problem]) -> list[Mismatch]:
    return [
        Mismatch(
            id=r.id,
            sample=r.sample,
            outcome=r.outcome.value,
            expected=r.expected_objective,
            predicted=r.predicted_objective,
            detail=r.detail,
            failed_solve=failed_solve(r, problems[r.id]) if r.id in problems else None,
        )
        for r in sorted(records, key=lambda r: natural_key(r.key))
        if not reproduces(r)
    ]


def failed_solve(record: SampleRecord, problem: Problem) -> str | None:
    """ "infeasible" or "unbounded" when the label equals what the program printed after such a solve."""
    result = record.prediction.result
    if record.outcome not in (Outcome.INFEASIBLE, Outcome.UNBOUNDED) or result is None:
        return None
    targets = problem.targets
    if targets.named:
        printed = named_in_output(result, list(targets.named))
        same = len(printed) == len(targets.named) and all(
            absolute_match(printed[key], label, NAMED_TOLERANCE) for key, label in targets.named.items()
        )
    elif targets.objective is not None:
        same = any(strict_match(n, targets.objective) for n in numbers_in(result.stdout))
    else:
        same = False
    return record.outcome.value if same else None
