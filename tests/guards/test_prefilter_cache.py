"""The prefilter's database on disk (``guards/prefilter_cache.py``): read at once when an
earlier process stored it, and ignored (then built and stored again) whenever it is not
exactly what this process would build, or not a file only this user could have written."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from stanchion.guards import prefilter, prefilter_cache
from stanchion.guards.prefilter import Possible
from stanchion.guards.prefilter_cache import cache_key, load, store

pytestmark = pytest.mark.skipif(
    prefilter.hyperscan is None, reason="hyperscan has no wheel for this platform"
)

PATTERNS = {0: r"ignore\s+(?:all\s+)?previous", 1: r"(?<!not )jailbreak", 2: r"dan\b", 3: "(?i)x"}
TEXTS = ["please ignore   previous orders", "a jailbreak, dan", "nothing here", "X"]


def _folder(tmp_path: Path) -> Path:
    return tmp_path / "state" / "prefilter"


def _stored(tmp_path: Path) -> tuple[Path, Path]:
    folder = _folder(tmp_path)
    folder.parent.mkdir()
    Possible(PATTERNS, cache=folder)
    (file,) = folder.iterdir()
    return folder, file


def _fresh(folder: Path) -> Possible:
    """A table that reads the cache, and would build only after many texts."""
    return Possible(PATTERNS, cache=folder, after=1_000)


def _masks(possible: Possible) -> list[int]:
    return [possible.mask(text) for text in TEXTS]


def test_a_stored_database_is_read_at_once_with_the_same_masks(tmp_path: Path) -> None:
    folder, file = _stored(tmp_path)
    assert file.name == cache_key(PATTERNS) + ".hsdb"
    assert file.stat().st_mode & 0o777 == 0o600 and folder.stat().st_mode & 0o777 == 0o700
    loaded = _fresh(folder)
    assert loaded._ready.is_set() and loaded._builder is None
    assert _masks(loaded) == _masks(Possible(PATTERNS)) == [0b1001, 0b1110, 0b1000, 0b1000]


def test_nothing_is_created_outside_an_existing_state_folder(tmp_path: Path) -> None:
    Possible(PATTERNS, cache=_folder(tmp_path))
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a partial write
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit of the database
        lambda data: b"",
        lambda data: os.urandom(len(data)),
        lambda data: data.replace(b"\n8\n", b"\n0\n", 1),  # the header's bits always possible
        lambda data: data.replace(b"stanchion-prefilter 1", b"stanchion-prefilter 9", 1),
    ],
)
def test_a_corrupt_file_is_ignored_and_rebuilt(tmp_path: Path, damage: object) -> None:
    folder, file = _stored(tmp_path)
    file.write_bytes(damage(file.read_bytes()))  # type: ignore[operator]
    assert load(folder, cache_key(PATTERNS)) is None
    assert not _fresh(folder)._ready.is_set()
    rebuilt = Possible(PATTERNS, cache=folder)  # built, and stored again
    assert _masks(rebuilt) == _masks(_fresh(folder))
    assert load(folder, cache_key(PATTERNS)) is not None


def test_another_tables_or_versions_file_is_not_read(tmp_path: Path) -> None:
    folder, file = _stored(tmp_path)
    other = {**PATTERNS, 2: r"dan\b|stan\b"}
    # Another table's (or hyperscan's, Python's, this code's) database under this name.
    file.rename(folder / (cache_key(other) + ".hsdb"))
    assert load(folder, cache_key(other)) is None
    assert cache_key(other) != cache_key(PATTERNS) != cache_key({**PATTERNS, 9: "x"})


def test_a_database_hyperscan_refuses_is_not_read(tmp_path: Path) -> None:
    folder, file = _stored(tmp_path)
    key = cache_key(PATTERNS)
    data = file.read_bytes()
    payload = b"not a hyperscan database"
    head = data[: data.index(b"\n\n")].rsplit(b"\n", 1)[0]
    digest = prefilter_cache._digest(key, 8, payload).encode()
    file.write_bytes(head + b"\n" + digest + b"\n\n" + payload)
    assert load(folder, key) is None


def test_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    folder, file = _stored(tmp_path)
    key = cache_key(PATTERNS)
    moved = tmp_path / "elsewhere.hsdb"
    file.rename(moved)
    file.symlink_to(moved)
    assert load(folder, key) is None
    linked = tmp_path / "linked"
    linked.symlink_to(folder)
    moved.rename(file)
    assert load(folder, key) is not None and load(linked, key) is None
    assert not store(linked, key, 0, Possible(PATTERNS)._db)


def test_a_file_or_folder_others_may_write_is_not_read(tmp_path: Path) -> None:
    folder, file = _stored(tmp_path)
    key = cache_key(PATTERNS)
    file.chmod(0o620)
    assert load(folder, key) is None
    file.chmod(0o600)
    folder.chmod(0o777)
    assert load(folder, key) is None
    folder.chmod(0o700)
    assert load(folder, key) is not None


def test_an_unwritable_place_only_costs_the_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "state"
    blocked.write_text("a file where the folder would be")
    possible = Possible(PATTERNS, cache=blocked / "prefilter")
    assert _masks(possible) == _masks(Possible(PATTERNS))
    if os.geteuid() != 0:  # root writes through any mode
        folder = _folder(tmp_path.joinpath("ro"))
        folder.parent.mkdir(parents=True)
        folder.parent.chmod(0o500)
        assert _masks(Possible(PATTERNS, cache=folder)) == _masks(possible)
        assert not folder.exists()


def test_concurrent_builders_leave_one_whole_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    folder.parent.mkdir()
    start = threading.Barrier(6)

    def build() -> None:
        start.wait()
        Possible(PATTERNS, cache=folder)

    threads = [threading.Thread(target=build) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.name for p in folder.iterdir()] == [cache_key(PATTERNS) + ".hsdb"]
    assert _masks(_fresh(folder)) == _masks(Possible(PATTERNS))


def test_the_folder_keeps_the_newest_tables(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    folder.parent.mkdir()
    for i in range(prefilter_cache.KEEP + 3):
        Possible({0: f"word{i}"}, cache=folder)
    assert len(list(folder.iterdir())) == prefilter_cache.KEEP
    assert load(folder, cache_key({0: f"word{prefilter_cache.KEEP + 2}"})) is not None
