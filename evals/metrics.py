"""Numbers of a run, computed from its sample records only (so a resumed run counts the same).

Definitions, with K samples per problem:

- `n` counts scored samples (problem x sample lines); `problems` counts distinct problems.
  With K = 1 they are equal.
- `accuracy` = correct samples / `graded` samples (those the native rule could be applied
  to; all of them unless named targets had no extractor or a benchmark has no reference
  answers): the per-sample accuracy, which is the unbiased estimate of pass@1. `strict_accuracy` and `objective_accuracy` are the same ratio for the
  strict rule `|pred - gt| / (|gt| + 1) <= 1e-6` and the objective-only rule, over the
  samples where that rule is defined (`strict_n`, `objective_n`).
- `pass_at_k[k]` (K > 1): the unbiased estimator of Chen et al. (2021),
  `1 - C(n_i - c_i, k) / C(n_i, k)` averaged over problems, for k = 1 and k = K.
- `majority_accuracy` (K > 1): per problem, samples vote with their answer (their
  predicted objective, values equal under the strict tolerance; "infeasible" and
  "unbounded" are answers too; samples with no answer do not vote); the largest group wins,
  ties go to the group holding the earliest sample; the problem counts as correct when
  that group's first sample is correct by the native rule.
- `rule`: the best rule that could be applied to the run, and the one the report's
  headline, per-category plot and "not correct" list use: `native` when any sample was
  graded by it, else `objective` (OptiBench without named answers), else `strict`, else
  None (nothing could be scored). `headline_correct` / `headline_n` / `headline_accuracy`
  are the counts under that rule.
- Per category and per size: `n`, `graded` (samples `rule` applies to), `correct` and
  `accuracy` (correct / graded) of the samples in the group, under `rule`.
- pass@k, majority vote and the groups count graded samples only, like `accuracy`.
- Tokens and seconds per problem: over samples, prompt + completion tokens and wall time.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from math import comb
from typing import Literal

from pydantic import BaseModel, Field

from optagent.core.types import Outcome
from optagent.evals.log import SampleRecord

STRICT_TOLERANCE = 1e-6
Rule = Literal["native", "objective", "strict"]
RULE_NAMES: dict[Rule | None, str] = {
    "native": "native (the benchmark's published rule)",
    "objective": "objective-only (the native rule could not be applied)",
    "strict": "strict (neither the native nor the objective-only rule could be applied)",
    None: "none (no rule could be applied)",
}


class Group(BaseModel):
    n: int
    graded: int
    correct: int
    accuracy: float | None


class Stat(BaseModel):
    mean: float
    median: float
    p95: float
    total: float


class Summary(BaseModel):
    benchmark: str
    n: int = Field(description="scored samples")
    correct: int
    accuracy: float | None
    strict_accuracy: float | None
    objective_accuracy: float | None
    graded: int = Field(description="samples the native rule could be applied to")
    problems: int
    samples_per_problem: int
    strict_n: int
    objective_n: int
    scores: list[str] = Field(description="which scores the numbers hold: native, strict, objective")
    rule: Rule | None = Field(None, description="the best rule that could be applied; the headline's")
    headline_correct: int = 0
    headline_n: int = 0
    headline_accuracy: float | None = None
    outcomes: dict[Outcome, int]
    by_category: dict[str, Group]
    by_size: dict[str, Group]
    pass_at_k: dict[int, float] = Field(default_factory=dict)
    majority_accuracy: float | None = None
    tokens_per_sample: Stat | None = None
    seconds_per_sample: Stat | None = None
    missing: int = Field(0, description="planned samples with no line in the log")


def summarize(benchmark: str, records: list[SampleRecord], *, missing: int = 0) -> Summary:
    n = len(records)
    graded = sum(r.graded for r in records)
    correct = sum(r.correct for r in records)
    strict = [r.strict for r in records if r.strict is not None]
    objective = [r.objective_correct for r in records if r.objective_correct is not None]
    by_problem: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.key):
        by_problem[record.id].append(record)
    k = max((len(v) for v in by_problem.values()), default=0)
    graded_by_problem = {
        ident: kept for ident, samples in by_problem.items() if (kept := [r for r in samples if r.graded])
    }
    counts = Counter(r.outcome for r in records)
    scores = (["native"] if graded else []) + (["strict"] if strict else []) + (["objective"] if objective else [])
    rule = best_rule(records)
    judged = [v for r in records if (v := verdict(r, rule)) is not None]
    return Summary(
        benchmark=benchmark,
        n=n,
        correct=correct,
        accuracy=_ratio(correct, graded),
        strict_accuracy=_ratio(sum(strict), len(strict)),
        objective_accuracy=_ratio(sum(objective), len(objective)),
        graded=graded,
        problems=len(by_problem),
        samples_per_problem=k,
        strict_n=len(strict),
        objective_n=len(objective),
        scores=scores,
        rule=rule,
        headline_correct=sum(judged),
        headline_n=len(judged),
        headline_accuracy=_ratio(sum(judged), len(judged)),
        outcomes={o: counts[o] for o in Outcome if counts[o]},
        by_category=_groups(records, lambda r: r.category, rule),
        by_size=_groups(records, lambda r: r.size, rule),
        pass_at_k=_pass_at_k(graded_by_problem, k) if k > 1 else {},
        majority_accuracy=_majority(graded_by_problem) if k > 1 else None,
        tokens_per_sample=_stat([float(r.tokens.total) for r in records]),
        seconds_per_sample=_stat([r.timings.wall_s for r in records]),
        missing=missing,
    )


def best_rule(records: list[SampleRecord]) -> Rule | None:
    """Native where the benchmark's rule judged an answer; a rule that only graded failed runs
    (OptiBench: a crash is wrong, a clean run without named answers is ungraded) yields to
    the objective rule when there is one, so one crash does not make the headline 0 of 1."""
    graded = [r for r in records if r.graded]
    answered = any(r.outcome in (Outcome.CORRECT, Outcome.WRONG) for r in graded)
    objective = any(r.objective_correct is not None for r in records)
    if graded and (answered or not objective):
        return "native"
    if objective:
        return "objective"
    if any(r.strict is not None for r in records):
        return "strict"
    return None


def verdict(record: SampleRecord, rule: Rule | None) -> bool | None:
    """The sample's verdict under `rule`; None where that rule does not apply to it."""
    if rule == "native":
        return record.correct if record.graded else None
    if rule == "objective":
        return record.objective_correct
    if rule == "strict":
        return record.strict
    return None


def answer_key(record: SampleRecord) -> float | str | None:
    """What a sample answered, for voting: an objective value, 'infeasible', 'unbounded' or None."""
    if record.outcome in (Outcome.INFEASIBLE, Outcome.UNBOUNDED):
        return record.outcome.value
    return record.predicted_objective


def same_answer(a: float | str, b: float | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(a - b) / (abs(b) + 1) <= STRICT_TOLERANCE


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _groups(
    records: list[SampleRecord], key: Callable[[SampleRecord], str | None], rule: Rule | None
) -> dict[str, Group]:
    grouped: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in records:
        value = key(record)
        if value is not None:
            grouped[value].append(record)
    groups = {}
    for name, rs in sorted(grouped.items()):
        judged = [v for r in rs if (v := verdict(r, rule)) is not None]
        groups[name] = Group(
            n=len(rs), graded=len(judged), correct=sum(judged), accuracy=_ratio(sum(judged), len(judged))
        )
    return groups


def _pass_at_k(by_problem: dict[str, list[SampleRecord]], k_max: int) -> dict[int, float]:
    result = {}
    for k in sorted({1, k_max}):
        values = []
        for samples in by_problem.values():
            n, c = len(samples), sum(r.correct for r in samples)
            if n >= k:
                values.append(1.0 - comb(n - c, k) / comb(n, k))
        if values:
            result[k] = sum(values) / len(values)
    return result


def _majority(by_problem: dict[str, list[SampleRecord]]) -> float | None:
    wins = 0
    for samples in by_problem.values():
        groups: list[tuple[float | str, list[SampleRecord]]] = []  # (the group's first answer, its samples)
        for record in samples:
            answer = answer_key(record)
            if answer is None:
                continue
            for first, group in groups:
                if same_answer(answer, first):
                    group.append(record)
                    break
            else:
                groups.append((answer, [record]))
        if groups:
            # max keeps the first of equal lengths: the earliest sample's group
            best = max((group for _, group in groups), key=len)
            wins += best[0].correct
    return _ratio(wins, len(by_problem))


def _stat(values: list[float]) -> Stat | None:
    if not values:
        return None
    ordered = sorted(values)
    return Stat(
        mean=statistics.fmean(ordered),
        median=statistics.median(ordered),
        p95=ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        total=sum(ordered),
    )
