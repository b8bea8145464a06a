"""TrimR end to end against the fake OpenAI server on loopback.

A reasoning model streams scripted traces at a steady token rate while a separate
verifier server answers the Yes/No questions with logprobs; each trace must be cut by the
right rule at the right place (or not at all), and the answer continued from the kept
thinking.
"""

from __future__ import annotations

import pytest

from optagent.core.errors import OptagentError
from optagent.models import get_model
from optagent.models.trimr import Rule, TrimRSettings
from optagent.models.trimr.controller import TrimR
from testing.fake_openai import FakeOpenAI
from testing.trimr import ScriptedReasoner, ScriptedVerifier, stated_answer

TOKEN_DELAY_S = 0.004  # 250 tokens/s: 5x the bench's 50 tokens/s, same verifier-to-token ratio
VERIFIER_LATENCY_S = 0.01

SETUP = (
    "We maximize 3x + 2y subject to x + y <= 4 and x + 3y <= 6 with x, y >= 0. "
    "The vertices of the feasible region are (0,0), (4,0), (0,2) and (3,1).\n\n"
)
CONVERGING = [
    SETUP + "At (4,0) the objective is 12, at (3,1) it is 11, so the answer is 12.\n\n",
    (
        "Wait, I should make sure (3,1) is a vertex: x + y = 4 and x + 3y = 6 give y = 1, x = 3. "
        "The objective there is 11, still below 12, so the answer is 12.\n\n"
    ),
    "Let me double-check (4,0): x + y = 4 <= 4 and x + 3y = 4 <= 6 both hold. So the answer is 12.\n\n",
    "Hmm, and (0,2) gives 4, far lower. The answer is 12.\n\n",
    (
        "Let me verify once more by sliding along x + y = 4: the objective 3x + 2(4 - x) = x + 8 grows with x, "
        "and x is at most 4, so the answer is 12.\n\n"
    ),
    "But what if the second constraint binds first? At x = 4 it reads 4 <= 6, slack. The answer is 12.\n\n",
]
SWITCHING = [SETUP] + [
    f"{marker}, maybe the binding constraints are different this time, so the answer is {value}.\n\n"
    for marker, value in zip(
        ["Wait", "Alternatively", "Hmm", "But"] * 7, [11, 12, 4, 9, 10, 6, 8, 7, 5, 13, 3, 14, 2, 15] * 2, strict=False
    )
]
LOOP_PREFIX = SETUP + "Let me write the substitution out.\n\n"
LOOP_CYCLE = (
    "Substituting x = 4 - y into x + 3y <= 6 gives 4 - y + 3y <= 6, so 2y <= 2 and y <= 1, "
    "and then substituting x = 4 - y back into the objective gives the same expression as before. "
)
NORMAL = [
    SETUP + "The objective at (4,0) is 12 and at (3,1) it is 11.\n\n",
    "Wait, (0,2) gives 4. So the answer is 12.\n\n",
    "Let me double-check (4,0) is feasible: yes, both constraints hold. The answer is 12.\n\n",
]
TRACES = {
    "converging": ("".join(CONVERGING), "The maximum is 12."),
    "switching": ("".join(SWITCHING), "The maximum is 15."),
    "loop": (LOOP_PREFIX + LOOP_CYCLE * 8 + "\n\nSo the answer is 12.", "The maximum is 12."),
    "normal": ("".join(NORMAL), "The maximum is 12."),
}


@pytest.fixture
def servers():
    reasoner = ScriptedReasoner(TRACES)
    verifier = ScriptedVerifier()
    with (
        FakeOpenAI(models=("fake-qwen3-thinker",), reply=reasoner, chunk_chars=4, chunk_delay_s=TOKEN_DELAY_S) as r,
        FakeOpenAI(models=("fake-qwen2.5-verifier",), reply=verifier, latency_s=VERIFIER_LATENCY_S) as v,
    ):
        yield r, reasoner, v, verifier


def _trimr(servers, **settings) -> TrimR:
    r, _, v, _ = servers
    model = get_model("vllm/fake-qwen3-thinker", base_url=r.base_url)
    verifier = get_model("vllm/fake-qwen2.5-verifier", base_url=v.base_url)
    return TrimR(model, verifier, TrimRSettings(**settings))


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


async def test_a_converging_trace_is_cut_after_three_agreeing_answers(servers):
    output = await _trimr(servers).generate("converging")
    stats = output.trimr
    assert stats.rule == Rule.OVERTHINKING
    assert stats.cut_thought == 2
    kept = "".join(CONVERGING[:3]).rstrip()
    assert output.reasoning.startswith(kept)
    assert "Hmm, and (0,2)" not in output.reasoning
    assert stated_answer(output.text) == "12"
    assert stats.kept_tokens == _tokens("".join(CONVERGING[:3]))
    assert stats.kept_tokens <= stats.thinking_tokens < _tokens(TRACES["converging"][0])
    assert stats.verifier_calls >= 5 and stats.verifier_latency_s > 0
    _, reasoner, _, _ = servers
    (prompt,) = reasoner.continuations
    assert prompt.startswith("<|im_start|>user\nconverging<|im_end|>\n<|im_start|>assistant\n<think>\n" + kept)
    assert prompt.rstrip().endswith("**Final Answer**")


async def test_a_switching_trace_is_cut_for_underthinking_after_twenty_thoughts(servers):
    output = await _trimr(servers).generate("switching")
    assert output.trimr.rule == Rule.UNDERTHINKING
    assert output.trimr.cut_thought == 19
    assert output.record.trimr == output.trimr.model_dump(mode="json"), "the run log reads TrimR from the call record"
    assert output.reasoning.startswith("".join(SWITCHING[:20]).rstrip())
    _, reasoner, _, _ = servers
    assert reasoner.continuations[0].endswith("</think>\n")
    assert stated_answer(output.text) == stated_answer(SWITCHING[19])


async def test_half_the_thinking_budget_without_convergence_is_underthinking(servers):
    output = await _trimr(servers, thinking_budget=2 * _tokens("".join(SWITCHING[:4]))).generate("switching")
    assert output.trimr.rule == Rule.UNDERTHINKING
    assert output.trimr.cut_thought == 3


async def test_a_looping_trace_is_cut_after_one_cycle(servers):
    output = await _trimr(servers).generate("loop")
    assert output.trimr.rule == Rule.REPETITION
    assert output.reasoning.startswith((LOOP_PREFIX + LOOP_CYCLE).rstrip())
    assert LOOP_CYCLE.strip() not in output.reasoning[len(LOOP_PREFIX) + len(LOOP_CYCLE) :]
    assert output.trimr.thinking_tokens < _tokens(LOOP_PREFIX + LOOP_CYCLE * 4)


async def test_a_trace_that_finishes_normally_is_never_cut(servers):
    output = await _trimr(servers).generate("normal")
    assert output.trimr.rule is None
    assert output.reasoning == TRACES["normal"][0]
    assert output.text == "The maximum is 12."
    assert output.trimr.untrimmed_tokens == output.trimr.thinking_tokens == _tokens(TRACES["normal"][0])
    assert output.trimr.tokens_saved == 0
    _, reasoner, _, _ = servers
    assert reasoner.continuations == []


async def test_the_stream_is_closed_at_the_cut(servers):
    r, _, _, _ = servers
    output = await _trimr(servers).generate("converging")
    assert output.trimr.rule == Rule.OVERTHINKING
    assert r.requests[0]["stream"] is True
    assert r.requests[1]["path"] == "/v1/completions"


async def test_a_model_without_a_thinking_profile_is_refused_in_one_line(servers):
    r, _, v, _ = servers
    plain = get_model("vllm/fake-model", base_url=r.base_url)
    verifier = get_model("vllm/fake-qwen2.5-verifier", base_url=v.base_url)
    with pytest.raises(OptagentError, match="reasoning model of a known family"):
        TrimR(plain, verifier, TrimRSettings())
    with pytest.raises(OptagentError, match="OpenAI-compatible reasoning model"):
        TrimR(get_model("mock"), verifier, TrimRSettings())


async def test_trimr_model_wraps_roles_and_collects_stats(servers):
    from optagent.core.types import Role
    from optagent.models import ModelRoles
    from optagent.models.trimr.model import TrimRModel, with_trimr

    r, _, v, _ = servers
    reasoning = get_model("vllm/fake-qwen3-thinker", base_url=r.base_url)
    verifier = get_model("vllm/fake-qwen2.5-verifier", base_url=v.base_url)
    roles = with_trimr(ModelRoles(reasoning, {Role.VERIFIER: verifier}), TrimRSettings())
    formulator = roles[Role.FORMULATOR]
    assert isinstance(formulator, TrimRModel) and roles[Role.VERIFIER].spec == verifier.spec
    output = await formulator.generate("converging")
    assert output.trimr.rule == Rule.OVERTHINKING and output.record.role == Role.FORMULATOR
    assert formulator.stats == [output.trimr]
    plain = TrimRModel(verifier, verifier, TrimRSettings())
    assert plain.trimr is None  # nothing to trim: passes straight through
    with pytest.raises(OptagentError, match="--role verifier="):
        with_trimr(ModelRoles(reasoning), TrimRSettings())


async def test_the_thinking_budget_fits_the_request_cap(servers):
    r, _, _, _ = servers
    trimr = _trimr(servers)
    assert trimr.for_cap(None).thinking_budget == 32768
    assert trimr.for_cap(4096 + 28672).thinking_budget == 4096 + 28672 - 2048, "Qwen3 in the agent: it binds"
    assert trimr.for_cap(4096).thinking_budget == 2048 and trimr.for_cap(100).answer_max_tokens == 50
    cap = 2 * _tokens("".join(SWITCHING[:4])) + 100
    output = await _trimr(servers, answer_max_tokens=100).generate("switching", max_tokens=cap)
    assert output.trimr.thinking_budget == cap - 100
    assert output.trimr.rule == Rule.UNDERTHINKING and output.trimr.cut_thought == 3, "half the capped budget"
    continuation = r.requests[-1]
    assert continuation["path"] == "/v1/completions"
    assert continuation["max_tokens"] == cap - output.trimr.kept_tokens, "thinking and answer stay within the cap"


async def test_the_verifier_sees_the_question_and_worked_examples(servers):
    from optagent.core.types import Message
    from optagent.models.trimr.verifier import question_of

    output = await _trimr(servers).generate("converging")
    assert output.trimr.rule == Rule.OVERTHINKING, "the examples in the prompt do not mislead the verdicts"
    _, _, _, verifier = servers
    assert verifier.questions and all("<question>\nconverging\n</question>" in q for q in verifier.questions)
    assert all("Examples:" in q for q in verifier.questions)
    has_answer = [q for q in verifier.questions if "<earlier>" not in q]
    shared = has_answer[0][: has_answer[0].rindex("<step>")]
    assert all(q.startswith(shared) for q in has_answer), "one shared prefix per request, for the prefix cache"
    long = [Message(role="system", content="s"), Message(role="user", content="start " + "x" * 5000 + " end")]
    cut = question_of(long, 200)
    assert cut.startswith("start") and cut.endswith("end") and len(cut) < 220


async def test_the_agent_asks_trimr_within_one_consistent_cap(servers):
    """The agent's request for a thinking model (cap + the profile's thinking room) sets TrimR's budget."""
    from optagent.agent.context import AgentSettings
    from optagent.agent.llm import sampling_for
    from optagent.core.types import Role
    from optagent.models import ModelRoles
    from optagent.models.trimr.model import with_trimr

    r, _, v, _ = servers
    reasoning = get_model("vllm/fake-qwen3-thinker", base_url=r.base_url)
    verifier = get_model("vllm/fake-qwen2.5-verifier", base_url=v.base_url)
    coder = with_trimr(ModelRoles(reasoning, {Role.VERIFIER: verifier}), TrimRSettings())[Role.CODER]
    sampling = sampling_for(coder, AgentSettings(strategy="direct"))
    assert sampling == {"max_tokens": 4096 + 28672}, "a thinking model is not forced greedy"
    output = await coder.generate("converging", **sampling)
    assert output.trimr.thinking_budget == 4096 + 28672 - 2048
    assert r.requests[0]["max_tokens"] == 4096 + 28672 and r.requests[0]["temperature"] == 0.6
