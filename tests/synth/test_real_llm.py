"""The synthesis job against a real model: the packaged SmolLM2-135M behind llama.cpp.

That model cannot write a verified optimization problem; the job must still end with a
report, every candidate committed with its fate and a reason, and the outputs in place.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from optagent.core.types import Limits
from optagent.models import ModelRoles
from optagent.synth.job import run_job
from optagent.synth.records import Candidate
from optagent.synth.settings import SynthSettings

pytestmark = pytest.mark.synth


@pytest.mark.llm
def test_job_on_the_real_small_llm_ends_with_every_candidate_accounted_for(llm_server, tmp_path) -> None:
    roles = ModelRoles.from_specs(f"llamacpp/{llm_server.alias}", base_url=llm_server.base_url)
    settings = SynthSettings(
        n=1, max_candidates=3, concurrency=2, max_tokens=160, repairs=0, limits=Limits(timeout_s=20)
    )
    out = tmp_path / "job"
    report = asyncio.run(run_job(settings, roles, out, workers=1))

    lines = (out / "candidates.jsonl").read_text().splitlines()
    candidates = [Candidate.model_validate_json(line) for line in lines]
    assert report.candidates == len(candidates) == len({c.index for c in candidates}) <= 3
    assert report.kept + sum(report.reasons.values()) == report.candidates
    for candidate in candidates:
        assert candidate.kept or (candidate.reason is not None and candidate.detail), candidate
    assert report.tokens.total > 0 and all(c.tokens.total > 0 for c in candidates)
    assert json.loads((out / "report.json").read_text())["candidates"] == report.candidates
    assert (out / "report.md").read_text().startswith("# Synthesis report")
    assert (out / "problems.jsonl").exists() and (out / "sft.jsonl").exists()
    assert (out / "dataset").exists() == (report.kept > 0)
