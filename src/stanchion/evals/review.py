"""The human review queue: answers held by policy, and answers rated 2 or below.

    pending --claim--> claimed --approve|edit|reject--> approved | edited | rejected

A held answer reaches its user only once a reviewer approves it (as it was) or edits it
(the edited text is released). Each decision is one conditional update, so two reviewers
racing cannot both release; each is an audit event. Texts are stored encrypted, the
reviewer's note too (notes written before sealing began read back as they were).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson
from sqlalchemy import Connection, or_, select, update

from stanchion.errors import ApiError, BadRequest, CryptoError, NotFound
from stanchion.providers.tokens import message_text
from stanchion.registry.schema import review_items
from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

if TYPE_CHECKING:
    from stanchion.pipeline.exchange import Exchange

Clock = Callable[[], float]
Action = Literal["approve", "edit", "reject"]
FINAL = {"approve": "approved", "edit": "edited", "reject": "rejected"}
OPEN = ("pending", "claimed")
HELD = ("hold", "tool_call")  # reasons whose caller waits for the reviewer
REJECTED_REPLY = "A reviewer could not confirm this answer. A support agent will follow up."


class Conflict(ApiError):
    status, type, code = 409, "invalid_request_error", "conflict"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    trace_id: str
    app: str
    reason: str
    status: str
    key_id: str | None
    user: str | None
    prompt_id: str | None
    question: str | None
    answer: str | None
    final: str | None
    claimed_by: str | None
    decided_by: str | None
    decided_at: float | None
    note: str | None
    created_at: float

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


@dataclass(frozen=True, slots=True)
class NewItem:
    trace_id: str
    app: str
    reason: str
    key_id: str | None
    user: str | None
    prompt_id: str | None
    question: str | None
    answer: str | None


def _open(cipher: Cipher, blob: Any) -> str | None:
    """A sealed text, or None: none stored, or its subject's key was destroyed (erased)."""
    if blob is None:
        return None
    try:
        return cipher.decrypt_text(bytes(blob))
    except CryptoError:
        return None


def _note(cipher: Cipher, note: str | None) -> str | None:
    try:
        return cipher.open_text(note) if note is not None else None
    except CryptoError:
        return None


def _item(row: Any, cipher: Cipher) -> ReviewItem:
    return ReviewItem(
        row.trace_id,
        row.app,
        row.reason,
        row.status,
        row.key_id,
        row.user,
        row.prompt_id,
        _open(cipher, row.question_enc),
        _open(cipher, row.answer_enc),
        _open(cipher, row.final_enc),
        row.claimed_by,
        row.decided_by,
        row.decided_at,
        _note(cipher, row.note),
        row.created_at,
    )


def enqueue(conn: Connection, cipher: Cipher, new: NewItem, now: Clock = time.time) -> bool:
    """Queue a trace for review; False when it is queued already."""
    exists = conn.execute(
        select(review_items.c.trace_id).where(review_items.c.trace_id == new.trace_id)
    ).first()
    if exists is not None:
        return False
    sealer = cipher.for_subject(conn, new.user)  # the asker's words: under their key
    conn.execute(
        review_items.insert().values(
            trace_id=new.trace_id,
            app=new.app,
            reason=new.reason,
            status="pending",
            key_id=new.key_id,
            user=new.user,
            prompt_id=new.prompt_id,
            question_enc=_seal(sealer, new.question),
            answer_enc=_seal(sealer, new.answer),
            created_at=now(),
        )
    )
    return True


def get_item(conn: Connection, cipher: Cipher, app: str, trace_id: str) -> ReviewItem | None:
    row = conn.execute(
        select(review_items).where(review_items.c.app == app, review_items.c.trace_id == trace_id)
    ).first()
    return _item(row, cipher) if row else None


def list_items(
    conn: Connection, cipher: Cipher, app: str, status: str | None = None, limit: int = 100
) -> list[ReviewItem]:
    q = select(review_items).where(review_items.c.app == app)
    if status == "open":
        q = q.where(review_items.c.status.in_(OPEN))
    elif status:
        q = q.where(review_items.c.status == status)
    rows = conn.execute(q.order_by(review_items.c.created_at).limit(limit)).all()
    return [_item(r, cipher) for r in rows]


def _refuse(conn: Connection, cipher: Cipher, app: str, trace_id: str, reviewer: str) -> None:
    item = get_item(conn, cipher, app, trace_id)
    if item is None:
        raise NotFound(f"trace {trace_id!r} is not in the review queue")
    if item.status in OPEN:
        raise Conflict(f"trace {trace_id} is claimed by {item.claimed_by}")
    raise Conflict(f"trace {trace_id} was already {item.status} by {item.decided_by}")


def claim(
    conn: Connection, cipher: Cipher, app: str, trace_id: str, reviewer: str, now: Clock = time.time
) -> ReviewItem:
    done = conn.execute(
        update(review_items)
        .where(
            review_items.c.app == app,
            review_items.c.trace_id == trace_id,
            or_(review_items.c.status == "pending", review_items.c.claimed_by == reviewer),
            review_items.c.status.in_(OPEN),
        )
        .values(status="claimed", claimed_by=reviewer, claimed_at=now())
    )
    if done.rowcount != 1:
        _refuse(conn, cipher, app, trace_id, reviewer)
    append_audit(conn, reviewer, "review.claim", trace_id, {"app": app})
    item = get_item(conn, cipher, app, trace_id)
    assert item is not None
    return item


def decide(
    conn: Connection,
    cipher: Cipher,
    app: str,
    trace_id: str,
    reviewer: str,
    action: Action,
    *,
    text: str | None = None,
    note: str = "",
    now: Clock = time.time,
) -> ReviewItem:
    """Approve (release as held), edit (release ``text``) or reject; exactly once."""
    if not isinstance(note, str):
        raise BadRequest("`note` must be a string", param="note")
    if action == "edit" and not (text and text.strip()):
        raise BadRequest("an edit needs the corrected answer in `content`", param="content")
    current = get_item(conn, cipher, app, trace_id)
    if current is None:
        raise NotFound(f"trace {trace_id!r} is not in the review queue")
    if action == "approve" and current.answer is None:
        raise BadRequest("nothing was generated to release; edit to write the answer")
    final = {"approve": current.answer, "edit": text, "reject": None}[action]
    sealer = cipher.for_subject(conn, current.user)
    done = conn.execute(
        update(review_items)
        .where(
            review_items.c.app == app,
            review_items.c.trace_id == trace_id,
            review_items.c.status.in_(OPEN),
            or_(review_items.c.claimed_by.is_(None), review_items.c.claimed_by == reviewer),
        )
        .values(
            status=FINAL[action],
            decided_by=reviewer,
            decided_at=now(),
            note=sealer.seal_text(note),
            final_enc=sealer.encrypt_text(final) if final is not None else None,
            claimed_by=reviewer,
        )
    )
    if done.rowcount != 1:
        _refuse(conn, cipher, app, trace_id, reviewer)
    append_audit(
        conn,
        reviewer,
        f"review.{action}",
        trace_id,
        {"app": app, "reason": current.reason, "note": note, "edited": action == "edit"},
    )
    item = get_item(conn, cipher, app, trace_id)
    assert item is not None
    return item


def client_view(item: ReviewItem | None, recorded: str | None) -> dict[str, Any]:
    """What the answer's caller may see now: held, released (with text) or rejected."""
    if item is None or item.reason not in HELD:
        return {"status": "answered", "content": recorded}
    if item.status in OPEN:
        return {"status": "held", "content": None}
    if item.status == "rejected":
        return {"status": "rejected", "content": REJECTED_REPLY}
    released = {"status": "released", "content": item.final, "edited": item.status == "edited"}
    return {**released, **_tool_calls(item)}


def _tool_calls(item: ReviewItem) -> dict[str, Any]:
    """A held tool call is released as ``{"content", "tool_calls"}`` (JSON, as the decide
    stage queued it, or as the reviewer edited it); text that is not that is content."""
    if item.reason != "tool_call" or not item.final:
        return {}
    try:
        held = orjson.loads(item.final)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(held, dict) or not isinstance(held.get("tool_calls"), list):
        return {}
    return {"content": held.get("content"), "tool_calls": held["tool_calls"]}


class HoldQueue:
    """The decide stage's hand-off: a held answer goes to the queue, not to the caller."""

    def __init__(self, store: Store, cipher: Cipher, enabled: bool = True) -> None:
        self.store, self.cipher, self.enabled = store, cipher, enabled

    def _put(self, new: NewItem) -> None:
        with self.store.engine.begin() as conn:
            enqueue(conn, self.cipher, new)

    async def hold(self, ex: Exchange, answer: str | None) -> None:
        if not self.enabled:
            return
        question = next(
            (message_text(m) for m in reversed(ex.messages) if m.get("role") == "user"), None
        )
        p = ex.principal
        await self.store.run(
            self._put,
            NewItem(
                ex.id,
                ex.app,
                "tool_call" if ex.annotations.get("tool_hold") else "hold",
                p.key_id if p else None,
                p.user if p else None,
                ex.prompt_id,
                question,
                answer,
            ),
        )


def _seal(cipher: Cipher, text: str | None) -> bytes | None:
    return cipher.encrypt_text(text) if text is not None else None
