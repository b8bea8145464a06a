"""How a node asks a model: one template, one role, the run's sampling settings.

Structured steps (understand, formulate, judge, tie-break) degrade instead of failing: a
reply that is not valid for its schema, even after the model layer's one correction, is
recorded as a note and the graph goes on without it. Code steps never parse JSON: they
take a fenced code block, which small models write far more reliably.
"""

from __future__ import annotations

import re
from typing import TypeVar

from langgraph.runtime import Runtime
from pydantic import BaseModel

from optagent.agent.context import AgentSettings, RunContext
from optagent.core.errors import OptagentError
from optagent.core.types import CallRecord, Language, Message, Role
from optagent.models.base import Model, ModelOutput
from optagent.models.chat import MalformedReply
from optagent.models.profiles import thinking_profile
from optagent.prompts import render

T = TypeVar("T", bound=BaseModel)
UNUSABLE = "unusable reply"
"""Marks the note of a structured reply still invalid after its corrective retry (counted in reports)."""
_BLANK_LINES = re.compile(r"\n{3,}")


def system_template(settings: AgentSettings, target: object) -> str:
    """The system prompt: CP-Bench's prompt level for a step that writes CP code, else the usual one."""
    from optagent.agent.kind import is_cp_target

    return f"cp/{settings.cp_prompt}" if is_cp_target(getattr(target, "name", None)) else "system"


def sampling_for(model: Model, settings: AgentSettings, temperature: float | None = None) -> dict[str, object]:
    """Temperature and token cap of one call.

    A model that thinks (its profile says so) samples as its profile says unless the user
    set a temperature: greedy decoding makes thinking models loop, so neither a
    single-sample strategy nor a step's own `temperature` (the tie-break's 0) forces it.
    Its cap gets the profile's `thinking_tokens` on top, so the answer after the thinking fits.
    """
    thinking = thinking_profile(model)
    sampling: dict[str, object] = {}
    if thinking is None:
        sampling["temperature"] = settings.sampling_temperature if temperature is None else temperature
    elif settings.temperature is not None:
        sampling["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        sampling["max_tokens"] = settings.max_tokens + (thinking.thinking_tokens if thinking else 0)
    return sampling


async def ask(
    runtime: Runtime[RunContext],
    role: Role,
    template: str,
    *,
    problem_id: str,
    sample: int,
    schema: type[BaseModel] | None = None,
    temperature: float | None = None,
    **variables: object,
) -> ModelOutput:
    """Render `prompts/<template>.md` and ask the role's model for this (problem, sample).

    The call carries the template's name as its step (`Model.with_step`): it is recorded on
    the `CallRecord` and sent to the server, and scripted test models answer by it.

    `temperature` overrides the run's for this step (the tie-break asks at 0).
    """
    context = runtime.context
    model = context.roles.for_sample(problem_id, sample)[role].with_step(template)
    system = system_template(context.settings, variables.get("target"))
    messages = [
        Message(role="system", content=_BLANK_LINES.sub("\n\n", render(system, target=variables.get("target")))),
        Message(role="user", content=_BLANK_LINES.sub("\n\n", render(template, **variables))),
    ]
    sampling = sampling_for(model, context.settings, temperature)
    try:
        output = await model.generate(messages, schema=schema, **sampling)
    except MalformedReply as error:
        if context.transcript is not None and error.record is not None:
            context.transcript.add(template, sample, messages, f"[{error}]", None, error.record)
        raise
    if context.transcript is not None:
        context.transcript.add(template, sample, messages, output.text, output.reasoning, output.record)
    return output


async def ask_structured(
    runtime: Runtime[RunContext],
    role: Role,
    template: str,
    schema: type[T],
    *,
    problem_id: str,
    sample: int,
    temperature: float | None = None,
    **variables: object,
) -> tuple[T | None, list[CallRecord], list[str]]:
    """The parsed reply, or None with a note saying why; the calls made either way."""
    try:
        output = await ask(
            runtime,
            role,
            template,
            problem_id=problem_id,
            sample=sample,
            schema=schema,
            temperature=temperature,
            **variables,
        )
    except MalformedReply as error:  # wrong even after the one corrective retry: counted, not dropped
        return None, [error.record] if error.record else [], [f"{template}: {UNUSABLE}: {error}"]
    except OptagentError as error:
        return None, [], [f"{template}: {error}"]
    if not isinstance(output.parsed, schema):
        return None, [output.record], [f"{template}: the reply did not give a {schema.__name__}"]
    return output.parsed, [output.record], []


_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


def extract_code(text: str, language: Language) -> str:
    """The program in a reply: the longest fenced block tagged with the language, else the
    longest fenced block, else the whole reply if it looks like a program; "" if none.

    An unclosed fence (the reply hit the token cap) still yields what was written.
    """
    from optagent.solvers.targets import program_language

    written_in = program_language(language)
    blocks = [(tag.lower(), body.strip()) for tag, body in _FENCE.findall(text)]
    tagged = [body for tag, body in blocks if tag in written_in.fence_tags]
    candidates = tagged or [body for _, body in blocks]
    if candidates:
        return max(candidates, key=len)
    return text.strip() if written_in.looks_like_code.search(text) else ""
