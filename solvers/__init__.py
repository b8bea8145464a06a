"""Running solver programs: the sandbox, the result schema and one module per target."""

from optagent.solvers.result import ExecResult, Language, Limits, SolutionStatus, Termination, Timings

__all__ = ["ExecResult", "Language", "Limits", "SolutionStatus", "Termination", "Timings"]
