"""Where benchmark data lives: `--data DIR`, else `OPTAGENT_DATA`, else the user cache directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_ENV = "OPTAGENT_DATA"


def resolve_data_dir(option: str | Path | None = None) -> Path:
    """The data directory to use; it need not exist yet (`optagent data pull` creates it)."""
    if option:
        return Path(option).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return Path(platformdirs.user_cache_dir("optagent")) / "data"
