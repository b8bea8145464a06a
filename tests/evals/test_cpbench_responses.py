"""CP-Bench re-scored through `optagent eval cpbench --responses`: MiniZinc and CPMpy programs on the real release."""

from __future__ import annotations

from optagent.evals.log import read_log
from tests.benchmarks.test_cpbench_release import ABBOTS, AMONG, KNAPSACK
from tests.evals.conftest import last_json, run_cli, write_responses


def test_minizinc_and_reference_programs_through_the_cli(tmp_path, datasets):
    dataset = datasets / "cpbench" / "dataset"
    lines = [
        {"id": "abbots_puzzle", "code": ABBOTS, "language": "minizinc"},
        {"id": "among", "completion": f"The model:\n```minizinc\n{AMONG}```\n"},
        {"id": "knapsack", "code": KNAPSACK.replace("EXTRA", ""), "language": "minizinc"},
        {"id": "knapsack", "sample": 1, "code": KNAPSACK.replace("EXTRA", "constraint not x[4];")},
        {"id": "diet", "code": (dataset / "diet" / "diet.cpmpy.py").read_text(), "language": "python"},
    ]
    responses = write_responses(tmp_path / "cp.jsonl", lines)
    out = tmp_path / "cp"
    done = run_cli("eval", "cpbench", "--data", datasets, "--responses", responses, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = last_json(done.stdout)
    assert (summary["n"], summary["graded"], summary["correct"]) == (5, 5, 4)
    records = {(r.id, r.sample): r for r in read_log(out).records}
    assert not records[("knapsack", 1)].correct and "not the reference optimum" in records[("knapsack", 1)].detail
    assert all(r.prediction.result.error is None for r in records.values())  # no MiniZinc type error
