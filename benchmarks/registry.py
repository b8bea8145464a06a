"""Benchmarks by name; a benchmark's module is imported only when it is asked for."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from optagent.benchmarks.base import Benchmark
from optagent.core.errors import OptagentError

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


def benchmark_for(target: str, **file_options: str | None) -> Benchmark:
    """A benchmark by name, or the generic JSON/JSONL benchmark over a file's path.

    `file_options` (`question_field`, `answer_field`) apply to a file; unset ones are left
    to the field detection.
    """
    if target in BENCHMARKS and target != "jsonl":
        return get_benchmark(target)
    if Path(target).expanduser().exists():
        return get_benchmark("jsonl", path=target, **{k: v for k, v in file_options.items() if v})
    known = ", ".join(name for name in BENCHMARKS if name != "jsonl")
    raise OptagentError(f"unknown benchmark '{target}': neither a known name ({known}) nor an existing file")
