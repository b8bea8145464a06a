"""`optagent solve` as a user runs it: one-line refusals, and the real small LLM end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from optagent.agent import Answer

SMALL_LP = "Maximize 3x + 2y subject to x + y <= 4, x + 3y <= 6, x >= 0, y >= 0."


def optagent(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from optagent.app.cli import main; main()", "solve", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "--model", "mock"), "the problem is empty; write the optimization problem in plain language"),
        (("x", "--file", "p.txt", "--model", "mock"), "give the problem either as TEXT or with --file, not both"),
        (("--file", "/nonexistent/p.txt", "--model", "mock"), "cannot read --file /nonexistent/p.txt"),
        (("--model", "mock"), "no problem given; pass it as TEXT"),
        (("max x", "--model", "mock", "--strategy", "best"), "unknown strategy 'best'"),
        (("max x", "--model", "mock", "--samples", "0"), "--samples 0 is not a positive number"),
        (("max x", "--model", "mock", "--role", "boss=mock"), "unknown role 'boss'"),
        (("max x", "--model", "mock", "--cp-prompt", "best"), "--cp-prompt 'best' is not a prompt level; use one of"),
    ],
)
def test_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    done = optagent(*args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


@pytest.mark.llm
def test_no_model_configured_runs_the_embedded_default_and_says_so() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPTAGENT_MODEL"}
    done = optagent(
        SMALL_LP,
        "--strategy",
        "direct",
        "--samples",
        "1",
        "--max-tokens",
        "64",
        "--max-repairs",
        "0",
        "--json",
        env=env,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "using the embedded SmolLM2-135M" in done.stderr and "for real accuracy serve a real model" in done.stderr
    payload = json.loads(done.stdout.strip().splitlines()[-1])
    assert payload["strategy"] == "direct" and payload["outcome"]


@pytest.mark.llm
def test_real_small_llm_gives_a_well_formed_answer(llm_server) -> None:
    """SmolLM2-135M writes nonsense; the graph must still end with a typed, honest answer."""
    done = optagent(
        SMALL_LP,
        "--model",
        f"llamacpp/{llm_server.alias}",
        "--base-url",
        llm_server.base_url,
        "--samples",
        "1",
        "--max-tokens",
        "128",
        "--max-repairs",
        "1",
        "--max-judge-rounds",
        "1",
        "--json",
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    payload = json.loads(done.stdout.strip().splitlines()[-1])
    answer = Answer.model_validate({k: v for k, v in payload.items() if k != "solved"})
    assert answer.strategy == "full" and answer.outcome.value and payload["solved"] is answer.solved
    assert answer.attempts and answer.calls and all(c.model.startswith("llamacpp/") for c in answer.calls)
    assert answer.solved or answer.detail or answer.outcome.value in ("infeasible", "unbounded")


def test_answer_is_printed_for_a_person(capsys) -> None:
    from optagent.agent.answer import AnswerOutcome
    from optagent.agent.formulation import Formulation
    from optagent.app.cmd_solve import print_answer
    from optagent.core.types import Language
    from testing.workshop import FORMULATION

    answer = Answer(
        problem_id="p",
        strategy="full",
        outcome=AnswerOutcome.SOLVED,
        formulation=Formulation.model_validate(FORMULATION),
        code="import pyomo.environ as pyo",
        language=Language.PYTHON,
        target="pyomo",
        objective=4100.0,
        values={"tables": 30, "chairs": 40},
        explanation="Make 30 tables and 40 chairs.",
        sandbox="ran in the sandbox with netns",
    )
    print_answer(answer)
    shown = capsys.readouterr().out
    for text in (
        "Formulation",
        "4t + 3c",
        "import pyomo.environ",
        "Solution: solved",
        "4100",
        "tables",
        "Make 30 tables",
        "netns",
    ):
        assert text in shown
