"""The OpenAI-compatible providers: `vllm/`, `openai/` and `llamacpp/` differ only in where
they look for the server, how they ask for JSON-schema output and what they suggest when
it is not there. One `OpenAICompatModel` does the talking, through the `openai` SDK so
vLLM's extras (structured outputs, reasoning fields, token ids) stay reachable.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import openai as openai_sdk
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from optagent.core.errors import OptagentError
from optagent.core.types import CallRecord, Message, Role
from optagent.models.base import Delta, ModelOutput
from optagent.models.chat import ChatModel, DeltaStream, schema_json
from optagent.models.profiles import Profile, find_profile, profile_named
from optagent.models.transport import EmptyReply, Endpoint, one_line, with_retries

JsonMode = Literal["json_schema", "json_object", "structured_outputs", "guided_json", "prompt"]
"""How a schema reaches the server: OpenAI's `response_format` json_schema; llama.cpp's
`response_format` json_object with a `schema`; vLLM's `structured_outputs` (>= 0.10.2) or
`guided_json` (older) request fields; or only an instruction in the prompt."""

STEP_HEADER = "X-Optagent-Step"
"""The HTTP header naming the LLM step of a request (its template), for server logs and proxies."""

OPENAI_PARAMS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "reasoning_effort",
        "user",
        "n",
    }
)


class TokenLogprob(BaseModel):
    token: str
    logprob: float
    top: dict[str, float] = {}


class Completion(BaseModel):
    """A raw text completion (`/v1/completions`): the continuation of a prompt string."""

    text: str
    logprobs: list[TokenLogprob] = []
    finish_reason: str | None = None
    record: CallRecord


def _reasoning_of(part: Any) -> str | None:
    """vLLM puts reasoning in `reasoning` (older servers: `reasoning_content`)."""
    extra = part.model_extra or {}
    return getattr(part, "reasoning", None) or extra.get("reasoning") or extra.get("reasoning_content")


def _wire(message: Message) -> ChatCompletionMessageParam:
    """One message as the SDK's request dict (a union of one dict type per role)."""
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "user":
        return {"role": "user", "content": message.content}
    return {"role": "assistant", "content": message.content}


class OpenAICompatModel(ChatModel):
    """A model behind an OpenAI-compatible endpoint.

    Sampling precedence: explicit call arguments, then `sampling=` given at construction,
    then the model family's profile. `thinking=True/False` becomes vLLM's
    `chat_template_kwargs.enable_thinking`; options the OpenAI API does not define (top_k,
    min_p, chat_template_kwargs, return_token_ids, ...) go in the request's extra body.
    """

    def __init__(
        self,
        name: str,
        endpoint: Endpoint,
        *,
        role: Role | None = None,
        json_mode: JsonMode = "json_schema",
        profile: str | None = None,
        sampling: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{endpoint.provider}/{name}", role)
        self.name = name
        self.settings = endpoint
        self.json_mode = json_mode
        self.native_schema = json_mode != "prompt"
        self.profile: Profile | None = profile_named(profile) if profile else find_profile(name)
        self.sampling = dict(sampling or {})

    @property
    def endpoint(self) -> str:
        return f"{', '.join(self.settings.urls)} (model {self.name})"

    def request(self, sampling: dict[str, Any], schema: type[BaseModel] | None = None) -> dict[str, Any]:
        """The keyword arguments for the SDK call: merged sampling, extra body, schema fields."""
        merged = dict(self.sampling, **sampling)
        thinking = merged.pop("thinking", None)
        base = self.profile.defaults(thinking) if self.profile else {}
        merged = {**base, **merged}
        extra_body = dict(merged.pop("extra_body", None) or {})
        if thinking is not None:
            extra_body["chat_template_kwargs"] = {
                **extra_body.get("chat_template_kwargs", {}),
                "enable_thinking": thinking,
            }
        args: dict[str, Any] = {}
        for key, value in merged.items():
            (args if key in OPENAI_PARAMS or key == "timeout" else extra_body)[key] = value
        if schema is not None:
            body = schema_json(schema)
            if self.json_mode == "json_schema":
                args["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": schema.__name__, "schema": body},
                }
            elif self.json_mode == "json_object":
                args["response_format"] = {"type": "json_object", "schema": body}
            elif self.json_mode == "structured_outputs":
                extra_body["structured_outputs"] = {"json": body}
            elif self.json_mode == "guided_json":
                extra_body["guided_json"] = body
        if extra_body:
            args["extra_body"] = extra_body
        if self.step is not None:
            args["extra_headers"] = {STEP_HEADER: self.step}
        return args

    async def _chat(
        self, messages: list[Message], schema: type[BaseModel] | None, sampling: dict[str, Any]
    ) -> ModelOutput:
        args = self.request(sampling, schema)
        payload = [_wire(m) for m in messages]
        started = time.perf_counter()

        async def attempt(server: openai_sdk.AsyncOpenAI) -> Any:
            response = await server.chat.completions.create(model=self.name, messages=payload, **args)
            if not response.choices:
                raise EmptyReply()
            message = response.choices[0].message
            if not (message.content or _reasoning_of(message)):
                raise EmptyReply()
            return response

        response, retries, url = await with_retries(self.settings, self.name, attempt)
        choice = response.choices[0]
        usage = response.usage
        details = getattr(usage, "completion_tokens_details", None) if usage else None
        record = self._record(
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            reasoning_tokens=getattr(details, "reasoning_tokens", None),
            latency_s=time.perf_counter() - started,
            retries=retries,
            finish_reason=choice.finish_reason,
            endpoint=url,
        )
        token_ids = (choice.model_extra or {}).get("token_ids")
        return ModelOutput(
            text=choice.message.content or "",
            reasoning=_reasoning_of(choice.message),
            record=record,
            token_ids=token_ids,
        )

    def _stream(self, messages: list[Message], sampling: dict[str, Any]) -> DeltaStream:
        args = self.request(sampling)
        payload = [_wire(m) for m in messages]

        async def open_stream(server: openai_sdk.AsyncOpenAI) -> Any:
            return await server.chat.completions.create(
                model=self.name, messages=payload, stream=True, stream_options={"include_usage": True}, **args
            )

        def piece(chunk: Any) -> tuple[Delta | None, str | None]:
            if not chunk.choices:
                return None, None
            choice = chunk.choices[0]
            delta = choice.delta
            return Delta(text=delta.content or "", reasoning=_reasoning_of(delta) or ""), choice.finish_reason

        return DeltaStream(lambda stream: self._relay(stream, open_stream, piece))

    async def _relay(self, stream: DeltaStream, open_stream: Any, piece: Any) -> AsyncIterator[Delta]:
        """Forward a server stream as deltas; a stream that ends without a finish reason was cut."""
        started = time.perf_counter()
        response, retries, url = await with_retries(self.settings, self.name, open_stream)
        pieces = received = 0
        finish: str | None = None
        usage = None
        try:
            try:
                async for chunk in response:
                    usage = getattr(chunk, "usage", None) or usage
                    delta, reason = piece(chunk)
                    finish = reason or finish
                    if delta is not None and (delta.text or delta.reasoning):
                        pieces += 1
                        received += len(delta.text) + len(delta.reasoning)
                        yield delta
            except GeneratorExit:
                finish = finish or "closed"
                raise
            except openai_sdk.APITimeoutError as error:
                raise OptagentError(
                    f"the stream from {self.endpoint} stalled: no data for {self.settings.timeout_s:g}s after "
                    f"{received} characters; raise timeout_s or check that the server is not overloaded"
                ) from error
            except Exception as error:
                raise OptagentError(
                    f"the stream from {self.endpoint} was cut off after {received} characters "
                    f"({type(error).__name__}: {one_line(error, 120)}); retry, and check the server's log"
                ) from error
            if finish is None:
                raise OptagentError(
                    f"the stream from {self.endpoint} ended after {received} characters without a finish "
                    "reason (cut off); retry, and check the server's log"
                )
        finally:
            await response.close()
            stream.record = self._record(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else pieces,
                latency_s=time.perf_counter() - started,
                retries=retries,
                finish_reason=finish,
                endpoint=url,
            )

    def _completion_args(self, sampling: dict[str, Any]) -> dict[str, Any]:
        sampling = dict(sampling)
        top = sampling.pop("top_logprobs", None)
        if top is not None:
            sampling["logprobs"] = max(int(top), 1)
        elif sampling.get("logprobs") is True:
            sampling["logprobs"] = 1
        return self.request(sampling)

    async def complete(self, prompt: str, **sampling: Any) -> Completion:
        """Continue a raw prompt through `/v1/completions` (no chat template).

        `logprobs=k` (or `top_logprobs=k`) returns, per generated token, its logprob and
        the k most likely alternatives, as TrimR needs to read one token's distribution.
        """
        args = self._completion_args(sampling)
        started = time.perf_counter()

        async def attempt(server: openai_sdk.AsyncOpenAI) -> Any:
            return await server.completions.create(model=self.name, prompt=prompt, **args)

        response, retries, url = await with_retries(self.settings, self.name, attempt)
        choice = response.choices[0]
        tokens: list[TokenLogprob] = []
        if choice.logprobs and choice.logprobs.tokens:
            tops = choice.logprobs.top_logprobs or [{}] * len(choice.logprobs.tokens)
            for token, logprob, top in zip(
                choice.logprobs.tokens, choice.logprobs.token_logprobs or [], tops, strict=False
            ):
                tokens.append(
                    TokenLogprob(token=token, logprob=logprob if logprob is not None else float("-inf"), top=top or {})
                )
        usage = response.usage
        record = self._record(
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else len(tokens),
            latency_s=time.perf_counter() - started,
            retries=retries,
            finish_reason=choice.finish_reason,
            endpoint=url,
        )
        return Completion(text=choice.text, logprobs=tokens, finish_reason=choice.finish_reason, record=record)

    def stream_completion(self, prompt: str, **sampling: Any) -> DeltaStream:
        """`complete` as a stream of text deltas, closable early like `stream`."""
        args = self._completion_args(sampling)

        async def open_stream(server: openai_sdk.AsyncOpenAI) -> Any:
            return await server.completions.create(model=self.name, prompt=prompt, stream=True, **args)

        def piece(chunk: Any) -> tuple[Delta | None, str | None]:
            if not chunk.choices:
                return None, None
            return Delta(text=chunk.choices[0].text or ""), chunk.choices[0].finish_reason

        return DeltaStream(lambda stream: self._relay(stream, open_stream, piece))


def base_urls(value: str | list[str] | None) -> list[str]:
    """A `--base-url` value as replica URLs: one URL, a comma list, or a list of either."""
    values = [value] if isinstance(value, str) else list(value or [])
    urls = [part.strip() for item in values for part in item.split(",") if part.strip()]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise OptagentError(
                f"base URL '{url}' is not an http(s) URL; write e.g. http://host:8000/v1 "
                "(several replicas: repeat --base-url or separate them with commas)"
            )
    return list(dict.fromkeys(urls))


def _endpoint(
    provider: str, base_url: str | list[str] | None, url_env: str, default_url: str, **settings: Any
) -> Endpoint:
    urls = base_urls(base_url) or base_urls(os.environ.get(url_env)) or [default_url]
    return Endpoint(
        provider=provider, base_url=urls[0], replicas=urls if len(urls) > 1 else [], base_url_env=url_env, **settings
    )


def vllm(
    name: str,
    *,
    role: Role | None = None,
    base_url: str | list[str] | None = None,
    api_key: str | None = None,
    json_mode: JsonMode = "json_schema",
    profile: str | None = None,
    sampling: dict[str, Any] | None = None,
    **settings: Any,
) -> OpenAICompatModel:
    """A vLLM server: `base_url=`, else `OPTAGENT_VLLM_BASE_URL`, else http://localhost:8000/v1."""
    endpoint = _endpoint(
        "vllm",
        base_url,
        "OPTAGENT_VLLM_BASE_URL",
        "http://localhost:8000/v1",
        api_key=api_key or os.environ.get("OPTAGENT_VLLM_API_KEY") or "none",
        api_key_env="OPTAGENT_VLLM_API_KEY",
        start_hint=f"`optagent serve --backend vllm {name}` or `vllm serve {name}`",
        **settings,
    )
    return OpenAICompatModel(name, endpoint, role=role, json_mode=json_mode, profile=profile, sampling=sampling)


def openai(
    name: str,
    *,
    role: Role | None = None,
    base_url: str | list[str] | None = None,
    api_key: str | None = None,
    json_mode: JsonMode = "json_schema",
    profile: str | None = None,
    sampling: dict[str, Any] | None = None,
    **settings: Any,
) -> OpenAICompatModel:
    """The OpenAI API (or any server at `OPENAI_BASE_URL`), keyed by `OPENAI_API_KEY`."""
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if not key:
        raise OptagentError(f"openai/{name} needs an API key; set OPENAI_API_KEY (or pass api_key=)")
    endpoint = _endpoint(
        "openai",
        base_url,
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        api_key=key,
        api_key_env="OPENAI_API_KEY",
        **settings,
    )
    return OpenAICompatModel(name, endpoint, role=role, json_mode=json_mode, profile=profile, sampling=sampling)


def llamacpp(
    name: str,
    *,
    role: Role | None = None,
    base_url: str | list[str] | None = None,
    api_key: str | None = None,
    json_mode: JsonMode = "json_object",
    profile: str | None = None,
    sampling: dict[str, Any] | None = None,
    **settings: Any,
) -> OpenAICompatModel:
    """A llama.cpp server (`python -m llama_cpp.server`); its schema output is `json_object` + `schema`."""
    endpoint = _endpoint(
        "llamacpp",
        base_url,
        "OPTAGENT_LLAMACPP_BASE_URL",
        "http://127.0.0.1:8080/v1",
        api_key=api_key or "none",
        start_hint=f"`python -m llama_cpp.server --model FILE.gguf --model_alias {name} --port 8080`",
        **settings,
    )
    return OpenAICompatModel(name, endpoint, role=role, json_mode=json_mode, profile=profile, sampling=sampling)
