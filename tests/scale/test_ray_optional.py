"""Ray stays out of every run that does not ask for it, and a cluster that is not there is one line."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.evals.conftest import last_json, run_cli
from tests.evals.programs import CORRECT

# The real CLI entry point, reporting at exit whether anything imported Ray.
_PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('ray imported' if 'ray' in sys.modules else 'ray not imported', file=sys.stderr))\n"
    "from optagent.app.cli import main\n"
    "sys.argv = ['optagent', *sys.argv[1:]]\n"
    "main()\n"
)


def responses(tmp_path):
    path = tmp_path / "responses.jsonl"
    path.write_text(json.dumps({"id": "prob_023", "code": CORRECT[("logior", "prob_023")]}) + "\n")
    return path


def test_a_run_without_ray_never_imports_it(tmp_path, datasets):
    args = ["eval", "logior", "--data", str(datasets), "--responses", str(responses(tmp_path))]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args, "--out", str(tmp_path / "run"), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert last_json(done.stdout)["correct"] == 1
    assert done.stderr.strip().endswith("ray not imported")
    assert not (tmp_path / "run" / "cluster.json").exists()


def test_a_ray_address_where_nothing_listens_is_one_line(tmp_path, datasets):
    done = run_cli(
        "eval", "logior", "--data", datasets, "--responses", responses(tmp_path), "--ray", "127.0.0.1:1",
        "--out", tmp_path / "run", timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "cannot join the Ray cluster at 127.0.0.1:1: nothing answers there" in done.stderr
    assert "Traceback" not in done.stderr
