"""The scripted `mock` provider, the structured-output loop it shares with real providers, and roles."""

import pytest
from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.core.types import CallRecord, Message, Role
from optagent.models import ModelRoles, get_model, parse_role_options
from optagent.models.mock import MockReply


class Answer(BaseModel):
    value: int
    unit: str


async def test_replies_are_consumed_in_order_and_recorded():
    model = get_model("mock", replies=["first", "second"])
    first = await model.generate("hi")
    second = await model.generate([Message(role="user", content="again")])
    assert (first.text, second.text) == ("first", "second")
    assert isinstance(first.record, CallRecord)
    assert first.record.prompt_tokens > 0 and first.record.completion_tokens > 0
    with pytest.raises(OptagentError, match="call 3 has no scripted reply"):
        await model.generate("one more")


async def test_function_reply_sees_the_messages():
    model = get_model("mock", replies=lambda call: call.messages[-1].content.upper())
    assert (await model.generate("shout")).text == "SHOUT"


async def test_the_step_travels_with_the_call_and_its_record():
    model = get_model("mock", replies=lambda call: f"answered {call.step}")
    output = await model.with_step("understand").generate("x")
    assert output.text == "answered understand" and output.record.step == "understand"
    unnamed = await model.generate("x")
    assert unnamed.text == "answered None" and unnamed.record.step is None, "the step view is a copy"
    stream = model.with_role(Role.JUDGE).with_step("judge").stream("x")
    assert await stream.text() == "answered judge"
    assert stream.record is not None and (stream.record.step, stream.record.role) == ("judge", Role.JUDGE)


async def test_exception_reply_is_raised():
    model = get_model("mock", replies=[TimeoutError("scripted")])
    with pytest.raises(TimeoutError, match="scripted"):
        await model.generate("x")


async def test_structured_reply_from_dict_and_object():
    model = get_model("mock", replies=[{"value": 3, "unit": "kg"}, Answer(value=4, unit="t")])
    assert (await model.generate("x", schema=Answer)).parsed == Answer(value=3, unit="kg")
    assert (await model.generate("x", schema=Answer)).parsed == Answer(value=4, unit="t")


async def test_invalid_json_gets_one_correction_with_the_error():
    seen = []

    def reply(call):
        seen.append(call.messages)
        return "not json" if len(seen) == 1 else '```json\n{"value": 1, "unit": "m"}\n```'

    output = await get_model("mock", replies=reply).generate("x", schema=Answer)
    assert output.parsed == Answer(value=1, unit="m")
    assert output.record.retries == 1
    correction = seen[1][-1]
    assert correction.role == "user" and "not a valid JSON object" in correction.content
    assert seen[1][-2].content == "not json"


async def test_invalid_json_twice_is_one_clear_error():
    model = get_model("mock", replies=["nope", '{"value": "many"}'])
    with pytest.raises(OptagentError, match=r"not valid JSON for Answer even after one correction") as info:
        await model.generate("x", schema=Answer)
    assert "\n" not in str(info.value)


async def test_stream_yields_chunks_and_can_stop_early():
    model = get_model(
        "mock", replies=[MockReply(text="hello world, a long reply", reasoning="think"), "abcdefghijklmnop"]
    )
    stream = model.stream("x")
    deltas = [d async for d in stream]
    assert "".join(d.reasoning for d in deltas) == "think"
    assert "".join(d.text for d in deltas) == "hello world, a long reply"
    assert len(deltas) > 2 and stream.record.finish_reason == "stop"

    stream = model.stream("y")
    async for delta in stream:
        assert delta.text == "abcdefgh"
        break
    await stream.aclose()
    assert stream.record.finish_reason == "closed"


def test_roles_default_and_override():
    base = get_model("mock", replies=["a", "b"])
    judge = get_model("mock", replies=["j"])
    roles = ModelRoles(base, {"judge": judge})
    assert roles[Role.CODER].spec == "mock" and roles[Role.CODER].role is Role.CODER
    assert roles["judge"].role is Role.JUDGE
    assert roles.specs()["formulator"] == "mock"


async def test_role_views_share_the_script_and_record_their_role():
    roles = ModelRoles(get_model("mock", replies=["a", "b"]))
    first = await roles[Role.FORMULATOR].generate("x")
    second = await roles[Role.CODER].generate("x")
    assert (first.text, second.text) == ("a", "b")
    assert (first.record.role, second.record.role) == (Role.FORMULATOR, Role.CODER)


def test_from_specs_builds_one_model_per_spec():
    roles = ModelRoles.from_specs("vllm/some-model", overrides={"judge": "openai/gpt-4o-mini"}, api_key="k")
    assert roles[Role.JUDGE].spec == "openai/gpt-4o-mini"
    assert roles[Role.CODER].spec == "vllm/some-model"
    with pytest.raises(OptagentError, match="roles are formulator"):
        ModelRoles.from_specs("mock", overrides={"jduge": "mock"})


def test_parse_role_options():
    assert parse_role_options(["judge=openai/gpt-4o-mini", "Coder = vllm/x"]) == {
        Role.JUDGE: "openai/gpt-4o-mini",
        Role.CODER: "vllm/x",
    }
    with pytest.raises(OptagentError, match="unknown role 'jduge'.*roles are formulator, coder"):
        parse_role_options(["jduge=openai/x"])
    with pytest.raises(OptagentError, match="is not ROLE=SPEC"):
        parse_role_options(["judge"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [("gpt-4o", "no known provider"), ("vllm/", "names no model"), ("", "no known provider")],
)
def test_bad_specs(spec, message):
    with pytest.raises(OptagentError, match=message):
        get_model(spec)
