"""``onnx``: a sentence-embedding model run in process, offline (the ``onnx`` extra:
onnxruntime, tokenizers, numpy). No server, no key, no download: the model file and its
tokenizer live in the app folder::

    knowledge:
      retrieval:
        embeddings:
          provider: onnx
          model: all-MiniLM-L6-v2          # a name: stored with every vector
          model_path: models/minilm/model.onnx
          tokenizer_path: models/minilm/tokenizer.json
          min_similarity: 0.55

The model takes ``input_ids`` and ``attention_mask`` (and ``token_type_ids`` when it has
that input) and gives either token states ``[batch, tokens, dim]``, mean-pooled over the
mask (what sentence-transformers does for MiniLM, mpnet, bge, e5), or one vector per text
``[batch, dim]``. Vectors are unit length. The session is loaded once, when the app (or
ingest) starts, so a missing or broken file is a ``SpecError`` then, never at a request;
inference runs in a worker thread, one batch at a time, texts sorted by length so a batch
pads little. The model id stored with the vectors carries a digest of the file: a new
model file re-embeds the corpus, as a new API model does.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stanchion.errors import SpecError
from stanchion.knowledge.app_files import app_file
from stanchion.knowledge.embedders import Embedder, EmbeddingError, Secret, register_embedder
from stanchion.knowledge.spec import Embeddings
from stanchion.knowledge.vectors import Vector

DIGEST_BYTES = 1 << 20  # the digest reads the head and the size: enough to tell files apart


def inside(app_dir: Path, name: str, suffix: str) -> Path:
    """``name`` resolved under ``app_dir``: an existing ``suffix`` file that does not escape
    the folder (``..``, an absolute path or a symlink out are refused)."""
    found = app_file(app_dir, name, suffix)
    if isinstance(found, str):
        raise SpecError([f"retrieval.embeddings: {found}"])
    return found


def file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(DIGEST_BYTES)
    return hashlib.sha256(head + str(path.stat().st_size).encode()).hexdigest()[:12]


class OnnxEmbedder:
    """Texts in, unit vectors out, from one ONNX session shared by every call.

    >>> embedder = OnnxEmbedder(spec, app_dir)                     # doctest: +SKIP
    >>> [v] = await embedder.embed(["Where is my parcel?"], query=True)  # doctest: +SKIP
    """

    def __init__(self, spec: Embeddings, app_dir: Path) -> None:
        self.spec = spec
        model = inside(app_dir, spec.model_path or "", ".onnx")
        tokens = inside(app_dir, spec.tokenizer_path or "", ".json")
        self.model = f"onnx:{spec.model[:150]}@{file_digest(model)}"
        self._tokenizer = _tokenizer(tokens, spec.max_length)
        self._session = _session(model)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._one = threading.Lock()  # one batch at a time: the session uses every core

    async def embed(self, texts: Sequence[str], *, query: bool = False) -> list[Vector]:
        work = asyncio.to_thread(self.embed_sync, list(texts))
        timeout = self.spec.query_timeout if query else None
        try:
            return await asyncio.wait_for(work, timeout)
        except TimeoutError:
            raise EmbeddingError(f"the onnx embedder took over {timeout}s") from None

    def embed_sync(self, texts: list[str]) -> list[Vector]:
        """Blocking: batches of ``batch_size`` texts of similar length."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Vector | None] = [None] * len(texts)
        size = self.spec.batch_size
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            for i, vec in zip(batch, self._batch([texts[i] for i in batch]), strict=True):
                out[i] = vec
        return [v for v in out if v is not None]

    def _batch(self, texts: list[str]) -> list[Vector]:
        import numpy as np

        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        try:
            with self._one:
                states = self._session.run(
                    None, {k: v for k, v in feeds.items() if k in self._inputs}
                )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise EmbeddingError(f"the onnx embedder failed: {exc}") from None
        return pooled(np.asarray(states[0], dtype=np.float32), mask)

    async def aclose(self) -> None:
        return None


def pooled(states: Any, mask: Any) -> list[Vector]:
    """Token states ``[n, tokens, dim]`` averaged over the mask (or ``[n, dim]`` as they
    are), as unit vectors."""
    import numpy as np

    if states.ndim == 3:
        weights = mask[..., None].astype(np.float32)
        states = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    if states.ndim != 2 or not states.shape[1]:
        raise EmbeddingError(f"the onnx embedder gave an output of shape {states.shape}")
    norms = np.linalg.norm(states, axis=1, keepdims=True)
    states = states / np.maximum(norms, 1e-12)
    return [array("f", row.tobytes()) for row in states.astype(np.float32)]


def _tokenizer(path: Path, max_length: int) -> Any:
    try:
        from tokenizers import Tokenizer  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise SpecError(["retrieval.embeddings: onnx needs tokenizers (stanchion[onnx])"]) from exc
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # the tokenizers package raises plain Exceptions
        raise SpecError([f"retrieval.embeddings: cannot read {path.name}: {exc}"]) from None
    tok.enable_truncation(max_length)
    tok.enable_padding()
    return tok


def _session(path: Path) -> Any:
    try:
        import numpy  # noqa: F401
        import onnxruntime  # type: ignore[import-untyped, unused-ignore]
    except ImportError as exc:
        raise SpecError(["retrieval.embeddings: onnx needs onnxruntime (stanchion[onnx])"]) from exc
    try:
        return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise SpecError([f"retrieval.embeddings: cannot load {path.name}: {exc}"]) from None


@register_embedder("onnx")
def onnx_embedder(spec: Embeddings, _secret: Secret, app_dir: Path) -> Embedder:
    return OnnxEmbedder(spec, app_dir)
