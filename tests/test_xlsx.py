"""The project's own XLSX writer (disclosure/export/xlsx.py), read back by openpyxl and LibreOffice:
text (hostile too: control characters, literal _xHHHH_, formula-like text, CJK, text past Excel's
32,767-unit cell limit) and numbers (the shortest round-trip text: every float64 reads back as
itself; NaN and ±inf leave the cell empty) survive; formulas keep their cached values; widths,
frozen panes, filters, sheet order; the same calls give the same bytes; every part is well-formed XML."""

from __future__ import annotations

import csv
import io
import math
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from disclosure.core.cells import neutralise
from disclosure.export import xlsx

CONTROL = [chr(c) for c in (*range(0, 9), *range(11, 32))]   # written as _xHHHH_ (carriage return too)


def _read(path: Path, sheet: str = "S", data_only: bool = False) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True, data_only=data_only)[sheet].iter_rows(values_only=True))


def _as_openpyxl_reads(text: str) -> object:
    """What openpyxl gives back for ``text`` written by the writer: neutralised, cut at Excel's
    limit, a character XML cannot hold as its _xHHHH_ escape (openpyxl does not undo those; Excel
    does), a literal _xHHHH_ as written (openpyxl drops the escaping _x005F_)."""
    v = neutralise(text)
    u = v.encode("utf-16-le", "surrogatepass")
    if len(u) > 2 * xlsx.MAX_TEXT:
        v = u[:2 * xlsx.MAX_TEXT].decode("utf-16-le", "ignore")
    return "".join(f"_x{ord(ch):04X}_" if ch in CONTROL or ch in "\ufffe\uffff" or 0xD800 <= ord(ch) <= 0xDFFF
                   else ch for ch in v)


def _book(tmp_path: Path, frame: pd.DataFrame, name: str = "w.xlsx") -> Path:
    wb = xlsx.Workbook(title="t", author="a")
    wb.add_sheet("S").write_frame(frame, header_style=wb.style(bold=True))
    return wb.save(tmp_path / name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.characters(codec="utf-8") | st.sampled_from([*CONTROL, "_x0041_", "_xd7FF_", "=", "+", " "]),
                         max_size=12).map("".join), min_size=1, max_size=30))
def test_text_reads_back_as_written(tmp_path: Path, texts: list[str]) -> None:
    assume(not any("x005F_" in t for t in texts))   # openpyxl drops every "x005F_", escaped or not
    frame = pd.DataFrame({"text": texts, "arrow": pd.array(texts, dtype="string[pyarrow]"),
                          "category": pd.Categorical(texts)})
    path = _book(tmp_path, frame)
    rows = _read(path)
    assert rows[0] == ("text", "arrow", "category")
    want = [_as_openpyxl_reads(t) for t in texts]
    got = rows[1:]
    # a row of empty cells is not written; openpyxl reads the rows up to the last written one
    last = max([i for i, w in enumerate(want) if w is not None], default=-1)
    assert [r[0] for r in got] == want[:last + 1]
    for r in got:
        assert r[0] == r[1] == r[2]


# white space as Python's str.isspace knows it (the shared strings' xml:space="preserve" is judged by it)
SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u1680", "\u2003", "\u2028", "\u3000"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.characters() | st.sampled_from([*CONTROL, *SPACES, "_x0041_", "_x005F_", "&", "<", ">",
                                                            "\ufffe", "\ud800", "=", "中"]),
                         max_size=10).map("".join)
                | st.integers(16_380, 16_390).map(lambda n: "中" * n),
                min_size=1, max_size=40, unique=True))
def test_shared_strings_built_on_arrow_are_those_built_one_at_a_time(texts: list[str]) -> None:
    """The shared string table's XML, built on whole lists in Arrow, is exactly what the rule for one
    text gives (escapes, cut, xml:space), lone surrogates included; numbers in order of first use."""
    table = xlsx._Strings()
    assert table.numbers(texts + texts[::-1]) == [*range(len(texts)), *range(len(texts))[::-1]]
    got = b"".join(c.encode("utf-8", "surrogatepass") if isinstance(c, str) else bytes(c) for c in table.xml())
    one = "".join(xlsx._item_xml(t) for t in texts)
    want = (f'{xlsx._HEAD}<sst xmlns="{xlsx._NS}" uniqueCount="{len(texts)}">{one}</sst>').encode("utf-8", "surrogatepass")
    assert got == want
    # the rule itself, on a few texts
    assert xlsx._item_xml(" a") == '<si><t xml:space="preserve"> a</t></si>'
    assert xlsx._item_xml("a\u3000") == '<si><t xml:space="preserve">a\u3000</t></si>'
    assert xlsx._item_xml("a<b>&_x0041_\x01") == "<si><t>a&lt;b&gt;&amp;_x005F_x0041__x0001_</t></si>"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2 ** 53, 2 ** 53).map(float),
                min_size=1, max_size=50))
def test_numbers_read_back_exactly(tmp_path: Path, values: list[float]) -> None:
    frame = pd.DataFrame({"k": np.arange(len(values)), "x": values})
    rows = _read(_book(tmp_path, frame))[1:]
    assert len(rows) == len(values)
    for (k, got), want in zip(rows, values, strict=True):
        if not math.isfinite(want):
            assert got is None
        else:
            assert got == want, (k, got, want)   # -0 reads back as 0 (a spreadsheet has no negative zero)
    # single cells as the frame's
    wb = xlsx.Workbook()
    ws = wb.add_sheet("S")
    for i, v in enumerate(values):
        ws.write(i, 0, v)
    single = _read(wb.save(tmp_path / "single.xlsx"))
    want = [v if math.isfinite(v) else None for v in values]
    while want and want[-1] is None:
        want.pop()
    assert [r[0] for r in single] == want


def test_hostile_text_and_limits(tmp_path: Path) -> None:
    long_cjk = "碳" * 40_000                         # past Excel's 32,767 units: cut there
    emoji_edge = "a" * 32_766 + "😀"                  # the pair would straddle the limit: it goes
    texts = ["=1+1", "@SUM(A1)", "-3", "\tx", "a\x01b", "_x0041_", "x < y & z > \"q\"", " lead", "trail ",
             "行\n两行", long_cjk, emoji_edge, "", "\ud800 lone"]
    frame = pd.DataFrame({"t": pd.Series(texts, dtype=object), "n": np.arange(len(texts), dtype=float)})
    path = _book(tmp_path, frame)
    got = [r[0] for r in _read(path)[1:]]
    assert got[:4] == ["'=1+1", "'@SUM(A1)", "'-3", "'\tx"]
    assert got[4] == "a_x0001_b" and got[5] == "_x0041_" and got[6] == "x < y & z > \"q\""
    assert got[7] == " lead" and got[8] == "trail " and got[9] == "行\n两行"
    assert got[10] == "碳" * xlsx.MAX_TEXT and got[11] == "a" * 32_766
    assert got[12] == "" and got[13] == "_xD800_ lone"
    # the shared strings escape what Excel would otherwise misread (ECMA-376 Part 1, 22.9.2.19)
    sst = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
    assert "_x005F_x0041_" in sst and "a_x0001_b" in sst and "x &lt; y &amp; z &gt;" in sst
    assert '<t xml:space="preserve"> lead</t>' in sst


def test_formulas_booleans_mixed_and_layout(tmp_path: Path) -> None:
    wb = xlsx.Workbook(title="Workpapers / 工作底稿", author="disclosure", comments="c")
    bold, money, pct = wb.style(bold=True), wb.style("#,##0.00"), wb.style("0.00%")
    s = wb.add_sheet("Sum mary")
    s.write_row(0, 0, ["a", "b"], bold)
    s.write(1, 0, 2.5, money)
    s.write(1, 1, xlsx.Formula("A2*2", 5.0), money)
    s.write(2, 0, True)
    s.write(2, 2, 0.25, pct)
    s.set_width(0, 1, 22)
    s.set_width(2, 2, 44)
    t = wb.add_sheet("Trace (2)")
    frame = pd.DataFrame({"flag": pd.array([True, None, False], dtype="boolean"), "mixed": [1.5, {"b": 1, "a": [2]}, None],
                          "n": [1, 2, 3], "p": [None, None, 7.0], "q": [0.1, None, None]})
    t.write_frame(frame, header_style=bold, styles={3: money})
    t.freeze_panes(1, 1)
    t.autofilter(0, 0, 3, 4)
    t.set_width(0, 0, 10)
    path = wb.save(tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Sum mary", "Trace (2)"]
    a = book["Sum mary"]
    assert a["B2"].value == "=A2*2" and a["A2"].number_format == "#,##0.00" and a["A1"].font.b
    assert a["A3"].value is True and a["C3"].number_format == "0.00%" and a["C3"].value == 0.25
    # a width of n characters: (n × 7 px + 5 px) / 7 px, in 1/256 (ECMA-376 Part 1, 18.3.1.13)
    assert a.column_dimensions["A"].width == 22 + 182 / 256 and a.column_dimensions["C"].width == 44 + 182 / 256
    assert a.freeze_panes is None
    cached = openpyxl.load_workbook(path, data_only=True)["Sum mary"]
    assert cached["B2"].value == 5.0
    b = book["Trace (2)"]
    assert [[c.value for c in row] for row in b.iter_rows()] == [
        ["flag", "mixed", "n", "p", "q"], [True, 1.5, 1, None, 0.1],
        [None, '{"a": [2], "b": 1}', 2, None, None], [False, None, 3, 7, None]]
    assert b["D4"].number_format == "#,##0.00" and b["C4"].number_format == "General"
    assert b.freeze_panes == "B2" and b.auto_filter.ref == "A1:E4"
    workbook_xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
    assert ('<definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'
            "'Trace (2)'!$A$1:$E$4</definedName>") in workbook_xml
    assert b.dimensions == "A1:E4"
    props = book.properties
    assert props.title == "Workpapers / 工作底稿" and props.creator == "disclosure"
    assert props.created.year == 2000


def test_same_calls_same_bytes_and_well_formed_parts(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"id": [f"L{i:05d}" for i in range(3000)], "x": rng.standard_normal(3000),
                          "unit": pd.Categorical(rng.choice(["t", "MWh", "=x"], 3000)),
                          "gap": np.where(rng.random(3000) < 0.5, np.nan, 1.0)})
    a, b = _book(tmp_path, frame, "a.xlsx").read_bytes(), _book(tmp_path, frame, "b.xlsx").read_bytes()
    assert a == b
    z = zipfile.ZipFile(io.BytesIO(a))
    assert [i.filename for i in z.infolist()] == [
        "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml"]
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for i in z.infolist():
        ElementTree.fromstring(z.read(i))
    rows = _read(tmp_path / "a.xlsx")
    assert len(rows) == 3001 and rows[2][0] == "L00001"
    assert [r[3] for r in rows[1:]] == [None if np.isnan(v) else 1 for v in frame["gap"]]
    assert [r[1] for r in rows[1:]] == frame["x"].tolist()


def test_bad_sheet_names_and_sizes_are_refused(tmp_path: Path) -> None:
    wb = xlsx.Workbook()
    wb.add_sheet("Trace")
    for bad in ("trace", "a/b", "x" * 32, "[x]"):
        with pytest.raises(ValueError):
            wb.add_sheet(bad)
    with pytest.raises(ValueError):
        xlsx.Workbook().save(tmp_path / "empty.xlsx")
    # a sheet of no columns (the Factors of a run without datasets) and one of a header only
    ws = wb.add_sheet("Factors")
    ws.write_frame(pd.DataFrame())
    ws.freeze_panes(1, 0)
    wb.add_sheet("Issues").write_frame(pd.DataFrame(columns=["code", "severity"]))
    book = openpyxl.load_workbook(wb.save(tmp_path / "few.xlsx"))
    assert book["Factors"].freeze_panes == "A2" and book["Factors"].max_row == 1
    assert [[c.value for c in r] for r in book["Issues"].iter_rows()] == [["code", "severity"]]
    assert xlsx.column_letter(0) == "A" and xlsx.column_letter(25) == "Z" and xlsx.column_letter(26) == "AA"
    assert xlsx.column_letter(16_383) == "XFD" and xlsx.cell_ref(1_048_575, 0, True) == "$A$1048576"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_cells_where_they_are(tmp_path: Path) -> None:
    """A cell is written without its reference when the cell before it is filled: LibreOffice puts
    each value in its column, gaps included."""
    frame = pd.DataFrame({"a": ["x", None, "z"], "b": [1.5, 2.0, None], "c": [None, "=q", "w"],
                          "d": [None, None, 4.0]})
    path = _book(tmp_path, frame)
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "csv",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
    rows = list(csv.reader((out / "w.csv").read_text(encoding="utf-8").splitlines()))
    assert rows == [["a", "b", "c", "d"], ["x", "1.5", "", ""], ["", "2", "'=q", ""], ["z", "", "w", "4"]]


def test_a_filled_sheet_is_written_after_the_others_with_what_its_fill_waited_for(tmp_path: Path) -> None:
    """A sheet added with ``fill`` keeps its tab, is written after the sheets without one (its fill
    runs then, once, and may add a style and a filter), and reads back as if written up front."""
    calls: list[str] = []
    wb = xlsx.Workbook()
    bold = wb.style(bold=True)

    def late(ws: xlsx.Sheet) -> None:
        calls.append(ws.name)
        ws.write_frame(pd.DataFrame({"code": ["a", "b"], "share": [0.25, 0.5]}), header_style=bold,
                       styles={1: wb.style("0.0%")})
        ws.autofilter(0, 0, 2, 1)

    wb.add_sheet("Late", fill=late)
    wb.add_sheet("S").write_frame(pd.DataFrame({"x": [1.5]}))
    assert calls == []
    z = zipfile.ZipFile(io.BytesIO(wb.save(tmp_path / "a.xlsx").read_bytes()))
    names = [i.filename for i in z.infolist()]
    assert names.index("xl/worksheets/sheet2.xml") < names.index("xl/worksheets/sheet1.xml") \
        < names.index("xl/workbook.xml") < names.index("xl/styles.xml")
    assert calls == ["Late"]
    assert _read(tmp_path / "a.xlsx", "Late") == [("code", "share"), ("a", 0.25), ("b", 0.5)]
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert book.sheetnames == ["Late", "S"]
    assert book["Late"].auto_filter.ref == "A1:B3" and book["Late"]["B2"].number_format == "0.0%"
    wb.save(tmp_path / "b.xlsx")
    assert calls == ["Late"] and (tmp_path / "b.xlsx").read_bytes() == (tmp_path / "a.xlsx").read_bytes()


def test_a_stop_ends_the_writing_at_the_next_block_of_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``save(stop=…)`` asks between blocks of rows (the report stops its workpapers so when a stage
    fails while they are written): the first yes raises ``Stopped``."""
    monkeypatch.setattr(xlsx, "ROW_BLOCK", 10)
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    wb = xlsx.Workbook()
    wb.add_sheet("S").write_frame(pd.DataFrame({"x": np.arange(100.0)}))
    with pytest.raises(xlsx.Stopped):
        wb.save(tmp_path / "a.xlsx", stop=stop)
    assert len(asked) == 4
    # asked before every block of ten rows at least (and before the sheet's other parts)
    blocks: list[int] = []
    assert _read(wb.save(tmp_path / "b.xlsx", stop=lambda: bool(blocks.append(1))))[-1] == (99,)
    assert len(blocks) >= 10
