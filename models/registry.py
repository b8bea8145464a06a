"""`get_model(spec)`: one registry of providers, each imported only when used.

A spec is `provider/name` (`vllm/Qwen/Qwen3-8B`, `openai/gpt-4o-mini`,
`llamacpp/smollm2`) or a bare provider that needs no name (`mock`, `replay`). Adding a
provider is its factory (a function or a `Model` subclass) and one `PROVIDERS` entry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from optagent.core.errors import OptagentError
from optagent.core.types import Role
from optagent.models.base import Model


@dataclass(frozen=True)
class Provider:
    factory: str
    """`module:attribute` of what makes the model, imported on first use: called as
    `factory(name, role=..., **options)`, or `factory(role=..., **options)` when nameless."""
    nameless: bool = False
    """The spec is the bare provider (`mock`): no model name, no server, no base URL."""


PROVIDERS: dict[str, Provider] = {
    "vllm": Provider("optagent.models.providers:vllm"),
    "openai": Provider("optagent.models.providers:openai"),
    "llamacpp": Provider("optagent.models.providers:llamacpp"),
    "mock": Provider("optagent.models.mock:MockModel", nameless=True),
    "replay": Provider("optagent.models.replay:ReplayModel", nameless=True),
}
NAMELESS = frozenset(name for name, provider in PROVIDERS.items() if provider.nameless)


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
    module_name, _, factory_name = PROVIDERS[provider].factory.partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    role = Role(role) if role is not None else None
    if provider in NAMELESS:
        return factory(role=role, **options)
    return factory(name, role=role, **options)
