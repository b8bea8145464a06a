"""The target registry: complete, lazy (no solver imported to look a target up)."""

from __future__ import annotations

import subprocess
import sys

from optagent.core.types import Language, ProblemKind
from optagent.solvers.targets import TARGETS, get_target, guess_language, language_of_fence, program_languages


def test_registry_is_lazy_and_complete():

    probe = "import sys, optagent.solvers.targets as t; t.get_target('pyomo'); print(any(m in sys.modules for m in ('pyomo', 'pyscipopt', 'ortools', 'cpmpy')))"
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
    for name in TARGETS:
        target = get_target(name)
        assert target.name == name and target.kinds <= set(ProblemKind)
        assert "```" in target.cheat_sheet


def test_every_language_is_told_by_a_target():
    languages = program_languages()
    assert [language.name for language in languages] == list(Language)
    assert len({language.suffix for language in languages}) == len(languages)
    assert language_of_fence("MZN") == Language.MINIZINC and language_of_fence("py") == Language.PYTHON
    assert language_of_fence("javascript") is None
    assert guess_language("var 0..1: x;\nsolve satisfy;\n") == Language.MINIZINC
    assert guess_language("import pulp\n") == Language.PYTHON
