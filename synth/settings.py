"""The settings of one synthesis job: explicit, recorded in its header, compared on resume."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from optagent.agent.strategies import STRATEGY_NAMES
from optagent.core.types import Limits
from optagent.synth.dedup import DEFAULT_THRESHOLD
from optagent.synth.scenario import SynthKind

# Settings a resumed job may change: how much to make and how fast, not what it makes.
RUN_ONLY = frozenset({"n", "concurrency", "max_candidates"})


class SynthSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    n: int = Field(default=1000, ge=1, description="problems to keep")
    kinds: tuple[SynthKind, ...] = tuple(SynthKind)
    concurrency: int = Field(default=8, ge=1, le=1024, description="candidates in flight at once")
    max_candidates: int | None = Field(default=None, ge=1, description="give up after this many; default 20 * n")
    temperature: float = Field(default=0.7, ge=0.0, le=2.0, description="the synthesizer's sampling temperature")
    pair_rate: float = Field(default=0.5, ge=0.0, le=1.0, description="share of scenarios grown from two seeds")
    dedup_threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0.0, lt=1.0, description="Jaccard on word 3-grams")
    target: str | None = Field(default=None, description="solver target; None picks one per kind")
    check_strategy: str = Field(default="orthought", description="the agent strategy of the independent check")
    repairs: int = Field(default=2, ge=0, description="code repair rounds when formulating and coding")
    max_tokens: int | None = Field(default=4096, ge=64)
    limits: Limits = Field(default_factory=lambda: Limits(timeout_s=60.0))
    rng_seed: int = Field(default=0, description="seed choice per candidate is a function of this and its index")
    prefixes: bool = Field(
        default=True,
        description="every well-formed prefix of 3 or more steps of a scenario is a candidate too (ReSocratic)",
    )

    @field_validator("kinds")
    @classmethod
    def _some_kinds(cls, kinds: tuple[SynthKind, ...]) -> tuple[SynthKind, ...]:
        if not kinds:
            raise ValueError("at least one kind is needed")
        return tuple(dict.fromkeys(kinds))

    @field_validator("check_strategy")
    @classmethod
    def _known_strategy(cls, strategy: str) -> str:
        if strategy not in STRATEGY_NAMES:
            raise ValueError(f"unknown strategy '{strategy}'; choose one of {', '.join(STRATEGY_NAMES)}")
        return strategy

    @property
    def candidate_budget(self) -> int:
        return self.max_candidates or 20 * self.n

    def identity(self) -> dict[str, Any]:
        """What must match for a job directory to be resumed with these settings."""
        return self.model_dump(mode="json", exclude=set(RUN_ONLY))
