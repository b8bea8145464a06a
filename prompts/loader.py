"""Finding and rendering prompt templates, with user overrides taking precedence."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jinja2

from optagent.core.errors import OptagentError

PACKAGE_DIR = Path(__file__).parent


def _search_path() -> list[str]:
    override = os.environ.get("OPTAGENT_PROMPTS")
    return ([override] if override else []) + [str(PACKAGE_DIR)]


@functools.lru_cache(maxsize=8)
def _environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search_path)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _template(name_or_path: str) -> jinja2.Template:
    path = Path(name_or_path)
    if path.suffix == ".md" and path.is_file():
        return _environment((str(path.parent),)).get_template(path.name)
    try:
        return _environment(tuple(_search_path())).get_template(f"{name_or_path}.md")
    except jinja2.TemplateNotFound:
        raise OptagentError(
            f"prompt template '{name_or_path}' not found in {_search_path()}; check the name or OPTAGENT_PROMPTS"
        ) from None


def render(name_or_path: str, **variables: Any) -> str:
    """Render a template by name (`"formulate"`) or by path to a `.md` file."""
    return _template(name_or_path).render(**variables).strip() + "\n"


def template_source(name_or_path: str) -> str:
    """The raw text of a template, e.g. a target cheat-sheet included verbatim."""
    template = _template(name_or_path)
    assert template.filename is not None
    return Path(template.filename).read_text(encoding="utf-8")
