"""The retriever the pipeline calls: approved passages only, scored in [0, 1].

A passage's ``score`` is how much of the query it covers (IDF-weighted share of the query's
terms it contains), so one threshold (``retrieval.min_score``) means the same thing for
every backend and corpus. Approval changes reach a replica within ``refresh_seconds``:
it compares one integer (the store's generation) and re-syncs only when it moved.

Hybrid (an embedder configured): the query is embedded once, the nearest approved chunks
join the BM25 candidates, and the two rankings are fused by weighted reciprocal rank. A
passage is kept when it covers ``min_score`` of the query OR its cosine reaches
``min_similarity``; its score is the larger of the two that passed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from stanchion.knowledge.answerability import Assessment, assess
from stanchion.knowledge.backends import Backend, Candidate
from stanchion.knowledge.base import Passage
from stanchion.knowledge.dense import DenseIndex
from stanchion.knowledge.query import Glossary, Query, Vocabulary, parse
from stanchion.knowledge.sealed_terms import TermKey, approved_words
from stanchion.knowledge.vectors import Vector
from stanchion.knowledge.versions import generation
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

CANDIDATES = 40
RRF_K = 60
RELATIVE_CUTOFF = 0.5
PREFERRED = 2  # passages a follow-up adds from the documents it is about
# The best passage's document intro (the text under its title, before any section) joins
# those kept: an intro states what holds for every section ("You can top up no more than
# £250 in any 24 hours" above "Auto top-up"; "Payroll integrations need the Team plan"
# above "Payroll"), so the question's words find the section, not the rule over it.
INTRO = True
PARSED = 10_000  # parsed questions kept per index generation
OPENED = 100_000  # chunks whose sealed title and section are kept open in memory
Scored = tuple[Candidate, float, float]  # candidate, coverage, cosine (0 if unknown)


def coverage(query: Query, chunk_terms: set[str], total: float | None = None) -> float:
    """The weighted share of the query's concepts a chunk holds (any alternative counts)."""
    total = query.total if total is None else total
    if total <= 0:
        return 0.0
    return sum(c.weight for c in query.concepts if c.present(chunk_terms)) / total


def coverable(query: Query) -> float:
    """The share of the query's weight the corpus can cover at all: its known concepts. A
    word no approved document uses ("bedroom", "tuesday" in a told story) weighs in every
    coverage yet no passage can hold it, so a floor on coverage must shrink with it, or
    a story's long wording leaves only the first hit (the passage with the answer ranked
    second, under the floor)."""
    total = query.total
    if total <= 0:
        return 1.0
    return sum(c.weight for c in query.concepts if c.known) / total


def _subject(query: Query, asked: dict[str, str]) -> Callable[[Candidate], bool] | None:
    """Whether a candidate holds every concept a follow-up carries from earlier turns; None
    for a question that carries none."""
    carried = [c for c in query.concepts if c.how == "context"]
    if not carried:
        return None
    return lambda c: all(x.present(KnowledgeRetriever._bag(c, asked)) for x in carried)


def gate_title(p: Passage) -> str:
    """The title the gate reads a passage's sentences with: a catalog row's section joins
    it (``catalog.row_section``: the product is sold, its codes name it)."""
    return f"{p.title} ({p.section})" if p.source == "catalog" else p.title


class KnowledgeRetriever:
    """``Retriever`` over one backend; ``search`` returns at most k passages, or none when
    they cannot answer the question (below ``threshold`` answerability)."""

    def __init__(
        self,
        backend: Backend,
        store: Store,
        cipher: Cipher,
        app: str,
        *,
        min_score: float,
        refresh_seconds: float,
        threshold: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        dense: DenseIndex | None = None,
        weight: float = 0.5,
        min_similarity: float = 1.0,
        glossary: Glossary | None = None,
        relative_cutoff: float = RELATIVE_CUTOFF,
        words: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self.backend, self.store, self.cipher, self.app = backend, store, cipher, app
        self.min_score, self.refresh_seconds, self.clock = min_score, refresh_seconds, clock
        self.threshold, self.relative_cutoff = threshold, relative_cutoff
        self.dense, self.weight, self.min_similarity = dense, weight, min_similarity
        self.glossary = glossary if glossary is not None else Glossary({})
        self.key = TermKey(cipher)
        self._corpus_words = words or self._approved_words  # an index without a store: given
        self._vocab: Vocabulary | None = None
        self._opened: dict[str, tuple[str, str]] = {}  # chunk id -> title, section
        self._parsed: dict[str, Query] = {}
        self._parsed_for: Vocabulary | None = None
        self._generation: int | None = None
        self._checked = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, force: bool = False) -> bool:
        """Re-sync the backend (and rebuild the vocabulary) if the store's generation moved;
        True when it did."""
        if not force and self.clock() - self._checked < self.refresh_seconds:
            return False
        async with self._lock:
            if not force and self.clock() - self._checked < self.refresh_seconds:
                return False
            current = await self.store.run(self._read_generation)
            self._checked = self.clock()
            if current == self._generation and not force:
                return False
            await self.store.run(self.backend.sync, current)
            if self.dense is not None:
                await self.store.run(self.dense.sync)
            self._vocab = await self.store.run(self._load_vocabulary)
            self._generation = current
            return True

    @property
    def generation(self) -> int | None:
        """The store generation the index was last synced at (None before the first)."""
        return self._generation

    @property
    def synced(self) -> object | None:
        """A token that changes whenever ``refresh`` re-syncs the index (None before the
        first): what was computed from the served versions holds while it is the same."""
        return None if self._generation is None else self._vocab

    def _read_generation(self) -> int:
        with self.store.engine.connect() as conn:
            return generation(conn, self.app)

    def _load_vocabulary(self) -> Vocabulary:
        """The backend counts hashed terms; the words come from the versions' sealed word
        lists, titles are opened: all in memory, never in clear at rest."""
        n, hashed_df, sealed_titles = self.backend.vocabulary()
        df = {w: hashed_df[h] for w in self._corpus_words() if (h := self.key(w)) in hashed_df}
        titles = [self.cipher.open_text(t) for t in sealed_titles]
        return Vocabulary(n, df, titles)

    def _approved_words(self) -> set[str]:
        with self.store.engine.connect() as conn:
            return approved_words(conn, self.cipher, self.app)

    @staticmethod
    def _bag(c: Candidate, asked: dict[str, str]) -> set[str]:
        """The query terms (``asked``: hash -> term) a candidate's hashed bag holds."""
        return {asked[h] for h in set(c.terms.split()).intersection(asked)}

    @property
    def vocabulary(self) -> Vocabulary:
        """The served corpus's vocabulary, built once per index generation."""
        if self._vocab is None:
            self._vocab = self._load_vocabulary()
        return self._vocab

    def parse(self, text: str) -> Query:
        """``text`` as concepts of the served corpus (cached per index generation: the same
        questions, and a conversation's earlier turns, come back again and again)."""
        vocab = self.vocabulary
        if self._parsed_for is not vocab or len(self._parsed) > PARSED:
            self._parsed, self._parsed_for = {}, vocab
        query = self._parsed.get(text)
        if query is None:
            query = self._parsed[text] = parse(text, vocab, self.glossary)
        return query

    async def search(self, query: str, k: int) -> list[Passage]:
        """The passages for ``query``, or none when they cannot answer it (see answerability)."""
        await self.refresh()
        vec = await self.dense.query_vector(query) if self.dense is not None else None
        return await asyncio.to_thread(self.answerable_search, query, k, vec)

    def answerable_search(self, query: str, k: int, vec: Vector | None = None) -> list[Passage]:
        q = self.parse(query)
        passages = self.ranked(q, k, None, vec)
        if (
            passages
            and self.threshold > 0
            and self.assess(q, passages, (), self.similarity(vec)).score < self.threshold
        ):
            return []
        return passages

    def search_sync(
        self, query: str, k: int, min_score: float | None = None, vec: Vector | None = None
    ) -> list[Passage]:
        """Rank candidates by BM25 (fused with the dense ranking when ``vec`` is the query's
        vector); ``min_score`` given: keep those covering at least that share of the query,
        else the best and those within ``relative_cutoff`` of it."""
        return self.ranked(self.parse(query), k, min_score, vec)

    def answerability(self, query: str, passages: list[Passage]) -> float:
        """How well ``passages`` (best first) can answer ``query``, in [0, 1]."""
        return self.assess(self.parse(query), passages).score

    def assess(
        self,
        query: Query,
        passages: list[Passage],
        context: tuple[str, ...] = (),
        dense: float | None = None,
        told: bool = False,
    ) -> Assessment:
        """``dense``: the question's ``similarity`` (None: the words alone judge); ``told``:
        a situation told, not asked (see ``answerability.assess``)."""
        pairs = [(gate_title(p), p.text) for p in passages]
        return assess(query, self.vocabulary, pairs, context, dense, told)

    def similarity(self, vec: Vector | None) -> float | None:
        """The best cosine of ``vec`` to an approved chunk, less ``min_similarity``."""
        best = self.dense.best(vec) if self.dense is not None and vec is not None else None
        return None if best is None else best - self.min_similarity

    def ranked(
        self, query: Query, k: int, min_score: float | None = None, vec: Vector | None = None
    ) -> list[Passage]:
        return self.window(query, k, min_score, vec)[0]

    def window(
        self,
        query: Query,
        k: int,
        min_score: float | None = None,
        vec: Vector | None = None,
        fill: bool = False,
        prefer: frozenset[str] = frozenset(),
    ) -> tuple[list[Passage], list[Passage]]:
        """(the passages ``ranked`` returns; with ``fill``, the next ones in rank order that
        the cut-off left out, up to k in all): ranked once, only those returned decrypted.
        ``prefer``: documents a follow-up is about; up to ``PREFERRED`` of their passages
        reaching ``min_score`` join those kept, after them."""
        pool = max(CANDIDATES, 4 * k)
        asked = {self.key(t): t for t in query.terms()}
        cands = self.backend.candidates(list(asked), pool)
        dense = self.dense.hits(vec, pool) if self.dense is not None and vec is not None else []
        if not cands and not dense:
            return [], []
        total = query.total
        scored = [(c, coverage(query, self._bag(c, asked), total), 0.0) for c in cands]
        top = max((c.rank for c in cands), default=0.0) or 1.0
        # a follow-up's carried terms weigh half in coverage, but BM25 cannot weigh them
        lexical = 0.2 if query.leans else 0.5
        scored.sort(key=lambda cs: -(lexical * cs[0].rank / top + (1 - lexical) * cs[1]))
        if dense:
            scored = self._fused(scored, dense, query, asked)
        reach = coverable(query)
        kept = self._cut(scored, min_score, bool(dense), reach, _subject(query, asked))
        kept = kept[:k]
        if INTRO and min_score is None and scored:
            best = max(cov for _, cov, _ in scored)
            floor = max(self.min_score * reach, self.relative_cutoff * best)
            kept += [s for s in self._intro(scored, kept) if s[1] >= floor]
        if prefer:
            kept += self._preferred(scored, kept, prefer, self.min_score * reach)
        more: list[Scored] = []
        if fill and len(kept) < k:
            ids = {c.chunk_id for c, _, _ in kept}
            more = [s for s in scored if s[0].chunk_id not in ids][: k - len(kept)]
        return [self._scored_passage(s) for s in kept], [self._scored_passage(s) for s in more]

    @staticmethod
    def _preferred(
        scored: list[Scored], kept: list[Scored], prefer: frozenset[str], least: float
    ) -> list[Scored]:
        """The best passages of ``prefer``'s documents not kept: a follow-up's own words
        rank another document's sections above them ("and when we land?" after the
        wheelchair rules: baggage that lands late), the relative cut or k leaves them out."""
        ids = {c.chunk_id for c, _, _ in kept}
        return [
            s
            for s in scored
            if s[0].doc_id in prefer and s[1] >= least and s[0].chunk_id not in ids
        ][:PREFERRED]

    def _intro(self, scored: list[Scored], kept: list[Scored]) -> list[Scored]:
        """The first chunk of the intro of the best kept passage's document, when that
        passage is one of its sections (the caller keeps it only above the coverage floor)."""
        if not kept:
            return []
        head = kept[0][0]
        title, section = self._labels(head)
        if section == title:
            return []
        ids = {c.chunk_id for c, _, _ in kept}
        intro = [
            s
            for s in scored
            if s[0].doc_id == head.doc_id
            and s[0].chunk_id not in ids
            and self._labels(s[0])[1] == title
        ]
        return [min(intro, key=lambda s: s[0].start)] if intro else []

    def _scored_passage(self, scored: Scored) -> Passage:
        c, cov, sim = scored
        return self._passage(c, max(cov, sim if sim >= self.min_similarity else 0.0))

    def _cut(
        self,
        scored: list[Scored],
        min_score: float | None,
        dense: bool,
        reach: float = 1.0,
        on_subject: Callable[[Candidate], bool] | None = None,
    ) -> list[Scored]:
        """An explicit floor keeps what reaches it; otherwise the first hit always stays
        (answerability decides whether it answers) with those near the best coverage, and
        ``min_score`` is a share of what a passage can cover (``reach``: see ``coverable``).
        A follow-up's passage holding all the earlier turns' concepts (``on_subject``) needs
        only ``min_score``: its own words may find another subject's passage best ("can I
        have it BACK in cash" after "I overpaid my bill": selling power BACK)."""
        if min_score is not None:
            return [
                s for s in scored if s[1] >= min_score or (dense and s[2] >= self.min_similarity)
            ]
        if not scored:
            return []
        best = max(cov for _, cov, _ in scored)
        floor = max(self.min_score * reach, self.relative_cutoff * best)
        least = self.min_score * reach
        head, rest = scored[0], scored[1:]
        return [head] + [
            s
            for s in rest
            if s[1] >= floor
            or (dense and s[2] >= self.min_similarity)
            or (on_subject is not None and s[1] >= least and on_subject(s[0]))
        ]

    def _labels(self, c: Candidate) -> tuple[str, str]:
        """A chunk's title and section, opened once (chunk ids are bound to the content)."""
        labels = self._opened.get(c.chunk_id)
        if labels is None:
            if len(self._opened) >= OPENED:
                self._opened.clear()
            labels = self._opened[c.chunk_id] = (
                self.cipher.open_text(c.title),
                self.cipher.open_text(c.section),
            )
        return labels

    def _fused(
        self,
        lexical: list[Scored],
        dense: list[tuple[Candidate, float]],
        query: Query,
        asked: dict[str, str],
    ) -> list[Scored]:
        """Weighted reciprocal rank fusion of the BM25 order and the cosine order."""
        rows: dict[str, Scored] = {c.chunk_id: (c, cov, 0.0) for c, cov, _ in lexical}
        fused = {cid: (1.0 - self.weight) / (RRF_K + i) for i, cid in enumerate(rows, 1)}
        for i, (c, sim) in enumerate(dense, 1):
            known = rows.get(c.chunk_id)
            cov = known[1] if known else coverage(query, self._bag(c, asked))
            rows[c.chunk_id] = (known[0] if known else c, cov, sim)
            fused[c.chunk_id] = fused.get(c.chunk_id, 0.0) + self.weight / (RRF_K + i)
        return sorted(rows.values(), key=lambda r: -fused[r[0].chunk_id])

    def _passage(self, c: Candidate, score: float) -> Passage:
        body = self.cipher.decrypt(bytes(c.text_enc)).decode()
        title, section = self._labels(c)
        return Passage(c.doc_id, c.version, title, section, c.start, c.end, body, score, c.source)
