"""The job's final report: yield per stage and per rejection reason, diversity, and cost.

Computed from the candidate log alone, so a resumed job reports on everything it made, not
only on its last run.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from optagent.core.types import Tokens
from optagent.synth.records import Candidate, RejectReason, Stage

# The stages that can reject, in pipeline order; `scenario` only produces.
GATES: tuple[Stage, ...] = (Stage.FILTER, Stage.QUESTION, Stage.FORMULATE, Stage.VERIFY, Stage.CHECK)


class StageYield(BaseModel):
    stage: Stage
    entered: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.entered if self.entered else 0.0


def size_bucket(size: int) -> str:
    """Variable and constraint steps of the scenario: small ≤ 4, medium ≤ 8, large above."""
    return "small" if size <= 4 else "medium" if size <= 8 else "large"


class ScenarioYield(BaseModel):
    """Kept problems per scenario written, counting its prefixes (ReSocratic) or not."""

    scenarios: int = Field(description="scenarios the synthesizer wrote: candidates that are no prefix")
    kept_whole: int = Field(description="kept problems that are a whole scenario")
    prefixes: int = Field(0, description="prefix candidates")
    kept_prefixes: int = 0
    calls_whole: int = Field(0, description="model calls spent on whole scenarios")
    calls_prefixes: int = 0

    def rows(self) -> list[str]:
        def row(name: str, kept: int, calls: int) -> str:
            per_call = f"{kept / calls:.3f}" if calls else "-"
            return f"| {name} | {kept} | {kept / max(self.scenarios, 1):.2f} | {calls:,} | {per_call} |"

        return [
            "| counted | kept | kept per scenario | model calls | kept per call |",
            "|---|---:|---:|---:|---:|",
            row("whole scenarios only (what --no-prefixes keeps)", self.kept_whole, self.calls_whole),
            row(
                f"with their {self.prefixes} prefixes",
                self.kept_whole + self.kept_prefixes,
                self.calls_whole + self.calls_prefixes,
            ),
        ]


class SynthReport(BaseModel):
    candidates: int
    kept: int
    per_scenario: ScenarioYield | None = None
    target: int = Field(description="problems asked for (--n)")
    stages: list[StageYield]
    reasons: dict[RejectReason, int]
    domains: dict[str, int]
    kinds: dict[str, int]
    sizes: dict[str, int]
    targets: dict[str, int]
    seeds_used: int
    tokens: Tokens
    tokens_by_stage: dict[str, int]
    elapsed_s: float = Field(0.0, description="wall time of the last run of the job")
    warnings: list[str] = Field(default_factory=list)

    @property
    def tokens_per_kept(self) -> float | None:
        return self.tokens.total / self.kept if self.kept else None

    def markdown(self) -> str:
        lines = [
            f"# Synthesis report: {self.kept} kept of {self.candidates} candidates (asked for {self.target})",
            "",
            "## Yield per stage",
            "| stage | entered | passed | yield |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {s.stage.value} | {s.entered} | {s.passed} | {s.rate:.0%} |" for s in self.stages]
        if self.per_scenario is not None:
            lines += ["", f"## Yield per scenario ({self.per_scenario.scenarios} scenarios written)"]
            lines += self.per_scenario.rows()
        lines += ["", "## Rejections per reason", "| reason | candidates | share of candidates |", "|---|---:|---:|"]
        for reason, count in sorted(self.reasons.items(), key=lambda item: -item[1]):
            lines.append(f"| {reason.value} | {count} | {count / max(self.candidates, 1):.0%} |")
        for title, counts in (
            ("domain", self.domains),
            ("kind", self.kinds),
            ("size", self.sizes),
            ("target", self.targets),
        ):
            lines += ["", f"## Kept problems per {title}", f"| {title} | kept |", "|---|---:|"]
            lines += [f"| {name} | {count} |" for name, count in sorted(counts.items(), key=lambda item: -item[1])]
        per_kept = f"{self.tokens_per_kept:,.0f}" if self.tokens_per_kept is not None else "n/a"
        lines += [
            "",
            f"Seeds used: {self.seeds_used}.",
            "",
            "## Cost",
            "| measure | value |",
            "|---|---:|",
            f"| model calls | {self.tokens.calls:,} |",
            f"| tokens (prompt + completion) | {self.tokens.total:,} |",
            f"| tokens per kept problem | {per_kept} |",
        ]
        lines += [f"| tokens in stage {stage} | {count:,} |" for stage, count in self.tokens_by_stage.items()]
        if self.elapsed_s:
            lines.append(f"| wall time of this run | {self.elapsed_s:,.1f} s |")
        return "\n".join(lines) + "\n"


def build_report(
    candidates: list[Candidate], target: int, elapsed_s: float = 0.0, warnings: list[str] | None = None
) -> SynthReport:
    rejected_at = Counter(c.stage for c in candidates if not c.kept)
    stages: list[StageYield] = []
    entered = len(candidates)
    for stage in GATES:
        passed = entered - rejected_at[stage]
        stages.append(StageYield(stage=stage, entered=entered, passed=passed))
        entered = passed
    kept = [c for c in candidates if c.kept]
    by_stage: Counter[str] = Counter()
    for candidate in candidates:
        by_stage.update(candidate.tokens_by_stage)
    whole = [c for c in candidates if c.parent is None]
    prefixes = [c for c in candidates if c.parent is not None]
    per_scenario = ScenarioYield(
        scenarios=len(whole),
        kept_whole=sum(c.kept for c in whole),
        prefixes=len(prefixes),
        kept_prefixes=sum(c.kept for c in prefixes),
        calls_whole=sum(c.tokens.calls for c in whole),
        calls_prefixes=sum(c.tokens.calls for c in prefixes),
    )
    return SynthReport(
        candidates=len(candidates),
        kept=len(kept),
        per_scenario=per_scenario,
        target=target,
        stages=stages,
        reasons=dict(Counter(c.reason for c in candidates if c.reason is not None)),
        domains=dict(Counter(c.scenario.domain.strip().lower() for c in kept if c.scenario)),
        kinds=dict(Counter(c.scenario.kind.value for c in kept if c.scenario)),
        sizes=dict(Counter(size_bucket(c.scenario.size) for c in kept if c.scenario)),
        targets=dict(Counter(c.solution.target or "?" for c in kept if c.solution)),
        seeds_used=len({seed for c in kept for seed in c.seed_ids}),
        tokens=Tokens(
            prompt=sum(c.tokens.prompt for c in candidates),
            completion=sum(c.tokens.completion for c in candidates),
            reasoning=sum(c.tokens.reasoning for c in candidates),
            calls=sum(c.tokens.calls for c in candidates),
        ),
        tokens_by_stage={stage.value: by_stage[stage.value] for stage in Stage if by_stage[stage.value]},
        elapsed_s=elapsed_s,
        warnings=warnings or [],
    )
