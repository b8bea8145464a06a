"""Hand-written correct programs for 10 OptiBench, 10 LogiOR and 10 CP-Bench records.

OptiBench and LogiOR programs (Pyomo + HiGHS) reproduce the published labels; the ones
`tests.evals.programs` already has are reused. CP-Bench's shared data has statements only,
so its programs cannot be graded by the benchmark: `CP_CHECKS` holds, for each, a check of
the printed solution against the statement, written from the statement alone.
CP programs print exactly the `decision_variables` keys, as the published grader wants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.evals.programs import CORRECT, _program

OPTIBENCH_IDS = ("2", "5", "7", "9", "11", "17", "22", "31", "41", "50")
LOGIOR_IDS = (
    "prob_023",
    "prob_030",
    "prob_031",
    "prob_032",
    "prob_033",
    "prob_037",
    "prob_042",
    "prob_061",
    "prob_069",
    "prob_079",
)
CPBENCH_IDS = (
    "abbots_puzzle",
    "bin_packing",
    "candies",
    "capital_budget",
    "send_more_money",
    "session1_bank_card",
    "session1_five_floors",
    "session1_money_change",
    "session2_subset_sum",
    "who_killed_agatha",
)


def _pair(domain: str, objective: str, sense: str, constraints: list[str], keys: tuple[str, str, str]) -> str:
    body = (
        f"m.a = pyo.Var(domain=pyo.{domain})\n"
        f"m.b = pyo.Var(domain=pyo.{domain})\n"
        f"a, b = m.a, m.b\n"
        f"m.obj = pyo.Objective(expr={objective}, sense=pyo.{sense})\n"
        + "".join(f"m.c{i} = pyo.Constraint(expr={c})\n" for i, c in enumerate(constraints))
    )
    return _program(body, dict(zip(keys, ("m.a", "m.b", "m.obj"), strict=True)))


_INT, _REAL = "NonNegativeIntegers", "NonNegativeReals"

OPTIBENCH: dict[str, str] = {
    "2": CORRECT[("optibench", "2")],
    "9": CORRECT[("optibench", "9")],
    "5": _pair(
        _INT,
        "2.5 * a + 7 * b",
        "maximize",
        ["300 * a + 200 * b <= 50000", "a >= 3 * b", "b >= 10"],
        ("The number of bottles of black milk tea", "The number of bottles of green milk tea", "Total profit"),
    ),
    "7": _pair(
        _REAL,
        "0.07 * a + 0.10 * b",
        "maximize",
        ["a + b <= 3000", "a >= 4 * b", "b <= 500"],
        ("Money invested in clothing company", "Money invested in tech company", "Total profit"),
    ),
    "11": _pair(
        _INT,
        "20 * a + 15 * b",
        "minimize",
        ["30 * a + 20 * b >= 100", "350 * a + 300 * b >= 2000", "b <= 0.35 * (a + b)"],
        ("The number of alpha brand bottles", "The number of omega brand bottles", "The total sugar intake"),
    ),
    "50": _pair(
        _INT,
        "5 * a + 10 * b",
        "maximize",
        ["a <= 80", "b <= 50", "a + b <= 70", "b >= 20", "a >= 2 * b"],
        ("The number of small bouquets", "The number of large bouquets", "The total number of flowers transported"),
    ),
    "17": _pair(
        _INT,
        "100 * a + 120 * b",
        "maximize",
        ["60 * a + 50 * b <= 7000", "10 * a + 20 * b <= 4000"],
        ("The number of internet services installed", "The number of TV services installed", "The total profit"),
    ),
    "22": _pair(
        _REAL,
        "20 * a + 50 * b",
        "maximize",
        ["a <= 80", "b <= 50", "a + b <= 120"],
        (
            "Number of bottles of regular wine to make per day",
            "Number of bottles of premium wine to make per day",
            "Maximum profit per day",
        ),
    ),
    "31": _pair(
        _INT,
        "5 * a + 8 * b",
        "maximize",
        ["10 * a <= 150", "5 * a + 15 * b <= 400"],
        ("The number of printed arts", "The number of paintings", "Total profit"),
    ),
    "41": _pair(
        _REAL,
        "30 * a + 40 * b",
        "maximize",
        ["a + b <= 500", "20 * a + 15 * b <= 9000", "10 * a + 15 * b <= 6000"],
        ("The acres for traditional machine", "The acres for modern machine", "The amount of tea leaves picked"),
    ),
}

_LOGIOR_BODIES = {
    # coordinators x[c] (at most 7 where the centre is open), open[c] binary; weekly shipments per type
    "prob_030": """rate = {(1, 1): 20, (1, 2): 25, (2, 1): 18, (2, 2): 22, (3, 1): 15, (3, 2): 20}
need = {1: 120, 2: 150, 3: 200}
m.x = pyo.Var([1, 2], domain=pyo.NonNegativeIntegers)
m.open = pyo.Var([1, 2], domain=pyo.Binary)
m.obj = pyo.Objective(expr=500 * m.x[1] + 900 * m.x[2] + 1000 * m.open[1] + 2000 * m.open[2], sense=pyo.minimize)
m.staff = pyo.Constraint([1, 2], rule=lambda m, c: m.x[c] <= 7 * m.open[c])
m.need = pyo.Constraint([1, 2, 3], rule=lambda m, g: sum(rate[g, c] * m.x[c] for c in (1, 2)) >= need[g])
""",
    # shipments bought from each provider, whole numbers
    "prob_031": """cost = {1: 5.2, 2: 4.7, 3: 3.5}
mix = {"large": {1: .45, 2: .30, 3: .15}, "medium": {1: .35, 2: .45, 3: .20}, "small": {1: .20, 2: .25, 3: .65}}
need = {"large": 500, "medium": 300, "small": 300}
m.x = pyo.Var([1, 2, 3], domain=pyo.NonNegativeIntegers, bounds=(0, 700))
m.obj = pyo.Objective(expr=sum(cost[p] * m.x[p] for p in m.x), sense=pyo.minimize)
m.need = pyo.Constraint(list(need), rule=lambda m, s: sum(mix[s][p] * m.x[p] for p in m.x) >= need[s])
""",
    # tons of waste treated at each facility
    "prob_032": """m.x = pyo.Var([1, 2, 3], domain=pyo.NonNegativeReals)
m.obj = pyo.Objective(expr=12 * m.x[1] + 8 * m.x[2] + 18 * m.x[3], sense=pyo.minimize)
m.px = pyo.Constraint(expr=0.15 * m.x[1] + 0.25 * m.x[2] + 0.30 * m.x[3] >= 25)
m.py = pyo.Constraint(expr=0.35 * m.x[1] + 0.20 * m.x[2] + 0.40 * m.x[3] >= 35)
""",
    # lbs of each grade to packages (p) and juice (j)
    "prob_033": """m.p7, m.p4, m.j7, m.j4 = (pyo.Var(domain=pyo.NonNegativeReals) for _ in range(4))
m.obj = pyo.Objective(expr=(1.10 - 0.80) * (m.j7 + m.j4) + (0.35 - 0.12) * (m.p7 + m.p4), sense=pyo.maximize)
m.grade7 = pyo.Constraint(expr=m.p7 + m.j7 <= 90000)
m.grade4 = pyo.Constraint(expr=m.p4 + m.j4 <= 110000)
m.package_grade = pyo.Constraint(expr=7 * m.p7 + 4 * m.p4 >= 5 * (m.p7 + m.p4))
m.juice_grade = pyo.Constraint(expr=7 * m.j7 + 4 * m.j4 >= 6 * (m.j7 + m.j4))
m.capacity = pyo.Constraint(expr=m.p7 + m.p4 + m.j7 + m.j4 <= 150000)
m.packaged = pyo.Constraint(expr=m.p7 + m.p4 >= 0.2 * (m.p7 + m.p4 + m.j7 + m.j4))
""",
    # raw units bought; basic/advanced sold as is or processed to premium
    "prob_037": """m.raw = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 3000))
m.basic, m.advanced, m.premium_basic, m.premium_advanced = (pyo.Var(domain=pyo.NonNegativeReals) for _ in range(4))
m.obj = pyo.Objective(
    expr=10 * m.basic + 12 * m.advanced + (20 - 5) * m.premium_basic + (25 - 6) * m.premium_advanced - 5 * m.raw,
    sense=pyo.maximize,
)
m.labor = pyo.Constraint(expr=2 * m.raw + 3 * m.premium_basic + 4 * m.premium_advanced <= 8000)
m.basic_yield = pyo.Constraint(expr=m.basic + m.premium_basic == 2 * m.raw)
m.advanced_yield = pyo.Constraint(expr=m.advanced + m.premium_advanced == 3 * m.raw)
""",
    # packages of each type by air and by ground
    "prob_042": """m.sa, m.sg, m.ea, m.eg = (pyo.Var(domain=pyo.NonNegativeIntegers) for _ in range(4))
m.obj = pyo.Objective(expr=40 * (m.sa + m.sg) + 15 * (m.ea + m.eg), sense=pyo.maximize)
m.air = pyo.Constraint(expr=17 * m.sa + 5 * m.ea <= 150)
m.ground = pyo.Constraint(expr=30 * m.sg + 13 * m.eg <= 210)
""",
    # kg of each bean to single-origin (so) and house blend (hb)
    "prob_079": """m.e_so, m.e_hb, m.c_so, m.c_hb = (pyo.Var(domain=pyo.NonNegativeReals) for _ in range(4))
m.obj = pyo.Objective(expr=(40 - 5) * (m.e_so + m.c_so) + (28 - 8.5) * (m.e_hb + m.c_hb), sense=pyo.maximize)
m.ethiopia = pyo.Constraint(expr=m.e_so + m.e_hb <= 8000)
m.colombia = pyo.Constraint(expr=m.c_so + m.c_hb <= 12000)
m.so_quality = pyo.Constraint(expr=92 * m.e_so + 87 * m.c_so >= 90 * (m.e_so + m.c_so))
m.hb_quality = pyo.Constraint(expr=92 * m.e_hb + 87 * m.c_hb >= 88 * (m.e_hb + m.c_hb))
m.roaster = pyo.Constraint(expr=m.e_hb + m.c_hb <= 10000)
m.contract = pyo.Constraint(expr=m.e_so + m.c_so >= 2000)
""",
}

LOGIOR: dict[str, str] = {
    **{pid: CORRECT[("logior", pid)] for pid in ("prob_023", "prob_061", "prob_069")},
    **{pid: _program(body, {"objective": "m.obj"}) for pid, body in _LOGIOR_BODIES.items()},
}

_CP_HEAD = "import json\nimport cpmpy as cp\n"


def _cp(body: str, printed: str) -> str:
    return _CP_HEAD + body + f"assert model.solve()\nprint(json.dumps({printed}))\n"


CPBENCH: dict[str, str] = {
    "abbots_puzzle": _cp(
        """men, women, children = cp.intvar(0, 100, shape=3, name="people")
model = cp.Model(men + women + children == 100, 6 * men + 4 * women + children == 200, women == 5 * men)
""",
        '{"men": int(men.value()), "women": int(women.value()), "children": int(children.value())}',
    ),
    "bin_packing": _cp(
        """weights, capacity, num_bins = [4, 3, 1, 3, 2, 5, 2], 5, 5
bins = cp.intvar(0, num_bins - 1, shape=len(weights), name="bins")
model = cp.Model([cp.sum([w * (bins[i] == b) for i, w in enumerate(weights)]) <= capacity for b in range(num_bins)])
""",
        '{"bins": bins.value().tolist()}',
    ),
    "candies": _cp(
        """ratings = [2, 3, 4, 4, 4, 2, 1, 3, 4]
x = cp.intvar(1, 100, shape=len(ratings), name="x")
z = cp.intvar(0, 1000, name="z")
model = cp.Model(z == cp.sum(x))
model += [x[i] > x[i + 1] for i in range(len(ratings) - 1) if ratings[i] > ratings[i + 1]]
model += [x[i] < x[i + 1] for i in range(len(ratings) - 1) if ratings[i] < ratings[i + 1]]
model.minimize(z)
""",
        '{"x": x.value().tolist(), "z": int(z.value())}',
    ),
    "capital_budget": _cp(
        """budget, npv, cash_flow = 14000, [16000, 22000, 12000, 8000], [5000, 7000, 4000, 3000]
x = cp.boolvar(shape=4, name="x")
z = cp.intvar(0, sum(npv), name="z")
model = cp.Model(cp.sum(x * cash_flow) <= budget, z == cp.sum(x * npv))
model.maximize(z)
""",
        '{"x": [bool(v) for v in x.value()], "z": int(z.value())}',
    ),
    "send_more_money": _cp(
        """s, e, n, d, m, o, r, y = letters = cp.intvar(0, 9, shape=8, name="letters")
model = cp.Model(
    cp.AllDifferent(letters), s > 0, m > 0,
    1000 * s + 100 * e + 10 * n + d + 1000 * m + 100 * o + 10 * r + e
    == 10000 * m + 1000 * o + 100 * n + 10 * e + y,
)
""",
        '{name: int(v.value()) for name, v in zip("sendmory", letters)}',
    ),
    "session1_bank_card": _cp(
        """a, b, c, d = pin = cp.intvar(0, 9, shape=4, name="pin")
model = cp.Model(cp.AllDifferent(pin), 10 * c + d == 3 * (10 * a + b), 10 * d + a == 2 * (10 * b + c))
""",
        '{name: int(v.value()) for name, v in zip("abcd", pin)}',
    ),
    "session1_five_floors": _cp(
        """B, C, F, M, S = floors = cp.intvar(1, 5, shape=5, name="floors")
model = cp.Model(
    cp.AllDifferent(floors), B != 5, C != 1, F != 5, F != 1, M > C, abs(S - F) != 1, abs(F - C) != 1,
)
""",
        '{name: int(v.value()) for name, v in zip("BCFMS", floors)}',
    ),
    "session1_money_change": _cp(
        """amount, coins, available = 199, [1, 2, 5, 10, 25, 50], [20, 10, 15, 8, 4, 2]
coin_counts = cp.intvar(0, max(available), shape=len(coins), name="coin_counts")
model = cp.Model(cp.sum(coin_counts * coins) == amount, [coin_counts[i] <= available[i] for i in range(len(coins))])
model.minimize(cp.sum(coin_counts))
""",
        '{"coin_counts": coin_counts.value().tolist()}',
    ),
    "session2_subset_sum": _cp(
        """total, sizes = 100, [16, 17, 23, 24, 39, 40]
bags = cp.intvar(0, total, shape=len(sizes), name="bags")
model = cp.Model(cp.sum(bags * sizes) == total)
""",
        '{"bags": bags.value().tolist()}',
    ),
    # Smullyan's puzzle: hates[i][j], richer[i][j]; 0 Agatha, 1 the butler, 2 Charles
    "who_killed_agatha": _cp(
        """n = 3
killer = cp.intvar(0, n - 1, name="killer")
hates = cp.boolvar(shape=(n, n), name="hates")
richer = cp.boolvar(shape=(n, n), name="richer")
agatha, butler, charles = range(n)
model = cp.Model(
    [cp.Element(hates[:, agatha], killer) == 1, cp.Element(richer[:, agatha], killer) == 0],
    [~richer[i, i] for i in range(n)],
    [richer[i, j] == ~richer[j, i] for i in range(n) for j in range(n) if i != j],
    [hates[charles, i].implies(~hates[agatha, i]) for i in range(n)],
    [hates[agatha, i] == (i != butler) for i in range(n)],
    [(~richer[i, agatha]).implies(hates[butler, i]) for i in range(n)],
    [hates[agatha, i].implies(hates[butler, i]) for i in range(n)],
    [cp.sum(hates[i, :]) <= n - 1 for i in range(n)],
)
""",
        '{"killer": int(killer.value())}',
    ),
}


def _digits(s: dict[str, Any], names: str) -> list[int]:
    return [s[name] for name in names]


def _send_more_money(s: dict[str, Any]) -> bool:
    S, E, N, D, M, O, R, Y = _digits(s, "sendmory")
    send, more, money = (int("".join(map(str, ds))) for ds in ([S, E, N, D], [M, O, R, E], [M, O, N, E, Y]))
    return len(set(s.values())) == 8 and S > 0 and M > 0 and send + more == money


def _bank_card(s: dict[str, Any]) -> bool:
    a, b, c, d = _digits(s, "abcd")
    return len({a, b, c, d}) == 4 and 10 * c + d == 3 * (10 * a + b) and 10 * d + a == 2 * (10 * b + c)


def _five_floors(s: dict[str, Any]) -> bool:
    B, C, F, M, S = _digits(s, "BCFMS")
    return (
        sorted([B, C, F, M, S]) == [1, 2, 3, 4, 5]
        and B != 5
        and C != 1
        and F not in (1, 5)
        and M > C
        and abs(S - F) != 1
        and abs(F - C) != 1
    )


def _candies(s: dict[str, Any]) -> bool:
    ratings, x = [2, 3, 4, 4, 4, 2, 1, 3, 4], s["x"]
    neighbours = zip(ratings, ratings[1:], x, x[1:], strict=False)
    fair = all((r1 <= r2 or c1 > c2) and (r1 >= r2 or c1 < c2) for r1, r2, c1, c2 in neighbours)
    return fair and min(x) >= 1 and s["z"] == sum(x) == 18  # 1,2,3 | 1 | 3,2,1 | 2,3 by hand


def _pack(weights: list[int], capacity: int, bins: list[int], count: int) -> bool:
    loads = [sum(w for w, b in zip(weights, bins, strict=True) if b == k) for k in range(count)]
    return all(0 <= b < count for b in bins) and max(loads) <= capacity


def _capital_budget(s: dict[str, Any]) -> bool:
    chosen = [i for i, x in enumerate(s["x"]) if x]
    spent = sum([5000, 7000, 4000, 3000][i] for i in chosen)
    return spent <= 14000 and s["z"] == sum([16000, 22000, 12000, 8000][i] for i in chosen) == 42000


def _money_change(s: dict[str, Any]) -> bool:
    counts = s["coin_counts"]
    paid = sum(c * v for c, v in zip(counts, [1, 2, 5, 10, 25, 50], strict=True))
    within = all(c <= a for c, a in zip(counts, [20, 10, 15, 8, 4, 2], strict=True))
    return paid == 199 and within and sum(counts) == 9  # 2x50, 3x25, 2x10, 2x2 by hand


CP_CHECKS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "abbots_puzzle": lambda s: (
        s["men"] + s["women"] + s["children"] == 100
        and 6 * s["men"] + 4 * s["women"] + s["children"] == 200
        and s["women"] == 5 * s["men"]
    ),
    "bin_packing": lambda s: _pack([4, 3, 1, 3, 2, 5, 2], 5, s["bins"], 5),
    "candies": _candies,
    "capital_budget": _capital_budget,
    "send_more_money": _send_more_money,
    "session1_bank_card": _bank_card,
    "session1_five_floors": _five_floors,
    "session1_money_change": _money_change,
    "session2_subset_sum": lambda s: (
        sum(b * v for b, v in zip(s["bags"], [16, 17, 23, 24, 39, 40], strict=True)) == 100
    ),
    "who_killed_agatha": lambda s: s["killer"] == 0,  # Agatha killed herself (Pelletier's puzzle 55)
}

# The graded CP-Bench folders of `tests/benchmarks/cp_dataset` (reference models included).
GRADED_CP: dict[str, str] = {
    "abc": _cp(
        """a, b, c = cp.intvar(0, 9, shape=3, name="digits")
model = cp.Model(a < b, b < c, a + b + c == 12, a * c == 8)
""",
        '{"a": int(a.value()), "b": int(b.value()), "c": int(c.value())}',
    ),
    "knap": _cp(
        """take = cp.boolvar(shape=3, name="take")
value = cp.intvar(0, 15, name="value")
model = cp.Model(cp.sum(take * [3, 4, 5]) <= 8, value == cp.sum(take * [4, 5, 6]))
model.maximize(value)
""",
        '{"take": [int(t) for t in take.value()], "value": int(value.value())}',
    ),
}

PROGRAMS: dict[tuple[str, str], str] = {
    **{("optibench", pid): OPTIBENCH[pid] for pid in OPTIBENCH_IDS},
    **{("logior", pid): LOGIOR[pid] for pid in LOGIOR_IDS},
    **{("cpbench", pid): CPBENCH[pid] for pid in CPBENCH_IDS},
}
