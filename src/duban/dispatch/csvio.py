"""Robust CSV reading for dispatch data files.

Detects UTF-8, UTF-8 with BOM and GBK/GB18030, validates the required
columns and raises :class:`CsvInputError` with a readable message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

# Refuse absurdly large files rather than exhausting memory.
MAX_FILE_BYTES = 512 * 1024 * 1024

csv.field_size_limit(16 * 1024 * 1024)


class CsvInputError(ValueError):
    """A CSV file cannot be used: missing, empty, bad encoding or wrong columns."""


def decode_bytes(raw: bytes, *, name: str = "<data>") -> tuple[str, str]:
    """Decode ``raw`` trying UTF-8 (with/without BOM) then GB18030. Returns (text, encoding)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise CsvInputError(
                f"{name}: 文件编码错误 / file has a UTF-8 BOM but invalid UTF-8 at byte {exc.start + 3}"
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312.
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise CsvInputError(
            f"{name}: 无法识别的文件编码 / unrecognised encoding (expected UTF-8, UTF-8-BOM or GBK/GB18030)"
        ) from None


def read_rows(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    optional: Sequence[str] = (),
) -> list[dict[str, str]]:
    """Read a CSV file into a list of dicts; validates that ``required`` columns exist.

    Columns in ``optional`` that are absent are filled with empty strings.
    Header names are stripped of whitespace. Raises :class:`CsvInputError`.
    """
    path = Path(path)
    if not path.exists():
        raise CsvInputError(f"{path}: 文件不存在 / file not found")
    if path.is_dir():
        raise CsvInputError(f"{path}: 是目录而不是文件 / is a directory, not a CSV file")
    size = path.stat().st_size
    if size == 0:
        raise CsvInputError(f"{path}: 文件为空 / file is empty")
    if size > MAX_FILE_BYTES:
        raise CsvInputError(f"{path}: 文件过大 / file too large ({size} bytes > {MAX_FILE_BYTES})")
    text, _enc = decode_bytes(path.read_bytes(), name=str(path))
    return parse_text(text, required=required, optional=optional, name=str(path))


def parse_text(
    text: str,
    *,
    required: Sequence[str] = (),
    optional: Sequence[str] = (),
    name: str = "<data>",
) -> list[dict[str, str]]:
    if not text.strip():
        raise CsvInputError(f"{name}: 文件为空 / file is empty")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise CsvInputError(f"{name}: 缺少表头 / missing header row")
        header = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise CsvInputError(
                f"{name}: 缺少列 / missing column(s): {', '.join(missing)} "
                f"(found: {', '.join(header)})"
            )
        rows = []
        for raw in reader:
            if not raw or not any(cell.strip() for cell in raw):
                continue
            row = {h: (raw[i] if i < len(raw) else "") for i, h in enumerate(header)}
            for c in optional:
                row.setdefault(c, "")
            rows.append(row)
    except csv.Error as exc:
        raise CsvInputError(f"{name}: CSV 格式错误 / malformed CSV: {exc}") from None
    if not rows:
        raise CsvInputError(f"{name}: 没有数据行 / no data rows after the header")
    return rows


def parse_columns(spec: str) -> list[str]:
    """Parse a comma-separated column list such as ``"title,text"``."""
    cols = [c.strip() for c in spec.split(",") if c.strip()]
    if not cols:
        raise CsvInputError(f"empty column list: {spec!r}")
    return cols
