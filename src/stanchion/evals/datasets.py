"""Eval datasets: JSONL examples stored as immutable, numbered versions (content-hashed).

One example per line::

    {"id": "q01", "question": "How long do refunds take?",          # or "messages": [...]
     "facts": ["5 to 7 business days"], "must_not": ["30 days"],
     "reference": "Card refunds take 5 to 7 business days.", "tags": ["refunds"],
     "answerable": true}
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from stanchion.errors import BadRequest, NotFound
from stanchion.registry.schema import eval_datasets
from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    messages: list[dict[str, Any]]
    facts: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)
    reference: str | None = None
    tags: list[str] = field(default_factory=list)
    answerable: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{where} must be a list of strings")
    return list(value)


def parse_example(data: Any, where: str) -> Example:
    if not isinstance(data, dict):
        raise BadRequest(f"{where}: an example is a JSON object")
    messages = data.get("messages")
    if messages is None and isinstance(data.get("question"), str):
        messages = [{"role": "user", "content": data["question"]}]
    if not isinstance(messages, list) or not messages:
        raise BadRequest(f"{where}: give `question` or a non-empty `messages` list")
    reference = data.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise BadRequest(f"{where}: reference must be a string")
    return Example(
        str(data.get("id") or where),
        messages,
        _strings(data.get("facts"), where),
        _strings(data.get("must_not"), where),
        reference,
        _strings(data.get("tags"), where),
        bool(data.get("answerable", True)),
    )


def parse_jsonl(text: str, source: str = "dataset") -> list[Example]:
    examples = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"{source}:{n}: not JSON: {exc}") from None
        examples.append(parse_example(data, f"{source}:{n}"))
    if not examples:
        raise BadRequest(f"{source}: no examples")
    ids = [e.id for e in examples]
    if len(set(ids)) != len(ids):
        raise BadRequest(f"{source}: example ids must be unique")
    return examples


def push_dataset(
    conn: Connection,
    cipher: Cipher,
    app: str,
    name: str,
    examples: list[Example],
    *,
    author: str,
    message: str = "",
) -> tuple[int, bool]:
    """Store a dataset version; the same examples again return the existing number."""
    body = b"\n".join(orjson.dumps(e.to_json(), option=orjson.OPT_SORT_KEYS) for e in examples)
    digest = hashlib.sha256(body).hexdigest()
    q = select(eval_datasets.c.version, eval_datasets.c.content_hash).where(
        eval_datasets.c.app == app, eval_datasets.c.name == name
    )
    rows = conn.execute(q.order_by(eval_datasets.c.version.desc())).all()
    for row in rows:
        if row.content_hash == digest:
            return int(row.version), False
    version = int(rows[0].version) + 1 if rows else 1
    conn.execute(
        eval_datasets.insert().values(
            app=app,
            name=name,
            version=version,
            content_hash=digest,
            examples=len(examples),
            data_enc=cipher.encrypt(body),
            author=author,
            message=message,
            created_at=time.time(),
        )
    )
    append_audit(
        conn,
        author,
        "eval.dataset_push",
        f"{name}@{version}",
        {"app": app, "examples": len(examples), "content_hash": digest},
    )
    return version, True


def load_dataset(
    conn: Connection, cipher: Cipher, app: str, name: str, version: int | None = None
) -> tuple[int, list[Example]]:
    if version is None:
        version = conn.execute(
            select(func.max(eval_datasets.c.version)).where(
                eval_datasets.c.app == app, eval_datasets.c.name == name
            )
        ).scalar()
    row = (
        conn.execute(
            select(eval_datasets.c.data_enc).where(
                eval_datasets.c.app == app,
                eval_datasets.c.name == name,
                eval_datasets.c.version == version,
            )
        ).first()
        if version
        else None
    )
    if row is None:
        raise NotFound(f"no dataset {name!r} (version {version or 'any'}) in app {app!r}")
    text = cipher.decrypt(bytes(row.data_enc)).decode()
    assert version is not None
    return int(version), [parse_example(orjson.loads(line), name) for line in text.splitlines()]
