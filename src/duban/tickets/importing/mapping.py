"""The column mapping: which source header holds which duban field.

A mapping is a dict ``{source header: field}``. :data:`DEFAULT_MAPPING` knows the headers a
12345 platform's export usually has (工单编号, 来电时间, 来电人, 联系电话, 诉求内容, 诉求类型,
承办单位, 办结时间, 满意度 …, with their common variants); a JSON file (``{"列名": "字段"}``)
or ``列名=字段`` options add to it or override it, and a header mapped to ``""`` or ``"-"``
is ignored. Only the headers present in the file matter: the default names several variants
of a field, the file has one of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

# duban's fields an export may fill, with the label the validation report shows.
FIELDS: dict[str, str] = {
    "number": "工单编号",
    "created_at": "来电时间",
    "caller_name": "来电人",
    "caller_phone": "联系电话",
    "title": "标题",
    "content": "诉求内容",
    "appeal_type": "诉求类型",
    "category": "问题分类",
    "unit": "承办单位",
    "location": "诉求地址",
    "replied_at": "答复时间",
    "reply_text": "答复内容",
    "closed_at": "办结时间",
    "resolved": "是否解决",
    "satisfaction": "满意度",
}
# Every imported ticket needs these (the title falls back to the content's first words).
REQUIRED = ("created_at", "content", "appeal_type", "unit", "closed_at")

DEFAULT_MAPPING: dict[str, str] = {
    "工单编号": "number",
    "工单号": "number",
    "来电时间": "created_at",
    "受理时间": "created_at",
    "登记时间": "created_at",
    "来电人": "caller_name",
    "诉求人": "caller_name",
    "来电人姓名": "caller_name",
    "联系电话": "caller_phone",
    "来电号码": "caller_phone",
    "联系方式": "caller_phone",
    "标题": "title",
    "工单标题": "title",
    "诉求标题": "title",
    "诉求内容": "content",
    "来电内容": "content",
    "诉求类型": "appeal_type",
    "问题分类": "category",
    "诉求分类": "category",
    "业务分类": "category",
    "承办单位": "unit",
    "主办单位": "unit",
    "诉求地址": "location",
    "事发地点": "location",
    "地点": "location",
    "答复时间": "replied_at",
    "答复内容": "reply_text",
    "办理结果": "reply_text",
    "办结时间": "closed_at",
    "是否解决": "resolved",
    "解决情况": "resolved",
    "满意度": "satisfaction",
    "满意度评价": "satisfaction",
}


class MappingError(ValueError):
    """A mapping that cannot be used (the message is Chinese, for the person running it)."""


def _checked(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for header, field in pairs:
        header, field = str(header).strip(), str(field).strip()
        if field in ("", "-"):
            out[header] = ""
            continue
        if field not in FIELDS:
            known = "、".join(FIELDS)
            raise MappingError(f"列「{header}」映射到未知字段「{field}」（可用字段：{known}）")
        out[header] = field
    return out


def load_mapping(path: Path | None = None, options: Iterable[str] = ()) -> dict[str, str]:
    """The default mapping, then a JSON file's entries, then ``列名=字段`` options."""
    mapping = dict(DEFAULT_MAPPING)
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise MappingError(f"映射文件无法读取：{exc}") from exc
        if not isinstance(data, dict):
            raise MappingError('映射文件应为 JSON 对象：{"源列名": "字段"}')
        mapping.update(_checked(data.items()))
    pairs = []
    for option in options:
        header, sep, field = option.partition("=")
        if not sep:
            raise MappingError(f"映射「{option}」应写作 列名=字段")
        pairs.append((header, field))
    mapping.update(_checked(pairs))
    return mapping


def resolve(header: list[str], mapping: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    """Column index of each field found in ``header``, and the problems of the header.

    A field mapped from two columns present in the file is a problem (which one holds it?),
    as is a required field no column maps to.
    """
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, name in enumerate(header):
        field = mapping.get(name.strip(), "")
        if not field:
            continue
        if field in columns:
            first = header[columns[field]]
            problems.append(f"列「{first}」和「{name}」都映射到「{FIELDS[field]}」")
            continue
        columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            problems.append(f"缺少必需的列：{FIELDS[field]}（字段 {field}）")
    return columns, problems
