"""MiniZinc `.mzn` models solved with Gecode through the `minizinc` Python package.

The model runs inside the sandbox child like a Python program; `.dzn` and `.json` files
passed with the run are added as data.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

from optagent.benchmarks.schema import ProblemKind
from optagent.solvers.result import Language, SolutionStatus
from optagent.solvers.targets.base import MAX_VALUES, Reading, Target, number

_STATUS = {
    "OPTIMAL_SOLUTION": SolutionStatus.OPTIMAL,
    "ALL_SOLUTIONS": SolutionStatus.FEASIBLE,
    "SATISFIED": SolutionStatus.FEASIBLE,
    "UNSATISFIABLE": SolutionStatus.INFEASIBLE,
    "UNBOUNDED": SolutionStatus.UNBOUNDED,
}


class MiniZincFailure(Exception):
    """A model MiniZinc rejected; `line` points into the user's `.mzn` when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, set):
        return sorted(_plain(item) for item in value)
    converted = number(value)
    return converted if converted is not None else str(value)


class MiniZincTarget(Target):
    name = "minizinc"
    language = Language.MINIZINC
    kinds = frozenset({ProblemKind.CP_SATISFACTION, ProblemKind.CP_OPTIMIZATION, ProblemKind.MILP})
    packages = ("minizinc",)
    description = "MiniZinc models (.mzn, optional .dzn data) solved with Gecode"

    def preload(self) -> None:
        import minizinc  # noqa: F401  (the driver itself is found on PATH at run time)

    def solve_file(self, path: Path, data: list[Path], timeout_s: float) -> tuple[Reading, str]:
        """Solve a model file; returns the reading and MiniZinc's own output text."""
        import minizinc

        model = minizinc.Model()
        model.add_file(path, parse_data=False)
        for file in data:
            model.add_file(file, parse_data=False)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                instance = minizinc.Instance(minizinc.Solver.lookup("gecode"), model)
                result = instance.solve(timeout=timedelta(seconds=timeout_s))
        except minizinc.MiniZincError as error:
            location = getattr(error, "location", None)
            line = location.lines[0] if location and location.lines and Path(location.file).name == path.name else None
            kind = type(error).__name__.replace("Error", " error").strip()
            message = " ".join(str(error).split())
            raise MiniZincFailure(f"MiniZinc {kind.lower()}: {message}", line) from None
        status = _STATUS.get(result.status.name, SolutionStatus.UNKNOWN)
        solution = result.solution
        values: dict[str, Any] = {}
        output = ""
        if solution is not None and status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE):
            fields = vars(solution)
            output = str(fields.get("_output_item", "") or "")
            for key, value in fields.items():
                if not key.startswith("_") and key != "objective" and len(values) < MAX_VALUES:
                    values[key] = _plain(value)
        objective = number(result.objective) if status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE) else None
        return Reading("minizinc/gecode", status, objective, values), output
