"""Scale-out tests: the shared benchmark data, and (for the `ray` tests) a real local Ray cluster."""

from __future__ import annotations

import pytest

from tests.evals.conftest import datasets  # noqa: F401 - the shared benchmark data fixture


@pytest.fixture(scope="module")
def ray_cluster():
    """A real two-node Ray cluster on loopback, always torn down (every process it started)."""
    from testing.ray_cluster import LocalCluster

    cluster = LocalCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        assert not cluster.pids(), "Ray processes left running"
