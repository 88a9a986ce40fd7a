"""Load labelled appeal CSVs into (documents, labels) for the classifier."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from duban.dispatch.csvio import CsvInputError, read_rows
from duban.dispatch.text import normalize

# Texts beyond this many characters are accepted but truncated (see text.MAX_TEXT_CHARS).
DEFAULT_TEXT_COLS = ("title", "text")
DEFAULT_LABEL_COL = "label"


def load_labelled(
    path: str | Path,
    *,
    text_cols: Sequence[str] = DEFAULT_TEXT_COLS,
    label_col: str | None = DEFAULT_LABEL_COL,
) -> tuple[list[str], list[str], list[str]]:
    """Return (ids, documents, labels). Rows whose text columns are all empty are skipped.

    The text columns are joined with " 。 " (first column is usually the title).
    ``label_col=None`` reads unlabelled data (labels are empty strings).
    """
    required = list(text_cols) + ([label_col] if label_col else [])
    rows = read_rows(path, required=required, optional=("id",))
    ids, docs, labels = [], [], []
    for n, row in enumerate(rows, start=2):
        parts = [normalize(row.get(c, "")) for c in text_cols]
        doc = " 。 ".join(p for p in parts if p)
        if not doc:
            continue
        label = (row.get(label_col) or "").strip() if label_col else ""
        if label_col and not label:
            raise CsvInputError(f"{path}: 第 {n} 行缺少标签 / row {n} has an empty '{label_col}'")
        ids.append(row.get("id") or str(n - 2))
        docs.append(doc)
        labels.append(label)
    if not docs:
        raise CsvInputError(
            f"{path}: 所有文本为空 / every row has empty text in column(s) {', '.join(text_cols)}"
        )
    return ids, docs, labels
