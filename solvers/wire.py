"""What crosses between the sandbox's processes: typed records, one JSON line each.

    caller (`Sandbox`) ── HandOver (+ the run's socket) ──▶ zygote, which forks or wakes a monitor
    caller ◀── ZygoteReady (once, at start) ── zygote
    caller ── RunRequest ──▶ monitor ── ProgramOrder ──▶ program
    caller ◀── MonitorStarted, then RunRecord or SandboxFailure ── monitor ◀── ProgramLine ── program

Every hop writes `model_dump_json` and reads `model_validate_json`. The program's lines
come from the untrusted side: one that does not validate is skipped as if never written,
and the monitor re-checks what it relies on (`_tree.Tree`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from optagent.core.types import Language, Limits, SolutionStatus


@dataclass
class Reading:
    """What one solver object said about its model."""

    solver: str
    status: SolutionStatus
    objective: float | None = None
    values: dict[str, Any] = field(default_factory=dict)


class ProgramReport(BaseModel):
    """How the program itself ended, told by the code that ran it in the sandbox."""

    exit_code: int = 0
    error: str | None = None
    error_type: str | None = None
    error_line: int | None = None
    traceback: str | None = None
    target: str | None = None
    """The target of the program's last recorded solve (the next parked tree warms for it)."""
    reading: Reading | None = None
    introspection_error: str | None = None


class OwnAccount(BaseModel):
    """The program's own account of its end, standing in for a wait status not yet reaped."""

    exit_code: int
    cpu_s: float
    maxrss_kb: int
    alone: bool
    """Only init and the program were left in the run's PID namespace."""


class ProgramLine(BaseModel):
    """One line on the report pipe; a later line's fields, where given, replace an earlier one's."""

    warm_cpu_s: float | None = None
    report: ProgramReport | None = None
    own: OwnAccount | None = None


class ZygoteReady(BaseModel):
    """The zygote's first message: every available solver is loaded."""

    pid: int
    targets: list[str]


class HandOver(BaseModel):
    """One run's socket, handed to the zygote with this message."""

    slot: int = Field(ge=0)
    network: bool
    warm: str | None = None
    """The target the slot's next parked tree warms up for (`Sandbox._warm_for`)."""


class RunRequest(BaseModel):
    """One run, from the caller to its monitor."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    code: str
    language: Language
    limits: Limits
    files: dict[str, bytes]
    slot: int


class ProgramOrder(BaseModel):
    """What the program needs of its run, from the monitor once the run directory is made."""

    code: str
    language: Language
    limits: Limits
    workdir: str


class MonitorStarted(BaseModel):
    """The monitor's first line: its pid, for the caller's backstop kill."""

    pid: int


class RunRecord(BaseModel):
    """Everything the monitor saw of the run, for `sandbox.build_result`."""

    timed_out: bool
    wait_status: int
    stdout: str
    stderr: str
    output_truncated: bool
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    isolation: list[str]
    isolation_missing: list[str]
    report: ProgramReport | None


class SandboxFailure(BaseModel):
    """The sandbox itself failed the run (not the program)."""

    error: str


MONITOR_END: TypeAdapter[RunRecord | SandboxFailure] = TypeAdapter(RunRecord | SandboxFailure)
"""The monitor's last line."""


def json_line(message: BaseModel) -> bytes:
    return message.model_dump_json().encode() + b"\n"


def merge_program_lines(data: bytes) -> ProgramLine:
    """The report pipe's lines merged, skipping any that is not a `ProgramLine`."""
    merged = ProgramLine()
    for raw in data.splitlines():
        try:
            one = ProgramLine.model_validate_json(raw)
        except ValidationError:
            continue
        for name in ProgramLine.model_fields:
            if getattr(one, name) is not None:
                setattr(merged, name, getattr(one, name))
    return merged
