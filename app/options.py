"""Options that several commands share, declared once so their names, help and checks agree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from optagent.agent.strategies import STRATEGY_NAMES
from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.agent.context import AgentSettings

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", help="model spec for every role, e.g. vllm/Qwen/Qwen3-8B (default: $OPTAGENT_MODEL, else embedded)"
    ),
]
RoleOption = Annotated[list[str] | None, typer.Option("--role", help="ROLE=SPEC, a model for one role (repeatable)")]
BaseUrlOption = Annotated[
    list[str] | None,
    typer.Option(
        "--base-url",
        help="OpenAI-compatible server URL; several replicas of one model: repeat it or separate with commas",
    ),
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="run the programs on a Ray cluster: auto, ray://HOST:10001, HOST:PORT, or local (one started for the run)",
    ),
]
TrimrOption = Annotated[bool, typer.Option("--trimr", help="TrimR thinking compression for reasoning models")]
StrategyOption = Annotated[str, typer.Option("--strategy", help=f"agent strategy: {', '.join(STRATEGY_NAMES)}")]
TargetOption = Annotated[str | None, typer.Option("--target", help="solver target, e.g. pyomo, cpmpy, minizinc")]
MaxTokensOption = Annotated[int, typer.Option("--max-tokens", help="cap on each model reply")]
MaxRepairsOption = Annotated[int, typer.Option("--max-repairs", help="code repair rounds per attempt")]
MaxJudgeRoundsOption = Annotated[int, typer.Option("--max-judge-rounds", help="judge rounds per attempt")]
CpPromptOption = Annotated[
    str,
    typer.Option(
        "--cp-prompt", help="system prompt of CP code steps: basic, guidelines or documentation (CP-Bench's levels)"
    ),
]


def agent_settings(
    strategy: str, *, max_tokens: int, max_repairs: int, max_judge_rounds: int, cp_prompt: str, **more: Any
) -> AgentSettings:
    """The agent's settings from command-line values, each bad value refused in one line."""
    from typing import get_args

    from optagent.agent.context import AgentSettings, CpPrompt

    if cp_prompt not in get_args(CpPrompt):
        raise OptagentError(
            f"--cp-prompt '{cp_prompt}' is not a prompt level; use one of {', '.join(get_args(CpPrompt))}"
        )

    if max_tokens < 64:
        raise OptagentError(f"--max-tokens {max_tokens} is too small for a program; use 64 or more")
    if min(max_repairs, max_judge_rounds) < 0:
        raise OptagentError("--max-repairs and --max-judge-rounds must be 0 or more")
    return AgentSettings.for_strategy(
        strategy,
        max_tokens=max_tokens,
        max_repairs=max_repairs,
        max_judge_rounds=max_judge_rounds,
        cp_prompt=cp_prompt,
        **more,
    )
