"""Run settings and the run context: explicit objects passed down, never module globals.

The strategy names one entry of `agent/strategies.py: PLANS`, the switches its graph is
built from.

Every solve has a budget of model calls and tokens (`max_calls`, `max_solve_tokens`),
shared equally by its samples. Every loop asks `AgentSettings.over_budget` before it starts
another round, so no strategy, however its loops are arranged, can spend without bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from optagent.agent.strategies import Plan, VerifyMode, plan_for
from optagent.core.types import Limits

if TYPE_CHECKING:
    from optagent.agent.transcript import Transcript
    from optagent.core.types import CallRecord
    from optagent.models import ModelRoles
    from optagent.solvers.runner import ProgramRunner

CpPrompt = Literal["basic", "guidelines", "documentation"]


class AgentSettings(BaseModel):
    """Everything that shapes one solve, recorded in the eval run header."""

    model_config = ConfigDict(frozen=True)

    strategy: str = Field(default="full", description="a key of agent/strategies.py PLANS")
    target: str | None = Field(default=None, description="solver target; None picks one from the problem kind")
    samples: int | None = Field(default=None, ge=1, le=64, description="K independent attempts; None: the strategy's")
    temperature: float | None = Field(
        default=None,
        ge=0.0,
        le=2.0,
        description="None: 0 for one sample, 0.7 when several vote; a thinking model samples as its profile says",
    )
    max_tokens: int | None = Field(default=4096, ge=64, description="cap on each reply")
    max_repairs: int = Field(default=3, ge=0, description="code repair rounds per sample")
    max_judge_rounds: int = Field(
        default=2, ge=0, description="judge reviews per sample; each may send the sample back to formulation or code"
    )
    self_verify: VerifyMode | None = Field(
        default=None,
        description="self-verification of clean runs: never, cp (CP problems), always; None: the strategy's",
    )
    max_verify_rounds: int = Field(default=10, ge=0, description="self-verification rounds per sample (CP-Bench: 10)")
    cp_prompt: CpPrompt = Field(
        default="documentation", description="system prompt of CP code steps: basic, guidelines or documentation"
    )
    max_problem_chars: int = Field(
        default=32_000, ge=100, description="longer statements are refused, not truncated: a cut model is a wrong model"
    )
    max_calls: int = Field(
        default=40, ge=1, description="model calls per solve, every loop and corrective retry included"
    )
    max_solve_tokens: int = Field(default=250_000, ge=1000, description="prompt + completion tokens per solve")
    explain: bool = Field(default=True, description="ask the model for a short explanation in the user's terms")
    limits: Limits = Field(default_factory=lambda: Limits(timeout_s=60.0))

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, strategy: str) -> str:
        plan_for(strategy)  # an OptagentError passes through pydantic as itself: one line
        return strategy

    @property
    def plan(self) -> Plan:
        return plan_for(self.strategy)

    @property
    def verify_mode(self) -> VerifyMode:
        return self.self_verify or self.plan.verify

    @property
    def sample_count(self) -> int:
        return self.samples if self.samples is not None else self.plan.samples

    @property
    def sampling_temperature(self) -> float:
        if self.temperature is not None:
            return self.temperature
        return 0.7 if self.sample_count > 1 else 0.0

    def over_budget(self, calls: Sequence[CallRecord], *, whole_solve: bool = False) -> str | None:
        """None while another model call fits the budget, else one line on what ran out.

        `calls` are one sample's calls, measured against its equal share of the solve's
        budget; with `whole_solve`, every call of the solve against the whole budget (for
        the steps after voting). A call with a corrective retry counts as two calls.
        """
        share = 1 if whole_solve else self.sample_count
        max_calls, max_tokens = -(-self.max_calls // share), -(-self.max_solve_tokens // share)
        used_calls = sum(1 + record.corrections for record in calls)
        used_tokens = sum(record.prompt_tokens + record.completion_tokens for record in calls)
        scope = "the solve" if whole_solve else "this sample"
        if used_calls >= max_calls:
            return f"{scope} used its budget of {max_calls} model calls (max_calls)"
        if used_tokens >= max_tokens:
            return f"{scope} used {used_tokens} of its {max_tokens} tokens (max_solve_tokens)"
        return None

    @classmethod
    def for_strategy(cls, strategy: str, **overrides: Any) -> AgentSettings:
        return cls(strategy=strategy, **overrides)


@dataclass(frozen=True)
class RunContext:
    """What every node may use: the settings, the models by role, and the sandbox.

    Passed as LangGraph's runtime context (`context=`), so nodes never reach for globals.
    """

    settings: AgentSettings
    roles: ModelRoles
    sandbox: ProgramRunner
    transcript: Transcript | None = None
    """Where `ask` records each call's prompt and reply, when the caller wants them (the eval)."""
