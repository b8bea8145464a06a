"""`optagent eval --ray`: a real two-node Ray cluster on loopback, the fake model split over two
servers, the real sandbox on each node. Same results as one process; a node killed mid-run
(its raylet) loses no sample and counts none twice; a killed driver resumes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time

import pytest

from optagent.evals.log import read_log
from testing.fake_openai import FakeOpenAI
from tests.evals.conftest import OPTAGENT, last_json, run_cli
from tests.scale.scripted import IDS, reply

pytestmark = pytest.mark.ray

SAMPLES = "3"  # 4 problems x 3 samples


def slow_reply(body: dict) -> str:
    """The same programs, each running about a second: runs are in flight on both nodes."""
    return reply(body).replace("import json\n", "import json\nimport time\ntime.sleep(1.0)\n", 1)


@pytest.fixture(scope="module")
def servers(ray_cluster):
    """Two fake model servers listening in the cluster's network namespace."""
    with contextlib.ExitStack() as stack:
        with ray_cluster.network.entered():
            pair = [stack.enter_context(FakeOpenAI(reply=reply, latency_s=0.2)) for _ in range(2)]
        yield pair


def eval_args(datasets, servers, out) -> list[str]:
    urls = ",".join(server.base_url for server in servers)
    return [
        "eval", "logior", "--data", str(datasets), "--model", "vllm/fake-model", "--strategy", "direct",
        "--ids", IDS, "--samples", SAMPLES, "--base-url", urls, "--concurrency", "3", "--out", str(out), "--json",
    ]  # fmt: skip


def outcome(run) -> dict:
    return {r.key: (r.correct, r.outcome, r.predicted_objective, r.detail) for r in read_log(run).records}


def exactly_once(run) -> list[tuple[str, int]]:
    lines = (run / "samples.jsonl").read_text().splitlines()
    keys = [(json.loads(line)["id"], json.loads(line)["sample"]) for line in lines]
    assert len(keys) == len(set(keys)), "a sample was committed twice"
    return sorted(keys)


def test_ray_run_gives_the_single_process_results(tmp_path, datasets, servers, ray_cluster):
    for server in servers:
        server.reply = reply
    inside = ray_cluster.network.command([])
    alone = run_cli(*eval_args(datasets, servers, tmp_path / "alone"), prefix=inside)
    assert alone.returncode == 0, alone.stderr
    on_ray = run_cli(
        *eval_args(datasets, servers, tmp_path / "ray"),
        "--ray",
        ray_cluster.address,
        env=ray_cluster.env,
        prefix=inside,
    )
    assert on_ray.returncode == 0, on_ray.stderr
    untimed = {"seconds_per_sample": None}
    assert last_json(on_ray.stdout) | untimed == last_json(alone.stdout) | untimed
    assert outcome(tmp_path / "ray") == outcome(tmp_path / "alone") and len(outcome(tmp_path / "ray")) == 12
    nodes = json.loads((tmp_path / "ray" / "cluster.json").read_text())["nodes"]
    assert len(nodes) == 2 and all(node["runs"] >= 1 and node["lost"] is None for node in nodes)
    assert sum(node["runs"] for node in nodes) == 9, "one run per sample with a program (prob_002 has none)"
    report = run_cli("report", tmp_path / "ray", "--out", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    markdown = (tmp_path / "report.md").read_text()
    assert "## Throughput" in markdown and "| samples/s |" in markdown and "| bound by | model |" in markdown
    assert markdown.count("runs on 1 slots") == 2


@pytest.mark.synth
def test_synthesis_runs_its_programs_on_the_cluster(tmp_path, ray_cluster, monkeypatch):
    import asyncio

    from optagent.evals.cluster import ClusterSandbox
    from optagent.synth.job import run_job
    from optagent.synth.settings import SynthSettings
    from testing.synth_script import SynthScript, workshop

    for name, value in ray_cluster.env.items():  # before Ray is imported: it reads its auth settings then
        monkeypatch.setenv(name, value)
    import ray

    settings = SynthSettings(n=10, max_candidates=1, concurrency=1, dedup_threshold=0.8)
    cluster = ClusterSandbox(ray_cluster.address)

    async def job():
        try:
            return await run_job(settings, SynthScript([workshop("Alder")]).roles(), tmp_path / "job", sandbox=cluster)
        finally:
            await cluster.close()

    try:
        with ray_cluster.network.entered():  # the driver's Ray threads and sockets live there
            report = asyncio.run(job())
    finally:
        with ray_cluster.network.entered():
            ray.shutdown()
    assert report.kept == 3 and report.per_scenario.kept_prefixes == 2, "the scenario and its two prefixes"
    runs = [node["runs"] for node in cluster.summary()["nodes"]]
    assert len(runs) == 2 and sum(runs) >= 6, "an author's and a check's program per candidate, on the nodes"


def test_a_node_killed_mid_run_loses_nothing_and_counts_once(tmp_path, datasets, servers, ray_cluster):
    for server in servers:
        server.reply = slow_reply
    run = tmp_path / "run"
    args = [str(OPTAGENT), *eval_args(datasets, servers, run)[:-1], "--ray", ray_cluster.address]
    driver = subprocess.Popen(
        ray_cluster.network.command(args),
        env=ray_cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_lines(run, 2, driver)
        os.kill(ray_cluster.second_raylet(), signal.SIGKILL)
        _, err = driver.communicate(timeout=150)
    finally:
        driver.kill()
    assert driver.returncode == 0, err
    assert "is gone" in err and "run again on the other nodes" in err
    assert len(exactly_once(run)) == 12
    summary = json.loads((run / "cluster.json").read_text())
    lost = [node for node in summary["nodes"] if node["lost"]]
    assert len(lost) == 1 and summary["resent_runs"] >= 1, (summary, err)
    assert sum(r.correct for r in read_log(run).records) == 9
    report = run_cli("report", run, "--out", tmp_path / "report")
    assert report.returncode == 0 and "gone (" in (tmp_path / "report.md").read_text(), summary


def test_a_killed_driver_resumes_on_the_cluster(tmp_path, datasets, servers, ray_cluster):
    for server in servers:
        server.reply = slow_reply
    run = tmp_path / "run"
    args = [str(OPTAGENT), *eval_args(datasets, servers, run), "--ray", ray_cluster.address]
    driver = subprocess.Popen(
        ray_cluster.network.command(args), env=ray_cluster.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_lines(run, 3, driver)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    before = len(exactly_once(run))
    assert 3 <= before < 12
    again = run_cli(*args[1:], env=ray_cluster.env, prefix=ray_cluster.network.command([]))
    assert again.returncode == 0, again.stderr
    assert f"resuming {run}: {before} of 12 samples already done" in again.stderr.replace("\n", "")
    assert len(exactly_once(run)) == 12 and last_json(again.stdout)["correct"] == 9


def wait_for_lines(run, count: int, driver: subprocess.Popen, timeout_s: float = 120) -> None:
    """Until `count` samples whose program ran on the cluster are committed (prob_002's samples
    have no program: they commit before any node has started)."""
    deadline = time.monotonic() + timeout_s
    samples = run / "samples.jsonl"
    while time.monotonic() < deadline:
        assert driver.poll() is None, "the driver ended before the test could interrupt it"
        lines = samples.read_text().splitlines() if samples.exists() else []
        if sum(json.loads(line)["correct"] for line in lines) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} samples committed in {timeout_s:g}s")
