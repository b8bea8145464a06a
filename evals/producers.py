"""What makes a Prediction for one (problem, sample): a responses file or the agent.

A producer plans the (problem, sample) pairs it can answer and produces each one; the
runner does everything else (concurrency, scoring, the log), so re-scoring given programs
and running a model go through exactly the same path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

from optagent.agent.transcript import Exchange
from optagent.core.types import CallRecord, Limits, Prediction, Problem
from optagent.evals.log import SolveStats
from optagent.evals.responses import ResponsesFile

if TYPE_CHECKING:
    from optagent.agent.answer import Answer
    from optagent.agent.context import AgentSettings
    from optagent.models import ModelRoles
    from optagent.solvers.runner import ProgramRunner


class Produced(BaseModel):
    prediction: Prediction
    messages: list[Exchange] = Field(default_factory=list)
    messages_dropped: int = 0
    agent: SolveStats | None = None
    formulation: dict[str, Any] | None = None
    calls: list[CallRecord] = Field(default_factory=list)


class Producer(Protocol):
    @property
    def source(self) -> Literal["agent", "responses"]: ...

    def plan(self, problems: list[Problem], known: set[str]) -> tuple[list[tuple[Problem, int]], list[str]]:
        """The pairs to produce for the selected `problems`, and one line per thing skipped.

        `known` holds every id of the benchmark, selected or not.
        """

    async def produce(self, problem: Problem, sample: int, sandbox: ProgramRunner) -> Produced: ...


class ResponsesProducer:
    """Runs the programs of a responses file in the sandbox."""

    source: Literal["responses"] = "responses"

    def __init__(self, responses: ResponsesFile, limits: Limits):
        self.responses = responses
        self.limits = limits
        self._by_key = {(r.id, r.sample): r for r in responses.responses}

    def plan(self, problems: list[Problem], known: set[str]) -> tuple[list[tuple[Problem, int]], list[str]]:
        order = {p.id: i for i, p in enumerate(problems)}
        skipped = [
            f"{self.responses.path}:{r.line}: id {r.id!r} is not a problem of this benchmark; skipped"
            for r in self.responses.responses
            if r.id not in known
        ]
        selected = sorted((r for r in self.responses.responses if r.id in order), key=lambda r: (order[r.id], r.sample))
        return [(problems[order[r.id]], r.sample) for r in selected], skipped

    async def produce(self, problem: Problem, sample: int, sandbox: ProgramRunner) -> Produced:
        code, language = self._by_key[(problem.id, sample)].program()
        if code is None or language is None:
            return Produced(prediction=Prediction())
        result = await sandbox.run(code, language, self.limits)
        return Produced(prediction=Prediction(result=result, code=code, language=language))


class AgentProducer:
    """Solves each problem with the agent; every sample is an independent solve."""

    source: Literal["agent"] = "agent"

    def __init__(self, roles: ModelRoles, settings: AgentSettings, samples: int):
        import importlib

        from optagent.agent import solve

        importlib.import_module("optagent.agent.graph")  # LangGraph's import takes seconds: pay it up front
        self._solve = solve
        self.roles = roles
        self.settings = settings
        self.samples = samples

    def plan(self, problems: list[Problem], known: set[str]) -> tuple[list[tuple[Problem, int]], list[str]]:
        return [(p, s) for p in problems for s in range(self.samples)], []

    async def produce(self, problem: Problem, sample: int, sandbox: ProgramRunner) -> Produced:
        from optagent.agent.transcript import Transcript

        roles = self.roles.for_sample(problem.id, sample)
        transcript = Transcript()
        answer = await self._solve(problem, roles=roles, sandbox=sandbox, settings=self.settings, transcript=transcript)
        return Produced(
            prediction=answer.prediction,
            messages=transcript.exchanges,
            messages_dropped=transcript.dropped,
            agent=solve_stats(problem, answer),
            formulation=answer.formulation.model_dump(mode="json") if answer.formulation else None,
            calls=answer.calls,
        )


def solve_stats(problem: Problem, answer: Answer) -> SolveStats:
    from optagent.agent.grounding import ignores_problem
    from optagent.agent.llm import UNUSABLE
    from optagent.solvers.targets import get_target

    notes = [note for attempt in answer.attempts for note in attempt.notes]
    sheet = get_target(answer.target).cheat_sheet if answer.target else ""
    return SolveStats(
        corrective_retries=sum(call.corrections for call in answer.calls),
        unusable_replies=sum(UNUSABLE in note for note in notes),
        sent_back=sum(r.diagnosis.finding == "ignores_problem" for r in answer.rounds),
        ignores_problem=bool(answer.code) and ignores_problem(problem.text, answer.code, sheet) is not None,
        stopped=[note.removeprefix("stopped: ") for note in notes if note.startswith("stopped: ")],
        notes=notes,
    )
