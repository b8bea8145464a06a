"""The OpenAI-compatible providers against the fake server: requests, replies, streams, completions."""

import asyncio
import time

import pytest
from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.models import get_model


class Answer(BaseModel):
    value: int
    unit: str


def vllm(server, **options):
    return get_model("vllm/fake-model", base_url=server.base_url, **options)


async def test_plain_chat_records_usage(fake_openai):
    output = await vllm(fake_openai).generate("hi")
    assert output.text == "Hello from the fake server."
    record = output.record
    assert record.model == "vllm/fake-model"
    assert record.prompt_tokens > 0 and record.completion_tokens > 0
    assert record.latency_s > 0 and record.retries == 0 and record.finish_reason == "stop"
    assert fake_openai.requests[0]["messages"] == [{"role": "user", "content": "hi"}]


async def test_the_step_is_sent_as_a_header_and_recorded(fake_openai):
    model = vllm(fake_openai).with_step("write_code")
    output = await model.generate("hi")
    assert await model.stream("hi").text() == "Hello from the fake server."
    await vllm(fake_openai).generate("hi")
    assert [request["step"] for request in fake_openai.requests] == ["write_code", "write_code", None]
    assert output.record.step == "write_code"


async def test_base_url_from_environment(fake_openai, monkeypatch):
    monkeypatch.setenv("OPTAGENT_VLLM_BASE_URL", fake_openai.base_url)
    assert (await get_model("vllm/fake-model").generate("hi")).text


async def test_profile_defaults_are_overridden_by_explicit_sampling(fake_openai):
    fake_openai.models = ("Qwen/Qwen3-8B",)
    model = get_model("vllm/Qwen/Qwen3-8B", base_url=fake_openai.base_url)
    await model.generate("hi", temperature=0.1)
    await model.generate("hi", thinking=False, return_token_ids=True)
    first, second = fake_openai.requests
    assert first["temperature"] == 0.1 and first["top_p"] == 0.95 and first["top_k"] == 20
    assert second["temperature"] == 0.7 and second["top_p"] == 0.8
    assert second["chat_template_kwargs"] == {"enable_thinking": False}
    assert second["return_token_ids"] is True


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
async def test_reasoning_text_is_read_from_either_field(fake_openai, field):
    fake_openai.reply = {field: "Let me think.", "content": "42"}
    output = await vllm(fake_openai).generate("hi")
    assert (output.text, output.reasoning) == ("42", "Let me think.")
    deltas = [d async for d in vllm(fake_openai).stream("hi")]
    assert "".join(d.reasoning for d in deltas) == "Let me think."
    assert "".join(d.text for d in deltas) == "42"


@pytest.mark.parametrize(
    ("json_mode", "where"),
    [
        ("json_schema", lambda r: r["response_format"]["json_schema"]["schema"]),
        ("structured_outputs", lambda r: r["structured_outputs"]["json"]),
        ("guided_json", lambda r: r["guided_json"]),
    ],
)
async def test_schema_goes_to_the_server(fake_openai, json_mode, where):
    fake_openai.reply = '{"value": 5, "unit": "kg"}'
    output = await vllm(fake_openai, json_mode=json_mode).generate("weight?", schema=Answer)
    assert output.parsed == Answer(value=5, unit="kg")
    assert where(fake_openai.requests[0])["required"] == ["value", "unit"]


async def test_schema_in_the_prompt_when_the_server_cannot(fake_openai):
    fake_openai.reply = '{"value": 5, "unit": "kg"}'
    output = await vllm(fake_openai, json_mode="prompt").generate("weight?", schema=Answer)
    assert output.parsed.value == 5
    request = fake_openai.requests[0]
    assert "response_format" not in request
    assert request["messages"][0]["role"] == "system" and '"unit"' in request["messages"][0]["content"]


async def test_invalid_json_is_corrected_once_then_fails_clearly(fake_openai):
    replies = iter(["sure! here it is", '{"value": 2, "unit": "m"}', "no", "still no"])
    fake_openai.reply = lambda body: next(replies)
    model = vllm(fake_openai)
    output = await model.generate("x", schema=Answer)
    assert output.parsed == Answer(value=2, unit="m") and output.record.retries == 1
    assert "not a valid JSON object" in fake_openai.requests[1]["messages"][-1]["content"]
    with pytest.raises(OptagentError, match=r"127\.0\.0\.1.*not valid JSON for Answer even after one correction"):
        await model.generate("x", schema=Answer)


async def test_stream_deltas_and_record(fake_openai):
    stream = vllm(fake_openai).stream("hi")
    pieces = [d.text async for d in stream]
    assert "".join(pieces) == "Hello from the fake server." and len(pieces) > 3
    assert stream.record.completion_tokens > 0 and stream.record.finish_reason == "stop"
    assert fake_openai.requests[0]["stream_options"] == {"include_usage": True}


async def test_stream_closed_early_stops_the_server(fake_openai):
    fake_openai.reply = "token " * 400
    fake_openai.chunk_delay_s = 0.01
    stream = vllm(fake_openai).stream("hi")
    received = ""
    async for delta in stream:
        received += delta.text
        if len(received) >= 20:
            break
    await stream.aclose()
    assert stream.record.finish_reason == "closed"
    for _ in range(100):
        if fake_openai.disconnects:
            break
        await asyncio.sleep(0.02)
    assert fake_openai.disconnects == 1


async def test_concurrency_limit_is_per_endpoint(fake_openai):
    fake_openai.latency_s = 0.1
    first = vllm(fake_openai, concurrency=2)
    second = get_model("llamacpp/fake-model", base_url=fake_openai.base_url)
    await asyncio.gather(*(m.generate("hi") for m in (first, second, first, second, first)))
    assert fake_openai.max_in_flight == 2


async def test_text_completion_with_logprobs(fake_openai):
    fake_openai.reply = "Paris is the capital"
    model = vllm(fake_openai)
    completion = await model.complete("The capital of France is", max_tokens=1, top_logprobs=3)
    assert completion.text == "Pari"
    assert completion.logprobs[0].token == "Pari" and len(completion.logprobs[0].top) == 3
    assert fake_openai.requests[0]["logprobs"] == 3
    assert completion.record.completion_tokens == 1
    streamed = await model.stream_completion("The capital of France is").text()
    assert streamed == "Paris is the capital"


async def test_openai_needs_a_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(OptagentError, match="set OPENAI_API_KEY"):
        get_model("openai/gpt-4o-mini")


async def test_calls_work_across_event_loops(fake_openai):
    model = vllm(fake_openai)

    def run_once():
        return asyncio.run(model.generate("hi")).text

    started = time.perf_counter()
    texts = await asyncio.to_thread(lambda: [run_once(), run_once()])
    assert texts == ["Hello from the fake server."] * 2 and time.perf_counter() - started < 5
