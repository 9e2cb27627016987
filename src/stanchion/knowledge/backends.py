"""Search backends behind the retriever, registered by name (``retrieval.backend``).

A backend returns candidate chunks of APPROVED versions for a list of query terms, and the
document frequency of those terms; the retriever does the scoring that both share. Terms
are keyed hashes (``sealed_terms``) on both sides, titles and sections sealed text: a backend
never sees a clear word, the retriever hashes the query's and opens what it returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store


@dataclass(frozen=True, slots=True)
class Candidate:
    chunk_id: str
    doc_id: str
    version: int
    title: str
    section: str
    start: int
    end: int
    source: str
    terms: str
    text_enc: bytes
    rank: float


class Backend(Protocol):
    def candidates(self, query_terms: list[str], n: int) -> list[Candidate]: ...

    def doc_freq(self, query_terms: list[str]) -> tuple[int, dict[str, int]]:
        """Number of searchable chunks, and how many contain each term."""
        ...

    def vocabulary(self) -> tuple[int, dict[str, int], list[str]]:
        """Number of searchable chunks, each term's document frequency, the document titles
        (read once per index generation: spelling, weights and name words come from it)."""
        ...

    def sync(self, generation: int) -> None:
        """Serve exactly the versions approved in the store now (called when it changed)."""
        ...

    def close(self) -> None: ...


BackendFactory = Callable[[KnowledgeSpec, Path, Store, str, Cipher], Backend]
BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    def add(factory: BackendFactory) -> BackendFactory:
        BACKENDS[name] = factory
        return factory

    return add


def idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def fts_query(query_terms: list[str]) -> str:
    """An FTS5 OR-query; terms are quoted so none is read as an operator."""
    return " OR ".join('"' + t.replace('"', "") + '"' for t in query_terms)
