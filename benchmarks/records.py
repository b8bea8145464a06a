"""Reading benchmark files record by record, so one bad record never costs the others.

Benchmarks ship as a JSON list (OptiBench), a JSON object keyed by id (LogiOR) or JSON
Lines (CP-Bench statements, most objective-value sets). All three are read incrementally
with the line number of every record, so a truncated download keeps every complete record
before the cut and the report names the line where the file broke.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from optagent.core.errors import OptagentError


class SkippedRecord(BaseModel):
    """A record left out of a benchmark, and why; reported, never silently dropped."""

    file: Path
    line: int | None = None
    id: str | None = None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        record = f" record {self.id}:" if self.id is not None else ""
        return f"{where}:{record} {self.reason}"


class RawRecord(NamedTuple):
    key: str | None
    """The key in a JSON object file, else None."""
    position: int
    """The record's place among the file's records, from 0."""
    value: Any
    line: int


_DECODER = json.JSONDecoder()


def read_records(path: Path) -> tuple[list[RawRecord], list[SkippedRecord]]:
    """All readable records of a JSON list, JSON object or JSON Lines file, and what was not."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OptagentError(f"{path} does not exist; check the path or run `optagent data pull`") from None
    except UnicodeDecodeError as error:
        raise OptagentError(f"{path} is not UTF-8 text ({error.reason}); is it the right file?") from None
    start = _skip_space(text, 0)
    if start == len(text):
        raise OptagentError(f"{path} is empty; download it again with `optagent data pull`")
    if path.suffix == ".jsonl" or _is_json_lines(text, start):
        return _read_lines(path, text)
    return _read_container(path, text, start)


def _is_json_lines(text: str, start: int) -> bool:
    if text[start] != "{":
        return False
    try:
        _, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError:
        first_line = text[start:].split("\n", 1)[0]
        try:
            json.loads(first_line)
        except json.JSONDecodeError:
            return False
        return True
    return _skip_space(text, end) < len(text)


def _read_lines(path: Path, text: str) -> tuple[list[RawRecord], list[SkippedRecord]]:
    records: list[RawRecord] = []
    skipped: list[SkippedRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            skipped.append(SkippedRecord(file=path, line=number, reason=f"not valid JSON ({error.msg})"))
            continue
        records.append(RawRecord(None, len(records), value, number))
    return records, skipped


def _read_container(path: Path, text: str, start: int) -> tuple[list[RawRecord], list[SkippedRecord]]:
    opener = text[start]
    if opener not in "[{":
        raise OptagentError(f"{path} is not JSON or JSON Lines (it starts with {text[start]!r})")
    records: list[RawRecord] = []
    position = _skip_space(text, start + 1)
    closer = "]" if opener == "[" else "}"
    line, counted = 1, 0
    try:
        while text[position] != closer:
            key = None
            if opener == "{":
                key, position = _DECODER.raw_decode(text, position)
                position = _expect(text, _skip_space(text, position), ":")
            line += text.count("\n", counted, position)
            counted = position
            value, position = _DECODER.raw_decode(text, position)
            records.append(RawRecord(str(key) if key is not None else None, len(records), value, line))
            position = _skip_space(text, position)
            if text[position] == ",":
                position = _skip_space(text, position + 1)
            elif text[position] != closer:
                raise json.JSONDecodeError(f"expected ',' or '{closer}'", text, position)
    except (json.JSONDecodeError, IndexError) as error:
        at = error.pos if isinstance(error, json.JSONDecodeError) else len(text)
        line = text.count("\n", 0, at) + 1
        truncated = not text.rstrip().endswith(closer)
        reason = "the file ends early (truncated)" if truncated else f"malformed JSON here ({error})"
        kept = f"; kept the {len(records)} complete records before it" if records else ""
        return records, [SkippedRecord(file=path, line=line, reason=f"{reason}{kept}")]
    if opener == "{" and records and not all(isinstance(record.value, dict) for record in records):
        whole = json.loads(text)
        return [RawRecord(None, 0, whole, text.count("\n", 0, start) + 1)], []
    return records, []


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _expect(text: str, position: int, char: str) -> int:
    if position >= len(text) or text[position] != char:
        raise json.JSONDecodeError(f"expected {char!r}", text, position)
    return _skip_space(text, position + 1)
