"""ReSocratic's prefix expansion: every well-formed prefix of 3+ steps of a scenario is its own
candidate, verified like any other (the scripted model, the real sandbox and solvers),
deduplicated against everything but its own family, with its parent recorded; the report
shows yield per scenario with and without the prefixes."""

from __future__ import annotations

import asyncio

import pytest

from optagent.synth.dedup import NearDuplicateIndex
from optagent.synth.job import run_job
from optagent.synth.pipeline import prefixes_of
from optagent.synth.scenario import Scenario
from optagent.synth.settings import SynthSettings
from optagent.synth.store import read_candidates
from testing.synth_script import SynthScript, workshop

pytestmark = pytest.mark.synth


def test_prefixes_are_the_well_formed_cuts_of_three_steps_or_more():
    scenario = Scenario.model_validate(workshop("Alder"))  # variable, objective, 3 constraints
    assert [len(p.steps) for p in prefixes_of(scenario)] == [3, 4]
    objective_last = scenario.model_copy(update={"steps": [*scenario.steps[2:], *scenario.steps[:2]]})
    assert [len(p.steps) for p in prefixes_of(objective_last)] == [], "a cut without the objective is no problem"


def _job(tmp_path, prefixes: bool):
    settings = SynthSettings(n=10, max_candidates=2, concurrency=1, dedup_threshold=0.8, prefixes=prefixes)
    script = SynthScript([workshop("Alder"), workshop("Birch")])
    report = asyncio.run(run_job(settings, script.roles(), tmp_path / "job", workers=2))
    return report, read_candidates(tmp_path / "job")[0]


def test_each_prefix_is_verified_kept_with_its_parent_and_counted_in_the_report(tmp_path):
    report, candidates = _job(tmp_path, prefixes=True)
    assert [(c.id, c.parent, c.status) for c in candidates] == [
        ("syn-000000", None, "kept"),
        ("syn-000000-p3", "syn-000000", "kept"),
        ("syn-000000-p4", "syn-000000", "kept"),
        ("syn-000001", None, "kept"),
        ("syn-000001-p3", "syn-000001", "kept"),
        ("syn-000001-p4", "syn-000001", "kept"),
    ]
    p3 = candidates[1]
    assert len(p3.scenario.steps) == 3 and "100 finishing hours" not in p3.questions.plain
    assert p3.solution.objective is not None and p3.check.objective == p3.solution.objective
    assert p3.tokens.calls > 0 and p3.tokens_by_stage.get("scenario", 0) == 0, "a prefix writes no scenario"
    yields = report.per_scenario
    assert (yields.scenarios, yields.kept_whole, yields.prefixes, yields.kept_prefixes) == (2, 2, 4, 4)
    markdown = report.markdown()
    assert "## Yield per scenario (2 scenarios written)" in markdown
    assert "| whole scenarios only (what --no-prefixes keeps) | 2 | 1.00 |" in markdown
    assert "| with their 4 prefixes | 6 | 3.00 |" in markdown


def test_no_prefixes_keeps_one_problem_per_scenario(tmp_path):
    report, candidates = _job(tmp_path, prefixes=False)
    assert [c.id for c in candidates] == ["syn-000000", "syn-000001"] and report.kept == 2
    assert report.per_scenario.prefixes == 0


def test_a_prefix_is_a_duplicate_of_other_families_only():
    index = NearDuplicateIndex(0.5)
    story = Scenario.model_validate(workshop("Alder"))
    cut = prefixes_of(story)[1]
    index.add("syn-000001", story.text)
    assert index.claim("syn-000001-p4", cut.text, family="syn-000001") is None
    found = index.claim("syn-000002-p4", cut.text, family="syn-000002")
    assert found is not None and found[0] in ("syn-000001", "syn-000001-p4")
    index.remove_family("syn-000001")
    assert len(index) == 0
    index.add("syn-000003-p4", cut.text)  # committed before a kill; its parent is made again
    assert index.claim("syn-000003", story.text, family="syn-000003") is None


def test_prefixes_committed_before_a_kill_are_not_committed_again(tmp_path):
    from optagent.synth.store import CANDIDATES_FILE

    _job(tmp_path, prefixes=True)
    log = tmp_path / "job" / CANDIDATES_FILE
    lines = log.read_text().splitlines(keepends=True)
    # The job commits a scenario's prefixes first and the scenario itself last (it marks the
    # index done): a kill between them leaves prefixes whose parent must be made again.
    parent = next(i for i, line in enumerate(lines) if '"id":"syn-000001"' in line.replace(" ", ""))
    log.write_text("".join(lines[:parent]))
    settings = SynthSettings(n=10, max_candidates=2, concurrency=1, dedup_threshold=0.8, prefixes=True)
    asyncio.run(run_job(settings, SynthScript([workshop("Birch")]).roles(), tmp_path / "job", workers=2))
    ids = [c.id for c in read_candidates(tmp_path / "job")[0]]
    assert ids == [
        "syn-000000", "syn-000000-p3", "syn-000000-p4", "syn-000001", "syn-000001-p3", "syn-000001-p4"
    ]  # fmt: skip
    written = [line for line in log.read_text().splitlines() if line.strip()]
    assert len(written) == 6, "each candidate committed once"
