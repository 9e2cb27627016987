"""Does a candidate's gain hold across apps, or is it the search's luck? (issue 15)

    python bench/answerability_loao.py --auc
        # each candidate feature's AUC per app (clapnq, the example and each DEV app)
    python bench/answerability_loao.py --compare=matched,ask_specific,sentence_unseen@0.01
        # a paired bootstrap of leave-one-app-out: the named features (L2 after @) against
        # the shipped model, on the same resampled questions (repeatable; --rounds=200)
    python bench/answerability_loao.py --models --compare=sentence_pair,ask_specific
        # instead of the bootstrap: each model's LOAO AUC and balanced accuracy per app
    python bench/answerability_loao.py --no-point-veto --models \
        --compare=sentence,ask_specific,point_modifier
        # the point-kind veto off, so that its evidence (point_modifier) can be a feature
    python bench/answerability_loao.py --no-point-veto --veto=point_modifier --rounds=100
        # the shipped model with and without a part vetoed where the feature is 1: LOAO per
        # app, then a paired bootstrap of the difference

The DEV questions and their features are those of ``answerability_fit.py`` (never a held-out
split). ``--compare`` resamples the questions within each app with replacement, runs
leave-one-app-out for both models on each sample, and prints the median and the 90%
interval of the difference in the LOAO mean and worst app, and how often it is above 0.
Picking the best of hundreds of subsets on one sample inflates its figure (the winner's
curse); a gain that holds is above 0 on most samples.
"""

from __future__ import annotations

import random
import sys

from answerability_fit import ALL_FEATURES, APPS, Names, Row, dev_rows, fit, loso, merit, score

from stanchion.knowledge import answerability

ROUNDS = 200


def auc_of(pos: list[float], neg: list[float]) -> float:
    """The chance an answerable question scores above an unanswerable one (ties half)."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def print_auc(rows: list[Row]) -> None:
    """Each candidate feature's AUC per app (the best part of a message; vetoed left out)."""
    apps = list(dict.fromkeys(APPS.values()))
    print("feature AUC per app: " + " ".join(f"{a:>8}" for a in apps))
    for name in ALL_FEATURES:
        cells = []
        for app in apps:
            xs = [
                (max(x[name] for x in r.parts if x is not None), r.answerable)
                for r in rows
                if APPS[r.source] == app and any(x is not None for x in r.parts)
            ]
            pos = [v for v, ok in xs if ok]
            cells.append(auc_of(pos, [v for v, ok in xs if not ok]))
        print(f"  {name:18} " + " ".join(f"{c:8.3f}" for c in cells))


def loao_auc(rows: list[Row], names: Names, l2: float) -> dict[str, tuple[float, float]]:
    """Each app left out: the model fitted on the others, (AUC of its score on the left-out
    app's judged messages, balanced accuracy at the threshold chosen on the others)."""
    out = {}
    for held, (_, a, u) in loso(rows, l2, names).items():
        train = [r for r in rows if APPS[r.source] != held]
        w = fit(train, l2, names)
        test = [r for r in rows if APPS[r.source] == held and any(x for x in r.parts)]
        pos = [score(w, r, names) for r in test if r.answerable]
        neg = [score(w, r, names) for r in test if not r.answerable]
        out[held] = (auc_of(pos, neg), (a + u) / 2)
    return out


def print_models(rows: list[Row], models: list[tuple[Names, float]]) -> None:
    """LOAO AUC and balanced accuracy per app of the shipped model and each challenger."""
    apps = list(dict.fromkeys(APPS.values()))
    print("LOAO per app (AUC judged / balanced at the others' threshold): " + " ".join(apps))
    shipped = (answerability.FEATURES, answerability.L2)
    for names, l2 in dict.fromkeys([shipped, *models]):
        res = loao_auc(rows, names, l2)
        aucs = [res[a][0] for a in apps]
        cells = " ".join(f"{res[a][0]:.3f}/{res[a][1]:.3f}" for a in apps)
        print(
            f"  {','.join(names)}@{l2}: {cells}  AUC mean {sum(aucs) / len(aucs):.3f} "
            f"worst {min(aucs):.3f}"
        )


def _spread(diffs: list[float]) -> str:
    d = sorted(diffs)
    n = len(d)
    above = sum(x > 0 for x in d) / n
    return f"{d[n // 2]:+.3f} [{d[n // 20]:+.3f}, {d[n - 1 - n // 20]:+.3f}], above 0 {above:.2f}"


def compare(rows: list[Row], names: Names, l2: float, rounds: int) -> None:
    """Paired bootstrap of the LOAO (mean, worst) of ``names`` minus the shipped model's."""
    shipped = (answerability.FEATURES, answerability.L2)
    by_app: dict[str, list[Row]] = {}
    for r in rows:
        by_app.setdefault(APPS[r.source], []).append(r)
    rng = random.Random(15)
    means, worsts = [], []
    for _ in range(rounds):
        sample = [rng.choice(group) for group in by_app.values() for _ in group]
        _, m0, w0 = merit(loso(sample, shipped[1], shipped[0]))
        _, m1, w1 = merit(loso(sample, l2, names))
        means.append(m1 - m0)
        worsts.append(w1 - w0)
    print(f"{names} l2={l2} minus shipped {shipped[0]} l2={shipped[1]}, {rounds} samples:")
    print(f"  LOAO mean  {_spread(means)}")
    print(f"  LOAO worst {_spread(worsts)}")


def _vetoed(rows: list[Row], feature: str) -> list[Row]:
    return [
        Row(r.source, r.id, r.answerable, [None if x and x[feature] else x for x in r.parts])
        for r in rows
    ]


def compare_veto(rows: list[Row], feature: str, rounds: int) -> None:
    """The shipped model's LOAO without and with a veto where ``feature`` is 1 (thresholds
    chosen on the other apps as ever), then a paired bootstrap of the difference."""
    names, l2 = answerability.FEATURES, answerability.L2
    vetoed = _vetoed(rows, feature)
    for label, group in (("without", rows), ("with", vetoed)):
        res = loso(group, l2, names)
        cells = " ".join(f"{a} {(s + d) / 2:.3f} ({s:.3f}/{d:.3f})" for a, (_, s, d) in res.items())
        _, mean, low = merit(res)
        print(f"  {label} the {feature} veto: {cells}; mean {mean:.3f}, worst {low:.3f}")
    by_app: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_app.setdefault(APPS[r.source], []).append(i)
    rng = random.Random(15)
    means, worsts = [], []
    for _ in range(rounds):
        idx = [rng.choice(group) for group in by_app.values() for _ in group]
        _, m0, w0 = merit(loso([rows[i] for i in idx], l2, names))
        _, m1, w1 = merit(loso([vetoed[i] for i in idx], l2, names))
        means.append(m1 - m0)
        worsts.append(w1 - w0)
    print(f"  with minus without, {rounds} samples: mean {_spread(means)}; worst {_spread(worsts)}")


def parse_model(arg: str) -> tuple[Names, float]:
    features, _, l2 = arg.removeprefix("--compare=").partition("@")
    return tuple(features.split(",")), float(l2) if l2 else answerability.L2


def main(args: list[str]) -> None:
    models = [parse_model(a) for a in args if a.startswith("--compare=")]
    rounds = next((int(a.split("=")[1]) for a in args if a.startswith("--rounds=")), ROUNDS)
    vetoes = [a.removeprefix("--veto=") for a in args if a.startswith("--veto=")]
    known = ("--auc", "--compare=", "--rounds=", "--models", "--no-point-veto", "--veto=")
    if not args or any(not a.startswith(known) for a in args):
        sys.exit(
            "usage: answerability_loao.py [--auc] [--compare=a,b[@l2] ...] [--rounds=N]"
            " [--no-point-veto] [--veto=feature]"
        )
    if any(n not in ALL_FEATURES for names, _ in models for n in (*names, *vetoes)):
        sys.exit(f"features are among {ALL_FEATURES}")
    if "--no-point-veto" in args:
        answerability.POINT_KINDS = False
    rows = dev_rows()
    for feature in vetoes:
        compare_veto(rows, feature, rounds)
    if "--auc" in args:
        print_auc(rows)
    if "--models" in args:
        print_models(rows, models)
        return
    for names, l2 in models:
        compare(rows, names, l2, rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
