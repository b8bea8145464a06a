"""Reading named targets from a program's free-form output with an extractor model.

OptiBench's published protocol runs the model's program and then asks, for each `results`
key by name, what value was found. `extract_named` does that with any `Model`, through a
typed contract (`NamedAnswers`) and the `benchmarks/extract` prompt template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from optagent.core.types import ExecResult, Problem
from optagent.prompts.loader import render

if TYPE_CHECKING:
    from optagent.models.base import Model

OUTPUT_CHARS = 12_000
"""Of a long output, the head and the tail are kept: programs print results last."""


class NamedValue(BaseModel):
    name: str = Field(description="the quantity, exactly as asked")
    value: float | None = Field(description="the value the output states, or null")


class NamedAnswers(BaseModel):
    answers: list[NamedValue]


async def extract_named(
    problem: Problem, result: ExecResult, model: Model, names: list[str] | None = None
) -> dict[str, float | None]:
    """One value (or None) per named target of `problem` (or per name of `names`), as stated in the output."""
    from optagent.core.types import Message

    names = list(problem.targets.named) if names is None else names
    output = result.stdout
    if len(output) > OUTPUT_CHARS:
        half = OUTPUT_CHARS // 2
        output = f"{output[:half]}\n[... {len(output) - OUTPUT_CHARS} characters left out ...]\n{output[-half:]}"
    if result.stderr.strip() and result.termination != "ok":
        output += f"\n[stderr]\n{result.stderr[-2000:]}"
    prompt = render(
        "benchmarks/extract",
        question=problem.text,
        termination=result.termination.value,
        status=result.solution_status.value,
        objective=result.objective,
        output=output.strip() or "(the program printed nothing)",
        names=names,
    )
    reply = await model.with_step("benchmarks/extract").generate(
        [Message(role="user", content=prompt)], schema=NamedAnswers, temperature=0.0
    )
    parsed: NamedAnswers = reply.parsed
    given = {_key(answer.name): answer.value for answer in parsed.answers}
    return {name: given.get(_key(name)) for name in names}


def _key(name: str) -> str:
    return " ".join(name.lower().split())
