"""What to know about a model family so a user does not have to: sampling defaults from the
model cards, whether it reasons (and which vLLM `--reasoning-parser` splits the reasoning
out), its thinking delimiters, the words that open a reflection (TrimR watches for them),
and the flags `optagent serve` passes to `vllm serve`.

Matched by a regular expression on the served model name, first match wins. Explicit
sampling options always override a profile's defaults.

`thinking_tokens` is the room a thinking model gets on top of a reply's cap (the agent's
`max_tokens`, 4096 by default): 28672 for Qwen3 and gpt-oss (with the cap, the 32768
output tokens Qwen3's card recommends), 20480 for QwQ and the R1 distills, which
`optagent serve` starts with `--max-model-len 32768` (8192 tokens are left for the prompt).
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from pydantic import BaseModel, Field

from optagent.core.errors import OptagentError

REFLECTION_MARKERS = (
    "Wait",
    "But wait",
    "Alternatively",
    "Hmm",
    "Let me double-check",
    "Let me verify",
    "Let me check",
    "Double-check",
    "However",
    "But",
)


class Profile(BaseModel):
    name: str
    pattern: str = Field(description="regular expression, matched case-insensitively against the model name")
    sampling: dict[str, Any] = {}
    sampling_no_thinking: dict[str, Any] | None = Field(
        default=None, description="defaults when thinking is switched off (`thinking=False`), for hybrid models"
    )
    reasons: bool = False
    reasoning_parser: str | None = None
    think_start: str = ""
    think_end: str = ""
    reflection_markers: tuple[str, ...] = ()
    thinking_tokens: int = Field(
        default=0,
        ge=0,
        description="room for thinking added to a reply's max_tokens, so a thinking model can finish its answer",
    )
    serve_flags: tuple[str, ...] = ()
    notes: str = ""

    def defaults(self, thinking: bool | None) -> dict[str, Any]:
        if thinking is False and self.sampling_no_thinking is not None:
            return dict(self.sampling_no_thinking)
        return dict(self.sampling)


class _Thinking(TypedDict):
    """The fields every thinking family shares."""

    reasons: bool
    think_start: str
    think_end: str
    reflection_markers: tuple[str, ...]


_THINK: _Thinking = {
    "reasons": True,
    "think_start": "<think>",
    "think_end": "</think>",
    "reflection_markers": REFLECTION_MARKERS,
}

PROFILES: tuple[Profile, ...] = (
    Profile(
        name="qwen3-instruct-2507",
        pattern=r"qwen3.*instruct",
        sampling={"temperature": 0.7, "top_p": 0.8, "top_k": 20, "min_p": 0.0},
        notes="non-thinking only; presence_penalty 0-2 reduces endless repetition",
    ),
    Profile(
        name="qwen3",
        pattern=r"qwen3",
        sampling={"temperature": 0.6, "top_p": 0.95, "top_k": 20, "min_p": 0.0},
        sampling_no_thinking={"temperature": 0.7, "top_p": 0.8, "top_k": 20, "min_p": 0.0},
        reasoning_parser="qwen3",
        thinking_tokens=28672,
        serve_flags=("--reasoning-parser", "qwen3"),
        notes="hybrid: thinking=False sends chat_template_kwargs.enable_thinking=false; never greedy when thinking",
        **_THINK,
    ),
    Profile(
        name="qwq",
        pattern=r"qwq",
        sampling={"temperature": 0.6, "top_p": 0.95, "top_k": 40, "min_p": 0.0},
        reasoning_parser="deepseek_r1",
        thinking_tokens=20480,
        serve_flags=("--reasoning-parser", "deepseek_r1", "--max-model-len", "32768"),
        notes="presence_penalty 0-2 reduces endless repetition",
        **_THINK,
    ),
    Profile(
        name="deepseek-r1-distill",
        pattern=r"deepseek-r1|r1-distill",
        sampling={"temperature": 0.6, "top_p": 0.95},
        reasoning_parser="deepseek_r1",
        thinking_tokens=20480,
        serve_flags=("--reasoning-parser", "deepseek_r1", "--max-model-len", "32768"),
        notes="the model card advises no system prompt: put all instructions in the user message",
        **_THINK,
    ),
    Profile(
        name="qwen2.5",
        pattern=r"qwen2\.?5",
        sampling={"temperature": 0.7, "top_p": 0.8, "top_k": 20, "repetition_penalty": 1.05},
    ),
    Profile(
        name="gpt-oss",
        pattern=r"gpt-oss",
        sampling={"temperature": 1.0, "top_p": 1.0},
        reasons=True,
        reasoning_parser="openai_gptoss",
        thinking_tokens=28672,
        think_start="<|channel|>analysis<|message|>",
        think_end="<|end|>",
        reflection_markers=("Wait", "But", "Let's double-check", "Check", "Alternatively", "Hmm"),
        serve_flags=("--reasoning-parser", "openai_gptoss"),
        notes="reasoning effort via reasoning_effort=low|medium|high",
    ),
    Profile(
        name="llama3",
        pattern=r"llama-?3",
        sampling={"temperature": 0.6, "top_p": 0.9},
    ),
    Profile(
        name="smollm2",
        pattern=r"smollm2?",
        sampling={"temperature": 0.2, "top_p": 0.9},
        notes="a tiny model for transport tests and the embedded default, not for solving",
    ),
)

_BY_NAME = {profile.name: profile for profile in PROFILES}


def thinking_profile(model: Any) -> Profile | None:
    """The profile of a model that thinks on this call, else None.

    A model thinks when its family reasons and thinking is not switched off for it
    (`sampling={"thinking": False}` on a hybrid such as Qwen3). Such a model samples as its
    profile says (never greedy: the model cards warn of endless repetition) and gets
    `thinking_tokens` on top of the reply's cap.
    """
    profile = getattr(model, "profile", None)
    if profile is None or not profile.reasons:
        return None
    return None if (getattr(model, "sampling", None) or {}).get("thinking") is False else profile


def find_profile(model_name: str) -> Profile | None:
    """The first profile whose pattern matches the model name, or None for an unknown family."""
    for profile in PROFILES:
        if re.search(profile.pattern, model_name, re.IGNORECASE):
            return profile
    return None


def profile_named(name: str) -> Profile:
    if name not in _BY_NAME:
        raise OptagentError(f"unknown model profile '{name}'; known: {', '.join(_BY_NAME)}")
    return _BY_NAME[name]
