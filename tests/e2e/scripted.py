"""A scripted model that knows the right program for each of the e2e benchmark problems.

It answers per step (`testing.scripted.ScriptedModel`, by the template name each step
sends) and recognises the problem from its statement inside the prompt, answering as a
careful modeler would: an expert reading and a five-element formulation of the right kind,
the correct program for code and repair steps (after a short free-text reading for
ORThought's one expert reply), "accept" as a judge, `[[OK]]` when asked to verify its own
program, and the first candidate on a tie. It counts the steps it was asked for per
problem, so a test can tell which paths the graph took.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from optagent.core.types import Problem, ProblemKind
from optagent.models import ModelRoles
from optagent.models.mock import MockCall
from testing.scripted import ScriptedModel

_PREFIX = 160  # characters of a statement that identify it inside a prompt


class ProgramModel:
    def __init__(self, problems: list[Problem], programs: dict[str, str]) -> None:
        self.problems = {problem.text[:_PREFIX]: problem for problem in problems}
        if len(self.problems) != len(problems):
            raise ValueError("two problems share their opening; lengthen the prefix")
        self.programs = programs
        self.calls: Counter[tuple[str, str]] = Counter()
        self.code_prompts: dict[str, str] = {}
        self.model = ScriptedModel(
            understand=self._understanding,
            formulate=self._formulation,
            write_code=self._program,
            repair=self._program,
            orthought=self._program,
            verify=self._fixed("[[OK]]"),
            judge=self._fixed(json.dumps({"blame": "accept", "reason": "the program matches the statement"})),
            vote=self._fixed(json.dumps({"choice": 1, "reason": "the first candidate"})),
            explain=lambda call: (
                f"The program solves problem {self._problem(call).id} and reports every requested value."
            ),
        )

    def roles(self) -> ModelRoles:
        return self.model.roles()

    def steps(self, problem_id: str) -> Counter[str]:
        return Counter({step: n for (pid, step), n in self.calls.items() if pid == problem_id})

    def _problem(self, call: MockCall) -> Problem:
        """The problem whose statement the prompt holds; the call counted under it."""
        problem = next((p for opening, p in self.problems.items() if opening in call.prompt), None)
        if problem is None or call.step is None:
            raise AssertionError(f"unrecognised prompt (step {call.step}): {call.prompt[:200]!r}")
        self.calls[problem.id, call.step] += 1
        return problem

    def _fixed(self, reply: str) -> Callable[[MockCall], str]:
        """The same reply for every problem, the call counted under its problem."""

        def answer(call: MockCall) -> str:
            self._problem(call)
            return reply

        return answer

    def _program(self, call: MockCall) -> str:
        problem = self._problem(call)
        self.code_prompts[problem.id] = call.prompt
        reading = (
            "Understanding: the decisions, goal and limits of the statement.\n\n" if call.step == "orthought" else ""
        )
        return f"{reading}Here is the program.\n\n```python\n{self.programs[problem.id]}```\n"

    def _sense_and_kind(self, problem: Problem) -> tuple[str, str]:
        program = self.programs[problem.id]
        sense = "maximize" if "maximize" in program else "minimize" if "minimize" in program else "none"
        return sense, (problem.kind or ProblemKind.MILP).value

    def _understanding(self, call: MockCall) -> str:
        sense, kind = self._sense_and_kind(self._problem(call))
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

    def _formulation(self, call: MockCall) -> str:
        sense, kind = self._sense_and_kind(self._problem(call))
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
