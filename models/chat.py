"""What every provider shares: message normalising, the structured-output loop, streams.

A provider implements `_chat` (one completion, no schema logic) and `_stream`; `ChatModel`
adds the JSON-schema contract on top, identically for all providers: ask the server for
schema-constrained output where it can do that (`native_schema`), otherwise put the schema
in the prompt; validate; on invalid JSON send the validation error back once; then fail
with one clear line.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any, Self

from pydantic import BaseModel, ValidationError

from optagent.core.errors import OptagentError
from optagent.core.types import CallRecord, Message, Role
from optagent.models.base import Delta, Model, ModelOutput, ModelStream
from optagent.prompts import render


class MalformedReply(OptagentError):
    """A reply that is not valid for the requested schema even after one correction: the
    model's fault, not the transport's, so a batch job can reject the item and go on.
    `record` is what the two calls cost."""

    def __init__(self, message: str, record: CallRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


def as_messages(messages: list[Message] | list[dict[str, Any]] | str) -> list[Message]:
    """A bare string is one user message; dicts are validated into `Message`s."""
    if isinstance(messages, str):
        return [Message(role="user", content=messages)]
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in messages]


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def parse_structured(text: str, schema: type[BaseModel]) -> BaseModel:
    """Validate a reply against `schema`, tolerating a Markdown code fence around the JSON."""
    fenced = _FENCE.match(text)
    return schema.model_validate_json(fenced.group(1) if fenced else text.strip())


def schema_json(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


def _short(error: ValidationError | ValueError) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        return f"{error.error_count()} error(s), first at {where}: {first['msg']}"
    return str(error).splitlines()[0]


def merge_records(first: CallRecord, second: CallRecord) -> CallRecord:
    """Two calls made for one answer (the corrective retry) cost their sum; the retry counts."""
    return second.model_copy(
        update={
            "prompt_tokens": first.prompt_tokens + second.prompt_tokens,
            "completion_tokens": first.completion_tokens + second.completion_tokens,
            "reasoning_tokens": (
                None
                if first.reasoning_tokens is None and second.reasoning_tokens is None
                else (first.reasoning_tokens or 0) + (second.reasoning_tokens or 0)
            ),
            "latency_s": first.latency_s + second.latency_s,
            "retries": first.retries + second.retries + 1,
            "corrections": first.corrections + second.corrections + 1,
        }
    )


class ChatModel(Model):
    """Base of all providers. Subclasses set `spec`, `endpoint` and implement `_chat`/`_stream`."""

    native_schema: bool = True
    """Whether `_chat` can make the server emit schema-valid JSON itself."""

    def __init__(self, spec: str, role: Role | None = None) -> None:
        self.spec = spec
        self.role = role

    @property
    def endpoint(self) -> str:
        """Where calls go, for error messages."""
        return self.spec

    @abc.abstractmethod
    async def _chat(
        self, messages: list[Message], schema: type[BaseModel] | None, sampling: dict[str, Any]
    ) -> ModelOutput: ...

    @abc.abstractmethod
    def _stream(self, messages: list[Message], sampling: dict[str, Any]) -> ModelStream: ...

    def stream(self, messages: list[Message] | str, **sampling: Any) -> ModelStream:
        return self._stream(as_messages(messages), sampling)

    async def generate(
        self,
        messages: list[Message] | str,
        *,
        schema: type[BaseModel] | None = None,
        **sampling: Any,
    ) -> ModelOutput:
        messages = as_messages(messages)
        if schema is None:
            return await self._chat(messages, None, sampling)
        if not self.native_schema:
            messages = self._with_schema_instruction(messages, schema)
        constrained = schema if self.native_schema else None
        output = await self._chat(messages, constrained, sampling)
        try:
            return output.model_copy(update={"parsed": parse_structured(output.text, schema)})
        except (ValidationError, ValueError) as error:
            correction = render(
                "models/json_correction",
                error=_short(error),
                schema=json.dumps(schema_json(schema), indent=2),
            )
            retry_messages = [
                *messages,
                Message(role="assistant", content=output.text),
                Message(role="user", content=correction),
            ]
        second = await self._chat(retry_messages, constrained, sampling)
        record = merge_records(output.record, second.record)
        try:
            parsed = parse_structured(second.text, schema)
        except (ValidationError, ValueError) as error:
            raise MalformedReply(
                f"{self.endpoint}: the reply is not valid JSON for {schema.__name__} even after one "
                f"correction ({_short(error)}); use a stronger model or a server with JSON-schema output",
                record,
            ) from None
        return second.model_copy(update={"parsed": parsed, "record": record})

    def _with_schema_instruction(self, messages: list[Message], schema: type[BaseModel]) -> list[Message]:
        instruction = render("models/json_instruction", schema=json.dumps(schema_json(schema), indent=2))
        if messages and messages[0].role == "system":
            system = messages[0].model_copy(update={"content": messages[0].content.rstrip() + "\n\n" + instruction})
            return [system, *messages[1:]]
        return [Message(role="system", content=instruction), *messages]

    def _record(self, **fields: Any) -> CallRecord:
        return CallRecord(model=self.spec, role=self.role, step=self.step, **fields)


class DeltaStream(ModelStream):
    """A `ModelStream` over an async generator of deltas; closing it closes the generator.

    The generator gets a `finish` callback to store the `CallRecord` once it knows the
    usage, so `record` is set whether the stream ran to the end or was closed early.
    """

    def __init__(self, produce: Callable[[Self], AsyncIterator[Delta]]) -> None:
        self.record: CallRecord | None = None
        self._iterator = produce(self)
        self._started = False

    def __aiter__(self) -> AsyncIterator[Delta]:
        if self._started:
            raise OptagentError("a model stream can be iterated only once; call model.stream(...) again")
        self._started = True
        return self._iterator

    async def aclose(self) -> None:
        await self._iterator.aclose()  # type: ignore[attr-defined]  # every producer is an async generator

    async def text(self) -> str:
        """Consume the whole stream and return its visible text."""
        return "".join([delta.text async for delta in self])
