"""Names of a package loaded on first use (PEP 562): the package's ``__getattr__`` and
``__dir__`` for a map of name -> module, so importing the package costs nothing more."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    namespace: dict[str, Any], where: Mapping[str, str], exported: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the module whose globals are ``namespace``: a name of
    ``where`` is imported from its module on first use and kept in the module's globals."""
    package = namespace["__name__"]

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *exported})

    return getattr_, dir_
