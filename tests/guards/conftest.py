"""Guard tests build real engines from real policies; no detector is patched."""

from __future__ import annotations

from pathlib import Path

import pytest

from stanchion.guards import GuardEngine, GuardPolicySpec, build_guard_engine
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> GuardEngine:
    return build_guard_engine(None, tmp_path_factory.mktemp("app"))


def make_engine(tmp_path: Path, **policy: object) -> GuardEngine:
    return build_guard_engine(GuardPolicySpec.model_validate(policy), tmp_path)


def make_exchange(
    system: str = "You are a helpful assistant.", exchange_id: str = "ex-1"
) -> Exchange:
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
    ex = Exchange(id=exchange_id, app="demo", started=0.0, request=request)
    ex.rendered = [{"role": "system", "content": system}, {"role": "user", "content": "hi"}]
    return ex
