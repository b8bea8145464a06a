"""TrimR's thresholds, with the published values as defaults."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TrimRSettings(BaseModel):
    """Every threshold TrimR uses; nothing is hard-coded elsewhere.

    Defaults follow "TrimR: Verifier-based Training-Free Thinking Compression for
    Efficient Test-Time Scaling": stop overthinking after M=2 consecutive equivalent
    answers, underthinking at half the thinking budget or 20 thoughts without convergence.
    """

    agreeing_answers: int = Field(
        2, ge=1, description="M: consecutive answer-bearing thoughts equivalent to their predecessor before stopping"
    )
    thinking_budget: int = Field(
        32768, ge=1, description="thinking tokens a call may use at most; lowered to fit each request's max_tokens"
    )
    underthinking_budget_fraction: float = Field(
        0.5, gt=0, le=1, description="share of the budget after which an unconverged trace is stopped"
    )
    underthinking_thoughts: int = Field(20, ge=1, description="thoughts after which an unconverged trace is stopped")
    repetition_ngram: int = Field(24, ge=4, description="words in the window the rolling hash covers")
    repetition_count: int = Field(3, ge=2, description="occurrences of one window that mark a loop")
    repetition_horizon: int = Field(4096, ge=64, description="recent words searched for repeats")
    verifier_sentences: int = Field(3, ge=1, description="last sentences of a thought shown to the verifier")
    verifier_question_chars: int = Field(
        3000, ge=100, description="characters of the question shown to the verifier (its start and its end)"
    )
    verifier_top_logprobs: int = Field(10, ge=2, le=20, description="top logprobs read for the Yes/No token")
    verifier_concurrency: int = Field(4, ge=1, description="verifier requests in flight per reasoning stream")
    answer_max_tokens: int = Field(2048, ge=1, description="tokens allowed for the answer after a cut")
    native_thinking_budget: bool = Field(
        False, description="the server enforces `thinking_token_budget` (vLLM with --reasoning-config)"
    )
    native_repetition_detection: bool = Field(
        False, description="the server stops loops itself (vLLM `repetition_detection`)"
    )

    @property
    def underthinking_tokens(self) -> int:
        return int(self.thinking_budget * self.underthinking_budget_fraction)
