"""Pluggable grounding checkers: each scores an answer's claims against the sources.

Every checker gives one support score in [0, 1] per claim; ``Validator.acheck`` turns them
into the same ``Validation`` (score, claims, findings, caveat) whatever the checker, and falls
back to the offline (lexical) checker when a model checker fails. The spec picks::

    knowledge:
      grounding:
        checker: {kind: onnx, model_path: models/nli.onnx, entailment_index: 0}
        # or {kind: llm, route: judge}

``CHECKERS`` is the registry (kind -> factory); ``lexical_overlap`` is the plain baseline the
evaluation reports next to every checker.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from stanchion.errors import StanchionError
from stanchion.knowledge.app_files import app_file
from stanchion.knowledge.sources import content_terms
from stanchion.knowledge.spec import GroundingChecker
from stanchion.providers.base import ChatRequest, Completion
from stanchion.providers.errors import ProviderError

Complete = Callable[[ChatRequest], Awaitable[Completion]]


class CheckerError(StanchionError):
    """A model checker could not score (missing model or package, bad reply, timeout)."""


class Checker(Protocol):
    name: str

    async def score(self, claims: list[str], sources: list[str], question: str) -> list[float]:
        """Support of each claim, in [0, 1] (1: the sources entail it)."""
        ...


def lexical_overlap(answer: str, sources: list[str]) -> float:
    """The baseline: the share of the answer's content words found in the sources."""
    terms = [t for t, _, _ in content_terms(answer)]
    if not terms:
        return 1.0
    found = {t for s in sources for t, _, _ in content_terms(s)}
    return sum(t in found for t in terms) / len(terms)


class HashTokenizer:
    """Word pieces by hash when no tokenizer file is given: ``[CLS] premise [SEP] claim [SEP]``
    as ids below ``vocab_size`` (0 pad, 1 CLS, 2 SEP). Enough for models trained with it."""

    def __init__(self, vocab_size: int, max_length: int) -> None:
        self.vocab, self.max_length = vocab_size, max_length

    def _ids(self, text: str) -> list[int]:
        return [
            3 + zlib.crc32(w.encode()) % (self.vocab - 3) for w in re.findall(r"\w+", text.lower())
        ]

    def pair(self, premise: str, claim: str) -> list[int]:
        hyp = self._ids(claim)[: self.max_length // 2]
        room = self.max_length - len(hyp) - 3
        return [1, *self._ids(premise)[:room], 2, *hyp, 2]


class _TokenizerFile:
    """A Hugging Face ``tokenizer.json`` through the ``tokenizers`` package (optional)."""

    def __init__(self, path: Path, max_length: int) -> None:
        try:
            from tokenizers import Tokenizer  # type: ignore[import-not-found, unused-ignore]
        except ImportError as exc:
            raise CheckerError("tokenizer_path needs the 'tokenizers' package") from exc
        self.tok = Tokenizer.from_file(str(path))
        self.tok.enable_truncation(max_length)
        self.max_length = max_length

    def pair(self, premise: str, claim: str) -> list[int]:
        return list(self.tok.encode(premise, claim).ids)


class OnnxChecker:
    """An NLI / cross-encoder model in ONNX (``onnxruntime``, the ``onnx`` extra). Inputs by
    name: ``input_ids``, ``attention_mask`` and ``token_type_ids`` when the model has them;
    output: logits ``[batch, labels]`` (softmax, column ``entailment_index``) or ``[batch, 1]``
    (sigmoid). A claim's support is its best over the sources."""

    name = "onnx"

    def __init__(self, spec: GroundingChecker, app_dir: Path) -> None:
        self.spec = spec
        self.path = _inside(app_dir, spec.model_path or "", ".onnx")
        self.tokenizer: HashTokenizer | _TokenizerFile = (
            _TokenizerFile(_inside(app_dir, spec.tokenizer_path, ".json"), spec.max_length)
            if spec.tokenizer_path
            else HashTokenizer(spec.vocab_size, spec.max_length)
        )
        self._session: Any = None

    def _load(self) -> Any:
        if self._session is None:
            try:
                import onnxruntime  # type: ignore[import-untyped, unused-ignore]
            except ImportError as exc:
                raise CheckerError(
                    "the onnx checker needs onnxruntime (pip install stanchion[onnx])"
                ) from exc
            try:
                self._session = onnxruntime.InferenceSession(
                    str(self.path), providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise CheckerError(f"cannot load {self.path.name}: {exc}") from exc
        return self._session

    def score_sync(self, claims: list[str], sources: list[str]) -> list[float]:
        import numpy as np

        session = self._load()
        premises = sources or [""]
        rows = [self.tokenizer.pair(p, c) for c in claims for p in premises]
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        wanted = {i.name for i in session.get_inputs()}
        try:
            logits = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
        except Exception as exc:
            raise CheckerError(f"the onnx model failed: {exc}") from exc
        probs = [self._support([float(x) for x in np.ravel(row)]) for row in logits]
        n = len(premises)
        return [max(probs[i * n : (i + 1) * n]) for i in range(len(claims))]

    def _support(self, row: list[float]) -> float:
        if len(row) == 1:
            return 1.0 / (1.0 + math.exp(-row[0]))
        if self.spec.entailment_index >= len(row):
            raise CheckerError("entailment_index is beyond the model's outputs")
        top = max(row)
        exps = [math.exp(x - top) for x in row]
        return exps[self.spec.entailment_index] / sum(exps)

    async def score(self, claims: list[str], sources: list[str], question: str) -> list[float]:
        work = asyncio.to_thread(self.score_sync, claims, sources)
        return await asyncio.wait_for(work, self.spec.timeout)


JUDGE_PROMPT = (
    "You check whether claims are supported by the sources. For each numbered claim give the "
    "probability (0 to 1) that the sources state or directly imply it. Reply with JSON only: "
    '{"scores": [p1, p2, ...]}, one number per claim, in order.'
)


class LlmJudge:
    """A model asked through one of the app's routes (any OpenAI-compatible upstream)."""

    name = "llm"

    def __init__(self, spec: GroundingChecker, complete: Complete | None) -> None:
        self.spec, self.complete = spec, complete

    async def score(self, claims: list[str], sources: list[str], question: str) -> list[float]:
        if self.complete is None:
            raise CheckerError("no route is bound to the llm checker")
        listed = "\n".join(f"{i + 1}. {c}" for i, c in enumerate(claims))
        body = "\n\n".join(f"[{i + 1}] {s}" for i, s in enumerate(sources))
        user = f"Sources:\n{body}\n\nQuestion: {question}\n\nClaims:\n{listed}"
        request = ChatRequest(
            model=self.spec.route or "",
            messages=[
                {"role": "system", "content": JUDGE_PROMPT},
                {"role": "user", "content": user},
            ],
            params={"temperature": 0},
        )
        try:
            completion = await asyncio.wait_for(self.complete(request), self.spec.timeout)
        except (TimeoutError, StanchionError, ProviderError) as exc:
            raise CheckerError(f"the judge did not answer: {exc}") from exc
        return parse_scores(completion.content, len(claims))


def parse_scores(content: str, n: int) -> list[float]:
    """The judge's ``{"scores": [...]}`` (the first JSON object in its reply), clipped to [0, 1]."""
    found = re.search(r"\{.*\}", content, re.DOTALL)
    try:
        scores = json.loads(found.group(0))["scores"] if found else None
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckerError("the judge's reply is not the JSON asked for") from exc
    if not isinstance(scores, list) or len(scores) != n:
        raise CheckerError("the judge gave no score per claim")
    try:
        return [min(1.0, max(0.0, float(s))) for s in scores]
    except (TypeError, ValueError) as exc:
        raise CheckerError("the judge's scores are not numbers") from exc


def _inside(app_dir: Path, name: str, suffix: str) -> Path:
    found = app_file(app_dir, name, suffix)
    if isinstance(found, str):
        raise CheckerError(found)
    return found


Factory = Callable[[GroundingChecker, Path, Complete | None], Checker | None]
CHECKERS: dict[str, Factory] = {
    "offline": lambda spec, app_dir, complete: None,
    "onnx": lambda spec, app_dir, complete: OnnxChecker(spec, app_dir),
    "llm": lambda spec, app_dir, complete: LlmJudge(spec, complete),
}


def build_checker(
    spec: GroundingChecker, app_dir: Path, complete: Complete | None = None
) -> Checker | None:
    """The model checker the spec names (None: the offline one)."""
    return CHECKERS[spec.kind](spec, app_dir, complete)
