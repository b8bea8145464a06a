"""MiniZinc `.mzn` models solved with Gecode through the `minizinc` Python package.

The model is solved inside the sandbox's program process, which drives the MiniZinc
process; `.dzn` and `.json` files passed with the run are added as data.

Gecode's library of global constraints must match the MiniZinc standard library. An
old-style library (Gecode 6.2's, as Debian ships it beside MiniZinc 2.6: files named like
the standard globals, `inverse.mzn`, instead of `fzn_inverse.mzn`) overrides the standard
files wholesale, and the standard library's function forms (`inverse_fn.mzn`,
`nvalue_fn.mzn`, ...) then call predicates the old files do not define: every model that
includes `globals.mzn` fails with a type error about `inverse(array[int] of var opt int,
...)` whatever it uses. With such a library the run solves with a copy of Gecode's
configuration whose library leaves out the old files that have a standard function form,
so those globals use the standard definitions and the rest keep Gecode's native ones.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import subprocess
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

from optagent.core.types import Language, ProblemKind, SolutionStatus
from optagent.solvers.targets.base import MAX_VALUES, ProgramLanguage, RunScope, Target, at_line, first_line, number
from optagent.solvers.wire import ProgramReport, Reading

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


COMPAT_LIBRARY = ".optagent-gecode-lib"
"""The folder, in the run directory, of the compatible library built for an old-style Gecode."""


@functools.cache
def _old_style_library() -> tuple[Path, tuple[str, ...]] | None:
    """Gecode's library folder and the files of it to leave out, when it is old-style; else None."""
    import minizinc

    solver = minizinc.Solver.lookup("gecode")
    dirs = subprocess.run(
        [str(minizinc.default_driver.executable), "--config-dirs"], capture_output=True, text=True, check=True
    )
    stdlib = Path(json.loads(dirs.stdout)["mznStdlibDir"])
    library = stdlib / solver.mznlib[2:] if solver.mznlib.startswith("-G") else Path(solver.mznlib)
    if not solver.mznlib or not library.is_dir() or any(library.glob("fzn_*.mzn")):
        return None
    clashing = tuple(
        sorted(file.name for file in library.glob("*.mzn") if (stdlib / "std" / f"{file.stem}_fn.mzn").is_file())
    )
    return (library, clashing) if clashing else None


def _gecode(workdir: Path) -> Any:
    """The Gecode configuration to solve with: the installed one, or one with a compatible library."""
    import minizinc

    solver = minizinc.Solver.lookup("gecode")
    old = _old_style_library()
    if old is None:
        return solver
    library, clashing = old
    compatible = workdir / COMPAT_LIBRARY
    if not compatible.is_dir():
        compatible.mkdir()
        for file in library.iterdir():
            if file.name not in clashing:
                (compatible / file.name).symlink_to(file)
    solver = dataclasses.replace(solver)
    solver.id = "org.optagent.gecode-compatible"  # under the installed id, MiniZinc would take the installed one
    solver.mznlib = str(compatible)  # a changed configuration is written to a temporary .msc file
    return solver


class MiniZincLanguage(ProgramLanguage):
    name = Language.MINIZINC
    file_name = "model.mzn"
    fence_tags = frozenset({"minizinc", "mzn"})
    looks_like_code = re.compile(r"^\s*(var|constraint|solve)\b", re.MULTILINE)
    signature = re.compile(r"^\s*solve\s+(satisfy|minimize|maximize)\b", re.MULTILINE)
    data_suffix = ".dzn"

    def run(self, code: str, workdir: Path, timeout_s: float, scope: RunScope) -> ProgramReport:
        """Solve the model file with the data files beside it; MiniZinc's output is the program's."""
        data = sorted(path for path in workdir.iterdir() if path.suffix in (".dzn", ".json"))
        try:
            reading, output = MiniZincTarget().solve_file(workdir / self.file_name, data, timeout_s)
        except MiniZincFailure as failure:
            lines = code.splitlines()
            quoted = lines[failure.line - 1].strip() if failure.line and failure.line <= len(lines) else ""
            return ProgramReport(
                exit_code=1,
                error_type="MiniZincError",
                error=at_line(first_line(str(failure)), failure.line),
                error_line=failure.line,
                traceback=str(failure) + (f"\nline {failure.line}: {quoted}" if quoted else ""),
            )
        except Exception as error:
            return ProgramReport(
                exit_code=1, error_type=type(error).__name__, error=f"{type(error).__name__}: {first_line(str(error))}"
            )
        sys.stdout.write(output)
        sys.stdout.flush()
        return ProgramReport(exit_code=0, reading=reading)


class MiniZincTarget(Target):
    name = "minizinc"
    program_language = MiniZincLanguage()
    kinds = frozenset({ProblemKind.CP_SATISFACTION, ProblemKind.CP_OPTIMIZATION, ProblemKind.MILP})
    packages = ("minizinc",)
    description = "MiniZinc models (.mzn, optional .dzn data) solved with Gecode"

    def preload(self) -> None:
        import minizinc  # noqa: F401  (the driver itself is found on PATH at run time)

        try:
            _old_style_library()  # once in the zygote; its runs inherit the answer
        except (AttributeError, OSError, LookupError, ValueError, subprocess.SubprocessError):
            pass  # no MiniZinc driver on this machine: a MiniZinc run reports that itself

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
                instance = minizinc.Instance(_gecode(path.parent), model)
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
