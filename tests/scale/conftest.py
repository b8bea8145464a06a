"""Scale-out tests: a real local Ray cluster for the `ray` tests."""

from __future__ import annotations

import pytest


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
