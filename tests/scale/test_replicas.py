"""One model spec behind several OpenAI-compatible servers: least outstanding requests,
a limit per replica, a failing replica taken out and probed back in, the answering replica
named in each call record. Real HTTP against two fake servers on loopback."""

from __future__ import annotations

import asyncio

import pytest

from optagent.core.errors import OptagentError
from optagent.models import get_model
from optagent.models.providers import base_urls
from optagent.models.transport import replica_states
from testing.fake_openai import FakeOpenAI


@pytest.fixture
def pair():
    """Two fake servers; a test may stop either (a replica killed), the rest stop here."""
    servers = [FakeOpenAI(reply="a", latency_s=0.05).start(), FakeOpenAI(reply="b", latency_s=0.05).start()]
    yield servers
    for server in servers:
        if server._thread.is_alive():
            server.stop()


def test_base_url_lists_and_bad_urls():
    assert base_urls("http://a/v1, http://b/v1") == ["http://a/v1", "http://b/v1"]
    assert base_urls(["http://a/v1", "http://b/v1,http://a/v1"]) == ["http://a/v1", "http://b/v1"]
    with pytest.raises(OptagentError, match="'localhost:8000/v1' is not an http"):
        base_urls("http://a/v1,localhost:8000/v1")
    model = get_model("vllm/fake-model", base_url="http://a/v1,http://b/v1")
    assert model.settings.base_url == "http://a/v1" and model.settings.urls == ["http://a/v1", "http://b/v1"]
    assert get_model("vllm/fake-model", base_url="http://a/v1").settings.replicas == []


async def test_requests_spread_by_outstanding_within_each_replicas_limit(pair):
    first, second = pair
    second.latency_s = 0.25  # the slow replica holds its requests longer, so it gets fewer
    model = get_model("vllm/fake-model", base_url=[first.base_url, second.base_url], concurrency=3)
    outputs = await asyncio.gather(*(model.generate("hi") for _ in range(40)))
    answered = {o.record.endpoint for o in outputs}
    assert answered == {first.base_url, second.base_url}
    assert all((o.text == "a") == (o.record.endpoint == first.base_url) for o in outputs)
    assert first.max_in_flight <= 3 and second.max_in_flight <= 3, "each replica has its own limit"
    assert first.max_in_flight + second.max_in_flight == 6
    assert len(first.requests) > len(second.requests) >= 3


async def test_a_failing_replica_is_taken_out_and_probed_back_in(pair, monkeypatch):
    from optagent.models import transport

    monkeypatch.setattr(transport, "PROBE_FIRST_S", 0.2)
    first, second = pair
    model = get_model("vllm/fake-model", base_url=[first.base_url, second.base_url], concurrency=4)
    second.faults.extend(["503"] * 3)
    outputs = await asyncio.gather(*(model.generate("hi") for _ in range(12)))
    assert all(o.text for o in outputs)
    failed = next(r for r in replica_states() if r.url == second.base_url)
    assert failed.failed >= 1
    assert not failed.up, "a replica that failed is out of the rotation"
    before = len(second.requests)
    await asyncio.sleep(0.6)  # the probe of /v1/models answers: back in
    assert failed.up
    later = await asyncio.gather(*(model.generate("hi") for _ in range(8)))
    assert {o.record.endpoint for o in later} == {first.base_url, second.base_url}
    assert len(second.requests) > before
    assert sum(o.record.retries for o in outputs) >= 1


async def test_a_replica_killed_mid_run_loses_no_request(pair):
    first, second = pair
    first.latency_s = second.latency_s = 0.3
    model = get_model("vllm/fake-model", base_url=[first.base_url, second.base_url], concurrency=8)
    calls = [asyncio.ensure_future(model.generate("hi")) for _ in range(24)]
    await asyncio.sleep(0.15)
    assert second.in_flight > 0
    second.stop()
    outputs = await asyncio.gather(*calls)
    assert len(outputs) == 24 and all(o.text in ("a", "b") for o in outputs)
    late = [o for o in outputs if o.record.retries]
    assert late and all(o.record.endpoint == first.base_url for o in late)
    after = await asyncio.gather(*(model.generate("hi") for _ in range(6)))
    assert {o.record.endpoint for o in after} == {first.base_url}


async def test_all_replicas_down_is_one_line_naming_the_last(pair):
    first, second = pair
    model = get_model(
        "vllm/fake-model", base_url=[first.base_url, second.base_url], max_retries=2, retry_base_delay_s=0.01
    )
    first.stop()
    second.stop()
    with pytest.raises(OptagentError, match=r"cannot reach http://127\.0\.0\.1:\d+/v1 .*3 tries"):
        await model.generate("hi")
