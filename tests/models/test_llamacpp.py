"""The real client against a real llama.cpp server with SmolLM2-135M: the transport, not the answers."""

import time

import pytest
from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.models import get_model
from optagent.models.llamacpp_server import LlamaCppServer

pytestmark = pytest.mark.llm


class Item(BaseModel):
    name: str
    quantity: int


async def test_plain_chat(llm_server):
    output = await llm_server.model().generate("Say hello in one short sentence.", max_tokens=24, temperature=0)
    assert output.text.strip()
    assert output.record.model == "llamacpp/smollm2"
    assert output.record.prompt_tokens > 0 and 0 < output.record.completion_tokens <= 24


async def test_a_named_step_goes_with_the_request_and_its_record(llm_server):
    model = llm_server.model().with_step("understand")  # sent as the X-Optagent-Step header
    output = await model.generate("Say hello in one short sentence.", max_tokens=16, temperature=0)
    assert output.text.strip() and output.record.step == "understand"
    stream = model.stream("Count from one to five.", max_tokens=16, temperature=0)
    assert "".join([delta.text async for delta in stream]).strip() and stream.record.step == "understand"


async def test_streaming(llm_server):
    stream = llm_server.model().stream("Count from one to five.", max_tokens=24, temperature=0)
    pieces = [delta.text async for delta in stream]
    assert len(pieces) > 3 and "".join(pieces).strip()
    assert stream.record.finish_reason in ("stop", "length") and stream.record.completion_tokens > 0


async def test_early_stop_leaves_the_server_usable(llm_server):
    model = llm_server.model()
    stream = model.stream("Write a long story about a ship.", max_tokens=400, temperature=0.7)
    received = 0
    started = time.perf_counter()
    async for _ in stream:
        received += 1
        if received == 3:
            break
    await stream.aclose()
    assert stream.record.finish_reason == "closed"
    follow_up = await model.generate("Say yes.", max_tokens=4)
    assert follow_up.text and time.perf_counter() - started < 60


async def test_json_schema_output(llm_server):
    output = await llm_server.model().generate(
        "Give one grocery item with a name and a quantity as JSON.", schema=Item, max_tokens=64, temperature=0
    )
    assert isinstance(output.parsed, Item)


async def test_text_completion_logprobs(llm_server):
    model = llm_server.model()
    completion = await model.complete("The capital of France is", max_tokens=1, top_logprobs=3, temperature=0)
    assert completion.text and len(completion.logprobs) == 1
    assert len(completion.logprobs[0].top) == 3 and completion.logprobs[0].logprob <= 0


def test_bad_model_file_fails_with_the_reason(tmp_path):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file")
    with pytest.raises(OptagentError, match="llama.cpp server exited with code"):
        LlamaCppServer(bogus, startup_timeout_s=60).start()
    with pytest.raises(OptagentError, match="does not exist"):
        LlamaCppServer(tmp_path / "missing.gguf").start()


async def test_models_listing(llm_server):
    from optagent.models.transport import served_models

    assert await served_models(get_model("llamacpp/smollm2", base_url=llm_server.base_url).settings) == ["smollm2"]
