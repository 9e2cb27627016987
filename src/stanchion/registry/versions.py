"""Immutable versions of prompts and model routes, identified by their content hash.

A version is written once and never changed; pushing content the registry already holds
returns the existing version. Each also gets a short number per name (``system`` v3)::

    with store.engine.begin() as conn:
        v, created = push(conn, cipher, "demo", "prompt", "system",
                          {"template": "You help {{ co }}.", "variables": {"co": "Acme"}},
                          author="ana", message="shorter")
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import Connection, func, select

from stanchion.errors import BadRequest, NotFound, SpecError
from stanchion.registry.prompts import prompt_from_content, template_hash
from stanchion.registry.schema import reg_labels, reg_versions
from stanchion.spec.model import Route
from stanchion.store.crypto import Cipher

Kind = Literal["prompt", "model"]
KINDS: tuple[Kind, ...] = ("prompt", "model")
Clock = Callable[[], float]


def _prompt_hash(content: dict[str, Any]) -> str:
    template, variables = content.get("template"), content.get("variables") or {}
    if not isinstance(template, str) or not isinstance(variables, dict):
        raise BadRequest("a prompt is {template: string, variables: object}", param="content")
    try:
        prompt_from_content("check", "check", content)
    except SpecError as exc:
        raise BadRequest(f"the template does not render: {exc}", param="content") from None
    return template_hash(template, {str(k): str(v) for k, v in variables.items()})


def _route_hash(content: dict[str, Any]) -> str:
    try:
        route = Route.model_validate(content)
    except ValueError as exc:
        raise BadRequest(f"not a valid model route: {exc}", param="content") from None
    data = route.model_dump(mode="json")
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


HASHERS: dict[str, Callable[[dict[str, Any]], str]] = {"prompt": _prompt_hash, "model": _route_hash}


def content_hash(kind: str, content: dict[str, Any]) -> str:
    if kind not in HASHERS:
        raise BadRequest(f"kind must be one of {list(KINDS)}", param="kind")
    return HASHERS[kind](content)


def version_id(name: str, digest: str) -> str:
    return f"{name}@{digest[:12]}"


@dataclass(frozen=True, slots=True)
class Version:
    app: str
    kind: str
    id: str
    name: str
    number: int
    content_hash: str
    author: str
    message: str
    created_at: float
    content: dict[str, Any]

    def to_record(self, with_content: bool = True) -> dict[str, Any]:
        rec = {f: getattr(self, f) for f in self.__slots__ if f != "content"}
        if with_content:
            rec["content"] = self.content
        return rec

    def text(self) -> str:
        """The content as lines a person can diff."""
        if self.kind == "prompt":
            variables = "".join(
                f"{{{{ {k} }}}} = {v}\n"
                for k, v in sorted(dict(self.content.get("variables") or {}).items())
            )
            return str(self.content["template"]).rstrip("\n") + "\n\n# variables\n" + variables
        return orjson.dumps(
            self.content, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        ).decode()


def _version(row: Any, cipher: Cipher) -> Version:
    m = row._mapping
    content = orjson.loads(cipher.decrypt(bytes(m["content_enc"])))
    return Version(
        m["app"],
        m["kind"],
        m["id"],
        m["name"],
        m["number"],
        m["content_hash"],
        m["author"],
        m["message"],
        m["created_at"],
        content,
    )


def push(
    conn: Connection,
    cipher: Cipher,
    app: str,
    kind: str,
    name: str,
    content: dict[str, Any],
    *,
    author: str,
    message: str = "",
    now: Clock = time.time,
) -> tuple[Version, bool]:
    """Register content as a version of ``name``; returns it and whether it is new."""
    digest = content_hash(kind, content)
    vid = version_id(name, digest)
    existing = conn.execute(
        select(reg_versions).where(
            reg_versions.c.app == app, reg_versions.c.kind == kind, reg_versions.c.id == vid
        )
    ).first()
    if existing is not None:
        return _version(existing, cipher), False
    last = conn.execute(
        select(func.max(reg_versions.c.number)).where(
            reg_versions.c.app == app, reg_versions.c.kind == kind, reg_versions.c.name == name
        )
    ).scalar()
    number = int(last or 0) + 1
    conn.execute(
        reg_versions.insert().values(
            app=app,
            kind=kind,
            id=vid,
            name=name,
            number=number,
            content_hash=digest,
            content_enc=cipher.encrypt(orjson.dumps(content)),
            author=author,
            message=message,
            created_at=now(),
        )
    )
    return Version(app, kind, vid, name, number, digest, author, message, now(), content), True


def get(conn: Connection, cipher: Cipher, app: str, kind: str, vid: str) -> Version:
    row = conn.execute(
        select(reg_versions).where(
            reg_versions.c.app == app, reg_versions.c.kind == kind, reg_versions.c.id == vid
        )
    ).first()
    if row is None:
        raise NotFound(f"no {kind} version {vid!r} in app {app!r}")
    return _version(row, cipher)


def resolve_ref(
    conn: Connection, cipher: Cipher, app: str, kind: str, ref: str, name: str | None = None
) -> Version:
    """A version from an id (``system@3f2a...``), ``name:N`` / ``vN`` / ``N``, or a label."""
    q = select(reg_versions).where(reg_versions.c.app == app, reg_versions.c.kind == kind)
    if "@" in ref:
        return get(conn, cipher, app, kind, ref)
    ref_name, _, num = ref.rpartition(":") if ":" in ref else (name or "", "", ref)
    digits = num[1:] if num.startswith("v") else num
    if digits.isdigit():
        rows = conn.execute(q.where(reg_versions.c.number == int(digits))).all()
        rows = [r for r in rows if not ref_name or r.name == ref_name]
        if len(rows) == 1:
            return _version(rows[0], cipher)
        if len(rows) > 1:
            raise BadRequest(f"{ref!r} is ambiguous: name it as NAME:{digits}", param="version")
    label = conn.execute(
        select(reg_labels.c.version_id, reg_labels.c.name).where(
            reg_labels.c.app == app, reg_labels.c.kind == kind, reg_labels.c.label == num
        )
    ).all()
    label = [r for r in label if not ref_name or r.name == ref_name]
    if len(label) == 1:
        return get(conn, cipher, app, kind, label[0].version_id)
    raise NotFound(f"no {kind} version or label {ref!r} in app {app!r}")


def list_versions(
    conn: Connection, cipher: Cipher, app: str, kind: str, name: str | None = None
) -> list[Version]:
    q = select(reg_versions).where(reg_versions.c.app == app, reg_versions.c.kind == kind)
    if name:
        q = q.where(reg_versions.c.name == name)
    rows = conn.execute(q.order_by(reg_versions.c.name, reg_versions.c.number)).all()
    return [_version(r, cipher) for r in rows]


def diff(a: Version, b: Version) -> str:
    """A unified diff of two versions' content."""
    lines = difflib.unified_diff(
        a.text().splitlines(keepends=True),
        b.text().splitlines(keepends=True),
        fromfile=f"{a.id} (v{a.number})",
        tofile=f"{b.id} (v{b.number})",
    )
    return "".join(lines)


def route_version_id(route: Route) -> str:
    """The id a spec route has (or would have) in the registry."""
    return version_id(route.name, _route_hash(route.model_dump(mode="json")))
