"""Synthesis tests: the scripted model (`script.py`) with the real sandbox and real solvers."""

from __future__ import annotations
