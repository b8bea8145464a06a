"""Benchmarks by name; a benchmark's module is imported only when it is asked for."""

from __future__ import annotations

import importlib
from typing import Any

from optagent.benchmarks.base import Benchmark
from optagent.errors import OptagentError

_MODULES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "optibench": ("optagent.benchmarks.optibench", "OptiBench", {}),
    "logior": ("optagent.benchmarks.logior", "LogiOR", {}),
    "cpbench": ("optagent.benchmarks.cpbench", "CPBench", {}),
    "cpbench-v1": ("optagent.benchmarks.cpbench", "CPBench", {"subset": "v1"}),
    "jsonl": ("optagent.benchmarks.jsonl", "JsonlBenchmark", {}),
}

BENCHMARKS: tuple[str, ...] = tuple(_MODULES)


def get_benchmark(name: str, **options: Any) -> Benchmark:
    """A benchmark by name, e.g. `get_benchmark("jsonl", path="nl4opt.jsonl")`."""
    try:
        module_name, class_name, defaults = _MODULES[name]
    except KeyError:
        raise OptagentError(f"unknown benchmark '{name}'; known: {', '.join(BENCHMARKS)}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**{**defaults, **options})
