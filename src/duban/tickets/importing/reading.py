"""Rows of an export file, every value as text: CSV (UTF-8 or GBK, detected) or ``.xlsx``.

CSV: a UTF-8 file (with or without the BOM Excel writes) is read as UTF-8; anything else
that decodes as GB18030 — the superset of GBK that Chinese Excel saves "CSV" in — as that.
Excel: the first sheet, read with openpyxl in read-only mode (rows stream, the workbook is
never held whole); dates become ``YYYY-MM-DD HH:MM:SS``, whole numbers lose their ``.0``
(a phone typed as a number), a formula is kept as the text it is, never evaluated.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

SNIFF_BYTES = 1 << 20
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class ReadError(ValueError):
    """A file that cannot be read as an export (message in Chinese)."""


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` or ``gb18030``, from the first megabyte of the file."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end is no error
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ReadError("文件编码无法识别（应为 UTF-8 或 GBK）") from exc
    return "gb18030"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    encoding = detect_encoding(path)
    try:
        with path.open(newline="", encoding=encoding) as fh:
            yield from csv.reader(fh)
    except UnicodeDecodeError as exc:
        raise ReadError(f"文件编码不一致：第 {exc.start} 字节附近无法按 {encoding} 解码") from exc
    except csv.Error as exc:
        raise ReadError(f"CSV 格式错误：{exc}") from exc


def _excel_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException…
        raise ReadError(f"Excel 文件无法打开：{exc}") from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_text(v) for v in row]
    finally:
        book.close()


def read_rows(path: Path) -> Iterator[list[str]]:
    """The file's rows, the header first; blank rows are skipped by the caller."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _excel_rows(path)
    return _csv_rows(path)
