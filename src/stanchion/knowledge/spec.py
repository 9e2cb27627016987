"""The ``knowledge:`` section of stanchion.yaml.

knowledge:
  sources:
    - files: ["docs/**/*.md", "docs/**/*.pdf"]
    - name: crm
      url: sqlite:///crm.db
      query: "select id, name, notes from accounts"
      id_column: id
      title_column: name
      text_columns: [notes]
  chunking: {size: 180, overlap: 30}
  retrieval: {k: 5, min_score: 0.35, backend: local}
  glossary: {refund: ["money back"], return: ["send back"]}
  answerability: {threshold: null, borderline: 0.05, borderline_action: caveat}
  no_evidence: {reply: "I don't have that in the approved documents."}
  grounding: {threshold: 0.5, action: caveat}
  catalog: {table: products, key_column: name, fact_columns: [price, features]}
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GroundingAction = Literal["flag", "caveat", "hold", "block"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileSource(_Model):
    """Files matched by globs relative to the app folder."""

    files: list[str] = Field(min_length=1)


class SqlSource(_Model):
    """Rows of any SQL database (SQLAlchemy URL): one document per row."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    url: str
    query: str
    id_column: str = "id"
    title_column: str | None = None
    text_columns: list[str] = Field(min_length=1)


class Chunking(_Model):
    size: int = Field(default=180, ge=20, le=4000, description="words per chunk")
    overlap: int = Field(default=30, ge=0, description="words repeated between chunks")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Chunking:
        if self.overlap >= self.size:
            raise ValueError("chunking.overlap must be smaller than chunking.size")
        return self


class Embeddings(_Model):
    """Dense vectors for hybrid retrieval (optional); ``provider`` names a registered embedder
    (``openai``: any OpenAI-compatible ``POST {base_url}/embeddings``; ``onnx``: a local
    sentence-embedding model file, offline, see docs/retrieval.md)."""

    provider: str = "openai"
    base_url: str | None = None
    model: str
    model_path: str | None = Field(
        default=None, description="onnx: the .onnx file, relative to the app folder"
    )
    tokenizer_path: str | None = Field(
        default=None, description="onnx: its tokenizer.json, relative to the app folder"
    )
    max_length: int = Field(default=256, ge=8, le=8192, description="onnx: tokens per text")
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    dimensions: int | None = Field(default=None, ge=1, description="ask for shorter vectors")
    weight: float = Field(
        default=0.5, ge=0.0, le=1.0, description="share of the dense ranking in the fusion"
    )
    min_similarity: float = Field(
        default=0.5,
        ge=-1.0,
        le=1.0,
        description="least cosine for a passage the words miss (per model: calibrate it)",
    )
    batch_size: int = Field(default=64, ge=1, le=2048, description="texts per request")
    concurrency: int = Field(default=4, ge=1, le=64, description="requests in flight at ingest")
    timeout: float = Field(default=30.0, gt=0.0, description="seconds per ingest request")
    query_timeout: float = Field(default=3.0, gt=0.0, description="seconds per query embedding")
    retries: int = Field(default=3, ge=0, le=10, description="on 429, 5xx and connection errors")
    cache_size: int = Field(default=1024, ge=0, description="recent query vectors kept")

    @field_validator("base_url")
    @classmethod
    def _no_inline_credentials(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/@]+(/|$)", v):
            raise ValueError("must be http(s)://host/... without credentials (use api_key_env)")
        return v

    @model_validator(mode="after")
    def _local_files(self) -> Embeddings:
        if self.provider == "onnx" and not (self.model_path and self.tokenizer_path):
            raise ValueError("provider 'onnx' needs model_path and tokenizer_path")
        return self


class Retrieval(_Model):
    k: int = Field(default=5, ge=1, le=50)
    min_score: float = Field(
        default=0.2, ge=0.0, le=1.0, description="least query coverage of a passage"
    )
    min_answerability: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="legacy spelling of answerability.threshold (0 = never refuse on it)",
    )
    relative_cutoff: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="keep hits covering this share of the best hit's coverage (the best stays)",
    )
    backend: Literal["local", "postgres"] = "local"
    index_path: str = ".stanchion/index.sqlite"
    refresh_seconds: float = Field(default=2.0, gt=0.0)
    embeddings: Embeddings | None = None


BorderlineAction = Literal["caveat", "refuse", "hold"]


class Answerability(_Model):
    """When retrieved passages may answer a question: a calibrated score against a threshold,
    and a borderline band where the app answers with a caveat, refuses, or holds for review.

    ``borderline: 0.1`` makes [threshold, threshold + 0.1) borderline (what scores below the
    threshold is refused either way); ``borderline: [0.4, 0.6]`` sets the band itself."""

    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="null: the fitted default"
    )
    borderline: float | tuple[float, float] = Field(
        default=0.0, description="a margin above the threshold, or a [low, high] band"
    )
    borderline_action: BorderlineAction = "caveat"
    caveat: str = "I may not have the full answer to this in the approved documents."
    told: float | None = Field(
        default=None,
        gt=0.0,
        le=1.0,
        description="a situation told, not asked, is borderline from this score up to the "
        "band (null: as a question); never a vetoed one",
    )

    @field_validator("borderline")
    @classmethod
    def _band(cls, v: float | tuple[float, float]) -> float | tuple[float, float]:
        if isinstance(v, tuple):
            low, high = v
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError("borderline band must be [low, high] with 0 <= low <= high <= 1")
        elif not 0.0 <= v <= 0.5:
            raise ValueError("borderline margin must be between 0 and 0.5")
        return v

    def band(self, threshold: float) -> tuple[float, float]:
        """[low, high): below low refuse, from high answer, between: the borderline action."""
        if isinstance(self.borderline, tuple):
            return self.borderline
        return threshold, min(1.0, threshold + self.borderline)


Glossary = dict[str, list[str]]


def _check_glossary(v: Glossary) -> Glossary:
    if len(v) > 5000:
        raise ValueError("glossary: at most 5000 terms")
    for term, synonyms in v.items():
        for phrase in (term, *synonyms):
            if not isinstance(phrase, str) or not phrase.strip() or len(phrase) > 200:
                raise ValueError(f"glossary {term!r}: phrases must be 1-200 characters")
            if not re.search(r"[A-Za-z0-9]", phrase):
                raise ValueError(f"glossary {term!r}: {phrase!r} has no letters or digits")
        if len(synonyms) > 50:
            raise ValueError(f"glossary {term!r}: at most 50 synonyms")
    return v


class NoEvidence(_Model):
    reply: str = "I don't have that in the approved documents."


class GroundingChecker(_Model):
    """Which checker scores claims: ``offline`` (lexical, shipped), ``onnx`` (an NLI or
    cross-encoder model file) or ``llm`` (a judge through one of the app's routes). A model
    checker that fails (missing file or package, timeout, unreadable reply) falls back to the
    offline one for that answer."""

    kind: Literal["offline", "onnx", "llm"] = "offline"
    model_path: str | None = Field(
        default=None, description="onnx: the .onnx file, relative to the app folder"
    )
    tokenizer_path: str | None = Field(
        default=None, description="onnx: a tokenizer.json (needs the tokenizers package)"
    )
    vocab_size: int = Field(default=30522, ge=16, le=1_000_000)
    max_length: int = Field(default=256, ge=8, le=4096)
    entailment_index: int = Field(
        default=0, ge=0, description="onnx: the output column of 'supported'"
    )
    route: str | None = Field(default=None, description="llm: the route (or label) to ask")
    timeout: float = Field(default=15.0, gt=0, le=120)

    @model_validator(mode="after")
    def _needs(self) -> GroundingChecker:
        if self.kind == "onnx" and not self.model_path:
            raise ValueError("an onnx checker needs model_path")
        if self.kind == "llm" and not self.route:
            raise ValueError("an llm checker needs route")
        return self


class Grounding(_Model):
    enabled: bool = True
    kind: Literal["qa", "dialogue", "summary", "claim"] = Field(
        default="qa",
        description="what the app's answers are; dialogue: the speaker's own opinions, "
        "experiences and questions count as unsupported",
    )
    threshold: float = Field(
        default=0.433, ge=0.0, le=1.0, description="least support of the answer and of each claim"
    )
    action: GroundingAction = "caveat"
    number_action: GroundingAction = "caveat"
    caveat: str = "Parts of this answer could not be verified against the approved documents."
    checker: GroundingChecker = Field(default_factory=GroundingChecker)


class Catalog(_Model):
    """A structured table of product facts that answers are checked against."""

    url: str | None = Field(default=None, description="SQLAlchemy URL; default: the app store")
    seed: str | None = Field(
        default=None, description="SQL file (relative to the app) run once if the table is missing"
    )
    table: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    key_column: str = "name"
    fact_columns: list[str] = Field(default_factory=list)
    features_column: str | None = None
    action: GroundingAction = "hold"
    unknown_feature_action: GroundingAction = "flag"


class KnowledgeSpec(_Model):
    sources: list[FileSource | SqlSource] = Field(default_factory=list)
    chunking: Chunking = Field(default_factory=Chunking)
    retrieval: Retrieval = Field(default_factory=Retrieval)
    no_evidence: NoEvidence = Field(default_factory=NoEvidence)
    grounding: Grounding = Field(default_factory=Grounding)
    catalog: Catalog | None = None
    glossary: Glossary = Field(
        default_factory=dict, description="term -> synonyms customers use for it"
    )
    answerability: Answerability = Field(default_factory=Answerability)

    @field_validator("glossary")
    @classmethod
    def _glossary(cls, v: Glossary) -> Glossary:
        return _check_glossary(v)
