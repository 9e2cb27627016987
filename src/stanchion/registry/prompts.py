"""Prompt templates: a file plus variables, identified by the hash of what it renders from.

Templates use ``{{ name }}`` placeholders; an unknown placeholder is a spec error at load,
not a surprise at request time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stanchion.errors import SpecError
from stanchion.spec.model import AppSpec

_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class PromptVersion:
    name: str
    id: str
    text: str


def render_template(template: str, variables: dict[str, str], source: str) -> str:
    missing = sorted({m for m in _VAR.findall(template) if m not in variables})
    if missing:
        raise SpecError([f"{source}: template uses undefined variables: {', '.join(missing)}"])
    return _VAR.sub(lambda m: variables[m.group(1)], template)


def load_system_prompt(spec: AppSpec, app_dir: Path) -> PromptVersion | None:
    """Render the system prompt once at start-up; its id names the exact content."""
    system = spec.prompts.system
    if system is None:
        return None
    path = app_dir / system.file
    template = path.read_text(encoding="utf-8")
    text = render_template(template, dict(system.variables), str(path))
    return PromptVersion(
        "system", f"system@{template_hash(template, dict(system.variables))[:12]}", text
    )


def template_hash(template: str, variables: dict[str, str]) -> str:
    """The content hash of a prompt: the template and its variables, nothing else."""
    digest = hashlib.sha256(template.encode() + repr(sorted(variables.items())).encode())
    return digest.hexdigest()


def prompt_content(spec: AppSpec, app_dir: Path) -> dict[str, dict[str, Any]]:
    """The prompts the app's files define now, by name: ``{"system": {template, variables}}``."""
    system = spec.prompts.system
    if system is None:
        return {}
    template = (app_dir / system.file).read_text(encoding="utf-8")
    return {"system": {"template": template, "variables": dict(system.variables)}}


def prompt_from_content(name: str, vid: str, content: dict[str, object]) -> PromptVersion:
    """Render a stored version (checked at push, so a stored template always renders)."""
    template = str(content["template"])
    variables = {str(k): str(v) for k, v in dict(content.get("variables") or {}).items()}  # type: ignore[call-overload]
    return PromptVersion(name, vid, render_template(template, variables, vid))
