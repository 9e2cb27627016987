"""The app spec (``stanchion.yaml``): the production contract of one app, validated at load."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stanchion.agents.policy import StructuredSpec, ToolsSpec
from stanchion.alerts.spec import AlertsSpec
from stanchion.guards.policy import GuardPolicySpec
from stanchion.identity.spec import SsoSpec
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.providers.egress import parse_rule, reserved_secret
from stanchion.registry.spec import RegistrySpec
from stanchion.retention import RetentionSpec
from stanchion.rollout.spec import RolloutSpec
from stanchion.transport import EdgeSpec

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kpis(Strict):
    satisfaction: float | None = Field(None, ge=1, le=5, description="mean feedback score, 1-5")
    factual_accuracy: float | None = Field(None, ge=0, le=1)
    p95_latency_ms: float | None = Field(None, gt=0)
    cost_per_output_max: float | None = Field(None, ge=0, description="money per answer")


class Goal(Strict):
    statement: str = Field(min_length=1)
    kpis: Kpis = Field(default_factory=Kpis)
    outcome: str | None = Field(None, description="the measurable outcome the goal is judged by")


class HumanCost(Strict):
    per_task: float = Field(ge=0, description="what one task costs when a person does it")
    currency: str = "USD"
    minutes: float | None = Field(None, gt=0, description="minutes a person spends per task")


class Owners(Strict):
    business: str
    it_security: str | None = None
    legal: str | None = None
    end_users: str | None = None


class Price(Strict):
    input: float = Field(0.0, ge=0, description="per 1M input tokens")
    output: float = Field(0.0, ge=0, description="per 1M output tokens")


class Route(Strict):
    name: str = Field(pattern=NAME)
    provider: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    price: Price = Field(default_factory=Price)
    timeout: float = Field(30.0, gt=0, le=600)
    retries: int = Field(2, ge=0, le=10)
    fallbacks: list[str] = []
    options: dict[str, Any] = {}
    deadline: float | None = Field(
        None, gt=0, le=3600, description="seconds for a request, retries and fallbacks included"
    )
    cascade: str | None = Field(
        None, description="a stronger route that re-answers when this route's answer is weak"
    )

    @field_validator("api_key_env")
    @classmethod
    def _not_our_own(cls, v: str | None) -> str | None:
        if v is not None and reserved_secret(v):
            raise ValueError("STANCHION_* settings (the encryption key...) are never credentials")
        return v

    @field_validator("base_url")
    @classmethod
    def _no_inline_credentials(cls, v: str | None) -> str | None:
        if v is not None:
            if not re.match(r"^https?://", v):
                raise ValueError("must start with http:// or https://")
            if re.match(r"^https?://[^/]*@", v):
                raise ValueError("must not carry credentials; name them with api_key_env")
        return v


class ModelAllow(Strict):
    """What a route version pushed through the API may use, besides what the spec's own
    routes use: secret env names (globs) and upstream hosts (host, host:port, CIDR)."""

    secrets: list[str] = Field([], description="env var names or globs, e.g. AZURE_*")
    hosts: list[str] = Field([], description="host, host:port, *.domain, IP or CIDR")

    @field_validator("secrets")
    @classmethod
    def _secret_globs(cls, v: list[str]) -> list[str]:
        for glob in v:
            if not re.match(r"^[A-Z_*?][A-Z0-9_*?]*$", glob):
                raise ValueError(f"{glob!r} is not an env var name or glob (A-Z, 0-9, _, *, ?)")
            if reserved_secret(glob.rstrip("*?")) or glob.startswith("STANCHION"):
                raise ValueError(f"{glob!r}: STANCHION_* settings are never credentials")
        return v

    @field_validator("hosts")
    @classmethod
    def _host_rules(cls, v: list[str]) -> list[str]:
        for entry in v:
            parse_rule(entry)
        return v


class Models(Strict):
    default: str
    routes: list[Route] = Field(min_length=1)
    allow: ModelAllow = Field(default_factory=ModelAllow)

    @model_validator(mode="after")
    def _references(self) -> Models:
        names = [r.name for r in self.routes]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"route names must be unique: {sorted(dupes)}")
        if self.default not in names:
            raise ValueError(f"default route {self.default!r} is not one of {names}")
        for r in self.routes:
            for fb in r.fallbacks:
                if fb not in names or fb == r.name:
                    raise ValueError(f"route {r.name!r} falls back to unknown route {fb!r}")
            if r.cascade is not None and (r.cascade not in names or r.cascade == r.name):
                raise ValueError(f"route {r.name!r} cascades to unknown route {r.cascade!r}")
        return self


class PromptSpec(Strict):
    file: str
    variables: dict[str, str] = {}


class Prompts(Strict):
    system: PromptSpec | None = None


class Storage(Strict):
    url: str = "sqlite:///.stanchion/stanchion.db"
    key_file: str | None = None


class Limits(Strict):
    max_body_bytes: int = Field(1_000_000, gt=0)
    max_messages: int = Field(200, gt=0)
    max_tokens: int = Field(4096, gt=0, description="ceiling on max_tokens a caller may ask")
    requests_per_minute: int | None = Field(None, gt=0, description="per API key")
    daily_budget: float | None = Field(None, gt=0, description="money per day for the whole app")
    redis_url: str | None = None
    tokens_per_minute: int | None = Field(None, gt=0, description="per API key, prompt + output")
    concurrent_per_key: int | None = Field(None, gt=0, description="in flight per key, per worker")
    max_in_flight: int = Field(256, gt=0, description="chat requests in flight per worker")
    max_queue: int = Field(128, ge=0, description="requests waiting past max_in_flight; then 429")
    queue_timeout: float = Field(0.5, gt=0, le=60, description="longest wait in the queue")
    overload_lag_ms: float | None = Field(
        20.0, gt=0, description="event-loop lag that lowers the in-flight limit (None: fixed)"
    )
    context_tokens: int | None = Field(
        None, gt=0, description="the most tokens retrieved passages may add to a prompt"
    )


class CacheSpec(Strict):
    """Response caches, off by default: ``exact`` (the same rendered prompt and sources) and
    ``near`` (the same one-turn question after normalisation, over the same sources)."""

    exact: bool = False
    near: bool = False
    scope: Literal["user", "app"] = Field("user", description="who may share a cached answer")
    ttl_seconds: float = Field(3600.0, gt=0, le=30 * 86_400)
    max_entries: int = Field(10_000, gt=0, description="in-process entries per worker")
    backend: Literal["auto", "local", "redis"] = Field(
        "auto", description="auto: Redis when limits.redis_url (or STANCHION_REDIS_URL) is set"
    )


class Telemetry(Strict):
    """What leaves the process in spans (OTLP): never content unless ``content`` says so."""

    content: bool = Field(
        False, description="export prompts and answers in spans (gen_ai.*.messages)"
    )
    service_name: str | None = Field(None, description="OTel service.name (default: the app)")


class Roles(Strict):
    """Extra roles, or extra permissions for built-in roles: role -> permissions."""

    extra: dict[str, list[str]] = {}


class AppSpec(Strict):
    """One app: what it is for, how it is served, and who answers for it."""

    app: str = Field(pattern=NAME)
    description: str = ""
    goal: Goal
    human_cost: HumanCost | None = None
    owners: Owners
    models: Models
    prompts: Prompts = Field(default_factory=Prompts)
    knowledge: KnowledgeSpec | None = None
    guards: GuardPolicySpec = Field(default_factory=GuardPolicySpec)
    storage: Storage = Field(default_factory=Storage)
    limits: Limits = Field(default_factory=Limits)
    roles: Roles = Field(default_factory=Roles)
    registry: RegistrySpec = Field(default_factory=RegistrySpec)
    telemetry: Telemetry = Field(default_factory=Telemetry)
    cache: CacheSpec = Field(default_factory=CacheSpec)
    mode: Literal["production", "development"] = "production"
    tools: ToolsSpec = Field(default_factory=ToolsSpec)
    structured_outputs: StructuredSpec = Field(default_factory=StructuredSpec)
    rollout: RolloutSpec | None = None
    alerts: AlertsSpec = Field(default_factory=AlertsSpec)
    sso: SsoSpec | None = None
    edge: EdgeSpec = Field(default_factory=EdgeSpec)
    retention: RetentionSpec = Field(default_factory=RetentionSpec)

    def route(self, name: str) -> Route | None:
        for r in self.models.routes:
            if r.name == name:
                return r
        return None
