"""Prompts a real model can follow: no example program to hand back, the problem last, and a
program that ignores the problem sent back once; structured replies wrong after the
corrective retry are counted, not dropped."""

from __future__ import annotations

import re

import pytest

from optagent.agent import AgentSettings, solve
from optagent.agent.grounding import ignores_problem
from optagent.agent.llm import UNUSABLE
from optagent.solvers.targets import TARGETS, get_target
from testing.scripted import ScriptedModel
from testing.workshop import FORMULATION, GOOD, UNDERSTANDING

WORKSHOP = (
    "A workshop makes tables (4 h carpentry, 2 h finishing, $70 profit) and chairs (3 h carpentry, "
    "1 h finishing, $50 profit). 240 h of carpentry and 100 h of finishing are available; at most "
    "60 chairs sell. How many tables and chairs maximize profit?"
)
LIMOUSINES = (
    "Limousines carry 12 people and buses 18. At least 400 people must travel and at least 70% of the "
    "vehicles must be limousines. Minimize the number of vehicles."
)
ACCEPT = {"blame": "accept", "reason": "the result fits the statement"}
# The Pyomo cheat sheet's former example, which a 1.5B model handed back for 8 problems of 8.
OLD_EXAMPLE = """```python
import json
import pyomo.environ as pyo

m = pyo.ConcreteModel()
m.x = pyo.Var(domain=pyo.NonNegativeIntegers)
m.y = pyo.Var(domain=pyo.NonNegativeReals)
m.cap = pyo.Constraint(expr=4 * m.x + 3 * m.y <= 240)
m.profit = pyo.Objective(expr=65 * m.x + 50 * m.y, sense=pyo.maximize)
pyo.SolverFactory("appsi_highs").solve(m)
print(json.dumps({"x": pyo.value(m.x), "y": pyo.value(m.y), "objective": pyo.value(m.profit)}))
```"""


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_no_cheat_sheet_holds_a_program_to_hand_back(name: str) -> None:
    blocks = re.findall(r"```\w*\n(.*?)```", get_target(name).cheat_sheet, re.DOTALL)
    assert blocks, f"{name}: the cheat sheet shows the shape of a program"
    for block in blocks:
        assert re.search(r"<[^<>\n]+>", block), f"{name}: a code block without placeholders could be handed back"
        assert ignores_problem("Machines need 12 hours and 18 hours.", block, get_target(name).cheat_sheet)


def test_a_program_that_ignores_the_statement_is_recognised() -> None:
    assert "none of the problem's numbers (0.7, 12, 18, 70, 400)" in ignores_problem(LIMOUSINES, OLD_EXAMPLE, "")
    assert ignores_problem(WORKSHOP, GOOD) is None
    limo = "m.limo >= 0.7 * (m.limo + m.bus)\nm.c = pyo.Constraint(expr=12 * m.limo + 18 * m.bus >= 400)"
    assert ignores_problem(LIMOUSINES, limo) is None, "70% written as 0.7 counts"
    assert ignores_problem("Buy 1,000,000 ml of soda.", "need = 1_000_000") is None
    assert ignores_problem("A budget of $1.5 million.", "budget = 1500000") is None
    assert ignores_problem("Profit is 400 dollars.", "x = 4") is not None, "no scaling without a word"
    assert ignores_problem("Seven apples and one pear.", OLD_EXAMPLE) is None, "no numbers: nothing to check"
    assert ignores_problem(LIMOUSINES, "x2 = model.c1 + y[3]") is not None, "names are not numbers"
    sheet = get_target("pyomo").cheat_sheet
    kept_comment = "# every number of the problem, named: <name> = <number from the problem>\nneed = 400 * 12"
    assert ignores_problem(LIMOUSINES, kept_comment, sheet) is None, "a skeleton's comment copied is harmless"
    assert ignores_problem(LIMOUSINES, "m.<decision_1> = 400 * 12", sheet).startswith("the program still holds")
    named = 'm = Model("<name>")  # the name of a model is harmless\nneed = 400 * 12'
    assert ignores_problem(LIMOUSINES, named, get_target("pyscipopt").cheat_sheet) is None, "a placeholder in a string"
    escaped = "print('it\\'s <decision>') ; m.<decision_1> = 400 * 12"
    assert ignores_problem(LIMOUSINES, escaped, sheet).startswith("the program still holds"), "code after a string"
    sheet = "m.cap = pyo.Constraint(expr=4 * m.x + 3 * m.y <= 240)"
    assert ignores_problem(LIMOUSINES, "a = 4\nb = 3 * 240", sheet).startswith("it is the cheat sheet's example")


@pytest.mark.asyncio(loop_scope="module")
async def test_a_copied_example_is_sent_back_to_the_coder_once(sandbox) -> None:
    script = ScriptedModel(write_code=[OLD_EXAMPLE, GOOD], explain="ok")
    settings = AgentSettings(strategy="direct", explain=False)
    answer = await solve(WORKSHOP.replace("240", "241"), roles=script.roles(), sandbox=sandbox, settings=settings)
    first = answer.rounds[0].diagnosis
    assert first.finding == "suspicious", "it shares 4, 3 and 50 with this problem: not a copy of the example"
    assert "never uses 4 of the problem's numbers" in first.detail, "but the numbers it leaves out are named"

    script = ScriptedModel(write_code=[OLD_EXAMPLE, GOOD])
    answer = await solve(LIMOUSINES, roles=script.roles(), sandbox=sandbox, settings=settings)
    # the workshop program stands in for a recode: it runs, though it uses none of these numbers
    assert [(r.trigger, r.diagnosis.finding) for r in answer.rounds] == [
        ("first", "ignores_problem"),
        ("recode", "suspicious"),
    ]
    assert script.calls["write_code"] == 2 and answer.code == GOOD.strip("`\npython")
    assert "none of the problem's numbers" in script.prompts["write_code"][1]

    script = ScriptedModel(write_code=OLD_EXAMPLE)
    answer = await solve(LIMOUSINES, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["write_code"] == 2 and len(answer.rounds) == 2, "sent back once, never twice"


@pytest.mark.asyncio(loop_scope="module")
async def test_the_problem_comes_last_in_the_code_prompts(sandbox) -> None:
    script = ScriptedModel(understand=UNDERSTANDING, formulate=FORMULATION, write_code=GOOD, judge=ACCEPT)
    await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1, explain=False))
    prompt = script.prompts["write_code"][0]
    assert prompt.index("# How to write") < prompt.index("# Output") < prompt.index("# Problem")
    assert prompt.index("# Problem") < prompt.index("# The model to implement")
    assert prompt.rstrip().splitlines()[-1].startswith("Reply with the whole program")


@pytest.mark.asyncio(loop_scope="module")
async def test_a_structured_reply_wrong_after_its_correction_is_counted(sandbox) -> None:
    script = ScriptedModel(understand="I think it is an LP", formulate=FORMULATION, write_code=GOOD, judge=ACCEPT)
    settings = AgentSettings(samples=1, explain=False)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["understand"] == 2, "one corrective retry"
    assert any(call.corrections == 1 for call in answer.calls), "the retry's cost is recorded"
    assert any(note.startswith(f"understand: {UNUSABLE}") for note in answer.attempts[0].notes)
