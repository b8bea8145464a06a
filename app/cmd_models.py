"""`optagent models check`: which model endpoints answer, what they serve, and how fast."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from optagent.core.errors import OptagentError

models_app = typer.Typer(help="Model endpoints: check what answers.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


@models_app.command("check")
def check_command(
    model: Annotated[str | None, typer.Option("--model", help="model spec to check, e.g. vllm/Qwen/Qwen3-8B")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible API root, e.g. http://host:8000/v1")
    ] = None,
) -> None:
    """Say which endpoints answer, the model names they serve and a latency figure; exit 1 if none answers."""
    from optagent.models.check import check_endpoints

    results = asyncio.run(check_endpoints(model, base_url))
    if len(results) == 1 and results[0].error:
        raise OptagentError(results[0].error)
    for result in results:
        if result.ok:
            served = ", ".join(result.models) or "no models listed"
            assert result.list_latency_s is not None  # an endpoint that answered was timed
            latency = f"/v1/models in {result.list_latency_s * 1000:.0f} ms"
            if result.first_token_s is not None:
                latency += f", first token of {result.model} in {result.first_token_s * 1000:.0f} ms"
            typer.echo(f"ok    {result.provider:8} {result.base_url}  serves: {served}  ({latency})")
        else:
            typer.echo(f"FAIL  {result.provider:8} {result.base_url}  {result.error}")
    if not any(result.ok for result in results):
        raise OptagentError(
            "no model endpoint answers; start one (`optagent serve ...`, `vllm serve MODEL` or "
            "`python -m llama_cpp.server --model FILE.gguf`) or pass --base-url"
        )
