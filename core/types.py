"""The value types every layer shares: what a program run gave, what a problem is and how a
prediction scored, and what one model call said and cost.

This module imports nothing else of optagent, so every package may import it (see
`docs/architecture.md`). Termination and solution status are separate enums, as in Pyomo,
because "the program crashed after the solver proved infeasibility" and "the solver timed
out with a feasible point" are both real outcomes.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

# ---- one program run ---------------------------------------------------------------------


class Language(StrEnum):
    PYTHON = "python"
    MINIZINC = "minizinc"


class Termination(StrEnum):
    """How the run ended, from the sandbox's point of view."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    KILLED = "killed"


class SolutionStatus(StrEnum):
    """What the solver concluded about the model, independent of how the process ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    UNKNOWN = "unknown"


class Limits(BaseModel):
    """Resource limits for one run. `None` leaves a limit off."""

    timeout_s: float = 60.0
    cpu_s: float | None = None
    memory_mb: int | None = 4096
    file_size_mb: int | None = 64
    max_processes: int | None = 64
    output_bytes: int = 64_000
    network: bool = False


class Timings(BaseModel):
    queued_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0


class ExecResult(BaseModel):
    """Everything known about one execution; the only thing the agent and scorers read."""

    termination: Termination
    solution_status: SolutionStatus = SolutionStatus.UNKNOWN
    objective: float | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    solver: str | None = Field(default=None, description="which solver object the result was read from")
    printed_json: dict[str, Any] | None = Field(
        default=None, description="an explicit JSON object the program printed, if any"
    )
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    error: str | None = Field(default=None, description="one line naming the cause")
    error_line: int | None = Field(default=None, description="line of the program the error points at")
    traceback: str | None = None
    exit_code: int | None = None
    isolation: list[str] = Field(
        default_factory=list, description="isolation measures in force, e.g. 'netns', 'rlimits'"
    )
    isolation_missing: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)

    @property
    def solved(self) -> bool:
        return self.solution_status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)


# ---- problems, predictions, scores -------------------------------------------------------


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


# ---- model calls -------------------------------------------------------------------------


class Role(StrEnum):
    """The jobs an LLM does in optagent; each can point at a different model."""

    FORMULATOR = "formulator"
    CODER = "coder"
    JUDGE = "judge"
    VERIFIER = "verifier"
    SYNTHESIZER = "synthesizer"


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class CallRecord(BaseModel):
    """What one call cost, for the run log."""

    model: str
    role: Role | None = None
    step: str | None = Field(default=None, description="the LLM step that made the call: its prompt template's name")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int | None = None
    latency_s: float = 0.0
    retries: int = 0
    corrections: int = Field(default=0, description="corrective retries: a structured reply sent back as invalid")
    finish_reason: str | None = None
    endpoint: str | None = Field(default=None, description="base URL of the replica that answered")
    trimr: dict[str, Any] | None = Field(
        default=None, description="TrimR's measurements (TrimRStats) when the call went through TrimR"
    )


class Tokens(BaseModel):
    prompt: int = 0
    completion: int = 0
    reasoning: int = 0
    calls: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    @classmethod
    def of(cls, records: list[CallRecord]) -> Tokens:
        return cls(
            prompt=sum(r.prompt_tokens for r in records),
            completion=sum(r.completion_tokens for r in records),
            reasoning=sum(r.reasoning_tokens or 0 for r in records),
            calls=len(records),
        )
