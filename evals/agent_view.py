"""What the agent did, for the report: counts of its loops and each sample's transcript.

The HTML report opens a sample's transcript node by node, with no script: one `<details>`
per sample, one per model call inside it (the node, its prompt, its reply). A page holds
at most `SAMPLES_PER_RUN` transcripts per run, the samples not correct first, each message
clipped to `HTML_MESSAGE_CHARS`; the run log keeps everything within its own cap.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from optagent.agent.transcript import Exchange, clip
from optagent.evals.log import SampleRecord, SolveStats, natural_key

SAMPLES_PER_RUN = 100
HTML_MESSAGE_CHARS = 6_000


class SampleTranscript(BaseModel):
    run: str
    id: str
    sample: int
    outcome: str
    correct: bool | None
    exchanges: list[Exchange]
    dropped: int = 0


def transcripts(runs: list[tuple[str, list[SampleRecord]]]) -> list[SampleTranscript]:
    """The transcripts to show, per run: samples with calls, not correct first, in id order."""
    out: list[SampleTranscript] = []
    for label, records in runs:
        logged = sorted((r for r in records if r.messages), key=lambda r: (r.correct is True, natural_key(r.key)))
        for record in logged[:SAMPLES_PER_RUN]:
            exchanges = [
                e.model_copy(
                    update={
                        "prompt": [
                            m.model_copy(update={"content": clip(m.content, HTML_MESSAGE_CHARS)}) for m in e.prompt
                        ],
                        "reply": clip(e.reply, HTML_MESSAGE_CHARS),
                        "reasoning": clip(e.reasoning, HTML_MESSAGE_CHARS) if e.reasoning else None,
                    }
                )
                for e in record.messages
            ]
            out.append(
                SampleTranscript(
                    run=label,
                    id=record.id,
                    sample=record.sample,
                    outcome=record.outcome.value,
                    correct=record.correct,
                    exchanges=exchanges,
                    dropped=record.messages_dropped,
                )
            )
    return out


_COUNTS: list[tuple[str, Callable[[SolveStats], int]]] = [
    ("corrective retries (invalid structured replies)", lambda a: a.corrective_retries),
    ("structured replies unusable after the retry", lambda a: a.unusable_replies),
    ("programs sent back for ignoring the problem", lambda a: a.sent_back),
    ("final programs that ignore the problem", lambda a: int(a.ignores_problem)),
    ("samples stopped early (budget, no progress)", lambda a: int(bool(a.stopped))),
]


def model_calls(record: SampleRecord) -> int:
    """Calls made for one sample, each corrective retry counted as a call."""
    return sum(1 + call.corrections for call in record.calls)


def agent_rows(runs: list[list[SampleRecord]]) -> list[list[str]]:
    """Rows of the agent's counts per run; none when no run has them (re-scored responses)."""
    if not any(r.agent for records in runs for r in records):
        return []
    rows = [["model calls", *(str(sum(model_calls(r) for r in records)) for records in runs)]]
    for name, count in _COUNTS:
        rows.append([name, *(_total(records, count) for records in runs)])
    return rows


def _total(records: list[SampleRecord], count: Callable[[SolveStats], int]) -> str:
    """The count over a run's samples; "-" for a run logged before the agent's counts were."""
    counted = [count(r.agent) for r in records if r.agent]
    return str(sum(counted)) if counted else "-"
