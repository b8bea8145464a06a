"""The workshop problem of production.txt, written by hand in Pyomo and solved with HiGHS."""

import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.tables = pyo.Var(domain=pyo.NonNegativeIntegers)
model.chairs = pyo.Var(domain=pyo.NonNegativeIntegers)
model.profit = pyo.Objective(expr=70 * model.tables + 50 * model.chairs, sense=pyo.maximize)
model.carpentry = pyo.Constraint(expr=4 * model.tables + 3 * model.chairs <= 240)
model.finishing = pyo.Constraint(expr=2 * model.tables + 1 * model.chairs <= 100)
model.chair_demand = pyo.Constraint(expr=model.chairs <= 60)

results = pyo.SolverFactory("appsi_highs").solve(model)
print(f"tables={pyo.value(model.tables):.0f} chairs={pyo.value(model.chairs):.0f} profit={pyo.value(model.profit):.0f}")
