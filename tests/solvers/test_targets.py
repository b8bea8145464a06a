"""Each target on real solvers: a tiny model with a known optimum, and infeasible and
unbounded models wherever the solver tells them apart, read back from the solver objects."""

from __future__ import annotations

import textwrap

import pytest

from optagent.solvers import Language, Limits, SolutionStatus, Termination
from optagent.solvers.targets import get_target

pytestmark = pytest.mark.asyncio(loop_scope="module")

# max 3x + 2y  s.t.  x + y <= 4,  x + 3y <= 6,  x <= 3  ->  x = 3, y = 1, objective 11
LP = {
    "pyomo": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 3)); m.y = pyo.Var(bounds=(0, None))
        m.a = pyo.Constraint(expr=m.x + m.y <= 4); m.b = pyo.Constraint(expr=m.x + 3 * m.y <= 6)
        m.o = pyo.Objective(expr=3 * m.x + 2 * m.y, sense=pyo.maximize)
        pyo.SolverFactory("appsi_highs").solve(m)
    """,
    "pyscipopt": """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar("x", lb=0, ub=3); y = m.addVar("y", lb=0)
        m.addCons(x + y <= 4); m.addCons(x + 3 * y <= 6)
        m.setObjective(3 * x + 2 * y, "maximize"); m.optimize()
    """,
    "pulp": """
        import pulp
        p = pulp.LpProblem("lp", pulp.LpMaximize)
        x = pulp.LpVariable("x", 0, 3); y = pulp.LpVariable("y", 0)
        p += 3 * x + 2 * y
        p += x + y <= 4
        p += x + 3 * y <= 6
        p.solve(pulp.PULP_CBC_CMD(msg=False))
    """,
    "cpmpy": """
        import cpmpy as cp
        x = cp.intvar(0, 3, name="x"); y = cp.intvar(0, 10, name="y")
        model = cp.Model(x + y <= 4, x + 3 * y <= 6, maximize=3 * x + 2 * y)
        model.solve()
    """,
    "cpsat": """
        from ortools.sat.python import cp_model
        model = cp_model.CpModel()
        x = model.new_int_var(0, 3, "x"); y = model.new_int_var(0, 10, "y")
        model.add(x + y <= 4); model.add(x + 3 * y <= 6); model.maximize(3 * x + 2 * y)
        solver = cp_model.CpSolver(); solver.solve(model)
    """,
}

INFEASIBLE = {
    "pyomo": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel(); m.x = pyo.Var(bounds=(0, 5))
        m.c = pyo.Constraint(expr=m.x >= 6); m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
        pyo.SolverFactory("highs").solve(m, load_solutions=False)
    """,
    "pyscipopt": """
        from pyscipopt import Model
        m = Model(); m.hideOutput(); x = m.addVar("x", lb=0, ub=5)
        m.addCons(x >= 6); m.setObjective(x, "maximize"); m.optimize()
    """,
    "pulp": """
        import pulp
        p = pulp.LpProblem("i", pulp.LpMaximize); x = pulp.LpVariable("x", 0, 5)
        p += x
        p += x >= 6
        p.solve(pulp.PULP_CBC_CMD(msg=False))
    """,
    "cpmpy": """
        import cpmpy as cp
        x = cp.intvar(0, 5, name="x"); model = cp.Model(x >= 6); model.solve()
    """,
    "cpsat": """
        from ortools.sat.python import cp_model
        model = cp_model.CpModel(); x = model.new_int_var(0, 5, "x"); model.add(x >= 6)
        solver = cp_model.CpSolver(); solver.solve(model)
    """,
}

UNBOUNDED = {
    "pyomo": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel(); m.x = pyo.Var(domain=pyo.NonNegativeReals); m.y = pyo.Var(domain=pyo.NonNegativeReals)
        m.c = pyo.Constraint(expr=m.x - m.y <= 1); m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
        pyo.SolverFactory("highs").solve(m, load_solutions=False)
    """,
    "pyscipopt": """
        from pyscipopt import Model
        m = Model(); m.hideOutput(); x = m.addVar("x", lb=0); y = m.addVar("y", lb=0)
        m.addCons(x - y <= 1); m.setObjective(x + y, "maximize"); m.optimize()
    """,
    "pulp": """
        import pulp
        p = pulp.LpProblem("u", pulp.LpMaximize); x = pulp.LpVariable("x", 0); y = pulp.LpVariable("y", 0)
        p += x + y
        p += x - y <= 1
        p.solve(pulp.PULP_CBC_CMD(msg=False))
    """,
}


async def run(sandbox, code: str, **kwargs):
    return await sandbox.run(textwrap.dedent(code), limits=Limits(timeout_s=20), **kwargs)


@pytest.mark.parametrize("target", sorted(LP))
async def test_small_lp_reads_optimum_from_solver_objects(sandbox, target):
    result = await run(sandbox, LP[target])
    assert result.termination == Termination.OK, result.error
    assert result.solution_status == SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(11)
    assert result.values["x"] == pytest.approx(3) and result.values["y"] == pytest.approx(1)
    assert result.stdout == ""  # read from the solver, not from prints


@pytest.mark.parametrize("target", sorted(INFEASIBLE))
async def test_infeasible(sandbox, target):
    result = await run(sandbox, INFEASIBLE[target])
    assert result.termination == Termination.OK, result.error
    assert result.solution_status == SolutionStatus.INFEASIBLE
    assert result.objective is None


@pytest.mark.parametrize("target", sorted(UNBOUNDED))
async def test_unbounded_told_apart_from_infeasible(sandbox, target):
    result = await run(sandbox, UNBOUNDED[target])
    assert result.termination == Termination.OK, result.error
    assert result.solution_status == SolutionStatus.UNBOUNDED


async def test_pyomo_solve_that_raises_still_reports_what_highs_proved(sandbox):
    result = await run(sandbox, INFEASIBLE["pyomo"].replace(", load_solutions=False", ""))
    assert result.termination == Termination.ERROR
    assert "NoFeasibleSolutionError" in result.error and result.error_line == 5
    assert result.solution_status == SolutionStatus.INFEASIBLE


async def test_model_built_inside_main_is_read_through_the_solve_hook(sandbox):
    code = """
        import pyomo.environ as pyo

        def main():
            m = pyo.ConcreteModel(); m.x = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 7))
            m.o = pyo.Objective(expr=2 * m.x, sense=pyo.maximize)
            pyo.SolverFactory("highs").solve(m)

        if __name__ == "__main__":
            main()
    """
    result = await run(sandbox, code)
    assert (result.solution_status, result.objective, result.values) == (SolutionStatus.OPTIMAL, 14, {"x": 7})


async def test_nonlinear_model_on_scip(sandbox):
    code = """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar("x", lb=0, ub=10); y = m.addVar("y", lb=0, ub=10)
        m.addCons(x * x + y * y <= 8)
        m.setObjective(x + y, "maximize"); m.optimize()
    """
    result = await run(sandbox, code)
    assert result.solution_status == SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(4, abs=1e-5)


async def test_printed_json_is_kept_beside_the_solver_reading(sandbox):
    result = await run(sandbox, textwrap.dedent(LP["pulp"]) + 'print("solved")\nprint(\'{"x": 3, "profit": 11}\')\n')
    assert result.printed_json == {"x": 3, "profit": 11}
    assert result.solution_status == SolutionStatus.OPTIMAL


async def test_minizinc_model_with_data(sandbox):
    model = "int: n;\nvar 0..n: x; var 0..n: y;\nconstraint x + y <= 4 /\\ x + 3 * y <= 6 /\\ x <= 3;\nsolve maximize 3 * x + 2 * y;\n"
    result = await sandbox.run(model, Language.MINIZINC, Limits(timeout_s=20), files={"data.dzn": b"n = 10;\n"})
    assert result.termination == Termination.OK, result.error
    assert (result.solution_status, result.objective, result.values) == (SolutionStatus.OPTIMAL, 11, {"x": 3, "y": 1})


async def test_minizinc_unsatisfiable(sandbox):
    result = await sandbox.run("var 0..5: x;\nconstraint x >= 6;\nsolve satisfy;\n", Language.MINIZINC)
    assert (result.termination, result.solution_status) == (Termination.OK, SolutionStatus.INFEASIBLE)


async def test_minizinc_type_error_is_an_error_result(sandbox):
    result = await sandbox.run('var 0..10: x;\nconstraint x + "a" <= 7;\nsolve satisfy;\n', Language.MINIZINC)
    assert result.termination == Termination.ERROR
    assert result.error.startswith("MiniZinc type error") and result.error_line == 2
    assert result.error.endswith("(line 2)") and 'line 2: constraint x + "a" <= 7;' in result.traceback


async def test_gurobipy_missing_is_a_clear_error(sandbox):
    if get_target("gurobipy").available():
        pytest.skip("gurobipy is installed here")
    result = await run(sandbox, "import gurobipy as gp\nm = gp.Model()\n")
    assert result.termination == Termination.ERROR
    assert (
        result.error
        == "ModuleNotFoundError: needs gurobipy (pip install gurobipy; a licence for large models) (line 1)"
    )
