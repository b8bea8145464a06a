"""Label audits: run reference programs and list the problems whose labels they don't reproduce.

Benchmark labels are wrong more often than anyone likes (OptiBench's own reference programs
disagree with a handful of its labels). An audit is an eval of the reference programs; a
problem is reproduced when the native rule passes, or, where the native rule cannot be
applied (named targets without an extractor model), when the objective-only or strict
score passes.
"""

from __future__ import annotations

from pydantic import BaseModel

from optagent.evals.log import SampleRecord, natural_key


class Mismatch(BaseModel):
    id: str
    sample: int
    outcome: str
    expected: float | None
    predicted: float | None
    detail: str


def reproduces(record: SampleRecord) -> bool:
    if record.graded:
        return record.correct
    if record.objective_correct is not None:
        return record.objective_correct
    return bool(record.strict)


def mismatches(records: list[SampleRecord]) -> list[Mismatch]:
    return [
        Mismatch(
            id=r.id,
            sample=r.sample,
            outcome=r.outcome.value,
            expected=r.expected_objective,
            predicted=r.predicted_objective,
            detail=r.detail,
        )
        for r in sorted(records, key=lambda r: natural_key(r.key))
        if not reproduces(r)
    ]
