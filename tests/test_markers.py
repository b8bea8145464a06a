"""A test that needs the published data or an optional extra is skipped without it, saying
what is missing and where it looked (or how to install it), instead of erroring."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


def test_shared_data_missing_names_the_folder_it_looked_in(tmp_path: Path) -> None:
    assert conftest.missing({"shared"}, datasets=tmp_path / "datasets") == (
        f"needs the published benchmark data: none at {tmp_path / 'datasets'} "
        "(check out ../shared or set OPTAGENT_TEST_DATASETS)"
    )
    (tmp_path / "README.md").write_text("the data")
    assert conftest.missing({"shared", "asyncio"}, datasets=tmp_path) is None


def test_a_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(conftest.EXTRAS, "chat", ("json", "no_such_module_here"))
    assert conftest.missing({"chat"}) == (
        "needs the chat extra (pip install 'optagent[chat]'): no_such_module_here not installed"
    )
    assert conftest.missing({"browser", "synth"}) is None, "installed here: nothing to skip"


def test_every_extra_marker_is_an_extra_and_registered() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    registered = {line.split(":")[0] for line in project["tool"]["pytest"]["ini_options"]["markers"]}
    assert set(conftest.EXTRAS) <= set(project["project"]["optional-dependencies"])
    assert set(conftest.EXTRAS) | {"shared"} <= registered


def test_the_datasets_fixture_marks_its_tests_shared(request: pytest.FixtureRequest, datasets: Path) -> None:
    assert request.node.get_closest_marker("shared") is not None
