"""TrimR's transport against the real llama.cpp server (SmolLM2-135M): stopping a stream,
continuing the rendered prompt plus a prefix through /v1/completions, reading one token's
logprobs for a verifier question. The tiny model's answers are not judged, only the plumbing.
"""

from __future__ import annotations

import pytest

from optagent.core.types import Message
from optagent.models.trimr import TrimRSettings
from optagent.models.trimr.controller import TrimR
from optagent.models.trimr.prompting import PromptRenderer
from optagent.models.trimr.verifier import p_yes

pytestmark = pytest.mark.llm


async def test_stop_a_stream_then_continue_its_prefix_through_completions(llm_server):
    model = llm_server.model()
    messages = [Message(role="user", content="Count from one to twenty in words, separated by commas.")]
    stream = model.stream(messages, max_tokens=200, temperature=0)
    received = []
    async for delta in stream:
        received.append(delta.text)
        if len(received) == 6:
            break
    await stream.aclose()
    assert stream.record.finish_reason == "closed"
    prefix = "".join(received)
    renderer = PromptRenderer(model)
    prompt = await renderer.render(messages)
    assert renderer.source == "prompts/trimr/chat/chatml.md"  # llama.cpp has no chat /tokenize
    assert prompt.endswith("<|im_start|>assistant\n")
    completion = await model.complete(prompt + prefix, max_tokens=12, temperature=0)
    assert completion.text.strip()
    assert "<|im_start|>" not in completion.text
    assert 0 < completion.record.completion_tokens <= 12
    assert completion.record.prompt_tokens > 10


async def test_a_verifier_question_reads_one_tokens_logprobs(llm_server):
    reasoning = llm_server.model(profile="qwen3")
    verifier = llm_server.model()
    trimr = TrimR(reasoning, verifier, TrimRSettings(verifier_top_logprobs=5))
    top = await trimr.ask_verifier("Is two plus two equal to four? Answer with Yes or No only.")
    assert 1 <= len(top) <= 6
    assert all(logprob <= 0 for logprob in top.values())
    assert 0.0 <= p_yes(top) <= 1.0
    assert any(token.strip().lower() in ("yes", "no") for token in top)
