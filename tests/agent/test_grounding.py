"""A program set against its statement: the numbers it never uses, the comparisons it drops."""

from __future__ import annotations

import pytest

from optagent.agent import AgentSettings, solve
from optagent.agent.grounding import dropped_comparison, flipped_bound, unused_numbers
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


def test_a_number_the_program_never_uses_is_named_with_its_words() -> None:
    assert unused_numbers(WORKSHOP, GOOD.strip("`").removeprefix("python")) is None
    found = unused_numbers(SODA, SODA_DROPPING_THE_BOTTLE)
    assert found is not None and '1 of the problem\'s numbers ("whereas a bottle holds 1000 ml of")' in found, found
    used = SODA_DROPPING_THE_BOTTLE.replace("m.per_can * m.cans", "m.per_can * m.cans + m.per_bottle * m.bottles")
    assert unused_numbers(SODA, used) is None, "data held in a name the model reads is used"


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
    ],
)
def test_numbers_that_are_not_data_or_are_used_another_way_are_not_named(statement: str, program: str) -> None:
    assert unused_numbers(statement, program) is None


def test_a_comparison_computed_and_dropped_is_found() -> None:
    on_its_own = "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.x = pyo.Var()\nm.x + 2 >= 400\n"
    assert dropped_comparison(on_its_own) == (
        "line 4 computes `m.x + 2 >= 400` and drops it: the solver never sees this constraint; add it to the model"
    )
    kept_unread = "m.cap = m.x <= 120\nprint(1)\n"
    assert dropped_comparison(kept_unread) is not None and "line 1" in dropped_comparison(kept_unread)
    for fine in (
        "c = x + y <= 5\nmodel.addCons(c)\n",
        "model += x >= 5\n",
        "assert x >= 0\n",
        "ok = [a >= 5 for a in data]\nprint(ok)\n",
        "m.c = pyo.Constraint(expr=m.x >= 5)\n",
    ):
        assert dropped_comparison(fine) is None, fine


def test_a_bound_kept_the_other_way_is_found() -> None:
    assert flipped_bound(SODA, SODA_DROPPING_THE_BOTTLE) is None
    flipped = SODA_DROPPING_THE_BOTTLE.replace(">= m.need", "<= m.need")
    assert flipped_bound(SODA, flipped) == (
        'the problem says "At least 1000000", but line 8 keeps it at most: '
        "`m.per_can * m.cans <= m.need`; at least is >="
    )
    assert flipped_bound("Spend at most $6,500.", "m.c = pyo.Constraint(expr=6500 <= 67 * x + 52 * y)") is not None
    assert flipped_bound("Spend at most $6,500.", "c1 = 67 * x <= 6500\nc2 = 6500 <= y") is None, "one keeps it right"
    assert flipped_bound("At least 70% are limousines.", "c = limo >= 0.7 * (limo + bus)") is None
    assert flipped_bound("Make at least 100 bottles.", "b = m.addVar(lb=0)") is None, "no comparison holds it"


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
