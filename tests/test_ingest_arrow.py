"""Issue 18, ingest on Arrow: a plain UTF-8 CSV file is read by ``pyarrow.csv`` and its plain numbers
cast by Arrow; every other file (and cell) takes the pandas path it took before. The two paths must
give the same table, row numbers and values, so these tests compare them on generated files and on
the cases where the Arrow path must step aside.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from disclosure.ingest import parse, readers

# cells drawn from what ERP exports and hand-typed files hold: separators, quotes, both line ends,
# spaces, full-width digits, CJK, numbers of every shape
CELL_CHARS = st.sampled_from([*"ab1.0-e,\"\n\r \t天然气１２％%_x", "\u3000", "\xa0"])
CELLS = st.one_of(
    st.text(CELL_CHARS, max_size=6),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-10**20, 10**20).map(str),
)


def quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell


def write(tmp: Path, text: str, bom: bool = False, encoding: str = "utf-8") -> Path:
    p = tmp / "activities.csv"
    p.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode(encoding))
    return p


def same(fast: readers.RawTable, slow: readers.RawTable) -> None:
    assert fast.headers == slow.headers
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert fast.header_row == slow.header_row
    assert np.array_equal(fast.rows, slow.rows)
    for c in fast.frame.columns:
        assert fast.frame[c].dtype == slow.frame[c].dtype
    assert fast.frame.equals(slow.frame)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ncols=st.integers(1, 4), data=st.data(), bom=st.booleans(), crlf=st.booleans(), eol=st.booleans(),
       raw=st.booleans())
def test_arrow_reads_every_file_it_accepts_as_pandas_does(tmp_path: Path, ncols: int, data: st.DataObject,
                                                          bom: bool, crlf: bool, eol: bool, raw: bool) -> None:
    """``raw``: cells written as they are, unquoted: ragged rows, stray and unclosed quotes."""
    headers = data.draw(st.lists(st.sampled_from(["a", "b", "数量", "unit", "x.y", "c d"]), min_size=ncols,
                                 max_size=ncols, unique=True))
    body = data.draw(st.lists(st.lists(CELLS, min_size=ncols, max_size=ncols), max_size=8))
    nl = "\r\n" if crlf else "\n"
    text = nl.join([",".join(headers)] + [",".join(c if raw else quote(c) for c in row) for row in body]) + (nl if eol else "")
    p = write(tmp_path, text, bom=bom)
    fast = readers.read_csv_arrow(p, p.name)
    slow, issues = readers.read_csv_pandas(p, p.name, readers.detect_encoding(p))
    if fast is None:   # stepped aside: read_csv gives what pandas gives
        table, got = readers.read_csv(p, p.name)
        assert got == issues
        if slow is not None:
            same(table, readers.drop_blank_rows(slow))
        return
    assert slow is not None and not issues
    same(readers.drop_blank_rows(fast), readers.drop_blank_rows(slow))


def test_quoted_newlines_keep_the_row_numbers_of_the_records(tmp_path: Path) -> None:
    p = write(tmp_path, 'id,note\nA1,"two\nlines"\nA2,plain\nA3,"x\r\ny"\n')
    fast = readers.read_csv_arrow(p, p.name)
    assert fast is not None
    assert fast.rows.tolist() == [2, 3, 4]
    assert fast.frame["note"].tolist() == ["two\nlines", "plain", "x\r\ny"]
    same(fast, readers.read_csv_pandas(p, p.name, "utf-8")[0])


@pytest.mark.parametrize("text, why", [
    ("\nid,q\nA,1\n", "a blank line above the header"),
    ("id,q\nA,1\n\nB,2\n", "a blank line keeps its row number in pandas"),
    ('"id",q\nA,1\n', "a quoted header"),
    ("id,,q\nA,1,2\n", "a blank header"),
    ("id,id\nA,1\n", "a repeated header (pandas renames it)"),
    ("id,q\nA,1,9\n", "a row with more cells than the header"),
    ('id,q\nA,"1\n', "an unclosed quote"),
    ("", "an empty file"),
])
def test_arrow_steps_aside_where_pandas_reads_differently(tmp_path: Path, text: str, why: str) -> None:
    p = write(tmp_path, text)
    assert readers.read_csv_arrow(p, p.name) is None, why
    table, issues = readers.read_csv(p, p.name)
    slow, expected = readers.read_csv_pandas(p, p.name, readers.detect_encoding(p))
    assert issues == expected
    assert (table is None) == (slow is None)


def test_a_gb18030_file_is_read_by_pandas_with_its_encoding(tmp_path: Path) -> None:
    p = write(tmp_path, "设施,数量\n水泥厂,１２\n", encoding="gb18030")
    assert readers.detect_encoding(p) == "gb18030"
    table, issues = readers.read_csv(p, p.name)
    assert not issues and table is not None
    assert table.headers == ["设施", "数量"] and table.frame["设施"].tolist() == ["水泥厂"]


def test_invalid_utf8_in_a_utf8_file_is_not_read_by_arrow(tmp_path: Path) -> None:
    p = tmp_path / "activities.csv"
    p.write_bytes(b"id,q\n" + b"A,\xff\xfe\n")
    assert readers.read_csv_arrow(p, p.name) is None


# --- numbers: Arrow's cast for the plain ones, the general reader for the rest ---------------------

NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.12e}"),
    st.integers(-10**25, 10**25).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.text(st.sampled_from(list("0123456789.,+-eE ％%１２")), max_size=8),
    st.text(st.sampled_from(list("0123456789.,_' +-eE\t")), max_size=10),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:,}"),
    st.integers(-10**25, 10**25).map(lambda i: f"{i:_}"),
    st.sampled_from(["", " ", "-0", "+0", "1.", ".5", "1e400", "-1e-400", "inf", "nan", "1,234.5", "１２３",
                     "1,5e400", "1 234", "1'234.5", " 88,150.0 ", ",", "_", "1,,2", "-,5", "1,e5", "1,234，5"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBER_TEXT, min_size=1, max_size=30))
def test_plain_numbers_read_by_arrow_equal_the_general_reader(cells: list[str]) -> None:
    arrow = pd.Series(cells, dtype="str")
    general = pd.Series(cells, dtype=object)    # not Arrow text: the general reader, as before
    assume(isinstance(arrow.dtype, pd.StringDtype) and arrow.dtype.storage == "pyarrow")
    va, ba = parse.number(arrow)
    vg, bg = parse.number(general)
    a, g = va.to_numpy(), vg.to_numpy()
    assert np.array_equal(np.isnan(a), np.isnan(g))
    assert ba.tolist() == bg.tolist()
    # the same numbers, within pandas' rounding: its reader is not always correctly rounded (it
    # reads "+10E31" as 9.999999999999999e+31); Arrow's cast is, as Python's float is
    assert np.allclose(a[~np.isnan(a)], g[~np.isnan(g)], rtol=1e-15, atol=0)
    # and the values are exactly what Python reads from the same text, cleaned
    for cell, v in zip(cells, va.tolist(), strict=True):
        if isinstance(v, float) and not np.isnan(v):
            assert v == float(parse.clean_number_text(cell)) + 0.0


def test_numbers_with_thousands_separators_are_read_by_arrow(monkeypatch) -> None:
    """ERP exports write 88,150.0: those cells are cast by Arrow with the plain ones, none of them
    left to the general reader (a Python call per cell); the others still are."""
    given: list[list[str]] = []
    general = parse._text_numbers

    def spy(s: pd.Series, e: np.ndarray) -> np.ndarray:
        given.append(s.tolist())
        return general(s, e)

    monkeypatch.setattr(parse, "_text_numbers", spy)
    s = pd.Series(["88,150.0", "1 234", "1'234.5", "12_000", "-1,000e3", "7", "１,２", "1,234，5", "12吨"], dtype="str")
    v, bad = parse.number(s)
    assert v.tolist()[:6] == [88150.0, 1234.0, 1234.5, 12000.0, -1e6, 7.0]
    assert v.tolist()[6:8] == [12.0, 12345.0] and np.isnan(v.iloc[8])
    assert bad.tolist() == [False] * 8 + [True]
    assert given == [["１,２", "1,234，5", "12吨"]]


def test_number_reads_the_cells_it_is_given() -> None:
    s = pd.Series(["1,234.5", " 7 ", "12", "-0", "1e400", "abc", "", "2.5e-3", "１２"], dtype="str")
    v, bad = parse.number(s)
    assert v.tolist()[:4] == [1234.5, 7.0, 12.0, 0.0]
    assert str(v.tolist()[3]) == "0.0"          # not -0.0
    assert np.isnan(v.iloc[4]) and np.isnan(v.iloc[5]) and np.isnan(v.iloc[6])
    assert v.iloc[7] == 0.0025 and v.iloc[8] == 12.0
    assert bad.tolist() == [False, False, False, False, True, True, False, False, False]


# --- characters XML cannot hold: a pass over the bytes first, the regular expression where needed ---

@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(["a", "天", "\t", "\n", "\r", "\x00", "\x01", "\x1f", "\x7f", "\ufffe",
                                         "\uffff", "\ufffd", "\uff10", "\uefbf", " "]), max_size=5), min_size=1,
                max_size=12),
       st.integers(0, 3))
def test_xml_forbidden_mask_on_arrow_text_matches_python(cells: list[str], cut: int) -> None:
    from disclosure.core.cells import xml_forbidden, xml_forbidden_mask

    s = pd.Series(cells, dtype="str").iloc[min(cut, len(cells) - 1):]   # a slice: bytes outside it
    assume(isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow")
    got = xml_forbidden_mask(s)
    assert got.tolist() == [xml_forbidden(c) is not None for c in s]
    assert got.index.equals(s.index)


WHITESPACE_HEAVY = st.text(st.sampled_from([" ", "\t", "\n", "\u3000", "\u00a0", "\u2028", "\x1c", "\x85",
                                            "\u200b", "\ufeff", "a", "电", "0"]), max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), WHITESPACE_HEAVY), min_size=1, max_size=30), st.integers(0, 3))
def test_blank_cells_of_arrow_text_are_those_whose_trim_is_empty(cells: list[str | None], cut: int) -> None:
    """``is_empty`` classifies Arrow text in place; a cell is blank exactly when Arrow's trim leaves
    nothing of it (what ``is_empty`` computed before, by stripping), a slice of a column included."""
    s = pd.Series(cells, dtype="str").iloc[min(cut, len(cells) - 1):]
    assume(isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow")
    got = parse.is_empty(s)
    assert got.dtype == bool and list(got.index) == list(s.index)
    assert got.tolist() == (s.isna() | (s.str.strip() == "")).tolist()
    assert got.tolist() == parse.is_empty(s.astype(object)).tolist()
    # the loader takes a text column's blank cells from its text (what parse.text leaves missing)
    assert parse.text(s).isna().tolist() == got.tolist()
    assert parse.text(s.astype(object)).isna().tolist() == got.tolist()


@pytest.mark.parametrize("s", [
    pd.Series([pd.NaT, pd.Timestamp("2024-01-01")]),            # a text column Excel or Parquet typed
    pd.Series([True, None], dtype="boolean"),
    pd.Series([1.0, np.nan, 1001.0]),                           # Parquet ids with gaps
    pd.Series([1, None], dtype="Int64"),
    pd.Series([None, " ", "a", 3, 2.5, "\u3000", np.nan], dtype=object),
])
def test_a_typed_text_columns_blank_cells_are_those_its_text_leaves_missing(s: pd.Series) -> None:
    """What the loader takes for a text column's blank cells (``parse.text(s).isna()``) is
    ``is_empty`` for columns a workbook or a Parquet file typed, too."""
    assert parse.text(s).isna().tolist() == parse.is_empty(s).tolist()


def test_arrow_whitespace_is_the_same_for_its_class_and_its_trim() -> None:
    """Over every code point: ``utf8_is_space`` (what ``is_empty`` asks) holds exactly where
    ``utf8_trim_whitespace`` leaves nothing (what blank meant before)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chars = pa.array([chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000])
    space = pc.utf8_is_space(chars).to_numpy(zero_copy_only=False)
    trimmed = pc.equal(pc.utf8_trim_whitespace(chars), "").to_numpy(zero_copy_only=False)
    assert np.array_equal(space, trimmed)
    assert space.sum() >= 25   # ASCII's six, U+3000 ideographic space, the Unicode spaces


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40).map(lambda b: bytes(b"a\n\r,\""[x % 5] for x in b)), st.integers(1, 9))
def test_the_blank_line_scan_finds_what_find_finds(data: bytes, chunk: int) -> None:
    """One pass in chunks (pairs across two chunks included) says what a find of each pair says."""
    assert readers.has_blank_line(data, chunk=chunk) == any(data.find(b) >= 0 for b in readers.BLANK_LINES)


def test_an_interrupt_during_the_blank_line_scan_stays_an_interrupt(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan looks at the file through an mmap. A Ctrl-C in the middle of it used to reach the
    user as BufferError ("cannot close exported pointers exist": the traceback kept the scan's
    views of the mmap), which the command reports as an internal error (exit 3), not exit 130."""
    path = tmp_path / "activities.csv"
    path.write_bytes(b"record_id,quantity\nA,1\nB,2\n")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "flatnonzero", interrupted)
    with pytest.raises(KeyboardInterrupt) as caught:
        readers.read_csv_arrow(path, "activities.csv")
    assert caught.value.__context__ is None
    monkeypatch.undo()
    raw = readers.read_csv_arrow(path, "activities.csv")   # and the file is read as ever afterwards
    assert raw is not None and list(raw.frame["record_id"]) == ["A", "B"]
