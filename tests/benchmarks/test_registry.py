"""The benchmark registry: lazy, every entry makes its benchmark, and a download lands where
the benchmark looks, so a new entry is checked without a test of its own for these."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from optagent.benchmarks.base import Benchmark
from optagent.benchmarks.registry import REGISTRY, get_benchmark


def test_registry_imports_no_benchmark() -> None:
    modules = {entry.implementation.split(":")[0] for entry in REGISTRY.values()}
    probe = f"import sys, optagent.benchmarks.registry; print(sorted({sorted(modules)!r} & sys.modules.keys()))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_every_entry_makes_its_benchmark_and_pulls_where_it_looks(tmp_path: Path) -> None:
    for name, entry in REGISTRY.items():
        benchmark = get_benchmark(name)
        assert isinstance(benchmark, Benchmark) and benchmark.info.title and benchmark.info.native_rule, name
        if entry.source is not None:
            assert entry.source.benchmark in REGISTRY, name
            looks_at = benchmark.locate(tmp_path)
            pulled = tmp_path / entry.source.mirror_path
            assert pulled == looks_at or pulled.is_relative_to(looks_at), (name, pulled, looks_at)
