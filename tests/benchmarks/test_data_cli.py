"""`optagent data pull|list|inspect` against a local HTTP server on loopback.

The server serves the published files from the shared datasets folder (a mirror laid out
like a data directory), a truncated copy, a connection cut mid-body, and a DCP-Bench-Open
style archive built from the test's own CP problems.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optagent.app.cli import build_app
from optagent.benchmarks import resolve_data_dir
from optagent.core.errors import OptagentError


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.endswith("/cut/optibench/OptiBench.json"):
            body = b'[{"index": 0, "question": "q", "results": {"x": "1"}}, {"index": 1'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) * 10))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        super().do_GET()


@pytest.fixture(scope="module")
def server(datasets: Path, cp_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("served")
    (root / "mirror").symlink_to(datasets)
    (root / "truncated" / "optibench").mkdir(parents=True)
    text = (datasets / "optibench" / "OptiBench.json").read_text()
    (root / "truncated" / "optibench" / "OptiBench.json").write_text(text[: len(text) // 3])
    (root / "rate-limited.json").write_text("<html><body>Too many requests</body></html>")
    with tarfile.open(root / "DCP-Bench-Open-0.1.0.tar.gz", "w:gz") as tar:
        tar.add(cp_fixtures, arcname="DCP-Bench-Open-0.1.0/dataset")
        tar.add(Path(__file__), arcname="DCP-Bench-Open-0.1.0/eval.py")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def invoke(*args: str):
    return CliRunner().invoke(build_app(), list(args), catch_exceptions=True)


def test_pull_list_inspect(server: str, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    for name, count in (("optibench", 605), ("logior", 92), ("cpbench", 164)):
        result = invoke("data", "pull", name, "--data", data, "--source", f"{server}/mirror")
        assert result.exit_code == 0, result.output
        assert f"{name}: {count} problems from {server}/mirror/" in result.output
    assert sorted(p.name for p in (tmp_path / "data").rglob("*") if p.name.startswith(".")) == []
    listing = invoke("data", "list", "--data", data, "--json")
    rows = {row["benchmark"]: row for row in json.loads(listing.output.strip().splitlines()[-1])["benchmarks"]}
    assert {name: row["n"] for name, row in rows.items()} == {
        "optibench": 605,
        "logior": 92,
        "cpbench": 164,
        "cpbench-v1": 101,
    }
    inspected = invoke("data", "inspect", "logior", "--data", data, "--json")
    counts = json.loads(inspected.output.strip().splitlines()[-1])
    assert counts["n"] == 92 and counts["with_answer"] == 92 and counts["infeasible"] == 0
    assert counts["by_type"] == {"ILP": 43, "LP": 22, "NLP": 16, "MILP": 11}
    cp = json.loads(invoke("data", "inspect", "cpbench-v1", "--data", data, "--json").output.strip().splitlines()[-1])
    assert cp["n"] == 101 and cp["with_answer"] == 0  # statements only


def test_pulled_file_is_byte_identical(server: str, datasets: Path, tmp_path: Path) -> None:
    result = invoke("data", "pull", "optibench", "--data", str(tmp_path), "--source", f"{server}/mirror")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "optibench" / "OptiBench.json").read_bytes() == (
        datasets / "optibench" / "OptiBench.json"
    ).read_bytes()


def test_damaged_download_replaces_nothing(server: str, datasets: Path, tmp_path: Path) -> None:
    good = invoke("data", "pull", "optibench", "--data", str(tmp_path), "--source", f"{server}/mirror")
    assert good.exit_code == 0
    before = (tmp_path / "optibench" / "OptiBench.json").read_bytes()
    for source, message in (
        (f"{server}/truncated", "is damaged (the file ends early"),
        (f"{server}/cut", "could not download"),
    ):
        result = invoke("data", "pull", "optibench", "--data", str(tmp_path), "--source", source)
        assert isinstance(result.exception, OptagentError) and message in str(result.exception)
        assert "nothing was replaced" in str(result.exception) or "check the network" in str(result.exception)
        assert (tmp_path / "optibench" / "OptiBench.json").read_bytes() == before
        assert [p.name for p in (tmp_path / "optibench").iterdir()] == ["OptiBench.json"]


def test_archive_pull_extracts_the_dataset_folder(server: str, tmp_path: Path) -> None:
    url = f"{server}/DCP-Bench-Open-0.1.0.tar.gz"
    for _ in range(2):  # the second pull swaps the folder in place
        result = invoke("data", "pull", "cpbench", "--data", str(tmp_path), "--source", url)
        assert result.exit_code == 0, result.output
        assert "cpbench: 2 problems" in result.output
    assert sorted(p.name for p in (tmp_path / "cpbench").iterdir()) == ["dataset"]
    assert (tmp_path / "cpbench" / "dataset" / "knap" / "knap.cpmpy.py").is_file()
    assert not (tmp_path / "cpbench" / "eval.py").exists()


def test_missing_source_and_unknown_names(server: str, tmp_path: Path) -> None:
    result = invoke("data", "pull", "logior", "--data", str(tmp_path), "--source", f"{server}/nowhere")
    assert "answered HTTP 404" in str(result.exception)
    result = invoke("data", "pull", "mamo", "--data", str(tmp_path))
    assert "no download source for 'mamo'; pullable: cpbench, cpbench-v1, logior, optibench" in str(result.exception)
    result = invoke("data", "inspect", "nosuch", "--data", str(tmp_path))
    assert (
        "unknown benchmark 'nosuch': neither a known name (optibench, logior, cpbench, cpbench-v1) nor an existing file"
        in str(result.exception)
    )


def test_data_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTAGENT_DATA", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("OPTAGENT_DATA")
    assert resolve_data_dir(None).parts[-2:] == ("optagent", "data")


def test_error_is_one_line_on_stderr(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from optagent.app.cli import main; main()",
            "data",
            "inspect",
            "optibench",
            "--data",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        (
            f"optagent: error: no optibench data at {tmp_path}/optibench/OptiBench.json; "
            "run `optagent data pull optibench` or pass --data DIR"
        )
    ]


def test_html_page_replaces_nothing(server: str, tmp_path: Path) -> None:
    (tmp_path / "optibench").mkdir()
    (tmp_path / "optibench" / "OptiBench.json").write_text("[]")
    result = invoke("data", "pull", "optibench", "--data", str(tmp_path), "--source", f"{server}/rate-limited.json")
    assert isinstance(result.exception, OptagentError)
    assert "is not a benchmark file" in str(result.exception) and "nothing was replaced" in str(result.exception)
    assert (tmp_path / "optibench" / "OptiBench.json").read_text() == "[]"
    assert [p.name for p in (tmp_path / "optibench").iterdir()] == ["OptiBench.json"]
