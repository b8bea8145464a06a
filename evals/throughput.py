"""The report's throughput rows: samples per second, and whether the model or the solver
runs took the samples' time; with `--ray`, what each node ran (the run's `cluster.json`)."""

from __future__ import annotations

import json
from pathlib import Path

from optagent.evals.log import SampleRecord

CLUSTER_FILE = "cluster.json"


def throughput_rows(runs: list[tuple[Path, list[SampleRecord]]]) -> list[list[str]]:
    """One column per run; rows are empty when no record carries its finishing time."""
    columns = [_column(path, records) for path, records in runs]
    if not any(columns):
        return []
    names = list(dict.fromkeys(name for column in columns for name in column))
    return [[name, *(column.get(name, "-") for column in columns)] for name in names]


def _column(path: Path, records: list[SampleRecord]) -> dict[str, str]:
    timed = [(r.timings, finished) for r in records if (finished := r.timings.finished_at) is not None]
    if not timed:
        return {}
    first = min(finished - timings.wall_s for timings, finished in timed)
    span = max(finished for _, finished in timed) - first
    wall = sum(timings.wall_s for timings, _ in timed) or 1e-9
    model = sum(timings.llm_s for timings, _ in timed) / wall
    solver = sum(timings.exec_s for timings, _ in timed) / wall
    column = {
        "samples/s": f"{len(timed) / span:.2f}" if span > 0 else "-",
        "span": f"{span:,.1f} s over {len(timed)} samples",
        "model calls: share of sample time": f"{model:.0%}",
        "scored program runs: share of sample time": f"{solver:.0%}",
        "bound by": "model" if model >= solver else "solver",
    }
    cluster = path / CLUSTER_FILE
    if cluster.is_file():
        summary = json.loads(cluster.read_text())
        for node in summary.get("nodes", []):
            state = f"gone ({node['lost']})" if node.get("lost") else f"{node['runs_per_s']:.2f} runs/s"
            column[f"node {node['node']}"] = f"{node['runs']} runs on {node['slots']} slots, {state}"
        column["runs sent again after a node was lost"] = str(summary.get("resent_runs", 0))
    return column
