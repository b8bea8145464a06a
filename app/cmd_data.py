"""`optagent data pull|list|inspect`: fill and look into the benchmark data directory."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from optagent.core.errors import OptagentError

Data = Annotated[Path | None, typer.Option("--data", help="data directory (else OPTAGENT_DATA, else the user cache)")]
Json = Annotated[bool, typer.Option("--json", help="print the result as one JSON object on the last line")]


def register(app: typer.Typer) -> None:
    data = typer.Typer(help="Download and inspect benchmark data.", no_args_is_help=True)
    data.command("pull")(pull_command)
    data.command("list")(list_command)
    data.command("inspect")(inspect_command)
    app.add_typer(data, name="data")


def pull_command(
    benchmark: Annotated[str, typer.Argument(help="a benchmark name (`optagent data list` shows them)")],
    data: Data = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="a mirror laid out like a data directory, or a file's URL (else OPTAGENT_DATA_SOURCE)"
        ),
    ] = None,
) -> None:
    """Download a benchmark from its public source into the data directory."""
    from optagent.benchmarks.datadir import resolve_data_dir
    from optagent.benchmarks.sources import pull

    pulled = pull(benchmark, resolve_data_dir(data), source)
    typer.echo(f"{pulled.benchmark}: {pulled.problems} problems from {pulled.url} -> {pulled.path}")


def list_command(data: Data = None, as_json: Json = False) -> None:
    """The known benchmarks, where their data would be, and whether it is there."""
    from optagent.benchmarks.datadir import resolve_data_dir
    from optagent.benchmarks.registry import BENCHMARKS, REGISTRY, get_benchmark

    data_dir = resolve_data_dir(data)
    rows: list[dict[str, Any]] = []
    for name in BENCHMARKS:
        if name == "jsonl":
            continue
        benchmark = get_benchmark(name)
        path = benchmark.locate(data_dir)
        row: dict[str, Any] = {"benchmark": name, "path": str(path), "present": path.exists(), "n": None}
        if path.exists():
            try:
                row["n"] = len(benchmark.load(data_dir).problems)
            except OptagentError as error:
                row["error"] = str(error)
        rows.append(row)
    typer.echo(f"data directory: {data_dir}")
    for row in rows:
        state = f"{row['n']} problems" if row["n"] is not None else row.get("error") or "missing"
        typer.echo(f"  {row['benchmark']:<11} {state:<14} {row['path']}")
    if not any(row["present"] for row in rows):
        releases = [name for name, entry in REGISTRY.items() if entry.source and entry.source.benchmark == name]
        typer.echo(f"fetch one with `optagent data pull NAME`, NAME one of {', '.join(releases)}")
    typer.echo("  jsonl       any JSON/JSONL file: `optagent data inspect FILE`")
    if as_json:
        typer.echo(json.dumps({"data_dir": str(data_dir), "benchmarks": rows}))


def inspect_command(
    target: Annotated[str, typer.Argument(help="a benchmark name, or the path of a JSON/JSONL file")],
    data: Data = None,
    question_field: Annotated[
        str | None, typer.Option("--question-field", help="for a file: the question field")
    ] = None,
    answer_field: Annotated[str | None, typer.Option("--answer-field", help="for a file: the answer field")] = None,
    as_json: Json = False,
) -> None:
    """Counts for a benchmark or file: problems, with an answer, infeasible, by type; and skipped records."""
    from optagent.benchmarks.datadir import resolve_data_dir
    from optagent.benchmarks.registry import benchmark_for

    benchmark = benchmark_for(target, question_field=question_field, answer_field=answer_field)
    loaded = benchmark.load(resolve_data_dir(data))
    counts = summarize(loaded)
    for skipped in loaded.skipped:
        typer.echo(f"skipped: {skipped}", err=True)
    typer.echo(f"{loaded.benchmark}: {loaded.source}")
    typer.echo(
        f"  {counts['n']} problems, {counts['with_answer']} with an answer, {counts['infeasible']} infeasible, "
        f"{counts['skipped']} skipped"
    )
    for label, breakdown in (("by type", counts["by_type"]), ("by kind", counts["by_kind"])):
        if breakdown:
            typer.echo(f"  {label}: " + ", ".join(f"{key} {value}" for key, value in breakdown.items()))
    if as_json:
        typer.echo(json.dumps(counts))


def summarize(loaded: Any) -> dict[str, Any]:
    """The counts `inspect --json` prints."""
    problems = loaded.problems
    return {
        "benchmark": loaded.benchmark,
        "source": str(loaded.source),
        "n": len(problems),
        "with_answer": sum(problem.targets.has_answer for problem in problems),
        "infeasible": sum(problem.targets.infeasible for problem in problems),
        "by_type": dict(Counter(problem.category or "unknown" for problem in problems).most_common()),
        "by_kind": dict(Counter(problem.kind.value for problem in problems if problem.kind).most_common()),
        "skipped": len(loaded.skipped),
    }
