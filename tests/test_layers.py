"""The import contract of `docs/architecture.md`: each package imports only from the layers below
it (and siblings on its own layer stay apart), so the dependency graph runs one way.

Every import counts, the lazy ones inside functions too: a lazy import that runs back up is
still a cycle, only one found later.
"""

from __future__ import annotations

import ast
import re
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


_LOADERS = {"insert", "append", "extend", "spec_from_file_location", "import_module", "run_path", "SourceFileLoader"}
_TESTS_PATH = re.compile(r"(^|[/.])tests([/.]|$)")


def uses_of_the_test_suite(path: Path) -> list[str]:
    """Where a module reaches into `tests/`: an import of `tests`, a path built into the folder
    (`ROOT / "tests"`), or a loader given one (`sys.path.insert(0, ".../tests")`,
    `spec_from_file_location(name, "tests/x.py")`)."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        found += [f"{where}:{node.lineno}: imports {n}" for n in names if n.split(".")[0] == "tests"]
        sides = (node.left, node.right) if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) else ()
        if any(isinstance(side, ast.Constant) and side.value == "tests" for side in sides):
            found.append(f"{where}:{node.lineno}: builds a path into tests/")
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            strings = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if name in _LOADERS and any(_TESTS_PATH.search(text) for text in strings):
                found.append(f"{where}:{node.lineno}: loads from tests/ ({name})")
    return sorted(found)


def test_bench_does_not_import_tests() -> None:
    bad = [use for path in sorted((ROOT / "bench").rglob("*.py")) for use in uses_of_the_test_suite(path)]
    assert not bad, "bench/ uses the test suite (shared test doubles live in testing/):\n" + "\n".join(bad)


def test_the_bench_check_catches_loading_by_path(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib.util, sys\n"
        "sys.path.insert(0, str(ROOT / 'tests'))\n"
        "sys.path.insert(0, '/repo/tests')\n"
        "spec = importlib.util.spec_from_file_location('fake', 'tests/fake_openai.py')\n"
        "from tests.synth import script\n"
        "from testing.fake_openai import FakeOpenAI\n"
    )
    assert uses_of_the_test_suite(probe) == [
        f"{probe}:2: builds a path into tests/",
        f"{probe}:2: loads from tests/ (insert)",
        f"{probe}:3: loads from tests/ (insert)",
        f"{probe}:4: loads from tests/ (spec_from_file_location)",
        f"{probe}:5: imports tests.synth",
    ]


def test_the_contract_catches_an_import_that_runs_back_up(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import optagent.core.types\n\n\ndef f():\n    from optagent.agent.run import solve\n")
    assert violations("core", probe) == [f"{probe}:5: core (layer 0) imports agent (layer 4)"]
    assert violations("solvers", probe) == [f"{probe}:5: solvers (layer 2) imports agent (layer 4)"]
    assert violations("app", probe) == []
    sibling = tmp_path / "sibling.py"
    sibling.write_text("from optagent import evals\n")
    assert violations("synth", sibling) == [f"{sibling}:1: synth imports its sibling evals"]
