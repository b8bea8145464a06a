"""The typed record of a solve: every round of every sample, and the final answer.

`Answer.prediction` is what the eval runner scores, so the agent and the benchmarks meet in
one place: the winning sample's `ExecResult`, its code, and the values of the named
results a benchmark asked for.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from optagent.agent.formulation import Formulation, Understanding
from optagent.core.types import CallRecord, ExecResult, Language, Prediction, Problem, ProblemKind

Trigger = Literal["first", "repair", "rewrite", "recode", "reformulate", "verify"]
Finding = Literal[
    "ok", "no_code", "crash", "no_result", "timeout", "infeasible", "unbounded", "suspicious", "ignores_problem"
]


class Diagnosis(BaseModel):
    """What one execution showed, decided without an LLM; it picks repair, judge or finish."""

    finding: Finding
    detail: str = ""

    @property
    def code_fault(self) -> bool:
        """A fault a code repair can fix from the traceback or the missing output alone."""
        return self.finding in ("no_code", "crash", "no_result")


class Verdict(BaseModel):
    """The judge's decision (LLMOPT self-correction): which part is wrong, or accept the result."""

    blame: Literal["formulation", "code", "accept"] = "accept"
    reason: str = ""


class Round(BaseModel):
    """One execution of one sample's program, with what followed from it."""

    sample: int
    index: int
    trigger: Trigger
    code: str
    result: ExecResult
    diagnosis: Diagnosis
    verdict: Verdict | None = None


class AnswerOutcome(StrEnum):
    SOLVED = "solved"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    CRASHED = "crashed"
    TIMEOUT = "timeout"
    NO_PROGRAM = "no_program"
    NO_RESULT = "no_result"


_OUTCOME_OF_FINDING: dict[str, AnswerOutcome] = {
    "ok": AnswerOutcome.SOLVED,
    "suspicious": AnswerOutcome.SOLVED,
    "ignores_problem": AnswerOutcome.SOLVED,  # it ran and answered, though not this problem
    "no_code": AnswerOutcome.NO_PROGRAM,
    "crash": AnswerOutcome.CRASHED,
    "no_result": AnswerOutcome.NO_RESULT,
    "timeout": AnswerOutcome.TIMEOUT,
    "infeasible": AnswerOutcome.INFEASIBLE,
    "unbounded": AnswerOutcome.UNBOUNDED,
}


class Attempt(BaseModel):
    """One independent sample: its reading, model, program, last result and full log."""

    sample: int
    understanding: Understanding | None = None
    formulation: Formulation | None = None
    target: str
    language: Language
    code: str = ""
    result: ExecResult | None = None
    diagnosis: Diagnosis | None = None
    rounds: list[Round] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="replies that could not be used, and why")
    calls: list[CallRecord] = Field(default_factory=list)

    @property
    def outcome(self) -> AnswerOutcome:
        return _OUTCOME_OF_FINDING[self.diagnosis.finding] if self.diagnosis else AnswerOutcome.NO_PROGRAM


def _normal(key: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", key.lower())


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def requested_outputs(problem: Problem) -> list[str]:
    """The outputs a benchmark asks for: OptiBench's named results, CP-Bench's JSON keys."""
    keys = list(problem.targets.named) + list(problem.targets.decision_variables)
    return list(dict.fromkeys(keys))


def exact_outputs(problem: Problem) -> bool:
    """CP-Bench's grader fails any printed key it did not ask for, so its keys must be the whole output."""
    return bool(problem.targets.decision_variables)


def asks_any_solution(problem: Problem) -> bool:
    """The problem states that it has no objective (a constraint satisfaction problem): any
    solution that meets every condition answers it. Stated, so no model's guess overrides it."""
    return problem.kind is ProblemKind.CP_SATISFACTION or problem.targets.is_optimization is False


def named_outputs(result: ExecResult | None, keys: list[str]) -> dict[str, Any]:
    """The values a program reported for the requested keys, matched exactly, then loosely.

    The loose match ignores case, spaces and punctuation, since models rename
    "Number of tables" to "number_of_tables". Printed JSON wins over introspected values.
    """
    if result is None or not keys:
        return {}
    found: dict[str, Any] = {}
    sources = [result.printed_json or {}, result.values]
    for key in keys:
        for source in sources:
            if key in source:
                found[key] = source[key]
                break
            loose = {_normal(k): v for k, v in source.items()}
            if _normal(key) in loose:
                found[key] = loose[_normal(key)]
                break
    return found


class Vote(BaseModel):
    """How the samples agreed: groups of sample indices with equal objectives."""

    groups: list[list[int]] = Field(default_factory=list)
    winner: int | None = None
    tie_broken_by_judge: bool = False
    reason: str = ""


class Answer(BaseModel):
    """The final typed answer; `outcome` and `detail` say honestly when it is not a solution."""

    problem_id: str
    strategy: str
    outcome: AnswerOutcome
    detail: str = Field(default="", description="one line on why, when not solved")
    understanding: Understanding | None = None
    formulation: Formulation | None = None
    code: str = ""
    language: Language | None = None
    target: str | None = None
    result: ExecResult | None = None
    objective: float | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    named: dict[str, Any] = Field(default_factory=dict, description="values of the outputs the problem asked for")
    explanation: str = ""
    explanation_note: str = Field(default="", description="why the explanation is a summary of the table, if it is")
    sandbox: str = Field(default="", description="the isolation the program ran under")
    vote: Vote = Field(default_factory=Vote)
    attempts: list[Attempt] = Field(default_factory=list)
    calls: list[CallRecord] = Field(default_factory=list)

    @property
    def solved(self) -> bool:
        return self.outcome is AnswerOutcome.SOLVED

    @property
    def rounds(self) -> list[Round]:
        return [round_ for attempt in self.attempts for round_ in attempt.rounds]

    @property
    def prediction(self) -> Prediction:
        """What a scorer sees; a reply without a program is no answer, not a crash."""
        return Prediction(
            result=None if self.outcome is AnswerOutcome.NO_PROGRAM else self.result,
            named={key: _as_float(value) for key, value in self.named.items()},
            code=self.code or None,
            language=self.language,
        )
