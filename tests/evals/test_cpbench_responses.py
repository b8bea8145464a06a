"""CP-Bench re-scored through `optagent eval cpbench --responses`: MiniZinc, OR-Tools and CPMpy programs
on the real release (the CP-Bench frameworks)."""

from __future__ import annotations

from optagent.evals.log import read_log
from tests.benchmarks.test_cpbench_release import ABBOTS, AMONG, KNAPSACK
from tests.evals.conftest import last_json, run_cli, write_responses

ABBOTS_CPSAT = """import json
from ortools.sat.python import cp_model
m = cp_model.CpModel()
men, women, children = (m.NewIntVar(0, 100, name) for name in ("men", "women", "children"))
m.Add(men + women + children == 100)
m.Add(6 * men + 4 * women + children == 200)
m.Add(women == 5 * men)
solver = cp_model.CpSolver()
solver.Solve(m)
print(json.dumps({"men": solver.Value(men), "women": solver.Value(women), "children": solver.Value(children)}))
"""

KNAPSACK_CPSAT = """import json
from ortools.sat.python import cp_model
values, weights, capacity = [4, 2, 3, 7, 1], [3, 1, 2, 5, 4], CAPACITY
m = cp_model.CpModel()
x = [m.NewBoolVar(f"x{i}") for i in range(5)]
m.Add(sum(w * v for w, v in zip(weights, x)) <= capacity)
m.Maximize(sum(c * v for c, v in zip(values, x)))
solver = cp_model.CpSolver()
solver.Solve(m)
print(json.dumps({"x": [bool(solver.Value(v)) for v in x]}))
"""


def test_minizinc_ortools_and_reference_programs_through_the_cli(tmp_path, datasets):
    dataset = datasets / "cpbench" / "dataset"
    lines = [
        {"id": "abbots_puzzle", "code": ABBOTS, "language": "minizinc"},
        {"id": "among", "completion": f"The model:\n```minizinc\n{AMONG}```\n"},
        {"id": "knapsack", "code": KNAPSACK.replace("EXTRA", ""), "language": "minizinc"},
        {"id": "knapsack", "sample": 1, "code": KNAPSACK.replace("EXTRA", "constraint not x[4];")},
        {"id": "diet", "code": (dataset / "diet" / "diet.cpmpy.py").read_text(), "language": "python"},
        {"id": "abbots_puzzle", "sample": 1, "code": ABBOTS_CPSAT},
        {"id": "knapsack", "sample": 2, "code": KNAPSACK_CPSAT.replace("CAPACITY", "7")},
        {"id": "knapsack", "sample": 3, "code": KNAPSACK_CPSAT.replace("CAPACITY", "8")},  # misread capacity
    ]
    responses = write_responses(tmp_path / "cp.jsonl", lines)
    out = tmp_path / "cp"
    done = run_cli("eval", "cpbench", "--data", datasets, "--responses", responses, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert (summary["n"], summary["graded"], summary["correct"]) == (8, 8, 6)
    records = {(r.id, r.sample): r for r in read_log(out).records}
    assert not records[("knapsack", 1)].correct and "not the reference optimum" in records[("knapsack", 1)].detail
    assert records[("abbots_puzzle", 1)].correct and records[("knapsack", 2)].correct
    assert not records[("knapsack", 3)].correct and "violates the reference model" in records[("knapsack", 3)].detail
    assert all(r.prediction.result.error is None for r in records.values())  # no MiniZinc type error
