"""Downloads: the program, and LP/MPS files written by the target's own library in the sandbox."""

from __future__ import annotations

import pytest

from optagent.agent.answer import Answer, AnswerOutcome
from optagent.app.chat_export import export_files
from optagent.core.types import Language

PULP_IN_FUNCTION = """import json, pulp
def main():
    problem = pulp.LpProblem("workshop", pulp.LpMaximize)
    tables = pulp.LpVariable("tables", lowBound=0, cat="Integer")
    chairs = pulp.LpVariable("chairs", lowBound=0, upBound=60, cat="Integer")
    problem += 70 * tables + 50 * chairs
    problem += 4 * tables + 3 * chairs <= 240, "carpentry"
    problem += 2 * tables + chairs <= 100, "finishing"
    problem.solve(pulp.PULP_CBC_CMD(msg=0))
    print(json.dumps({"objective": pulp.value(problem.objective)}))
main()
"""
SCIP = """from pyscipopt import Model
model = Model()
x = model.addVar("tables", vtype="I", ub=30)
model.setObjective(70 * x, "maximize")
model.optimize()
"""
CPMPY = "import cpmpy as cp\nx = cp.intvar(0, 3, name='x')\ncp.Model(x >= 1).solve()\n"


def answer(target: str, code: str) -> Answer:
    return Answer(
        problem_id="p", strategy="s", outcome=AnswerOutcome.SOLVED, code=code, target=target, language=Language.PYTHON
    )


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("target", "code", "in_lp"), [("pulp", PULP_IN_FUNCTION, "carpentry"), ("pyscipopt", SCIP, "tables")]
)
async def test_lp_and_mps_files_of_models_built_anywhere(sandbox, tmp_path, target, code, in_lp):
    exports = await export_files(answer(target, code), sandbox, tmp_path)
    assert sorted(path.name for path in exports.files) == ["model.lp", "model.mps", "model.py"], exports.note
    assert in_lp in (tmp_path / "model.lp").read_text()
    assert (tmp_path / "model.py").read_text().strip() == code.strip()


@pytest.mark.asyncio(loop_scope="module")
async def test_cp_targets_get_the_program_and_a_note(sandbox, tmp_path):
    exports = await export_files(answer("cpmpy", CPMPY), sandbox, tmp_path)
    assert [path.name for path in exports.files] == ["model.py"]
    assert "no LP/MPS form" in exports.note
