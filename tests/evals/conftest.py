"""Helpers for eval tests: responses files, the real CLI (the benchmark data: tests/conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

OPTAGENT = Path(sys.executable).parent / "optagent"


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
