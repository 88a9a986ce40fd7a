"""The monthly circular (月度通报) as a Word document in the official layout (GB/T 9704 flavour).

A4 with the standard margins (top 37 mm, bottom 35 mm, inside 28 mm, outside 26 mm), the
issuing body in red over the number (文号) and a red rule, the title centred in 小标宋,
the addressees, body text in 仿宋 三号 with first-line indents, headings in 黑体 and 楷体,
the boards and the full overdue list as tables, the issuing body and date at the end and
the page number ("— 1 —") at the foot. East-Asian font names are set on ``w:eastAsia``
(Word ignores the Latin font name for Chinese text).

Large lists: the overdue rows are appended as raw table XML (python-docx's ``add_row`` plus
``cell.text`` costs several milliseconds a row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from duban.core.periods import PERIOD_TZ
from duban.metrics.excel import rank_change_text
from duban.metrics.figures import RankingEntry
from duban.tickets.models import Ticket

from .selectors_circular import Circular, percent

FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
LATIN = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT = 16  # 三号
TABLE_PT = 10.5  # 五号
TITLE_PT = 22  # 二号
TEXT_WIDTH_MM = 156


def _fonts(rpr_owner: object, east_asia: str, latin: str = LATIN) -> None:
    """Set the Latin and East-Asian font names of a run or style."""
    rpr = rpr_owner.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(
    p: Paragraph,
    text: str,
    *,
    font: str = FANGSONG,
    size: float = BODY_PT,
    bold: bool = False,
    color: RGBColor | None = None,
) -> None:
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _fonts(run._r, font)


def _para(
    doc: Document,  # type: ignore[valid-type]
    text: str = "",
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    font: str = FANGSONG,
    size: float = BODY_PT,
    bold: bool = False,
    color: RGBColor | None = None,
) -> Paragraph:
    p = doc.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        _run(p, text, font=font, size=size, bold=bold, color=color)
    return p


def _setup(doc: Document) -> None:  # type: ignore[valid-type]
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The template's defaults name theme fonts, which would win over the names set below.
    for fonts in doc.styles.element.iter(qn("w:rFonts")):  # type: ignore[attr-defined]
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
    normal = doc.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element, FANGSONG)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", size=14)
    footer._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        )
    )
    _run(footer, " —", size=14)


# The children of w:pPr that follow w:pBdr (ECMA-376 CT_PPrBase, as in python-docx's CT_PPr).
AFTER_PBDR = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap"),
    *("w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi"),
    *("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing"),
    *("w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment"),
    *("w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr"),
    "w:pPrChange",
)


def _red_rule(p: Paragraph) -> None:
    """A red line under the paragraph (the 版头 separator)."""
    border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" w:space="4" '
        'w:color="C00000"/></w:pBdr>'
    )
    # In schema order: Word refuses a file whose paragraph properties are out of order.
    p._p.get_or_add_pPr().insert_element_before(border, *AFTER_PBDR)


def _header(doc: Document, c: Circular) -> None:  # type: ignore[valid-type]
    # As large as one line of the text width allows, at most 一号-and-a-half.
    size = min(36.0, TEXT_WIDTH_MM / 25.4 * 72 / max(len(c.issuer), 1))
    _para(
        doc,
        c.issuer,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=XIAOBIAOSONG,
        size=size,
        color=RED,
    ).paragraph_format.line_spacing = Pt(size * 1.5)
    _para(doc)
    _red_rule(_para(doc, c.number, align=WD_ALIGN_PARAGRAPH.CENTER))
    _para(doc)
    title = _para(doc, c.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=XIAOBIAOSONG, size=TITLE_PT)
    title.paragraph_format.line_spacing = Pt(36)
    _para(doc)


def _cell_xml(text: str, *, font: str, bold: bool = False, right: bool = False) -> str:
    size = int(TABLE_PT * 2)
    jc = '<w:jc w:val="right"/>' if right else ""
    b = "<w:b/>" if bold else ""
    fonts = f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:cs="{LATIN}" w:eastAsia="{font}"/>'
    return (
        '<w:tc><w:p><w:pPr><w:spacing w:line="300" w:lineRule="exact"/>'
        f'<w:ind w:firstLine="0"/>{jc}</w:pPr><w:r><w:rPr>{fonts}{b}'
        f'<w:sz w:val="{size}"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t>'
        "</w:r></w:p></w:tc>"
    )


def _row_xml(values: Sequence[str], *, header: bool = False, numeric: Sequence[int] = ()) -> str:
    head = (
        "<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>"
        if header
        else "<w:trPr><w:cantSplit/></w:trPr>"
    )
    cells = "".join(
        _cell_xml(v, font=HEITI if header else FANGSONG, bold=header, right=i in numeric)
        for i, v in enumerate(values)
    )
    return f"<w:tr {nsdecls('w')}>{head}{cells}</w:tr>"


def _table(
    doc: Document,  # type: ignore[valid-type]
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths_mm: Sequence[float],
    numeric: Sequence[int] = (),
) -> Table:
    table = doc.add_table(rows=0, cols=len(headers))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(width / 25.4 * 1440)))
    tbl = table._tbl
    tbl.append(parse_xml(_row_xml(headers, header=True)))
    for values in rows:
        tbl.append(parse_xml(_row_xml(values, numeric=numeric)))
    return table


BOARD_HEADERS = (
    "名次",
    "单位",
    "派单量",
    "响应率",
    "解决率",
    "满意率",
    "超期件",
    "综合得分",
    "较上月",
)
BOARD_WIDTHS = (11, 36, 14, 16, 16, 16, 14, 16, 17)


def _board_rows(entries: Iterable[RankingEntry]) -> Iterable[Sequence[str]]:
    for e in entries:
        f = e.figures
        yield (
            str(e.rank or ""),
            e.unit_name,
            str(f.dispatched),
            percent(f.response_rate),
            percent(f.resolution_rate),
            percent(f.satisfaction_rate),
            str(f.overdue_count),
            "—" if e.composite is None else f"{e.composite:.2f}",
            rank_change_text(e),
        )


OVERDUE_HEADERS = ("序号", "工单编号", "主办单位", "标题", "办理时限", "答复时间", "超时(天)")
OVERDUE_WIDTHS = (11, 27, 24, 44, 18, 18, 14)


def _local(moment: object) -> str:
    return moment.astimezone(PERIOD_TZ).strftime("%m-%d %H:%M") if moment else ""  # type: ignore[attr-defined]


def _overdue_rows(tickets: Iterable[Ticket]) -> Iterable[Sequence[str]]:
    for n, t in enumerate(tickets, start=1):
        late = getattr(t, "late_days", None)
        yield (
            str(n),
            t.number,
            t.primary_unit.name if t.primary_unit else "—",
            t.title,
            _local(t.handle_due),
            _local(t.replied_at) or _("未答复"),
            "" if late is None else f"{late:.1f}",
        )


def _heading(doc: Document, text: str, *, font: str = HEITI) -> None:  # type: ignore[valid-type]
    _para(doc, text, indent=True, font=font)


def circular_docx(c: Circular, overdue: Iterable[Ticket]) -> bytes:
    """The circular as a .docx file: header, figures, both boards, every overdue ticket."""
    doc = Document()
    _setup(doc)
    doc.core_properties.title = c.title
    doc.core_properties.author = c.issuer
    _header(doc, c)
    _para(doc, c.addressees)
    _para(doc, c.opening, indent=True)
    _heading(doc, _("一、总体情况"))
    _para(doc, c.summary, indent=True)
    for number, title, pick in (
        (_("二、"), _("飞虎榜"), lambda r: r.top),
        (_("三、"), _("蜗牛榜"), lambda r: r.bottom),
    ):
        _heading(doc, f"{number}{title}")
        for i, (label, ranking) in enumerate(c.boards):
            _heading(doc, f"（{'一二'[i]}）{label}", font=KAITI)
            _table(
                doc,
                [_(h) for h in BOARD_HEADERS],
                _board_rows(pick(ranking)),
                BOARD_WIDTHS,
                numeric=range(2, 8),
            )
    _para(
        doc,
        _("派单量不少于%(n)d件的单位参与排名；名次变化与%(prev)s相比。")
        % {"n": c.streets.min_volume, "prev": c.streets.previous_period},
        indent=True,
        size=14,
    )
    _heading(doc, _("四、超期工单（共%(n)d件）") % {"n": c.overdue_total})
    _para(
        doc,
        _("本月派发、截至统计时间已超过办理时限的工单（仍在办理，或超时后才答复），逐件列出如下。"),
        indent=True,
    )
    _table(
        doc, [_(h) for h in OVERDUE_HEADERS], _overdue_rows(overdue), OVERDUE_WIDTHS, numeric=(6,)
    )
    _heading(doc, _("五、工作要求"))
    _para(doc, c.closing, indent=True)
    _para(doc)
    _para(doc)
    for line in (c.issuer, c.date_text):
        p = _para(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(BODY_PT * 4)  # 右空四字
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
