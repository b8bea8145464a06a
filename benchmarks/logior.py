"""LogiOR (ORThought paper): 92 logistics problems, each labelled with its optimal objective.

Native rule, as published: correct when `abs(prediction - ground_truth) < 0.01`; a `null`
ground truth means the problem is infeasible, and it is matched only by a program whose
solver proved infeasibility.
"""

from __future__ import annotations

from pathlib import Path

from optagent.benchmarks.base import Benchmark, BenchmarkInfo, ScoringContext
from optagent.benchmarks.records import SkippedRecord, read_records
from optagent.benchmarks.scoring import parse_number, score_objective
from optagent.core.types import Prediction, Problem, ProblemKind, Score, Targets

TOLERANCE = 0.01
_KINDS = {"LP": ProblemKind.LP, "ILP": ProblemKind.MILP, "MILP": ProblemKind.MILP, "NLP": ProblemKind.NLP}


class LogiOR(Benchmark):
    name = "logior"
    info = BenchmarkInfo(
        name="logior",
        title="LogiOR (ORThought)",
        source="https://github.com/ZJU-TSELab/ORThought (datasets/summary/summary_logior.json)",
        license="CC-BY-4.0",
        native_rule="abs(prediction - ground_truth) < 0.01; a null ground truth (infeasible) matches only a "
        "program that reports infeasibility",
        tolerance=TOLERANCE,
    )

    def locate(self, data_dir: Path) -> Path:
        return data_dir / "logior" / "summary_logior.json"

    def read(self, path: Path) -> tuple[list[Problem], list[SkippedRecord]]:
        records, skipped = read_records(path)
        problems: list[Problem] = []
        for record in records:
            value = record.value
            record_id = record.key or (
                str(value.get("id")) if isinstance(value, dict) and "id" in value else f"line{record.line}"
            )

            def skip(reason: str, record_id: str = record_id, line: int = record.line) -> None:
                skipped.append(SkippedRecord(file=path, line=line, id=record_id, reason=reason))

            if not isinstance(value, dict) or not str(value.get("description") or "").strip():
                skip("no `description`")
                continue
            if "ground_truth" not in value:
                skip("no answer (`ground_truth` is missing)")
                continue
            label = value["ground_truth"]
            if label is None:
                targets = Targets(infeasible=True, is_optimization=True)
            else:
                try:
                    targets = Targets(objective=parse_number(label), is_optimization=True)
                except ValueError as error:
                    skip(f"ground_truth {error}")
                    continue
            problem_type = value.get("problem_type")
            problems.append(
                Problem(
                    id=record_id,
                    text=value["description"],
                    targets=targets,
                    kind=_KINDS.get(str(problem_type)),
                    category=problem_type,
                    metadata={"problem_size": value.get("problem_size"), "details": value.get("details")},
                )
            )
        return problems, skipped

    async def score(self, problem: Problem, prediction: Prediction, context: ScoringContext) -> Score:
        return score_objective(
            problem.targets,
            prediction,
            lambda predicted, expected: abs(predicted - expected) < TOLERANCE,
            "|pred - gt| < 0.01",
        )
