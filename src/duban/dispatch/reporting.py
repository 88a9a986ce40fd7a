"""Plain-text rendering of the reports produced by the dispatch commands."""

from __future__ import annotations

import json
from typing import Any


def _classification(report: dict[str, Any]) -> list[str]:
    lines = [
        f"rows: {report['n']}",
        f"macro-F1: {report['macro_f1']:.4f}",
        f"accuracy: {report['accuracy']:.4f}",
        "",
        f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
    ]
    for lab, m in report["per_class"].items():
        lines.append(
            f"{lab:<16}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}{m['support']:>9}"
        )
    lines += ["", "confusion matrix (rows = true, columns = predicted):"]
    labels = report["labels"]
    lines.append("  " + " ".join(f"[{i}]" for i in range(len(labels))))
    for i, row in enumerate(report["confusion_matrix"]):
        lines.append(f"[{i}] " + " ".join(f"{v:>4}" for v in row) + f"  {labels[i]}")
    lines += ["", "coverage at precision (share auto-dispatchable, confidence threshold):"]
    for t, cov in report["coverage_at_precision"].items():
        thr = report["confidence_thresholds"].get(t)
        thr_s = "-" if thr is None else f"{thr:.4f}"
        lines.append(f"  precision >= {t}: coverage {cov:.4f} (threshold {thr_s})")
    if "threshold_note" in report:
        lines.append(f"  note: {report['threshold_note']}")
    extra = [
        ("per_second", "predictions/s (one core)"),
        ("single_ms", "single suggestion latency, median ms"),
        ("single_ms_max", "single suggestion latency, max ms"),
        ("model_bytes", "model size (bytes)"),
        ("train_seconds", "train time (s)"),
        ("fit_seconds_mean", "mean fit time per fold (s)"),
        ("cv_seconds", "total CV time (s)"),
    ]
    lines.append("")
    for key, name in extra:
        if report.get(key) is not None:
            lines.append(f"{name}: {report[key]}")
    return lines


def format_report(report: Any, kind: str) -> str:
    if kind in ("evaluate", "cv"):
        return "\n".join(_classification(report))
    if isinstance(report, dict):
        lines = []
        for key, value in report.items():
            if isinstance(value, dict | list):
                lines.append(f"{key}:")
                text = json.dumps(value, ensure_ascii=False, indent=2)
                lines.extend("  " + ln for ln in text.splitlines())
            else:
                lines.append(f"{key}: {value}")
        return "\n".join(lines)
    return json.dumps(report, ensure_ascii=False, indent=2)
