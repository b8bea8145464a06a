"""The built wheel holds every module, template and seed of the tree, and building it is
quiet: an unlisted subpackage imports in an editable install but would be missing from a
wheel, and setuptools' warnings are what a first install prints by the hundred."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).parents[1]
PACKAGE_FOLDERS = tuple(sorted(link.name for link in (REPO / "src" / "optagent").iterdir() if link.is_symlink()))
DATA_SUFFIXES = {".md", ".json", ".yaml", ".j2"}


def package_files() -> set[str]:
    """Every module and data file of the package, as wheel paths."""
    found = set()
    roots = [(REPO / "src" / "optagent", "optagent")] + [(REPO / name, f"optagent/{name}") for name in PACKAGE_FOLDERS]
    for root, prefix in roots:
        for path in root.rglob("*"):
            if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py" or path.suffix in DATA_SUFFIXES:
                found.add(f"{prefix}/{path.relative_to(root).as_posix()}")
    return found


def test_wheel_holds_every_module_and_data_file_and_builds_quietly(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("src", *PACKAGE_FOLDERS):
        shutil.copytree(REPO / name, source / name, symlinks=True, ignore=ignore)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout + done.stderr
    warnings = [line for line in output.splitlines() if "warning" in line.lower() and "Location" not in line]
    assert warnings == []
    (wheel,) = tmp_path.glob("optagent-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = package_files()
    assert len(expected) > 150
    assert sorted(expected - names) == []
    assert not [name for name in names if "__pycache__" in name or name.startswith(("tests/", "testing/", "bench/"))]
