"""Problems, predictions and scores: the typed data between benchmarks, agent and runner."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from optagent.solvers.result import ExecResult, Language


class ProblemKind(StrEnum):
    LP = "lp"
    MILP = "milp"
    NLP = "nlp"
    MINLP = "minlp"
    CP_SATISFACTION = "cp-satisfaction"
    CP_OPTIMIZATION = "cp-optimization"


class Targets(BaseModel):
    """What a correct answer must match. Which fields are set depends on the benchmark."""

    objective: float | None = None
    infeasible: bool = Field(default=False, description="the reference answer is 'infeasible'")
    named: dict[str, float] = Field(default_factory=dict, description="OptiBench-style named results")
    objective_key: str | None = Field(default=None, description="which named result is the objective")
    decision_variables: list[str] = Field(default_factory=list, description="keys the printed JSON must have")
    is_optimization: bool | None = None
    reference_model: Path | None = Field(default=None, description="a reference program that grades by checking")

    @property
    def has_answer(self) -> bool:
        return self.infeasible or self.objective is not None or bool(self.named) or self.reference_model is not None


class Problem(BaseModel):
    id: str
    text: str
    targets: Targets = Field(default_factory=Targets)
    kind: ProblemKind | None = None
    category: str | None = Field(default=None, description="the benchmark's own type label, for reports")
    metadata: dict[str, Any] = Field(default_factory=dict)


class Prediction(BaseModel):
    """What a model produced for one problem, as the scorer sees it."""

    result: ExecResult | None = Field(default=None, description="None when no program was produced")
    named: dict[str, float | None] = Field(
        default_factory=dict, description="answers to named targets, from the agent or an extractor model"
    )
    code: str | None = None
    language: Language | None = None


class Outcome(StrEnum):
    """Why a prediction scored as it did; every sample lands in exactly one."""

    CORRECT = "correct"
    WRONG = "wrong"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    CRASHED = "crashed"
    TIMEOUT = "timeout"
    NO_ANSWER = "no_answer"
    UNGRADED = "ungraded"


class Score(BaseModel):
    correct: bool = Field(description="by the benchmark's native, published rule")
    strict: bool | None = Field(default=None, description="|pred-gt|/(|gt|+1) <= 1e-6 on the objective")
    objective_correct: bool | None = Field(default=None, description="objective-only score, where defined")
    outcome: Outcome
    predicted_objective: float | None = None
    expected_objective: float | None = None
    detail: str = ""
    graded: bool = Field(
        default=True,
        description="False when the native rule could not be applied (no named answers and no "
        "extractor; CP-Bench statements without reference models); `correct` is then False",
    )
