"""Evaluation of the dispatch classifier: metrics, coverage at precision, CV."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

PRECISION_TARGETS = (0.95, 0.98, 0.99)


def coverage_at_precision(
    confidence: Sequence[float], correct: Sequence[bool], target: float
) -> tuple[float, float | None]:
    """Share of items auto-dispatched at the lowest threshold whose precision is >= target.

    Items are auto-dispatched when ``confidence >= threshold``. Among all
    thresholds (the distinct confidence values) the lowest one at which the
    precision of the auto-dispatched set is still >= ``target`` is chosen.
    Returns ``(coverage, threshold)``; ``(0.0, None)`` if no threshold works.
    """
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    n = len(conf)
    if n == 0:
        return 0.0, None
    order = np.argsort(-conf, kind="stable")
    conf_sorted = conf[order]
    hits = np.cumsum(ok[order])
    counts = np.arange(1, n + 1)
    # Only cut at the end of a run of tied confidences (a threshold keeps all ties).
    last_of_tie = np.r_[conf_sorted[1:] != conf_sorted[:-1], True]
    precision = hits / counts
    valid = np.where(last_of_tie & (precision >= target))[0]
    if len(valid) == 0:
        return 0.0, None
    k = valid.max()
    return float((k + 1) / n), float(conf_sorted[k])


def classification_report(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: Sequence[float],
    labels: Sequence[str],
    targets: Sequence[float] = PRECISION_TARGETS,
) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class P/R/F1, confusion matrix and coverage at precision."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    correct = y_true == y_pred
    coverage = {}
    thresholds = {}
    for t in targets:
        cov, thr = coverage_at_precision(confidence, correct, t)
        coverage[f"{t:.2f}"] = round(cov, 4)
        thresholds[f"{t:.2f}"] = None if thr is None else round(thr, 6)
    return {
        "n": int(len(y_true)),
        "labels": labels,
        "macro_f1": round(float(np.mean(f)), 4),
        "accuracy": round(float(np.mean(correct)), 4),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "coverage_at_precision": coverage,
        "confidence_thresholds": thresholds,
    }


def measure_throughput(
    predict: Callable[[list[str]], Any], texts: Sequence[str], *, min_seconds: float = 1.0
) -> dict[str, float]:
    """Predictions per second (batch) and latency of a single suggestion, on one core.

    Call this with BLAS limited to one thread (see :func:`single_core`).
    """
    texts = list(texts)
    if not texts:
        return {"per_second": 0.0, "single_ms": 0.0}
    done = 0
    start = time.perf_counter()
    while True:
        predict(texts)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
    per_second = done / elapsed
    singles = []
    for t in texts[:50]:
        t0 = time.perf_counter()
        predict([t])
        singles.append(time.perf_counter() - t0)
    return {
        "per_second": round(per_second, 1),
        "single_ms": round(1000 * float(np.median(singles)), 2),
        "single_ms_max": round(1000 * float(np.max(singles)), 2),
    }


def single_core() -> None:
    """Limit numeric libraries to one thread (for honest single-core throughput)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass
    if hasattr(os, "sched_setaffinity"):
        try:
            cpus = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {cpus[0]})
        except OSError:  # pragma: no cover
            pass


def out_of_fold_proba(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    fit: Callable[[list[str], list[str]], Any],
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[str], np.ndarray, list[float]]:
    """Stratified k-fold: (sorted classes, out-of-fold probabilities, fit seconds per fold).

    ``fit(texts, labels)`` must return a model with ``predict_proba(texts)`` and
    ``classes_``.
    """
    from sklearn.model_selection import StratifiedKFold

    texts = list(texts)
    y = np.asarray(labels, dtype=object)
    classes = sorted(set(y.tolist()))
    proba = np.zeros((len(texts), len(classes)))
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    fit_seconds = []
    for i, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
        t0 = time.perf_counter()
        model = fit([texts[j] for j in tr], y[tr].tolist())
        fit_seconds.append(time.perf_counter() - t0)
        p = model.predict_proba([texts[j] for j in te])
        idx = [classes.index(c) for c in model.classes_]
        proba[np.ix_(te, idx)] = p
        if progress:
            progress(i + 1, folds)
    return classes, proba, fit_seconds


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    fit: Callable[[list[str], list[str]], Any],
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold CV; the report is computed on out-of-fold predictions.

    Coverage thresholds are chosen on the same out-of-fold predictions they are
    reported on (stated in the report).
    """
    classes, proba, fit_seconds = out_of_fold_proba(
        texts, labels, fit=fit, folds=folds, seed=seed, progress=progress
    )
    y = np.asarray(labels, dtype=object)
    pred = np.asarray(classes, dtype=object)[proba.argmax(1)]
    report = classification_report(y, pred, proba.max(1), classes)
    report["folds"] = folds
    report["fit_seconds_mean"] = round(float(np.mean(fit_seconds)), 2)
    report["threshold_note"] = (
        "coverage thresholds were chosen on the same out-of-fold predictions they are reported on"
    )
    return report
