"""bench/accuracy.py: its subsets are the seeded draw, and its tables read the cells' run logs
(two strategies on two OptiBench problems, the scripted model, the real sandbox and runner)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from rich.console import Console

from optagent.agent import AgentSettings
from optagent.benchmarks import resolve_data_dir
from optagent.benchmarks.registry import benchmark_for
from optagent.evals.log import RunHeader
from optagent.evals.producers import AgentProducer
from optagent.evals.runner import EvalConfig, run_eval
from tests.conftest import DATASETS
from tests.e2e.programs import PROGRAMS
from tests.e2e.scripted import ProgramModel

_PATH = Path(__file__).resolve().parents[2] / "bench" / "accuracy.py"
_SPEC = importlib.util.spec_from_file_location("accuracy_bench", _PATH)
accuracy = importlib.util.module_from_spec(_SPEC)
sys.modules["accuracy_bench"] = accuracy
_SPEC.loader.exec_module(accuracy)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.shared]
IDS = ["2", "5"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox():
    from optagent.solvers.sandbox import Sandbox

    async with Sandbox(workers=2) as box:
        yield box


async def test_the_written_subsets_are_the_seeded_draw() -> None:
    data = resolve_data_dir(DATASETS)
    for bench, ids in accuracy.SUBSETS.items():
        problems = benchmark_for(bench).load(data).problems
        assert accuracy.draw(bench, problems) == ids, f"{bench}: SUBSETS is not draw(seed={accuracy.SEED})"
        assert accuracy.draw(bench, problems, size=2)[: len(ids) // 2] != [], "a larger draw works"


async def test_tables_from_two_cells(sandbox, tmp_path) -> None:
    data = resolve_data_dir(DATASETS)
    problems = [p for p in benchmark_for("optibench").load(data).problems if p.id in IDS]
    # problem 5 gets problem 2's program: wrong, and it ignores problem 5's numbers
    programs = {"2": PROGRAMS["optibench", "2"], "5": PROGRAMS["optibench", "2"]}
    for strategy in ("direct", "full"):
        model = ProgramModel(problems, programs)
        settings = AgentSettings(strategy=strategy, samples=1, explain=False)
        out = accuracy.cell_dir(tmp_path, strategy, "optibench")
        config = EvalConfig(benchmark="optibench", out=out, data_dir=DATASETS, ids=IDS, concurrency=2)
        header = RunHeader(
            benchmark="optibench",
            source="agent",
            models=model.roles().specs(),
            strategy=strategy,
            settings=settings.model_dump(mode="json"),
        )
        producer = AgentProducer(model.roles(), settings, samples=1)
        await run_eval(config, producer, header, console=Console(quiet=True), sandbox=sandbox)

    text = accuracy.tables(tmp_path, ["direct", "full", "cot"], ["optibench"], DATASETS)
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines() if line.startswith("| ")}
    direct, full = rows["direct"], rows["full"]
    assert direct[2:8] == ["2", "1/1 (100%), 1 not graded", "1/2 (50%)", "2/2 (100%)", "0", "1"]
    assert direct[8] == "1.5", "one call each, and problem 5's program sent back once"
    assert full[2] == "2" and full[3] == direct[3] and full[7] == "1"
    assert float(full[8]) > float(direct[8]) and float(full[9].replace(",", "")) > 0
    assert "cot" not in rows, "a missing cell is skipped"
    assert "| optibench 2 | ✓ | ✓ | · |" in text and "| optibench 5 | wrong | wrong | · |" in text
