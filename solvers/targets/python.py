"""Python programs, the language of every target but MiniZinc: run with `exec` inside the
sandbox's program process (a fork of the zygote, the solvers already imported), their
solution read back from the solver objects they leave behind.

The report carries the program's error as one line naming the cause, the line of the
program it points at, and a traceback trimmed to the program's own frames. A missing
attribute names the object's closest ones (`cp.Sum`: did you mean sum?), which Python 3.11
does not do for modules, and a fault of a solver API that programs commonly make names its
fix (`Target.fixes`): a coder repairing the program gets the fix, not only the fault.
"""

from __future__ import annotations

import difflib
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from optagent.core.types import Language
from optagent.solvers.introspect import read_solution
from optagent.solvers.targets import all_targets
from optagent.solvers.targets.base import ProgramLanguage, RunScope, Target, at_line, first_line
from optagent.solvers.wire import ProgramReport


def _owner(module: str) -> Target | None:
    """The target whose first package holds `module` (`pyomo.core.base` → pyomo)."""
    root = module.split(".")[0]
    return next((t for t in all_targets() if t.packages and t.packages[0] == root), None)


def _missing_module(error: ModuleNotFoundError) -> str:
    target = _owner(error.name or "")
    if target is not None and target.missing_message:
        return f"ModuleNotFoundError: {target.missing_message}"
    return f"ModuleNotFoundError: No module named '{error.name}' — not installed in the sandbox"


def _loose(name: str) -> str:
    return name.lower().replace("_", "")


def did_you_mean(error: BaseException) -> str:
    """For an attribute its object lacks, the object's public names closest to it, case and
    underscores aside (`cp.all_different` → AllDifferent), as "; did you mean ...?"."""
    obj, name = getattr(error, "obj", None), getattr(error, "name", None)
    if not isinstance(error, AttributeError) or obj is None or not name:
        return ""
    try:
        names = [n for n in dir(obj) if not n.startswith("_")]
    except Exception:  # an object whose __dir__ fails has no suggestions
        return ""
    by_loose: dict[str, str] = {}
    for public in sorted(names, key=lambda n: -difflib.SequenceMatcher(None, name, n).ratio()):
        by_loose.setdefault(_loose(public), public)  # of NewIntVar and new_int_var, the one nearer the asked spelling
    wanted = _loose(name)
    close = [wanted] if wanted in by_loose else difflib.get_close_matches(wanted, list(by_loose), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(by_loose[c] for c in close)}?" if close else ""


def describe(error: BaseException, program: str) -> tuple[str, int | None, str]:
    """One-line message, the program line it points at, and the program's own frames."""
    if isinstance(error, SyntaxError) and (error.filename or "").endswith(program):
        message = f"{type(error).__name__}: {error.msg} (line {error.lineno})"
        trace = "".join(traceback.format_exception_only(type(error), error))
        return message, error.lineno, trace
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.endswith(program)]
    line = frames[-1].lineno if frames else None
    if isinstance(error, ModuleNotFoundError):
        message = first_line(_missing_module(error))
    else:
        detail = first_line(str(error)).rstrip(":")  # pybind's first line ends "...are supported:"
        message = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
        message += did_you_mean(error) + known_fix(error, message)
    message = at_line(message, line)
    trace = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    trace += "".join(traceback.format_exception_only(type(error), error))
    return message, line, trace


def known_fix(error: BaseException, message: str) -> str:
    """The fix a target names for a fault of its package's API (`Target.fixes`), or ""."""
    try:
        owners = dict.fromkeys(t for t in map(_owner, _fault_modules(error)) if t is not None)
    except Exception:  # a program's odd object (a proxy whose attributes raise) loses the fix, not the report
        return ""
    return next((fix for target in owners if (fix := target.fix(message))), "")


def _fault_modules(error: BaseException) -> list[str]:
    """The modules a fault belongs to: the raising frame's; for a missing attribute, also the
    object's (`model.addVars` of a SCIP model raises in the program's own line); for an
    operator the interpreter refuses in the program's own line (`1000 * m.x` of an indexed
    Pyomo variable), those of every name the program holds."""
    last = error.__traceback__
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    scope = last.tb_frame.f_globals if last is not None else {}
    modules = [str(scope.get("__name__", ""))]
    if isinstance(error, AttributeError) and getattr(error, "obj", None) is not None:
        modules.insert(0, _module_of(error.obj))
    elif modules[0] == "__main__" and isinstance(error, TypeError):
        modules += [_module_of(value) for value in list(scope.values())]
    return modules


def _module_of(value: object) -> str:
    """A module's own name; for a class, function or instance, the module that defines it."""
    if isinstance(value, ModuleType):
        return value.__name__
    name = getattr(value, "__module__", None)  # None on instances of some extension types
    return name if isinstance(name, str) else type(value).__module__


class PythonLanguage(ProgramLanguage):
    name = Language.PYTHON
    file_name = "program.py"
    fence_tags = frozenset({"python", "py", "python3"})
    looks_like_code = re.compile(r"^\s*(import|from)\s+\w+", re.MULTILINE)

    def run(self, code: str, workdir: Path, timeout_s: float, scope: RunScope) -> ProgramReport:
        """The monitor enforces the wall clock; `timeout_s` is not needed here."""
        path = workdir / self.file_name
        namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path), "__builtins__": __builtins__}
        sys.argv = [str(path)]
        sys.path.insert(0, str(workdir))
        report = ProgramReport()
        try:
            exec(compile(code, str(path), "exec"), namespace)
        except SystemExit as exit_:
            code_ = exit_.code
            if code_ not in (None, 0):
                report.exit_code = int(code_) if isinstance(code_, int) else 1
                report.error = f"SystemExit: the program exited with {code_!r}"
        except BaseException as error:  # the program's fault, whatever it is, is reported
            report.exit_code = 1
            report.error_type = type(error).__name__
            report.error, report.error_line, report.traceback = describe(error, self.file_name)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        if scope.events:
            report.target = scope.events[-1].target
        try:
            report.reading = read_solution(namespace, scope.events, scope.targets)
        except Exception as error:  # introspection must never hide the program's own outcome
            report.introspection_error = f"{type(error).__name__}: {first_line(str(error))}"
        return report


PYTHON = PythonLanguage()
