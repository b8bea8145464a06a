"""The modeling agent: a LangGraph graph from problem text to a verified solution, and the model layer.

    from optagent.agent import solve, AgentSettings
    answer = await solve("...", roles=roles, sandbox=sandbox, settings=AgentSettings(strategy="full"))

Names are imported lazily so that `optagent.models` and the CLI stay light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "solve": "optagent.agent.run",
    "stream_solve": "optagent.agent.run",
    "AgentSettings": "optagent.agent.context",
    "STRATEGY_NAMES": "optagent.agent.strategies",
    "Answer": "optagent.agent.answer",
    "AnswerOutcome": "optagent.agent.answer",
    "Attempt": "optagent.agent.answer",
    "Round": "optagent.agent.answer",
    "Formulation": "optagent.agent.formulation",
    "Understanding": "optagent.agent.formulation",
    "AgentEvent": "optagent.agent.events",
    "build_graph": "optagent.agent.graph",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'optagent.agent' has no attribute '{name}'")
