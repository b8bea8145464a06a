"""The compiled graph of each strategy, pinned as Mermaid so that rewiring is deliberate.

Run with OPTAGENT_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after an intended change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optagent.agent import STRATEGY_NAMES, AgentSettings, build_graph
from optagent.agent.strategies import PLANS
from optagent.core.errors import OptagentError

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_mermaid_snapshot(strategy: str) -> None:
    mermaid = build_graph(AgentSettings(strategy=strategy)).get_graph(xray=True).draw_mermaid()
    path = SNAPSHOTS / f"{strategy}.mmd"
    if os.environ.get("OPTAGENT_UPDATE_SNAPSHOTS"):
        path.write_text(mermaid, encoding="utf-8")
    assert mermaid == path.read_text(encoding="utf-8"), f"graph of '{strategy}' changed; see {path}"


def test_strategies_differ_only_in_switches() -> None:
    nodes = {
        strategy: {
            node
            for node in build_graph(AgentSettings(strategy=strategy)).get_graph(xray=True).nodes
            if "__start__" not in node
        }
        for strategy in STRATEGY_NAMES
    }
    assert "attempt:judge" in nodes["full"] and "attempt:judge" not in nodes["orthought"]
    assert "attempt:repair" in nodes["orthought"] and "attempt:repair" not in nodes["direct"]
    assert "attempt:understand" not in nodes["five-element"]
    assert nodes["direct"] == nodes["cot"]
    assert PLANS["cot"].reason_first and not PLANS["direct"].reason_first
    assert all(n <= nodes["full"] for n in nodes.values())


def test_unknown_strategy_is_one_clear_line() -> None:
    with pytest.raises(OptagentError, match="unknown strategy 'best'; choose one of direct, cot"):
        AgentSettings.for_strategy("best")


def test_settings_defaults() -> None:
    assert AgentSettings().sample_count == 3 and AgentSettings().sampling_temperature == 0.7
    one = AgentSettings(strategy="orthought")
    assert one.sample_count == 1 and one.sampling_temperature == 0.0
    assert AgentSettings(samples=5, temperature=0.3).sampling_temperature == 0.3
