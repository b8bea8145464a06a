"""Accuracy of the strategies side by side, on fixed benchmark subsets, with a real model.

Each cell (strategy x benchmark) is one `optagent eval` run directory under `--out`
(`<strategy>-<benchmark>`), so a rerun resumes what is missing and `optagent report`
compares any cells. Two tables come out (Markdown, also written to `<out>/accuracy.md`):
per strategy and benchmark, native and strict accuracy, programs that ran, infeasible or
unbounded answers, copied-example programs (the final program ignores the problem), and per
problem the model calls, tokens and wall time; then each problem's verdict per strategy.

The subsets were drawn once with `random.Random(13)` (`draw`, over ids in natural order,
category by category) and are written down in `SUBSETS`: OptiBench 12 (6 linear without a
table, 2 linear with, 2 nonlinear without, 2 nonlinear with), LogiOR 6, CP-Bench 6. A test
checks that `draw` still gives them. `--size N` draws N times as many with the same seed,
for faster servers.

    gguf=$(../shared/models/qwen2.5-coder-1.5b.sh)
    .venv/bin/optagent serve --backend llamacpp --gguf "$gguf" --port 18090 --max-model-len 8192 &
    flock /tmp/heavy.lock .venv/bin/python bench/accuracy.py --out runs/accuracy \\
        --model llamacpp/qwen2.5-coder-1.5b-instruct-q4_k_m --base-url http://127.0.0.1:18090/v1

How long, on 2 cores with Qwen2.5-Coder-1.5B (about 19 tokens/s, one request at a time,
other jobs sharing the cores): `direct` measured 55 to 95 s a problem (one call, about
1,400 tokens) on the 6 linear OptiBench problems, so about 35 minutes on the 24 default
problems; `full` costs 5 to 15 calls a problem even with one sample (understand, formulate,
code, judge on every run, repairs), several minutes a call when a JSON reply runs to the
4,096-token cap. Measured: `full` took 8 to 20 minutes a problem on OptiBench (5.6 calls,
about 10,700 tokens) and 16 to 21 on LogiOR (6.0 calls, about 15,000 tokens), so the
default `direct` plus `full` table is about 5 hours on 2 cores, not the 2 it should be: a
faster server, not fewer steps, is what shortens it. `cot` took 79 to 171 s a problem
(1,500 to 2,100 tokens) and `orthought` 145 to 770 s (2.5 calls, about 5,000 tokens). The bench runs one voting attempt per
solve (`--votes 1`; `full` alone would run 3), so a cell measures the steps, not the vote.
A model is never a dependency: this script is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

from optagent.agent.strategies import STRATEGY_NAMES
from optagent.core.errors import OptagentError
from optagent.core.types import Outcome, Problem, Termination
from optagent.evals.agent_view import model_calls
from optagent.evals.log import SampleRecord, natural_key, read_log
from optagent.evals.metrics import summarize

SEED = 13
COUNTS: dict[str, dict[str | None, int]] = {
    "optibench": {"linear-notable": 6, "linear-table": 2, "nonlinear-notable": 2, "nonlinear-table": 2},
    "logior": {None: 6},
    "cpbench": {None: 6},
}
SUBSETS: dict[str, list[str]] = {
    "optibench": ["173", "211", "246", "271", "592", "602", "119", "151", "166", "225", "80", "408"],
    "logior": ["prob_024", "prob_030", "prob_034", "prob_038", "prob_084", "prob_088"],
    "cpbench": ["devils_word", "bales_of_hay", "calvin_puzzle", "cutting_stock", "capital_budget", "building_blocks"],
}


def _natural(ident: str) -> tuple[int, str]:
    return (len(ident), ident)


def draw(benchmark: str, problems: list[Problem], size: int = 1, seed: int = SEED) -> list[str]:
    """`size` times the benchmark's counts, drawn category by category with one seeded generator."""
    rng = random.Random(seed)
    ids: list[str] = []
    for category, count in COUNTS[benchmark].items():
        pool = sorted((p.id for p in problems if category is None or p.category == category), key=_natural)
        ids += sorted(rng.sample(pool, min(count * size, len(pool))), key=_natural)
    return ids


def subset(benchmark: str, size: int, data: Path | None) -> list[str]:
    if size == 1:
        return SUBSETS[benchmark]
    from optagent.benchmarks import resolve_data_dir
    from optagent.benchmarks.registry import benchmark_for

    return draw(benchmark, benchmark_for(benchmark).load(resolve_data_dir(data)).problems, size)


def cell_dir(out: Path, strategy: str, benchmark: str, target: str | None = None) -> Path:
    return out / (f"{strategy}-{benchmark}" + (f"-{target}" if target else ""))


def column(strategy: str, target: str | None) -> str:
    return f"{strategy} ({target})" if target else strategy


def eval_command(
    args: argparse.Namespace, strategy: str, benchmark: str, ids: list[str], target: str | None = None
) -> list[str]:
    command = [str(Path(sys.executable).parent / "optagent"), "eval", benchmark, "--strategy", strategy]
    command += ["--target", target] if target else []
    command += ["--model", args.model, "--samples", str(args.samples), "--votes", str(args.votes)]
    command += ["--ids", ",".join(ids)]
    command += ["--out", str(cell_dir(args.out, strategy, benchmark, target)), "--concurrency", str(args.concurrency)]
    command += ["--base-url", args.base_url] if args.base_url else []
    command += ["--data", str(args.data)] if args.data else []
    command += ["--timeout", str(args.timeout)]
    return command


# ---- the tables, from the run directories alone -------------------------------------------


def _ran(record: SampleRecord) -> bool:
    result = record.prediction.result
    return result is not None and result.termination is Termination.OK


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def copied(record: SampleRecord, statement: str) -> bool:
    """The scored program ignores the problem (the check `diagnose` makes), whoever wrote it."""
    from optagent.agent.grounding import ignores_problem
    from optagent.solvers.targets import TARGETS, get_target

    sheets = "\n".join(get_target(name).cheat_sheet for name in TARGETS)
    code = record.prediction.code or ""
    return bool(code) and ignores_problem(statement, code, sheets) is not None


def cell_row(strategy: str, benchmark: str, records: list[SampleRecord], statements: dict[str, str]) -> list[str]:
    summary = summarize(benchmark, records)
    n = len(records)
    problems = len({r.id for r in records}) or 1
    strict = sum(r.strict is True for r in records)
    return [
        strategy,
        benchmark,
        str(n),
        _pct(summary.correct, summary.graded) + (f", {n - summary.graded} not graded" if summary.graded < n else ""),
        _pct(strict, summary.strict_n),
        _pct(sum(_ran(r) for r in records), n),
        str(sum(r.outcome in (Outcome.INFEASIBLE, Outcome.UNBOUNDED) for r in records)),
        str(sum(copied(r, statements.get(r.id, "")) for r in records)),
        f"{sum(model_calls(r) for r in records) / problems:.1f}",
        f"{sum(r.tokens.total for r in records) / problems:,.0f}",
        f"{sum(r.timings.wall_s for r in records) / problems:.0f}",
    ]


CELL_HEADERS = [
    "strategy",
    "benchmark",
    "samples",
    "native accuracy",
    "strict accuracy",
    "programs that ran",
    "infeasible/unbounded",
    "copied-example programs",
    "calls/problem",
    "tokens/problem",
    "wall s/problem",
]


def _verdict(records: list[SampleRecord]) -> str:
    if not records:
        return "·"
    marks = [
        "✓" if r.correct else "✓(strict)" if r.strict else r.outcome.value
        for r in sorted(records, key=lambda r: r.sample)
    ]
    return " ".join(marks)


def _markdown(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def tables(
    out: Path,
    strategies: list[str],
    benchmarks: list[str],
    data: Path | None = None,
    targets: list[str | None] | None = None,
) -> str:
    """Both tables as Markdown, from whatever cells exist under `out` (a missing cell is skipped).
    With `targets`, each strategy is a column per target (`direct (minizinc)`)."""
    from optagent.benchmarks import resolve_data_dir
    from optagent.benchmarks.registry import benchmark_for

    columns = [column(s, t) for s in strategies for t in targets or [None]]
    cells: dict[tuple[str, str], list[SampleRecord]] = {}
    for strategy in strategies:
        for target in targets or [None]:
            for benchmark in benchmarks:
                path = cell_dir(out, strategy, benchmark, target)
                if (path / "header.json").exists():
                    cells[column(strategy, target), benchmark] = read_log(path).records
    statements = {
        b: {p.id: p.text for p in benchmark_for(b).load(resolve_data_dir(data)).problems} for b in {b for _, b in cells}
    }
    rows = [cell_row(s, b, records, statements[b]) for (s, b), records in cells.items()]
    problems = sorted(
        {(b, r.id) for (_, b), records in cells.items() for r in records}, key=lambda k: (k[0], natural_key((k[1], 0)))
    )
    verdicts = [
        [f"{b} {pid}", *(_verdict([r for r in cells.get((c, b), []) if r.id == pid]) for c in columns)]
        for b, pid in problems
    ]
    note = (
        "✓ correct by the native rule; ✓(strict) correct by the strict rule only (the objective within the"
        " unified tolerance, where the native rule failed or did not apply); otherwise the outcome (wrong,"
        " crashed, infeasible, ...); · not run"
    )
    return (
        "## Strategies x benchmarks\n\n"
        + _markdown(CELL_HEADERS, rows)
        + "\n\n## Verdict per problem\n\n"
        + _markdown(["problem", *columns], verdicts)
        + f"\n\n{note}\n"
    )


def run_cells(
    args: argparse.Namespace, strategies: list[str], benchmarks: list[str], targets: list[str | None]
) -> None:
    for strategy in strategies:
        for target in targets:
            for benchmark in benchmarks:
                ids = subset(benchmark, args.size, args.data)
                done = subprocess.run(eval_command(args, strategy, benchmark, ids, target), check=False)
                if done.returncode != 0:
                    where = f"{column(strategy, target)} on {benchmark}"
                    print(f"{where}: optagent eval ended with {done.returncode}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model spec, e.g. llamacpp/qwen2.5-coder-1.5b-instruct-q4_k_m")
    parser.add_argument("--base-url", help="the server's OpenAI-compatible URL")
    parser.add_argument("--strategies", default="direct,full", help=f"comma-separated, of {', '.join(STRATEGY_NAMES)}")
    parser.add_argument("--benchmarks", default="optibench,logior,cpbench", help="comma-separated")
    parser.add_argument(
        "--targets", help="comma-separated solver targets, one cell each (e.g. cpmpy,ortools,minizinc for CP-Bench)"
    )
    parser.add_argument("--size", type=int, default=1, help="draw N times the default subsets (same seed)")
    parser.add_argument("--samples", type=int, default=1, help="independent solves per problem")
    parser.add_argument(
        "--votes", type=int, default=1, help="attempts that vote inside each solve (full's own default is 3)"
    )
    parser.add_argument("--concurrency", type=int, default=1, help="model requests at once (1 for one CPU server)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per program run")
    parser.add_argument("--data", type=Path, help="data directory (else OPTAGENT_DATA)")
    parser.add_argument("--out", type=Path, required=True, help="root of the cells' run directories")
    parser.add_argument("--tables-only", action="store_true", help="build the tables from the cells there, run nothing")
    args = parser.parse_args()
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    benchmarks = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    targets: list[str | None] = [t.strip() for t in (args.targets or "").split(",") if t.strip()] or [None]
    unknown = [s for s in strategies if s not in STRATEGY_NAMES] + [b for b in benchmarks if b not in COUNTS]
    if unknown or args.size < 1:
        parser.error(f"unknown strategy or benchmark {unknown}" if unknown else "--size must be 1 or more")
    try:  # a missing data directory is one line, not a traceback
        if not args.tables_only:
            run_cells(args, strategies, benchmarks, targets)
        text = tables(args.out, strategies, benchmarks, args.data, targets)
    except OptagentError as error:
        sys.exit(f"accuracy: {error}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accuracy.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
