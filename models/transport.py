"""Talking to an OpenAI-compatible endpoint: clients, the per-server concurrency limit,
retries with backoff and jitter, and turning every failure into one line saying what to do.

An endpoint may be served by several replicas (one vLLM server per data-parallel rank):
each request goes to the live replica with the fewest requests outstanding (waiting for
its slot or in flight), each replica has its own concurrency limit, a replica that fails
(connection refused or dropped, HTTP 5xx) is taken out and probed (`/v1/models`) until it
answers again, and the request is retried at once on another. The caller learns which
replica answered. With one replica nothing is taken out: retries back off as before.

Clients and replica states are cached per event loop (an `AsyncOpenAI` client and an
`asyncio.Semaphore` belong to the loop that first used them) and, within a loop, per base
URL, so every model and role pointing at one server shares its limit. A stream holds its
slot while the request is being opened, not while the caller reads it: a caller that keeps
a stream open while it makes other calls to the same server (TrimR does) must not deadlock.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import openai
from pydantic import BaseModel, Field

from optagent.core.errors import OptagentError

T = TypeVar("T")


class Endpoint(BaseModel):
    """Where a provider sends requests, and how patiently."""

    provider: str
    base_url: str
    replicas: list[str] = Field(
        default_factory=list, description="every replica's base URL, base_url first; empty: base_url alone"
    )
    api_key: str = "none"
    timeout_s: float = 300.0
    max_retries: int = 3
    retry_base_delay_s: float = 0.5
    retry_max_delay_s: float = 20.0
    concurrency: int = 16
    base_url_env: str = ""
    api_key_env: str = ""
    start_hint: str = ""

    @property
    def urls(self) -> list[str]:
        return self.replicas or [self.base_url]

    def backoff_s(self, retry: int) -> float:
        """Exponential backoff with full-range jitter (0.5x to 1.5x), capped."""
        return min(self.retry_max_delay_s, self.retry_base_delay_s * 2**retry) * random.uniform(0.5, 1.5)


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str, float], openai.AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)
_replicas: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Replica]] = weakref.WeakKeyDictionary()

PROBE_FIRST_S = 1.0
PROBE_MAX_S = 30.0


def client(endpoint: Endpoint, base_url: str | None = None) -> openai.AsyncOpenAI:
    """The loop's client for one replica (default: the first); the SDK's own retries are off (ours count them)."""
    url = base_url or endpoint.base_url
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    key = (url, endpoint.api_key, endpoint.timeout_s)
    if key not in per_loop:
        per_loop[key] = openai.AsyncOpenAI(
            base_url=url, api_key=endpoint.api_key, timeout=endpoint.timeout_s, max_retries=0
        )
    return per_loop[key]


@dataclass
class Replica:
    """One server's state in this loop: its limit, its load, whether it is taken out."""

    url: str
    limit: int
    in_flight: int = 0
    answered: int = 0
    failed: int = 0
    out_since: float | None = None
    dead: str | None = None  # a server optagent started that died: never probed back
    probe: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def up(self) -> bool:
        return self.out_since is None and self.dead is None


_changes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Condition] = weakref.WeakKeyDictionary()


def _changed() -> asyncio.Condition:
    """Notified whenever a slot frees or a replica comes back in."""
    return _changes.setdefault(asyncio.get_running_loop(), asyncio.Condition())


def replica(endpoint: Endpoint, url: str) -> Replica:
    """The loop's state for this base URL; the first model to ask sets its limit."""
    per_loop = _replicas.setdefault(asyncio.get_running_loop(), {})
    key = url.rstrip("/")
    if key not in per_loop:
        per_loop[key] = Replica(url=url, limit=endpoint.concurrency)
    return per_loop[key]


def replica_states() -> list[Replica]:
    """Every replica this loop has used, for a live display."""
    try:
        return list(_replicas.get(asyncio.get_running_loop(), {}).values())
    except RuntimeError:
        return []


_turn = itertools.count()


async def acquire(endpoint: Endpoint) -> Replica:
    """A slot on the live replica with the fewest requests in flight (ties in turn), waiting
    while every live one is full. When none is live, the one taken out longest ago, so a
    lone endpoint is retried as before."""
    changed = _changed()
    async with changed:
        while True:
            replicas = [replica(endpoint, url) for url in endpoint.urls]
            live = [r for r in replicas if r.up]
            if not live:
                waiting = [r for r in replicas if r.dead is None] or replicas
                live = [min(waiting, key=lambda r: r.out_since or 0.0)]
            free = [r for r in live if r.in_flight < r.limit]
            if free:
                start = next(_turn) % len(free)
                chosen = min(free[start:] + free[:start], key=lambda r: r.in_flight)
                chosen.in_flight += 1
                return chosen
            await changed.wait()


async def release(chosen: Replica) -> None:
    chosen.in_flight -= 1
    async with (changed := _changed()):
        changed.notify_all()


def take_out(endpoint: Endpoint, chosen: Replica) -> None:
    """A replica failed: out of the rotation until a probe of `/v1/models` answers."""
    chosen.failed += 1
    if len(endpoint.urls) == 1 or not chosen.up:
        return
    chosen.out_since = time.monotonic()
    chosen.probe = asyncio.get_running_loop().create_task(_probe(endpoint, chosen))


async def _probe(endpoint: Endpoint, chosen: Replica) -> None:
    delay = PROBE_FIRST_S
    while chosen.dead is None and chosen.out_since is not None:
        await asyncio.sleep(delay)
        if died := started_server_death(chosen.url):
            chosen.dead = died
            return
        try:
            await client(endpoint, chosen.url).models.list(timeout=min(5.0, endpoint.timeout_s))
        except Exception:
            delay = min(PROBE_MAX_S, delay * 2)
            continue
        chosen.out_since = None
        async with (changed := _changed()):
            changed.notify_all()


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


async def with_retries(
    endpoint: Endpoint, model_name: str, attempt: Callable[[openai.AsyncOpenAI], Awaitable[T]]
) -> tuple[T, int, str]:
    """Run `attempt(client)` on a replica, under its concurrency limit, retrying transient failures.

    Returns the result, the number of retries and the base URL of the replica that answered;
    raises one `OptagentError` line when the failure is permanent or the retries are spent.
    A retry goes at once to another live replica, else waits its backoff. An empty reply is
    retried once only: a deterministic request tends to come back empty again.
    """
    retries = 0
    while True:
        chosen = await acquire(endpoint)
        sent = time.monotonic()
        try:
            result = await attempt(client(endpoint, chosen.url))
            chosen.answered += 1
            if chosen.out_since is not None and chosen.out_since < sent:
                chosen.out_since = None  # sent while it was out (no other was live), and it answered: back in
            return result, retries, chosen.url
        except Exception as error:
            if died := started_server_death(chosen.url):
                chosen.dead = died
                if all(replica(endpoint, url).dead for url in endpoint.urls):
                    raise OptagentError(died) from error
            elif not isinstance(error, (EmptyReply, openai.RateLimitError)) and retryable(error):
                take_out(endpoint, chosen)
            spent = retries >= (min(1, endpoint.max_retries) if isinstance(error, EmptyReply) else endpoint.max_retries)
            if not retryable(error) or spent:
                raise await explain(error, endpoint, model_name, tries=retries + 1, url=chosen.url) from error
        finally:
            await release(chosen)
        if not any(replica(endpoint, url).up for url in endpoint.urls):
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


async def served_models(endpoint: Endpoint, base_url: str | None = None) -> list[str]:
    """The names `/v1/models` lists at one replica (default: the first); quick, no retries."""
    listing = await client(endpoint, base_url).models.list(timeout=min(10.0, endpoint.timeout_s))
    return [entry.id for entry in listing.data]


async def explain(
    error: BaseException, endpoint: Endpoint, model_name: str, tries: int, url: str | None = None
) -> OptagentError:
    """One line naming the endpoint (the replica that failed last), what went wrong and what to do."""
    url = url or endpoint.base_url
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
            names = await served_models(endpoint, url)
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
