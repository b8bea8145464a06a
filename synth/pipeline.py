"""One candidate through the ReSocratic pipeline: seeds → scenario → filter → question →
formulation and program → verification → independent check.

The formulation and the program come from the agent itself (`solve` with the five-element
strategy, its judge switched off), given the question together with the author's step
list, so synthesis reuses the agent's templates, repair loop and sandbox handling instead
of a second copy. The independent check is a second `solve`, of the plain question alone,
with the strategy the job names; the candidate is kept only when both objectives agree
under the benchmarks' strict rule.

A model reply that cannot be used is a rejection with a reason; a transport failure (the
server is down) is not the candidate's fault and propagates, so the job stops and resumes
later instead of recording a thousand false rejections.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Required, TypedDict

from optagent.agent.answer import Answer, AnswerOutcome
from optagent.agent.context import AgentSettings
from optagent.benchmarks.scoring import STRICT_RULE, strict_match
from optagent.core.types import CallRecord, Message, Problem, Role, SolutionStatus, Tokens
from optagent.models.base import Model
from optagent.models.chat import MalformedReply
from optagent.prompts import render
from optagent.synth.dedup import NearDuplicateIndex
from optagent.synth.records import STAGE_OF, Candidate, Questions, RejectReason, Solution, Stage
from optagent.synth.scenario import Scenario, Seed, format_problem
from optagent.synth.settings import SynthSettings

if TYPE_CHECKING:
    from optagent.models import ModelRoles
    from optagent.solvers.runner import ProgramRunner

_VERIFY_OUTCOMES: dict[AnswerOutcome, RejectReason] = {
    AnswerOutcome.NO_PROGRAM: RejectReason.NO_PROGRAM,
    AnswerOutcome.CRASHED: RejectReason.CRASHED,
    AnswerOutcome.NO_RESULT: RejectReason.NO_RESULT,
    AnswerOutcome.TIMEOUT: RejectReason.TIMEOUT,
    AnswerOutcome.INFEASIBLE: RejectReason.INFEASIBLE,
    AnswerOutcome.UNBOUNDED: RejectReason.UNBOUNDED,
}
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}", re.MULTILINE)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
MIN_QUESTION_CHARS = 40
# Small whole numbers are often written as words ("three shifts"); they are not demanded.
_SPELLED_UP_TO = 12


class CandidateFields(TypedDict, total=False):
    """What a candidate has gathered so far: the fields of its `Candidate` record."""

    index: Required[int]
    id: Required[str]
    seed_ids: Required[list[str]]
    scenario: Scenario
    parent: str
    duplicate_of: str
    questions: Questions
    solution: Solution
    check: Solution


@dataclass
class Workbench:
    """What every candidate uses: settings, models, sandbox, seeds and the duplicate index."""

    settings: SynthSettings
    roles: ModelRoles
    sandbox: ProgramRunner
    seeds: list[Seed]
    index: NearDuplicateIndex


def candidate_id(index: int) -> str:
    return f"syn-{index:06d}"


def pick_seeds(seeds: list[Seed], settings: SynthSettings, index: int) -> list[Seed]:
    """One seed or a pair, a pure function of the job's rng seed and the candidate index,
    so a resumed job draws the same seeds for the candidates it redoes. The kind is drawn
    first, uniformly over the requested kinds that have seeds, so kinds stay balanced."""
    rng = random.Random(f"{settings.rng_seed}:{index}")
    by_kind = {kind: [s for s in seeds if s.kind is kind] for kind in settings.kinds}
    kinds = [kind for kind, group in by_kind.items() if group]
    first = rng.choice(by_kind[rng.choice(kinds)])
    others = [s for s in seeds if s.id != first.id and s.kind in settings.kinds]
    if others and rng.random() < settings.pair_rate:
        return [first, rng.choice(others)]
    return [first]


def _numbers(text: str) -> set[float]:
    return {float(match.replace(",", "")) for match in _NUMBER.findall(text)}


def question_problem(question: str, scenario: Scenario, *, table: bool) -> tuple[RejectReason, str] | None:
    """Why a back-translated question is unusable, or None: too short, the wrong shape
    (a table missing or unasked for), or a number of the scenario lost on the way."""
    variant = "table" if table else "plain"
    if len(question.strip()) < MIN_QUESTION_CHARS:
        return RejectReason.MALFORMED_QUESTION, f"the {variant} question is empty or too short"
    has_table = bool(_TABLE_RULE.search(question)) and bool(_TABLE_ROW.search(question))
    if table and not has_table:
        return RejectReason.MALFORMED_QUESTION, "the table question has no Markdown table"
    if not table and has_table:
        return RejectReason.MALFORMED_QUESTION, "the plain question has a table"
    missing = sorted(n for n in _numbers(scenario.text) - _numbers(question) if n > _SPELLED_UP_TO)
    if missing:
        shown = ", ".join(f"{n:g}" for n in missing[:5])
        return RejectReason.QUESTION_LOST_DATA, f"the {variant} question lost the scenario's numbers {shown}"
    return None


def verification_problem(answer: Answer) -> tuple[RejectReason, str] | None:
    """Why the author's program does not give a usable optimum, or None."""
    if answer.formulation is None:
        return RejectReason.NO_FORMULATION, "no five-element formulation could be read from the reply"
    if answer.outcome in _VERIFY_OUTCOMES:
        return _VERIFY_OUTCOMES[answer.outcome], answer.detail or answer.outcome.value
    attempt = answer.attempts[0] if answer.attempts else None
    if attempt and attempt.diagnosis and attempt.diagnosis.finding == "suspicious":
        return RejectReason.TRIVIAL, attempt.diagnosis.detail
    status = answer.result.solution_status if answer.result else SolutionStatus.UNKNOWN
    if status is not SolutionStatus.OPTIMAL:
        return RejectReason.NOT_OPTIMAL, f"the solver reported {status.value}, not a proven optimum"
    if answer.objective is None:
        return RejectReason.NO_OBJECTIVE, "the program reported no objective value"
    return None


def solution_of(answer: Answer) -> Solution:
    return Solution(
        formulation=answer.formulation,
        code=answer.code,
        target=answer.target,
        language=answer.language.value if answer.language else None,
        objective=answer.objective,
        values=answer.values,
        solution_status=answer.result.solution_status.value if answer.result else None,
    )


class _Tally:
    """Model calls per stage, for the cost report."""

    def __init__(self) -> None:
        self.calls: dict[Stage, list[CallRecord]] = {}

    def add(self, stage: Stage, records: list[CallRecord]) -> None:
        self.calls.setdefault(stage, []).extend(records)

    def fill(self, candidate: Candidate) -> Candidate:
        every = [record for records in self.calls.values() for record in records]
        by_stage = {stage.value: Tokens.of(records).total for stage, records in self.calls.items()}
        return candidate.model_copy(update={"tokens": Tokens.of(every), "tokens_by_stage": by_stage})


def _request(bench: Workbench, template: str, **variables: object) -> tuple[Model, list[Message], dict[str, Any]]:
    """The synthesizer, the rendered step template, and the job's sampling settings."""
    model = bench.roles[Role.SYNTHESIZER].with_step(template)
    messages = [
        Message(role="system", content=render("system")),
        Message(role="user", content=render(template, **variables)),
    ]
    sampling: dict[str, Any] = {"temperature": bench.settings.temperature}
    if bench.settings.max_tokens is not None:
        sampling["max_tokens"] = bench.settings.max_tokens
    return model, messages, sampling


async def write_scenario(bench: Workbench, index: int, seeds: list[Seed], tally: _Tally) -> Scenario | str:
    """The synthesizer's new scenario, or one line on why its reply was unusable."""
    vary_domain = random.Random(f"{bench.settings.rng_seed}:{index}:domain").random() < 0.5
    model, messages, sampling = _request(
        bench, "synthesis/scenario", seeds=seeds, kind=seeds[0].kind, vary_domain=vary_domain
    )
    try:
        output = await model.generate(messages, schema=Scenario, **sampling)
    except MalformedReply as error:
        if error.record is not None:
            tally.add(Stage.SCENARIO, [error.record])
        return str(error)
    tally.add(Stage.SCENARIO, [output.record])
    return output.parsed


async def back_translate(bench: Workbench, scenario: Scenario, tally: _Tally, *, table: bool) -> str:
    model, messages, sampling = _request(bench, "synthesis/question", scenario=scenario, table=table)
    output = await model.generate(messages, **sampling)
    tally.add(Stage.QUESTION, [output.record])
    return output.text.strip()


def _agent_settings(settings: SynthSettings, **overrides: Any) -> AgentSettings:
    return AgentSettings(
        target=settings.target, explain=False, max_tokens=settings.max_tokens, limits=settings.limits, **overrides
    )


async def formulate_and_code(bench: Workbench, cid: str, scenario: Scenario, question: str) -> Answer:
    from optagent.agent.run import solve

    settings = _agent_settings(
        bench.settings,
        strategy="five-element",
        samples=1,
        temperature=0.0,
        max_repairs=bench.settings.repairs,
        max_judge_rounds=0,
    )
    text = render("synthesis/authoring", question=question, scenario=scenario)
    problem = Problem(id=cid, text=text, kind=scenario.kind.problem_kind)
    return await solve(problem, roles=bench.roles, sandbox=bench.sandbox, settings=settings)


async def independent_check(bench: Workbench, cid: str, question: str) -> Answer:
    from optagent.agent.run import solve

    settings = _agent_settings(bench.settings, strategy=bench.settings.check_strategy)
    problem = Problem(id=f"{cid}-check", text=question)
    return await solve(problem, roles=bench.roles, sandbox=bench.sandbox, settings=settings)


async def synthesize(bench: Workbench, index: int) -> list[Candidate]:
    """Candidate `index` and, with `prefixes` on, each well-formed prefix of 3 or more steps of
    its scenario (ReSocratic's expansion), every one verified on its own; the records say kept
    or why not. A prefix is deduplicated against everything held but its own family (it is
    part of its parent's story by construction) and names its parent.

    A kept-so-far scenario holds its place in the duplicate index from the filter stage on;
    the job frees it if the candidate is rejected later or never committed.
    """
    started = time.perf_counter()
    cid = candidate_id(index)
    seeds = pick_seeds(bench.seeds, bench.settings, index)
    tally = _Tally()
    fields: CandidateFields = {"index": index, "id": cid, "seed_ids": [s.id for s in seeds]}
    scenario = await write_scenario(bench, index, seeds, tally)
    if isinstance(scenario, str):
        return [_rejected(tally, fields, started, RejectReason.MALFORMED_SCENARIO, scenario)]
    fields["scenario"] = scenario
    fault = _filter(bench, scenario, fields)
    if fault:
        return [_rejected(tally, fields, started, *fault)]
    prefixes = prefixes_of(scenario) if bench.settings.prefixes else []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_checked(bench, scenario, tally, fields, started))]
            for prefix in prefixes:
                family: CandidateFields = {
                    **fields,
                    "id": f"{cid}-p{len(prefix.steps)}",
                    "parent": cid,
                    "scenario": prefix,
                }
                tasks.append(group.create_task(_verify(bench, prefix, family, started)))
    except* Exception as failures:  # noqa: BLE001 - re-raised: the first failure, as one candidate would raise it
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


def prefixes_of(scenario: Scenario) -> list[Scenario]:
    """The scenario cut after each of its steps from the third on (the whole one excluded),
    where the cut is a well-formed problem (its objective, a variable and a constraint)."""
    cuts = [scenario.model_copy(update={"steps": scenario.steps[:k]}) for k in range(3, len(scenario.steps))]
    return [cut for cut in cuts if format_problem(cut) is None]


def _rejected(tally: _Tally, fields: CandidateFields, started: float, reason: RejectReason, detail: str) -> Candidate:
    record = Candidate(status="rejected", reason=reason, stage=STAGE_OF[reason], detail=detail, **fields)
    return tally.fill(record.model_copy(update={"wall_s": time.perf_counter() - started}))


def _filter(bench: Workbench, scenario: Scenario, fields: CandidateFields) -> tuple[RejectReason, str] | None:
    """Format, kind and duplicates; a scenario that passes holds its place in the index."""
    problem = format_problem(scenario)
    if problem:
        return RejectReason.MALFORMED_SCENARIO, problem
    if scenario.kind not in bench.settings.kinds:
        return RejectReason.KIND_NOT_REQUESTED, f"kind {scenario.kind.value} was not asked for"
    # Its own family does not count: a scenario made again on resume finds its prefixes committed.
    family = str(fields.get("parent") or fields["id"])
    duplicate = bench.index.claim(str(fields["id"]), scenario.text, family=family)
    if duplicate is not None:
        fields["duplicate_of"] = duplicate[0]
        return RejectReason.NEAR_DUPLICATE, f"{duplicate[1]:.2f} similar to {duplicate[0]}"
    return None


async def _verify(bench: Workbench, scenario: Scenario, fields: CandidateFields, started: float) -> Candidate:
    tally = _Tally()
    fault = _filter(bench, scenario, fields)
    if fault:
        return _rejected(tally, fields, started, *fault)
    return await _checked(bench, scenario, tally, fields, started)


async def _checked(
    bench: Workbench, scenario: Scenario, tally: _Tally, fields: CandidateFields, started: float
) -> Candidate:
    """A scenario past the filter: questions, the author's program, the independent check."""
    cid = str(fields["id"])

    def reject(reason: RejectReason, detail: str) -> Candidate:
        return _rejected(tally, fields, started, reason, detail)

    plain = await back_translate(bench, scenario, tally, table=False)
    table = await back_translate(bench, scenario, tally, table=True)
    fields["questions"] = Questions(plain=plain, table=table)
    for question, is_table in ((plain, False), (table, True)):
        fault = question_problem(question, scenario, table=is_table)
        if fault:
            return reject(*fault)

    authored = await formulate_and_code(bench, cid, scenario, plain)
    tally.add(Stage.FORMULATE, authored.calls)
    fields["solution"] = solution_of(authored)
    fault = verification_problem(authored)
    if fault:
        return reject(*fault)
    assert authored.objective is not None  # verification_problem refuses an answer without one

    check = await independent_check(bench, cid, plain)
    tally.add(Stage.CHECK, check.calls)
    fields["check"] = solution_of(check)
    if not check.solved or check.objective is None:
        ended = f"the agent alone ended {check.outcome.value}" + (f": {check.detail}" if check.detail else "")
        return reject(RejectReason.CHECK_UNSOLVED, ended)
    if not strict_match(check.objective, authored.objective):
        return reject(
            RejectReason.ANSWER_DISAGREES,
            f"the agent alone found {check.objective:g}, the author's program {authored.objective:g} ({STRICT_RULE})",
        )
    kept = Candidate(status="kept", stage=Stage.WRITE, **fields)
    return tally.fill(kept.model_copy(update={"wall_s": time.perf_counter() - started}))
