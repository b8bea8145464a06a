"""One TrimR call: stream the thinking, cut it on a rule, continue with a guide.

The reasoning model streams through the chat endpoint; a `Monitor` splits its reasoning
into thoughts and has the verifier judge them while the stream keeps running. When a rule
fires the stream is closed (the server stops generating when the connection closes), the
thinking is kept up to the end of the deciding thought, and the answer is generated
through `/v1/completions` from the rendered prompt + kept thinking + a guide:

- overthinking: a mild lead into the final answer ("**Final Answer**"), the model closes
  its thinking itself;
- underthinking and loops: the thinking is closed (`</think>` or the family's delimiter)
  with a request to answer now.

The re-sent prefix is what the server just processed, so its prefix cache (vLLM's
automatic prefix caching, llama.cpp's slot cache) makes the continuation's prefill cheap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from optagent.core.errors import OptagentError
from optagent.core.types import Message
from optagent.models.base import Delta, Model, ModelOutput
from optagent.models.chat import DeltaStream, as_messages
from optagent.models.providers import OpenAICompatModel
from optagent.models.trimr.monitor import Cut, Monitor
from optagent.models.trimr.prompting import PromptRenderer
from optagent.models.trimr.rules import Rule
from optagent.models.trimr.settings import TrimRSettings
from optagent.models.trimr.stats import TrimRStats
from optagent.models.trimr.verifier import Verifier, question_of
from optagent.prompts import render

_QUESTION = "\x00TRIMR-QUESTION\x00"


class TrimROutput(ModelOutput):
    """A `ModelOutput` that also carries what TrimR did, in its call record too (for the run log)."""

    trimr: TrimRStats

    def model_post_init(self, context: Any, /) -> None:
        self.record = self.record.model_copy(update={"trimr": self.trimr.model_dump(mode="json")})


class TrimRStream(DeltaStream):
    """The deltas of one TrimR call; `result` (and `record`) are set when it ends."""

    result: TrimROutput | None = None


def _served(candidate: Model, which: str) -> OpenAICompatModel:
    if not isinstance(candidate, OpenAICompatModel):
        raise OptagentError(
            f"TrimR needs an OpenAI-compatible {which} (vllm/..., llamacpp/..., openai/...), got "
            f"{candidate.spec}; drop --trimr or point the role at a served model"
        )
    return candidate


class TrimR:
    """TrimR for one reasoning model and one verifier model (both OpenAI-compatible)."""

    def __init__(self, model: Model, verifier: Model, settings: TrimRSettings) -> None:
        model = _served(model, "reasoning model")
        verifier = _served(verifier, "verifier")
        profile = model.profile
        if profile is None or not profile.reasons or not profile.reflection_markers:
            raise OptagentError(
                f"TrimR needs a reasoning model of a known family; {model.name} has no thinking profile "
                "(Qwen3, QwQ, DeepSeek-R1 distills, gpt-oss); drop --trimr or pass profile="
            )
        self.model = model
        self.verifier = verifier
        self.settings = settings
        self._profile = profile
        self._prompts = PromptRenderer(model)
        self._verifier_prompts = PromptRenderer(verifier)
        self._question_frame: tuple[str, str] | None = None

    def stream(self, messages: list[Message] | str, **sampling: Any) -> TrimRStream:
        """Reasoning deltas live while thinking, then the continuation.

        A consumer of the stream sees the reasoning streamed past the cut (it arrived before
        the verdict); `result.reasoning` holds only what was kept.
        """
        return TrimRStream(lambda out: self._run(out, as_messages(messages), sampling))

    async def generate(self, messages: list[Message] | str, **sampling: Any) -> TrimROutput:
        stream = self.stream(messages, **sampling)
        async for _ in stream:
            pass
        assert stream.result is not None
        return stream.result

    async def ask_verifier(self, question: str) -> dict[str, float]:
        """The verifier's first-token top logprobs for one question (max_tokens=1, no decoding)."""
        if self._question_frame is None:
            framed = await self._verifier_prompts.render([Message(role="user", content=_QUESTION)])
            head, _, tail = framed.partition(_QUESTION)
            self._question_frame = (head, tail)
        head, tail = self._question_frame
        completion = await self.verifier.complete(
            head + question.strip() + tail,
            max_tokens=1,
            temperature=0.0,
            logprobs=self.settings.verifier_top_logprobs,
        )
        if not completion.logprobs:
            return {}
        first = completion.logprobs[0]
        return {first.token: first.logprob, **first.top}

    def for_cap(self, cap: int | None) -> TrimRSettings:
        """The settings of one call whose request allows `cap` tokens (thinking and answer).

        The thinking budget is the cap less the answer's room (`answer_max_tokens`, at most
        half a small cap), so it binds before the server's cap does: a 32768-token budget
        under a 4096-token cap never would. The answer after a cut gets what the cap leaves.
        """
        if cap is None:
            return self.settings
        room = min(self.settings.answer_max_tokens, max(1, cap // 2))
        budget = max(1, min(self.settings.thinking_budget, cap - room))
        return self.settings.model_copy(update={"thinking_budget": budget, "answer_max_tokens": room})

    async def _run(self, out: TrimRStream, messages: list[Message], sampling: dict[str, Any]) -> AsyncIterator[Delta]:
        started = time.perf_counter()
        cap = sampling.get("max_tokens") or sampling.get("max_completion_tokens")
        settings = self.for_cap(cap)
        verifier = Verifier(
            self.ask_verifier,
            sentences=settings.verifier_sentences,
            concurrency=settings.verifier_concurrency,
            question=question_of(messages, settings.verifier_question_chars),
        )
        monitor = Monitor(settings, self._profile.reflection_markers, verifier)
        request, native = self._native(sampling, settings)
        reasoning: list[str] = []
        answer: list[str] = []
        inner = self.model.stream(messages, **request)
        try:
            async for delta in inner:
                if delta.reasoning and not answer:
                    monitor.feed(delta.reasoning)
                    reasoning.append(delta.reasoning)
                    yield Delta(reasoning=delta.reasoning)
                    # Buffered chunks can arrive without suspending; let verdicts run.
                    await asyncio.sleep(0)
                if delta.text:
                    if not answer:
                        await monitor.close()
                    answer.append(delta.text)
                    yield Delta(text=delta.text)
                if monitor.cut is not None:
                    break
        finally:
            await inner.aclose()
            await monitor.close()
        record = inner.record
        cut = monitor.cut
        if (
            cut is None
            and not answer
            and "repetition_detection" in native
            and record
            and record.finish_reason != "stop"
        ):
            cut = Cut(rule=Rule.REPETITION, position=len(monitor.text), thought=None)
        stats = TrimRStats(
            thinking_budget=settings.thinking_budget,
            native=native,
            thoughts=monitor.thoughts,
            thinking_tokens=monitor.tokens,
            verifier_calls=len(verifier.calls),
            verifier_latency_s=sum(c.latency_s for c in verifier.calls),
            verifier_latency_max_s=max((c.latency_s for c in verifier.calls), default=0.0),
            verifier_error=monitor.verifier_error,
        )
        if cut is None:
            if "thinking_budget" in native and monitor.tokens >= settings.underthinking_tokens:
                stats.rule = Rule.UNDERTHINKING
            else:
                stats.untrimmed_tokens = monitor.tokens
            stats.kept_tokens = monitor.tokens
            stats.wall_s = time.perf_counter() - started
            assert record is not None
            out.result = TrimROutput(
                text="".join(answer), reasoning="".join(reasoning) or None, record=record, trimr=stats
            )
            out.record = out.result.record
            return
        stats.rule, stats.cut_thought = cut.rule, cut.thought
        stats.kept_tokens = monitor.tokens_until(cut.position)
        kept = monitor.text[: cut.position]
        extra_reasoning: list[str] = []
        continued = self.model.stream_completion(
            await self._continuation_prompt(messages, kept, cut.rule),
            **{k: v for k, v in sampling.items() if k not in ("thinking", "max_tokens", "max_completion_tokens")},
            max_tokens=max(settings.answer_max_tokens, cap - stats.kept_tokens) if cap else settings.answer_max_tokens,
        )
        guide = self._guide(cut.rule)
        think_end = self._profile.think_end
        yield Delta(reasoning="\n\n" + guide.split(think_end)[0])
        closed = cut.rule != Rule.OVERTHINKING
        held = ""
        try:
            async for delta in continued:
                if closed:
                    answer.append(delta.text)
                    yield Delta(text=delta.text)
                    continue
                held += delta.text
                if think_end in held:
                    before, _, after = held.partition(think_end)
                    extra_reasoning.append(before)
                    yield Delta(reasoning=before)
                    closed = True
                    if after:
                        answer.append(after)
                        yield Delta(text=after)
        finally:
            await continued.aclose()
        if not closed and held:
            answer.append(held)
            yield Delta(text=held)
        assert continued.record is not None and record is not None
        stats.continuation_tokens = continued.record.completion_tokens
        stats.wall_s = time.perf_counter() - started
        kept_reasoning = kept.rstrip() + "\n\n" + guide.split(think_end)[0] + "".join(extra_reasoning)
        out.result = TrimROutput(
            text="".join(answer).strip(),
            reasoning=kept_reasoning,
            record=record.model_copy(
                update={
                    "prompt_tokens": record.prompt_tokens + continued.record.prompt_tokens,
                    "completion_tokens": monitor.tokens + stats.continuation_tokens,
                    "reasoning_tokens": monitor.tokens,
                    "latency_s": stats.wall_s,
                    "finish_reason": continued.record.finish_reason,
                }
            ),
            trimr=stats,
        )
        out.record = out.result.record

    def _native(self, sampling: dict[str, Any], settings: TrimRSettings) -> tuple[dict[str, Any], list[str]]:
        """The request with the server-side rules switched on, and their names for the log."""
        request = dict(sampling)
        native: list[str] = []
        if settings.native_thinking_budget:
            request["thinking_token_budget"] = settings.underthinking_tokens
            native.append("thinking_budget")
        if settings.native_repetition_detection:
            request["repetition_detection"] = {
                "min_pattern_size": settings.repetition_ngram,
                "max_pattern_size": 8 * settings.repetition_ngram,
                "min_count": settings.repetition_count,
            }
            native.append("repetition_detection")
        return request, native

    def _guide(self, rule: Rule) -> str:
        if rule == Rule.OVERTHINKING:
            return render("trimr/guide_overthinking")
        return render("trimr/guide_answer_now", think_end=self._profile.think_end)

    async def _continuation_prompt(self, messages: list[Message], kept: str, rule: Rule) -> str:
        prompt = await self._prompts.render(messages)
        start = self._profile.think_start
        if not prompt.rstrip().endswith(start):
            prompt += start + "\n"
        return prompt + kept.rstrip() + "\n\n" + self._guide(rule)
