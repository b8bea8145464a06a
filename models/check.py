"""Which model endpoints answer, what they serve and how fast: `optagent models check`."""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.models.providers import OpenAICompatModel
from optagent.models.registry import NAMELESS, get_model, split_spec
from optagent.models.transport import explain, served_models

QUICK: dict[str, Any] = {"max_retries": 0, "timeout_s": 5.0}


class EndpointCheck(BaseModel):
    provider: str
    base_url: str
    ok: bool
    list_latency_s: float | None = None
    models: list[str] = []
    model: str | None = None
    first_token_s: float | None = None
    error: str | None = None


def _candidates(spec: str | None, base_url: str | list[str] | None) -> list[OpenAICompatModel]:
    """The model to check, or a probe for each configured/default endpoint."""
    options: dict[str, Any] = {"base_url": base_url, **QUICK}
    if spec is not None:
        model = get_model(spec, **options)
        assert isinstance(model, OpenAICompatModel)
        return [model]
    if base_url:
        probes = [get_model("vllm/MODEL", **options)]
    else:
        probes = [get_model("vllm/MODEL", **QUICK), get_model("llamacpp/MODEL", **QUICK)]
        if os.environ.get("OPENAI_API_KEY"):
            probes.append(get_model("openai/MODEL", **QUICK))
    return [probe for probe in probes if isinstance(probe, OpenAICompatModel)]


async def _first_token_s(model: OpenAICompatModel) -> float:
    started = time.perf_counter()
    stream = model.stream("Reply with one word: ready.", max_tokens=8)
    try:
        async for _ in stream:
            break
    finally:
        await stream.aclose()
    return time.perf_counter() - started


async def _check(model: OpenAICompatModel, probe: bool) -> EndpointCheck:
    endpoint = model.settings
    result = EndpointCheck(
        provider=endpoint.provider, base_url=endpoint.base_url, ok=False, model=None if probe else model.name
    )
    started = time.perf_counter()
    try:
        result.models = await served_models(endpoint)
    except Exception as error:
        result.error = str(await explain(error, endpoint, model.name, tries=1))
        return result
    result.list_latency_s = time.perf_counter() - started
    if probe:
        result.ok = True
        return result
    if result.models and model.name not in result.models:
        result.error = (
            f"model '{model.name}' is not served at {endpoint.base_url}; it serves: {', '.join(result.models)}"
        )
        return result
    try:
        result.first_token_s = await _first_token_s(model)
        result.ok = True
    except OptagentError as error:
        result.error = str(error)
    return result


async def check_endpoints(spec: str | None = None, base_url: str | list[str] | None = None) -> list[EndpointCheck]:
    """Check the endpoint of `spec`, or every default endpoint when no spec is given."""
    if spec is not None and split_spec(spec)[0] in NAMELESS:
        raise OptagentError(
            f"'{spec}' needs no server, so there is nothing to check; pass a vllm/, openai/ or llamacpp/ spec"
        )
    return [await _check(model, probe=spec is None) for model in _candidates(spec, base_url)]
