"""What the job writes: one `Candidate` line per attempt, kept or rejected for a named reason.

The candidate log (`candidates.jsonl`) is the job's only commit point; the problem file,
the chat-message export and the Hugging Face dataset are rebuilt from it, so they can never
disagree with it or hold a problem twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from optagent.agent.formulation import Formulation
from optagent.core.types import Tokens
from optagent.synth.scenario import Scenario, SynthKind


class Stage(StrEnum):
    """The pipeline's steps, in order; a rejection names the one that refused the candidate."""

    SCENARIO = "scenario"
    FILTER = "filter"
    QUESTION = "question"
    FORMULATE = "formulate"
    VERIFY = "verify"
    CHECK = "check"
    WRITE = "write"


STAGES: tuple[Stage, ...] = tuple(Stage)


class RejectReason(StrEnum):
    MALFORMED_SCENARIO = "malformed_scenario"
    KIND_NOT_REQUESTED = "kind_not_requested"
    NEAR_DUPLICATE = "near_duplicate"
    MALFORMED_QUESTION = "malformed_question"
    QUESTION_LOST_DATA = "question_lost_data"
    NO_FORMULATION = "no_formulation"
    NO_PROGRAM = "no_program"
    CRASHED = "crashed"
    NO_RESULT = "no_result"
    TIMEOUT = "timeout"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NOT_OPTIMAL = "not_optimal"
    NO_OBJECTIVE = "no_objective"
    TRIVIAL = "trivial_solution"
    CHECK_UNSOLVED = "check_unsolved"
    ANSWER_DISAGREES = "answer_disagrees"


STAGE_OF: dict[RejectReason, Stage] = {
    RejectReason.MALFORMED_SCENARIO: Stage.FILTER,
    RejectReason.KIND_NOT_REQUESTED: Stage.FILTER,
    RejectReason.NEAR_DUPLICATE: Stage.FILTER,
    RejectReason.MALFORMED_QUESTION: Stage.QUESTION,
    RejectReason.QUESTION_LOST_DATA: Stage.QUESTION,
    RejectReason.NO_FORMULATION: Stage.FORMULATE,
    RejectReason.NO_PROGRAM: Stage.FORMULATE,
    RejectReason.CRASHED: Stage.VERIFY,
    RejectReason.NO_RESULT: Stage.VERIFY,
    RejectReason.TIMEOUT: Stage.VERIFY,
    RejectReason.INFEASIBLE: Stage.VERIFY,
    RejectReason.UNBOUNDED: Stage.VERIFY,
    RejectReason.NOT_OPTIMAL: Stage.VERIFY,
    RejectReason.NO_OBJECTIVE: Stage.VERIFY,
    RejectReason.TRIVIAL: Stage.VERIFY,
    RejectReason.CHECK_UNSOLVED: Stage.CHECK,
    RejectReason.ANSWER_DISAGREES: Stage.CHECK,
}


class Questions(BaseModel):
    plain: str
    table: str


class Solution(BaseModel):
    """A verified program and what it found."""

    formulation: Formulation | None = None
    code: str = ""
    target: str | None = None
    language: str | None = None
    objective: float | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    solution_status: str | None = None


class Candidate(BaseModel):
    """One line of `candidates.jsonl`: everything one attempt produced, and its fate."""

    index: int
    id: str
    seed_ids: list[str]
    status: Literal["kept", "rejected"]
    reason: RejectReason | None = None
    stage: Stage = Field(description="the stage that rejected it; `write` when kept")
    detail: str = Field(default="", description="one line on why, when rejected")
    scenario: Scenario | None = None
    duplicate_of: str | None = None
    parent: str | None = Field(default=None, description="for a prefix: the id of the full scenario's candidate")
    questions: Questions | None = None
    solution: Solution | None = None
    check: Solution | None = Field(default=None, description="the agent's own solve of the plain question")
    tokens: Tokens = Field(default_factory=Tokens)
    tokens_by_stage: dict[str, int] = Field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def kept(self) -> bool:
        return self.status == "kept"

    @property
    def kind(self) -> SynthKind | None:
        return self.scenario.kind if self.scenario else None
