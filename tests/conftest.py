"""Shared fixtures: the fake OpenAI-compatible server and the real llama.cpp server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_openai import FakeOpenAI  # noqa: E402


@pytest.fixture
def fake_openai():
    """A fresh misbehaving-on-demand OpenAI-compatible server on loopback (see tests/fake_openai.py)."""
    with FakeOpenAI() as server:
        yield server
