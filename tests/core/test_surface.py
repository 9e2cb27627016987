"""The import surface for extension authors is small and deliberate."""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest

import stanchion
from stanchion.providers.registry import provider_names, register_provider, unregister_provider
from stanchion.providers.scripted import ScriptedProvider


def test_public_names_are_exactly_all() -> None:
    expected = {"Exchange", "Finding", "Guard", "Passage", "Provider", "Retriever"}
    assert set(stanchion.__all__) == expected
    public = {n for n in dir(stanchion) if not n.startswith("_")}
    extra = public - expected
    assert all(isinstance(getattr(stanchion, n), types.ModuleType) for n in extra), extra


@pytest.fixture()
def echo_provider() -> Iterator[str]:
    """A provider registered for one test and unregistered after it, whatever the outcome."""
    before = provider_names()
    register_provider("echo-test", ScriptedProvider, needs_url=False)
    yield "echo-test"
    unregister_provider("echo-test")
    assert provider_names() == before


def test_a_provider_registers_by_name_without_editing_the_router(echo_provider: str) -> None:
    assert echo_provider in provider_names()
