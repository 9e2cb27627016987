"""What a request brings the responder besides the question (``Context``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Context:
    """What a request brings besides the question: catalog passages, the conversation so
    far, the app's glossary, whether the caller judged each part already."""

    demoted: frozenset[int] = frozenset()
    said: str = ""
    earlier: str = ""  # the user's previous turn
    reply: str = ""  # the assistant's last turn (replied.py)
    glossary: tuple[tuple[frozenset[str], ...], ...] = ()
    judged: bool = False
    names: frozenset[str] = frozenset()  # the words that tell the passages' titles apart
    titles: tuple[str, ...] = ()  # the passages' distinct titles
    rows: frozenset[str] = frozenset()  # those of catalog rows: products the message names
    # (passage, section) of the sentences that answered the message's earlier parts: its
    # parts are most often about one thing ("how long does setup take, how will I know it
    # worked": the setup section's sentence over another section's "...when the reset worked")
    near: frozenset[tuple[int, int]] = frozenset()
    # the side of a contrast the part asks ("what's covered by the warranty and what's
    # not"): False, what holds (not the exclusions); True, the exclusions; None, no contrast
    negated_side: bool | None = None
