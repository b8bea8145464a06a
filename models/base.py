"""The one model API every LLM call goes through, whatever serves the model.

A `Model` turns chat messages into a `ModelOutput` (or a stream of `Delta`s). Providers
differ only in transport; roles, retries, usage records and structured output are the
same for all of them.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, Field

from optagent.core.types import CallRecord, Message, Role


class ModelOutput(BaseModel):
    text: str
    reasoning: str | None = None
    parsed: Any = Field(default=None, description="the validated pydantic object when a schema was given")
    record: CallRecord
    token_ids: list[int] | None = Field(
        default=None, description="completion token ids, when asked (vLLM `return_token_ids`)"
    )


class Delta(BaseModel):
    """One streamed piece: visible text or reasoning text."""

    text: str = ""
    reasoning: str = ""


class Model(abc.ABC):
    """A provider's model. `spec` is the string it was made from, e.g. `vllm/Qwen/Qwen3-8B`."""

    spec: str
    role: Role | None
    step: str | None = None
    """The LLM step making the calls (its prompt template's name), recorded on each `CallRecord`."""

    @abc.abstractmethod
    async def generate(
        self,
        messages: list[Message] | str,
        *,
        schema: type[BaseModel] | None = None,
        **sampling: Any,
    ) -> ModelOutput:
        """One completion; with `schema`, `parsed` holds a validated instance of it."""

    @abc.abstractmethod
    def stream(self, messages: list[Message] | str, **sampling: Any) -> ModelStream:
        """A stream of deltas that the caller may stop early (`await stream.aclose()`)."""

    def with_role(self, role: Role | None) -> Model:
        """The same model (sharing its connections and scripted state) recording `role`."""
        clone = copy.copy(self)
        clone.role = role
        return clone

    def with_step(self, step: str | None) -> Model:
        """The same model recording `step` (the calling step's template name) on its calls."""
        clone = copy.copy(self)
        clone.step = step
        return clone

    def for_sample(self, problem_id: str, sample: int = 0) -> Model:
        """The model as used for one (problem, sample); only `replay` answers differently."""
        return self


class ModelStream(abc.ABC):
    """An async iterator of `Delta`s; `record` is filled in when the stream ends or is closed."""

    record: CallRecord | None = None

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[Delta]: ...

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Stop generating now; the server stops when the connection closes."""
