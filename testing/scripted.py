"""The one scripted model of the test suite and the benches: replies per LLM step.

Every LLM step names itself by its prompt template (`Model.with_step`): the agent's nodes
("understand", "write_code", "judge", ...), the synthesis job ("synthesis/scenario",
"synthesis/question"), the chat's triage ("chat/triage"). A `ScriptedModel` answers each call
by that name, so rewording a template in `prompts/` changes no test's script.

    script = ScriptedModel(understand=UNDERSTANDING, write_code=[CRASH, GOOD], judge=ACCEPT)
    answer = await solve(WORKSHOP, roles=script.roles(), sandbox=sandbox)
    assert script.calls["write_code"] == 2 and "Fix it" in script.prompts["repair"][0]

A step's replies are one reply or a list, consumed in call order (the last one repeats); a
reply is what the `mock` provider takes (text, a dict or pydantic object for JSON, an
exception to raise) or a function of the `MockCall` that returns one, for replies that
depend on the prompt's content (which problem, which candidate). Templates under a folder
go in the mapping: `ScriptedModel({"synthesis/scenario": [...]}, write_code=GOOD)`.
`calls[step]` counts the calls of each step and `prompts[step]` keeps their prompts.

The same script answers a `FakeOpenAI` server (`reply=over_http(script)`), for tests that
run the real CLI against a served model: the provider sends the step in a header.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from typing import Any

from optagent.core.types import Message
from optagent.models import ModelRoles, get_model
from optagent.models.mock import MockCall, Reply, as_mock_reply
from optagent.prompts.loader import PACKAGE_DIR

StepReply = Reply | Callable[[MockCall], Reply]
Replies = StepReply | list[StepReply] | tuple[StepReply, ...]


class ScriptedModel:
    """Replies by step; a step with no replies left repeats its last one."""

    def __init__(
        self, replies: Mapping[str, Replies] | None = None, *, delay_s: float = 0.0, **by_step: Replies
    ) -> None:
        self.queues: dict[str, deque[StepReply]] = {}
        self.last: dict[str, StepReply] = {}
        self.delay_s = delay_s
        self.calls: Counter[str] = Counter()
        self.prompts: dict[str, list[str]] = {}
        for step, value in {**(replies or {}), **by_step}.items():
            self._queue(step, value)

    def _queue(self, step: str, replies: Replies) -> None:
        if not (PACKAGE_DIR / f"{step}.md").is_file():
            raise ValueError(f"unknown step {step!r}: no template prompts/{step}.md")
        queue = self.queues.setdefault(step, deque())
        queue.extend(replies if isinstance(replies, (list, tuple)) else [replies])

    def __call__(self, call: MockCall) -> Reply:
        step = call.step
        if step is None:
            raise AssertionError(f"a model call named no step (Model.with_step); its prompt: {call.prompt[:200]!r}")
        self.calls[step] += 1
        self.prompts.setdefault(step, []).append(call.prompt)
        if self.delay_s:
            time.sleep(self.delay_s)
        queue = self.queues.get(step)
        if queue:
            self.last[step] = queue.popleft()
        if step not in self.last:
            raise AssertionError(f"the graph asked for an unscripted step: {step}")
        reply = self.last[step]
        return reply(call) if callable(reply) else reply

    def roles(self) -> ModelRoles:
        """Every role answered by this script, through the `mock` provider."""
        return ModelRoles(get_model("mock", replies=self))


def over_http(script: Callable[[MockCall], Reply]) -> Callable[[dict[str, Any]], str]:
    """A script as a `FakeOpenAI` reply: the request's messages, and its step from the header."""

    def reply(request: dict[str, Any]) -> str:
        messages = [Message(role=m["role"], content=m["content"]) for m in request["messages"]]
        return as_mock_reply(script(MockCall(step=request.get("step"), messages=messages))).text

    return reply
