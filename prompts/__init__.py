"""Prompt templates: one Jinja2 Markdown file per LLM step, cheat-sheets per target.

Templates are looked up by name (`"formulate"`, `"targets/pyomo"`) in this folder; a
user can point `OPTAGENT_PROMPTS` at a folder of their own, whose files take precedence,
or pass a path to any single template.
"""

from optagent.prompts.loader import render, template_source

__all__ = ["render", "template_source"]
