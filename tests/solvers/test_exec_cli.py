"""`optagent exec` end to end: results as JSON, readable summaries, and each bad input the
issue lists ending as an error result with exit status 0 (or one line for a missing FILE)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optagent.app.cli import build_app

EXAMPLE = Path(__file__).parents[2] / "examples" / "production_pyomo.py"


def invoke(*args: str):
    return CliRunner().invoke(build_app(), ["exec", *args])


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_json_result_of_the_example():
    outcome = invoke(str(EXAMPLE), "--json")
    assert outcome.exit_code == 0
    result = last_json(outcome.output)
    assert (result["termination"], result["solution_status"], result["objective"]) == ("ok", "optimal", 4100)
    assert result["values"] == {"tables": 30, "chairs": 40}


def test_readable_summary_of_a_minizinc_model_with_its_dzn(tmp_path):
    (tmp_path / "knap.mzn").write_text("int: cap;\nvar 0..10: x;\nconstraint 3 * x <= cap;\nsolve maximize x;\n")
    (tmp_path / "knap.dzn").write_text("cap = 20;\n")
    outcome = invoke(str(tmp_path / "knap.mzn"))
    assert outcome.exit_code == 0
    assert "ok, solution optimal" in outcome.output and "objective: 6" in outcome.output


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.py", b"", "the program is empty"),
        ("binary.py", b"\x80\x81 not text", "not UTF-8 text"),
        ("syntax.py", b"def f(:\n", "SyntaxError: invalid syntax (line 1)"),
        ("missing.py", b"import not_a_module_xyz\n", "No module named 'not_a_module_xyz' — not installed"),
        ("typed.mzn", b'var 0..3: x;\nconstraint x = "a";\nsolve satisfy;\n', "MiniZinc type error"),
    ],
)
def test_bad_inputs_end_as_error_results(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    outcome = invoke(str(path), "--json", "--timeout", "20")
    assert outcome.exit_code == 0, outcome.output
    result = last_json(outcome.output)
    assert result["termination"] == "error" and expected in result["error"]


def test_missing_file_is_one_line(tmp_path):
    outcome = invoke(str(tmp_path / "absent.py"))
    assert outcome.exit_code != 0
    assert "no such file" in str(outcome.exception) and "absent.py" in str(outcome.exception)


def test_unknown_suffix_asks_for_a_language(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text("print(1)\n")
    assert "--language" in str(invoke(str(path)).exception)
    outcome = invoke(str(path), "--language", "python", "--json")
    assert last_json(outcome.output)["stdout"] == "1\n"
