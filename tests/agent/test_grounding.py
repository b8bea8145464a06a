"""A program set against its statement: the numbers it never uses, the comparisons it drops."""

from __future__ import annotations

import pytest

from optagent.agent import AgentSettings, solve
from optagent.agent.grounding import dropped_comparison, flipped_bound, parse_python, unused_numbers
from testing.scripted import ScriptedModel
from testing.workshop import ACCEPT, GOOD, MODELING, WORKSHOP

SODA = (
    "A can holds 250 ml of soda whereas a bottle holds 1000 ml of soda. At least 1000000 ml must be "
    "bottled every day. Minimize the number of units."
)
SODA_DROPPING_THE_BOTTLE = """import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.per_can = 250
m.per_bottle = 1000
m.need = 1000000
m.cans = pyo.Var(domain=pyo.NonNegativeIntegers)
m.bottles = pyo.Var(domain=pyo.NonNegativeIntegers)
m.volume = pyo.Constraint(expr=m.per_can * m.cans >= m.need)
"""


def unused(statement: str, program: str) -> str | None:
    tree = parse_python(program)
    return unused_numbers(statement, tree) if tree else None


def dropped(program: str) -> str | None:
    tree = parse_python(program)
    assert tree is not None
    return dropped_comparison(tree, program)


def flipped(statement: str, program: str) -> str | None:
    tree = parse_python(program)
    assert tree is not None
    return flipped_bound(statement, tree, program)


def test_a_number_the_program_never_uses_is_named_with_its_words() -> None:
    assert unused(WORKSHOP, GOOD.strip("`").removeprefix("python")) is None
    found = unused(SODA, SODA_DROPPING_THE_BOTTLE)
    assert found is not None and '1 of the problem\'s numbers ("whereas a bottle holds 1000 ml of")' in found, found
    used = SODA_DROPPING_THE_BOTTLE.replace("m.per_can * m.cans", "m.per_can * m.cans + m.per_bottle * m.bottles")
    assert unused(SODA, used) is None, "data held in a name the model reads is used"


@pytest.mark.parametrize(
    ("statement", "program"),
    [
        ("At least 70% of the vehicles are limousines.", "c = x >= 0.7 * (x + y)"),
        ("At least 70% of the vehicles are limousines.", "c = x >= 70 / 100 * (x + y)"),
        ("Product 2 sells for $30.", "price = 30\nprofit = price * x"),
        ("In 2023 the plant made 40 tons.", "made = 40\nprint(made)"),
        ("| Item | Cost |\n|---|---|\n| 7 | 15 |", "cost = {'a': 15}\nuse(cost)"),
        ("The 3 products are chairs, desks and beds.", "P = ['chair', 'desk', 'bed']\nuse(P)"),
        ("1. Oil\n2. Auto, costing 52.", "cost = 52\nuse(cost)"),
        ("Buy at least 400 units.", "var 0..1000: x;\nconstraint x >= 400;"),  # MiniZinc: not read
        ("Each shift is 8 hours on 5 days.", "hours = 40\nuse(hours)"),  # folded: 8 x 5
        ("A task takes 45 minutes.", "t = 0.75\nuse(t)"),  # minutes as hours
        ("Members get a 20% discount.", "price = 0.8 * list_price"),
        ("Demand: a 12, b 18.", "data = pd.read_csv(io.StringIO('a,12\\nb,18'))"),  # a table in a string
        ("On day 3 the plant in year 2024 opens.", "print('no data')"),  # labels
    ],
)
def test_numbers_that_are_not_data_or_are_used_another_way_are_not_named(statement: str, program: str) -> None:
    assert unused(statement, program) is None


def test_a_comparison_computed_and_dropped_is_found() -> None:
    on_its_own = "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.x = pyo.Var()\nm.x + 2 >= 400\n"
    assert dropped(on_its_own) == (
        "line 4 computes `m.x + 2 >= 400` and drops it: the solver never sees this constraint; add it to the model"
    )
    kept_unread = "m.cap = m.x <= 120\nprint(1)\n"
    assert dropped(kept_unread) is not None and "line 1" in dropped(kept_unread)
    for fine in (
        "c = x + y <= 5\nmodel.addCons(c)\n",
        "model += x >= 5\n",
        "assert x >= 0\n",
        "ok = [a >= 5 for a in data]\nprint(ok)\n",
        "m.c = pyo.Constraint(expr=m.x >= 5)\n",
        "res.solver.status == pyo.SolverStatus.ok\n",
    ):
        assert dropped(fine) is None, fine


def test_a_bound_kept_the_other_way_is_found() -> None:
    assert flipped(SODA, SODA_DROPPING_THE_BOTTLE) is None
    at_most = SODA_DROPPING_THE_BOTTLE.replace(">= m.need", "<= m.need")
    assert flipped(SODA, at_most) == (
        'the problem says "At least 1000000", but line 8 keeps it at most: '
        "`m.per_can * m.cans <= m.need`; at least is >="
    )
    assert flipped("Spend at most $6,500.", "m.c = pyo.Constraint(expr=6500 <= 67 * x + 52 * y)") is not None
    assert flipped("Spend at most $6,500.", "x = m.addVar(lb=6500)") is not None, "a bound argument is a bound"
    assert flipped("Spend at most $6,500.", "m.addCons(67 * x <= 6500)\nm.addCons(6500 <= y)") is None, "one keeps it"
    assert flipped("At least 70% are limousines.", "m.addCons(limo >= 0.7 * (limo + bus))") is None
    assert flipped("Make at least 100 bottles.", "b = m.addVar(lb=0)") is None, "nothing holds 100"
    assert flipped("At least 10 trucks.", "t = LpVariable('t', lowBound=10)\nprob += v <= 10") is None
    both = "At least 10 machines run; each takes at most 10 square meters."
    assert flipped(both, "m.addCons(a + b <= 10)") is None, "a number bounded both ways is not checked"
    after_solve = "m.addCons(x >= 100)\nif pyo.value(m.x) <= 100:\n    print('tight')"
    assert flipped("Make at least 100.", after_solve) is None, "a test after the solve is no bound"


def test_the_readers_survive_odd_programs() -> None:
    assert unused("Buy 12 units.", "x = " + "9" * 400 + "\ny = 12\nprint(x, y)") is None, "an int too large for a float"
    assert parse_python("x = " + " + ".join(["1"] * 3000)) in (None, parse_python("x = 1 + 1"))  # deep, or read
    assert parse_python("var 0..10: x;") is None


async def test_a_dropped_number_reaches_the_judge_and_the_recode(sandbox) -> None:
    no_finishing = GOOD.replace("m.finishing = pyo.Constraint(expr=2 * m.tables + m.chairs <= 100)\n", "")
    verdict = {"blame": "code", "reason": "a constraint is missing"}
    script = ScriptedModel(write_code=no_finishing, repair=GOOD, judge=[verdict, ACCEPT], **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    first, second = answer.rounds
    assert first.diagnosis.finding == "suspicious"
    assert 'carpentry, 2 h finishing"' in first.diagnosis.detail and 'carpentry and 100 h of"' in first.diagnosis.detail
    assert "never uses 2 of the problem's numbers" in script.prompts["judge"][0]
    assert "The result: the program never uses 2" in script.prompts["repair"][0]
    assert second.diagnosis.finding == "ok" and answer.objective == pytest.approx(4100)


async def test_an_unbounded_model_is_told_the_constraint_it_dropped(sandbox) -> None:
    dropped_only = GOOD.replace(
        "m.carpentry = pyo.Constraint(expr=4 * m.tables + 3 * m.chairs <= 240)\n",
        "4 * m.tables + 3 * m.chairs <= 240\n",
    ).replace("m.finishing = pyo.Constraint(expr=2 * m.tables + m.chairs <= 100)\n", "")
    script = ScriptedModel(write_code=dropped_only)
    settings = AgentSettings(strategy="direct", explain=False)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    diagnosis = answer.rounds[0].diagnosis
    assert diagnosis.finding == "infeasible", "HiGHS says infeasible or unbounded of an integer model"
    assert diagnosis.detail.startswith("the solver reported the model infeasible or unbounded; line 8 computes `4 * m")
