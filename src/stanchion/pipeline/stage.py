"""The stage contract: a named async callable that reads and updates the Exchange."""

from __future__ import annotations

from typing import Protocol

from stanchion.pipeline.exchange import Exchange


class Stage(Protocol):
    name: str

    async def __call__(self, ex: Exchange) -> None: ...
