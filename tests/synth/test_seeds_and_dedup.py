"""The packaged seeds: enough, valid, varied and distinct; bad seed files are refused in one
line; the near-duplicate index catches reworded copies and frees a removed text."""

from __future__ import annotations

from collections import Counter

import pytest

from optagent.core.errors import OptagentError
from optagent.synth import NearDuplicateIndex, SynthKind, load_seeds
from optagent.synth.pipeline import question_problem
from optagent.synth.records import RejectReason
from optagent.synth.scenario import Scenario

pytestmark = pytest.mark.synth


def test_packaged_seeds_are_many_valid_and_varied() -> None:
    seeds = load_seeds()
    assert len(seeds) >= 30
    kinds = Counter(seed.kind for seed in seeds)
    assert set(kinds) == set(SynthKind) and min(kinds.values()) >= 5
    domains = {seed.domain for seed in seeds}
    assert {"logistics", "production", "finance", "scheduling", "energy", "health", "agriculture"} <= domains
    for seed in seeds:
        assert [step.element for step in seed.steps].count("objective") == 1, seed.id


def test_packaged_seeds_are_not_near_duplicates_of_each_other() -> None:
    index = NearDuplicateIndex()
    for seed in load_seeds():
        assert index.claim(seed.id, seed.text) is None, seed.id


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title: [unclosed", "is not readable YAML"),
        ("title: T\ndomain: energy\nkind: lp\n", "steps: Field required"),
        ("title: T\ndomain: energy\nkind: quantum\nsteps: []\n", "kind: Input should be"),
        ("- a list\n", "is not a mapping of title, domain, kind, steps"),
        (
            "title: T\ndomain: energy\nkind: lp\nsteps:\n"
            + "".join(
                f"- {{element: constraint, sentence: 'Limit {i} is 10.', formal: 'x <= 10'}}\n" for i in range(3)
            ),
            "is malformed: 0 objective steps",
        ),
    ],
)
def test_a_bad_seed_file_is_refused_in_one_line(tmp_path, content, message) -> None:
    (tmp_path / "bad.yaml").write_text(content)
    with pytest.raises(OptagentError, match=message) as error:
        load_seeds(tmp_path)
    assert "\n" not in str(error.value) and "bad.yaml" in str(error.value)


def test_a_seed_folder_that_is_missing_or_empty_is_refused(tmp_path) -> None:
    with pytest.raises(OptagentError, match="is not a directory"):
        load_seeds(tmp_path / "nowhere")
    with pytest.raises(OptagentError, match="no seed .yaml files"):
        load_seeds(tmp_path)


def test_near_duplicates_are_caught_and_different_stories_pass() -> None:
    seeds = {seed.id: seed for seed in load_seeds()}
    index = NearDuplicateIndex()
    for key, seed in seeds.items():
        index.add(key, seed.text)
    copy = seeds["lp-feed-blend"].text
    for old, new in (
        ("0.30", "0.35"),
        ("800", "900"),
        ("9%", "11%"),
        ("60%", "45%"),
        ("corn", "barley"),
        ("ranch", "farm"),
    ):
        copy = copy.replace(old, new)
    found = index.match(copy)
    assert found is not None and found[0] == "lp-feed-blend" and found[1] >= 0.5
    assert index.match("A ferry operator chooses sailings between two islands to carry 900 cars at least cost.") is None


def test_removing_a_text_frees_its_place() -> None:
    index = NearDuplicateIndex()
    text = "A mill cuts 100-inch rolls into 45-inch and 27-inch rolls and minimizes the rolls cut for 40 orders."
    assert index.claim("a", text) is None
    assert index.claim("b", text) == ("a", 1.0)
    index.remove("a")
    assert index.claim("b", text) is None and "b" in index and "a" not in index


def test_question_checks() -> None:
    scenario = Scenario.model_validate(
        {
            "title": "T",
            "domain": "energy",
            "kind": "lp",
            "steps": [
                {"element": "variable", "sentence": "Three plants make power.", "formal": "p_i"},
                {"element": "objective", "sentence": "Costs are 28 and 45 per MWh.", "formal": "min"},
                {"element": "constraint", "sentence": "Demand is 1,900 MW.", "formal": "sum = 1900"},
            ],
        }
    )
    plain = "Three plants cost 28 and 45 dollars per MWh and must meet 1900 MW. What is the cheapest dispatch?"
    table = "Plants must meet 1,900 MW.\n\n| plant | cost |\n|---|---|\n| coal | 28 |\n| gas | 45 |\n\nWhat is the cheapest dispatch?"
    assert question_problem(plain, scenario, table=False) is None
    assert question_problem(table, scenario, table=True) is None
    assert question_problem(plain, scenario, table=True)[0] is RejectReason.MALFORMED_QUESTION
    assert question_problem(table, scenario, table=False)[0] is RejectReason.MALFORMED_QUESTION
    assert question_problem("", scenario, table=False)[0] is RejectReason.MALFORMED_QUESTION
    lost = question_problem(plain.replace("45", "forty-five"), scenario, table=False)
    assert lost == (RejectReason.QUESTION_LOST_DATA, "the plain question lost the scenario's numbers 45")
