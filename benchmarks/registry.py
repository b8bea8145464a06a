"""Benchmarks by name: one `REGISTRY` entry each, its module imported only when it is asked for.

An entry names the class (`module:Class`), the options it is made with, and, for a
benchmark `optagent data pull` can fetch, its download source. The command line, the data
commands and the pull all read this one table.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.benchmarks.base import Benchmark


@dataclass(frozen=True)
class DataSource:
    """Where `optagent data pull` fetches a benchmark's data from."""

    benchmark: str
    """The benchmark whose data this is (several entries may share one release)."""
    upstream: str
    """The public URL of the file or `.tar.gz` archive."""
    mirror_path: str
    """Where the file lies in a data directory, and so under a mirror's base URL."""


@dataclass(frozen=True)
class Entry:
    implementation: str
    """`module:Class` of the `Benchmark` subclass, imported on first use."""
    options: dict[str, Any] = field(default_factory=dict)
    """Options the class is made with (a subset, say); the caller's options override them."""
    source: DataSource | None = None
    """Where `optagent data pull` fetches it from; None: it cannot be pulled."""


_CPBENCH_RELEASE = DataSource(
    "cpbench", "https://github.com/DCP-Bench/DCP-Bench-Open/archive/refs/tags/v0.1.0.tar.gz", "cpbench/problems.jsonl"
)

REGISTRY: dict[str, Entry] = {
    "optibench": Entry(
        "optagent.benchmarks.optibench:OptiBench",
        source=DataSource(
            "optibench",
            "https://raw.githubusercontent.com/yangzhch6/ReSocratic/main/data/OptiBench.json",
            "optibench/OptiBench.json",
        ),
    ),
    "logior": Entry(
        "optagent.benchmarks.logior:LogiOR",
        source=DataSource(
            "logior",
            "https://raw.githubusercontent.com/ZJU-TSELab/ORThought/main/datasets/summary/summary_logior.json",
            "logior/summary_logior.json",
        ),
    ),
    "cpbench": Entry("optagent.benchmarks.cpbench:CPBench", source=_CPBENCH_RELEASE),
    "cpbench-v1": Entry("optagent.benchmarks.cpbench:CPBench", {"subset": "v1"}, source=_CPBENCH_RELEASE),
    "jsonl": Entry("optagent.benchmarks.jsonl:JsonlBenchmark"),
}

BENCHMARKS: tuple[str, ...] = tuple(REGISTRY)


def get_benchmark(name: str, **options: Any) -> Benchmark:
    """A benchmark by name, e.g. `get_benchmark("jsonl", path="nl4opt.jsonl")`."""
    try:
        entry = REGISTRY[name]
    except KeyError:
        raise OptagentError(f"unknown benchmark '{name}'; known: {', '.join(BENCHMARKS)}") from None
    module_name, _, class_name = entry.implementation.partition(":")
    cls: type[Benchmark] = getattr(importlib.import_module(module_name), class_name)
    return cls(**{**entry.options, **options})


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
