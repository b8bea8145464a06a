"""Benchmarks: the problem schema, one module per benchmark (loader and native scorer), data sources."""

from optagent.benchmarks.base import Benchmark, BenchmarkInfo, LoadedBenchmark, ScoringContext
from optagent.benchmarks.datadir import resolve_data_dir
from optagent.benchmarks.records import SkippedRecord
from optagent.benchmarks.registry import BENCHMARKS, get_benchmark
from optagent.core.types import Outcome, Prediction, Problem, ProblemKind, Score, Targets

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "BenchmarkInfo",
    "LoadedBenchmark",
    "Outcome",
    "Prediction",
    "Problem",
    "ProblemKind",
    "Score",
    "ScoringContext",
    "SkippedRecord",
    "Targets",
    "get_benchmark",
    "resolve_data_dir",
]
