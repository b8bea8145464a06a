"""Shared fixtures: the fake OpenAI-compatible server and the real llama.cpp server."""

from __future__ import annotations

import pytest

from testing.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai():
    """A fresh misbehaving-on-demand OpenAI-compatible server on loopback (see tests/fake_openai.py)."""
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
