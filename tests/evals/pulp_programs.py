"""Hand-written PuLP + CBC programs for real OptiBench records, printing `name: value` lines.

They print every target by its exact OptiBench name, as the benchmark's first-release
reference programs do, and keep printing after a failed solve as those do (which is how
labels 141 and 231 came to hold the leftovers of an infeasible and an unbounded solve).
"""

_TAIL = """prob.solve(pulp.PULP_CBC_CMD(msg=False))
print("Status:", pulp.LpStatus[prob.status])
"""


def _program(sense: str, body: str, printed: dict[str, str]) -> str:
    lines = "".join(f"print({name!r} + ':', {expr})\n" for name, expr in printed.items())
    return f'import pulp\nprob = pulp.LpProblem("p", pulp.{sense})\n' + body + _TAIL + lines


def _ints(*names: str) -> str:
    return "".join(f'{n} = pulp.LpVariable("{n}", lowBound=0, cat="Integer")\n' for n in names)


# 474: minimize the scooters carrying at least 300 visitors, at most 40% rickshaws.
SCOOTERS = _program(
    "LpMinimize",
    _ints("s", "r") + "prob += s\nprob += 2 * s + 3 * r >= 300\nprob += r <= 0.4 * (s + r)\n",
    {
        "The number of scooters": "s.varValue",
        "The number of rickshaws": "r.varValue",
        "The total number of vehicles used": "s.varValue + r.varValue",
    },
)

# 333: tractors and cars; the wrong one reads "cars at least twice the tractors" as "at least the tractors".
TRACTORS = _program(
    "LpMinimize",
    _ints("t", "c") + "prob += t + c\nprob += 40 * t + 20 * c >= 500\nprob += c >= FACTOR * t\n",
    {
        "The number of tractors": "t.varValue",
        "The number of cars": "c.varValue",
        "The total number of vehicles": "pulp.value(prob.objective)",
    },
)

# 173: limousines and buses; prints two of its three targets by name.
LIMOUSINES = _program(
    "LpMinimize",
    _ints("l", "b") + "prob += l + b\nprob += 12 * l + 18 * b >= 400\nprob += l >= 0.7 * (l + b)\n",
    {"The number of limousines": "l.varValue", "The number of buses": "b.varValue"},
)

# 141: at least 50 kids bottles and three adult bottles per kids bottle need 50000 ml; 25000 are there.
SYRUP = _program(
    "LpMaximize",
    _ints("k", "a") + "prob += k + a\nprob += a >= 3 * k\nprob += k >= 50\nprob += 100 * k + 300 * a <= 25000\n",
    {
        "The number of kids size bottles": "k.varValue",
        "The number of adult size bottles": "a.varValue",
        "The total number of bottles": "pulp.value(prob.objective)",
    },
)

# 231: maximizing potassium under lower bounds only: unbounded.
POTASSIUM = _program(
    "LpMaximize",
    _ints("s", "f")
    + "prob += 2 * s + 8 * f\nprob += 7 * s + 15 * f >= 90\nprob += 12 * s + 3 * f >= 110\nprob += f <= 0.3 * (s + f)\n",
    {
        "The number of salads": "s.varValue",
        "The number of fruit bowls": "f.varValue",
        "The total potassium intake": "pulp.value(prob.objective)",
    },
)

RESCORED = {
    "474": SCOOTERS,
    "333": TRACTORS.replace("FACTOR", "1"),
    "173": LIMOUSINES,
    "141": SYRUP,
    "231": POTASSIUM,
}
