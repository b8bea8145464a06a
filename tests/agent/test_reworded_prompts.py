"""Rewording a step's template changes no test: scripted models answer each LLM step by the
template name its call carries, never by a sentence of the prompt.

The templates are copied with the sentences the old scripted helpers looked for reworded
(through `OPTAGENT_PROMPTS`, the user's override folder), and the graph still takes the
same path to the same answer, with the new wording in every prompt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optagent.agent import AgentSettings, AnswerOutcome, solve
from optagent.core.types import CallRecord
from optagent.prompts.loader import PACKAGE_DIR
from testing.scripted import ScriptedModel
from testing.workshop import ACCEPT, CRASH, GOOD, MODELING, WORKSHOP

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The sentence of each template that the scripted helpers once recognised the step by.
SENTENCES = {
    "understand": "Read this optimization problem as an expert would",
    "formulate": "formulation: Sets",
    "write_code": "Write a complete",
    "repair": "did not work. Fix it.",
    "judge": "Review a solution attempt",
    "explain": "Explain this solution",
}
REWORDED = "REWORDED SENTENCE"


@pytest.fixture
def reworded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for step, sentence in SENTENCES.items():
        text = (PACKAGE_DIR / f"{step}.md").read_text(encoding="utf-8")
        assert sentence in text, f"prompts/{step}.md no longer says {sentence!r}: update SENTENCES"
        (tmp_path / f"{step}.md").write_text(text.replace(sentence, REWORDED), encoding="utf-8")
    monkeypatch.setenv("OPTAGENT_PROMPTS", str(tmp_path))
    return tmp_path


async def test_reworded_templates_take_the_same_path_to_the_same_answer(sandbox, reworded: Path) -> None:
    script = ScriptedModel(write_code=CRASH, repair=GOOD, judge=ACCEPT, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    assert answer.outcome is AnswerOutcome.SOLVED and answer.objective == pytest.approx(4100)
    assert answer.explanation == "Make 30 tables and 40 chairs."
    assert [(r.trigger, r.diagnosis.finding) for r in answer.rounds] == [("first", "crash"), ("repair", "ok")]
    assert dict(script.calls) == {step: 1 for step in SENTENCES}
    for step, sentence in SENTENCES.items():
        (prompt,) = script.prompts[step]
        assert REWORDED in prompt and sentence not in prompt, f"the {step} prompt was not the reworded one"


async def test_every_call_records_its_step(sandbox) -> None:
    script = ScriptedModel(write_code=GOOD, judge=ACCEPT, **MODELING)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox, settings=AgentSettings(samples=1))
    steps = [call.step for call in answer.calls]
    assert all(isinstance(call, CallRecord) for call in answer.calls)
    assert sorted(steps) == sorted(["understand", "formulate", "write_code", "judge", "explain"])
