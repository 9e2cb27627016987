"""The response cache the generate stage consults: exact first, then near-duplicate.

Only a whole, non-streamed, non-refused answer is stored, and only for a request that
carried no personal data (nothing pseudonymised) and raised no finding on the way in. A hit
is recorded in the trace with what it saved (an item of ``annotations["saved"]``: the
tokens and the money the first answer cost), which ``stanchion report cost`` adds up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from stanchion.cache.backends import CacheBackend, build_backend
from stanchion.cache.keys import digest, normalise
from stanchion.errors import StoreError
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import Completion, Usage

UNKEYED = frozenset({"user", "stream", "stream_options"})
# An answer to these is more than its text (tool calls, a checked schema): not cached.
UNCACHED = frozenset({"tools", "functions", "tool_choice", "response_format"})


class ResponseCache:
    """Exact and near-duplicate answers for one app, scoped per user or per app."""

    def __init__(
        self,
        backend: CacheBackend,
        app: str,
        *,
        exact: bool = True,
        near: bool = False,
        per_user: bool = True,
        ttl: float = 3600.0,
        generations: Callable[[], Any] = lambda: None,
    ) -> None:
        self.backend, self.app, self.exact, self.near = backend, app, exact, near
        self.per_user, self.ttl, self.generations = per_user, ttl, generations

    def keys(self, ex: Exchange, target: str) -> list[tuple[str, str]]:
        """(kind, key) for each cache that applies to this request, exact first."""
        if ex.request.stream or ex.pseudonyms or ex.findings or UNCACHED & ex.request.params.keys():
            return []  # personal data, a finding, tools or a schema: never shared, never reused
        user = ex.principal.user if ex.principal and self.per_user else ""
        params = {k: v for k, v in ex.request.params.items() if k not in UNKEYED}
        common = [self.app, target, ex.prompt_id, self.generations(), user, params]
        out = []
        if self.exact:
            passages = [[p.doc_id, p.version, p.start, p.end, p.text] for p in ex.passages]
            # The caller's messages, not the rendered ones: those carry a per-request canary;
            # the prompt is named by its version in ``common``.
            out.append(("exact", "x:" + digest([common, ex.messages, passages])))
        question = _single_question(ex.messages)
        if self.near and question is not None:
            sources = [[p.doc_id, p.version, p.start, p.end] for p in ex.passages]
            system = [m.get("content") for m in ex.messages if m.get("role") == "system"]
            out.append(("near", "n:" + digest([common, normalise(question), system, sources])))
        return out

    async def lookup(self, ex: Exchange, target: str) -> tuple[str, Completion, float] | None:
        """The first hit: (kind, the answer with no usage, what the first answer cost)."""
        for kind, key in self.keys(ex, target):
            raw = await self.backend.get(key)
            if raw is None:
                continue
            entry = orjson.loads(raw)
            completion = Completion(
                content=entry["content"],
                model=entry["model"],
                usage=Usage(0, 0),
                provider="cache",
                route=entry["route"],
            )
            saved = {
                "by": kind,
                "cost": entry["cost"],
                "prompt_tokens": entry["prompt_tokens"],
                "completion_tokens": entry["completion_tokens"],
            }
            ex.annotations.setdefault("saved", []).append(saved)
            return kind, completion, float(entry["cost"])
        return None

    async def store(self, ex: Exchange, target: str, completion: Completion) -> None:
        if completion.refused or completion.finish_reason != "stop" or ex.decision != "pass":
            return
        if getattr(completion, "tool_calls", None):
            return
        entry = orjson.dumps(
            {
                "content": completion.content,
                "model": completion.model,
                "route": completion.route,
                "cost": ex.cost,
                "prompt_tokens": completion.usage.prompt_tokens,
                "completion_tokens": completion.usage.completion_tokens,
            }
        )
        for _, key in self.keys(ex, target):
            await self.backend.set(key, entry, self.ttl)

    async def aclose(self) -> None:
        await self.backend.aclose()


def _single_question(messages: list[dict[str, Any]]) -> str | None:
    """The user's question when the conversation is one user turn (plus system lines)."""
    users = [m for m in messages if m.get("role") == "user"]
    others = [m for m in messages if m.get("role") not in ("user", "system")]
    if len(users) != 1 or others or not isinstance(users[0].get("content"), str):
        return None
    return str(users[0]["content"])


def build_cache(
    spec: Any, app: str, redis_url: str | None, generations: Callable[[], Any]
) -> ResponseCache | None:
    """The cache ``spec`` (``spec.model.CacheSpec``) asks for, or None when it is off."""
    if not (spec.exact or spec.near):
        return None
    if spec.backend == "redis" and not redis_url:
        raise StoreError("cache.backend is redis but no Redis URL is set (limits.redis_url)")
    url = redis_url if spec.backend != "local" else None
    backend = build_backend(url, app, spec.max_entries)
    return ResponseCache(
        backend,
        app,
        exact=spec.exact,
        near=spec.near,
        per_user=spec.scope == "user",
        ttl=spec.ttl_seconds,
        generations=generations,
    )
