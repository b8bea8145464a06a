"""The import contract of `docs/architecture.md`: each package imports only from the layers below
it (and siblings on its own layer stay apart), so the dependency graph runs one way.

Every import counts, the lazy ones inside functions too: a lazy import that runs back up is
still a cycle, only one found later.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom first. A package may import its own layer's package and everything below;
# two packages on one layer are siblings and may not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("prompts",),
    ("solvers", "models"),
    ("benchmarks",),
    ("agent",),
    ("evals", "synth"),
    ("app",),
]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}


def optagent_imports(path: Path) -> list[tuple[int, str]]:
    """(line, package) for every `optagent.<package>` a module imports."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
            if node.module == "optagent":
                modules = [f"optagent.{alias.name}" for alias in node.names if alias.name in RANK]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, m.split(".")[1]) for m in modules if m.startswith("optagent.")]
    return found


def violations(package: str, path: Path) -> list[str]:
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    bad = []
    for line, imported in optagent_imports(path):
        if imported == package or imported not in RANK:
            continue
        if RANK[imported] > RANK[package]:
            bad.append(f"{where}:{line}: {package} (layer {RANK[package]}) imports {imported} (layer {RANK[imported]})")
        elif RANK[imported] == RANK[package]:
            bad.append(f"{where}:{line}: {package} imports its sibling {imported}")
    return bad


@pytest.mark.parametrize("package", list(RANK))
def test_package_imports_only_from_below(package: str) -> None:
    bad = [v for path in sorted((ROOT / package).rglob("*.py")) for v in violations(package, path)]
    assert not bad, "imports that run back up:\n" + "\n".join(bad)


def test_every_package_has_a_layer() -> None:
    linked = {p.name for p in (ROOT / "src" / "optagent").iterdir() if p.is_symlink()}
    assert linked == set(RANK), "a package in src/optagent without a layer here (or a layer without its link)"


def test_bench_does_not_import_tests() -> None:
    bad = []
    for path in sorted((ROOT / "bench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            bad += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.split(".")[0] == "tests"]
    assert not bad, "bench/ imports the test suite:\n" + "\n".join(bad)


def test_the_contract_catches_an_import_that_runs_back_up(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import optagent.core.types\n\n\ndef f():\n    from optagent.agent.run import solve\n")
    assert violations("core", probe) == [f"{probe}:5: core (layer 0) imports agent (layer 4)"]
    assert violations("solvers", probe) == [f"{probe}:5: solvers (layer 2) imports agent (layer 4)"]
    assert violations("app", probe) == []
    sibling = tmp_path / "sibling.py"
    sibling.write_text("from optagent import evals\n")
    assert violations("synth", sibling) == [f"{sibling}:1: synth imports its sibling evals"]
