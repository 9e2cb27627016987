"""Everything a serving process builds once from the spec and the settings."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stanchion.access import Access, KeyCache, role_table
from stanchion.cache import ResponseCache, build_cache
from stanchion.errors import CryptoError, SpecError, StoreError
from stanchion.evals.review import HoldQueue
from stanchion.guards import GuardEngine, build_guard_engine
from stanchion.identity.provider import tls_context
from stanchion.identity.service import Sso, build_sso
from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.limits import Counters, build_counters
from stanchion.providers.egress import Egress
from stanchion.providers.registry import build_provider, egress_for
from stanchion.providers.router import Breaker, Router, RouteState
from stanchion.registry.cache import LabelCache
from stanchion.registry.prompts import PromptVersion, load_system_prompt
from stanchion.registry.versions import route_version_id
from stanchion.reports.rollup_writer import rollup_writer
from stanchion.retention.purge import purge_forever
from stanchion.rollout.gate import Cohorts
from stanchion.settings import Settings
from stanchion.spec import AppSpec, load_spec
from stanchion.spec.model import Route
from stanchion.store.audit import bind_audit
from stanchion.store.audit_export import export_forever
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.opening import (  # opening the store lives there; kept importable here
    app_cipher as app_cipher,
)
from stanchion.store.opening import (
    audit_keys as audit_keys,
)
from stanchion.store.opening import (
    database_url as database_url,
)
from stanchion.store.opening import (
    key_file as key_file,
)
from stanchion.store.opening import (
    master_keys as master_keys,
)
from stanchion.store.opening import (
    open_app_store as open_app_store,
)
from stanchion.store.opening import (
    open_store as open_store,
)
from stanchion.store.spool import Spool
from stanchion.store.subjects import SubjectKeys
from stanchion.store.trace_writer import TraceWriter
from stanchion.telemetry.metrics import Metrics
from stanchion.telemetry.tracing import Spans, build_spans

DURABILITY = {"os": False, "fsync": True}


def open_spool(app_dir: Path, settings: Settings) -> Spool:
    """The local trace spool; ``durability: fsync`` adds a group-committed fsync."""
    fsync = DURABILITY.get(settings.durability)
    if fsync is None:
        raise StoreError(
            f"STANCHION_DURABILITY is {settings.durability!r}; use one of {sorted(DURABILITY)}"
        )
    folder = settings.spool_dir or app_dir / ".stanchion" / "spool"
    return Spool(folder, max_bytes=int(settings.spool_max_mb * (1 << 20)), fsync=fsync)


def new_trace_id() -> str:
    """128 random bits from the OS: a trace id names an answer to whoever holds it, so it
    must be unguessable (a counter lets anyone walk other callers' ids). About 0.6 us."""
    return secrets.token_hex(16)


@dataclass
class Runtime:
    spec: AppSpec
    app_dir: Path
    settings: Settings
    store: Store
    cipher: Cipher
    access: Access
    keys: KeyCache
    counters: Counters
    guards: GuardEngine
    knowledge: Knowledge | None
    prompt: PromptVersion | None
    router: Router
    traces: TraceWriter
    metrics: Metrics
    labels: LabelCache
    holds: HoldQueue
    clock: Callable[[], float] = time.time
    new_id: Callable[[], str] = new_trace_id
    routes_by_name: dict[str, str] = field(default_factory=dict)
    spans: Spans | None = None
    cohorts: Cohorts | None = None  # the rollout's stage, cached (rollout/gate.py)
    monitor: Any = None  # the alert evaluator (alerts.engine.Monitor) when rules exist
    unforward: Callable[[], None] = lambda: None  # rollout alerts to the alert channels
    sso: Sso | None = None
    background: list[asyncio.Task[None]] = field(default_factory=list)
    cache: ResponseCache | None = None
    subjects: SubjectKeys | None = None  # with retention.subject_keys (store/subjects.py)

    def generations(self) -> tuple[int | None, int | None]:
        """The registry's and the knowledge's generations: a cached answer's key holds
        both, so a label move, an approval or a retirement makes it unreachable."""
        knowledge = self.knowledge.retriever.generation if self.knowledge else None
        return self.labels.generation, knowledge

    def resolve_model(self, requested: str) -> str | None:
        """The route a request's ``model`` names: a route name or the app's name."""
        return self.routes_by_name.get(requested)

    def health_issues(self) -> list[str]:
        """Short lines for readiness: what this replica serves that is not what it was told."""
        return self.labels.health_issues()

    async def start(self) -> None:
        await self.labels.start()
        if self.sso is not None:
            await self.sso.start()
            self.background.append(asyncio.create_task(self.sso.sweep_forever()))
        if self.settings.audit_export_dir is not None:
            exporting = export_forever(
                self.store,
                self.cipher,
                self.spec.app,
                self.settings.audit_export_dir,
                self.settings.audit_export_minutes,
            )
            self.background.append(asyncio.create_task(exporting))
        if self.spec.retention.periods():
            purging = purge_forever(self.store, self.spec.app, self.spec.retention)
            self.background.append(asyncio.create_task(purging))
        if self.knowledge is not None:
            await self.knowledge.start()
        if self.cohorts is not None:
            await self.cohorts.start()
        if self.spec.alerts.rules:
            from stanchion.alerts.engine import build_monitor

            self.monitor = build_monitor(self)
            self.monitor.start()
        if self.cohorts is not None and self.spec.alerts.channels:
            from stanchion.alerts.rollout_sink import forward_rollout_alerts

            self.unforward = forward_rollout_alerts(self)

    async def aclose(self) -> None:
        self.unforward()
        if self.cohorts is not None:
            await self.cohorts.aclose()
        if self.monitor is not None:
            await self.monitor.aclose()
        for task in self.background:
            task.cancel()
        await self.labels.aclose()
        self.traces.close()
        if self.spans is not None:
            await asyncio.to_thread(self.spans.close)
        if self.knowledge is not None:
            await self.knowledge.aclose()
        await self.router.aclose()
        if self.sso is not None:
            await self.sso.aclose()
        await self.counters.aclose()
        if self.cache is not None:
            await self.cache.aclose()
        self.store.dispose()
        self.metrics.close()


def route_state(route: Route, settings: Settings, egress: Egress | None = None) -> RouteState:
    return RouteState(
        route,
        build_provider(route, settings.env_value, egress),
        Breaker(
            int(route.options.get("breaker_threshold", 5)),
            float(route.options.get("breaker_cooldown", 30.0)),
            time.monotonic,
        ),
    )


def build_router(spec: AppSpec, settings: Settings, metrics: Metrics | None = None) -> Router:
    egress = egress_for(spec.models)
    if settings.ca_bundle:  # upstreams behind a private CA: verified against it, never skipped
        egress = dataclasses.replace(egress, tls=tls_context(settings.ca_bundle))
    states = {r.name: route_state(r, settings, egress) for r in spec.models.routes}
    return Router(states, egress, metrics=metrics)


def build_labels(
    spec: AppSpec,
    store: Store,
    cipher: Cipher,
    prompt: PromptVersion | None,
    router: Router,
    settings: Settings,
    metrics: Metrics | None = None,
) -> LabelCache:
    """The label cache; a labelled route version unlike the spec's is served under its id."""

    def install(vid: str, route: Route) -> str:
        if vid not in router.states:
            kept = [f for f in route.fallbacks if f in router.states]
            fixed = route.model_copy(update={"fallbacks": kept})
            router.states[vid] = route_state(fixed, settings, router.egress)
        return vid

    reg = spec.registry
    return LabelCache(
        store,
        cipher,
        spec.app,
        reg.serve,
        reg.refresh_seconds,
        prompt_files={prompt.name: prompt} if prompt else {},
        route_files={r.name: route_version_id(r) for r in spec.models.routes},
        install_route=install,
        metrics=metrics,
    )


def subject_keys(cipher: Cipher) -> SubjectKeys | None:
    """The users' own keys when the app seals each user's content under them (None: content
    under the app's key)."""
    return cipher.subjects if isinstance(cipher.subjects, SubjectKeys) else None


def build_runtime(spec_file: Path, settings: Settings, *, check_db: bool = True) -> Runtime:
    """Load the spec and build the process's parts; fails early and clearly."""
    spec = load_spec(spec_file)
    app_dir = (spec_file if spec_file.is_dir() else spec_file.parent).resolve()
    store = Store(database_url(spec, app_dir, settings))
    try:
        cipher = app_cipher(spec, app_dir, settings, store)
    except CryptoError:
        store.dispose()
        raise
    bind_audit(store.engine, audit_keys(spec, app_dir, settings, cipher))
    if check_db:
        store.check_current()
    metrics = Metrics(settings.metrics_dir)
    knowledge = None
    if spec.knowledge is not None:
        knowledge = build_knowledge(
            spec.knowledge, app_dir, store, cipher, app=spec.app, secret=settings.env_value
        )
    prompt = load_system_prompt(spec, app_dir)
    router = build_router(spec, settings, metrics)
    judge = spec.knowledge.grounding.checker.route if spec.knowledge is not None else None
    if knowledge is not None and judge:
        if judge not in router.states:
            raise SpecError([f"knowledge.grounding.checker.route: no route named {judge!r}"])
        knowledge.bind_judge(lambda request: router.complete(judge, request, []))
    routes_by_name = {r.name: r.name for r in spec.models.routes}
    routes_by_name.setdefault(spec.app, spec.models.default)
    roles = role_table(spec.roles.extra)
    sso = build_sso(spec.sso, spec.app, settings, store, cipher, set(roles))
    subjects = subject_keys(cipher)
    rt = Runtime(
        spec=spec,
        app_dir=app_dir,
        settings=settings,
        store=store,
        cipher=cipher,
        access=Access(roles, spec.app),
        keys=KeyCache(store, settings.auth_cache_seconds, tokens=sso.tokens if sso else None),
        counters=build_counters(settings.redis_url or spec.limits.redis_url, spec.app),
        guards=build_guard_engine(spec.guards, app_dir),
        knowledge=knowledge,
        prompt=prompt,
        router=router,
        traces=TraceWriter(
            store,
            cipher,
            spool=open_spool(app_dir, settings),
            metrics=metrics,
            batch=settings.trace_batch,
            flush_ms=settings.trace_flush_ms,
            store_rows=rollup_writer(cipher, settings.rollup_flush_seconds),
            reseal=subjects.reseal(cipher) if subjects is not None else None,
        ),
        metrics=metrics,
        labels=build_labels(spec, store, cipher, prompt, router, settings, metrics),
        holds=HoldQueue(store, cipher),
        routes_by_name=routes_by_name,
        spans=build_spans(spec, settings),
        cohorts=Cohorts(spec, store) if spec.rollout is not None else None,
        sso=sso,
        subjects=subjects,
    )
    redis_url = settings.redis_url or spec.limits.redis_url
    rt.cache = build_cache(spec.cache, spec.app, redis_url, rt.generations)
    return rt
