"""The strategies: each is one entry in `PLANS`, a set of switches over ONE graph.

A strategy sets which steps exist, whether crashes are repaired, whether results are judged
and how many samples vote, so strategies differ only in edges and settings and can be
compared fairly. `PLANS` is the one registry: `AgentSettings` validates a strategy name
against it and the `--strategy` help lists its keys. This module imports nothing heavy, so
the command line reads the names without loading pydantic or LangGraph.

| strategy | steps | after execution | samples | from |
|---|---|---|---|---|
| direct | code | stop | 1 | baseline: one prompt to a program |
| cot | code, reasoning first | stop | 1 | Wei et al. 2022, chain-of-thought |
| orthought | one expert reply: reading, model, code (free text) | repair crashes (3) | 1 | ORThought (LogiOR paper), 2025 |
| five-element | formulate, code | repair; judge reviews every run | 1 | LLMOPT, ICLR 2025 |
| full | understand, formulate, code | repair; judge reviews every run; CP: self-verification | 3, voting | all of the above + CP-Bench |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from optagent.core.errors import OptagentError

VerifyMode = Literal["never", "cp", "always"]


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The switches one strategy sets; `agent/graph.py` builds the graph from them."""

    understand: bool
    """A structured expert reading (JSON) first."""
    formulate: bool
    """A structured five-element formulation (JSON) before the code."""
    repair: bool
    """Crashes go back to the coder."""
    judge: bool
    """The judge reviews every executed run (LLMOPT self-correction)."""
    expert: bool = False
    """ORThought: one free-text expert reply, reading to model to code."""
    reason_first: bool = False
    """The code step reasons step by step before the program (chain of thought)."""
    verify: VerifyMode = "never"
    """CP-Bench self-verification of clean runs."""
    samples: int = 1
    """Attempts that vote inside one solve."""


PLANS: dict[str, Plan] = {
    "direct": Plan(understand=False, formulate=False, repair=False, judge=False),
    "cot": Plan(understand=False, formulate=False, reason_first=True, repair=False, judge=False),
    "orthought": Plan(understand=False, formulate=False, expert=True, repair=True, judge=False),
    "five-element": Plan(understand=False, formulate=True, repair=True, judge=True),
    "full": Plan(understand=True, formulate=True, repair=True, judge=True, verify="cp", samples=3),
}
STRATEGY_NAMES: tuple[str, ...] = tuple(PLANS)


def plan_for(strategy: str) -> Plan:
    """The switches of a strategy by name, an unknown name refused in one line."""
    if strategy not in PLANS:
        raise OptagentError(f"unknown strategy '{strategy}'; choose one of {', '.join(STRATEGY_NAMES)}")
    return PLANS[strategy]
