"""The conversation layer with the scripted model and the real sandbox: follow-ups start
from the previous model, turns persist, and bad input gets a reply that keeps the chat going."""

from __future__ import annotations

import asyncio

import pytest

from optagent.agent.context import AgentSettings
from optagent.agent.events import NodeEvent
from optagent.app.chat_data import load_table
from optagent.app.chat_examples import CHAT_STRATEGY
from optagent.app.chat_session import ChatSession, Turn
from optagent.core.errors import OptagentError
from optagent.models import ModelRoles, get_model
from optagent.models.mock import MockCall, Reply
from tests.app.workshop import CHANGE, PROBLEM, TRIAGE, WorkshopScript

SETTINGS = AgentSettings.for_strategy(CHAT_STRATEGY)


async def say(
    chat: ChatSession, conversation: str, message: str, roles: ModelRoles, **options
) -> tuple[list[str], Turn]:
    nodes: list[str] = []
    turn = None
    async for item in chat.send(conversation, message, roles=roles, model="mock", **options):
        if isinstance(item, NodeEvent):
            nodes.append(item.node)
        else:
            turn = item
    assert turn is not None
    return nodes, turn


async def test_follow_up_revises_the_previous_model_and_persists(tmp_path):
    script = WorkshopScript()
    roles = script.roles()
    store = tmp_path / "chat.sqlite"
    async with ChatSession(store, settings=SETTINGS) as chat:
        nodes, first = await say(chat, "c", PROBLEM, roles)
        assert nodes[:4] == ["formulate", "write_code", "execute", "diagnose"]
        assert first.kind == "solve" and first.answer.objective == pytest.approx(4100)
        _, second = await say(chat, "c", CHANGE, roles)
    assert second.revised and second.answer.objective == pytest.approx(4060)
    assert second.problem.startswith(PROBLEM) and second.problem.endswith(f"Follow-up request: {CHANGE}")
    revision_prompt = script.script.prompts["write_code"][1]
    assert "# The current model (this is a follow-up)" in revision_prompt
    assert "m.demand = pyo.Constraint" in revision_prompt, "the previous program is the starting point"
    assert "# The current model" not in script.script.prompts["write_code"][0]

    async with ChatSession(store, settings=SETTINGS) as reopened:
        turns = await reopened.turns("c")
        assert [t.answer.objective for t in turns] == [pytest.approx(4100), pytest.approx(4060)]
        assert await reopened.turns("another") == []


async def test_bad_inputs_get_one_reply_each_and_the_chat_goes_on(tmp_path):
    script = WorkshopScript()
    roles = script.roles()
    async with ChatSession(tmp_path / "chat.sqlite", settings=SETTINGS) as chat:
        _, empty = await say(chat, "c", "   ", roles)
        assert empty.kind == "refused" and "empty" in empty.reply
        _, long = await say(chat, "c", "y" * 100_000, roles)
        assert long.kind == "refused" and "100,000 characters" in long.reply
        _, poem = await say(chat, "c", "write me a poem", roles)
        assert poem.kind == "other" and "optimization problems" in poem.reply
        assert script.script.calls["formulate"] == 0, "no solve for refused or off-topic messages"

        def goes_down(call: MockCall) -> Reply:
            if call.step == TRIAGE:
                return {"kind": "new_problem"}
            return OptagentError("cannot reach http://127.0.0.1:9/v1 (connection refused)")

        roles_down = ModelRoles(get_model("mock", replies=goes_down))
        _, down = await say(chat, "c", PROBLEM, roles_down)
        assert down.kind == "failed" and "cannot reach" in down.reply

        _, solved = await say(chat, "c", PROBLEM, roles)
        assert solved.answer.objective == pytest.approx(4100)
        assert [t.kind for t in await chat.turns("c")] == ["refused", "refused", "other", "failed", "solve"]


async def test_a_table_uploaded_alone_is_the_data_of_the_next_problem(tmp_path):
    script = WorkshopScript()
    table_file = tmp_path / "hours.csv"
    table_file.write_text("resource;hours\ncarpentry;240\nfinishing;100\n", encoding="utf-8")
    table = load_table(table_file)
    assert (table.rows, table.columns) == (2, 2)
    async with ChatSession(tmp_path / "chat.sqlite", settings=SETTINGS) as chat:
        _, data = await say(chat, "c", "", script.roles(), data=table)
        assert data.kind == "data" and "hours.csv" in data.reply
        _, solved = await say(chat, "c", PROBLEM, script.roles())
    assert "# Data from hours.csv (2 rows, 2 columns)" in solved.problem
    assert "carpentry,240" in script.script.prompts["formulate"][0]


async def test_stopping_an_answer_keeps_the_message_and_the_chat(tmp_path):
    script = WorkshopScript()
    slow = "```python\nimport time\ntime.sleep(30)\n```"
    script.script.queues["write_code"].appendleft(slow)
    roles = script.roles()
    async with ChatSession(tmp_path / "chat.sqlite", settings=SETTINGS) as chat:
        seen: list[str] = []

        async def consume() -> None:
            async for item in chat.send("c", PROBLEM, roles=roles, model="mock"):
                if isinstance(item, NodeEvent):
                    seen.append(item.node)

        task = asyncio.create_task(consume())
        while "write_code" not in seen:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [t.kind for t in await chat.turns("c")] == ["stopped"]
        _, solved = await say(chat, "c", PROBLEM, roles)
        assert solved.answer.objective == pytest.approx(4100)
