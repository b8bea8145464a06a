"""Fixtures for benchmark tests: small CP-Bench folders (the published data: tests/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from optagent.solvers.sandbox import Sandbox

CP_FIXTURES = Path(__file__).parent / "cp_dataset"


@pytest.fixture(scope="session")
def cp_fixtures() -> Path:
    """Two small problems in the DCP-Bench-Open folder layout: a satisfaction one and an optimization one."""
    return CP_FIXTURES


@pytest.fixture
def cp_data(tmp_path: Path) -> Path:
    """A data directory with a DCP-Bench-Open style `cpbench/dataset/` of two small problems."""
    shutil.copytree(CP_FIXTURES, tmp_path / "cpbench" / "dataset")
    return tmp_path


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sandbox() -> AsyncIterator[Sandbox]:
    """One sandbox for the session's tests: its zygote takes seconds to start, a run milliseconds."""
    async with Sandbox(workers=2) as sandbox:
        yield sandbox
