"""Solver targets: one module per solver, looked up by name and imported lazily.

Adding a target is one module defining a `Target` subclass, one line in `TARGETS` and its
cheat sheet (`prompts/targets/NAME.md`). A target names the `ProgramLanguage` its programs
are written in (`targets/python.py` for most); a new language is a `ProgramLanguage`
subclass in the module of the target that brings it (as `targets/minizinc.py` does),
plus its name in `core.types.Language`.
"""

from __future__ import annotations

import functools
import importlib

from optagent.core.errors import OptagentError
from optagent.core.types import Language
from optagent.solvers.targets.base import ProgramLanguage, RunScope, SolveEvent, Target

TARGETS: dict[str, str] = {
    "pyomo": "optagent.solvers.targets.pyomo:PyomoTarget",
    "pyscipopt": "optagent.solvers.targets.pyscipopt:PySCIPOptTarget",
    "pulp": "optagent.solvers.targets.pulp:PulpTarget",
    "cpmpy": "optagent.solvers.targets.cpmpy:CPMpyTarget",
    "cpsat": "optagent.solvers.targets.cpsat:CPSATTarget",
    "minizinc": "optagent.solvers.targets.minizinc:MiniZincTarget",
    "gurobipy": "optagent.solvers.targets.gurobipy:GurobipyTarget",
}


@functools.cache
def get_target(name: str) -> Target:
    try:
        module_name, class_name = TARGETS[name].split(":")
    except KeyError:
        raise OptagentError(f"unknown target '{name}'; choose one of {', '.join(TARGETS)}") from None
    return getattr(importlib.import_module(module_name), class_name)()


def all_targets() -> list[Target]:
    return [get_target(name) for name in TARGETS]


@functools.cache
def program_languages() -> tuple[ProgramLanguage, ...]:
    """Every language some target's programs are written in, in the order of `TARGETS`."""
    found: dict[Language, ProgramLanguage] = {}
    for target in all_targets():
        found.setdefault(target.language, target.program_language)
    return tuple(found.values())


def program_language(language: Language) -> ProgramLanguage:
    for candidate in program_languages():
        if candidate.name == language:
            return candidate
    raise OptagentError(f"no target writes {language} programs; choose one of {', '.join(language_names())}")


def language_names() -> list[str]:
    return [str(language.name) for language in program_languages()]


def language_of_fence(tag: str) -> Language | None:
    """The language a code-fence tag marks, or None."""
    return next((language.name for language in program_languages() if tag.lower() in language.fence_tags), None)


def guess_language(code: str) -> Language:
    """The language of bare code: the first whose signature it matches, else the default one."""
    languages = program_languages()
    matched = next((language for language in languages if language.signature and language.signature.search(code)), None)
    return (matched or next(language for language in languages if language.signature is None)).name


__all__ = [
    "TARGETS",
    "ProgramLanguage",
    "RunScope",
    "SolveEvent",
    "Target",
    "all_targets",
    "get_target",
    "guess_language",
    "language_names",
    "language_of_fence",
    "program_language",
    "program_languages",
]
