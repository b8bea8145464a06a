"""Program faults become one-line errors naming the cause, with the program's line and
a traceback trimmed to the program's own frames."""

from __future__ import annotations

import pytest

from optagent.solvers import Limits, Termination

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_syntax_error_names_the_line(sandbox):
    result = await sandbox.run("x = 1\ny = 2\nprint(x +)\n")
    assert result.termination == Termination.ERROR
    assert result.error == "SyntaxError: invalid syntax (line 3)" and result.error_line == 3


async def test_missing_module_says_it_is_not_installed(sandbox):
    result = await sandbox.run("import math\nimport foo_not_here\n")
    assert result.error == "ModuleNotFoundError: No module named 'foo_not_here' — not installed in the sandbox (line 2)"
    assert result.error_line == 2


async def test_traceback_keeps_only_the_program_frames(sandbox):
    code = "import pyomo.environ as pyo\n\ndef build():\n    return pyo.value(None + 1)\n\nbuild()\n"
    result = await sandbox.run(code)
    assert result.termination == Termination.ERROR
    assert result.error.startswith("TypeError: unsupported operand") and result.error_line == 4
    assert 'program.py", line 6' in result.traceback and 'program.py", line 4' in result.traceback
    assert "site-packages" not in result.traceback


async def test_exception_inside_a_library_points_at_the_calling_line(sandbox):
    result = await sandbox.run("import json\n\njson.loads('{bad')\n")
    assert result.error.startswith("JSONDecodeError: ") and result.error_line == 3


async def test_a_missing_attribute_names_the_closest_ones(sandbox):
    result = await sandbox.run("import cpmpy as cp\n\nx = cp.intvar(0, 3)\ncp.Sum([x])\n")
    assert result.error == "AttributeError: module 'cpmpy' has no attribute 'Sum'; did you mean sum? (line 4)"
    camel = await sandbox.run("import cpmpy as cp\ncp.all_different([])\n")
    assert "'all_different'; did you mean AllDifferent?" in camel.error, "a match up to case and underscores alone"
    method = await sandbox.run("import cpmpy as cp\ncp.Model().Maximize(1)\n")
    assert "did you mean maximize?" in method.error
    typo = await sandbox.run("import cpmpy as cp\ncp.intvr(0, 3)\n")
    assert "did you mean intvar" in typo.error
    spelled = await sandbox.run("from ortools.sat.python import cp_model\ncp_model.CpModel().new_real_var(0, 1, 'x')\n")
    assert "did you mean new_interval_var or new_bool_var or new_int_var?" in spelled.error, "in the asked spelling"
    nothing_close = await sandbox.run("import json\njson.zzzqqq\n")
    assert nothing_close.error == "AttributeError: module 'json' has no attribute 'zzzqqq' (line 2)"


COMMON_FAULTS = {
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.x = pyo.Var()\nm.c = pyo.Constraint(expr=m.x > 0)\n": (
        "strict inequality",
        "write <= or >= instead: x > 0 becomes a lower bound",
    ),
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.x = pyo.Var()\nm.c = pyo.Constraint(expr=10 * m.x)\n": (
        "does not have a proper value",
        "pyo.Constraint(expr=...) takes a relation",
    ),
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.a = pyo.Var()\nm.x = pyo.Var(m.a)\n": (
        "Set operator",
        "the positional arguments of a component (pyo.Var, pyo.Constraint, pyo.Param) are Sets",
    ),
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.I = pyo.Set(initialize=['a', 'b'])\nm.x = pyo.Var(m.I)\nm.c = pyo.Constraint(expr=1000 * m.x <= 5)\n": (
        "unsupported operand type(s) for *: 'int' and 'IndexedVar'",
        "an indexed component is a family, one member per element of its set",
    ),
    "from pyomo.environ import *\nm = ConcreteModel()\nm.I = Set(initialize=['a', 'b'])\nm.x = Var(m.I)\nm.c = Constraint(expr=m.x >= 1)\n": (
        "not supported between instances of 'IndexedVar' and 'int'",
        "an indexed component is a family",
    ),
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.a, m.b = 12, 6\nm.c = pyo.Constraint(expr=m.a <= m.b)\n": (
        "trivial Boolean",
        "the constraint compares numbers only, no variable",
    ),
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.I = pyo.Set(initialize=['a', 'b'])\nm.x = pyo.Var(m.I)\nm.c = pyo.Constraint(expr=m.x[0] >= 1)\n": (
        "Index '0' is not valid for indexed component 'x'",
        "an index must be an element of the component's set",
    ),
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.R = pyo.Set(initialize=['steel'])\ncost = 60 / m.R[0]\n": (
        "Accessing Pyomo Sets by position is 1-based",
        "use a Set's elements by name or by a loop over it",
    ),
    "from pyscipopt import Model\nm = Model()\nx = m.addVar()\nm.addCons(0 <= x <= 5)\n": (
        "Can't evaluate constraints as booleans",
        "a range lhs <= expr <= rhs is two constraints",
    ),
    "from pyscipopt import Model\nm = Model()\nx = m.addVars(3)\n": (
        "did you mean addVar",
        "PySCIPOpt makes one variable per addVar call",
    ),
    "from pyscipopt import Model, quicksum\nm = Model()\nx, y = m.addVar(), m.addVar()\nm.setObjective(quicksum(2 * x + 3 * y))\n": (
        "unsupported operand",
        "quicksum takes an iterable",
    ),
    "from pyscipopt import Model\nm = Model()\nx, y = m.addVar(), m.addVar()\nm.setObjective(x / y)\n": (
        "requires Expr or number",
        "setObjective takes a linear expression",
    ),
    "from pyscipopt import Model\nm = Model()\nx = m.addVar()\nm.setObjective(x * x * x)\n": (
        "does not support nonlinear objective",
        "setObjective takes a linear expression",
    ),
    "from ortools.sat.python import cp_model\ncp_model.CpModel().new_int_var(0, None, 'x')\n": (
        "incompatible constructor arguments",
        "CP-SAT bounds are integers, both given",
    ),
    "import cpmpy as cp\ncp.intvar(0, None)\n": (
        "upperbound must be integer",
        "cp.intvar(lb, ub) takes two integer bounds",
    ),
}


@pytest.mark.parametrize("program", COMMON_FAULTS)
async def test_a_common_fault_of_a_solver_api_names_its_fix(sandbox, program):
    fault, fix = COMMON_FAULTS[program]
    result = await sandbox.run(program)
    assert fault in result.error and f"; {fix}" in result.error, result.error
    assert result.error.endswith(f"(line {program.count(chr(10))})"), "the fix comes before the line, on one line"


async def test_a_fault_raised_outside_the_package_names_no_fix(sandbox):
    result = await sandbox.run("import pyomo.environ\nraise ValueError('a strict inequality of my own')\n")
    assert result.error == "ValueError: a strict inequality of my own (line 2)"
    own_operator = await sandbox.run("import pyomo.environ as pyo\nx = 'a' * 'b'\n")
    assert own_operator.error == "TypeError: can't multiply sequence by non-int of type 'str' (line 2)"


async def test_sys_exit_codes(sandbox):
    ok = await sandbox.run("import sys\nprint('bye')\nsys.exit(0)\n")
    failed = await sandbox.run("import sys\nsys.exit(2)\n")
    assert (ok.termination, ok.exit_code) == (Termination.OK, 0)
    assert (failed.termination, failed.exit_code) == (Termination.ERROR, 2) and "exited with 2" in failed.error


async def test_empty_and_non_utf8_programs_are_errors_without_a_process(sandbox):
    empty = await sandbox.run("  \n")
    binary = await sandbox.run(b"print('hi')\n\xff\xfe")
    assert (empty.termination, empty.error) == (Termination.ERROR, "the program is empty; give it a model to run")
    assert binary.termination == Termination.ERROR and binary.error.startswith(
        "the program is not UTF-8 text (byte 0xff at offset 12)"
    )


async def test_file_names_must_stay_in_the_run_directory(sandbox):
    result = await sandbox.run("print(1)", files={"../escape.py": b""})
    assert result.termination == Termination.ERROR and "plain name" in result.error


async def test_files_are_visible_to_the_program(sandbox):
    result = await sandbox.run(
        "import helper\nprint(helper.VALUE, open('data.csv').read())\n",
        files={"helper.py": b"VALUE = 42\n", "data.csv": b"a,b\n"},
        limits=Limits(timeout_s=10),
    )
    assert result.stdout == "42 a,b\n\n"


async def test_files_carry_any_bytes(sandbox):
    data = bytes(range(256)) * 4
    result = await sandbox.run(
        "print(open('blob.bin', 'rb').read() == bytes(range(256)) * 4)\n", files={"blob.bin": data}
    )
    assert result.stdout == "True\n"
