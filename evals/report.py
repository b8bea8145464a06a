"""Reports of one or more runs: Markdown to paste into a paper, one self-contained HTML page.

Both formats render the same tables, built once here; the HTML page adds inline SVG plots
(accuracy by category, histogram of tokens per sample) and each sample's transcript, node by
node (`evals/agent_view.py`). With several runs the tables are
side by side and a last table lists the samples the runs scored differently.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.core.types import Outcome
from optagent.evals.agent_view import agent_rows, transcripts
from optagent.evals.log import RunHeader, SampleRecord, natural_key, read_log
from optagent.evals.metrics import RULE_NAMES, Group, Summary, summarize, verdict
from optagent.evals.plots import bar_chart, histogram
from optagent.evals.throughput import throughput_rows

_TEMPLATES = Path(__file__).parent / "templates"
_COST_TITLE = "Tokens and time per sample"


class Run(BaseModel):
    path: Path
    label: str
    header: RunHeader
    records: list[SampleRecord]
    summary: Summary
    problems: list[str]


class Table(BaseModel):
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


class Difference(BaseModel):
    id: str
    sample: int
    outcomes: list[str]


def load_run(path: Path) -> Run:
    read = read_log(path)
    labels = [read.header.strategy or read.header.source, *read.header.models.values()]
    return Run(
        path=path,
        label=f"{path.name} ({', '.join(dict.fromkeys(labels))})",
        header=read.header,
        records=read.records,
        summary=summarize(read.header.benchmark, read.records),
        problems=read.problems,
    )


def differences(runs: list[Run]) -> list[Difference]:
    """Samples present in every run whose native verdict is not the same in all of them."""
    maps = [{r.key: r for r in run.records} for run in runs]
    shared = set(maps[0]).intersection(*maps[1:])
    return [
        Difference(id=key[0], sample=key[1], outcomes=[m[key].outcome.value for m in maps])
        for key in sorted(shared, key=natural_key)
        if len({m[key].correct for m in maps}) > 1
    ]


def tables(runs: list[Run]) -> list[Table]:
    labels = [run.label for run in runs]
    summaries = [run.summary for run in runs]
    out = [
        Table(
            title="Runs",
            headers=["", *labels],
            rows=[
                ["benchmark", *(r.header.benchmark for r in runs)],
                ["source", *(r.header.source for r in runs)],
                ["models", *(", ".join(f"{k}={v}" for k, v in r.header.models.items()) or "-" for r in runs)],
                ["strategy", *(r.header.strategy or "-" for r in runs)],
                ["extractor", *(r.header.extractor_model or "-" for r in runs)],
                ["started", *(r.header.started_at.strftime("%Y-%m-%d %H:%M UTC") for r in runs)],
                ["git revision", *((r.header.git_revision or "-")[:10] for r in runs)],
                ["optagent", *(r.header.optagent_version for r in runs)],
            ],
        ),
        Table(
            title="Accuracy",
            headers=["", *labels],
            rows=_accuracy_rows(summaries),
            note="accuracy: by the headline rule, the best that could be applied (the benchmark's published rule "
            "where it could be, else the objective-only rule, else the strict rule), over the samples it applies to; "
            "native accuracy: the published rule over graded samples; strict: |pred - gt| / (|gt| + 1) <= 1e-6 on "
            "the objective; objective: the objective target alone.",
        ),
    ]
    for title, attr in (("By category", "by_category"), ("By size", "by_size")):
        groups = [getattr(s, attr) for s in summaries]
        names = sorted(set().union(*groups))
        if names:
            out.append(
                Table(
                    title=title,
                    headers=["", *labels],
                    rows=[[name, *(_group(g.get(name)) for g in groups)] for name in names],
                    note="accuracy by each run's headline rule: " + ", ".join(_rule(s) for s in summaries),
                )
            )
    out.append(
        Table(
            title="Outcomes",
            headers=["", *labels],
            rows=[
                [o.value, *(_count(s.outcomes.get(o, 0), s.n) for s in summaries)]
                for o in Outcome
                if any(s.outcomes.get(o) for s in summaries)
            ],
        )
    )
    out.append(Table(title=_COST_TITLE, headers=["", *labels], rows=_cost_rows(summaries)))
    if throughput := throughput_rows([(run.path, run.records) for run in runs]):
        note = "samples/s over the span from the first sample's start to the last one's end (a resumed run's span includes the pause)"
        out.append(Table(title="Throughput", headers=["", *labels], rows=throughput, note=note))
    if agent := agent_rows([run.records for run in runs]):
        out.append(Table(title="What the agent did", headers=["", *labels], rows=agent))
    out += _trimr_tables(runs)
    if len(runs) > 1:
        diff = differences(runs)
        out.append(
            Table(
                title=f"Samples scored differently ({len(diff)})",
                headers=["id", "sample", *labels],
                rows=[[d.id, str(d.sample), *d.outcomes] for d in diff],
                note="" if diff else "the runs agree on every sample they share",
            )
        )
    else:
        rule = runs[0].summary.rule
        verdicts = [(r, verdict(r, rule)) for r in sorted(runs[0].records, key=lambda r: natural_key(r.key))]
        failed = [r for r, v in verdicts if v is False]
        unscored = sum(v is None for _, v in verdicts)
        notes = [f"the headline rule is {RULE_NAMES[rule]}"] if rule not in ("native", None) else []
        if unscored:
            notes.append(f"{unscored} samples the {rule or 'any'} rule could not be applied to are not listed")
        out.append(
            Table(
                title=f"Samples not correct by the {rule} rule ({len(failed)})" if rule else "Samples not correct (0)",
                headers=["id", "sample", "outcome", "detail"],
                rows=[[r.id, str(r.sample), r.outcome.value, r.detail] for r in failed],
                note="; ".join(notes),
            )
        )
    return out


def plots(runs: list[Run]) -> dict[str, list[tuple[str, str]]]:
    """Inline SVG figures for the HTML page, keyed by the title of the table they follow."""
    out: dict[str, list[tuple[str, str]]] = {}
    categories = sorted(set().union(*(r.summary.by_category for r in runs)))
    series = [
        (run.label, [g.accuracy if (g := run.summary.by_category.get(c)) else None for c in categories]) for run in runs
    ]
    if any(value is not None for _, values in series for value in values):  # never an empty plot
        rules = ", ".join(dict.fromkeys(f"{run.summary.rule} rule" for run in runs))
        out["By category"] = [(f"Accuracy by category ({rules})", bar_chart(categories, series))]
    tokens = [(run.label, [float(r.tokens.total) for r in run.records if r.tokens.calls]) for run in runs]
    if any(values for _, values in tokens):
        out[_COST_TITLE] = [
            (
                "Tokens per sample",
                histogram([t for t in tokens if t[1]], xlabel="tokens per sample (bar height: samples)"),
            )
        ]
    return out


def render(runs: list[Run], fmt: str) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md_cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    template = env.get_template(f"report.{fmt}.j2")
    title = "optagent eval: " + " vs ".join(run.path.name for run in runs)
    warnings = [line for run in runs for line in run.problems]
    shown = transcripts([(run.label, run.records) for run in runs]) if fmt == "html" else []
    return template.render(
        title=title,
        tables=tables(runs),
        plots=plots(runs) if fmt == "html" else {},
        warnings=warnings,
        transcripts=shown,
    )


def write_report(run_dirs: list[Path], out: Path | None = None) -> tuple[Path, Path]:
    """Write `<out>.md` and `<out>.html`; by default `report.*` (one run) or `compare.*` in the first run."""
    if not run_dirs:
        raise OptagentError("name at least one run directory: optagent report RUN [RUN2 ...]")
    runs = [load_run(path) for path in run_dirs]
    stem = out.with_suffix("") if out else run_dirs[0] / ("report" if len(runs) == 1 else "compare")
    stem.parent.mkdir(parents=True, exist_ok=True)
    md, html = stem.with_suffix(".md"), stem.with_suffix(".html")
    md.write_text(render(runs, "md"))
    html.write_text(render(runs, "html"))
    return md, html


def _accuracy_rows(summaries: list[Summary]) -> list[list[str]]:
    rows = [
        ["samples scored", *(str(s.n) for s in summaries)],
        ["problems", *(str(s.problems) for s in summaries)],
        ["headline rule", *(_rule(s) for s in summaries)],
        ["accuracy", *(f"{_pct(s.headline_accuracy)} ({s.headline_correct}/{s.headline_n})" for s in summaries)],
        ["graded (native rule applied)", *(str(s.graded) for s in summaries)],
        ["correct (native rule)", *(str(s.correct) for s in summaries)],
        ["native accuracy", *(_pct(s.accuracy) for s in summaries)],
        ["strict accuracy", *(_pct(s.strict_accuracy) for s in summaries)],
    ]
    if any(s.objective_accuracy is not None for s in summaries):
        rows.append(["objective accuracy", *(_pct(s.objective_accuracy) for s in summaries)])
    for k in sorted(set().union(*(s.pass_at_k for s in summaries))):
        rows.append([f"pass@{k}", *(_pct(s.pass_at_k.get(k)) for s in summaries)])
    if any(s.majority_accuracy is not None for s in summaries):
        rows.append(["majority vote", *(_pct(s.majority_accuracy) for s in summaries)])
    if any(s.missing for s in summaries):
        rows.append(["missing samples", *(str(s.missing) for s in summaries)])
    return rows


def _cost_rows(summaries: list[Summary]) -> list[list[str]]:
    rows = []
    for name, attr, fmt in (("tokens", "tokens_per_sample", "{:,.0f}"), ("seconds", "seconds_per_sample", "{:.2f}")):
        for stat in ("mean", "median", "p95", "total"):
            rows.append(
                [
                    f"{name} {stat}",
                    *(fmt.format(getattr(v, stat)) if (v := getattr(s, attr)) else "-" for s in summaries),
                ]
            )
    return rows


def _trimr_tables(runs: list[Run]) -> list[Table]:
    """TrimR's cuts and savings in total per run and, for one run, per sample; none without TrimR."""
    from optagent.models.trimr.stats import TrimRStats, total

    per_sample = [
        {r.key: [TrimRStats.model_validate(c.trimr) for c in r.calls if c.trimr] for r in run.records} for run in runs
    ]
    if not any(stats for samples in per_sample for stats in samples.values()):
        return []
    totals = [total([s for stats in samples.values() for s in stats]) for samples in per_sample]
    out = [
        Table(
            title="TrimR thinking compression",
            headers=["", *(run.label for run in runs)],
            rows=[[name, *("-" if t[name] is None else f"{t[name]:,}" for t in totals)] for name in totals[0]],
            note="calls through TrimR; cut: calls whose thinking a rule stopped; tokens saved: where the untrimmed "
            "length is known.",
        )
    ]
    if len(runs) == 1:
        rows = []
        for key, stats in sorted(per_sample[0].items(), key=lambda item: natural_key(item[0])):
            if stats:
                t = total(stats)
                rules = ", ".join(sorted({s.rule.value for s in stats if s.rule})) or "-"
                saved = "-" if t["tokens_saved"] is None else f"{t['tokens_saved']:,}"
                rows.append([key[0], str(key[1]), str(t["calls"]), rules, f"{t['thinking_tokens']:,}", saved])
        out.append(
            Table(
                title="TrimR per sample",
                headers=["id", "sample", "calls", "rules fired", "thinking tokens", "tokens saved"],
                rows=rows,
            )
        )
    return out


def _rule(summary: Summary) -> str:
    return RULE_NAMES[summary.rule]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _group(group: Group | None) -> str:
    return "-" if group is None else f"{_pct(group.accuracy)} ({group.correct}/{group.graded})"


def _count(count: int, n: int) -> str:
    return f"{count} ({count / n:.1%})" if n else "0"
