"""``run_experiment``: every example through the real pipeline (guards, retrieval,
grounding, the model), with a chosen prompt and route version pinned, then stored.

    exp = asyncio.run(run_experiment(spec_file, settings, Target("system:2", None),
                                     "questions", concurrency=8))
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection

from stanchion.errors import ApiError
from stanchion.evals.datasets import Example, load_dataset
from stanchion.evals.scoring import Result, score, summarize
from stanchion.pipeline.exchange import Exchange
from stanchion.pipeline.pipeline import Pipeline, build_pipeline
from stanchion.providers.base import ChatRequest
from stanchion.registry.schema import eval_experiments
from stanchion.registry.versions import resolve_ref
from stanchion.runtime import Runtime, build_runtime
from stanchion.settings import Settings
from stanchion.store.keys import create_key, revoke_key


@dataclass(frozen=True, slots=True)
class Target:
    prompt: str | None
    model: str | None

    def describe(self) -> str:
        return f"prompt={self.prompt or 'served'} model={self.model or 'default'}"


def pin(rt: Runtime, target: Target) -> tuple[str | None, str]:
    """Pin the prompt and route versions; returns the prompt id and the route name."""
    route = rt.spec.models.default
    with rt.store.engine.connect() as conn:
        if target.prompt:
            v = resolve_ref(conn, rt.cipher, rt.spec.app, "prompt", target.prompt, "system")
            rt.labels.pin("prompt", v.name, v.content, v.id)
        if target.model and rt.spec.route(target.model) is not None:
            route = target.model
        elif target.model:
            m = resolve_ref(conn, rt.cipher, rt.spec.app, "model", target.model)
            rt.labels.pin("model", m.name, m.content, m.id)
            route = m.name
    prompt = rt.labels.prompt("system", "")
    return (prompt.id if prompt else None), route


async def run_one(pipe: Pipeline, rt: Runtime, ex_: Example, key: str, route: str) -> Result:
    request = ChatRequest(model=route, messages=ex_.messages)
    ex = Exchange(
        id=rt.new_id(),
        app=rt.spec.app,
        started=rt.clock(),
        request=request,
        authorization=f"Bearer {key}",
        messages=list(ex_.messages),
        route=route,
    )
    t0 = time.perf_counter()
    try:
        await pipe.run(ex)
    except ApiError as err:
        ex.decision, ex.reply = "error", f"{err.status}: {err.message}"
    ms = (time.perf_counter() - t0) * 1000
    answer = ex.response_text
    if ex.decision == "hold":
        answer = ""
    u = ex.completion.usage if ex.completion else None
    reasons = score(ex_, answer, ex.decision)
    return Result(
        ex_.id,
        not reasons,
        reasons,
        ex.decision,
        answer,
        round(ms, 3),
        ex.id,
        ex.prompt_id,
        ex.annotations.get("model_version"),
        ex.annotations.get("groundedness"),
        u.prompt_tokens if u else 0,
        u.completion_tokens if u else 0,
        ex.cost,
        ex_.tags,
    )


async def run_all(
    pipe: Pipeline,
    rt: Runtime,
    examples: list[Example],
    key: str,
    route: str,
    concurrency: int,
    progress: Callable[[Result], None],
) -> list[Result]:
    gate = asyncio.Semaphore(concurrency)

    async def one(e: Example) -> Result:
        async with gate:
            r = await run_one(pipe, rt, e, key, route)
        progress(r)
        return r

    return list(await asyncio.gather(*(one(e) for e in examples)))


@dataclass(frozen=True, slots=True)
class Experiment:
    id: str
    dataset: str
    dataset_version: int
    prompt_version: str | None
    model_version: str | None
    target: str
    created_at: float
    summary: dict[str, Any]
    results: list[Result]


def save(conn: Connection, rt: Runtime, exp: Experiment, actor: str) -> None:
    blob = orjson.dumps([asdict(r) for r in exp.results])
    conn.execute(
        eval_experiments.insert().values(
            id=exp.id,
            app=rt.spec.app,
            dataset=exp.dataset,
            dataset_version=exp.dataset_version,
            prompt_version=exp.prompt_version,
            model_version=exp.model_version,
            target=exp.target,
            actor=actor,
            created_at=exp.created_at,
            summary=orjson.dumps(exp.summary).decode(),
            results_enc=rt.cipher.encrypt(blob),
        )
    )


def _temp_key(rt: Runtime, exp_id: str, actor: str) -> tuple[str, str]:
    with rt.store.engine.begin() as conn:
        secret, rec = create_key(
            conn,
            user=f"eval:{exp_id}",
            role="user",
            actor=actor,
            app=rt.spec.app,
            expires_at=time.time() + 86_400,
        )
    return secret, rec.id


async def run_experiment(
    spec_file: Path,
    settings: Settings,
    target: Target,
    dataset: str,
    *,
    actor: str,
    concurrency: int = 8,
    dataset_version: int | None = None,
    progress: Callable[[Result], None] = lambda _: None,
    on_start: Callable[[int], None] = lambda _: None,
) -> Experiment:
    rt = build_runtime(spec_file, settings)
    exp_id = time.strftime("e%Y%m%d-%H%M%S-") + secrets.token_hex(2)
    try:
        with rt.store.engine.connect() as conn:
            version, examples = load_dataset(conn, rt.cipher, rt.spec.app, dataset, dataset_version)
        prompt_id, route = pin(rt, target)
        rt.holds.enabled = False  # an eval's holds are results, not work for reviewers
        rt.cohorts = None  # an eval is not a user of the rollout: no cohort, no stage moves
        await rt.start()
        on_start(len(examples))
        key, key_id = _temp_key(rt, exp_id, actor)
        try:
            results = await run_all(
                build_pipeline(rt), rt, examples, key, route, concurrency, progress
            )
        finally:
            with rt.store.engine.begin() as conn:
                revoke_key(conn, key_id, actor=actor)
        models = {r.model_version for r in results if r.model_version}
        exp = Experiment(
            exp_id,
            dataset,
            version,
            prompt_id,
            models.pop() if len(models) == 1 else None,
            target.describe(),
            time.time(),
            summarize(results),
            results,
        )
        with rt.store.engine.begin() as conn:
            save(conn, rt, exp, actor)
        return exp
    finally:
        await rt.aclose()
