"""The typed contracts of the modeling steps: an expert reading, then a five-element model.

`Understanding` is ORThought's expert reading of the text (objective and direction, the
decisions with their meaning and type, the constraints, the data, implicit integrality and
units). `Formulation` is LLMOPT's five-element formulation (Sets, Parameters with values,
Variables with domains, Objective, Constraints), each element with a LaTeX and a plain-text
form, plus the problem kind that picks the solver target.

Every field has a default so that a partial reply from a small model still validates; a
reply that does not parse at all is recorded and the graph goes on without it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from optagent.core.types import ProblemKind

Sense = Literal["minimize", "maximize", "none"]


class Domain(StrEnum):
    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BINARY = "binary"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Decision(_Lenient):
    name: str
    meaning: str = ""
    unit: str = Field(default="", description="the unit of its value, e.g. tables/week, kg, $; empty if none")
    domain: Domain = Domain.CONTINUOUS


class Understanding(_Lenient):
    """What the problem asks, read like an operations-research expert would."""

    objective: str = Field(default="", description="what is optimized, in words; empty for a feasibility question")
    sense: Sense = "none"
    objective_unit: str = Field(default="", description="the unit of the objective's value, e.g. $; empty if none")
    decisions: list[Decision] = Field(default_factory=list)
    constraints: list[str] = Field(default_factory=list)
    data: list[str] = Field(default_factory=list, description="the given numbers, with units")
    notes: list[str] = Field(default_factory=list, description="implicit integrality, units, traps")
    kind: ProblemKind | None = None


class Element(_Lenient):
    latex: str = ""
    text: str = ""


class SetElement(Element):
    name: str
    members: list[Any] = Field(default_factory=list)


class Parameter(Element):
    name: str
    value: Any = None


class Variable(Element):
    name: str
    domain: Domain = Domain.CONTINUOUS
    lower: float | None = 0.0
    upper: float | None = None
    indexed_by: list[str] = Field(default_factory=list, description="names of sets the variable is indexed by")
    unit: str = Field(default="", description="the unit of its value; empty for counts and yes/no")


class Objective(Element):
    sense: Sense = "none"
    unit: str = Field(default="", description="the unit of its value, e.g. $; empty if none")


class Constraint(Element):
    name: str = ""


class Formulation(_Lenient):
    """LLMOPT's five elements; `kind` picks the solver target."""

    sets: list[SetElement] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    variables: list[Variable] = Field(default_factory=list)
    objective: Objective = Field(default_factory=Objective)
    constraints: list[Constraint] = Field(default_factory=list)
    kind: ProblemKind | None = None

    @property
    def is_feasibility(self) -> bool:
        return self.objective.sense == "none"
