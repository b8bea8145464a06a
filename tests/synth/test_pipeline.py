"""Each kind of candidate is kept or rejected for the right reason, end to end, with the real
sandbox running every program; the outputs load with Hugging Face `datasets`."""

from __future__ import annotations

import asyncio
import json

import pytest

from optagent.synth import RejectReason, Stage, SynthKind, SynthSettings, run_job
from optagent.synth.store import read_candidates
from testing.synth_script import Plan, SynthScript, workshop
from testing.workshop import CRASH, INFEASIBLE, WRONG

pytestmark = pytest.mark.synth

PLANS = {
    "Alder": Plan(),
    "Birch": Plan(author=CRASH, repair=CRASH),
    "Cedar": Plan(author=INFEASIBLE),
    "Dogwood": Plan(check=WRONG),
    "Elm": Plan(drop_number="240"),
    "Fir": Plan(author=CRASH),  # repaired to the good program, then kept
    "Gum": Plan(),
}
NO_OBJECTIVE = {**workshop("Hazel"), "steps": [s for s in workshop("Hazel")["steps"] if s["element"] != "objective"]}
SCENARIOS = [
    workshop("Alder"),
    workshop("Alder", carpentry=250),  # one number changed: a near duplicate of Alder
    "this is not JSON",
    "still not JSON after the correction",
    NO_OBJECTIVE,
    workshop("Birch"),
    workshop("Cedar"),
    workshop("Dogwood"),
    workshop("Elm"),
    workshop("Gum", kind="nlp"),
    workshop("Fir"),
]
EXPECTED = [
    ("kept", None),
    ("rejected", RejectReason.NEAR_DUPLICATE),
    ("rejected", RejectReason.MALFORMED_SCENARIO),
    ("rejected", RejectReason.MALFORMED_SCENARIO),
    ("rejected", RejectReason.CRASHED),
    ("rejected", RejectReason.INFEASIBLE),
    ("rejected", RejectReason.ANSWER_DISAGREES),
    ("rejected", RejectReason.QUESTION_LOST_DATA),
    ("rejected", RejectReason.KIND_NOT_REQUESTED),
    ("kept", None),
]


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    script = SynthScript(SCENARIOS, PLANS)
    settings = SynthSettings(
        n=2,
        concurrency=1,
        max_candidates=len(EXPECTED),
        dedup_threshold=0.8,
        repairs=1,
        kinds=(SynthKind.LP, SynthKind.MILP, SynthKind.CP),
        prefixes=False,  # one candidate per scripted scenario; prefixes: tests/synth/test_prefixes.py
    )
    out = tmp_path_factory.mktemp("synth") / "job"
    report = asyncio.run(run_job(settings, script.roles(), out, workers=2))
    return out, report, script


def test_every_candidate_is_kept_or_rejected_for_its_reason(job) -> None:
    out, _report, _script = job
    candidates, problems, _ = read_candidates(out)
    assert problems == []
    assert [(c.status, c.reason) for c in candidates] == EXPECTED
    by_reason = {}
    for candidate in candidates:
        by_reason.setdefault(candidate.reason, candidate)
    assert by_reason[RejectReason.NEAR_DUPLICATE].duplicate_of == "syn-000000"
    unparsable = by_reason[RejectReason.MALFORMED_SCENARIO]
    assert "not valid JSON" in unparsable.detail and unparsable.tokens.total > 0, "the wasted calls are paid for"
    malformed = [c for c in candidates if c.reason is RejectReason.MALFORMED_SCENARIO]
    assert malformed[1].detail == "0 objective steps; exactly one is needed"
    crashed = by_reason[RejectReason.CRASHED]
    assert crashed.stage is Stage.VERIFY and "undefined_name" in crashed.detail
    assert by_reason[RejectReason.INFEASIBLE].solution.solution_status == "infeasible"
    disagreeing = by_reason[RejectReason.ANSWER_DISAGREES]
    assert disagreeing.solution.objective == pytest.approx(4100) and disagreeing.check.objective == pytest.approx(4950)
    assert "240" in by_reason[RejectReason.QUESTION_LOST_DATA].detail
    repaired = candidates[-1]
    assert (
        repaired.kept and repaired.scenario.title == "Workshop Fir" and "undefined_name" not in repaired.solution.code
    )


def test_rejections_stop_spending_at_their_stage(job) -> None:
    out, _report, script = job
    candidates, _, _ = read_candidates(out)
    for candidate in candidates:
        spent = set(candidate.tokens_by_stage)
        if candidate.stage in (Stage.FILTER,):
            assert spent <= {"scenario"}, candidate.id
        if candidate.reason is RejectReason.CRASHED:
            assert "check" not in spent
    # questions only for candidates past the filter; the agent only past the question check
    assert script.questions["plain"] == script.questions["table"] == 6
    assert script.calls["orthought"] == 3, "the independent check ran for the three verified candidates"


def test_problems_file_holds_the_kept_problems_with_everything(job) -> None:
    out, _report, _script = job
    rows = [json.loads(line) for line in (out / "problems.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["syn-000000", "syn-000009"]
    row = rows[0]
    assert "240 carpentry hours" in row["question"] and "|---|" in row["question_table"]
    assert row["formulation"]["objective"]["sense"] == "maximize"
    assert "pyomo" in row["code"] and row["target"] == "pyomo" and row["language"] == "python"
    assert row["answer"]["objective"] == pytest.approx(4100)
    assert row["answer"]["values"] == {"tables": pytest.approx(30), "chairs": pytest.approx(40)}
    assert row["kind"] == "milp" and row["domain"] == "production" and row["seed_ids"]
    assert row["models"]["synthesizer"] == "mock" and row["settings"]["temperature"] == 0.7
    assert row["check"] == {"objective": pytest.approx(4100), "target": "pyomo", "strategy": "orthought"}


def test_sft_export_is_chat_messages_for_both_variants(job) -> None:
    out, _report, _script = job
    rows = [json.loads(line) for line in (out / "sft.jsonl").read_text().splitlines()]
    assert [(r["problem_id"], r["variant"]) for r in rows] == [
        ("syn-000000", "plain"),
        ("syn-000000", "table"),
        ("syn-000009", "plain"),
        ("syn-000009", "table"),
    ]
    roles = [[m["role"] for m in r["messages"]] for r in rows]
    assert roles == [["system", "user", "assistant"]] * 4
    answer = rows[0]["messages"][2]["content"]
    assert "4t + 3c" in answer and "```python" in answer and "4100" in answer
    assert "|---|" in rows[1]["messages"][1]["content"]


def test_outputs_load_with_hugging_face_datasets(job, tmp_path) -> None:
    import datasets

    out, _report, _script = job
    loaded = datasets.load_dataset(str(out / "dataset"), cache_dir=str(tmp_path / "hf"))
    train = loaded["train"]
    assert train.num_rows == 2 and train[0]["id"] == "syn-000000"
    assert train[0]["objective"] == pytest.approx(4100) and train[0]["kind"] == "milp"
    assert json.loads(train[0]["formulation"])["kind"] == "milp"
    sft = datasets.load_dataset("json", data_files=str(out / "sft.jsonl"), cache_dir=str(tmp_path / "hf"))["train"]
    assert sft.num_rows == 4 and sft[0]["messages"][1]["role"] == "user"


def test_report_counts_yield_reasons_diversity_and_cost(job) -> None:
    out, report, _script = job
    assert (report.candidates, report.kept) == (10, 2)
    yields = {s.stage: (s.entered, s.passed) for s in report.stages}
    assert yields[Stage.FILTER] == (10, 6)
    assert yields[Stage.QUESTION] == (6, 5)
    assert yields[Stage.VERIFY] == (5, 3)
    assert yields[Stage.CHECK] == (3, 2)
    assert report.reasons[RejectReason.MALFORMED_SCENARIO] == 2
    assert report.kinds == {"milp": 2} and report.domains == {"production": 2} and report.sizes == {"small": 2}
    assert report.tokens_per_kept is not None and report.tokens_per_kept > 0
    assert report.tokens.calls > 0 and set(report.tokens_by_stage) >= {"scenario", "question", "formulate", "check"}
    text = (out / "report.md").read_text()
    assert "| near_duplicate | 1 |" in text and "tokens per kept problem" in text
