"""The import surface for extension authors is small and deliberate."""

from __future__ import annotations

import types

import stanchion


def test_public_names_are_exactly_all() -> None:
    expected = {"Exchange", "Finding", "Guard", "Passage", "Provider", "Retriever"}
    assert set(stanchion.__all__) == expected
    public = {n for n in dir(stanchion) if not n.startswith("_")}
    extra = public - expected
    assert all(isinstance(getattr(stanchion, n), types.ModuleType) for n in extra), extra


def test_a_provider_registers_by_name_without_editing_the_router() -> None:
    from stanchion.providers.registry import provider_names, register_provider
    from stanchion.providers.scripted import ScriptedProvider

    register_provider("echo-test", ScriptedProvider, needs_url=False)
    assert "echo-test" in provider_names()
