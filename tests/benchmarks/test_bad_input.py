"""Bad benchmark files: each gives one clear line naming the file, line or id; good records survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optagent.benchmarks import get_benchmark
from optagent.core.errors import OptagentError


def _optibench_dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "optibench").mkdir()
    (tmp_path / "optibench" / "OptiBench.json").write_text(text)
    return tmp_path


def test_truncated_optibench_keeps_complete_records(datasets: Path, tmp_path: Path) -> None:
    text = (datasets / "optibench" / "OptiBench.json").read_text()
    cut = text[: len(text) // 2]
    loaded = get_benchmark("optibench").load(_optibench_dir(tmp_path, cut))
    assert 250 < len(loaded.problems) < 350
    [skipped] = loaded.skipped
    assert skipped.file.name == "OptiBench.json" and 1 < skipped.line <= cut.count("\n") + 1
    assert "truncated" in skipped.reason and f"kept the {len(loaded.problems)} complete records" in skipped.reason
    assert str(skipped).startswith(f"{tmp_path}/optibench/OptiBench.json:")


def test_truncated_logior_object(datasets: Path, tmp_path: Path) -> None:
    text = (datasets / "logior" / "summary_logior.json").read_text()
    (tmp_path / "logior").mkdir()
    (tmp_path / "logior" / "summary_logior.json").write_text(text[: int(len(text) * 0.7)])
    loaded = get_benchmark("logior").load(tmp_path)
    assert 40 < len(loaded.problems) < 92 and loaded.problems[0].id == "prob_001"
    assert "truncated" in loaded.skipped[0].reason


def test_record_without_answer_and_non_numeric_label(tmp_path: Path) -> None:
    records = [
        {"index": 0, "question": "q0", "type": "linear-notable", "results": {"Total": "12"}},
        {"index": 1, "question": "q1", "type": "linear-notable", "results": {}},
        {"index": 2, "question": "q2", "type": "linear-notable", "results": {"x": "abc", "Total": "3"}},
        {"index": 3, "question": "q3", "type": "linear-notable"},
    ]
    text = "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n"
    loaded = get_benchmark("optibench").load(_optibench_dir(tmp_path, text))
    assert [p.id for p in loaded.problems] == ["0"]
    lines = [str(s) for s in loaded.skipped]
    assert lines[0].endswith("OptiBench.json:3: record 1: no answer (`results` is missing or empty)")
    assert lines[1].endswith("OptiBench.json:4: record 2: label 'abc' is not a number")
    assert lines[2].endswith("OptiBench.json:5: record 3: no answer (`results` is missing or empty)")


def test_logior_missing_ground_truth_and_null(tmp_path: Path) -> None:
    (tmp_path / "logior").mkdir()
    data = {
        "prob_001": {"description": "d1", "ground_truth": None, "problem_type": "LP"},
        "prob_002": {"description": "d2", "problem_type": "LP"},
        "prob_003": {"description": "d3", "ground_truth": "twelve", "problem_type": "LP"},
    }
    (tmp_path / "logior" / "summary_logior.json").write_text(json.dumps(data, indent=1))
    loaded = get_benchmark("logior").load(tmp_path)
    assert [p.id for p in loaded.problems] == ["prob_001"] and loaded.problems[0].targets.infeasible
    assert "record prob_002: no answer (`ground_truth` is missing)" in str(loaded.skipped[0])
    assert "record prob_003: ground_truth 'twelve' is not a number" in str(loaded.skipped[1])


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(OptagentError, match=r"OptiBench.json is empty; download it again with `optagent data pull`"):
        get_benchmark("optibench").load(_optibench_dir(tmp_path, "  \n"))


def test_nothing_readable_names_the_first_problem(tmp_path: Path) -> None:
    with pytest.raises(
        OptagentError, match=r"no readable optibench problems: .*OptiBench.json:1: the file ends early \(truncated\)"
    ):
        get_benchmark("optibench").load(_optibench_dir(tmp_path, '[{"index": 0, "question": "q'))


def test_missing_data_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(OptagentError, match=r"no logior data at .*; run `optagent data pull logior`"):
        get_benchmark("logior").load(tmp_path)


def test_jsonl_bad_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"question": "q1", "answer": 3}\n{"question": "q2", "answ\n{"question": "q3"}\n[1, 2]\n')
    loaded = get_benchmark("jsonl", path=str(path)).load(tmp_path)
    assert [p.id for p in loaded.problems] == ["1"]
    assert [s.line for s in loaded.skipped] == [2, 3, 4]
    assert "not valid JSON" in loaded.skipped[0].reason
    assert loaded.skipped[1].reason.startswith("no answer")
    assert "expected an object" in loaded.skipped[2].reason


def test_cpbench_folder_without_reference(cp_data: Path) -> None:
    (cp_data / "cpbench" / "dataset" / "broken").mkdir()
    (cp_data / "cpbench" / "dataset" / "syntax").mkdir()
    (cp_data / "cpbench" / "dataset" / "syntax" / "syntax.cpmpy.py").write_text('"""d"""\nmodel = (\n')
    loaded = get_benchmark("cpbench").load(cp_data)
    assert {p.id for p in loaded.problems} == {"abc", "knap"}
    reasons = {s.id: s.reason for s in loaded.skipped}
    assert reasons["broken"] == "no broken.cpmpy.py"
    assert reasons["syntax"].startswith("unreadable reference")
