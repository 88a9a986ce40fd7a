"""How far the dispatch classifier is from its targets, and why (docs/dispatch.md).

    uv run python bench/dispatch_ceiling.py [--csv ../shared/data/tipdm2020c/appeals_train.csv]

On the 5-fold out-of-fold predictions of the shipped model (the same split as
`duban dispatch cv`) it prints: macro-F1 and coverage at precision 0.98 with bootstrap
95 % intervals; the confident errors (how many errors sit among the most confident 80 %,
against the 2 % a coverage of 0.80 at precision 0.98 allows); the most confused label
pairs; and a duplicate audit of the file (identical and near-identical bodies, how many
carry different labels — an estimate of label noise). Takes about three minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

DEFAULT_CSV = Path(__file__).resolve().parents[1] / "../shared/data/tipdm2020c/appeals_train.csv"


def bootstrap(y, pred, conf, classes, runs: int, seed: int = 0):
    import numpy as np

    from duban.dispatch.evaluation import classification_report

    rng = np.random.default_rng(seed)
    f1s, covs = [], []
    for _ in range(runs):
        i = rng.integers(0, len(y), len(y))
        r = classification_report(y[i], pred[i], conf[i], classes)
        f1s.append(r["macro_f1"])
        covs.append(r["coverage_at_precision"]["0.98"])
    return np.percentile(f1s, [2.5, 97.5]), np.percentile(covs, [2.5, 97.5])


def duplicate_audit(texts: list[str], labels, folds) -> dict[str, int]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from duban.dispatch.text import normalize

    key = [re.sub(r"[\W_]+", "", normalize(t)) for t in texts]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(key):
        groups[k].append(i)
    dup = [g for g in groups.values() if len(g) > 1]
    x = TfidfVectorizer(analyzer="char", ngram_range=(3, 3), sublinear_tf=True).fit_transform(
        [normalize(t) for t in texts]
    )
    sim = (x @ x.T).tocoo()
    near = (sim.row < sim.col) & (sim.data >= 0.8)
    a, b = sim.row[near], sim.col[near]
    return {
        "identical-body groups": len(dup),
        "rows in them": sum(len(g) for g in dup),
        "groups with different labels": sum(1 for g in dup if len(set(labels[g])) > 1),
        "near-duplicate pairs (cosine >= 0.8)": int(near.sum()),
        "  with different labels": int((labels[a] != labels[b]).sum()),
        "  split across folds": int((folds[a] != folds[b]).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from duban.dispatch.classifier import train_from_pairs
    from duban.dispatch.datasets import load_labelled
    from duban.dispatch.evaluation import classification_report, out_of_fold_proba

    _ids, docs, labels = load_labelled(args.csv)
    y = np.asarray(labels, dtype=object)
    started = time.perf_counter()
    classes, proba, _ = out_of_fold_proba(
        docs,
        labels,
        fit=train_from_pairs,
        folds=args.folds,
        progress=lambda i, n: print(
            f"  fold {i}/{n} ({time.perf_counter() - started:.0f} s)", file=sys.stderr
        ),
    )
    pred = np.asarray(classes, dtype=object)[proba.argmax(1)]
    conf = proba.max(1)
    report = classification_report(y, pred, conf, classes)
    f1_ci, cov_ci = bootstrap(y, pred, conf, classes, args.bootstrap)
    print(f"appeals: {len(y)}, {args.folds}-fold out-of-fold predictions of the shipped model")
    print(
        f"macro-F1 {report['macro_f1']:.4f} (95 % bootstrap {f1_ci[0]:.3f}–{f1_ci[1]:.3f}); target 0.94"
    )
    cov = report["coverage_at_precision"]["0.98"]
    print(
        f"coverage at precision 0.98: {cov:.3f} (95 % bootstrap {cov_ci[0]:.3f}–{cov_ci[1]:.3f}); target 0.80"
    )

    wrong = pred != y
    order = np.argsort(-conf)
    top = order[: int(0.8 * len(y))]
    allowed = int(0.02 * len(top))
    print(
        f"errors among the most confident 80 % ({len(top)} appeals): {int(wrong[top].sum())} "
        f"(precision {1 - wrong[top].mean():.3f}); a coverage of 0.80 at 0.98 allows {allowed}"
    )
    print(
        f"errors with confidence >= 0.9: {int((wrong & (conf >= 0.9)).sum())} of {int(wrong.sum())}"
    )
    pairs = Counter(tuple(sorted((a, b))) for a, b in zip(y[wrong], pred[wrong], strict=True))
    print("most confused label pairs (both directions):")
    for (a, b), n in pairs.most_common(6):
        print(f"  {a} / {b}: {n}")
    involved = Counter()
    for (a, b), n in pairs.items():
        involved[a] += n
        involved[b] += n
    label, n = involved.most_common(1)[0]
    print(f"label in the most errors: {label}, {n / wrong.sum():.0%} of them")

    fold_of = np.zeros(len(y), dtype=int)
    skf = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0)
    for k, (_, te) in enumerate(skf.split(np.zeros(len(y)), y)):
        fold_of[te] = k
    print("duplicate audit:")
    for name, value in duplicate_audit(docs, y, fold_of).items():
        print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
