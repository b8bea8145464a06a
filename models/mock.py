"""`mock`: scripted replies, for testing graph and harness logic without a server.

`get_model("mock", replies=[...])` answers each call with the next reply, or
`replies=fn` answers with `fn(call)`, where the `MockCall` holds the messages and the step
that asked (the template name an LLM step sends with its calls, see `Model.with_step`), so a
script can answer per step without reading the prompt's wording. A reply is a `str`, a
`MockReply` (text plus reasoning), a `dict` or pydantic object (serialised to JSON, for
`schema=` calls), or an exception instance, which the call raises. Streams yield the reply
in small chunks. Never evidence that the product works with a real model: for that, see
the `llm` tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.core.types import Message, Role
from optagent.models.base import Delta, ModelOutput
from optagent.models.chat import ChatModel, DeltaStream


class MockReply(BaseModel):
    """A scripted reply with reasoning text, as a reasoning model would give."""

    text: str
    reasoning: str | None = None


class MockCall(BaseModel):
    """One call to the mock: which step asked (None for a caller that names none) and with what."""

    step: str | None
    messages: list[Message]

    @property
    def prompt(self) -> str:
        """The step's rendered template: the first user message (a corrective retry appends more)."""
        return next((m.content for m in self.messages if m.role == "user"), "")


Reply = str | MockReply | dict[str, Any] | BaseModel | BaseException
Script = Sequence[Reply] | Callable[[MockCall], Reply]


def fake_tokens(text: str) -> int:
    """About four characters a token, like BPE tokenizers on English."""
    return (len(text) + 3) // 4


def as_mock_reply(reply: Reply) -> MockReply:
    """A scripted reply as text (and reasoning); an exception is raised."""
    if isinstance(reply, BaseException):
        raise reply
    if isinstance(reply, MockReply):
        return reply
    if isinstance(reply, BaseModel):
        return MockReply(text=reply.model_dump_json())
    if isinstance(reply, dict):
        return MockReply(text=json.dumps(reply))
    if isinstance(reply, str):
        return MockReply(text=reply)
    raise OptagentError(
        f"mock model: a {type(reply).__name__} is not a reply; use str, MockReply, dict, pydantic object or exception"
    )


class _Script:
    """The replies and the call counter, shared by every role and step view of one mock model."""

    def __init__(self, replies: Script) -> None:
        self.replies = replies
        self.calls = 0

    def next(self, call: MockCall) -> MockReply:
        self.calls += 1
        if callable(self.replies):
            reply = self.replies(call)
        elif self.calls > len(self.replies):
            raise OptagentError(
                f"mock model: call {self.calls} has no scripted reply ({len(self.replies)} given); "
                "add replies or pass a function of the call"
            )
        else:
            reply = self.replies[self.calls - 1]
        return as_mock_reply(reply)


class MockModel(ChatModel):
    """Scripted replies; `calls` counts the calls made so far."""

    def __init__(self, replies: Script = (), *, role: Role | None = None, chunk_chars: int = 8) -> None:
        super().__init__("mock", role)
        self._script = _Script(replies)
        self._chunk_chars = chunk_chars

    @property
    def calls(self) -> int:
        return self._script.calls

    async def _chat(
        self, messages: list[Message], schema: type[BaseModel] | None, sampling: dict[str, Any]
    ) -> ModelOutput:
        started = time.perf_counter()
        reply = self._script.next(MockCall(step=self.step, messages=messages))
        record = self._record(
            prompt_tokens=sum(fake_tokens(m.content) for m in messages),
            completion_tokens=fake_tokens(reply.text + (reply.reasoning or "")),
            reasoning_tokens=fake_tokens(reply.reasoning) if reply.reasoning else None,
            latency_s=time.perf_counter() - started,
            finish_reason="stop",
        )
        return ModelOutput(text=reply.text, reasoning=reply.reasoning, record=record)

    def _stream(self, messages: list[Message], sampling: dict[str, Any]) -> DeltaStream:
        async def produce(stream: DeltaStream) -> AsyncIterator[Delta]:
            started = time.perf_counter()
            reply = self._script.next(MockCall(step=self.step, messages=messages))
            sent = ""
            finish = "stop"
            try:
                for field in ("reasoning", "text"):
                    value = getattr(reply, field) or ""
                    for start in range(0, len(value), self._chunk_chars):
                        piece = value[start : start + self._chunk_chars]
                        sent += piece
                        yield Delta(**{field: piece})
            except GeneratorExit:
                finish = "closed"
                raise
            finally:
                stream.record = self._record(
                    prompt_tokens=sum(fake_tokens(m.content) for m in messages),
                    completion_tokens=fake_tokens(sent),
                    latency_s=time.perf_counter() - started,
                    finish_reason=finish,
                )

        return DeltaStream(produce)
