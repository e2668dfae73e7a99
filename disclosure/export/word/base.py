"""The base Word template: a .docx made for Chinese, holding the whole report as a docxtpl template.

``build()`` returns its bytes (deterministic); ``templates/build_base.py`` writes them to
``templates/report.docx``, the file a company copies to make its own branded template. The exporter
builds the same bytes in memory when that file is not at hand (an installed package).

Made for Chinese (see ../shared/docs/engineering.md): every style names its East-Asian font
explicitly (宋体 for text, 黑体 for headings; Times New Roman / Arial for Latin text) with no theme
font attributes left to override them; the document language is zh-CN for East-Asian text and the
settings' ``themeFontLang`` says zh-CN, so Word never falls back to a Japanese font; the font table
lists 宋体 and 黑体 with their English names. A4, margins 2.54 cm / 2.5 cm, a running header and a
page number from the second page on.

The contents page lists the chapters and their sections with page numbers: each heading carries a
hidden bookmark and its contents entry a ``PAGEREF`` field to it (no ``TOC`` field: LibreOffice shows
a TOC field's stored result as it is, while it computes a PAGEREF on layout, so the numbers are right
in its PDF; Word shows them once the reader updates the fields, F9: render.py does not ask it to on
opening, so the entries are links to the headings, without numbers, until then).

The template text is only ``{{ … }}`` references: every word comes from the text catalogue
(``text.yaml``) and every figure from ``results.json``, through the context built in context.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from .context import GOVERNANCE, RISK_MANAGEMENT, STRATEGY_NARRATIVES

LATIN_BODY, LATIN_HEAD = "Times New Roman", "Arial"
CJK_BODY, CJK_HEAD = "宋体", "黑体"
ACCENT = "1F5C4A"          # dark green-teal: headings, table header rows
ACCENT_LIGHT = "E8F1EC"
GREY = "6B6B6B"
TEXT_WIDTH_CM = 16.0       # A4 21 cm − 2 × 2.5 cm
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
BOOKMARK_PREFIX = "_contents_"   # a hidden bookmark (leading underscore) on each heading the contents list

FONT_TABLE = f"""<w:fonts {nsdecls('w', 'r')}>
<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="Arial"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>
</w:fonts>"""


# --- low-level XML helpers ---------------------------------------------------------------------------

def _set_fonts(rpr, latin: str, cjk: str) -> None:
    """rFonts with explicit names and no theme attributes (a theme font would win over the name)."""
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    f = OxmlElement("w:rFonts")
    for attr, val in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", cjk), ("w:cs", latin)):
        f.set(qn(attr), val)
    rpr.insert(0, f)


def _child(parent, tag: str, **attrs: str):
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    for k, v in attrs.items():
        el.set(qn(k), v)
    return el


def _strip_theme(root) -> None:
    """Remove every theme font and theme colour attribute below ``root``."""
    theme_attrs = [qn(a) for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme",
                                   "w:themeColor", "w:themeShade", "w:themeTint")]
    for el in root.iter():
        for a in theme_attrs:
            if a in el.attrib:
                del el.attrib[a]


def _shade(cell_or_ppr, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell_or_ppr.append(shd)


# --- styles --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Look:
    size: float
    cjk: str = CJK_BODY
    latin: str = LATIN_BODY
    bold: bool = False
    color: str | None = None
    before: float = 0
    after: float = 6
    line: float | None = 1.25       # multiple of single spacing
    align: str | None = None
    keep_next: bool = False
    page_break_before: bool = False


def _style(doc, name: str, look: Look, base: str | None = "Normal", kind: int = 1):
    styles = doc.styles
    try:
        st = styles[name]
    except KeyError:
        st = styles.add_style(name, kind)
        if base:
            st.base_style = styles[base]
        st.quick_style = True
    el = st.element
    _strip_theme(el)
    rpr = el.get_or_add_rPr()
    _set_fonts(rpr, look.latin, look.cjk)
    st.font.size = Pt(look.size)
    st.font.bold = look.bold
    st.font.italic = False
    if look.color:
        st.font.color.rgb = RGBColor.from_string(look.color)
    pf = st.paragraph_format
    pf.space_before = Pt(look.before)
    pf.space_after = Pt(look.after)
    if look.line is not None:
        pf.line_spacing = look.line
    if look.align:
        pf.alignment = getattr(WD_ALIGN_PARAGRAPH, look.align)
    pf.keep_with_next = look.keep_next        # explicit, so a style never inherits "keep with next"
    pf.page_break_before = look.page_break_before
    return st


def _styles(doc) -> None:
    styles_el = doc.styles.element
    _strip_theme(styles_el)
    # document defaults: explicit fonts, 10.5 pt (五号), zh-CN for East-Asian text
    rpr = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, LATIN_BODY, CJK_BODY)
    _child(rpr, "w:sz", **{"w:val": "21"})
    _child(rpr, "w:szCs", **{"w:val": "21"})
    _child(rpr, "w:lang", **{"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"})
    ppr = styles_el.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _child(ppr, "w:spacing", **{"w:after": "120", "w:line": "300", "w:lineRule": "auto"})
    # punctuation compression and line breaking as Chinese text expects
    for tag in ("w:kinsoku", "w:overflowPunct", "w:autoSpaceDE", "w:autoSpaceDN"):
        _child(ppr, tag)

    _style(doc, "Normal", Look(10.5), base=None)
    _style(doc, "Title", Look(26, CJK_HEAD, LATIN_HEAD, bold=True, color=ACCENT, before=0, after=18,
                              line=1.1))
    t = doc.styles["Title"].element.get_or_add_pPr()
    for b in t.findall(qn("w:pBdr")):
        t.remove(b)
    _style(doc, "Subtitle", Look(12, color=GREY, after=6))
    sub = doc.styles["Subtitle"].element.get_or_add_pPr()
    for n in sub.findall(qn("w:numPr")):
        sub.remove(n)
    _style(doc, "Cover Entity", Look(18, CJK_HEAD, LATIN_HEAD, bold=True, color="222222", before=150, after=12))
    _style(doc, "Cover Detail", Look(11, color="333333", after=4))
    _style(doc, "Heading 1", Look(16, CJK_HEAD, LATIN_HEAD, bold=True, color=ACCENT, before=0, after=18,
                                  keep_next=True, page_break_before=True))
    h1 = doc.styles["Heading 1"].element.get_or_add_pPr()
    bdr = parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="8" w:space="4" '
                    f'w:color="{ACCENT}"/></w:pBdr>')
    h1.append(bdr)
    _style(doc, "Heading 2", Look(13, CJK_HEAD, LATIN_HEAD, bold=True, color=ACCENT, before=14, after=8,
                                  keep_next=True))
    _style(doc, "Heading 3", Look(11, CJK_HEAD, LATIN_HEAD, bold=True, color="222222", before=10, after=4,
                                  keep_next=True))
    _style(doc, "Caption", Look(9, CJK_HEAD, LATIN_HEAD, bold=True, color="333333", before=8, after=4,
                                line=1.0, align="CENTER", keep_next=True))
    _style(doc, "Figure Caption", Look(9, CJK_HEAD, LATIN_HEAD, bold=True, color="333333", before=2,
                                       after=10, line=1.0, align="CENTER"), base="Caption")
    _style(doc, "Figure", Look(10.5, before=6, after=0, line=1.0, align="CENTER", keep_next=True))
    _style(doc, "Table Text", Look(9, after=0, line=1.05))
    _style(doc, "Table Number", Look(9, after=0, line=1.05, align="RIGHT"), base="Table Text")
    _style(doc, "Table Heading", Look(9, CJK_HEAD, LATIN_HEAD, bold=True, color="FFFFFF", after=0, line=1.05),
           base="Table Text")
    _style(doc, "Table Heading Number", Look(9, CJK_HEAD, LATIN_HEAD, bold=True, color="FFFFFF", after=0,
                                             line=1.05, align="RIGHT"), base="Table Heading")
    _style(doc, "Table Total", Look(9, CJK_HEAD, LATIN_HEAD, bold=True, after=0, line=1.05), base="Table Text")
    _style(doc, "Table Total Number", Look(9, CJK_HEAD, LATIN_HEAD, bold=True, after=0, line=1.05,
                                           align="RIGHT"), base="Table Total")
    _style(doc, "Not Disclosed", Look(10.5, color="9A6B00", after=6))
    nd = doc.styles["Not Disclosed"].element.get_or_add_pPr()
    nd.append(parse_xml(f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="18" w:space="6" '
                        'w:color="D9A441"/></w:pBdr>'))
    _style(doc, "Note", Look(9, color=GREY, after=6, line=1.15))
    _style(doc, "Contents Heading", Look(16, CJK_HEAD, LATIN_HEAD, bold=True, color=ACCENT, after=18,
                                         page_break_before=True))
    # the contents: a chapter in bold, its sections indented below it; the page number right-aligned
    # after a dotted leader (a tab stop at the right margin)
    # sizes and spacing such that the base report's contents (some 70 entries) fit one page
    _style(doc, "Contents Entry", Look(10.5, CJK_HEAD, LATIN_HEAD, bold=True, color="222222", before=4, after=0,
                                       line=1.0, keep_next=True))
    _style(doc, "Contents Entry 2", Look(9, after=0, line=1.0))
    doc.styles["Contents Entry 2"].paragraph_format.left_indent = Pt(21)     # two characters of 五号
    for name in ("Contents Entry", "Contents Entry 2"):
        doc.styles[name].paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT,
                                                                 WD_TAB_LEADER.DOTS)
    _style(doc, "List Item", Look(10.5, after=4))
    li = doc.styles["List Item"].element.get_or_add_pPr()
    li.append(parse_xml(f'<w:ind {nsdecls("w")} w:left="420" w:hanging="420"/>'))
    _style(doc, "Header", Look(8.5, color=GREY, after=0, line=1.0, align="RIGHT"))
    _style(doc, "Footer", Look(9, color=GREY, after=0, line=1.0, align="CENTER"))
    hdr = doc.styles["Header"].element.get_or_add_pPr()
    hdr.append(parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="4" w:space="4" '
                         'w:color="BFBFBF"/></w:pBdr>'))
    _strip_theme(styles_el)


# --- the document ------------------------------------------------------------------------------------

class _Writer:
    def __init__(self, doc) -> None:
        self.doc = doc
        self.headings: list[tuple[int, str, str]] = []     # (level, text expression, bookmark) in order
        self.contents_heading = None                        # the paragraph the contents follow
        self._style_ids: dict[str, str | None] = {}

    def styled(self, para, style: str):
        """``para.style = style``, the style's id looked up once per name: python-docx looks the
        name up, and compares the style with the default one, by a pass over every style each time
        (a third of the base report's build). The same id is written (None for the default)."""
        if style not in self._style_ids:
            self._style_ids[style] = self.doc.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        para._p.style = self._style_ids[style]
        return para

    def p(self, text: str = "", style: str = "Normal"):
        para = self.doc.add_paragraph()
        if text:
            para.add_run(text)
        return self.styled(para, style)

    def runs(self, parts: Sequence[tuple[str, bool]], style: str = "Normal"):
        """One paragraph of several runs, (text, bold) each."""
        para = self.doc.add_paragraph()
        for text, bold in parts:
            r = para.add_run(text)
            if bold:
                r.bold = True
        return self.styled(para, style)

    def tag(self, block: str) -> None:
        """A paragraph holding a docxtpl paragraph tag ({%p … %}), removed when rendered."""
        self.p("{%p " + block + " %}")

    def heading(self, level: int, expr: str, name: str) -> None:
        """A heading listed in the contents: bookmarked (``_contents_`` + ``name``, a hidden bookmark)
        for the page reference of its contents entry. Never inside a loop or a condition: the
        bookmark must be in the report exactly once."""
        para = self.p("{{ " + expr + " }}", f"Heading {level}")
        mark = BOOKMARK_PREFIX + name
        n = len(self.headings) + 1
        para._p.get_or_add_pPr().addnext(parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{n}" w:name="{mark}"/>'))
        para._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{n}"/>'))
        self.headings.append((level, expr, mark))

    def h1(self, key: str) -> None:
        self.heading(1, "t." + key, key)

    def h2(self, key: str) -> None:
        self.heading(2, "t." + key, key)

    def paras(self, expr: str, style: str = "Normal") -> None:
        self.tag(f"for x in {expr}")
        self.p("{{ x }}", style)
        self.tag("endfor")

    def narratives(self, expr: str, names: Sequence[str]) -> None:
        """A list of {title, paras} of fixed length (one item per name, in order): each titled, its
        paragraphs or "not disclosed". One block per item rather than a loop, so that each heading
        has its own bookmark."""
        for i, name in enumerate(names):
            s = f"{expr}[{i}]"
            self.heading(2, s + ".title", name)
            self.tag(f"for x in {s}.paras")
            self.p("{{ x }}")
            self.tag("endfor")
            self.tag(f"if not {s}.paras")
            self.p("{{ t.not_disclosed }}", "Not Disclosed")
            self.tag("endif")

    def contents(self) -> None:
        """The contents entries, after the contents heading: one per heading written, its text, a
        tab and a ``PAGEREF`` field to the heading's bookmark, all a link to the heading. The field's
        result is left empty: LibreOffice computes it when it lays the pages out, Word when it updates
        the fields (render asks it to on opening); until then the entry is the title alone."""
        after = self.contents_heading._p
        for level, expr, mark in self.headings:
            para = self.styled(self.doc.add_paragraph(), "Contents Entry" if level == 1 else "Contents Entry 2")
            link = parse_xml(
                f'<w:hyperlink {nsdecls("w")} w:anchor="{mark}" w:history="1">'
                '<w:r><w:t xml:space="preserve">{{ ' + expr + ' }}</w:t></w:r><w:r><w:tab/></w:r>'
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r><w:instrText xml:space="preserve"> PAGEREF {mark} \\h </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
                '</w:hyperlink>')
            para._p.append(link)
            after.addnext(para._p)
            after = para._p

    def figure(self, expr: str, caption_key: str) -> None:
        self.tag(f"if {expr}")
        self.p("{{ " + expr + " }}", "Figure")
        self.p("{{ t." + caption_key + " }}", "Figure Caption")
        self.tag("endif")

    def table(self, caption_key: str | None, loop: str, cols: Sequence[tuple[str, str, float, bool]],
              total: Sequence[str] | None = None, total_if: str | None = None, keep: bool = False) -> None:
        """A table: a caption, a header row, one row per item of ``loop`` ("r in m.rows"), an
        optional total row. ``cols``: (header expression, cell expression, width cm, numeric).
        ``keep``: the rows kept on one page (for short tables)."""
        if caption_key:
            self.p("{{ t." + caption_key + " }}", "Caption")
        n = len(cols)
        rows = 4 + (1 if total else 0)
        tbl = self.doc.add_table(rows=rows, cols=n)
        tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
        tbl.autofit = False
        t = tbl._tbl
        tblpr = t.tblPr
        for old in tblpr.findall(qn("w:tblStyle")):
            tblpr.remove(old)
        width = sum(c[2] for c in cols)
        tblpr.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="{round(width * 567)}" w:type="dxa"/>'))
        tblpr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
        tblpr.append(parse_xml(
            f'<w:tblBorders {nsdecls("w")}>'
            f'<w:top w:val="single" w:sz="12" w:space="0" w:color="{ACCENT}"/>'
            '<w:left w:val="nil"/>'
            f'<w:bottom w:val="single" w:sz="12" w:space="0" w:color="{ACCENT}"/>'
            '<w:right w:val="nil"/>'
            '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="C8D3CD"/>'
            '<w:insideV w:val="nil"/></w:tblBorders>'))
        tblpr.append(parse_xml(
            f'<w:tblCellMar {nsdecls("w")}><w:top w:w="45" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
            '<w:bottom w:w="45" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'))
        grid = t.tblGrid
        for gc, c in zip(grid.findall(qn("w:gridCol")), cols, strict=True):
            gc.set(qn("w:w"), str(round(c[2] * 567)))
        for row in tbl.rows:
            trpr = row._tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:cantSplit"))
            for cell, c in zip(row.cells, cols, strict=True):
                cell.width = Cm(c[2])
        header = tbl.rows[0]
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, (head, _, _, num) in zip(header.cells, cols, strict=True):
            _shade(cell._tc.get_or_add_tcPr(), ACCENT)
            self._cell(cell, "{{ " + head + " }}", "Table Heading Number" if num else "Table Heading")
        self._cell(tbl.rows[1].cells[0], "{%tr for " + loop + " %}", "Table Text")
        for cell, (_, expr, _, num) in zip(tbl.rows[2].cells, cols, strict=True):
            self._cell(cell, "{{ " + expr + " }}", "Table Number" if num else "Table Text")
        self._cell(tbl.rows[3].cells[0], "{%tr endfor %}", "Table Text")
        if keep:
            for row in (tbl.rows[0], tbl.rows[2]):
                for cell in row.cells:
                    cell.paragraphs[0].paragraph_format.keep_with_next = True
        if total:
            tr = tbl.rows[4]
            for cell, expr, (_, _, _, num) in zip(tr.cells, total, cols, strict=True):
                _shade(cell._tc.get_or_add_tcPr(), ACCENT_LIGHT)
                self._cell(cell, "{{ " + expr + " }}" if expr else "", "Table Total Number" if num else "Table Total")
            if total_if:  # a total row only when there is something to total
                tr_el = tr._tr
                idx = list(t).index(tr_el)
                before = copy.deepcopy(tbl.rows[3]._tr)
                after = copy.deepcopy(tbl.rows[3]._tr)
                for el, text in ((before, "{%tr if " + total_if + " %}"), (after, "{%tr endif %}")):
                    el.xpath(".//w:t")[0].text = text
                t.insert(idx, before)
                t.insert(idx + 2, after)
        # a paragraph after each table keeps consecutive tables apart
        self.p("", "Note")

    def _cell(self, cell, text: str, style: str) -> None:
        para = self.styled(cell.paragraphs[0], style)
        if text:
            para.add_run(text)


def _cover(w: _Writer) -> None:
    w.p("{{ report.entity_name }}", "Cover Entity")
    w.tag("if report.entity_name_alt")
    w.p("{{ report.entity_name_alt }}", "Cover Detail")
    w.tag("endif")
    title = w.p("{{ report.title }}", "Title")
    title.paragraph_format.space_before = Pt(36)
    rule = title._p.get_or_add_pPr()
    rule.append(parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="8" '
                          f'w:color="{ACCENT}"/></w:pBdr>'))
    w.p("{{ report.basis }}", "Subtitle")
    details = w.p("{{ report.period }}", "Cover Detail")
    details.paragraph_format.space_before = Pt(160)
    w.tag("if report.identifier")
    w.p("{{ report.identifier }}", "Cover Detail")
    w.tag("endif")
    w.tag("if report.generated")
    w.p("{{ report.generated }}", "Note")
    w.tag("endif")
    # the contents: its entries are written by w.contents() once every heading is known
    w.contents_heading = w.p("{{ t.contents }}", "Contents Heading")


def _about(w: _Writer) -> None:
    w.h1("h_about")
    w.h2("h2_basis")
    w.paras("about.basis")
    w.h2("h2_entity")
    w.p("{{ about.entity }}")
    w.h2("h2_boundary")
    w.p("{{ about.boundary }}")
    w.table("cap_entities", "r in about.entities", [
        ("t.col_entity", "r.name", 9.6, False), ("t.col_share", "r.share", 3.0, True),
        ("t.col_consolidated", "r.consolidated", 3.0, False)])
    w.h2("h2_assurance")
    w.tag("if about.assurance")
    w.table("cap_assurance", "r in about.assurance", [
        ("t.col_item", "r.label", 3.6, False), ("t.col_description", "r.value", 12.0, False)], keep=True)
    w.tag("else")
    w.p("{{ about.assurance_text }}", "Not Disclosed")
    w.tag("endif")
    w.tag("if about.input_digest")
    w.p("{{ about.input_digest }}")
    w.tag("endif")
    w.h2("h2_not_disclosed")
    w.p("{{ about.not_disclosed_text }}")
    w.paras("about.not_disclosed", "List Item")


def _governance(w: _Writer) -> None:
    w.h1("h_governance")
    w.p("{{ t.chapter_intro_governance }}", "Note")
    w.narratives("governance", [f"gov_{k}" for k in GOVERNANCE])


def _strategy(w: _Writer) -> None:
    w.h1("h_strategy")
    w.p("{{ t.chapter_intro_strategy }}", "Note")
    w.h2("h2_horizons")
    w.table("cap_horizons", "r in strategy.horizons", [
        ("t.col_horizon", "r.label", 3.0, False), ("t.col_definition", "r.text", 12.6, False)])
    w.h2("h2_ro")
    w.tag("if strategy.ro")
    w.table("cap_ro", "r in strategy.ro", [
        ("t.col_id", "r.id", 1.3, False), ("t.col_kind", "r.kind", 2.3, False),
        ("t.col_category", "r.category", 2.9, False), ("t.col_title", "r.title", 7.3, False),
        ("t.col_horizon", "r.horizon", 1.9, False)])
    w.tag("for r in strategy.ro")
    w.p("{{ r.heading }}", "Heading 3")
    w.runs([("{{ t.ro_description }}", True), ("{{ r.description }}", False)])
    w.runs([("{{ t.ro_financial_effect }}", True), ("{{ r.financial_effect }}", False)])
    w.runs([("{{ t.ro_response }}", True), ("{{ r.response }}", False)])
    w.tag("endfor")
    w.tag("else")
    w.p("{{ t.not_disclosed }}", "Not Disclosed")
    w.tag("endif")
    w.narratives("strategy.narratives", [f"st_{k}" for k in STRATEGY_NARRATIVES])
    w.h2("h2_scenarios")
    w.tag("if strategy.scenarios")
    w.table("cap_scenarios", "r in strategy.scenarios", [
        ("t.col_scenario", "r.name", 6.0, False), ("t.col_kind", "r.kind", 2.4, False),
        ("t.col_temperature", "r.temperature", 1.8, False), ("t.col_source", "r.source", 5.4, False)])
    w.tag("else")
    w.p("{{ t.not_disclosed }}", "Not Disclosed")
    w.tag("endif")
    w.tag("for s in strategy.scenario_text")
    w.runs([("{{ s.label }}", True), ("{{ s.text }}", False)])
    w.tag("endfor")


def _risk(w: _Writer) -> None:
    w.h1("h_risk")
    w.p("{{ t.chapter_intro_risk }}", "Note")
    w.narratives("risk", [f"rm_{k}" for k in RISK_MANAGEMENT])


def _metrics(w: _Writer) -> None:
    w.h1("h_metrics")
    w.p("{{ t.chapter_intro_metrics }}", "Note")
    num = 2.7
    w.h2("h2_totals")
    w.table("cap_totals", "r in m.totals", [
        ("t.col_item", "r.label", 10.6, False), ("t.col_emissions", "r.value", 3.2, True),
        ("t.col_share_total", "r.share", 1.8, True)])
    w.figure("charts.scopes", "fig_scopes")
    _years(w)

    w.h2("h2_basis_split")
    w.table("cap_basis", "r in m.basis", [
        ("t.col_item", "r.label", 5.8, False), ("v.disclosure_basis.consolidated_group", "r.group", 3.3, True),
        ("v.disclosure_basis.other_investees", "r.investees", 3.3, True), ("t.col_total", "r.total", 3.2, True)])
    w.tag("if m.basis_note")
    w.p("{{ m.basis_note }}", "Note")
    w.tag("endif")

    w.h2("h2_scope2")
    w.p("{{ m.scope2_p }}")
    w.tag("if m.instruments")
    w.table("cap_instruments", "r in m.instruments", [
        ("t.col_instrument", "r.id", 3.4, False), ("t.col_instrument_type", "r.type", 1.6, False),
        ("t.col_facility", "r.facility", 2.7, False), ("t.col_mwh", "r.mwh", 2.1, True),
        ("t.col_mwh_used", "r.mwh_used", 2.1, True), ("t.col_factor", "r.factor", 2.6, True),
        ("t.col_status", "r.status", 1.5, False)])   # headers on two lines at most, ids on one
    w.tag("else")
    w.p("{{ t.instruments_none }}", "Note")
    w.tag("endif")

    w.h2("h2_scope3")
    w.p("{{ m.scope3_p }}")
    w.table("cap_scope3", "r in m.scope3", [
        ("t.col_s3_category", "r.category", 3.9, False), ("t.col_included", "r.included", 2.0, False),
        ("t.col_method", "r.methods", 2.7, False), ("t.col_emissions", "r.value", 2.4, True),
        ("t.col_reason", "r.reason", 5.0, False)],
        total=["t.row_scope3_total", "", "", "m.scope3_total", ""])
    w.tag("if m.scope3_note")
    w.p("{{ m.scope3_note }}", "Note")
    w.tag("endif")
    w.table("cap_dq", "r in m.dq", [
        ("t.col_item", "r.label", 12.4, False), ("t.col_value", "r.value", 3.2, True)])
    w.figure("charts.scope3", "fig_scope3")
    _financed(w)

    w.h2("h2_gas")
    w.table("cap_gas", "r in m.gas", [
        ("t.col_gas", "r.gas", 6.1, False), ("v.total.scope1", "r.s1", 3.2, True),
        ("v.total.scope2_location", "r.s2", 3.2, True), ("v.total.scope3", "r.s3", 3.1, True)])

    w.h2("h2_breakdown")
    w.table("cap_entity", "r in m.entities", [
        ("t.col_entity", "r.name", 5.2, False), ("v.total.scope1", "r.s1", num, True),
        ("v.total.scope2_location", "r.s2l", num, True), ("v.total.scope2_market", "r.s2m", num, True),
        ("v.total.scope3", "r.s3", num, True)],
        total=["t.col_total", "m.entity_total.s1", "m.entity_total.s2l", "m.entity_total.s2m",
               "m.entity_total.s3"], total_if="m.entities")
    w.table("cap_province", "r in m.provinces", [
        ("t.col_province", "r.name", 5.2, False), ("v.total.scope1", "r.s1", num, True),
        ("v.total.scope2_location", "r.s2l", num, True), ("v.total.scope2_market", "r.s2m", num, True),
        ("v.total.scope3", "r.s3", num, True)])
    w.table("cap_facility", "r in m.facilities", [
        ("t.col_rank", "r.rank", 1.0, True), ("t.col_facility", "r.name", 4.4, False),
        ("t.col_province", "r.province", 2.1, False), ("v.total.scope1", "r.s1", 2.8, True),
        ("v.total.scope2_location", "r.s2l", 2.8, True), ("v.total.scope2_market", "r.s2m", 2.8, True)])
    w.figure("charts.facilities", "fig_facilities")

    w.h2("h2_biogenic")
    w.p("{{ m.biogenic_text }}")
    w.tag("if m.biogenic")
    w.table("cap_biogenic", "r in m.biogenic", [
        ("t.col_item", "r.label", 12.4, False), ("t.col_biogenic", "r.value", 3.2, True)])
    w.tag("endif")

    w.h2("h2_intensity")
    w.tag("if m.intensity")
    w.table("cap_intensity", "r in m.intensity", [
        ("t.col_metric", "r.label", 9.4, False), ("t.col_unit", "r.unit", 3.4, False),
        ("t.col_value", "r.value", 2.8, True)])
    w.tag("else")
    w.p("{{ t.intensity_none }}", "Not Disclosed")
    w.tag("endif")

    w.h2("h2_trend")
    w.tag("if m.trend")
    w.table("cap_trend", "r in m.trend", [
        ("t.col_year", "r.year", 3.2, False), ("v.total.scope1", "r.s1", 3.1, True),
        ("v.total.scope2_location", "r.s2l", 3.1, True), ("v.total.scope2_market", "r.s2m", 3.1, True),
        ("v.total.scope3", "r.s3", 3.1, True)])
    w.tag("if m.trend_note")
    w.p("{{ m.trend_note }}", "Note")
    w.tag("endif")
    w.figure("charts.trend", "fig_trend")
    w.tag("else")
    w.p("{{ t.trend_none }}", "Not Disclosed")
    w.tag("endif")

    w.h2("h2_targets")
    w.tag("if m.targets")
    w.table("cap_targets", "r in m.targets", [
        ("t.col_target", "r.name", 4.6, False), ("t.col_base", "r.base", 3.0, True),
        ("t.col_target_value", "r.target", 3.0, True), ("t.col_current", "r.current", 3.0, True),
        ("t.col_progress", "r.progress", 2.0, True)])
    w.p("{{ t.progress_note }}", "Note")
    w.tag("for r in m.targets")
    w.p("{{ r.name }}", "Heading 3")
    w.p("{{ r.details }}")
    w.tag("if r.milestones")
    w.runs([("{{ t.target_milestones }}", True), ("{{ r.milestones }}", False)])
    w.tag("endif")
    w.tag("if r.notes")
    w.runs([("{{ t.target_notes }}", True), ("{{ r.notes }}", False)])
    w.tag("endif")
    w.tag("endfor")
    w.tag("else")
    w.p("{{ t.targets_none }}", "Not Disclosed")
    w.tag("endif")

    w.h2("h2_cross")
    w.table("cap_cross", "r in m.cross", [
        ("t.col_metric", "r.label", 4.4, False), ("m.amount_header", "r.amount", 3.3, True),
        ("t.col_pct", "r.share", 1.7, True), ("t.col_description", "r.description", 6.2, False)])

    _carbon_market(w)


def _carbon_market(w: _Writer) -> None:
    """5.12: not applicable (one sentence with its reason), or the ledger's tables (export/word/carbon.py),
    or, without a ledger, the disclosed positions."""
    w.h2("h2_market")
    w.tag("if m.cm.na")
    w.p("{{ m.cm.na }}")
    w.tag("elif m.cm.ledger")
    w.p("{{ m.cm.intro }}")
    w.table("cap_cm_movements", "r in m.cm.movements", [
        ("t.col_item", "r.label", 7.6, False), ("m.cm.heads.allowance", "r.allowance", 4.0, True),
        ("t.col_cm_ccer", "r.ccer", 4.0, True)], keep=True)
    w.tag("if m.cm.obligations")
    w.table("cap_cm_obligations", "r in m.cm.obligations", [
        ("t.col_cm_entity", "r.entity", 3.8, False), ("t.col_cm_year", "r.year", 1.5, False),
        ("m.cm.heads.verified", "r.verified", 2.75, True), ("m.cm.heads.allowance", "r.allowances", 2.75, True),
        ("t.col_cm_ccer", "r.ccers", 2.2, True), ("t.col_cm_position", "r.position", 2.6, False)], keep=True)
    w.tag("endif")
    w.table("cap_cm_money", "r in m.cm.money", [
        ("t.col_item", "r.label", 10.6, False), ("m.cm.money_header", "r.amount", 5.0, True)], keep=True)
    w.table("cap_cm_tie_out", "r in m.cm.tie_out", [
        ("t.col_cm_line", "r.line", 5.6, False), ("t.col_item", "r.item", 5.6, False),
        ("m.cm.money_header", "r.amount", 4.4, True)], keep=True)
    w.p("{{ m.cm.policy }}")
    w.p("{{ m.cm.formula }}", "Note")
    w.tag("if m.cm.recon")
    w.table("cap_cm_recon", "r in m.cm.recon", [
        ("t.col_facility", "r.facility", 4.0, False), ("m.cm.heads.verified", "r.verified", 2.75, True),
        ("t.col_cm_non_co2", "r.non_co2", 1.9, True), ("t.col_cm_outside", "r.outside", 1.9, True),
        ("t.col_cm_boundary", "r.boundary", 2.1, True), ("t.col_cm_scope1", "r.scope1", 2.75, True)], keep=True)
    w.p("{{ t.cm_recon_note }}", "Note")
    w.tag("endif")
    w.runs([("{{ t.market_accounting }}", True), ("{{ m.market_accounting }}", False)])
    w.tag("else")
    w.table("cap_market", "r in m.cm.market", [
        ("t.col_item", "r.label", 9.6, False), ("t.col_value", "r.value", 4.0, True),
        ("t.col_unit", "r.unit", 2.0, False)], keep=True)
    w.runs([("{{ t.market_accounting }}", True), ("{{ m.market_accounting }}", False)])
    w.tag("endif")
    _energy(w)


def _financed(w: _Writer) -> None:
    """Financed emissions (a bank's, an insurer's: results.json ``financed_emissions``), only when
    there are exposures; a heading of level 3, as every part shown on a condition (not in the
    contents)."""
    w.tag("if m.financed")
    w.p("{{ t.h3_financed }}", "Heading 3")
    w.p("{{ m.financed.p }}")
    w.table("cap_financed", "r in m.financed.rows", [
        ("t.col_asset_class", "r.name", 2.2, False), ("m.financed.head_exposure", "r.exposure", 3.4, True),
        ("t.col_covered", "r.covered", 1.7, True), ("t.col_financed_s1", "r.s1", 2.4, True),
        ("t.col_financed_s2", "r.s2", 2.1, True), ("t.col_financed_s3", "r.s3", 2.1, True),
        ("t.col_pcaf_score", "r.score", 1.6, True)],
        total=["m.financed.total.name", "m.financed.total.exposure", "m.financed.total.covered",
               "m.financed.total.s1", "m.financed.total.s2", "m.financed.total.s3", "m.financed.total.score"])
    w.paras("m.financed.notes", "Note")
    w.tag("endif")


def _energy(w: _Writer) -> None:
    """Energy use in tonnes of standard coal (GB/T 2589-2020): by carrier, the totals, shares and
    intensities, and the notes on method (``word/energy.py`` gives ``m.energy``)."""
    w.h2("h2_energy")
    w.tag("if m.energy.present")
    w.p("{{ m.energy.p }}").paragraph_format.keep_with_next = True
    w.table("cap_energy", "r in m.energy.rows", [
        ("t.col_energy_carrier", "r.name", 3.4, False), ("t.col_energy_kind", "r.kind", 1.8, False),
        ("t.col_tce", "r.tce", 2.6, True), ("t.col_pct", "r.share", 1.6, True),
        ("t.col_coefficient", "r.coefficient", 3.6, False), ("t.col_energy_basis", "r.basis", 2.6, False)])
    w.table("cap_energy_summary", "r in m.energy.summary", [
        ("t.col_item", "r.label", 9.6, False), ("t.col_value", "r.value", 4.0, True),
        ("t.col_unit", "r.unit", 2.0, False)], keep=True)
    w.paras("m.energy.notes", "Note")
    w.tag("else")
    w.p("{{ t.energy_none }}", "Not Disclosed")
    w.tag("endif")
    # the exchange guideline's index (settings profile: sse, szse, bse)
    w.tag("if m.profile_index.present")
    w.p("{{ t.h3_profile_index }}", "Heading 3")
    w.p("{{ m.profile_index.p }}").paragraph_format.keep_with_next = True
    w.table("cap_profile_index", "r in m.profile_index.rows", [
        ("t.col_item", "r.item", 6.0, False), ("t.col_article", "r.article", 2.2, False),
        ("t.col_level", "r.level", 2.0, False), ("t.col_where", "r.where", 5.4, False)])
    w.tag("endif")


def _years(w: _Writer) -> None:
    """The comparison with the prior year and the base-year check (``report --prior``): a sentence
    saying there is no comparison when there is none, never an empty heading or table."""
    w.tag("if m.yoy")
    w.p("{{ t.h3_yoy }}", "Heading 3")
    w.p("{{ m.yoy_p }}").paragraph_format.keep_with_next = True
    w.table("cap_yoy", "r in m.yoy", [
        ("t.col_item", "r.label", 6.5, False), ("m.yoy_head.prior", "r.prior", 2.55, True),
        ("m.yoy_head.current", "r.current", 2.55, True), ("m.yoy_head.absolute", "r.absolute", 2.55, True),
        ("m.yoy_head.relative", "r.relative", 1.85, True)], keep=True)
    w.paras("m.yoy_notes", "Note")
    w.tag("else")
    w.p("{{ t.yoy_none }}", "Note")
    w.tag("endif")
    w.tag("if m.base_year.present")
    w.p("{{ t.h3_base_year }}", "Heading 3")
    w.paras("m.base_year.paras")
    w.tag("if m.base_year.log")
    w.table("cap_base_year", "r in m.base_year.log", [
        ("t.col_change_kind", "r.kind", 1.9, False), ("t.col_item", "r.item", 2.0, False),
        ("t.col_name", "r.name", 3.4, False), ("t.col_s12", "r.emissions", 2.7, True),
        ("t.col_share_of_base", "r.share", 2.3, True), ("t.col_base_period", "r.prior", 1.85, False),
        ("t.col_this_period", "r.current", 1.85, False)], keep=True)
    w.p("{{ t.base_year_log_note }}", "Note")
    w.tag("else")
    w.p("{{ t.base_year_log_none }}", "Note")
    w.tag("endif")
    w.tag("endif")


def _method(w: _Writer) -> None:
    w.h1("h_method")
    w.h2("h2_standards")
    w.paras("method.standards", "List Item")
    w.h2("h2_gwp")
    w.p("{{ method.gwp }}")
    w.h2("h2_scope_methods")
    w.paras("method.paras")
    w.h2("h2_datasets")
    w.p("{{ t.datasets_p }}")
    w.table("cap_datasets", "r in method.datasets", [
        ("t.col_dataset", "r.name", 6.0, False), ("t.col_publisher", "r.publisher", 8.4, False),
        ("t.col_dataset_year", "r.year", 1.2, False)])
    w.h2("h2_exclusions")
    w.tag("if method.exclusions")
    w.table("cap_exclusions", "r in method.exclusions", [
        ("t.col_item", "r.item", 7.0, False), ("t.col_reason", "r.reason", 8.6, False)])
    w.tag("else")
    w.p("{{ t.exclusion_none }}")
    w.tag("endif")


def _appendices(w: _Writer) -> None:
    w.h1("h_app_factors")
    w.tag("if appendix.factors")
    w.p("{{ t.app_factors_p }}", "Note")
    w.table("cap_app_factors", "r in appendix.factors", [
        ("t.col_source_kind", "r.source", 2.3, False), ("t.col_activity", "r.activity", 3.2, False),
        ("t.col_factor_value", "r.factor", 4.8, False), ("t.col_dataset", "r.dataset", 4.4, False),
        ("t.col_lines", "r.lines", 1.3, True)])
    w.tag("else")
    w.p("{{ t.app_factors_none }}", "Note")
    w.tag("endif")
    w.table("cap_app_datasets", "r in appendix.datasets", [
        ("t.col_dataset", "r.name", 5.6, False), ("t.col_sha", "r.sha", 10.0, False)], keep=True)
    w.h1("h_app_glossary")
    w.table(None, "r in appendix.glossary", [
        ("t.col_term", "r.term", 4.2, False), ("t.col_description", "r.definition", 11.4, False)])


def _page_setup(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin = sec.bottom_margin = Cm(2.54)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.header_distance = sec.footer_distance = Cm(1.5)
    sec.start_type = WD_SECTION.NEW_PAGE
    sec.different_first_page_header_footer = True   # the cover has no header or page number
    head = sec.header.paragraphs[0]
    head.style = doc.styles["Header"]
    head.add_run("{{ report.running_header }}")
    foot = sec.footer.paragraphs[0]
    foot.style = doc.styles["Footer"]
    run = foot.add_run()
    for xml in ('<w:fldChar %s w:fldCharType="begin"/>', '<w:instrText %s xml:space="preserve"> PAGE </w:instrText>',
                '<w:fldChar %s w:fldCharType="separate"/>', '<w:t %s>1</w:t>', '<w:fldChar %s w:fldCharType="end"/>'):
        run._r.append(parse_xml(xml % nsdecls("w")))


def _theme(blob: bytes) -> bytes:
    text = blob.decode("utf-8")
    major, rest = text.split("<a:minorFont>", 1)
    major = (major.replace('<a:latin typeface="Calibri"/>', f'<a:latin typeface="{LATIN_HEAD}"/>')
             .replace('<a:ea typeface=""/>', f'<a:ea typeface="{CJK_HEAD}"/>')
             .replace('<a:font script="Hans" typeface="宋体"/>', f'<a:font script="Hans" typeface="{CJK_HEAD}"/>'))
    rest = (rest.replace('<a:latin typeface="Cambria"/>', f'<a:latin typeface="{LATIN_BODY}"/>', 1)
            .replace('<a:ea typeface=""/>', f'<a:ea typeface="{CJK_BODY}"/>', 1))
    return (major + "<a:minorFont>" + rest).encode("utf-8")


def _package(doc) -> None:
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype == RT.THUMBNAIL:   # python-docx's preview picture
            del pkg.rels[rid]
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):   # Word 2010's copy of the styles, theme fonts and all
            del doc.part.rels[rid]
    for part in pkg.iter_parts():
        if part.partname == "/word/fontTable.xml":
            part._blob = FONT_TABLE.encode("utf-8")
        elif part.partname == "/word/theme/theme1.xml":   # theme fonts: 黑体 for headings, 宋体 for text
            part._blob = _theme(part.blob)
    settings = doc.settings.element
    for el in settings.findall(qn("w:themeFontLang")):
        el.set(qn("w:val"), "en-US")
        el.set(qn("w:eastAsia"), "zh-CN")
    for el in settings.findall(qn("w:savePreviewPicture")):
        settings.remove(el)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = ""
    cp.title = cp.subject = cp.keywords = cp.comments = cp.category = ""
    cp.language = "zh-CN"
    cp.revision = 1
    cp.created = cp.modified = FIXED_TIME.replace(tzinfo=None)


@cache
def build() -> bytes:
    """The base template, as bytes (the same bytes every time)."""
    doc = Document()
    body = doc.element.body
    for el in list(body):
        if el.tag != qn("w:sectPr"):
            body.remove(el)
    _package(doc)
    _styles(doc)
    _page_setup(doc)
    w = _Writer(doc)
    _cover(w)
    _about(w)
    _governance(w)
    _strategy(w)
    _risk(w)
    _metrics(w)
    _method(w)
    _appendices(w)
    w.contents()
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip(buf.getvalue())


def fixed_zip(data: bytes, when: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)) -> bytes:
    """The same zip with every entry's timestamp and attributes fixed (python-docx stamps the time
    of saving), entries in their original order, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()

