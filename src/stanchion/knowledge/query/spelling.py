"""Edit distance and the deletion keys of SymSpell's lookup, shared by the corpus vocabulary
and the English word table.

>>> osa("warrenty", "warranty", 2), sorted(deletions("abc"))
(1, ['ab', 'ac', 'bc'])
>>> slip("jamke", "jamie"), slip("jamke", "jame"), slip("teh", "the")
(True, False, True)
>>> doubled("acount", "account"), doubled("acount", "count"), doubled("untill", "until")
(True, False, True)
"""

from __future__ import annotations

from collections.abc import Iterable

SHORTEST = 5  # shorter words are too often real words the corpus just lacks ("lock", "look")
LONGEST = 40  # no word is longer; a longer token is never mended (its deletions grow as n^2)


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_AT = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}


def _near(a: str, b: str) -> bool:
    """Whether two letters are neighbouring keys of a QWERTY keyboard (rows staggered)."""
    if a not in _AT or b not in _AT:
        return False
    (ra, ca), (rb, cb) = _AT[a], _AT[b]
    if ra == rb:
        return abs(ca - cb) == 1
    if abs(ra - rb) != 1:
        return False
    top, low = (ca, cb) if ra < rb else (cb, ca)  # the upper row's column, the lower's
    return low in (top - 1, top)


_NEIGHBOURS = {a: "".join(b for b in _AT if _near(a, b)) for a in _AT}


def slip(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with one key slipped to its neighbour or two letters
    swapped: the commonest typos, so of candidates one edit away they are the likeliest
    ("jamke" is "jamie", k for i, before "jame" or "jacke")."""
    if len(typed) != len(word):
        return False
    diff = [i for i in range(len(typed)) if typed[i] != word[i]]
    if len(diff) == 1:
        return _near(typed[diff[0]], word[diff[0]])
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and typed[diff[0]] == word[diff[1]]
        and typed[diff[1]] == word[diff[0]]
    )


def slips(typed: str) -> set[str]:
    """Every word ``typed`` may be with one key slipped or two letters swapped (``slip``).

    >>> "the" in slips("teh"), "jamie" in slips("jamke"), "jame" in slips("jamke")
    (True, True, False)
    """
    out = {typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :] for i in range(len(typed) - 1)}
    for i, ch in enumerate(typed):
        out.update(typed[:i] + n + typed[i + 1 :] for n in _NEIGHBOURS.get(ch, ""))
    out.discard(typed)
    return out


def doubled(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with a doubled letter written once ("acount",
    "bigest") or a letter written twice ("untill"): as common a typo as a slipped key, and
    likelier than dropping or adding any other letter ("acount" is "account", not "count")."""
    if abs(len(typed) - len(word)) != 1:
        return False
    long, short = (typed, word) if len(typed) > len(word) else (word, typed)
    return any(
        long[i] == long[i + 1] and long[:i] + long[i + 1 :] == short for i in range(len(short))
    )


def doublings(typed: str) -> set[str]:
    """Every word ``typed`` may be with one letter doubled or one doubled letter single.

    >>> "logged" in doublings("loged"), "until" in doublings("untill")
    (True, True)
    """
    out = {typed[: i + 1] + typed[i:] for i in range(len(typed)) if typed[i].isalpha()}
    out |= {typed[:i] + typed[i + 1 :] for i in range(len(typed) - 1) if typed[i] == typed[i + 1]}
    out.discard(typed)
    return out


def likely(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` by one of the commonest typos: a slipped key, two letters
    swapped (``slip``), a doubled letter written once or a letter written twice (``doubled``)."""
    return slip(typed, word) or doubled(typed, word)


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
