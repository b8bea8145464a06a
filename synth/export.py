"""The job's outputs, rebuilt from the candidate log every time the job ends:

- `problems.jsonl`: one kept problem per line: both question variants, the five-element
  formulation, the program, the answer (objective and values), kind, domain, seed ids,
  models and settings;
- `sft.jsonl`: chat messages (system, user question, assistant formulation + program +
  answer) for supervised fine-tuning, one line per problem and question variant;
- `dataset/`: a Hugging Face dataset folder (Parquet data and a dataset card):
  `datasets.load_dataset("OUT/dataset")`, or push it to the Hub as it is.

Each file is written next to its place and renamed over it, so a kill mid-export leaves
the previous export whole; the log stays the truth either way.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optagent.core.files import write_atomic
from optagent.prompts import render
from optagent.synth.records import Candidate
from optagent.synth.store import JobHeader

if TYPE_CHECKING:
    from datasets import Features

PROBLEMS_FILE = "problems.jsonl"
SFT_FILE = "sft.jsonl"
DATASET_DIR = "dataset"
REPORT_FILES = ("report.md", "report.json")


def problem_row(candidate: Candidate, header: JobHeader) -> dict[str, Any]:
    """The kept problem as one flat JSON object (`problems.jsonl`)."""
    scenario, questions, solution, check = candidate.scenario, candidate.questions, candidate.solution, candidate.check
    assert scenario and questions and solution and solution.formulation and check
    return {
        "id": candidate.id,
        "question": questions.plain,
        "question_table": questions.table,
        "formulation": solution.formulation.model_dump(mode="json"),
        "code": solution.code,
        "target": solution.target,
        "language": solution.language,
        "answer": {"objective": solution.objective, "values": solution.values},
        "kind": scenario.kind.value,
        "domain": scenario.domain.strip().lower(),
        "title": scenario.title,
        "size": scenario.size,
        "scenario": [step.model_dump() for step in scenario.steps],
        "seed_ids": candidate.seed_ids,
        "check": {
            "objective": check.objective,
            "target": check.target,
            "strategy": header.settings.get("check_strategy"),
        },
        "models": header.models,
        "settings": header.settings,
    }


def sft_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    from optagent.agent.formulation import Formulation

    formulation = Formulation.model_validate(row["formulation"])
    answer = render(
        "synthesis/sft_answer",
        formulation=formulation,
        kind=row["kind"],
        target=row["target"],
        language=row["language"] or "python",
        code=row["code"].strip(),
        objective=f"{row['answer']['objective']:g}",
        values=row["answer"]["values"],
    ).strip()
    system = render("system").strip()
    return [
        {
            "id": f"{row['id']}-{variant}",
            "problem_id": row["id"],
            "variant": variant,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": row[key]},
                {"role": "assistant", "content": answer},
            ],
        }
        for variant, key in (("plain", "question"), ("table", "question_table"))
    ]


def _dataset_record(row: dict[str, Any]) -> dict[str, Any]:
    """Flat columns with one type each: nested free-form parts travel as JSON text."""
    return {
        "id": row["id"],
        "question": row["question"],
        "question_table": row["question_table"],
        "formulation": json.dumps(row["formulation"]),
        "code": row["code"],
        "target": row["target"] or "",
        "language": row["language"] or "",
        "objective": float(row["answer"]["objective"]),
        "values": json.dumps(row["answer"]["values"]),
        "kind": row["kind"],
        "domain": row["domain"],
        "title": row["title"],
        "size": row["size"],
        "seed_ids": row["seed_ids"],
        "models": json.dumps(row["models"]),
    }


def _features() -> Features:
    from datasets import Features, Sequence, Value

    text = Value("string")
    return Features(
        {
            "id": text,
            "question": text,
            "question_table": text,
            "formulation": text,
            "code": text,
            "target": text,
            "language": text,
            "objective": Value("float64"),
            "values": text,
            "kind": text,
            "domain": text,
            "title": text,
            "size": Value("int32"),
            "seed_ids": Sequence(text),
            "models": text,
        }
    )


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    write_atomic(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def write_dataset(directory: Path, rows: list[dict[str, Any]]) -> None:
    import datasets

    staging = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "data").mkdir(parents=True)
    dataset = datasets.Dataset.from_list([_dataset_record(row) for row in rows], features=_features())
    shown = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # the job shows its own progress
    try:
        dataset.to_parquet(str(staging / "data" / "train-00000-of-00001.parquet"))
    finally:
        if shown:
            datasets.enable_progress_bars()
    (staging / "README.md").write_text(render("synthesis/dataset_card", count=len(rows)), encoding="utf-8")
    previous = directory.with_name(directory.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if directory.exists():
        os.replace(directory, previous)
    os.replace(staging, directory)
    shutil.rmtree(previous, ignore_errors=True)


def export(out: Path, header: JobHeader, candidates: list[Candidate]) -> list[dict[str, Any]]:
    """Write the three exports from the committed candidates; the problem rows are returned."""
    rows = [problem_row(c, header) for c in sorted(candidates, key=lambda c: c.index) if c.kept]
    _write_jsonl(out / PROBLEMS_FILE, rows)
    _write_jsonl(out / SFT_FILE, [sft for row in rows for sft in sft_rows(row)])
    if rows:  # Hugging Face `datasets` cannot load a split with no rows
        write_dataset(out / DATASET_DIR, rows)
    return rows
