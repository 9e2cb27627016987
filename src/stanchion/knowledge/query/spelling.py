"""Edit distance and the deletion keys of SymSpell's lookup, shared by the corpus vocabulary
and the English word table.

>>> osa("warrenty", "warranty", 2), sorted(deletions("abc"))
(1, ['ab', 'ac', 'bc'])
"""

from __future__ import annotations

from collections.abc import Iterable

SHORTEST = 5  # shorter words are too often real words the corpus just lacks ("lock", "look")
LONGEST = 40  # no word is longer; a longer token is never mended (its deletions grow as n^2)


def max_distance(term: str) -> int:
    """Edits tolerated in a misspelt term: none under SHORTEST letters, 2 from 9 letters."""
    if len(term) < SHORTEST or len(term) > LONGEST:
        return 0
    return 1 if len(term) < 9 else 2


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit_index(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each word and its one-letter deletions, pointing at the word (SymSpell's lookup)."""
    keys: dict[str, list[str]] = {}
    for word in words:
        for key in deletions(word) | {word}:
            keys.setdefault(key, []).append(word)
    return {k: tuple(v) for k, v in keys.items()}


def one_edit_from(word: str, index: dict[str, tuple[str, ...]]) -> set[str]:
    """The words of ``index`` (``one_edit_index``) at most one edit from ``word``."""
    found = {c for key in deletions(word) | {word} for c in index.get(key, ())}
    return {c for c in found if osa(word, c, 1) <= 1}


def osa(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a transposition is one edit), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)
