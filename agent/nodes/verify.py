"""CP-Bench's self-verification: the model checks its own program and output against the
problem and answers `[[OK]]`, or `[[FIXED]]` with a corrected program that runs next.

Used on clean runs (diagnose found nothing wrong) by `full` for CP problems, and by any
strategy through `self_verify`; up to `max_verify_rounds` rounds (the paper allows 10). The
round's decision is logged as a verdict: `accept` for `[[OK]]`, `code` for a fix. A reply
with neither marker, or a "fix" that is no program or the same program, counts as `[[OK]]`:
there is nothing new to run. The graph asks the budget and the no-progress rule before
another round (`agent/progress.py`).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from optagent.agent.answer import Verdict, asks_any_solution, exact_outputs, requested_outputs
from optagent.agent.context import RunContext
from optagent.agent.llm import ask, extract_code
from optagent.agent.state import AttemptState
from optagent.core.types import Role

OK, FIXED = "[[OK]]", "[[FIXED]]"
_OUTPUT_CHARS = 4000


def read_check(reply: str, code: str, language: Any) -> tuple[Verdict, str]:
    """The verdict of one self-verification reply and the program to run next ("" for none)."""
    fixed = FIXED in reply and (OK not in reply or reply.index(FIXED) < reply.index(OK))
    program = extract_code(reply.split(FIXED, 1)[1], language) if fixed else ""
    if not fixed:
        return Verdict(blame="accept", reason="self-verification: [[OK]]"), ""
    if not program or program.strip() == code.strip():
        return Verdict(blame="accept", reason="self-verification: [[FIXED]] without a new program"), ""
    reason = extract_reason(reply.split(FIXED, 1)[1])
    return Verdict(blame="code", reason=f"self-verification fixed it: {reason}".rstrip(": ")), program


def extract_reason(text: str) -> str:
    before_code = text.split("```", 1)[0].strip()
    return before_code.splitlines()[0][:300] if before_code else ""


async def verify(state: AttemptState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    from optagent.solvers.targets import get_target

    assert state.result is not None
    target = get_target(state.target or "pyomo")
    printed = state.result.stdout.strip() or "(nothing)"
    output = await ask(
        runtime,
        Role.CODER,
        "verify",
        problem_id=state.problem.id,
        sample=state.sample,
        problem=state.problem.text,
        code=state.code,
        output=printed[-_OUTPUT_CHARS:],
        target=target,
        language=target.language.value,
        outputs=requested_outputs(state.problem),
        exact_outputs=exact_outputs(state.problem),
        any_solution=asks_any_solution(state.problem),
    )
    verdict, program = read_check(output.text, state.code, target.language)
    update: dict[str, Any] = {
        "verdict": verdict,
        "verify_rounds": state.verify_rounds + 1,
        "rounds": [state.rounds[-1].model_copy(update={"verdict": verdict})],
        "calls": [output.record],
    }
    if program:
        update |= {"code": program, "trigger": "verify"}
    return update
