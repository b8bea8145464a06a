"""The model layer: every LLM call in optagent goes through `get_model(spec)`.

    model = get_model("vllm/Qwen/Qwen3-8B")           # or openai/..., llamacpp/..., mock, replay
    out = await model.generate(messages, schema=Formulation, temperature=0.2)
    async for delta in model.stream(messages): ...     # `await stream.aclose()` stops early
    roles = ModelRoles.from_specs("vllm/x", overrides={"judge": "openai/gpt-4o-mini"})

Providers (`registry.PROVIDERS`): `vllm/`, `openai/`, `llamacpp/` (`providers.py`; their
models also have `complete(prompt, logprobs=k)` and `stream_completion(prompt)` over
`/v1/completions`), `mock` (`mock.py`, scripted replies, `MockReply` for reasoning),
`replay` (`replay.py`, recorded completions; bind with `model.for_sample(id, sample)`).
Family defaults live in `profiles.py`; `llamacpp_server.LlamaCppServer` runs a local
llama.cpp server with the packaged SmolLM2 model.
"""

from optagent.models.base import Delta, Model, ModelOutput, ModelStream
from optagent.models.registry import PROVIDERS, get_model, split_spec
from optagent.models.roles import ModelRoles, parse_role_options

__all__ = [
    "PROVIDERS",
    "Delta",
    "Model",
    "ModelOutput",
    "ModelRoles",
    "ModelStream",
    "get_model",
    "parse_role_options",
    "split_spec",
]
