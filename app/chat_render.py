"""What the person reads: each agent step and each stored turn as a titled Markdown block.

One renderer for both front ends: the web chat shows steps as collapsible messages and
renders the formulation's LaTeX (`latex=True`); the terminal prints the same Markdown with
rich, the LaTeX shown as code (`latex=False`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from optagent.agent.answer import Answer, AnswerOutcome
from optagent.agent.events import (
    AgentEvent,
    Coded,
    Diagnosed,
    Executed,
    Finished,
    Formulated,
    Judged,
    NodeEvent,
    Repaired,
    Understood,
    Verified,
    Voted,
)
from optagent.agent.explanation import Row, number, objective_row, solution_rows

if TYPE_CHECKING:
    from optagent.agent.formulation import Formulation, Understanding
    from optagent.app.chat_session import Turn
    from optagent.core.types import ExecResult

MAX_TABLE_ROWS = 60
WORKING: dict[type[NodeEvent] | None, str] = {
    None: "Reading the problem…",
    Understood: "Writing the formulation…",
    Formulated: "Writing the program…",
    Coded: "Running the solver…",
    Repaired: "Running the repaired program…",
    Executed: "Checking the result…",
    Diagnosed: "Checking the result…",
    Judged: "Acting on the review…",
    Verified: "Acting on the self-check…",
    Finished: "Explaining the result…",
    Voted: "Explaining the result…",
}
"""What the agent does next, after each kind of event (None: before the first);
`WORKING.get(type(event), "Working…")`."""
LATEX_DELIMITERS: list[dict[str, str | bool]] = [
    {"left": "$$", "right": "$$", "display": True},
    {"left": "\\(", "right": "\\)", "display": False},
]
"""Display math in $$...$$, inline math in \\(...\\): a single $ stays a dollar sign, so
"$3 profit" in a problem is not read as LaTeX."""


class Step(BaseModel):
    """One block of the conversation: a titled (collapsible) step, or a plain reply."""

    title: str | None = None
    body: str


def _short(value: Any, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _math(latex: str, text: str, *, use_latex: bool, display: bool = False) -> str:
    if not latex:
        return text
    if not use_latex:
        return f"`{latex}`"
    return f"$${latex}$$" if display else f"\\({latex}\\)"


def understanding_md(understanding: Understanding) -> str:
    lines = [f"**Objective**: {understanding.objective or 'any feasible solution'} ({understanding.sense})"]
    lines += [f"- decide **{d.name}** ({d.domain.value}): {d.meaning}" for d in understanding.decisions]
    lines += [f"- constraint: {c}" for c in understanding.constraints]
    lines += [f"- data: {d}" for d in understanding.data]
    lines += [f"- note: {n}" for n in understanding.notes]
    if understanding.kind:
        lines.append(f"\nProblem kind: **{understanding.kind.value}**")
    return "\n".join(lines)


def formulation_md(formulation: Formulation, *, latex: bool) -> str:
    """The five elements: sets, parameters, variables, objective, constraints."""
    parts: list[str] = []
    if formulation.sets:
        parts.append(
            "**Sets**\n"
            + "\n".join(
                f"- {_math(s.latex, s.name, use_latex=latex)} {s.name}: {s.text}"
                + (f" = {_short(s.members)}" if s.members else "")
                for s in formulation.sets
            )
        )
    if formulation.parameters:
        parts.append(
            "**Parameters**\n"
            + "\n".join(
                f"- {_math(p.latex, p.name, use_latex=latex)} {p.name} = {_short(p.value)}: {p.text}"
                for p in formulation.parameters
            )
        )
    if formulation.variables:
        parts.append(
            "**Variables**\n"
            + "\n".join(
                f"- {_math(v.latex, v.name, use_latex=latex)} {v.name}"
                + (f"[{', '.join(v.indexed_by)}]" if v.indexed_by else "")
                + f" ({v.domain.value}"
                + (f", ≥ {number(v.lower)}" if v.lower is not None else "")
                + (f", ≤ {number(v.upper)}" if v.upper is not None else "")
                + f"): {v.text}"
                for v in formulation.variables
            )
        )
    objective = formulation.objective
    parts.append(
        f"**Objective** ({objective.sense}): {objective.text}\n\n"
        + _math(objective.latex, "", use_latex=latex, display=True)
    )
    if formulation.constraints:
        parts.append(
            "**Constraints**\n\n"
            + "\n\n".join(
                f"{c.name or 'constraint'}: {c.text}\n\n{_math(c.latex, '', use_latex=latex, display=True)}"
                for c in formulation.constraints
            )
        )
    if formulation.kind:
        parts.append(f"Problem kind: **{formulation.kind.value}**")
    return "\n\n".join(parts)


def code_md(code: str, language: str) -> str:
    return f"```{language}\n{code}\n```" if code else "_The reply contained no program._"


def run_md(result: ExecResult) -> str:
    lines = [
        f"**{result.solution_status.value}** (the program ended: {result.termination.value}) in {result.timings.wall_s:.2f} s"
    ]
    if result.solver:
        lines[0] += f", solver {result.solver}"
    if result.objective is not None:
        lines.append(f"objective {number(result.objective)}")
    if result.error:
        lines.append(
            f"error: `{_short(result.error, 300)}`" + (f" at line {result.error_line}" if result.error_line else "")
        )
    return "\n\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _meaning(row: Row) -> str:
    """What the row's name means, unless that is just the name again ("tables": tables)."""
    plain = re.sub(r"\W+", "", row.described.lower())
    return "" if plain == re.sub(r"\W+", "", row.base.lower()) else row.described


def values_table(rows: list[Row]) -> str:
    """Each variable's value beside its meaning (a meaning column only when one is known)."""
    meanings = any(_meaning(row) for row in rows)
    lines = ["| variable | meaning | value |", "|---|---|---:|"] if meanings else ["| variable | value |", "|---|---:|"]
    for row in rows[:MAX_TABLE_ROWS]:
        middle = f" {_cell(_meaning(row)) or '—'} |" if meanings else ""
        lines.append(f"| {_cell(row.name)} |{middle} {number(row.value)} |")
    if len(rows) > MAX_TABLE_ROWS:
        lines.append(
            f"| … {len(rows) - MAX_TABLE_ROWS} more |{' |' if meanings else ''} download the program to see all |"
        )
    return "\n".join(lines)


_HEADLINES = {
    AnswerOutcome.SOLVED: "Solved",
    AnswerOutcome.INFEASIBLE: "No solution exists: the constraints contradict each other",
    AnswerOutcome.UNBOUNDED: "Unbounded: the objective can improve without limit, so a limit is missing",
}


def answer_md(answer: Answer) -> str:
    """The headline, the objective, the table of variable values and the explanation."""
    headline = _HEADLINES.get(answer.outcome, f"I could not solve it ({answer.outcome.value})")
    parts = [f"**{headline}**" + (f": {answer.detail}" if answer.detail else "")]
    goal = objective_row(answer.objective, answer.formulation, answer.understanding)
    if goal is not None:
        sense = answer.formulation.objective.sense if answer.formulation else ""
        parts.append(
            f"**Objective{f' ({sense})' if sense in ('minimize', 'maximize') else ''}: {number(goal.value)}**"
            + (f" · {goal.described}" if goal.described else "")
        )
    if answer.values:
        parts.append(values_table(solution_rows(answer.values, answer.formulation, answer.understanding)))
    if answer.explanation:
        parts.append(answer.explanation + (f"\n\n_{answer.explanation_note}_" if answer.explanation_note else ""))
    elif answer.outcome not in _HEADLINES:
        parts.append("Try stating the problem again with every number it needs, or choose a stronger model.")
    return "\n\n".join(parts)


def event_steps(event: AgentEvent, *, latex: bool, samples: int = 1) -> list[Step]:
    """The steps one agent event shows; nothing for bookkeeping nodes."""
    prefix = f"Sample {event.sample + 1} · " if samples > 1 and event.sample is not None else ""
    match event:
        case Understood(understanding=understanding):
            body = (
                understanding_md(understanding)
                if understanding
                else "_The reading did not come back usable; going on without it._"
            )
            return [Step(title=f"{prefix}Understanding", body=body)]
        case Formulated(formulation=formulation) if not event.kept_previous:
            body = (
                formulation_md(formulation, latex=latex)
                if formulation
                else "_The formulation did not come back usable; writing the program from the text._"
            )
            return [Step(title=f"{prefix}Formulation", body=body)]
        case Coded(target=target, code=code):
            title = "Program" + (f" ({target})" if target else "")
            return [Step(title=f"{prefix}{title}", body=code_md(code, _language(target)))]
        case Repaired(target=target, code=code):
            return [Step(title=f"{prefix}Repaired program", body=code_md(code, _language(target)))]
        case Executed(result=result):
            return [Step(title=f"{prefix}Solver run", body=run_md(result))]
        case Diagnosed(diagnosis=diagnosis) if diagnosis.finding != "ok":
            body = _short(diagnosis.detail or diagnosis.finding, 1200)
            return [Step(title=f"{prefix}Check: {diagnosis.finding}", body=body)]
        case Judged(verdict=verdict):
            return [Step(title=f"{prefix}Review: {verdict.blame}", body=verdict.reason or "—")]
        case Verified(verdict=verdict):
            return [Step(title=f"{prefix}Self-check: {verdict.blame}", body=verdict.reason or "—")]
        case Voted(tally=tally) if samples > 1:
            body = f"groups of agreeing samples: {tally.groups}; chosen: sample {(tally.winner or 0) + 1}"
            return [Step(title="Vote", body=body)]
    return []


def _language(target: str) -> str:
    """The highlighting of a target's programs: the name of its language."""
    from optagent.solvers.targets import get_target

    return get_target(target).language.value


def turn_steps(turn: Turn, *, latex: bool) -> list[Step]:
    """A stored turn's steps as shown after a reload: the final model, program, run and answer."""
    answer = turn.answer
    if answer is None:
        return [Step(body=turn.reply)]
    steps: list[Step] = []
    if answer.understanding:
        steps.append(Step(title="Understanding", body=understanding_md(answer.understanding)))
    if answer.formulation:
        steps.append(Step(title="Formulation", body=formulation_md(answer.formulation, latex=latex)))
    if answer.code:
        language = answer.language.value if answer.language else "python"
        steps.append(Step(title=f"Program ({answer.target})", body=code_md(answer.code, language)))
    if answer.result:
        steps.append(Step(title="Solver run", body=run_md(answer.result)))
    steps.append(Step(body=answer_md(answer)))
    return steps


def user_md(turn: Turn) -> str:
    data = f"\n\n(attached: {turn.data.name}, {turn.data.rows} rows)" if turn.data else ""
    return (turn.message or "") + data
