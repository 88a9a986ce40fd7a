import pytest

from duban.dispatch.csvio import CsvInputError, read_rows
from duban.dispatch.datasets import load_labelled
from duban.dispatch.tests.conftest import write_csv


def test_reads_utf8_bom_and_gbk_identically(tmp_path, rows):
    plain = write_csv(tmp_path / "a.csv", rows)
    bom = write_csv(tmp_path / "b.csv", rows, encoding="utf-8-sig")
    gbk = write_csv(tmp_path / "c.csv", rows, encoding="gbk")
    assert gbk.read_bytes() != plain.read_bytes()
    a, b, c = (read_rows(p, required=("text", "label")) for p in (plain, bom, gbk))
    assert a == b == c
    assert a[0]["label"] in {"交通运输", "教育文体", "环境保护"}
    assert "id" in b[0]  # the BOM is not glued to the first header


def test_missing_column_is_named(tmp_path, rows):
    path = write_csv(tmp_path / "x.csv", rows, fieldnames=["id", "title", "text"])
    with pytest.raises(CsvInputError, match="missing column.*label"):
        read_rows(path, required=("text", "label"))


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CsvInputError, match="empty"):
        read_rows(empty)
    header = tmp_path / "header.csv"
    header.write_text("id,title,text,label\n", encoding="utf-8")
    with pytest.raises(CsvInputError, match="no data rows"):
        read_rows(header, required=("text",))


def test_missing_file_and_undecodable_bytes(tmp_path):
    with pytest.raises(CsvInputError, match="not found"):
        read_rows(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xef\xbb\xbftext\n\xff\xfe\xfa\n")
    with pytest.raises(CsvInputError, match="invalid UTF-8"):
        read_rows(bad)


def test_load_labelled_joins_title_and_skips_empty_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "id,title,text,label\n1,标题,正文\t内容,教育文体\n2,,,教育文体\n3,,只有正文,交通运输\n",
        encoding="utf-8",
    )
    ids, docs, labels = load_labelled(path)
    assert ids == ["1", "3"]
    assert docs == ["标题 。 正文 内容", "只有正文"]
    assert labels == ["教育文体", "交通运输"]


def test_load_labelled_rejects_empty_label(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("title,text,label\n,正文,\n", encoding="utf-8")
    with pytest.raises(CsvInputError, match="empty 'label'"):
        load_labelled(path)
