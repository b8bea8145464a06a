"""The interface every benchmark implements: find its data, load problems, score predictions.

A benchmark knows where its file lives in a data directory, how to turn each record into a
`Problem` (skipping and reporting records it cannot use), and its published scoring rule.
Scoring is async because CP-Bench grades by running a checking program in the sandbox and
OptiBench may ask an extractor model for named targets.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from optagent.benchmarks.records import SkippedRecord
from optagent.benchmarks.scoring import STRICT_RULE
from optagent.core.errors import OptagentError
from optagent.core.types import Limits, Prediction, Problem, Score

if TYPE_CHECKING:
    from optagent.models.base import Model
    from optagent.solvers.runner import ProgramRunner


@dataclass
class ScoringContext:
    """What a scorer may use beyond the prediction: the sandbox (CP-Bench) and an extractor model."""

    sandbox: ProgramRunner | None = None
    extractor: Model | None = None
    limits: Limits = field(default_factory=lambda: Limits(timeout_s=60.0))


class BenchmarkInfo(BaseModel):
    """What a report says about a benchmark: where it comes from and how it is scored."""

    name: str
    title: str
    source: str
    license: str
    native_rule: str
    tolerance: float | None = None
    strict_rule: str = STRICT_RULE
    objective_score: str | None = None


class LoadedBenchmark(BaseModel):
    benchmark: str
    source: Path
    problems: list[Problem]
    skipped: list[SkippedRecord]

    def by_id(self) -> dict[str, Problem]:
        return {problem.id: problem for problem in self.problems}


class Benchmark(abc.ABC):
    """One benchmark: its data location, loader and native scorer."""

    name: str
    """The benchmark's name; a subset's instance names itself (`cpbench-v1`)."""
    info: ClassVar[BenchmarkInfo]
    options: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(self.options) or "none"
            raise OptagentError(f"benchmark '{self.name}' has no option {', '.join(unknown)} (options: {known})")
        self.settings = options

    @abc.abstractmethod
    def locate(self, data_dir: Path) -> Path:
        """The file or folder `load` reads inside a data directory."""

    @abc.abstractmethod
    def read(self, path: Path) -> tuple[list[Problem], list[SkippedRecord]]:
        """Problems from the file or folder at `path`, and the records left out."""

    @abc.abstractmethod
    async def score(self, problem: Problem, prediction: Prediction, context: ScoringContext) -> Score:
        """The native score, with the strict (and objective-only) scores beside it."""

    def load(self, data_dir: Path) -> LoadedBenchmark:
        path = self.locate(data_dir)
        if not path.exists():
            raise OptagentError(
                f"no {self.name} data at {path}; run `optagent data pull {self.name}` or pass --data DIR"
            )
        problems, skipped = self.read(path)
        unique: dict[str, Problem] = {}
        for problem in problems:
            if problem.id in unique:
                skipped.append(SkippedRecord(file=path, id=problem.id, reason="duplicate id; kept the first"))
            else:
                unique[problem.id] = problem
        if not unique:
            why = str(skipped[0]) if skipped else f"{path} holds no records"
            raise OptagentError(f"no readable {self.name} problems: {why}")
        return LoadedBenchmark(benchmark=self.name, source=path, problems=list(unique.values()), skipped=skipped)
