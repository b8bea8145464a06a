"""The Target interface: one solver, the language its programs are written in, its
cheat-sheet, and how to read its solution back.

A target never runs at registry import: solver packages are imported inside `preload`,
`install_hooks`, the readers and its language's `run`, which only ever run inside the
sandbox's zygote and its children, where the packages are already loaded.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import numbers
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from optagent.core.types import Language, ProblemKind
from optagent.solvers.wire import ProgramReport, Reading

MAX_VALUES = 5000


@dataclass
class SolveEvent:
    """A solve call the program made, recorded by a target's hook as it happened.

    Hooks make "result, not prints" work for models built inside functions (`def main()`)
    and for solves that raised after the solver had already concluded (Pyomo raises on
    infeasible models unless told not to).
    """

    target: str
    objects: tuple[Any, ...]
    result: Any = None
    error: BaseException | None = None


Record = Callable[[SolveEvent], None]


class ProgramLanguage:
    """A language programs are written in: their file, how a model's reply shows them,
    and how the sandbox runs them. Each target names the one its programs use."""

    name: ClassVar[Language]
    file_name: ClassVar[str]
    """The program's file in the run directory."""
    fence_tags: ClassVar[frozenset[str]]
    """Code-fence tags (lower case) that mark a program of this language in a reply."""
    looks_like_code: ClassVar[re.Pattern[str]]
    """A reply without code fences is one whole program when a line matches this."""
    signature: ClassVar[re.Pattern[str] | None] = None
    """Matches only code of this language (to tell the language of bare code); None marks
    the language assumed when no other language's signature matches."""
    data_suffix: ClassVar[str | None] = None
    """`optagent exec` sends the file of this suffix and the program's stem along as data."""

    @property
    def suffix(self) -> str:
        return Path(self.file_name).suffix

    def run(self, code: str, workdir: Path, timeout_s: float, scope: RunScope) -> ProgramReport:
        """Run the program (already written to `workdir / file_name`) inside the sandbox's
        program process, within `timeout_s` of wall clock, and report how it ended."""
        raise NotImplementedError


class Target:
    name: ClassVar[str]
    program_language: ClassVar[ProgramLanguage]
    kinds: ClassVar[frozenset[ProblemKind]]
    packages: ClassVar[tuple[str, ...]] = ()
    """Importable packages the target needs; the first also marks programs that use it."""
    description: ClassVar[str] = ""
    missing_message: ClassVar[str | None] = None
    """The error shown when a program imports the package and it is not installed."""
    fixes: ClassVar[tuple[tuple[re.Pattern[str], str], ...]] = ()
    """Faults of the package's API that programs commonly make: a pattern of the error's
    message and the fix to name after it, for an error raised inside the first package (or an
    operator the interpreter refuses on its objects, `TypeError` in the program's own line)."""

    def fix(self, message: str) -> str:
        """The fix this target names for an error message, as "; <fix>", or ""."""
        return next((f"; {text}" for pattern, text in self.fixes if pattern.search(message)), "")

    @property
    def language(self) -> Language:
        return self.program_language.name

    @functools.cached_property
    def cheat_sheet(self) -> str:
        from optagent.prompts.loader import template_source

        return template_source(f"targets/{self.name}")

    def available(self) -> bool:
        return all(importlib.util.find_spec(package) is not None for package in self.packages)

    def preload(self) -> None:
        """Import the solver stack and walk its first-solve path once (zygote start-up)."""

    def warm(self) -> None:
        """Walk the solve path a program of this target usually takes, in a parked tree
        (`solvers/_process.py`): by default the same walk as `preload`."""
        self.preload()

    def install_hooks(self, record: Record) -> None:
        """Wrap the solver's solve entry points so each call is recorded (zygote start-up)."""

    def read_event(self, event: SolveEvent) -> Reading | None:
        return None

    def read_scope(self, objects: list[Any]) -> list[Reading]:
        """Readings from objects the program left in its globals (the fallback to hooks)."""
        return []


@dataclass
class RunScope:
    """What the zygote prepared for every run: the solve events its targets' hooks record,
    and the targets available."""

    events: list[SolveEvent]
    targets: list[Target]


def first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


_NAMES_A_LINE = re.compile(r"\bline \d", re.IGNORECASE)


def at_line(message: str, line: int | None) -> str:
    """The message with the program line it points at, unless it already names one."""
    return f"{message} (line {line})" if line is not None and not _NAMES_A_LINE.search(message) else message


def number(value: Any) -> float | int | None:
    """A plain JSON number from a solver value (numpy scalars, bools, Fractions), or None."""
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def collect(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in pairs:
        converted = number(value)
        if converted is not None:
            values[str(name)] = converted
            if len(values) >= MAX_VALUES:
                break
    return values


_depth = [0]


def wrap_solve(cls: type, method: str, target: str, record: Record, objects: Callable[..., tuple[Any, ...]]) -> None:
    """Wrap `cls.method` (only where the class defines it) to record a SolveEvent per call."""
    original = cls.__dict__.get(method)
    if original is None or getattr(original, "__optagent_hook__", False):
        return

    @functools.wraps(original)
    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _depth[0]:  # a solve inside a recorded solve (CPMpy calling CP-SAT) is not the user's
            return original(self, *args, **kwargs)
        event = SolveEvent(target, objects(self, *args, **kwargs))
        record(event)
        _depth[0] += 1
        try:
            event.result = original(self, *args, **kwargs)
        except BaseException as error:
            event.error = error
            raise
        finally:
            _depth[0] -= 1
        return event.result

    hooked.__optagent_hook__ = True  # type: ignore[attr-defined]
    setattr(cls, method, hooked)
