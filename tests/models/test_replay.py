"""The `replay` provider answers from a recorded JSONL file, per (problem, sample) and role."""

import json

import pytest

from optagent.core.errors import OptagentError
from optagent.core.types import Role
from optagent.models import ModelRoles, get_model


@pytest.fixture
def recorded(tmp_path):
    path = tmp_path / "recorded.jsonl"
    lines = [
        {
            "id": "p1",
            "completion": "formulation",
            "role": "formulator",
            "usage": {"prompt_tokens": 10, "completion_tokens": 3},
        },
        {"id": "p1", "completion": "code for p1", "role": "coder"},
        {"id": "p1", "sample": 1, "completion": "second sample", "reasoning": "thought"},
        {"id": "p2", "completion": '{"value": 1}'},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


async def test_bound_model_answers_its_recordings(recorded):
    model = get_model("replay", path=recorded)
    output = await model.for_sample("p1", 1).generate("anything")
    assert (output.text, output.reasoning) == ("second sample", "thought")
    assert await model.for_sample("p2").stream("x").text() == '{"value": 1}'
    with pytest.raises(OptagentError, match="no recording for id 'p9' sample 0"):
        await model.for_sample("p9").generate("x")


async def test_roles_pick_their_lines(recorded):
    roles = ModelRoles.from_specs("replay", path=recorded).for_sample("p1")
    coder = await roles[Role.CODER].generate("x")
    formulator = await roles[Role.FORMULATOR].generate("x")
    assert (formulator.text, coder.text) == ("formulation", "code for p1")
    assert formulator.record.prompt_tokens == 10 and formulator.record.role is Role.FORMULATOR
    with pytest.raises(OptagentError, match="no more recordings .* for role coder"):
        await roles[Role.CODER].generate("x")


async def test_unbound_and_bad_files(recorded, tmp_path):
    with pytest.raises(OptagentError, match="call model.for_sample"):
        await get_model("replay", path=recorded).generate("x")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "p1"}\n')
    with pytest.raises(OptagentError, match=r"bad.jsonl:1: not a replay line"):
        get_model("replay", path=bad)
    with pytest.raises(OptagentError, match="cannot read replay file"):
        get_model("replay", path=tmp_path / "missing.jsonl")
