"""A scripted model that knows the right program for each of the e2e benchmark problems.

It recognises the step from its prompt template (the markers of `tests.agent.scripted`) and
the problem from its statement, and answers as a careful modeler would: an expert reading
and a five-element formulation of the right kind, the correct program for code and repair
steps (after a short free-text reading for ORThought's one expert reply), "accept" as a
judge, `[[OK]]` when asked to verify its own program, and the first candidate on a tie. It counts the steps it was
asked for per problem, so a test can tell which paths the graph took.
"""

from __future__ import annotations

import json
from collections import Counter

from optagent.core.types import Message, Problem, ProblemKind
from optagent.models import ModelRoles, get_model
from tests.agent.scripted import STEP_MARKERS

_PREFIX = 160  # characters of a statement that identify it inside a prompt


class ProgramModel:
    def __init__(self, problems: list[Problem], programs: dict[str, str]) -> None:
        self.problems = {problem.text[:_PREFIX]: problem for problem in problems}
        if len(self.problems) != len(problems):
            raise ValueError("two problems share their opening; lengthen the prefix")
        self.programs = programs
        self.calls: Counter[tuple[str, str]] = Counter()
        self.code_prompts: dict[str, str] = {}

    def roles(self) -> ModelRoles:
        return ModelRoles(get_model("mock", replies=self))

    def steps(self, problem_id: str) -> Counter[str]:
        return Counter({step: n for (pid, step), n in self.calls.items() if pid == problem_id})

    def __call__(self, messages: list[Message]) -> str:
        prompt = next(m.content for m in messages if m.role == "user")
        step = next((s for s, marker in STEP_MARKERS.items() if marker in prompt), None)
        problem = next((p for opening, p in self.problems.items() if opening in prompt), None)
        if step is None or problem is None:
            raise AssertionError(
                f"unrecognised prompt (step {step}, problem {problem and problem.id}): {prompt[:200]!r}"
            )
        self.calls[problem.id, step] += 1
        program = self.programs[problem.id]
        if step in ("write_code", "repair", "orthought"):
            self.code_prompts[problem.id] = prompt
            reading = (
                "Understanding: the decisions, goal and limits of the statement.\n\n" if step == "orthought" else ""
            )
            return f"{reading}Here is the program.\n\n```python\n{program}```\n"
        if step == "verify":
            return "[[OK]]"
        if step == "judge":
            return json.dumps({"blame": "accept", "reason": "the program matches the statement"})
        if step == "vote":
            return json.dumps({"choice": 1, "reason": "the first candidate"})
        if step == "explain":
            return f"The program solves problem {problem.id} and reports every requested value."
        sense = "maximize" if "maximize" in program else "minimize" if "minimize" in program else "none"
        kind = (problem.kind or ProblemKind.MILP).value
        if step == "understand":
            return json.dumps(
                {
                    "objective": "" if sense == "none" else "the stated goal",
                    "sense": sense,
                    "decisions": [{"name": "x", "meaning": "the decisions of the statement", "domain": "integer"}],
                    "constraints": ["every restriction of the statement"],
                    "data": [],
                    "notes": [],
                    "kind": kind,
                }
            )
        return json.dumps(
            {
                "sets": [],
                "parameters": [],
                "variables": [{"name": "x", "domain": "integer", "lower": 0, "latex": "x", "text": "the decisions"}],
                "objective": {"sense": sense, "latex": "f(x)", "text": "the stated goal"},
                "constraints": [{"name": "statement", "latex": "g(x) \\le b", "text": "every restriction"}],
                "kind": kind,
            }
        )
