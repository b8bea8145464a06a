"""Every fault the issue lists gives one clear line naming the endpoint, or a successful retry."""

import socket
import time

import pytest

from optagent.core.errors import OptagentError
from optagent.models import get_model

FAST = {"retry_base_delay_s": 0.01, "max_retries": 2}


def vllm(server, **options):
    return get_model("vllm/fake-model", base_url=server.base_url, **{**FAST, **options})


def assert_one_line(error: pytest.ExceptionInfo, *fragments: str) -> None:
    message = str(error.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


async def test_500_twice_then_success_counts_retries(fake_openai):
    fake_openai.faults.extend(["500", "503"])
    output = await vllm(fake_openai).generate("hi")
    assert output.text and output.record.retries == 2


async def test_500_three_times_is_one_clear_error(fake_openai):
    fake_openai.faults.extend(["500"] * 3)
    with pytest.raises(OptagentError) as error:
        await vllm(fake_openai).generate("hi")
    assert_one_line(error, fake_openai.base_url, "HTTP 500", "3 tries", "check the server's log")


async def test_429_is_retried(fake_openai):
    fake_openai.faults.append("429")
    assert (await vllm(fake_openai).generate("hi")).record.retries == 1


async def test_dropped_connection_is_retried(fake_openai):
    fake_openai.faults.append("drop")
    assert (await vllm(fake_openai).generate("hi")).record.retries == 1


async def test_body_cut_mid_way_is_retried(fake_openai):
    fake_openai.faults.append("cut")
    assert (await vllm(fake_openai).generate("hi")).record.retries == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_unreachable_server_says_how_to_start_one():
    url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.perf_counter()
    with pytest.raises(OptagentError) as error:
        await get_model("vllm/Qwen/Qwen3-8B", base_url=url, **FAST).generate("hi")
    assert time.perf_counter() - started < 5
    assert_one_line(error, f"cannot reach {url}", "optagent serve", "OPTAGENT_VLLM_BASE_URL")
    with pytest.raises(OptagentError) as error:
        await get_model("llamacpp/smollm2", base_url=url, **FAST).generate("hi")
    assert_one_line(error, "python -m llama_cpp.server")


async def test_wrong_model_name_lists_the_served_ones(fake_openai):
    fake_openai.models = ("Qwen/Qwen3-8B", "Qwen/Qwen3-0.6B")
    with pytest.raises(OptagentError) as error:
        await vllm(fake_openai).generate("hi")
    assert_one_line(
        error,
        "model 'fake-model' is not served at",
        "it serves: Qwen/Qwen3-8B, Qwen/Qwen3-0.6B",
        "--model vllm/Qwen/Qwen3-8B",
    )
    assert len(fake_openai.requests) == 1


async def test_wrong_base_path_says_so(fake_openai):
    model = get_model("vllm/fake-model", base_url=fake_openai.base_url.removesuffix("/v1") + "/api", **FAST)
    with pytest.raises(OptagentError) as error:
        await model.generate("hi")
    assert_one_line(error, "answered 404", "ending in /v1")


async def test_invalid_key(fake_openai, monkeypatch):
    fake_openai.api_key = "the-right-key"
    monkeypatch.setenv("OPENAI_API_KEY", "expired-key")
    model = get_model("openai/fake-model", base_url=fake_openai.base_url, **FAST)
    with pytest.raises(OptagentError) as error:
        await model.generate("hi")
    assert_one_line(error, fake_openai.base_url, "rejected the API key (HTTP 401", "set a valid OPENAI_API_KEY")
    assert len(fake_openai.requests) == 0


async def test_hanging_server_times_out(fake_openai):
    fake_openai.faults.extend(["hang", "hang"])
    started = time.perf_counter()
    with pytest.raises(OptagentError) as error:
        await vllm(fake_openai, timeout_s=0.3, max_retries=1).generate("hi")
    assert time.perf_counter() - started < 3
    assert_one_line(error, "did not answer within 0.3s (2 tries)", "raise timeout_s")


async def test_empty_reply_is_retried_once_then_fails(fake_openai):
    fake_openai.faults.append("empty")
    assert (await vllm(fake_openai).generate("hi")).record.retries == 1
    fake_openai.faults.extend(["empty"] * 3)
    with pytest.raises(OptagentError) as error:
        await vllm(fake_openai).generate("hi")
    assert_one_line(error, "returned an empty reply (2 tries)", "max_tokens")


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("cut", "was cut off after"),
        ("no_finish", "without a finish reason"),
        ("stall", "stalled: no data for 0.5s after"),
    ],
)
async def test_stream_cut_mid_way(fake_openai, fault, says):
    fake_openai.reply = "word " * 50
    fake_openai.faults.append(fault)
    stream = vllm(fake_openai, timeout_s=0.5).stream("hi")
    received = []
    with pytest.raises(OptagentError) as error:
        async for delta in stream:
            received.append(delta.text)
    assert received, "the deltas before the cut still arrive"
    assert_one_line(error, fake_openai.base_url, says)


async def test_stream_open_is_retried(fake_openai):
    fake_openai.faults.append("503")
    stream = vllm(fake_openai).stream("hi")
    assert await stream.text() == "Hello from the fake server."
    assert stream.record.retries == 1
