"""The cross-encoder study's side measurements (``answerability_crossencoder.py`` runs them):
its cost in ONNX (``--cost-only``), an under-training probe (``--probe``) and the untrained
bi-encoder's cosine beside it (``--dense``). Needs torch and the model package.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from answerability_ce_rows import (
    APP_NAMES,
    APPS,
    WEIGHTS,
    TextRow,
    auc,
    judged_part,
    sample_weights,
)


def probe(
    rows: list[TextRow], epochs: int, max_len: int, trainable: int, lr: float, app: str
) -> None:
    """Under-training or no signal? One model (``app`` left out) at the given settings: its
    AUC on the rows it was trained on (in-sample) and on ``app``, after each epoch."""
    import crossencoder as ce
    import torch

    torch.set_num_threads(1)
    folder = ce.model_dir()
    assert folder is not None
    model = ce.CrossEncoder(folder, max_len, trainable)
    train_i = [i for i, r in enumerate(rows) if APPS[r.source] != app]
    test_i = [i for i, r in enumerate(rows) if APPS[r.source] == app]
    pick = model.frozen([rows[i].texts[judged_part(rows[i])] for i in train_i])
    tests = model.frozen([t for i in test_i for t in rows[i].texts])
    train = [rows[i] for i in train_i]
    held = [rows[i] for i in test_i]
    labels, weights = [int(r.answerable) for r in train], sample_weights(train)
    for epoch in range(1, epochs + 1):
        model.train(pick, labels, weights, 1, lr=lr, seed=15 + epoch)
        fitted = model.score_states(pick)
        it = iter(model.score_states(tests))
        per_row = [max(next(it) for _ in r.texts) for r in held]
        print(
            f"  probe lr {lr} epoch {epoch}: AUC in-sample {auc(train, fitted, False):.3f}, "
            f"{app} {auc(held, per_row, False):.3f}",
            flush=True,
        )


def dense(rows: list[TextRow], max_len: int) -> None:
    """The untrained bi-encoder beside it: cosine of the question's and the passages' mean
    pooled vectors (each text alone), the best part of a message, AUC per app."""
    import crossencoder as ce
    import torch

    torch.set_num_threads(1)
    folder = ce.model_dir()
    assert folder is not None
    model = ce.CrossEncoder(folder, max_len)
    texts = [t for r in rows for t in r.texts]
    qs, ps = model.embed([q for q, _ in texts]), model.embed([p for _, p in texts])
    it = iter(torch.nn.functional.cosine_similarity(qs, ps).tolist())
    per_row = [max(next(it) for _ in r.texts) for r in rows]
    cells = []
    for app in APP_NAMES:
        idx = [i for i, r in enumerate(rows) if APPS[r.source] == app]
        sub = [rows[i] for i in idx]
        cells.append(f"{auc(sub, [per_row[i] for i in idx], True):.3f}")
    print("bi-encoder cosine (untrained), AUC per app, judged rows: " + " ".join(cells))


def cost(rows: list[TextRow], max_len: int, trainable: int) -> None:
    """ONNX fp32 and int8 (dynamic): size, agreement with torch on appc (the model that never
    saw it), ms per (question, passages) pair at 128 and 256 tokens, one thread."""
    import crossencoder as ce
    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    torch.set_num_threads(1)
    folder = ce.model_dir()
    assert folder is not None
    model = ce.CrossEncoder(folder, max_len, trainable)
    model.restore(torch.load(WEIGHTS), seed=15, head=True)
    held = [r for r in rows if APPS[r.source] == APP_NAMES[3]]
    pairs = [t for r in held for t in r.texts]
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "answerability.onnx", Path(tmp) / "answerability-int8.onnx"
        model.export(fp32)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        runs = {"torch": model.score(pairs)}
        sessions = {}
        for name, path in (("onnx fp32", fp32), ("onnx int8", int8)):
            sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            sessions[name] = (sess, path.stat().st_size)
            got = []
            for q, p in pairs:
                enc = model.tokenizer(q, p, truncation="only_second", max_length=max_len)
                feeds = {
                    k: np.array([enc[k]], dtype=np.int64)
                    for k in ("input_ids", "attention_mask", "token_type_ids")
                }
                got.append(float(1 / (1 + np.exp(-sess.run(None, feeds)[0][0]))))
            runs[name] = got
        print(f"\nONNX on {APP_NAMES[3]} (the model trained on the other three apps):")
        for name, got in runs.items():
            it = iter(got)
            per_row = [max(next(it) for _ in r.texts) for r in held]
            diff = max(abs(a - b) for a, b in zip(got, runs["torch"], strict=True))
            print(f"  {name:9} AUC {auc(held, per_row, False):.3f}, max |p - torch| {diff:.4f}")
        print(
            "\ncost per (question, passages) pair, onnxruntime, 1 thread, batch 1, median of 50 "
            "(CPU time: the machine is shared; wall time beside it)"
        )
        rng = np.random.default_rng(15)
        for name, (sess, size) in sessions.items():
            cells = []
            for n in (128, 256):
                feeds = {
                    "input_ids": rng.integers(1000, 30000, (1, n), dtype=np.int64),
                    "attention_mask": np.ones((1, n), dtype=np.int64),
                    "token_type_ids": np.zeros((1, n), dtype=np.int64),
                }
                for _ in range(5):
                    sess.run(None, feeds)
                cpu, wall = [], []
                for _ in range(50):
                    c0, t0 = time.process_time(), time.perf_counter()
                    sess.run(None, feeds)
                    cpu.append((time.process_time() - c0) * 1000)
                    wall.append((time.perf_counter() - t0) * 1000)
                cells.append(
                    f"{n} tokens {statistics.median(cpu):5.1f} CPU-ms "
                    f"({statistics.median(wall):5.1f} ms wall)"
                )
            print(f"  {name:9} {size / 1e6:5.1f} MB  " + ", ".join(cells))
