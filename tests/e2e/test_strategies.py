"""Each strategy end to end on real benchmark records: graph -> sandbox -> scorer -> run log -> report.

The eval runner drives the agent (`AgentProducer`) over 10 OptiBench, 10 LogiOR and 10
CP-Bench problems; a scripted model answers every step with correct hand-written programs
(`tests.e2e.programs`), so each strategy must score 10/10 on each benchmark (CP-Bench by
checking the printed solution against the release's reference models), with every requested
key printed. One sandbox serves every run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_asyncio
from rich.console import Console

from optagent.agent import STRATEGY_NAMES, AgentSettings
from optagent.benchmarks import resolve_data_dir
from optagent.benchmarks.cpbench import printed_solution
from optagent.benchmarks.registry import benchmark_for
from optagent.core.files import git_revision
from optagent.core.types import Limits, Outcome
from optagent.evals.log import RunHeader, read_log
from optagent.evals.producers import AgentProducer
from optagent.evals.report import write_report
from optagent.evals.runner import EvalConfig, EvalResult, run_eval
from tests.conftest import DATASETS
from tests.e2e.programs import (
    CP_CHECKS,
    CPBENCH_IDS,
    GRADED_CP,
    LOGIOR_IDS,
    OPTIBENCH_IDS,
    PROGRAMS,
)
from tests.e2e.scripted import ProgramModel

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.shared]

IDS = {"optibench": OPTIBENCH_IDS, "logior": LOGIOR_IDS, "cpbench": CPBENCH_IDS}
GRADED = ("optibench", "logior")
CP_DATASET = Path(__file__).resolve().parents[1] / "benchmarks" / "cp_dataset"
# model calls per problem: the steps each strategy runs on a clean path, times its samples (a
# benchmark run asks for no explanation); the judge (or, for CP problems in `full`,
# self-verification) reviews every run
CALLS = {"direct": 1, "cot": 1, "orthought": 1, "five-element": 3, "full": 4 * 3}
REVIEWS = {"five-element": ("judge", 1), "full": ("judge", 3)}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox():
    from optagent.solvers.sandbox import Sandbox

    async with Sandbox(workers=2) as box:
        yield box


@pytest.fixture(scope="module")
def problems():
    assert {bench for bench, _ in PROGRAMS} == set(IDS) and all(len(ids) == 10 for ids in IDS.values())
    assert set(CP_CHECKS) == set(CPBENCH_IDS)
    assert not {"29", "121", "144", "293", "375"} & set(OPTIBENCH_IDS), "known bad OptiBench labels"
    data = resolve_data_dir(DATASETS)
    loaded = {bench: {p.id: p for p in benchmark_for(bench).load(data).problems} for bench in IDS}
    return {bench: [loaded[bench][pid] for pid in ids] for bench, ids in IDS.items()}


@pytest.fixture(scope="module")
def evals(sandbox, problems, tmp_path_factory):
    """Runs one strategy on the three benchmarks, once per module: strategy -> (model, results)."""
    root = tmp_path_factory.mktemp("runs")
    done: dict[str, tuple[ProgramModel, dict[str, EvalResult]]] = {}

    async def run(strategy: str) -> tuple[ProgramModel, dict[str, EvalResult]]:
        if strategy not in done:
            everything = [p for ps in problems.values() for p in ps]
            model = ProgramModel(everything, {pid: code for (_, pid), code in PROGRAMS.items()})
            settings = AgentSettings(strategy=strategy, limits=Limits(timeout_s=60), explain=False)
            results = {}
            for bench, ids in IDS.items():
                config = EvalConfig(
                    benchmark=bench, out=root / strategy / bench, data_dir=DATASETS, ids=list(ids), concurrency=8
                )
                header = RunHeader(
                    benchmark=bench,
                    source="agent",
                    models=model.roles().specs(),
                    strategy=strategy,
                    settings=settings.model_dump(mode="json"),
                    git_revision=git_revision(),
                )
                producer = AgentProducer(model.roles(), settings, samples=1)
                results[bench] = await run_eval(config, producer, header, console=Console(quiet=True), sandbox=sandbox)
            done[strategy] = (model, results)
        return done[strategy]

    return run


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
async def test_each_strategy_scores_every_correct_program(strategy, evals, problems) -> None:
    model, results = await evals(strategy)
    for bench in GRADED:
        summary = results[bench].summary
        failed = [(r.id, r.outcome.value, r.detail) for r in results[bench].records if not r.correct]
        assert (summary.n, summary.graded, summary.correct) == (10, 10, 10), failed
        assert summary.accuracy == 1.0 and summary.strict_accuracy == 1.0 and summary.strict_n == 10
        assert summary.outcomes == {Outcome.CORRECT: 10}
    assert results["optibench"].summary.objective_accuracy == 1.0

    cp = results["cpbench"]
    assert (cp.summary.n, cp.summary.graded, cp.summary.correct, cp.summary.accuracy) == (10, 10, 10, 1.0)
    assert cp.summary.outcomes == {Outcome.CORRECT: 10}
    by_id = {p.id: p for p in problems["cpbench"]}
    for record in cp.records:
        solution = printed_solution(record.prediction)
        assert solution is not None and set(solution) == set(by_id[record.id].targets.decision_variables), record.id
        assert CP_CHECKS[record.id](solution), (record.id, solution)

    for bench, result in results.items():
        assert not result.warnings and result.summary.missing == 0
        for record in result.records:
            assert record.prediction.code.strip() == PROGRAMS[bench, record.id].strip(), (
                "the scored program is the model's"
            )
            assert len(record.calls) == CALLS[strategy] and record.tokens.total > 0
            assert record.timings.exec_s > 0 and record.timings.wall_s >= record.timings.exec_s
            steps = model.steps(record.id)
            assert not {"repair", "vote"} & set(steps), f"{record.id}: a clean path took {dict(steps)}"
            review, times = REVIEWS.get(strategy, ("judge", 0))
            if strategy == "full" and bench == "cpbench":
                review = "verify"
            assert steps[review] == times and steps["judge" if review == "verify" else "verify"] == 0, dict(steps)
        header = read_log(result.run_dir).header
        assert (header.strategy, header.source, header.benchmark) == (strategy, "agent", bench)
        assert header.models and header.settings["strategy"] == strategy


@pytest.mark.parametrize("bench", list(IDS))
async def test_report_compares_every_strategy(bench, evals) -> None:
    runs = [(await evals(strategy))[1][bench] for strategy in STRATEGY_NAMES]
    md, html = write_report([r.run_dir for r in runs], runs[0].run_dir.parent.parent / f"compare-{bench}")
    text = md.read_text()
    header_row = next(line for line in text.splitlines() if line.startswith("|  |"))
    assert [f"{bench} ({s}, mock)" in header_row for s in STRATEGY_NAMES] == [True] * len(STRATEGY_NAMES)
    rows = _rows(text)
    assert rows["samples scored"] == ["10"] * len(runs) and rows["strategy"] == list(STRATEGY_NAMES)
    if bench in GRADED:
        assert rows["correct"] == ["10"] * len(runs)
        assert rows["accuracy"] == rows["strict accuracy"] == ["100.0%"] * len(runs)
        assert rows["correct"] == [str(r.summary.correct) for r in runs]
    else:
        assert rows["correct"] == ["10"] * len(runs) and rows["accuracy"] == ["100.0%"] * len(runs), (
            "graded by solution checking"
        )
    assert "## Samples scored differently (0)" in text and "the runs agree on every sample they share" in text
    assert html.read_text().startswith("<!DOCTYPE html>") and "<script" not in html.read_text()


async def test_single_run_report_and_a_two_run_comparison(evals, tmp_path) -> None:
    direct = (await evals("direct"))[1]["optibench"]
    full = (await evals("full"))[1]["optibench"]
    md, _ = write_report([direct.run_dir])
    single = _rows(md.read_text())
    assert md == direct.run_dir / "report.md"
    assert single["accuracy"] == ["100.0%"] and single["objective accuracy"] == ["100.0%"]
    assert "## Samples not correct by the native rule (0)" in md.read_text()

    md, html = write_report([direct.run_dir, full.run_dir], tmp_path / "direct-vs-full")
    pair = _rows(md.read_text())
    assert pair["strategy"] == ["direct", "full"] and pair["accuracy"] == ["100.0%", "100.0%"]
    assert pair["tokens total"][0] != pair["tokens total"][1], "full spends more calls than direct"
    assert md.name == "direct-vs-full.md" and html.exists()
    assert "## Samples scored differently (0)" in md.read_text()


async def test_cp_bench_grading_end_to_end_asks_for_exactly_the_checked_keys(sandbox, tmp_path) -> None:
    """With reference models (the test folders of tests/benchmarks), CP-Bench grades through the agent."""
    shutil.copytree(CP_DATASET, tmp_path / "data" / "cpbench" / "dataset")
    loaded = benchmark_for("cpbench").load(tmp_path / "data").problems
    model = ProgramModel(loaded, GRADED_CP)
    settings = AgentSettings(strategy="full")
    config = EvalConfig(benchmark="cpbench", out=tmp_path / "run", data_dir=tmp_path / "data", concurrency=4)
    header = RunHeader(benchmark="cpbench", source="agent", models=model.roles().specs(), strategy="full")
    result = await run_eval(
        config, AgentProducer(model.roles(), settings, samples=1), header, console=Console(quiet=True), sandbox=sandbox
    )
    assert (result.summary.n, result.summary.graded, result.summary.correct) == (2, 2, 2), [
        r.detail for r in result.records
    ]
    knap = next(r for r in result.records if r.id == "knap")
    assert knap.predicted_objective == knap.expected_objective == 10
    for problem in loaded:
        keys = ", ".join(f'"{key}"' for key in problem.targets.decision_variables)
        prompt = model.code_prompts[problem.id]
        assert f"with exactly the keys {keys}" in prompt and 'not even "objective"' in prompt


def _rows(markdown: str) -> dict[str, list[str]]:
    """First cell -> the other cells' leading figure ("10" of "10 (100.0%)"), for every table row of
    the report (first occurrence wins)."""
    rows: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows.setdefault(cells[0], [cell.split(" ", 1)[0] for cell in cells[1:]])
    return rows
