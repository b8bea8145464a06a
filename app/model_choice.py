"""Which models a command talks to: the one place a default model is chosen.

`--model` (or `$OPTAGENT_MODEL`) names the model for every role, `--role R=SPEC` overrides
one, `--base-url` points the served providers at a server. With no model named at all,
the command starts the embedded default: llama.cpp serving the packaged
SmolLM2-135M-Instruct on loopback for as long as the command runs. That model shows the
whole path working; it cannot model real problems, and the note printed says so.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optagent.models import ModelRoles

MODEL_ENV = "OPTAGENT_MODEL"

EMBEDDED_NOTE = (
    "optagent: no model configured (--model or ${env}); using the embedded SmolLM2-135M via llama.cpp at {url}. "
    "It proves the path works, not the answers: for real accuracy serve a real model "
    "(optagent serve Qwen/Qwen3-8B) and pass --model vllm/Qwen/Qwen3-8B."
)


def configured_model_spec(option: str | None) -> str | None:
    """`--model`, else `$OPTAGENT_MODEL`, else None (the embedded default)."""
    return option or os.environ.get(MODEL_ENV) or None


@contextmanager
def model_roles(
    model: str | None,
    roles: list[str] | None = None,
    *,
    base_url: str | list[str] | None = None,
    trimr: bool = False,
    concurrency: int | None = None,
    **options: Any,
) -> Iterator[ModelRoles]:
    """The roles for a command, with the embedded server running while the block runs.

    `concurrency` raises the requests each served endpoint takes at once (its default is
    lower) to match a command's work in flight; scripted and replayed models ignore it.
    """
    from optagent.core.errors import OptagentError
    from optagent.models import ModelRoles, parse_role_options, split_spec
    from optagent.models.registry import NAMELESS
    from optagent.models.roles import model_for

    overrides = parse_role_options(roles or [])
    spec = configured_model_spec(model)
    specs = [spec or "llamacpp/embedded", *overrides.values()]
    if concurrency is not None and all(split_spec(name)[0] not in NAMELESS for name in specs):
        options["concurrency"] = concurrency
    if base_url and spec and all(split_spec(name)[0] in NAMELESS for name in specs):
        raise OptagentError(
            "--base-url points served models (vllm/, openai/, llamacpp/) at a server, but no model here "
            f"needs one ({', '.join(specs)}); drop --base-url"
        )
    with ExitStack() as stack:
        if spec is None:
            from optagent.models.llamacpp_server import LlamaCppServer

            server = stack.enter_context(LlamaCppServer())
            print(EMBEDDED_NOTE.format(env=MODEL_ENV, url=server.base_url), file=sys.stderr)
            built = ModelRoles(
                server.model(**options),
                {role: model_for(name, base_url, **options) for role, name in overrides.items()},
            )
        else:
            built = ModelRoles.from_specs(spec, overrides, base_url=base_url, **options)
        if trimr:
            from optagent.models.trimr.model import with_trimr
            from optagent.models.trimr.settings import TrimRSettings

            built = with_trimr(built, TrimRSettings())
        yield built
