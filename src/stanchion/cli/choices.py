"""Option types for the CLI."""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyChoice(click.Choice[str]):
    """One of the names a heavier module declares, imported when a value is checked or the
    help is shown, not whenever the CLI starts (every command would pay for it).

        @click.option("--by", type=LazyChoice("stanchion.reports.kpis:BY"))
    """

    def __init__(self, where: str) -> None:  # no super().__init__: it would read the names
        self.where = where
        self.case_sensitive = True

    def __getattr__(self, name: str) -> Any:
        if name != "choices":
            raise AttributeError(name)
        module, attr = self.where.split(":")
        self.choices = tuple(getattr(importlib.import_module(module), attr))
        return self.choices
