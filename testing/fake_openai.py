"""A small OpenAI-compatible server on 127.0.0.1 that misbehaves on purpose.

It serves `/v1/models`, `/v1/chat/completions` and `/v1/completions`, plain and streamed
(SSE over chunked transfer encoding, as vLLM and llama.cpp do), from its own event loop in
a background thread, so synchronous and asynchronous callers can both use it:

    with FakeOpenAI(reply="hello") as server:
        model = get_model("vllm/fake-model", base_url=server.base_url)
        server.faults.extend(["500", "500"])   # the next two requests fail with HTTP 500

Faults, consumed one per completion request: "500", "503", "429", "401" (an HTTP status),
"drop" (close the connection without answering), "hang" (never answer), "empty" (an
empty reply), "cut" (close the connection half-way through the body or stream),
"no_finish" (a stream that ends cleanly but without a finish reason or [DONE]), "stall" (a
stream that stops sending half-way and keeps the connection open).
A reply dict may carry `top_logprobs` (one {token: logprob} dict per token) to script the
distribution a non-streamed `/v1/completions` call reports, as a Yes/No verifier needs.
`models_latency_s` delays `/v1/models` (a busy server, as a health probe sees it).
A request naming a model not in `models` gets vLLM's 404; with `api_key` set, a request
without that key gets 401. A `reply` function gets the request: its JSON body plus `path`
and `step` (the `X-Optagent-Step` header an LLM step sends, or None). A shared test double
(`testing/`), used by the tests and the benches alike.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Self

from optagent.models.providers import STEP_HEADER

Reply = str | dict[str, Any]


class FakeOpenAI:
    def __init__(
        self,
        models: tuple[str, ...] = ("fake-model",),
        reply: Reply | Callable[[dict[str, Any]], Reply] = "Hello from the fake server.",
        *,
        latency_s: float = 0.0,
        chunk_chars: int = 4,
        chunk_delay_s: float = 0.0,
        api_key: str | None = None,
    ) -> None:
        self.models = models
        self.reply = reply
        self.latency_s = latency_s
        self.models_latency_s = 0.0  # a busy server: /v1/models answers this late
        self.chunk_chars = chunk_chars
        self.chunk_delay_s = chunk_delay_s
        self.api_key = api_key
        self.faults: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-openai")
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> Self:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", 0), self._loop
        ).result()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # HTTP/1.1 with keep-alive, just enough for httpx.

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                keep = await self._handle(method, path, headers, json.loads(body) if body else {}, writer)
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # a cancelled connection ends quietly: asyncio 3.11 logs cancelled stream handlers
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, status: int, payload: Any) -> bool:
        data = json.dumps(payload).encode()
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}.get(status, "Error")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        return True

    async def _handle(
        self, method: str, path: str, headers: dict[str, str], body: dict, writer: asyncio.StreamWriter
    ) -> bool:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return await self._send(writer, 401, _error("Incorrect API key provided.", "invalid_api_key"))
        if method == "GET" and path.rstrip("/") == "/v1/models":
            if self.models_latency_s:
                await asyncio.sleep(self.models_latency_s)
            data = [{"id": name, "object": "model", "owned_by": "fake"} for name in self.models]
            return await self._send(writer, 200, {"object": "list", "data": data})
        if method != "POST" or path not in ("/v1/chat/completions", "/v1/completions"):
            return await self._send(writer, 404, _error(f"no route {method} {path}", "not_found"))
        request = {"path": path, "step": headers.get(STEP_HEADER.lower()), **body}
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._complete(path, request, writer)
        finally:
            self.in_flight -= 1

    async def _complete(self, path: str, body: dict, writer: asyncio.StreamWriter) -> bool:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        fault = self.faults.popleft() if self.faults else ""
        if fault.isdigit():
            return await self._send(writer, int(fault), _error(f"scripted HTTP {fault}", "server_error"))
        if fault == "drop":
            return False
        if fault == "hang":
            await asyncio.sleep(3600)
        if body.get("model") not in self.models:
            return await self._send(
                writer, 404, _error(f"The model `{body.get('model')}` does not exist.", "NotFoundError")
            )
        reply = self.reply(body) if callable(self.reply) else self.reply
        reply = {"content": reply} if isinstance(reply, str) else dict(reply)
        top_logprobs = reply.pop("top_logprobs", None)
        if fault == "empty":
            reply = {"content": ""}
        chat = path == "/v1/chat/completions"
        if body.get("stream"):
            return await self._stream(writer, body, reply, chat, fault)
        payload = _chat_payload(body, reply) if chat else _completion_payload(body, reply["content"], top_logprobs)
        if fault == "cut":
            data = json.dumps(payload).encode()
            writer.write(
                f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n".encode()
                + data[: len(data) // 2]
            )
            await writer.drain()
            return False
        return await self._send(writer, 200, payload)

    async def _stream(
        self, writer: asyncio.StreamWriter, body: dict, reply: dict[str, str], chat: bool, fault: str
    ) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        events = list(_stream_events(body, reply, chat, self.chunk_chars))
        try:
            for number, event in enumerate(events):
                if fault in ("cut", "stall") and number == len(events) // 2:
                    await writer.drain()
                    if fault == "stall":
                        await asyncio.sleep(3600)
                    return False
                if fault == "no_finish" and ('"finish_reason": "' in event or event == "[DONE]"):
                    continue
                data = f"data: {event}\n\n".encode()
                writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                await writer.drain()
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            self.disconnects += 1
            return False
        return True


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


def _usage(body: dict, completion: str) -> dict[str, int]:
    prompt = _tokens(json.dumps(body.get("messages") or body.get("prompt") or ""))
    completion_tokens = _tokens(completion)
    return {"prompt_tokens": prompt, "completion_tokens": completion_tokens, "total_tokens": prompt + completion_tokens}


def _chat_payload(body: dict, reply: dict[str, str]) -> dict[str, Any]:
    message = {"role": "assistant", **reply}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(body, "".join(reply.values())),
    }


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _logprobs(pieces: list[str], k: int) -> dict[str, Any]:
    alternatives = [" Wait", " So", " Therefore", " But", " Hmm"]
    tops = [
        {piece: -0.25, **{alt: -1.5 - i for i, alt in enumerate(alternatives[: max(k - 1, 0)])}} for piece in pieces
    ]
    return {"tokens": pieces, "token_logprobs": [-0.25] * len(pieces), "top_logprobs": tops, "text_offset": []}


def _completion_payload(body: dict, text: str, top_logprobs: list[dict[str, float]] | None = None) -> dict[str, Any]:
    if body.get("max_tokens"):
        text = "".join(_pieces(text, 4)[: body["max_tokens"]])
    logprobs = _logprobs(_pieces(text, 4), int(body["logprobs"])) if body.get("logprobs") else None
    if logprobs and top_logprobs:
        # A scripted distribution per token (e.g. P(" Yes") vs P(" No") for a verifier).
        tops = top_logprobs[: len(logprobs["tokens"])]
        logprobs["top_logprobs"][: len(tops)] = tops
        logprobs["token_logprobs"][: len(tops)] = [t.get(tok, -0.25) for t, tok in zip(tops, logprobs["tokens"])]
    return {
        "id": "cmpl-fake",
        "object": "text_completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "text": text,
                "finish_reason": "length" if body.get("max_tokens") else "stop",
                "logprobs": logprobs,
            }
        ],
        "usage": _usage(body, text),
    }


def _stream_events(body: dict, reply: dict[str, str], chat: bool, size: int):
    base = {"id": "fake", "created": int(time.time()), "model": body["model"]}
    if chat:
        base["object"] = "chat.completion.chunk"
        yield json.dumps({**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]})
        for field, text in reply.items():
            for piece in _pieces(text, size):
                yield json.dumps({**base, "choices": [{"index": 0, "delta": {field: piece}, "finish_reason": None}]})
        yield json.dumps({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    else:
        base["object"] = "text_completion"
        for piece in _pieces(reply["content"], size):
            yield json.dumps({**base, "choices": [{"index": 0, "text": piece, "finish_reason": None}]})
        yield json.dumps({**base, "choices": [{"index": 0, "text": "", "finish_reason": "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        yield json.dumps({**base, "choices": [], "usage": _usage(body, "".join(reply.values()))})
    yield "[DONE]"
