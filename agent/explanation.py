"""The explanation of a solution, held to the solution.

The explain step gets the solution as rows (each variable's value with its meaning, from
the understanding or the formulation) and the objective with its meaning. Its reply is
checked by `contradictions`: every number it states must be a solution value, the
objective, or a sum or product of them (or, where it restates the problem, a number of
the problem). A number named by a variable's name or meaning ("60 chairs", "x = 60") must
be that variable's value, and one named by the objective's meaning ("profit of $4,200") must
be the objective; so "60 chairs and 0 tables" fails when the table says tables = 60,
chairs = 0, although every number in it is a solution value. A number after a limit phrase
("at most 20 tables") may be the problem's own limit. Percentages are not checked.

When the reply fails twice (or the solve's budget leaves no second try), `summary` writes
a plain sentence from the table instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from itertools import combinations_with_replacement
from typing import Any

from pydantic import BaseModel

from optagent.agent.formulation import Formulation, Understanding

SUMMARY_NOTE = "The model's explanation contradicted the solution, so this summary is written from the table instead."
MAX_SUMMARY_ROWS = 8
_MAX_CHECKED_VALUES = 200


class Row(BaseModel):
    """One line of the solution: a variable (or the objective), its value and what it means."""

    name: str
    value: Any = None
    meaning: str = ""
    unit: str = ""

    @property
    def base(self) -> str:
        return self.name.split("[", 1)[0]

    @property
    def labels(self) -> list[str]:
        """The index labels of an indexed value: x[A,2] has A and 2."""
        inside = self.name[len(self.base) :].strip("[]()")
        return [part.strip(" '\"") for part in re.split(r"[,\]\[]+", inside) if part.strip(" '\"")]

    @property
    def described(self) -> str:
        """The meaning with its unit: "total weekly profit, $"."""
        if self.unit and self.unit.lower() not in self.meaning.lower():
            return f"{self.meaning}, {self.unit}" if self.meaning else self.unit
        return self.meaning


def number(value: Any) -> str:
    """A value as people read it: 4,100 for 4100.0, 0.333333 for 1/3."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and abs(value - round(value)) < 1e-9 and abs(value) < 1e15:
        return f"{round(value):,}"
    return f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"


def _loose(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.lower())


def solution_rows(
    values: dict[str, Any], formulation: Formulation | None, understanding: Understanding | None
) -> list[Row]:
    """Each value with the meaning the understanding (else the formulation) gives its variable."""
    decisions = {_loose(d.name): d for d in (understanding.decisions if understanding else [])}
    variables = {_loose(v.name): v for v in (formulation.variables if formulation else [])}
    rows = []
    for name, value in values.items():
        row = Row(name=str(name), value=value)
        decision, variable = decisions.get(_loose(row.base)), variables.get(_loose(row.base))
        row.meaning = (decision.meaning if decision else "") or (variable.text if variable else "")
        row.unit = (decision.unit if decision else "") or (variable.unit if variable else "")
        rows.append(row)
    return rows


def objective_row(
    objective: float | None, formulation: Formulation | None, understanding: Understanding | None
) -> Row | None:
    if objective is None:
        return None
    reading, model = understanding or Understanding(), formulation or Formulation()
    return Row(
        name="objective",
        value=objective,
        meaning=reading.objective or model.objective.text,
        unit=reading.objective_unit or model.objective.unit,
    )


# Reading the explanation: numbers and the words around them.

_TOKEN = re.compile(
    r"(?P<number>(?<![\w.\-])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d|[.,]\d|[^\W\d]|\s*%))"
    r"|(?P<percent>\d+(?:\.\d+)?\s*%)"
    r"|(?P<word>[^\W\d_][\w'-]*|\w+)"
    r"|(?P<bind>[=:])"
    r"|(?P<stop>[.,;!?()\n])"
)
_SKIP_WORDS = (
    "the a an of per to from in on at by for with each every total totals all about approximately exactly "
    "roughly around some more extra additional number numbers amount amounts quantity quantities unit units "
    "worth its their your is are be will would make makes making made produce produces producing produced "
    "should could you we it this that there"
)
_SKIP = frozenset(_SKIP_WORDS.split())
_LIMIT = re.compile(
    r"(?:at most|at least|up to|no more than|not more than|no fewer than|no less than|more than|less than|"
    r"fewer than|maximum|minimum|limit|cap|capacity|available|demand|only)\W*(?:of\W+|is\W+)?[$€£]?\s*$"
)
_STOP_WORDS = {"and", "or", "but", "while", "whereas"}


def _stem(word: str) -> str:
    word = word.lower().strip("'-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> set[str]:
    found = {_stem(w) for w in re.findall(r"[^\W\d_]+", text.replace("_", " "))}
    return {w for w in found if len(w) > 2 and w not in _SKIP}


def _name_parts(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def _value(text: str) -> tuple[float, int]:
    """A stated number and its count of decimals."""
    plain = text.replace(",", "")
    return float(plain), len(plain.split(".", 1)[1]) if "." in plain else 0


def _numbers(values: Iterable[Any]) -> list[float]:
    """The finite numbers among solution values (a bool counts as 0 or 1)."""
    return [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]


def _agrees(stated: tuple[float, int], actual: Iterable[float]) -> bool:
    value, decimals = stated
    return any(
        abs(value - a) <= 1e-6 * max(1.0, abs(a)) or abs(value - round(a, decimals)) <= 1e-9 * max(1.0, abs(a))
        for a in actual
    )


class _Terms:
    """Which rows a word names: a variable's name parts, meaning and unit; the objective's meaning.

    A word in the meanings of several variables names none of them, and a word of a
    variable's meaning does not name the objective.
    """

    def __init__(self, rows: list[Row], objective: Row | None) -> None:
        self.rows = rows
        self.names = {row.base.lower(): [i for i, r in enumerate(rows) if r.base == row.base] for row in rows}
        self.words: dict[str, set[int]] = {}
        for i, row in enumerate(rows):
            for word in _words(f"{_name_parts(row.base)} {row.meaning} {row.unit}"):
                self.words.setdefault(word, set()).add(i)
        shared = {word for word, found in self.words.items() if len({rows[i].base for i in found}) > 1}
        self.objective_words = _words(f"{objective.meaning} objective") - set(self.words) if objective else set()
        for word in shared:  # "week" in "tables made per week" and "chairs made per week" names neither
            del self.words[word]

    def named(self, word: str) -> list[int] | str | None:
        """The rows a word names, "objective", or None."""
        stem = _stem(word)
        if stem in self.words:
            return sorted(self.words[stem])
        return "objective" if stem in self.objective_words else None


def contradictions(text: str, rows: list[Row], objective: Row | None, problem: str) -> list[str]:
    """What in the explanation disagrees with the solution, one line each; [] when it holds."""
    terms = _Terms(rows, objective)
    values = _numbers(row.value for row in rows[:_MAX_CHECKED_VALUES])
    given = [_value(m.group("number"))[0] for m in _TOKEN.finditer(problem) if m.group("number")]
    given += [float(label) for row in rows for label in row.labels if re.fullmatch(r"-?\d+(\.\d+)?", label)]
    solution = values + ([float(objective.value)] if objective else [])
    allowed = solution + given + [sum(values)]
    allowed += [a + b for a, b in combinations_with_replacement(solution, 2)]
    allowed += [a * b for a, b in combinations_with_replacement(solution, 2)]
    allowed += [a * g for a in values for g in given]
    tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)]
    mistakes = []
    for i, (kind, raw, start) in enumerate(tokens):
        if kind != "number":
            continue
        stated = _value(raw)
        named = _named_by(tokens, i, terms)
        if _LIMIT.search(text[max(0, start - 40) : start].lower()) and _agrees(stated, given):
            continue
        if named == "objective" and objective is not None:
            if not _agrees(stated, [float(objective.value)]):
                mistakes.append(f'"{raw}" is said of the objective, which is {number(objective.value)}')
        elif isinstance(named, list):
            group = _numbers(rows[j].value for j in named)
            if not _agrees(stated, [*group, sum(group)]):
                shown = ", ".join(f"{rows[j].name} = {number(rows[j].value)}" for j in named[:4])
                mistakes.append(f'"{raw}" is said of {rows[named[0]].base}, but the solution has {shown}')
        elif not _agrees(stated, allowed):
            mistakes.append(f'"{raw}" is not a solution value, the objective, or a sum or product of them')
    return mistakes


def _named_by(tokens: list[tuple[str | None, str, int]], at: int, terms: _Terms) -> list[int] | str | None:
    """What a number is said of: a variable or the objective named just after it, else just before."""
    for kind, raw, _ in tokens[at + 1 :]:
        if kind != "word" or raw.lower() in _STOP_WORDS:
            break
        if raw.lower() in _SKIP:
            continue
        named = terms.named(raw)
        if named is not None:
            return named
        break
    before = tokens[:at]
    if len(before) >= 2 and before[-1][0] == "bind" and before[-2][0] == "word":
        name = before[-2][1].lower()
        if name in terms.names:
            return terms.names[name]
        return terms.named(name)
    for back, (kind, raw, _) in enumerate(reversed(before)):
        if kind != "word" or raw.lower() in _STOP_WORDS:
            return None
        if raw.lower() in _SKIP:
            continue
        earlier = [t for t in before[: len(before) - back - 1] if t[0] != "word" or t[1].lower() not in _SKIP]
        owned = bool(earlier) and earlier[-1][0] == "number"  # "56 chairs for $4,060": chairs belong to 56
        return None if owned else terms.named(raw)
    return None


def summary(rows: list[Row], objective: Row | None, outcome: str) -> str:
    """A plain sentence from the table, for when the model's explanation cannot be trusted."""
    if outcome == "infeasible":
        return "The solver found that no plan meets all the constraints at once."
    if outcome == "unbounded":
        return "The objective can improve without limit, so the model is missing a limit."
    parts = [
        f"{row.name} = {number(row.value)}" + (f" ({row.described})" if row.described else "")
        for row in rows[:MAX_SUMMARY_ROWS]
    ]
    if len(rows) > MAX_SUMMARY_ROWS:
        parts.append(f"and {len(rows) - MAX_SUMMARY_ROWS} more values in the table")
    text = "The solver's solution: " + ("; ".join(parts) if parts else "no variable values were reported")
    if objective is not None:
        text += (
            f". The objective{f' ({objective.described})' if objective.described else ''} is {number(objective.value)}"
        )
    return text + "."
