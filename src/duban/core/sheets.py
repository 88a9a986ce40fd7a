"""Text written into Excel exports stays inert text.

Whatever a citizen (or anyone) typed may start with ``=``, ``+``, ``-`` or ``@`` — the
characters a spreadsheet reads as the start of a formula — and may hold control characters
that the file format cannot carry (openpyxl raises ``IllegalCharacterError``, the export
would answer 500). Every export writes strings through ``safe_value`` (for ``Worksheet.append``
rows: ``safe_row``) or marks appended cells with ``mark_text``:

- control characters other than tab, line feed and carriage return are dropped;
- a string starting with a formula character is stored as a text cell (type ``s``) with
  Excel's quote prefix, so it shows as typed and never runs, even after the cell is edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@")


def clean_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_cell(ws: Any, value: str) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as text (quote-prefixed)."""
    cell = WriteOnlyCell(ws, value=clean_text(value))
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def safe_value(ws: Any, value: Any) -> Any:
    """``value`` ready for a write-only row: cleaned, formula-like strings as text cells."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return text_cell(ws, value) if is_formula_like(value) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``Worksheet.append`` (a regular sheet): strings cleaned; call
    ``mark_text`` on the appended row to keep formula-like strings as text."""
    return [clean_text(v) if isinstance(v, str) else v for v in values]


def mark_text(cells: Iterable[Any]) -> None:
    """Cells of a regular sheet just appended: a formula-like string stays text."""
    for cell in cells:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
