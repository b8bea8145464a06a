"""Fixtures for eval tests: the shared benchmark data, responses files, the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
OPTAGENT = Path(sys.executable).parent / "optagent"


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not (DATASETS / "README.md").exists():
        pytest.fail(f"benchmark data not found at {DATASETS} (the project's ../shared/datasets)")
    return DATASETS


def write_responses(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def run_cli(
    *args: str | Path, timeout: float = 240, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess:
    """`optagent ARGS`; `prefix` runs it through another command (e.g. `nsenter` into a namespace)."""
    return subprocess.run(
        [*prefix, str(OPTAGENT), *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])
