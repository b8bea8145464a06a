"""Scale-out tests: the shared benchmark data, and (for the `ray` tests) a real local Ray cluster."""

from __future__ import annotations

from tests.evals.conftest import datasets  # noqa: F401 - the shared benchmark data fixture
