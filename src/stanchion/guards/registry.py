"""The detector registry: a name in the spec's ``detectors:`` section -> how to build it.

Adding a detector is a module plus one ``register`` call; the engine never switches on names::

    @register("shouting")
    def _shouting(spec: DetectorSpec, direction: Direction, app_dir: Path) -> Guard:
        return Shouting()
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from stanchion.guards.base import Direction, Guard
from stanchion.guards.injection import InjectionGuard
from stanchion.guards.injection_model import shipped_model as shipped_injection_model
from stanchion.guards.leakage import LeakageGuard
from stanchion.guards.pii import PiiGuard
from stanchion.guards.secrets import SecretsGuard
from stanchion.guards.topics import TopicGuard
from stanchion.guards.toxicity import ToxicityGuard

Factory = Callable[[Any, Direction, Path], Guard]
DETECTORS: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    def add(factory: Factory) -> Factory:
        DETECTORS[name] = factory
        return factory

    return add


register("secrets")(lambda spec, direction, app_dir: SecretsGuard(spec))
register("injection")(
    lambda spec, direction, app_dir: InjectionGuard(
        spec,
        direction,
        shipped_injection_model() if direction in spec.learned else None,
        # Created only inside an existing state folder (a serving app's, not a CLI's cwd).
        cache=app_dir / ".stanchion" / "prefilter",
    )
)
register("pii")(lambda spec, direction, app_dir: PiiGuard(spec))
register("toxicity")(lambda spec, direction, app_dir: ToxicityGuard(spec, app_dir))
register("topics")(lambda spec, direction, app_dir: TopicGuard(spec))
register("leakage")(lambda spec, direction, app_dir: LeakageGuard(spec))
