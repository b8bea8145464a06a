"""The target registry: complete, lazy (no solver imported to look a target up)."""

from __future__ import annotations

import subprocess
import sys

from optagent.core.types import ProblemKind
from optagent.solvers.targets import TARGETS, get_target


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
