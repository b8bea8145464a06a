"""`PLANS` is the one place a strategy is registered: the settings, the synthesis check and
the command line's help all take their names from it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from optagent.agent.context import AgentSettings
from optagent.agent.strategies import PLANS, STRATEGY_NAMES
from optagent.app.cli import build_app
from optagent.core.errors import OptagentError
from optagent.synth.settings import SynthSettings


def test_names_come_from_plans() -> None:
    assert STRATEGY_NAMES == tuple(PLANS)
    for name, plan in PLANS.items():
        assert AgentSettings(strategy=name).plan == plan
        assert SynthSettings(check_strategy=name).check_strategy == name


def test_an_unknown_strategy_is_one_line_wherever_it_is_given() -> None:
    with pytest.raises(OptagentError, match="unknown strategy 'best'; choose one of direct, cot"):
        AgentSettings(strategy="best")
    with pytest.raises(OptagentError, match="unknown strategy 'best'"):
        AgentSettings.model_validate_json('{"strategy": "best"}')


@pytest.mark.parametrize("command", ["solve", "eval", "chat"])
def test_the_strategy_help_lists_every_plan(command: str) -> None:
    result = CliRunner().invoke(build_app(), [command, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert f"agent strategy: {', '.join(PLANS)}" in result.output
