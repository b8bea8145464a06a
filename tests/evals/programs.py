"""Hand-written Pyomo + HiGHS programs for a few real OptiBench and LogiOR problems.

`CORRECT` reproduces each label; `WRONG` holds honest mistakes of the kinds models make
(a wrong coefficient, a crash, an infeasible model), so scores can fail for real.
"""

_HEAD = "import json\nimport pyomo.environ as pyo\nm = pyo.ConcreteModel()\n"
_SOLVE = 'pyo.SolverFactory("appsi_highs").solve(m)\n'
_SOLVE_CHECKED = (
    'results = pyo.SolverFactory("appsi_highs").solve(m, load_solutions=False)\n'
    "print(results.solver.termination_condition)\n"
)


def _program(body: str, printed: dict[str, str]) -> str:
    items = ", ".join(f"{key!r}: pyo.value({expr})" for key, expr in printed.items())
    return _HEAD + body + _SOLVE + f"print(json.dumps({{{items}}}))\n"


OPTIBENCH_2 = """m.j = pyo.Var(domain=pyo.NonNegativeIntegers)
m.p = pyo.Var(domain=pyo.NonNegativeIntegers)
m.obj = pyo.Objective(expr=METAL_J * m.j + 9 * m.p, sense=pyo.maximize)
m.water = pyo.Constraint(expr=8 * m.j + 6 * m.p <= 1500)
m.pollution = pyo.Constraint(expr=3 * m.j + 5 * m.p <= 1350)
"""
OPTIBENCH_2_KEYS = {
    "The number of Process J": "m.j",
    "The number of Process P": "m.p",
    "The total metal extracted": "m.obj",
}

OPTIBENCH_9 = """m.g = pyo.Var(domain=pyo.NonNegativeIntegers)
m.p = pyo.Var(domain=pyo.NonNegativeIntegers)
m.obj = pyo.Objective(expr=m.g + m.p, sense=pyo.minimize)
m.guests = pyo.Constraint(expr=4 * m.g + m.p >= 80)
m.share = pyo.Constraint(expr=m.g <= 0.6 * (m.g + m.p))
"""
OPTIBENCH_9_KEYS = {
    "The number of golf carts to use": "m.g",
    "The number of pull carts to use": "m.p",
    "The total number of carts used": "m.obj",
}

# Index 29's label (5 new, 10 old, 15 in all) breaks its own 35% rule: the model is infeasible.
OPTIBENCH_29 = """m.n = pyo.Var(domain=pyo.NonNegativeIntegers)
m.o = pyo.Var(domain=pyo.NonNegativeIntegers)
m.obj = pyo.Objective(expr=m.n + m.o, sense=pyo.minimize)
m.share = pyo.Constraint(expr=m.o <= 0.35 * (m.n + m.o))
m.new = pyo.Constraint(expr=m.n >= 5)
m.heat = pyo.Constraint(expr=10 * m.n + 15 * m.o >= 200)
m.power = pyo.Constraint(expr=200 * m.n + 250 * m.o <= 3500)
"""

# Index 293's label says 150 mg of sodium; ten packs of fries hold 750.
OPTIBENCH_293 = """m.r = pyo.Var(domain=pyo.NonNegativeIntegers)
m.f = pyo.Var(domain=pyo.NonNegativeIntegers)
m.obj = pyo.Objective(expr=100 * m.r + 75 * m.f, sense=pyo.minimize)
m.share = pyo.Constraint(expr=m.r <= 0.3 * (m.r + m.f))
m.calories = pyo.Constraint(expr=400 * m.r + 300 * m.f >= 3000)
m.protein = pyo.Constraint(expr=20 * m.r + 10 * m.f >= 80)
"""

LOGIOR_023 = """m.x = pyo.Var([1, 2, 3, 4], domain=pyo.NonNegativeReals)
cost = {1: 8, 2: 10, 3: 11, 4: 14}
a = {1: .03, 2: .06, 3: .10, 4: .12}
b = {1: .02, 2: .04, 3: .03, 4: .09}
c = {1: .01, 2: .01, 3: .04, 4: .04}
m.obj = pyo.Objective(expr=sum(cost[i] * m.x[i] for i in m.x), sense=pyo.minimize)
m.total = pyo.Constraint(expr=sum(m.x[i] for i in m.x) == 1000)
m.a = pyo.Constraint(expr=sum(a[i] * m.x[i] for i in m.x) >= 80)
m.b = pyo.Constraint(expr=sum(b[i] * m.x[i] for i in m.x) >= 40)
m.c = pyo.Constraint(expr=sum(c[i] * m.x[i] for i in m.x) >= 20)
m.two = pyo.Constraint(expr=m.x[2] >= MIN_TWO)
"""

LOGIOR_061 = """supply = {"S1": 200, "S2": 150, "S3": 180}
demand = {"D1": 120, "D2": 90, "D3": 110, "D4": DEMAND_D4}
first = {("S1", "H1"): 5, ("S1", "H2"): 7, ("S2", "H1"): 6, ("S2", "H2"): 8, ("S3", "H1"): 4, ("S3", "H2"): 5}
second = {("H1", "D1"): 3, ("H1", "D2"): 4, ("H1", "D3"): 5, ("H1", "D4"): 6,
          ("H2", "D1"): 4, ("H2", "D2"): 3, ("H2", "D3"): 6, ("H2", "D4"): 5}
m.x = pyo.Var(list(first), domain=pyo.NonNegativeReals)
m.y = pyo.Var(list(second), domain=pyo.NonNegativeReals)
m.obj = pyo.Objective(
    expr=sum(first[k] * m.x[k] for k in first) + sum(second[k] * m.y[k] for k in second), sense=pyo.minimize
)
m.supply = pyo.Constraint(list(supply), rule=lambda m, s: sum(m.x[s, h] for h in ("H1", "H2")) <= supply[s])
m.demand = pyo.Constraint(list(demand), rule=lambda m, d: sum(m.y[h, d] for h in ("H1", "H2")) >= demand[d])
m.hub = pyo.Constraint(
    ["H1", "H2"],
    rule=lambda m, h: sum(m.x[s, h] for s in supply) == sum(m.y[h, d] for d in demand),
)
"""

LOGIOR_069 = """arcs = {("A", "B"): 15, ("A", "C"): 10, ("B", "C"): 5, ("B", "D"): 10, ("C", "E"): 8,
        ("C", "F"): 12, ("E", "D"): 7, ("F", "D"): 20, ("G", "D"): 0}
m.f = pyo.Var(list(arcs), domain=pyo.NonNegativeReals, bounds=lambda m, i, j: (0, arcs[i, j]))
m.obj = pyo.Objective(expr=sum(m.f[i, j] for i, j in arcs if j == "D"), sense=pyo.maximize)
m.flow = pyo.Constraint(
    ["B", "C", "E", "F", "G"],
    rule=lambda m, n: sum(m.f[i, j] for i, j in arcs if j == n) == sum(m.f[i, j] for i, j in arcs if i == n),
)
"""

CORRECT: dict[tuple[str, str], str] = {
    ("optibench", "2"): _program(OPTIBENCH_2.replace("METAL_J", "5"), OPTIBENCH_2_KEYS),
    ("optibench", "9"): _program(OPTIBENCH_9, OPTIBENCH_9_KEYS),
    ("logior", "prob_023"): _program(LOGIOR_023.replace("MIN_TWO", "100"), {"cost": "m.obj"}),
    ("logior", "prob_061"): _program(LOGIOR_061.replace("DEMAND_D4", "130"), {"cost": "m.obj"}),
    ("logior", "prob_069"): _program(LOGIOR_069, {"flow": "m.obj"}),
}

# Reference programs whose results disagree with the published labels (see datasets/README.md).
LABEL_ERRORS: dict[tuple[str, str], str] = {
    ("optibench", "29"): _HEAD + OPTIBENCH_29 + _SOLVE_CHECKED,
    ("optibench", "293"): _HEAD + OPTIBENCH_293 + _SOLVE,
}

WRONG: dict[tuple[str, str], str] = {
    # metal per J process misread as 15: a different optimum
    ("optibench", "2"): _program(OPTIBENCH_2.replace("METAL_J", "15"), OPTIBENCH_2_KEYS),
    # a crash: reads a variable that does not exist
    ("optibench", "9"): _HEAD + OPTIBENCH_9 + _SOLVE + "print(pyo.value(m.trucks))\n",
    # at least 200 lb of chemical 2 instead of 100
    ("logior", "prob_023"): _program(LOGIOR_023.replace("MIN_TWO", "200"), {"cost": "m.obj"}),
    # demand of D4 mistyped as 1300: more than all supply, infeasible
    ("logior", "prob_061"): _HEAD + LOGIOR_061.replace("DEMAND_D4", "1300") + _SOLVE_CHECKED,
}
