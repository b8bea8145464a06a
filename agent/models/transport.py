"""Talking to one OpenAI-compatible endpoint: clients, the per-endpoint concurrency limit,
retries with backoff and jitter, and turning every failure into one line saying what to do.

Clients and semaphores are cached per event loop (an `AsyncOpenAI` client and an
`asyncio.Semaphore` belong to the loop that first used them) and, within a loop, per base
URL, so every model and role pointing at one server shares its limit. A stream holds its
slot while the request is being opened, not while the caller reads it: a caller that keeps
a stream open while it makes other calls to the same server (TrimR does) must not deadlock.
"""

from __future__ import annotations

import asyncio
import random
import re
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

import openai
from pydantic import BaseModel

from optagent.errors import OptagentError

T = TypeVar("T")


class Endpoint(BaseModel):
    """Where a provider sends requests, and how patiently."""

    provider: str
    base_url: str
    api_key: str = "none"
    timeout_s: float = 300.0
    max_retries: int = 3
    retry_base_delay_s: float = 0.5
    retry_max_delay_s: float = 20.0
    concurrency: int = 16
    base_url_env: str = ""
    api_key_env: str = ""
    start_hint: str = ""

    def backoff_s(self, retry: int) -> float:
        """Exponential backoff with full-range jitter (0.5x to 1.5x), capped."""
        return min(self.retry_max_delay_s, self.retry_base_delay_s * 2**retry) * random.uniform(0.5, 1.5)


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, openai.AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)
_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def client(endpoint: Endpoint) -> openai.AsyncOpenAI:
    """The loop's client for this endpoint; the SDK's own retries are off (ours count them)."""
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    key = (endpoint.base_url, endpoint.api_key, endpoint.timeout_s)
    if key not in per_loop:
        per_loop[key] = openai.AsyncOpenAI(
            base_url=endpoint.base_url, api_key=endpoint.api_key, timeout=endpoint.timeout_s, max_retries=0
        )
    return per_loop[key]


def limit(endpoint: Endpoint) -> asyncio.Semaphore:
    """The loop's semaphore for this base URL; the first model to ask sets its size."""
    per_loop = _limits.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(endpoint.base_url.rstrip("/"), asyncio.Semaphore(endpoint.concurrency))


_started_servers: dict[str, Callable[[], str | None]] = {}


def watch_started_server(base_url: str, death: Callable[[], str | None]) -> None:
    """Register a server optagent itself started: `death()` is None while it runs, else
    one line saying how it died. Failures talking to it then say that, never "cannot reach"."""
    _started_servers[base_url.rstrip("/")] = death


def forget_started_server(base_url: str) -> None:
    _started_servers.pop(base_url.rstrip("/"), None)


def started_server_death(base_url: str) -> str | None:
    death = _started_servers.get(base_url.rstrip("/"))
    return death() if death else None


class EmptyReply(Exception):
    """The server answered with neither text nor reasoning."""


def retryable(error: BaseException) -> bool:
    if isinstance(error, (openai.APIConnectionError, openai.RateLimitError, EmptyReply)):
        return True
    return isinstance(error, openai.APIStatusError) and error.status_code >= 500


async def with_retries(endpoint: Endpoint, model_name: str, attempt: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """Run `attempt` under the endpoint's concurrency limit, retrying transient failures.

    Returns the result and the number of retries; raises one `OptagentError` line when the
    failure is permanent or the retries are spent. An empty reply is retried once only: a
    deterministic request tends to come back empty again.
    """
    retries = 0
    while True:
        try:
            async with limit(endpoint):
                return await attempt(), retries
        except Exception as error:
            if died := started_server_death(endpoint.base_url):
                raise OptagentError(died) from error
            spent = retries >= (min(1, endpoint.max_retries) if isinstance(error, EmptyReply) else endpoint.max_retries)
            if not retryable(error) or spent:
                raise await explain(error, endpoint, model_name, tries=retries + 1) from error
        await asyncio.sleep(endpoint.backoff_s(retries))
        retries += 1


def one_line(text: object, limit_chars: int = 240) -> str:
    flat = re.sub(r"\s+", " ", str(text)).strip()
    return flat if len(flat) <= limit_chars else flat[: limit_chars - 3] + "..."


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        body = body.get("message") or body.get("detail") or body.get("error") or body
    return one_line(body or error.message, 160)


async def served_models(endpoint: Endpoint) -> list[str]:
    """The names `/v1/models` lists; quick, no retries."""
    listing = await client(endpoint).models.list(timeout=min(10.0, endpoint.timeout_s))
    return [entry.id for entry in listing.data]


async def explain(error: BaseException, endpoint: Endpoint, model_name: str, tries: int) -> OptagentError:
    """One line naming the endpoint, what went wrong and what to do about it."""
    url = endpoint.base_url
    if died := started_server_death(url):
        return OptagentError(died)
    times = f"{tries} tr{'y' if tries == 1 else 'ies'}"
    where_env = f" or set {endpoint.base_url_env}" if endpoint.base_url_env else ""
    if isinstance(error, openai.APITimeoutError):
        return OptagentError(
            f"{url}: model {model_name} did not answer within {endpoint.timeout_s:g}s ({times}); "
            "raise timeout_s or check that the server is not overloaded"
        )
    if isinstance(error, openai.APIConnectionError):
        cause = one_line(error.__cause__ or error, 120)
        hint = f"start one ({endpoint.start_hint})" if endpoint.start_hint else "check that it is running"
        return OptagentError(f"cannot reach {url} ({cause}; {times}); {hint}, or pass --base-url{where_env}")
    if isinstance(error, EmptyReply):
        return OptagentError(
            f"{url}: model {model_name} returned an empty reply ({times}); check max_tokens and the "
            "server's chat template"
        )
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        key = endpoint.api_key_env or "the api_key option"
        return OptagentError(
            f"{url} rejected the API key (HTTP {error.status_code}: {_server_message(error)}); set a valid {key}"
        )
    if isinstance(error, openai.NotFoundError):
        try:
            names = await served_models(endpoint)
        except Exception:
            return OptagentError(
                f"{url} answered 404 ({_server_message(error)}) and lists no models; check that the base URL "
                "is the server's OpenAI API root, usually ending in /v1"
            )
        suggestion = f"; use --model {endpoint.provider}/{names[0]}" if names else ""
        return OptagentError(
            f"model '{model_name}' is not served at {url}; it serves: {', '.join(names) or 'nothing'}{suggestion}"
        )
    if isinstance(error, openai.RateLimitError):
        return OptagentError(
            f"{url} kept answering 429 (rate limited) for model {model_name} ({times}); lower the "
            "concurrency or wait and resume"
        )
    if isinstance(error, openai.APIStatusError):
        if error.status_code >= 500:
            return OptagentError(
                f"{url} failed with HTTP {error.status_code} for model {model_name} ({times}: "
                f"{_server_message(error)}); check the server's log"
            )
        return OptagentError(
            f"{url} rejected the request for model {model_name} (HTTP {error.status_code}: "
            f"{_server_message(error)}); check the sampling options and the prompt length"
        )
    if isinstance(error, OptagentError):
        return error
    return OptagentError(f"{url}: model {model_name} failed: {type(error).__name__}: {one_line(error)}")
