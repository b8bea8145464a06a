"""Model-family profiles: matched by name, thinking switches defaults, explicit sampling wins."""

import pytest

from optagent.core.errors import OptagentError
from optagent.models import get_model
from optagent.models.profiles import PROFILES, find_profile, profile_named


@pytest.mark.parametrize(
    ("name", "profile", "parser"),
    [
        ("Qwen/Qwen3-8B", "qwen3", "qwen3"),
        ("Qwen/Qwen3-4B-Instruct-2507", "qwen3-instruct-2507", None),
        ("Qwen/QwQ-32B", "qwq", "deepseek_r1"),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-r1-distill", "deepseek_r1"),
        ("Qwen/Qwen2.5-7B-Instruct", "qwen2.5", None),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3", None),
        ("openai/gpt-oss-20b", "gpt-oss", "openai_gptoss"),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", "smollm2", None),
    ],
)
def test_families_are_recognised(name, profile, parser):
    found = find_profile(name)
    assert found is not None and found.name == profile and found.reasoning_parser == parser
    if parser:
        assert found.reasons and found.reflection_markers and found.think_end
        assert "--reasoning-parser" in found.serve_flags


def test_unknown_family_and_profile_names():
    assert find_profile("mistralai/Mistral-7B") is None
    with pytest.raises(OptagentError, match="unknown model profile 'nope'; known: qwen3"):
        profile_named("nope")
    assert len({p.name for p in PROFILES}) == len(PROFILES)


def test_request_merges_profile_user_and_thinking():
    model = get_model("vllm/Qwen/Qwen3-8B", sampling={"max_tokens": 512})
    request = model.request({"top_p": 0.5, "thinking": False, "extra_body": {"chat_template_kwargs": {"x": 1}}})
    assert request["top_p"] == 0.5 and request["temperature"] == 0.7 and request["max_tokens"] == 512
    assert request["extra_body"] == {
        "top_k": 20,
        "min_p": 0.0,
        "chat_template_kwargs": {"x": 1, "enable_thinking": False},
    }
    forced = get_model("vllm/my-alias", profile="gpt-oss").request({})
    assert forced["temperature"] == 1.0
