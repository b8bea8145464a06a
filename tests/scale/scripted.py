"""The fake model's answers for the scale-out tests: a hand-written Pyomo program for three
LogiOR problems, none for a fourth, so a run has correct and unanswered samples."""

from __future__ import annotations

from tests.evals.programs import CORRECT

IDS = "prob_023,prob_061,prob_069,prob_002"

_ANSWERS = {
    "HAPPY pharmaceutical": CORRECT[("logior", "prob_023")],
    "3 supply points (S1, S2, S3)": CORRECT[("logior", "prob_061")],
    "Reservoir A": CORRECT[("logior", "prob_069")],
}


def reply(body: dict) -> str:
    prompt = " ".join(m["content"] for m in body.get("messages", []))
    for phrase, program in _ANSWERS.items():
        if phrase in prompt:
            return f"The model:\n\n```python\n{program}```\n"
    return "I cannot write a program for this problem."
