"""The outcome of running one program: what the sandbox and the solver said, kept apart.

Termination says how the process ended; solution status says what the solver concluded.
They are separate enums, as in Pyomo, because "the program crashed after the solver proved
infeasibility" and "the solver timed out with a feasible point" are both real outcomes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Language(StrEnum):
    PYTHON = "python"
    MINIZINC = "minizinc"


class Termination(StrEnum):
    """How the run ended, from the sandbox's point of view."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    KILLED = "killed"


class SolutionStatus(StrEnum):
    """What the solver concluded about the model, independent of how the process ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    UNKNOWN = "unknown"


class Limits(BaseModel):
    """Resource limits for one run. `None` leaves a limit off."""

    timeout_s: float = 60.0
    cpu_s: float | None = None
    memory_mb: int | None = 4096
    file_size_mb: int | None = 64
    max_processes: int | None = 64
    output_bytes: int = 64_000
    network: bool = False


class Timings(BaseModel):
    queued_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0


class ExecResult(BaseModel):
    """Everything known about one execution; the only thing the agent and scorers read."""

    termination: Termination
    solution_status: SolutionStatus = SolutionStatus.UNKNOWN
    objective: float | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    solver: str | None = Field(default=None, description="which solver object the result was read from")
    printed_json: dict[str, Any] | None = Field(
        default=None, description="an explicit JSON object the program printed, if any"
    )
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    error: str | None = Field(default=None, description="one line naming the cause")
    error_line: int | None = Field(default=None, description="line of the program the error points at")
    traceback: str | None = None
    exit_code: int | None = None
    isolation: list[str] = Field(
        default_factory=list, description="isolation measures in force, e.g. 'netns', 'rlimits'"
    )
    isolation_missing: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)

    @property
    def solved(self) -> bool:
        return self.solution_status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)
