"""Agent tests run the scripted model against the REAL sandbox, shared per test module."""

from __future__ import annotations

import pytest_asyncio


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox():
    from optagent.solvers.sandbox import Sandbox

    async with Sandbox(workers=2) as box:
        yield box
