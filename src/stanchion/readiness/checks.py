"""The production checklist: each item judged from the spec and the store, with its
evidence and how to fix it. One function per item; ``CHECKS`` is the list, in roadmap order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from stanchion.evals.experiments import list_experiments
from stanchion.readiness.context import Ctx
from stanchion.registry.labels import get_label, missing_approvals
from stanchion.registry.schema import reg_versions, review_items
from stanchion.rollout.gate import members
from stanchion.rollout.signoff import latest
from stanchion.rollout.spec import FUNCTIONS
from stanchion.store.audit import verify


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    title: str
    week: int
    required: bool
    ok: bool
    evidence: str
    fix: str

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def _goal(x: Ctx) -> Item:
    k = x.spec.goal.kpis
    unset = [n for n, v in k.model_dump().items() if v is None]
    signed = latest(x.conn, x.spec.app, "goal")
    ok = not unset and "business" in signed
    who = sorted(signed) or "nobody"
    ev = f"goal set; KPI targets unset: {unset or 'none'}; goal signed by: {who}"
    fix = "set goal.kpis in stanchion.yaml, then `stanchion signoff goal --function business`"
    return Item("goal", "Business goal and KPI targets set and signed off", 1, True, ok, ev, fix)


def _owners(x: Ctx) -> Item:
    named = x.spec.owners.model_dump()
    missing = [f for f in FUNCTIONS if not named.get(f)]
    return Item(
        "owners", "Owners named for every function", 1, True, not missing,
        f"missing: {missing or 'none'}", "name every function under owners: in stanchion.yaml",
    )  # fmt: skip


def _encryption(x: Ctx) -> Item:
    return Item(
        "security.encryption", "Content encrypted at rest", 2, True, x.encrypted,
        "master key loads" if x.encrypted else "no encryption key",
        "set STANCHION_ENCRYPTION_KEY or run `stanchion quickstart` to write a key file",
    )  # fmt: skip


def _tls(x: Ctx) -> Item:
    tls = x.spec.rollout.tls if x.spec.rollout else None
    return Item(
        "security.tls", "TLS, or a declared terminating proxy", 2, True, tls is not None,
        f"rollout.tls: {tls or 'not declared'}",
        "declare rollout.tls: proxy (a TLS proxy in front) or native",
    )  # fmt: skip


def _keys(x: Ctx) -> Item:
    live = [k for k in x.keys if k.revoked_at is None]
    no_expiry = [k.id for k in live if k.expires_at is None and k.role != "admin"]
    roles = sorted({k.role for k in live})
    ok = bool(live) and not no_expiry and len(roles) >= 2
    ev = f"{len(live)} live keys; without expiry: {len(no_expiry)}; roles in use: {roles}"
    fix = "give user keys an expiry (`stanchion keys create --expires-in 90d`) and separate roles"
    return Item("security.keys", "Keys with expiry (or SSO) and roles", 2, True, ok, ev, fix)


def _audit(x: Ctx) -> Item:
    report = verify(x.conn)
    ev = f"broken at event {report.first_bad_seq}: {report.problem}"
    return Item(
        "security.audit", "Audit chain verified", 2, True, report.ok,
        "chain verified" if report.ok else ev,
        "run `stanchion audit verify` and investigate the first broken event",
    )  # fmt: skip


def _production_label(x: Ctx) -> Item:
    state = get_label(x.conn, x.spec.app, "prompt", "system", "production")
    problems = (
        ["no production label"]
        if state is None
        else missing_approvals(
            x.conn, x.spec.app, "prompt", state.version_id, "production", x.spec.registry
        )
    )
    ev = "; ".join(problems) if problems else f"production -> {state.version_id if state else ''}"
    fix = "`stanchion prompts push`, approve it, then `stanchion prompts label production`"
    return Item("versions.production", "Production label on an approved version", 3, True,
                not problems, ev, fix)  # fmt: skip


def _history(x: Ctx) -> Item:
    n = x.conn.execute(
        select(func.count()).where(
            reg_versions.c.app == x.spec.app, reg_versions.c.kind == "prompt"
        )
    ).scalar_one()
    file_id = x.prompt_id
    known = (
        file_id is None
        or x.conn.execute(
            select(func.count()).where(
                reg_versions.c.app == x.spec.app, reg_versions.c.id == file_id
            )
        ).scalar_one()
        > 0
    )
    return Item(
        "versions.history", "Every prompt change in the history", 3, True, bool(n) and known,
        f"{n} prompt versions; the spec's prompt file {'is' if known else 'is not'} one of them",
        "`stanchion prompts push` after every edit of the prompt file",
    )  # fmt: skip


def _guardrails(x: Ctx) -> Item:
    g, kn = x.spec.guards, x.spec.knowledge
    parts = {
        "filters": g.enabled,
        "grounding": kn is not None and kn.grounding.enabled,
        "output validation": kn is not None and (kn.catalog is not None or kn.grounding.enabled),
    }
    off = [k for k, v in parts.items() if not v]
    return Item(
        "guardrails", "Guardrails on: filters, grounding, output validation", 3, True, not off,
        f"off: {off or 'none'}", "enable guards: and knowledge.grounding / knowledge.catalog",
    )  # fmt: skip


def _evals(x: Ctx) -> Item:
    target = x.spec.goal.kpis.factual_accuracy
    runs = list_experiments(x.conn, x.spec.app, limit=1)
    acc = runs[0]["summary"].get("accuracy") if runs else None
    ok = acc is not None and (target is None or acc >= target)
    ev = f"last eval accuracy {acc if acc is not None else 'none'} (target {target})"
    fix = "`stanchion eval run` on the app's dataset until it reaches the accuracy target"
    return Item("evals", "An eval run at the accuracy target", 4, True, ok, ev, fix)


def _pilot_small(x: Ctx) -> Item:
    ro = x.spec.rollout
    first = ro.stages[0] if ro else None
    small = False
    if ro is not None and first is not None and not first.everyone and not first.percent:
        small = 0 < len(members(ro, first)) <= 10
    ev = (
        "no rollout: section"
        if first is None
        else f"first stage {first.name!r}; launched: {x.started}"
    )
    return Item("pilot.launched", "Pilot launched with <= 10 users before expansion", 5, True,
                small and x.started, ev,
                "add rollout.stages[0] with <= 10 users and `stanchion rollout start`")  # fmt: skip


def _pilot_rated(x: Ctx) -> Item:
    need = x.spec.rollout.min_raters if x.spec.rollout else 5
    got = x.pilot.raters if x.pilot else 0
    return Item(
        "pilot.ratings", "Tested by real users: ratings from the pilot", 5, True, got >= need,
        f"{got} pilot users rated ({x.pilot.rated if x.pilot else 0} answers); need {need}",
        "ask the pilot users to rate answers (thumbs / 1-5 in the client or console)",
    )  # fmt: skip


def _measured(x: Ctx) -> Item:
    k, f, hc = x.spec.goal.kpis, x.figures, x.spec.human_cost
    checks = {
        "cost below human cost": hc is not None and f.cost_per_output is not None
        and f.cost_per_output < hc.per_task,
        "p95 at target": k.p95_latency_ms is not None and f.p95_latency_ms is not None
        and f.p95_latency_ms <= k.p95_latency_ms,
        "satisfaction at target": k.satisfaction is not None and f.satisfaction is not None
        and f.satisfaction >= k.satisfaction,
    }  # fmt: skip
    failing = [n for n, v in checks.items() if not v]
    ev = (
        f"cost/output {_g(f.cost_per_output)}, p95 {_g(f.p95_latency_ms)} ms, satisfaction "
        f"{_g(f.satisfaction)}; failing: {failing or 'none'}"
    )
    return Item(
        "measured",
        "Measured: cost, p95 and satisfaction at target",
        6,
        True,
        not failing,
        ev,
        "see `stanchion report kpis`; fix the KPI that misses",
    )


def _g(value: float | None) -> str:
    return "none" if value is None else f"{value:.4g}"


def _monitoring(x: Ctx) -> Item:
    alerts = getattr(x.spec, "alerts", None)
    ok = bool(x.settings.otlp_endpoint) or alerts is not None
    otlp = "set" if x.settings.otlp_endpoint else "unset"
    ev = f"OTLP endpoint {otlp}; alerts: {'set' if alerts else 'none'}"
    return Item(
        "monitoring",
        "Monitoring and alerts configured",
        7,
        True,
        ok,
        ev,
        "set STANCHION_OTLP_ENDPOINT and alert rules (docs/monitoring.md)",
    )


def _support(x: Ctx) -> Item:
    reviewers = [k for k in x.keys if k.role == "reviewer" and k.revoked_at is None]
    oldest = x.conn.execute(
        select(func.min(review_items.c.created_at)).where(
            review_items.c.app == x.spec.app, review_items.c.status == "pending"
        )
    ).scalar()
    age = x.now - oldest if oldest else 0.0
    bound = x.spec.rollout.review_max_age if x.spec.rollout else 86_400.0
    ok = bool(reviewers) and age <= bound
    ev = (
        f"{len(reviewers)} reviewers; oldest pending review {age / 3600:.1f} h"
        f" (bound {bound / 3600:.0f} h)"
    )
    return Item(
        "support",
        "Support: review queue staffed and its age bounded",
        7,
        True,
        ok,
        ev,
        "create reviewer keys and work the queue (`stanchion review list`)",
    )


def _golive(x: Ctx) -> Item:
    signed = latest(x.conn, x.spec.app, "go-live")
    return Item(
        "go-live", "Go-live signed off by the owners", 8, False, "business" in signed,
        f"signed by: {sorted(signed) or 'nobody'}",
        "`stanchion signoff go-live --function business` with this report's hash",
    )  # fmt: skip


CHECKS: list[Callable[[Ctx], Item]] = [
    _goal, _owners, _encryption, _tls, _keys, _audit, _production_label, _history,
    _guardrails, _evals, _pilot_small, _pilot_rated, _measured, _monitoring, _support, _golive,
]  # fmt: skip


def run_checks(conn: Connection, x: Ctx) -> list[Item]:
    return [check(x) for check in CHECKS]
