"""The run log format on its own: commit, torn last line, resume truncation, incompatible headers."""

from __future__ import annotations

import json

import pytest

from optagent.core.errors import OptagentError
from optagent.core.types import Outcome
from optagent.evals.log import SAMPLES_FILE, RunHeader, RunLog, SampleRecord, read_log


def _header(**changes) -> RunHeader:
    return RunHeader(**{"benchmark": "logior", "source": "responses", "responses_sha256": "abc", **changes})


def _record(ident: str, sample: int = 0, correct: bool = True) -> SampleRecord:
    return SampleRecord(
        id=ident,
        sample=sample,
        correct=correct,
        strict=correct,
        outcome=Outcome.CORRECT if correct else Outcome.WRONG,
    )


async def test_appended_lines_are_on_disk_and_read_back(tmp_path):
    log = await RunLog.open(tmp_path, _header())
    await log.append(_record("prob_001"))
    lines = (tmp_path / SAMPLES_FILE).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["prob_001"]
    await log.append(_record("prob_002", correct=False))
    await log.close()
    read = read_log(tmp_path)
    assert [(r.id, r.correct, r.outcome) for r in read.records] == [
        ("prob_001", True, Outcome.CORRECT),
        ("prob_002", False, Outcome.WRONG),
    ]
    assert read.header.schema_version == 1 and read.problems == []


async def test_torn_last_line_is_reported_ignored_and_cut_on_resume(tmp_path):
    log = await RunLog.open(tmp_path, _header())
    await log.append(_record("prob_001"))
    await log.close()
    whole = _record("prob_002").model_dump_json()
    samples = tmp_path / SAMPLES_FILE
    samples.write_text(samples.read_text() + whole[: len(whole) // 2])
    read = read_log(tmp_path)
    assert [r.id for r in read.records] == ["prob_001"]
    assert len(read.problems) == 1 and "torn last line" in read.problems[0] and f"{SAMPLES_FILE}:2" in read.problems[0]

    resumed = await RunLog.open(tmp_path, _header())
    assert [r.id for r in resumed.done] == ["prob_001"]
    await resumed.append(_record("prob_002"))
    await resumed.close()
    read = read_log(tmp_path)
    assert [r.id for r in read.records] == ["prob_001", "prob_002"] and read.problems == []


async def test_a_bad_middle_line_is_skipped_and_the_rest_kept(tmp_path):
    log = await RunLog.open(tmp_path, _header())
    await log.close()
    (tmp_path / SAMPLES_FILE).write_text(
        _record("prob_001").model_dump_json() + '\n{"id": 3}\n' + _record("prob_003").model_dump_json() + "\n"
    )
    read = read_log(tmp_path)
    assert [r.id for r in read.records] == ["prob_001", "prob_003"]
    assert len(read.problems) == 1 and f"{SAMPLES_FILE}:2: unreadable record" in read.problems[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"benchmark": "optibench"}, "benchmark"),
        ({"strategy": "direct"}, "strategy"),
        ({"models": {"formulator": "vllm/x"}}, "models"),
        ({"responses_sha256": "def"}, "responses_sha256"),
    ],
)
async def test_an_incompatible_header_is_one_clear_error_and_the_log_is_untouched(tmp_path, change, field):
    log = await RunLog.open(tmp_path, _header())
    await log.append(_record("prob_001"))
    await log.close()
    before = (tmp_path / SAMPLES_FILE).read_bytes()
    with pytest.raises(OptagentError) as error:
        await RunLog.open(tmp_path, _header(**change))
    message = str(error.value)
    assert "\n" not in message and field in message and "new --out" in message
    assert (tmp_path / SAMPLES_FILE).read_bytes() == before


def test_reading_a_directory_that_is_not_a_run_says_so(tmp_path):
    with pytest.raises(OptagentError, match="not a run log"):
        read_log(tmp_path)
