"""Synthesis tests: the scripted model (`script.py`) with the real sandbox and real solvers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
