"""The problem kind (hence the solver target) for every strategy, without an extra model call.

The kind is the benchmark's own where it states one (CP-Bench, LogiOR: never overridden by
a guess), else the model's reading (the five-element formulation's `kind`, else the expert
reading's), else a classifier over the statement's words. The classifier only has to keep
nonlinear and constraint problems away from linear-only solvers: routing a linear problem to
SCIP costs nothing (SCIP solves LPs and MILPs exactly), routing a nonlinear one to HiGHS
costs a crash. So it leans nonlinear, and it lifts a model's linear reading to nonlinear
where it finds nonlinear words: Qwen2.5-Coder-1.5B read 2 of OptiBench's 4 nonlinear bench
problems as LP or MILP (80's benefit-risk ratio, 166's material of a cylinder), and both
crashed on HiGHS.
On OptiBench's 605 problems it marks 154 of 183 nonlinear ones and 24 of 422 linear ones.

`retarget` is the second chance: when the solver itself refuses the model as outside its
class (HiGHS or CBC handed a nonlinear expression), repair switches to a target that can
take it instead of polishing a program its solver will never accept.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from optagent.core.types import ProblemKind

if TYPE_CHECKING:
    from optagent.agent.state import AttemptState

TARGET_FOR_KIND: dict[ProblemKind, str] = {
    ProblemKind.LP: "pyomo",
    ProblemKind.MILP: "pyomo",
    ProblemKind.NLP: "pyscipopt",
    ProblemKind.MINLP: "pyscipopt",
    ProblemKind.CP_SATISFACTION: "cpmpy",
    ProblemKind.CP_OPTIMIZATION: "cpmpy",
}
CP_KINDS = frozenset({ProblemKind.CP_SATISFACTION, ProblemKind.CP_OPTIMIZATION})
_UNITS = r"(?:feet|foot|ft|meters?|metres?|miles?|yards?|kilometers?|km|inch(?:es)?|cm|m)\b"

_NONLINEAR = re.compile(
    r"\bratios?\b|per unit of|divided by|square root|\bquadratic|non-?linear|\bproduct of\b|\baverage\b"
    r"|\befficiency\b|exponential|logarithm|\binversely\b|economies of scale|\bdistance\b|\barea\b|\bvolume\b"
    rf"|\bsquared\b|\bsquare\b(?!\s+{_UNITS})|\bcubic\b(?!\s+{_UNITS})|\^\s*[2-9]|\*\*\s*[2-9]|/\s*\("
    r"|\b(?:maximi[sz]\w*|minimi[sz]\w*)\b(?: the)? (?:[\w-]+ ){0,5}per\b"
    r"|minimi[sz]e the maximum|maximi[sz]e the minimum",
    re.IGNORECASE,
)
_CONSTRAINT_PUZZLE = re.compile(
    r"\b(?:puzzle|sudoku|n-?queens|queens|all[- ]?different|magic square|latin square|crossword"
    r"|graph colou?ring|nonogram|kakuro)\b",
    re.IGNORECASE,
)
_OPTIMIZING = re.compile(r"\b(?:maximi[sz]|minimi[sz]|optimi[sz]|as (?:few|many|small|large) as)", re.IGNORECASE)
_INTEGRAL = re.compile(
    r"\bhow many\b|\bnumber of\b|\bwhole\b|\binteger|\beach (?:truck|worker|machine|person)\b", re.IGNORECASE
)


def classify(text: str) -> ProblemKind:
    """A cheap guess of the kind from the statement's words (see the module docstring)."""
    if _CONSTRAINT_PUZZLE.search(text):
        return ProblemKind.CP_OPTIMIZATION if _OPTIMIZING.search(text) else ProblemKind.CP_SATISFACTION
    integral = bool(_INTEGRAL.search(text))
    if _NONLINEAR.search(text):
        return ProblemKind.MINLP if integral else ProblemKind.NLP
    return ProblemKind.MILP if integral else ProblemKind.LP


def problem_kind(state: AttemptState) -> ProblemKind:
    """The kind the problem states (its benchmark's metadata), else the model's reading (the
    formulation's, else the expert reading's), else the classifier's. A stated kind is input,
    the others are guesses: a model that reads a CP-Bench puzzle as a MILP must not send it to
    a MILP solver. Where the classifier finds nonlinear words in a statement the model read as
    linear, the kind is the nonlinear one: of the two mistakes, only that one costs a crash."""
    if state.problem.kind is not None:
        return state.problem.kind
    read = next((u.kind for u in (state.formulation, state.understanding) if u and u.kind), None)
    guessed = classify(state.problem.text)
    if read is None:
        return guessed
    if guessed in _NONLINEAR_KINDS and read in _LINEAR_TO_NONLINEAR:
        return _LINEAR_TO_NONLINEAR[read]
    return read


_LINEAR_TO_NONLINEAR = {ProblemKind.LP: ProblemKind.NLP, ProblemKind.MILP: ProblemKind.MINLP}
_NONLINEAR_KINDS = frozenset(_LINEAR_TO_NONLINEAR.values())


def choose_target(state: AttemptState, chosen: str | None) -> str:
    """The user's target, else the one suited to the problem kind."""
    return chosen or TARGET_FOR_KIND[problem_kind(state)]


def is_cp_target(name: str | None) -> bool:
    """A target that writes constraint programs: one whose kinds include a CP kind."""
    from optagent.solvers.targets import TARGETS, get_target

    return name in TARGETS and bool(get_target(name).kinds & CP_KINDS)


def is_cp(state: AttemptState) -> bool:
    """A constraint-programming problem: a CP target, or a CP kind."""
    return is_cp_target(state.target) if state.target else problem_kind(state) in CP_KINDS


_OUT_OF_CLASS = re.compile(
    r"DegreeError|IncompatibleModel|does not support expressions of degree|does not support (?:quadratic|nonlinear)"
    r"|Non-constant expressions cannot be multiplied|quadratic constraints? (?:are|is) not supported"
    r"|(?:is|are) not linear",
    re.IGNORECASE,
)
_LINEAR_ONLY = frozenset({"pyomo", "pulp"})


def retarget(state: AttemptState, chosen: str | None) -> str | None:
    """The target to switch to when the solver rejected the model as outside its class, else None.

    Only for a target the agent picked (never over the user's `--target`), and only from a
    linear solver (HiGHS, CBC) to SCIP, which takes nonlinear expressions.
    """
    if chosen or state.target not in _LINEAR_ONLY or state.diagnosis is None or not state.diagnosis.code_fault:
        return None
    return "pyscipopt" if _OUT_OF_CLASS.search(state.diagnosis.detail) else None
