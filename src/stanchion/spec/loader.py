"""Load ``stanchion.yaml``: YAML with line numbers, validated by the pydantic model.

Every error is one line: ``stanchion.yaml:12: models.routes.0.timeout: must be > 0``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stanchion.errors import SpecError
from stanchion.spec.model import AppSpec

SPEC_NAME = "stanchion.yaml"
SECRET_WORDS = re.compile(r"key|token|secret|password", re.I)


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            out[sub] = key.start_mark.line + 1
            _lines(value, sub, out)
            out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def spec_path(app: Path) -> Path:
    return app / SPEC_NAME if app.is_dir() else app


def load_spec(path: Path) -> AppSpec:
    """Read and validate a spec; raise ``SpecError`` with one line per problem."""
    path = spec_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise SpecError([f"{path}:{line}: invalid YAML: {exc.problem}"]) from None
    if not isinstance(data, dict) or node is None:
        raise SpecError([f"{path}:1: the spec must be a mapping with at least `app:`"])
    lines: dict[tuple[Any, ...], int] = {}
    _lines(node, (), lines)
    try:
        spec = AppSpec.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            field = ".".join(str(p) for p in loc) or "(top level)"
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
                if SECRET_WORDS.search(field):
                    msg += " (secrets go in env vars, named by *_env fields)"
            errors.append(f"{path}:{_line_for(loc, lines)}: {field}: {msg}")
        raise SpecError(errors) from None
    _check_files(spec, path, lines, text)
    return spec


def _check_files(spec: AppSpec, path: Path, lines: dict[tuple[Any, ...], int], _t: str) -> None:
    errors = []
    system = spec.prompts.system
    if system is not None and not (path.parent / system.file).is_file():
        line = lines.get(("prompts", "system", "file"), 1)
        errors.append(f"{path}:{line}: prompts.system.file: no such file {system.file!r}")
    if errors:
        raise SpecError(errors)
