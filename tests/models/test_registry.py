"""The provider registry: lazy (no provider module or SDK imported to read it), and every
entry names a factory that exists, so a new entry is checked without a test of its own for this."""

from __future__ import annotations

import importlib
import subprocess
import sys

from optagent.models.registry import NAMELESS, PROVIDERS


def test_registry_imports_no_provider() -> None:
    modules = {provider.factory.split(":")[0] for provider in PROVIDERS.values()} | {"openai", "httpx"}
    probe = f"import sys, optagent.models.registry; print(sorted({sorted(modules)!r} & sys.modules.keys()))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_every_entry_names_a_factory() -> None:
    for name, provider in PROVIDERS.items():
        module_name, _, attribute = provider.factory.partition(":")
        assert callable(getattr(importlib.import_module(module_name), attribute)), name
        assert (name in NAMELESS) == provider.nameless
