"""The label cache: what each request resolves, held in process memory.

Resolving a label on the hot path is two dict lookups and, during a canary, one CRC32 of
the user's name: no database round trip. A background task reads one integer (the
registry's generation) every ``refresh_seconds`` and reloads only when a label moved, so
a move reaches every replica within about that interval. With nothing labelled, the app's
files (the spec's prompt, its routes) are served, under the same content-hash ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from pydantic import ValidationError
from sqlalchemy import select

from stanchion.errors import StanchionError
from stanchion.registry.labels import generation
from stanchion.registry.prompts import PromptVersion, prompt_from_content
from stanchion.registry.schema import reg_labels, reg_versions
from stanchion.spec.model import Route
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.telemetry.metrics import Metrics

T = TypeVar("T")
log = logging.getLogger("stanchion.registry")
RouteInstaller = Callable[[str, Route], str]


def bucket(salt: str, user: str) -> int:
    """A user's fixed place in 0-99 for one canary: the same user always lands alike."""
    return zlib.crc32(f"{salt}\0{user}".encode()) % 100


@dataclass(frozen=True, slots=True)
class Slot(Generic[T]):
    stable: T
    stable_id: str
    canary: T | None = None
    canary_id: str | None = None
    percent: int = 0

    def pick(self, user: str) -> tuple[T, str]:
        if (
            self.canary is not None
            and self.canary_id is not None
            and bucket(self.canary_id, user) < self.percent
        ):
            return self.canary, self.canary_id
        return self.stable, self.stable_id


@dataclass(slots=True)
class Snapshot:
    """Everything labelled for the served label, loaded in one read."""

    generation: int
    labels: list[Any] = field(default_factory=list)
    contents: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    broken: dict[tuple[str, str], str] = field(default_factory=dict)


class Unloadable(Exception):
    """A labelled version this process cannot serve (the reason is the message)."""


Problems = dict[tuple[str, str, str], str]


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    name: str
    version_id: str
    reason: str
    serving: str | None

    def short(self) -> str:
        instead = f"serving {self.serving}" if self.serving else "not serving it"
        return f"{self.kind} {self.name}: version {self.version_id} cannot be loaded; {instead}"

    def detail(self) -> str:
        return f"registry: {self.short()}: {self.reason}"

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def _reason(exc: Exception) -> str:
    """One line; a validation error without the values it saw (a URL may hold a password)."""
    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    else:
        text = " ".join(str(exc).split())
    return text[:500] or type(exc).__name__


class LabelCache:
    """Resolves ``(prompt name | route name, user)`` to the exact version to serve."""

    def __init__(
        self,
        store: Store,
        cipher: Cipher,
        app: str,
        label: str,
        refresh_seconds: float,
        *,
        prompt_files: dict[str, PromptVersion],
        route_files: dict[str, str],
        install_route: RouteInstaller | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store, self.cipher, self.app, self.label = store, cipher, app, label
        self.refresh_seconds = refresh_seconds
        self.install_route = install_route
        self.metrics = metrics
        self.problems: dict[tuple[str, str, str], Problem] = {}
        self._loaders: dict[str, Callable[[str, str, dict[str, Any]], Any]] = {
            "prompt": prompt_from_content,
            "model": self._route_key,
        }
        self._prompt_files = {n: Slot(p, p.id) for n, p in prompt_files.items()}
        self._route_files = {n: Slot((n, vid), vid) for n, vid in route_files.items()}
        self.prompts: dict[str, Slot[PromptVersion]] = dict(self._prompt_files)
        self.models: dict[str, Slot[tuple[str, str]]] = dict(self._route_files)
        self.generation: int | None = None
        self.pinned = False
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def prompt(self, name: str, user: str) -> PromptVersion | None:
        slot = self.prompts.get(name)
        return slot.pick(user)[0] if slot is not None else None

    def model(self, route: str, user: str) -> tuple[str, str] | None:
        """The router key and the version id serving ``route`` for ``user``."""
        slot = self.models.get(route)
        return slot.pick(user)[0] if slot is not None else None

    def pin(self, kind: str, name: str, content: dict[str, Any], vid: str) -> None:
        """Serve exactly this version to everyone, and stop following labels (evals)."""
        self.pinned = True
        if kind == "prompt":
            self.prompts[name] = Slot(prompt_from_content(name, vid, content), vid)
        else:
            self.models[name] = Slot(self._route_key(name, vid, content), vid)

    def _read(self, known: int | None) -> Snapshot | None:
        with self.store.engine.connect() as conn:
            gen = generation(conn, self.app)
            if gen == known:
                return None
            labels = conn.execute(
                select(reg_labels).where(
                    reg_labels.c.app == self.app, reg_labels.c.label == self.label
                )
            ).all()
            wanted = {v for r in labels for v in (r.version_id, r.canary_id) if v}
            snap = Snapshot(gen, list(labels))
            if wanted:
                rows = conn.execute(
                    select(
                        reg_versions.c.kind, reg_versions.c.id, reg_versions.c.content_enc
                    ).where(reg_versions.c.app == self.app, reg_versions.c.id.in_(wanted))
                ).all()
                for r in rows:
                    try:
                        content = orjson.loads(self.cipher.decrypt(bytes(r.content_enc)))
                    except (StanchionError, orjson.JSONDecodeError) as exc:
                        snap.broken[(r.kind, r.id)] = f"its content does not decrypt: {exc}"
                        continue
                    snap.contents[(r.kind, r.id)] = content
            return snap

    def _route_key(self, name: str, vid: str, content: dict[str, Any]) -> tuple[str, str]:
        spec_slot = self._route_files.get(name)
        if spec_slot is not None and spec_slot.stable_id == vid:
            return (name, vid)
        if self.install_route is None:
            log.warning("route version %s is labelled but this process cannot serve it", vid)
            return (name, vid)
        return (self.install_route(vid, Route.model_validate(content)), vid)

    def _load(self, kind: str, name: str, vid: str, snap: Snapshot) -> Any:
        """What serving ``vid`` means here (a prompt, a router key); ``Unloadable`` if it
        cannot be served, with the reason."""
        if (kind, vid) in snap.broken:
            raise Unloadable(snap.broken[(kind, vid)])
        content = snap.contents.get((kind, vid))
        if content is None:
            raise Unloadable("it is not in the store")
        try:
            return self._loaders[kind](name, vid, content)
        except Exception as exc:  # any failure of one version must not stop the replica
            raise Unloadable(_reason(exc)) from None

    def _slot(self, row: Any, snap: Snapshot, last: Slot[Any] | None, found: Problems) -> Any:
        """The label's slot, or ``last`` (what was served before) if its version fails."""
        try:
            stable = self._load(row.kind, row.name, row.version_id, snap)
        except Unloadable as exc:
            found[(row.kind, row.name, row.version_id)] = str(exc)
            return last
        canary, cid = None, row.canary_id
        if cid:
            try:
                canary = self._load(row.kind, row.name, cid, snap)
            except Unloadable as exc:
                found[(row.kind, row.name, cid)] = str(exc)
        return Slot(
            stable, row.version_id, canary, cid if canary is not None else None, row.canary_percent
        )

    def _apply(self, snap: Snapshot) -> None:
        served: dict[str, dict[str, Slot[Any]]] = {
            "prompt": dict(self._prompt_files),
            "model": dict(self._route_files),
        }
        current: dict[str, dict[str, Slot[Any]]] = {"prompt": self.prompts, "model": self.models}
        found: Problems = {}
        for row in snap.labels:
            if row.kind not in served:
                continue
            slot = self._slot(row, snap, current[row.kind].get(row.name), found)
            if slot is not None:
                served[row.kind][row.name] = slot
        self.prompts, self.models = served["prompt"], served["model"]
        self.generation = snap.generation
        self._report(found)

    def _report(self, found: Problems) -> None:
        """Say loudly, once per version, what cannot be served and what is served instead."""
        slots: dict[str, dict[str, Slot[Any]]] = {"prompt": self.prompts, "model": self.models}
        problems: dict[tuple[str, str, str], Problem] = {}
        for (kind, name, vid), why in found.items():
            slot = slots[kind].get(name)
            problem = Problem(kind, name, vid, why, slot.stable_id if slot else None)
            problems[(kind, name, vid)] = problem
            if (kind, name, vid) not in self.problems:
                log.error("%s", problem.detail())
                if self.metrics is not None:
                    self.metrics.inc("stanchion_registry_unloadable_total", (("kind", kind),))
        for key in self.problems.keys() - problems.keys():
            log.warning("registry: %s %s version %s is no longer a problem", *key)
        self.problems = problems
        if self.metrics is not None:
            self.metrics.set_gauge("stanchion_registry_unloadable_versions", len(problems))

    def health_issues(self) -> list[str]:
        return [p.short() for p in self.problems.values()]

    async def refresh(self) -> bool:
        """Reload if a label moved since the last look; True when it did."""
        if self.pinned:
            return False
        async with self._lock:
            snap = await self.store.run(self._read, self.generation)
            if snap is None:
                return False
            self._apply(snap)
            return True

    async def refresh_after_move(self) -> str | None:
        """``refresh`` right after a committed move: a failure here is a warning for the
        mover (every replica retries at its next look), not an error for a move that holds."""
        try:
            await self.refresh()
        except Exception:  # the move is committed whatever this replica's reload does
            log.exception("reloading labels after a move failed; retrying every refresh")
            return "this replica could not reload its labels yet; it retries every refresh"
        return None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await self.refresh()
            except Exception:
                log.exception("refreshing the label cache failed; serving the last labels")

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._watch(), name="stanchion-labels")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
