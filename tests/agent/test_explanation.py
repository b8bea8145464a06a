"""The explanation is held to the solution: the check on its own, then the explain step's
retry and templated fallback through the graph (scripted model, real sandbox)."""

from __future__ import annotations

import pytest

from optagent.agent import AgentSettings, solve
from optagent.agent.explanation import SUMMARY_NOTE, Row, contradictions, objective_row, solution_rows, summary
from optagent.agent.formulation import Formulation, Understanding
from testing.scripted import ScriptedModel
from testing.workshop import FORMULATION, GOOD, INFEASIBLE, UNDERSTANDING

PROBLEM = (
    "A workshop makes tables ($70 profit each) and chairs ($50 each). A table takes 4 h of carpentry "
    "and 2 h of finishing, a chair 3 h and 1 h. There are 240 carpentry and 100 finishing hours a week, "
    "and at most 60 chairs sell. How many of each should it make to maximize profit?"
)
READING = Understanding.model_validate(UNDERSTANDING | {"objective_unit": "$"})
MODEL = Formulation.model_validate(FORMULATION)
ROWS = solution_rows({"tables": 30.0, "chairs": 40.0}, MODEL, READING)
GOAL = objective_row(4100.0, MODEL, READING)
# the case: the program called tables x and chairs y, and the explanation swapped them
XY = solution_rows(
    {"x": 60.0, "y": 0.0},
    Formulation.model_validate(
        {"variables": [{"name": "x", "text": "tables to make"}, {"name": "y", "text": "chairs to make"}]}
    ),
    None,
)


def test_rows_carry_meanings_from_the_understanding_else_the_formulation() -> None:
    reading = Understanding.model_validate(
        {"decisions": [{"name": "ship", "meaning": "steel shipped from mine to mill", "unit": "tons"}]}
    )
    model = Formulation.model_validate({"variables": [{"name": "open", "text": "whether the mill is open"}]})
    rows = solution_rows({"ship[North,1]": 12.5, "Open": 1, "slack": 0}, model, reading)
    assert [(r.name, r.described) for r in rows] == [
        ("ship[North,1]", "steel shipped from mine to mill, tons"),
        ("Open", "whether the mill is open"),
        ("slack", ""),
    ]
    assert rows[0].labels == ["North", "1"]
    assert [(r.meaning, r.described) for r in ROWS] == [("tables made per week",) * 2, ("chairs made per week",) * 2]
    assert GOAL is not None and GOAL.described == "total weekly profit, $"
    assert objective_row(None, MODEL, READING) is None
    assert objective_row(7.0, MODEL, None).described == "profit"  # the formulation's words, no unit known
    priced = Formulation.model_validate(
        {"objective": {"text": "cost", "unit": "$"}, "variables": [{"name": "t", "unit": "h"}]}
    )
    assert objective_row(7.0, priced, None).described == "cost, $"
    assert solution_rows({"t": 2}, priced, None)[0].described == "h"


@pytest.mark.parametrize(
    "text",
    [
        "Make 30 tables and 40 chairs for a weekly profit of $4,100; carpentry and finishing hours are both used up.",
        "tables = 30, chairs = 40: 70 pieces of furniture, earning $4,100.00 a week.",
        "Build 30 of the tables (30 × $70 = $2,100) and 40 chairs; all 240 carpentry and 100 finishing hours are used.",
        "Chairs: 40. Tables: 30. Profit: 4100. Chairs are below the limit of at most 60 chairs.",
        "Fabriquez 30 tables et 40 chaises.",
        "Every hour is used (100% of carpentry), which is why no more tables fit.",
        "No numbers here: make both, tables first.",
    ],
)
def test_an_explanation_true_to_the_solution_passes(text: str) -> None:
    assert contradictions(text, ROWS, GOAL, PROBLEM) == []


@pytest.mark.parametrize(
    ("text", "rows", "goal", "mistake"),
    [
        (
            "Make 60 chairs and 0 tables. This will maximize profit to $4200.",
            XY,
            objective_row(4200.0, None, None),
            '"60" is said of y, but the solution has y = 0',
        ),
        ("Make 40 tables and 30 chairs.", ROWS, GOAL, '"40" is said of tables, but the solution has tables = 30'),
        ("x = 0 and y = 60.", XY, None, '"0" is said of x, but the solution has x = 60'),
        ("Make 30 tables and 40 chairs for a profit of $4,200.", ROWS, GOAL, '"4,200" is said of the objective'),
        ("Make 30 tables and 40 chairs, 25 hours to spare.", ROWS, GOAL, '"25" is not a solution value'),
        ("With at most 20 tables, make 30 tables.", ROWS, GOAL, '"20" is said of tables'),  # 20 is no limit here
        ("Make 60 chairs, the most that sell.", ROWS, GOAL, '"60" is said of chairs'),  # a given number, as a decision
    ],
)
def test_a_contradicting_explanation_is_caught(text: str, rows: list[Row], goal: Row | None, mistake: str) -> None:
    found = contradictions(text, rows, goal, PROBLEM)
    assert any(line.startswith(mistake) for line in found), found


def test_the_problems_own_limits_may_be_quoted() -> None:
    follow_up = PROBLEM + "\n\nFollow-up request: What if we can make at most 20 tables?"
    rows = solution_rows({"tables": 18, "chairs": 56}, MODEL, READING)
    text = "With at most 20 tables, make 18 tables and 56 chairs for $4,060."
    assert contradictions(text, rows, objective_row(4060, MODEL, READING), follow_up) == []
    assert contradictions(text, rows, objective_row(4060, MODEL, READING), PROBLEM) != []


def test_rounded_values_and_indexed_groups() -> None:
    rows = solution_rows({"ship[A]": 33.333333, "ship[B]": 16.666667}, None, None)
    assert contradictions("Ship 33.3 from A and 16.67 from B, 50 in all.", rows, None, "") == []
    assert contradictions("ship 35.", rows, None, "") != []


def test_summary_is_built_from_the_table() -> None:
    assert summary(ROWS, GOAL, "solved") == (
        "The solver's solution: tables = 30 (tables made per week); chairs = 40 (chairs made per week). "
        "The objective (total weekly profit, $) is 4,100."
    )
    many = [Row(name=f"x[{i}]", value=i) for i in range(11)]
    assert summary(many, None, "solved").endswith("x[7] = 7; and 3 more values in the table.")
    assert "no plan meets all the constraints" in summary([], None, "infeasible")
    assert contradictions(summary(ROWS, GOAL, "solved"), ROWS, GOAL, PROBLEM) == []


SWAPPED = "Make 40 tables and 30 chairs for $4,100."
TRUE = "Make 30 tables and 40 chairs for $4,100."
DIRECT = AgentSettings.for_strategy("direct")


@pytest.mark.asyncio(loop_scope="module")
async def test_explain_step_asks_once_more_when_the_explanation_contradicts(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, explain=[SWAPPED, TRUE])
    answer = await solve(PROBLEM, roles=script.roles(), sandbox=sandbox, settings=DIRECT)
    assert answer.explanation == TRUE and answer.explanation_note == ""
    assert script.calls["explain"] == 2
    first, retry = script.prompts["explain"]
    assert "| tables | (not given) | 30 |" in first and "Objective: 4,100" in first
    assert "contradicted the solution" not in first
    assert SWAPPED in retry and '"40" is said of tables, but the solution has tables = 30' in retry


@pytest.mark.asyncio(loop_scope="module")
async def test_explanation_that_contradicts_twice_is_replaced_by_the_table(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, explain=[SWAPPED, SWAPPED])
    answer = await solve(PROBLEM, roles=script.roles(), sandbox=sandbox, settings=DIRECT)
    assert script.calls["explain"] == 2
    assert answer.explanation == "The solver's solution: tables = 30; chairs = 40. The objective is 4,100."
    assert answer.explanation_note == SUMMARY_NOTE


@pytest.mark.asyncio(loop_scope="module")
async def test_infeasible_explanation_is_checked_against_the_problem(sandbox) -> None:
    script = ScriptedModel(write_code=INFEASIBLE, explain="No plan can make 1000 items with 240 carpentry hours.")
    answer = await solve(PROBLEM + " Make at least 1000 items.", roles=script.roles(), sandbox=sandbox, settings=DIRECT)
    assert answer.outcome.value == "infeasible" and script.calls["explain"] == 1
    assert answer.explanation.startswith("No plan") and answer.explanation_note == ""


@pytest.mark.asyncio(loop_scope="module")
async def test_no_second_try_past_the_solves_budget(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, explain=[SWAPPED, TRUE])
    settings = AgentSettings.for_strategy("direct", max_calls=2)
    answer = await solve(PROBLEM, roles=script.roles(), sandbox=sandbox, settings=settings)
    assert script.calls["explain"] == 1 and answer.explanation_note == SUMMARY_NOTE
