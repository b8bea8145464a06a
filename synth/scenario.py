"""Scenarios grown step by step, the seeds they grow from, and the format check.

A ReSocratic scenario is a list of steps; each step is one sentence of the story and its
formal counterpart (a set, a parameter, a variable, the objective or a constraint). Seeds
are hand-written scenarios stored one per YAML file in `prompts/synthesis/seeds/`; the
synthesizer writes new scenarios in the same shape, so one schema validates both.

Every kept problem must have an objective: the independent check compares objectives
under the strict rule, which a satisfaction problem does not have, so `cp` here means
constraint programming with an objective.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optagent.core.errors import OptagentError
from optagent.core.types import ProblemKind
from optagent.prompts.loader import PACKAGE_DIR as PROMPTS_DIR

Element = Literal["set", "parameter", "variable", "objective", "constraint"]

SEEDS_DIR = PROMPTS_DIR / "synthesis" / "seeds"
MAX_STEPS = 30
MAX_SENTENCE_CHARS = 600
_DIGIT = re.compile(r"\d")


class SynthKind(StrEnum):
    """The problem families the job is asked for (`--kinds`)."""

    LP = "lp"
    MILP = "milp"
    NLP = "nlp"
    CP = "cp"

    @property
    def problem_kind(self) -> ProblemKind:
        return {
            SynthKind.LP: ProblemKind.LP,
            SynthKind.MILP: ProblemKind.MILP,
            SynthKind.NLP: ProblemKind.NLP,
            SynthKind.CP: ProblemKind.CP_OPTIMIZATION,
        }[self]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element: Element
    sentence: str = Field(description="one sentence of the scenario, in plain language, with its numbers")
    formal: str = Field(description="its formal counterpart in LaTeX-like notation")


class Scenario(BaseModel):
    """What the synthesizer writes: a titled story in steps, with its domain and kind."""

    model_config = ConfigDict(extra="ignore")

    title: str
    domain: str = Field(description="one word or two: logistics, production, finance, energy, health, ...")
    kind: SynthKind
    steps: list[Step]

    @property
    def text(self) -> str:
        """The story alone, sentence after sentence: what near-duplicate removal compares."""
        return " ".join(step.sentence.strip() for step in self.steps)

    @property
    def size(self) -> int:
        """Decisions and constraints written down: a rough size for the diversity report."""
        return sum(step.element in ("variable", "constraint") for step in self.steps)


class Seed(Scenario):
    """A hand-written demonstration; `id` is the file's stem."""

    model_config = ConfigDict(extra="forbid")

    id: str


def format_problem(scenario: Scenario) -> str | None:
    """One line on what makes a scenario unusable, or None when it is well formed."""
    steps = scenario.steps
    if not 3 <= len(steps) <= MAX_STEPS:
        return f"{len(steps)} steps; a scenario has 3 to {MAX_STEPS}"
    elements = [step.element for step in steps]
    if elements.count("objective") != 1:
        return f"{elements.count('objective')} objective steps; exactly one is needed"
    for needed in ("variable", "constraint"):
        if needed not in elements:
            return f"no {needed} step"
    for number, step in enumerate(steps, start=1):
        if not step.sentence.strip() or not step.formal.strip():
            return f"step {number} has an empty sentence or formal part"
        if len(step.sentence) > MAX_SENTENCE_CHARS:
            return f"step {number} has a sentence of {len(step.sentence)} characters (at most {MAX_SENTENCE_CHARS})"
    if not _DIGIT.search(scenario.text):
        return "the scenario gives no numbers"
    if not scenario.title.strip() or not scenario.domain.strip():
        return "the title or the domain is empty"
    return None


def load_seeds(directory: Path | None = None) -> list[Seed]:
    """Every `*.yaml` seed in `directory` (default: the packaged seeds), validated and well formed."""
    import yaml

    directory = directory or SEEDS_DIR
    if not directory.is_dir():
        raise OptagentError(f"--seeds {directory} is not a directory; pass a folder of seed .yaml files")
    seeds: list[Seed] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            seed = Seed.model_validate({**(data or {}), "id": path.stem})
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise OptagentError(
                f"seed {path} is not readable YAML ({str(error).splitlines()[0]}); fix the file"
            ) from None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"]))
            raise OptagentError(f"seed {path} is not a valid seed ({where}: {first['msg']}); fix the file") from None
        except TypeError:
            raise OptagentError(f"seed {path} is not a mapping of title, domain, kind, steps; fix the file") from None
        problem = format_problem(seed)
        if problem:
            raise OptagentError(f"seed {path} is malformed: {problem}; fix the file")
        seeds.append(seed)
    if not seeds:
        raise OptagentError(f"no seed .yaml files in {directory}; pass --seeds with a folder that has some")
    return seeds
