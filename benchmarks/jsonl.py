"""Any objective-value benchmark in JSON or JSON Lines: NL4Opt, MAMO, IndustryOR, NLP4LP, OptMATH...

Question and answer fields are found by common names (`question`, `description`,
`en_question`; `answer`, `ground_truth`, `en_answer`) or named by options. Answers
`null`, "No Best Solution" and "infeasible" mean the problem is infeasible. Ids come from an
`id` or `index` field, else the record's key (JSON object files) or line number.

These sets publish no single rule; the native rule here is a relative tolerance,
`|pred - gt| <= rel_tol * max(1, |gt|)` with `rel_tol` 1e-4 unless given, reported beside the
unified strict rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optagent.benchmarks.base import Benchmark, BenchmarkInfo, ScoringContext
from optagent.benchmarks.records import SkippedRecord, read_records
from optagent.benchmarks.scoring import is_infeasible_label, parse_number, score_objective
from optagent.core.errors import OptagentError
from optagent.core.types import Prediction, Problem, Score, Targets

QUESTION_FIELDS = ("question", "description", "en_question")
ANSWER_FIELDS = ("answer", "ground_truth", "en_answer")
ID_FIELDS = ("id", "index")
CATEGORY_FIELDS = ("type", "problem_type", "category")
DEFAULT_REL_TOL = 1e-4


class JsonlBenchmark(Benchmark):
    name = "jsonl"
    info = BenchmarkInfo(
        name="jsonl",
        title="objective-value benchmark from a JSON or JSONL file",
        source="a local file (`path` option)",
        license="that of the file",
        native_rule="|pred - gt| <= rel_tol * max(1, |gt|), rel_tol 1e-4 unless given; infeasible labels match "
        "only a program that reports infeasibility",
        tolerance=DEFAULT_REL_TOL,
    )
    options = ("path", "question_field", "answer_field", "rel_tol")

    def locate(self, data_dir: Path) -> Path:
        path = self.settings.get("path")
        if not path:
            raise OptagentError("the jsonl benchmark needs a file: pass its path (e.g. `optagent data inspect FILE`)")
        path = Path(path).expanduser()
        return path if path.is_absolute() or path.exists() else data_dir / path

    def read(self, path: Path) -> tuple[list[Problem], list[SkippedRecord]]:
        records, skipped = read_records(path)
        question_field = self.settings.get("question_field")
        answer_field = self.settings.get("answer_field")
        problems: list[Problem] = []
        for record in records:
            value = record.value
            record_id = _record_id(record.key, value, record.line)

            def skip(reason: str, record_id: str = record_id, line: int = record.line) -> None:
                skipped.append(SkippedRecord(file=path, line=line, id=record_id, reason=reason))

            if not isinstance(value, dict):
                skip(f"expected an object, found {type(value).__name__}")
                continue
            question_key = question_field or _first_present(value, QUESTION_FIELDS)
            answer_key = answer_field or _first_present(value, ANSWER_FIELDS)
            if question_key is None or not str(value.get(question_key) or "").strip():
                skip(f"no question (looked for {question_field or ', '.join(QUESTION_FIELDS)})")
                continue
            if answer_key is None or answer_key not in value or value[answer_key] == "":
                skip(f"no answer (looked for {answer_field or ', '.join(ANSWER_FIELDS)})")
                continue
            label = value[answer_key]
            if is_infeasible_label(label):
                targets = Targets(infeasible=True)
            else:
                try:
                    targets = Targets(objective=parse_number(label))
                except ValueError as error:
                    skip(f"answer {error}")
                    continue
            category_key = _first_present(value, CATEGORY_FIELDS)
            problems.append(
                Problem(
                    id=record_id,
                    text=str(value[question_key]),
                    targets=targets,
                    category=str(value[category_key]) if category_key else None,
                    metadata={"answer_label": label},
                )
            )
        return problems, skipped

    async def score(self, problem: Problem, prediction: Prediction, context: ScoringContext) -> Score:
        rel_tol = float(self.settings.get("rel_tol") or DEFAULT_REL_TOL)
        return score_objective(
            problem.targets,
            prediction,
            lambda predicted, expected: abs(predicted - expected) <= rel_tol * max(1.0, abs(expected)),
            f"|pred - gt| <= {rel_tol:g} * max(1, |gt|)",
        )


def _first_present(value: dict[str, Any], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in value), None)


def _record_id(key: str | None, value: Any, line: int) -> str:
    if isinstance(value, dict):
        field = _first_present(value, ID_FIELDS)
        if field is not None and value[field] is not None:
            return str(value[field])
    return key if key is not None else str(line)
