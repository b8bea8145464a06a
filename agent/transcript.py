"""What the model was asked and what it answered, call by call, for one solve.

`ask` appends one `Exchange` per call when the solve was given a `Transcript` (the eval
does, for the run log's `messages`). Sizes are capped so a log stays readable: each message
keeps its head and tail, and a solve keeps its first exchanges up to a total.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from optagent.core.types import CallRecord, Message

MESSAGE_CHARS = 12_000
TOTAL_CHARS = 400_000


def clip(text: str, limit: int = MESSAGE_CHARS) -> str:
    """`text`, or its head and tail with a line saying how much was left out."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - 2 * half} characters left out of the log …]\n{text[-half:]}"


class Exchange(BaseModel):
    """One model call: the step (node) that made it, for which sample, the prompt and the reply."""

    node: str
    sample: int = 0
    prompt: list[Message] = Field(default_factory=list)
    reply: str = ""
    reasoning: str | None = None
    record: CallRecord | None = None


class Transcript:
    """The exchanges of one solve in call order, within `TOTAL_CHARS`; `dropped` counts the rest."""

    def __init__(self, total_chars: int = TOTAL_CHARS) -> None:
        self.exchanges: list[Exchange] = []
        self.dropped = 0
        self._left = total_chars

    def add(
        self, node: str, sample: int, prompt: list[Message], reply: str, reasoning: str | None, record: CallRecord
    ) -> None:
        exchange = Exchange(
            node=node,
            sample=sample,
            prompt=[m.model_copy(update={"content": clip(m.content)}) for m in prompt],
            reply=clip(reply),
            reasoning=clip(reasoning) if reasoning else None,
            record=record,
        )
        size = sum(len(m.content) for m in exchange.prompt) + len(exchange.reply) + len(exchange.reasoning or "")
        if size > self._left:
            self.dropped += 1
            return
        self._left -= size
        self.exchanges.append(exchange)
