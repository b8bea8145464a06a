"""The workshop problem most scripted tests solve, and the replies that answer it.

The understanding and formulation a careful modeler gives, Pyomo+HiGHS programs that are
right, wrong, crashing or infeasible (run by the real sandbox), and a judge's acceptance:
the replies a `testing.scripted.ScriptedModel` gives per step.
"""

from __future__ import annotations

UNDERSTANDING = {
    "objective": "total weekly profit",
    "sense": "maximize",
    "decisions": [
        {"name": "tables", "meaning": "tables made per week", "domain": "integer"},
        {"name": "chairs", "meaning": "chairs made per week", "domain": "integer"},
    ],
    "constraints": ["carpentry hours", "finishing hours", "chair demand"],
    "data": ["4 h carpentry per table"],
    "notes": ["counts are integers"],
    "kind": "milp",
}

FORMULATION = {
    "sets": [],
    "parameters": [{"name": "carpentry_hours", "value": 240, "latex": "C", "text": "carpentry hours"}],
    "variables": [
        {"name": "tables", "domain": "integer", "lower": 0, "latex": "t", "text": "tables"},
        {"name": "chairs", "domain": "integer", "lower": 0, "latex": "c", "text": "chairs"},
    ],
    "objective": {"sense": "maximize", "latex": "\\max 70t + 50c", "text": "profit"},
    "constraints": [
        {"name": "carpentry", "latex": "4t + 3c \\le 240", "text": "carpentry"},
        {"name": "finishing", "latex": "2t + c \\le 100", "text": "finishing"},
        {"name": "demand", "latex": "c \\le 60", "text": "chair demand"},
    ],
    "kind": "milp",
}


def pyomo_program(table_profit: int = 70, chair_profit: int = 50, extra: str = "", crash: bool = False) -> str:
    """The workshop problem in Pyomo+HiGHS; optimum 4100 at 30 tables, 40 chairs."""
    return f"""```python
import json
import pyomo.environ as pyo

m = pyo.ConcreteModel()
m.tables = pyo.Var(domain=pyo.NonNegativeIntegers)
m.chairs = pyo.Var(domain=pyo.NonNegativeIntegers)
m.profit = pyo.Objective(expr={table_profit} * m.tables + {chair_profit} * m.chairs, sense=pyo.maximize)
m.carpentry = pyo.Constraint(expr=4 * m.tables + 3 * m.chairs <= 240)
m.finishing = pyo.Constraint(expr=2 * m.tables + m.chairs <= 100)
m.demand = pyo.Constraint(expr=m.chairs <= 60)
{extra}
{"undefined_name + 1" if crash else ""}
result = pyo.SolverFactory("appsi_highs").solve(m, load_solutions=False)
if result.solver.termination_condition == pyo.TerminationCondition.infeasible:
    print(json.dumps({{"status": "infeasible"}}))
else:
    m.solutions.load_from(result)
    print(json.dumps({{"objective": pyo.value(m.profit), "tables": pyo.value(m.tables), "chairs": pyo.value(m.chairs)}}))
```"""


def crashing(n: int) -> list[str]:
    """`n` different programs, each crashing with its own error (no two rounds alike)."""
    return [pyomo_program(extra=f"broken_{i} = undefined_name_{i} + 1") for i in range(n)]


ACCEPT = {"blame": "accept", "reason": "the model matches the problem"}
GOOD = pyomo_program()
# The profits swapped: optimum 4950, every number of the statement used (no rule can see it).
WRONG = pyomo_program(table_profit=50, chair_profit=70)
CRASH = pyomo_program(crash=True)
INFEASIBLE = pyomo_program(extra="m.too_many = pyo.Constraint(expr=m.tables + m.chairs >= 1000)")


# The problem most graph tests solve, and the scripted modelling steps that answer it.
WORKSHOP = (
    "A workshop makes tables (4 h carpentry, 2 h finishing, $70 profit) and chairs (3 h carpentry, "
    "1 h finishing, $50 profit). 240 h of carpentry and 100 h of finishing are available; at most "
    "60 chairs sell. How many tables and chairs maximize profit?"
)
MODELING = {"understand": UNDERSTANDING, "formulate": FORMULATION, "explain": "Make 30 tables and 40 chairs."}
