"""Responses files: model outputs (or reference programs) to score without calling a model.

JSONL, one line per (problem, sample), either
`{"id": ..., "sample": 0, "completion": "..."}` (the program is taken from the fenced code
blocks as the agent takes it from a reply; the language comes from the fence tags, else
from the content) or
`{"id": ..., "sample": 0, "code": "...", "language": "python" | "minizinc"}`.
`sample` defaults to 0. Bad lines are reported with their line number and skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from optagent.core.errors import OptagentError
from optagent.core.types import Language
from optagent.solvers.targets import guess_language, language_of_fence

_FENCE_TAG = re.compile(r"```[ \t]*([A-Za-z0-9_+-]+)")


class Response(BaseModel):
    id: str
    sample: int = Field(0, ge=0)
    completion: str | None = None
    code: str | None = None
    language: Language | None = None
    line: int = Field(0, exclude=True, description="line number in the file, for messages")

    @model_validator(mode="after")
    def _has_output(self) -> Response:
        if self.completion is None and self.code is None:
            raise ValueError("needs 'completion' or 'code'")
        return self

    def program(self) -> tuple[str | None, Language | None]:
        """The code to run and its language; (None, None) when a completion holds no program."""
        if self.code is not None:
            return self.code, self.language or guess_language(self.code)
        return extract_program(self.completion or "")


class ResponsesFile(BaseModel):
    path: Path
    sha256: str
    responses: list[Response]
    problems: list[str] = Field(default_factory=list, description="one line per skipped line")


def extract_program(completion: str) -> tuple[str | None, Language | None]:
    """The program in a completion and its language; (None, None) when it holds none."""
    from optagent.agent.llm import extract_code

    fenced = (language_of_fence(tag) for tag in _FENCE_TAG.findall(completion))
    language = next((found for found in fenced if found), None) or guess_language(completion)
    code = extract_code(completion, language)
    return (code, language) if code else (None, None)


def read_responses(path: Path) -> ResponsesFile:
    """Read a responses file; a repeated (id, sample) keeps its first line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OptagentError(f"cannot read responses file {path}: {error.strerror}") from None
    responses: dict[tuple[str, int], Response] = {}
    problems: list[str] = []
    for number, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw)
            if isinstance(fields, dict) and isinstance(fields.get("id"), int):
                fields["id"] = str(fields["id"])
            response = Response.model_validate(fields) if isinstance(fields, dict) else None
        except json.JSONDecodeError as error:
            problems.append(f"{path}:{number}: not JSON ({error.msg}); skipped")
            continue
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"])) or "line"
            problems.append(f"{path}:{number}: {where}: {first['msg']}; skipped")
            continue
        if response is None:
            problems.append(f"{path}:{number}: not a JSON object; skipped")
            continue
        response.line = number
        key = (response.id, response.sample)
        if key in responses:
            problems.append(f"{path}:{number}: id {response.id!r} sample {response.sample} repeated; first line kept")
            continue
        responses[key] = response
    if not responses and not problems:
        raise OptagentError(f"responses file {path} is empty; write one JSON line per (id, sample)")
    return ResponsesFile(
        path=path, sha256=hashlib.sha256(data).hexdigest(), responses=list(responses.values()), problems=problems
    )
