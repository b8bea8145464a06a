"""The contributor docs name real things, so they cannot rot silently.

Every repository path, `optagent.*` module, `name` in (or from) `file`, `file: NAME` symbol,
`optagent` command (and its `--options`), `make` target, pytest marker and Markdown link
in `docs/architecture.md` and `docs/contributing.md` must exist. A path with a placeholder
component (`benchmarks/NAME.py`) must have its folder; the paths the architecture names as
history must be gone.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main

from optagent.app.cli import build_app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "architecture.md", ROOT / "docs" / "contributing.md"]

# Placeholders the docs write in capitals where a contributor puts their own name.
PLACEHOLDERS = {"NAME", "MODEL", "BENCH", "URL", "PATH", "RUN", "RUN2", "SPEC", "ROLE", "FILE", "DIR", "TEXT"}
# Paths "What changed since the first design" names as they were: they must no longer exist.
FORMER = {"agent/models", "agent/trimr", "agent/synth", "solvers/result.py", "benchmarks/schema.py"}
SUFFIXES = (".py", ".md", ".toml", ".sh", ".mmd", ".json", ".jsonl", ".yaml", ".j2", ".txt", ".pth")

_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_PATH = re.compile(r"^[\w.<>*-]+(?:/[\w.<>*-]+)*/?$")
_NAME_IN_FILE = re.compile(r"`(\w+)`\**(?:'s)?\s+(?:in|from)\s+`([\w/.-]+)`")
_FILE_SYMBOL = re.compile(r"^([\w/.-]+\.\w+): (\w+)$")
_MODULE = re.compile(r"\boptagent(?:\.\w+)+")
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
_COMMAND = re.compile(r"(?<![\w/.-])optagent((?: [^\s`|&;]+)+)")
_MAKE = re.compile(r"\bmake (\w+)")
_MARKERS = re.compile(r'-m "([^"]+)"')


def _texts(doc: Path) -> list[str]:
    """The inline code spans and the lines of the fenced blocks of a document."""
    text = doc.read_text(encoding="utf-8")
    blocks = _FENCE.findall(text)
    spans = _SPAN.findall(_FENCE.sub("", text))
    return spans + [line for block in blocks for line in block.splitlines()]


def _is_placeholder(component: str) -> bool:
    stem = component.split(".")[0]
    return stem in PLACEHOLDERS or component.startswith("<") or "*" in component


def path_problems(doc: Path) -> list[str]:
    top = {entry.name for entry in ROOT.iterdir()}
    bad = []
    for text in _texts(doc):
        for token in text.split():
            token = token.strip(",;:()")
            if "/" not in token or "://" in token or token.startswith(("../", ".venv/", "-")) or not _PATH.match(token):
                continue
            parts = token.rstrip("/").split("/")
            if parts[0] not in top and not token.endswith(SUFFIXES):
                continue  # a model spec (vllm/Qwen/Qwen3-8B), not a path
            if token.rstrip("/") in FORMER:
                if (ROOT / token).exists():
                    bad.append(f"{doc.name}: `{token}` is named as a former path but exists")
                continue
            known = []
            for part in parts:
                if _is_placeholder(part):
                    break
                known.append(part)
            where = ROOT.joinpath(*known) if known else None
            if where is not None and not where.exists():
                bad.append(f"{doc.name}: `{token}` does not exist ({'/'.join(known)})")
    return bad


def _module_file(dotted: str) -> tuple[Path | None, list[str]]:
    """The file of the longest module prefix of `optagent.a.b.c`, and the names after it."""
    parts = dotted.split(".")[1:]
    for end in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:end])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate, parts[end:]
        if base.is_dir():
            return base, parts[end:]
    return None, parts


def name_problems(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    bad = []
    for name, file in _NAME_IN_FILE.findall(text):
        path = ROOT / file
        if name in PLACEHOLDERS or not path.is_file():
            continue  # a missing file is the path check's to report
        if not re.search(rf"\b{re.escape(name)}\b", path.read_text(encoding="utf-8")):
            bad.append(f"{doc.name}: `{name}` is not in {file}")
    for span in _texts(doc):
        if match := _FILE_SYMBOL.match(span):
            file, name = match.groups()
            path = ROOT / file
            if not path.is_file() or not re.search(rf"\b{name}\b", path.read_text(encoding="utf-8")):
                bad.append(f"{doc.name}: `{span}`: no {name} in {file}")
        for dotted in _MODULE.findall(span):
            if any(_is_placeholder(part) for part in dotted.split(".")):
                continue
            found, rest = _module_file(dotted)
            if found is None:
                bad.append(f"{doc.name}: module `{dotted}` does not exist")
            elif rest and found.is_file() and not re.search(rf"\b{rest[0]}\b", found.read_text(encoding="utf-8")):
                bad.append(f"{doc.name}: `{dotted}`: no {rest[0]} in {found.relative_to(ROOT)}")
    for link in _LINK.findall(text):
        if "://" not in link and not (doc.parent / link).exists():
            bad.append(f"{doc.name}: link ({link}) leads nowhere")
    return bad


def command_problems(doc: Path) -> list[str]:
    root = typer.main.get_command(build_app())
    bad = []
    for text in _texts(doc):
        for words in _COMMAND.findall(text):
            command: Any = root  # typer's own click: groups have `commands`
            tokens = words.split()
            for token in tokens:
                if not re.fullmatch(r"[a-z][a-z-]*", token) or not hasattr(command, "commands"):
                    break
                if token not in command.commands:
                    bad.append(f"{doc.name}: `optagent{words}`: no command '{token}'")
                    break
                command = command.commands[token]
            options = {opt for param in command.params for opt in param.opts} | {"--help"}
            for token in tokens:
                option = token.split("=")[0]
                if option.startswith("--") and option not in options:
                    bad.append(f"{doc.name}: `optagent{words}`: {command.name} has no option {option}")
    return bad


def tool_problems(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    markers = {line.split(":")[0] for line in pytest_options["markers"]}
    bad = [f"{doc.name}: no make target '{target}'" for target in _MAKE.findall(text) if target not in targets]
    for expression in _MARKERS.findall(text):
        for word in re.findall(r"\w+", expression):
            if word not in {"not", "and", "or"} and word not in markers:
                bad.append(f"{doc.name}: -m names no marker '{word}'")
    return bad


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_docs_name_only_what_exists(doc: Path) -> None:
    bad = path_problems(doc) + name_problems(doc) + command_problems(doc) + tool_problems(doc)
    assert not bad, "\n".join(bad)


def test_the_checks_catch_a_stale_name(tmp_path: Path) -> None:
    stale = tmp_path / "stale.md"
    stale.write_text(
        "See `solvers/sandbox_old.py`, `benchmarks/NAME.py`, `vllm/Qwen/Qwen3-8B`, `agent/models`,\n"
        "`NOPE` in `agent/graph.py`, `agent/strategies.py: PLANZ`, `optagent.agent.grph`, [x](gone.md),\n"
        '`optagent data pul NAME`, `optagent eval BENCH --strategyy full`, `make tset`, `-m "not lmm"`.\n'
    )
    assert path_problems(stale) == ["stale.md: `solvers/sandbox_old.py` does not exist (solvers/sandbox_old.py)"]
    assert name_problems(stale) == [
        "stale.md: `NOPE` is not in agent/graph.py",
        "stale.md: `agent/strategies.py: PLANZ`: no PLANZ in agent/strategies.py",
        "stale.md: `optagent.agent.grph`: no grph in agent/__init__.py",
        "stale.md: link (gone.md) leads nowhere",
    ]
    assert command_problems(stale) == [
        "stale.md: `optagent data pul NAME`: no command 'pul'",
        "stale.md: `optagent eval BENCH --strategyy full`: eval has no option --strategyy",
    ]
    assert tool_problems(stale) == ["stale.md: no make target 'tset'", "stale.md: -m names no marker 'lmm'"]
