"""`replay`: completions recorded in a JSONL file, answered without any server.

The file has the responses-file shape the eval runner reads, one line per call:
`{"id": "nl4opt-12", "sample": 0, "completion": "...", "reasoning": "...", "role": "coder",
"usage": {"prompt_tokens": 812, "completion_tokens": 240}}`; only `id` and `completion` are
required (`sample` defaults to 0). Callers say which recording they want by binding the
model to a (problem, sample) with `model.for_sample(problem_id, sample)` (or
`roles.for_sample(...)`); a bound model answers its calls with that key's lines in file
order, skipping lines recorded for another role.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from optagent.core.errors import OptagentError
from optagent.core.types import Message, Role
from optagent.models.base import Delta, ModelOutput
from optagent.models.chat import ChatModel, DeltaStream
from optagent.models.mock import fake_tokens


class Recording(BaseModel):
    id: str
    sample: int = Field(0, ge=0)
    completion: str
    reasoning: str | None = None
    role: Role | None = None
    usage: dict[str, int] = {}


def read_recordings(path: Path) -> dict[tuple[str, int], list[Recording]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise OptagentError(f"cannot read replay file {path}: {error.strerror}; check the path") from None
    by_key: dict[tuple[str, int], list[Recording]] = defaultdict(list)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            recording = Recording.model_validate(json.loads(line))
        except (ValueError, ValidationError) as error:
            reason = error.errors()[0]["msg"] if isinstance(error, ValidationError) else "not JSON"
            raise OptagentError(
                f"{path}:{number}: not a replay line ({reason}); each line needs 'id' and 'completion'"
            ) from None
        by_key[(recording.id, recording.sample)].append(recording)
    return dict(by_key)


class ReplayModel(ChatModel):
    """Recorded completions; unbound, it refuses to answer (which recording would it be?)."""

    def __init__(self, path: str | Path, *, role: Role | None = None) -> None:
        super().__init__("replay", role)
        self.path = Path(path)
        self._recordings = read_recordings(self.path)
        self._used: dict[tuple[str, int], set[int]] = defaultdict(set)
        self.key: tuple[str, int] | None = None

    def for_sample(self, problem_id: str, sample: int = 0) -> ReplayModel:
        bound = self.with_role(self.role)
        assert isinstance(bound, ReplayModel)
        bound.key = (problem_id, sample)
        return bound

    def _next(self) -> Recording:
        if self.key is None:
            raise OptagentError(
                "the replay model is not bound to a problem; call model.for_sample(problem_id, sample) first"
            )
        recordings = self._recordings.get(self.key, [])
        used = self._used[self.key]
        for index, recording in enumerate(recordings):
            if index not in used and (recording.role is None or self.role is None or recording.role == self.role):
                used.add(index)
                return recording
        problem_id, sample = self.key
        what = f"no more recordings ({len(used)} used)" if recordings else "no recording"
        role = f" for role {self.role.value}" if self.role else ""
        raise OptagentError(
            f"{self.path} has {what} for id {problem_id!r} sample {sample}{role}; record it or drop the problem"
        )

    def _output(self, recording: Recording) -> ModelOutput:
        record = self._record(
            prompt_tokens=recording.usage.get("prompt_tokens", 0),
            completion_tokens=recording.usage.get("completion_tokens", fake_tokens(recording.completion)),
            finish_reason="stop",
        )
        return ModelOutput(text=recording.completion, reasoning=recording.reasoning, record=record)

    async def _chat(
        self, messages: list[Message], schema: type[BaseModel] | None, sampling: dict[str, Any]
    ) -> ModelOutput:
        return self._output(self._next())

    def _stream(self, messages: list[Message], sampling: dict[str, Any]) -> DeltaStream:
        async def produce(stream: DeltaStream) -> AsyncIterator[Delta]:
            output = self._output(self._next())
            stream.record = output.record
            if output.reasoning:
                yield Delta(reasoning=output.reasoning)
            yield Delta(text=output.text)

        return DeltaStream(produce)
