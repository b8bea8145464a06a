"""Running solver programs: the sandbox, the result schema and one module per target."""

from optagent.core.types import ExecResult, Language, Limits, SolutionStatus, Termination, Timings
from optagent.solvers.sandbox import Sandbox, run_sync

__all__ = ["ExecResult", "Language", "Limits", "Sandbox", "SolutionStatus", "Termination", "Timings", "run_sync"]
