"""Inside the sandbox child: run one program and report what happened, as plain data.

The report carries the program's error as one line naming the cause, the line of the
program it points at, a traceback trimmed to the program's own frames, and the solution
read back from the solver objects.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

from optagent.solvers.introspect import read_solution
from optagent.solvers.targets import SolveEvent, Target, all_targets

PROGRAM = "program.py"
MODEL = "model.mzn"


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _missing_module(error: ModuleNotFoundError) -> str:
    root = (error.name or "").split(".")[0]
    for target in all_targets():
        if target.packages and target.packages[0] == root and target.missing_message:
            return f"ModuleNotFoundError: {target.missing_message}"
    return f"ModuleNotFoundError: No module named '{error.name}' — not installed in the sandbox"


def describe(error: BaseException, program: str) -> tuple[str, int | None, str]:
    """One-line message, the program line it points at, and the program's own frames."""
    if isinstance(error, SyntaxError) and (error.filename or "").endswith(program):
        message = f"{type(error).__name__}: {error.msg} (line {error.lineno})"
        trace = "".join(traceback.format_exception_only(type(error), error))
        return message, error.lineno, trace
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.endswith(program)]
    line = frames[-1].lineno if frames else None
    if isinstance(error, ModuleNotFoundError):
        message = _missing_module(error)
    else:
        detail = _first_line(str(error))
        message = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    if line is not None and "line" not in message:
        message += f" (line {line})"
    trace = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    trace += "".join(traceback.format_exception_only(type(error), error))
    return _first_line(message), line, trace


def _reading(reading: Any) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {
        "solver": reading.solver,
        "status": str(reading.status),
        "objective": reading.objective,
        "values": reading.values,
    }


def run_python(code: str, workdir: Path, events: list[SolveEvent], targets: list[Target]) -> dict[str, Any]:
    path = workdir / PROGRAM
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path), "__builtins__": __builtins__}
    sys.argv = [str(path)]
    sys.path.insert(0, str(workdir))
    report: dict[str, Any] = {"exit_code": 0}
    try:
        exec(compile(code, str(path), "exec"), namespace)
    except SystemExit as exit_:
        code_ = exit_.code
        if code_ not in (None, 0):
            report["exit_code"] = code_ if isinstance(code_, int) else 1
            report["error"] = f"SystemExit: the program exited with {code_!r}"
    except BaseException as error:  # the program's fault, whatever it is, is reported
        report["exit_code"] = 1
        report["error_type"] = type(error).__name__
        report["error"], report["error_line"], report["traceback"] = describe(error, PROGRAM)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    if events:
        report["target"] = events[-1].target
    try:
        report["reading"] = _reading(read_solution(namespace, events, targets))
    except Exception as error:  # introspection must never hide the program's own outcome
        report["introspection_error"] = f"{type(error).__name__}: {_first_line(str(error))}"
    return report


def run_minizinc(workdir: Path, timeout_s: float) -> dict[str, Any]:
    from optagent.solvers.targets.minizinc import MiniZincFailure, MiniZincTarget

    data = sorted(path for path in workdir.iterdir() if path.suffix in (".dzn", ".json"))
    try:
        reading, output = MiniZincTarget().solve_file(workdir / MODEL, data, timeout_s)
    except MiniZincFailure as failure:
        return {
            "exit_code": 1,
            "error_type": "MiniZincError",
            "error": _first_line(str(failure)),
            "error_line": failure.line,
            "traceback": str(failure),
        }
    except Exception as error:
        return {
            "exit_code": 1,
            "error_type": type(error).__name__,
            "error": f"{type(error).__name__}: {_first_line(str(error))}",
        }
    sys.stdout.write(output)
    sys.stdout.flush()
    return {"exit_code": 0, "reading": _reading(reading)}
