"""ReSocratic synthesis: a batch job that makes verified optimization problems for training.

    from optagent.synth import SynthSettings, run_job
    report = await run_job(SynthSettings(n=1000, concurrency=32), roles, Path("out"))

Stages (`pipeline.py`): seeds (`scenario.py`, `prompts/synthesis/seeds/`) → scenario by
the synthesizer → filter (format check, MinHash LSH near-duplicates in `dedup.py`) →
question in two variants → formulation and program by the agent → verification in the
sandbox and an independent solve by the agent → outputs (`export.py`). The job
(`job.py`) commits one line per candidate (`store.py`) and reports yield, diversity and
cost (`report.py`). Names are imported lazily.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_job": "optagent.synth.job",
    "Progress": "optagent.synth.job",
    "SynthSettings": "optagent.synth.settings",
    "SynthReport": "optagent.synth.report",
    "Candidate": "optagent.synth.records",
    "RejectReason": "optagent.synth.records",
    "Stage": "optagent.synth.records",
    "Scenario": "optagent.synth.scenario",
    "Seed": "optagent.synth.scenario",
    "Step": "optagent.synth.scenario",
    "SynthKind": "optagent.synth.scenario",
    "load_seeds": "optagent.synth.scenario",
    "NearDuplicateIndex": "optagent.synth.dedup",
}

__all__ = [
    "Candidate",
    "NearDuplicateIndex",
    "Progress",
    "RejectReason",
    "Scenario",
    "Seed",
    "Stage",
    "Step",
    "SynthKind",
    "SynthReport",
    "SynthSettings",
    "load_seeds",
    "run_job",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'optagent.synth' has no attribute '{name}'")
