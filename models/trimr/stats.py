"""What TrimR did in one call, as the run log stores it."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field

from optagent.models.trimr.rules import Rule


class TrimRStats(BaseModel):
    """Per-call measurements. Token counts are the reasoning model's streamed tokens.

    `untrimmed_tokens` is known when the call was never cut (it is then `thinking_tokens`)
    or when the caller knows the full length (a replayed trace); `tokens_saved` follows.
    """

    rule: Rule | None = Field(None, description="the rule that cut the thinking; None when it ended by itself")
    thinking_budget: int | None = Field(None, description="the call's thinking budget, within its request's cap")
    native: list[str] = Field(default_factory=list, description="rules the server enforced itself")
    thoughts: int = 0
    cut_thought: int | None = Field(None, description="index of the deciding thought")
    thinking_tokens: int = Field(0, description="reasoning tokens streamed before the stream stopped")
    kept_tokens: int = Field(0, description="reasoning tokens kept up to the end of the deciding thought")
    continuation_tokens: int = Field(0, description="tokens generated after the guide")
    untrimmed_tokens: int | None = None
    verifier_calls: int = 0
    verifier_latency_s: float = Field(0.0, description="sum over verifier calls")
    verifier_latency_max_s: float = 0.0
    verifier_error: str | None = Field(None, description="the first failed verifier call; the thinking then ran on")
    wall_s: float = 0.0

    @computed_field  # type: ignore[prop-decorator]  # mypy rejects decorators stacked on a property (pydantic's documented form)
    @property
    def tokens_saved(self) -> int | None:
        if self.untrimmed_tokens is None:
            return None
        return max(0, self.untrimmed_tokens - self.thinking_tokens - self.continuation_tokens)


def total(stats: list[TrimRStats]) -> dict[str, float | int | None]:
    """Totals over calls (a problem, a run) for reports."""
    known = [s for s in stats if s.tokens_saved is not None]
    return {
        "calls": len(stats),
        "cut": sum(1 for s in stats if s.rule is not None),
        **{rule.value: sum(1 for s in stats if s.rule == rule) for rule in Rule},
        "thinking_tokens": sum(s.thinking_tokens for s in stats),
        "tokens_saved": sum(s.tokens_saved or 0 for s in known) if known else None,
        "verifier_calls": sum(s.verifier_calls for s in stats),
        "verifier_latency_s": round(sum(s.verifier_latency_s for s in stats), 3),
    }
