"""`get_model(spec)`: one registry of providers, each imported only when used.

A spec is `provider/name` (`vllm/Qwen/Qwen3-8B`, `openai/gpt-4o-mini`,
`llamacpp/smollm2`) or a bare provider that needs no name (`mock`, `replay`).
"""

from __future__ import annotations

import importlib
from typing import Any

from optagent.core.errors import OptagentError
from optagent.core.types import Role
from optagent.models.base import Model

PROVIDERS: dict[str, str] = {
    "vllm": "optagent.models.providers:vllm",
    "openai": "optagent.models.providers:openai",
    "llamacpp": "optagent.models.providers:llamacpp",
    "mock": "optagent.models.mock:MockModel",
    "replay": "optagent.models.replay:ReplayModel",
}
NAMELESS = {"mock", "replay"}


def split_spec(spec: str) -> tuple[str, str]:
    """`"vllm/Qwen/Qwen3-8B"` -> `("vllm", "Qwen/Qwen3-8B")`, with one clear error per bad form."""
    provider, _, name = spec.strip().partition("/")
    if provider not in PROVIDERS:
        raise OptagentError(
            f"model spec '{spec}' has no known provider; write PROVIDER/NAME with PROVIDER one of "
            f"{', '.join(PROVIDERS)} (e.g. vllm/Qwen/Qwen3-8B, openai/gpt-4o-mini, mock)"
        )
    if provider not in NAMELESS and not name:
        raise OptagentError(f"model spec '{spec}' names no model; write {provider}/MODEL_NAME")
    return provider, name


def get_model(spec: str, role: Role | str | None = None, **options: Any) -> Model:
    """A model from its spec; `options` go to the provider (e.g. `base_url=`, `replies=`)."""
    provider, name = split_spec(spec)
    module_name, _, factory_name = PROVIDERS[provider].partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    role = Role(role) if role is not None else None
    if provider in NAMELESS:
        return factory(role=role, **options)
    return factory(name, role=role, **options)
