"""Index terms at rest: keyed hashes in the searched bags, the real words only sealed.

Both backends search ``kn_chunks.terms`` (the local index copies it, PostgreSQL derives its
tsvector from it), so a bag of clear stems would spell out every chunk. Each term is stored
as HMAC-SHA256 under an HKDF subkey of the master key, truncated to 96 bits: "t" and 24
hex digits, one token for FTS5 and PostgreSQL alike (the letter first: PostgreSQL's parser
splits a token opening like a number, "0e12ab" -> "0e12", "ab"). Equal terms give equal
hashes, so matching and BM25 statistics are unchanged, and the query side hashes its
terms the same way. What needs the words themselves (spelling
correction, IDF weights by word, coverage) reads them from each version's sealed word list
(``kn_versions.words_enc``), opened into memory once per index generation.

    key = TermKey(cipher)
    assert key("refund") == key("refund") != key("refunds")
    words_enc = seal_words(cipher, ["refund", "ship"])
    assert open_words(cipher, words_enc) == ["refund", "ship"]
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from stanchion.knowledge.schema import kn_versions
from stanchion.store.crypto import Cipher, KeyedHash

PURPOSE = b"stanchion/index-terms/v1"
DIGEST_BYTES = 12  # 96 bits: no collision in any real vocabulary
MEMO = 500_000  # hashes kept (the corpus vocabulary and recent query terms)


class TermKey(KeyedHash):
    """Hashes index terms under the active key's subkey (a rotation re-hashes at start)."""

    def __init__(self, cipher: Cipher) -> None:
        super().__init__(cipher, PURPOSE, "t", DIGEST_BYTES, MEMO)

    def bag(self, terms: str) -> str:
        """A space-separated term bag (``text.term_string``) as hashes, in the same order."""
        return " ".join(self(t) for t in terms.split())


def seal_words(cipher: Cipher, words: Iterable[str]) -> bytes:
    return cipher.encrypt(" ".join(sorted(set(words))).encode("utf-8"))


def open_words(cipher: Cipher, blob: bytes | None) -> list[str]:
    return cipher.decrypt(bytes(blob)).decode("utf-8").split() if blob else []


def approved_words(conn: Connection, cipher: Cipher, app: str) -> set[str]:
    """Every index term of the app's approved versions (titles, sections and text)."""
    rows = conn.execute(
        select(kn_versions.c.words_enc).where(
            kn_versions.c.app == app, kn_versions.c.status == "approved"
        )
    ).scalars()
    return {w for blob in rows for w in open_words(cipher, blob)}
