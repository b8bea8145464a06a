"""Loading the published files: counts, type breakdowns, labels, the objective-key heuristic."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from optagent.benchmarks import BENCHMARKS, ProblemKind, get_benchmark
from optagent.benchmarks.objective_key import objective_key
from optagent.core.errors import OptagentError


def test_registry_names_and_unknown_name() -> None:
    assert {"optibench", "logior", "cpbench", "cpbench-v1", "jsonl"} <= set(BENCHMARKS)
    with pytest.raises(OptagentError, match=r"unknown benchmark 'optibnech'; known: optibench, logior"):
        get_benchmark("optibnech")
    with pytest.raises(OptagentError, match="has no option colour"):
        get_benchmark("optibench", colour="red")


def test_optibench_counts_types_and_labels(datasets: Path) -> None:
    loaded = get_benchmark("optibench").load(datasets)
    assert len(loaded.problems) == 605 and not loaded.skipped
    assert Counter(p.category for p in loaded.problems) == {
        "linear-notable": 342,
        "nonlinear-notable": 133,
        "linear-table": 80,
        "nonlinear-table": 50,
    }
    problems = loaded.by_id()
    assert [p.id for p in loaded.problems[:3]] == ["0", "1", "2"]
    assert problems["2"].targets.named == {
        "The number of Process J": 0.0,
        "The number of Process P": 250.0,
        "The total metal extracted": 2250.0,
    }
    assert problems["2"].targets.objective == 2250.0
    assert Counter(len(p.targets.named) for p in loaded.problems)[3] == 384
    assert problems["144"].targets.objective == 39975.0
    assert "40000" in problems["144"].metadata["label_issue"]
    issues = {p.id: p.metadata["label_issue"] for p in loaded.problems if "label_issue" in p.metadata}
    failed_solves = {"29", "102", "141", "286", "347", "520", "588", "231", "455"}
    assert set(issues) == {"16", "121", "144", "293", "375"} | failed_solves
    assert all("printed after that failed solve" in issues[i] for i in failed_solves)
    assert "infeasible" in issues["102"] and "unbounded" in issues["231"] and "calories" in issues["455"]


def test_objective_key_on_the_published_file(datasets: Path) -> None:
    problems = get_benchmark("optibench").load(datasets).by_id()
    where = Counter()
    for problem in problems.values():
        keys = list(problem.targets.named)
        key = problem.targets.objective_key
        where["none" if key is None else "last" if key == keys[-1] else "other"] += 1
    assert where == {"last": 582, "other": 14, "none": 9}
    # the key naming what the question optimises, not the one with an objective word
    assert problems["149"].targets.objective_key == "The number of bikes needed"
    assert problems["474"].targets.objective_key == "The number of scooters"
    # a coordination names a sum: "minimize the total number of limousines and buses"
    assert problems["173"].targets.objective_key == "The total number of vehicles"
    assert problems["4"].targets.objective_key == "The optimal number of fire stations to be built is"
    assert problems["78"].targets.objective_key == "The weekly cost of meeting demand is"
    assert problems["0"].targets.objective_key == "The maximum profit you can get"
    assert problems["1"].targets.objective_key == "Total Profit"
    assert problems["8"].targets.objective_key == "The perimeter of the rectangle"
    assert problems["30"].targets.objective_key == "The number of meals delivered"
    assert problems["429"].targets.objective_key == "The amount of honey transported"
    assert problems["33"].targets.objective_key is None  # five fertilizer quantities, no objective listed
    assert problems["164"].targets.objective_key is None  # "total number of vans": not among the keys
    assert problems["33"].targets.objective is None


def test_objective_key_rules() -> None:
    assert objective_key("anything", ["Only key"]) == "Only key"
    question = "How many should be made to maximize the amount of sand delivered? At least 5 small containers."
    assert objective_key(question, ["The number of small containers", "The amount of sand delivered", "Unused"]) == (
        "The amount of sand delivered"
    )
    assert objective_key("Maximize profit.", ["The number of A", "The number of B"]) is None


def test_logior_counts(datasets: Path) -> None:
    loaded = get_benchmark("logior").load(datasets)
    assert len(loaded.problems) == 92 and not loaded.skipped
    assert Counter(p.category for p in loaded.problems) == {"ILP": 43, "LP": 22, "NLP": 16, "MILP": 11}
    assert Counter(p.metadata["problem_size"] for p in loaded.problems) == {"Small": 39, "Medium": 39, "Toy": 14}
    assert sum(p.targets.infeasible for p in loaded.problems) == 0  # the published file has no null label
    problem = loaded.by_id()["prob_002"]
    assert problem.targets.objective == 30.0 and problem.kind == ProblemKind.MILP


def test_cpbench_release(datasets: Path) -> None:
    loaded = get_benchmark("cpbench").load(datasets)  # dataset/ (graded), flags from problems.jsonl
    assert len(loaded.problems) == 164 and not loaded.skipped
    assert Counter(p.category for p in loaded.problems) == {
        "hakan_examples": 80,
        "csplib": 39,
        "aplai_course": 18,
        "cpmpy_examples": 16,
        "complex_or": 11,
    }
    assert Counter(p.kind for p in loaded.problems) == {
        ProblemKind.CP_SATISFACTION: 110,
        ProblemKind.CP_OPTIMIZATION: 54,
    }
    assert all(p.targets.reference_model is not None for p in loaded.problems)
    abbots = loaded.by_id()["abbots_puzzle"]
    assert abbots.targets.decision_variables == ["children", "men", "women"]
    v1 = get_benchmark("cpbench-v1").load(datasets)
    assert len(v1.problems) == 101 and v1.benchmark == "cpbench-v1"
    statements, skipped = get_benchmark("cpbench").read(datasets / "cpbench" / "problems.jsonl")
    assert len(statements) == 164 and not skipped
    assert not any(p.targets.has_answer for p in statements)  # statements only: not gradable


def test_cpbench_folders(cp_data: Path) -> None:
    loaded = get_benchmark("cpbench").load(cp_data)
    problems = loaded.by_id()
    assert set(problems) == {"abc", "knap"}
    knap = problems["knap"]
    assert knap.kind == ProblemKind.CP_OPTIMIZATION and knap.targets.is_optimization
    assert knap.targets.decision_variables == ["take", "value"]
    assert knap.targets.reference_model == cp_data / "cpbench" / "dataset" / "knap" / "knap.cpmpy.py"
    assert knap.metadata["instances"] == [{"weights": [3, 4, 5], "values": [4, 5, 6], "capacity": 8}]
    assert knap.text.startswith("Choose items") and knap.category == "test_examples"
    assert problems["abc"].kind == ProblemKind.CP_SATISFACTION
    with pytest.raises(OptagentError, match="cpbench-v1 needs the in_cpbench_v1 flags"):
        get_benchmark("cpbench-v1").load(cp_data)


def test_jsonl_detects_fields_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"en_question": "q1", "en_answer": "1,234.5"}\n'
        '{"question": "q2", "answer": "No Best Solution", "id": "p2"}\n'
        '{"description": "q3", "ground_truth": null, "index": 7}\n'
        '{"question": "q4", "answer": 40000}\n'
    )
    loaded = get_benchmark("jsonl", path=str(path)).load(tmp_path)
    problems = loaded.by_id()
    assert list(problems) == ["1", "p2", "7", "4"]
    assert problems["1"].targets.objective == 1234.5
    assert problems["p2"].targets.infeasible and problems["7"].targets.infeasible
    assert problems["4"].targets.objective == 40000.0
    named = get_benchmark("jsonl", path=str(path), question_field="question", answer_field="answer").load(tmp_path)
    assert [p.id for p in named.problems] == ["p2", "4"]
    assert len(named.skipped) == 2 and "no question (looked for question)" in str(named.skipped[0])


def test_jsonl_reads_the_logior_object_file(datasets: Path) -> None:
    loaded = get_benchmark("jsonl", path=str(datasets / "logior" / "summary_logior.json")).load(datasets)
    assert len(loaded.problems) == 92 and loaded.problems[0].id == "prob_001"
