"""TrimR's measurements travel in the call records of the run log and show in the report."""

from __future__ import annotations

from optagent.core.types import CallRecord, Outcome
from optagent.evals.log import RunHeader, RunLog, SampleRecord
from optagent.evals.report import write_report
from optagent.models.trimr.rules import Rule
from optagent.models.trimr.stats import TrimRStats


def _call(stats: TrimRStats | None) -> CallRecord:
    return CallRecord(model="vllm/Qwen/QwQ-32B", completion_tokens=100, trimr=stats and stats.model_dump(mode="json"))


async def _run(tmp_path, calls_by_id: dict[str, list[CallRecord]]):
    log = await RunLog.open(tmp_path, RunHeader(benchmark="logior", source="agent", strategy="full"))
    for ident, calls in calls_by_id.items():
        await log.append(
            SampleRecord(id=ident, sample=0, correct=True, strict=True, outcome=Outcome.CORRECT, calls=calls)
        )
    await log.close()
    return write_report([tmp_path])


async def test_report_totals_trimr_per_run_and_per_sample(tmp_path):
    cut = TrimRStats(rule=Rule.OVERTHINKING, thinking_tokens=300, untrimmed_tokens=1000, verifier_calls=6)
    uncut = TrimRStats(thinking_tokens=200, untrimmed_tokens=200, verifier_calls=2)
    loop = TrimRStats(rule=Rule.REPETITION, thinking_tokens=150, verifier_calls=3)
    md, html = await _run(tmp_path, {"prob_001": [_call(cut), _call(uncut)], "prob_002": [_call(loop), _call(None)]})
    text = md.read_text()
    assert "TrimR thinking compression" in text and "TrimR per sample" in text
    assert (
        "| thinking_tokens | 650 |" in text and "| tokens_saved | 700 |" in text and "| verifier_calls | 11 |" in text
    )
    assert "| prob_001 | 0 | 2 | overthinking | 500 | 700 |" in text
    assert "| prob_002 | 0 | 1 | repetition | 150 | - |" in text
    assert "TrimR per sample" in html.read_text()


async def test_report_has_no_trimr_section_without_trimr(tmp_path):
    md, _ = await _run(tmp_path, {"prob_001": [_call(None)]})
    assert "TrimR" not in md.read_text()
