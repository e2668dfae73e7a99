"""A small XLSX writer (Office Open XML SpreadsheetML, ECMA-376 / ISO/IEC 29500), standard library
``zipfile`` and whole-column string building: what the workpapers need and nothing more.

A workbook of sheets, each holding frames (a header row and a DataFrame's rows, built column by
column: each distinct value of a column formatted once, the rows joined from the columns' pieces,
never a Python loop per cell) and single cells (text, numbers, booleans, formulas with their cached
value). Styles are a fixed list of (number format, bold). Text goes to one shared string table
(``xl/sharedStrings.xml``): a trace repeats the same file names, units, factor sources and citations
on many lines, and a shared string is written once and referenced by number, so the sheet parts are a
fraction of the inline-string size and Excel, which converts inline strings into shared ones on
opening, has less to do.

Cell rules, one place each:
- text that a spreadsheet would take for a formula is written with a leading apostrophe
  (:func:`disclosure.core.cells.neutralise`); longer text than Excel holds in a cell (32,767 UTF-16
  units) is cut there;
- ``& < >`` are XML-escaped; characters XML cannot hold (C0 controls but tab and newline, U+FFFE,
  U+FFFF, lone surrogates) are written as ``_xHHHH_``, and a literal ``_xHHHH_`` in the text as
  ``_x005F_xHHHH_`` (ECMA-376 Part 1, 22.9.2.19, ST_Xstring), so that Excel reads the text back as given;
- numbers are written as Python's shortest repr (read back as the same float64); NaN, ±inf and None
  leave the cell empty.

Deterministic: the same calls give the same bytes (fixed zip entry order and dates, no clock).
"""

from __future__ import annotations

import itertools
import json
import math
import queue
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.cells import column_letter, neutralise, neutralise_array

MAX_ROWS = 1_048_576          # rows of a worksheet (Excel's limit)
MAX_COLS = 16_384
MAX_TEXT = 32_767             # characters of a cell's text, in UTF-16 code units (Excel's limit)
FIXED_DATE = "2000-01-01T00:00:00Z"    # docProps/core.xml created and modified
ZIP_DATE = (1980, 1, 1, 0, 0, 0)       # every zip entry's date (the zip format's earliest)
ROW_BLOCK = 20_000            # rows formatted at a time (bounds the memory of a frame's XML)
_MAX_DIGIT_PX = 7             # Calibri 11's widest digit, in pixels (the default font below)

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument."
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# characters written as _xHHHH_: a literal _xHHHH_ first (its underscore escaped as _x005F_), then
# what XML 1.0 cannot hold (tab, newline and carriage return it can; carriage return is escaped too,
# as XML parsers turn a bare one into a newline)
_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
_NEEDS = re.compile(r"[&<>_\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]|^\s|\s$")


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    """``A1`` (or ``$A$1``) of 0-based ``row`` and ``col``."""
    d = "$" if absolute else ""
    return f"{d}{column_letter(col)}{d}{row + 1}"


def xml_text(s: str) -> str:
    """Text as XML element content: ``& < >`` escaped."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(s: str) -> str:
    return xml_text(s).replace('"', "&quot;")


def cell_text(s: str) -> str:
    """Text as a cell's ``<t>`` content: cut to Excel's limit, ``_xHHHH_`` escapes, XML-escaped."""
    if len(s) > MAX_TEXT // 2:
        u = s.encode("utf-16-le", "surrogatepass")
        if len(u) > 2 * MAX_TEXT:   # cut at the limit; half a surrogate pair at the cut goes
            s = u[:2 * MAX_TEXT].decode("utf-16-le", "ignore")
    if _NEEDS.search(s) is None:
        return s
    s = _ESCAPE.sub(lambda m: "_x005F_" if m.group() == "_" else f"_x{ord(m.group()):04X}_", s)
    return xml_text(s)


def number_text(x: float) -> str:
    """A finite number as a cell's ``<v>``: the shortest text that reads back as the same float64
    (Arrow's, as for whole columns: ``123``, ``0.1``, ``1e+22``)."""
    return pc.cast(pa.scalar(float(x), pa.float64()), pa.string()).as_py()


def cell_value(v: Any) -> Any:
    """What a Python value is written as: None (an empty cell: also NaN and ±inf), bool, int, float
    or text (formula-like text neutralised, a mapping or list as sorted JSON, anything else as its
    text; empty text is a cell of empty text)."""
    if v is None:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(v) else float(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, str):
        return neutralise(v)
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return neutralise(str(v))


@dataclass(frozen=True)
class Formula:
    """A formula (without its ``=``) and the value it computes, written as the cell's cached value."""
    text: str
    value: float | None = None


class _Strings:
    """The shared string table: each distinct text once, numbered in order of first use."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.index)
        return i

    def numbers(self, texts: list[str]) -> list[int]:
        """The numbers of ``texts``, as calling the table on each in turn gives them (a text not
        seen before numbered at its first use: the table's size before it is added)."""
        index = self.index
        number = index.setdefault
        return [number(s, len(index)) for s in texts]

    def xml(self) -> Iterator[str | memoryview]:
        yield f'{_HEAD}<sst xmlns="{_NS}" uniqueCount="{len(self.index)}">'
        items = list(self.index)
        for k in range(0, len(items), 10_000):
            yield _items_xml(items[k:k + 10_000])
        yield "</sst>"


def _item_xml(s: str) -> str:
    """One shared string's ``<si>``: its text as :func:`cell_text` writes it, with
    ``xml:space="preserve"`` when it starts or ends with white space."""
    t = cell_text(s)
    sp = ' xml:space="preserve"' if t[:1].isspace() or t[-1:].isspace() else ""
    return f"<si><t{sp}>{t}</t></si>"


# what may change a text in cell_text, in RE2 (Arrow's regular expressions): a superset of _NEEDS but
# its white space, which is Python's (Unicode) and is judged on the first and last characters
_MAY_NEED = r"[&<>_\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]"


def _items_xml(items: list[str]) -> str | memoryview:
    """The ``<si>`` of each text, one after the other (the bytes of ``"".join(map(_item_xml, items))``):
    built on the whole list in Arrow, the texts that need escaping, cutting or ``xml:space`` (and
    those Arrow cannot hold: a lone surrogate) by :func:`_item_xml` one at a time."""
    try:
        a = pa.array(items, type=pa.string())
    except (pa.ArrowException, UnicodeError):
        return "".join(map(_item_xml, items))
    first, last = pc.utf8_slice_codeunits(a, 0, 1), pc.utf8_slice_codeunits(a, -1)
    ends = pc.unique(pa.concat_arrays([first, last])).to_pylist()
    space = pa.array([c for c in ends if c.isspace()], type=pa.string())
    special = pc.or_(pc.or_(pc.greater(pc.binary_length(a), MAX_TEXT // 2), pc.match_substring_regex(a, _MAY_NEED)),
                     pc.or_(pc.is_in(first, value_set=space), pc.is_in(last, value_set=space)))
    out = pc.binary_join_element_wise("<si><t>", a, "</t></si>", "")
    where = np.flatnonzero(special.to_numpy(zero_copy_only=False))
    if len(where):
        out = pc.replace_with_mask(out, special, pa.array([_item_xml(items[i]) for i in where.tolist()], type=pa.string()))
    return _string_bytes(out)


class Sheet:
    """A worksheet: frames and single cells, column widths, frozen panes, a filter. ``fill``: what
    writes its content when the workbook is saved (see :meth:`Workbook.add_sheet`)."""

    def __init__(self, book: Workbook, name: str, fill: Callable[[Sheet], None] | None = None):
        self.book, self.name, self.fill = book, name, fill
        self._filled = False
        self._cells: dict[int, dict[int, str]] = {}
        self._frames: list[tuple[int, pd.DataFrame, dict[int, int], int]] = []
        self._widths: dict[int, float] = {}
        self.freeze: tuple[int, int] | None = None
        self.filter: tuple[int, int, int, int] | None = None

    # --- layout
    def set_width(self, first: int, last: int, width: float) -> None:
        """Columns ``first``..``last`` (0-based) ``width`` characters wide."""
        for j in range(first, last + 1):
            self._widths[j] = width

    def freeze_panes(self, row: int, col: int) -> None:
        """Rows above ``row`` and columns left of ``col`` stay in view."""
        self.freeze = (row, col)

    def autofilter(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.filter = (first_row, first_col, last_row, last_col)

    # --- content
    def write(self, row: int, col: int, value: Any, style: int = 0) -> None:
        """One cell (0-based): text, a number, a bool, a :class:`Formula`; None writes nothing."""
        if isinstance(value, Formula):
            cached = "" if value.value is None or not math.isfinite(value.value) else \
                f"<v>{number_text(value.value)}</v>"
            xml = f"{_style(style)}><f>{xml_text(value.text)}</f>{cached}</c>"
        else:
            xml = self.book._fragment(cell_value(value), style)
            if xml is None:
                return
        self._cells.setdefault(row, {})[col] = xml

    def write_row(self, row: int, col: int, values: Iterable[Any], style: int = 0) -> None:
        for j, v in enumerate(values, start=col):
            self.write(row, j, v, style)

    def write_frame(self, frame: pd.DataFrame, start: int = 0, header_style: int = 0,
                    styles: dict[int, int] | None = None) -> None:
        """``frame``'s column names in row ``start`` (``header_style``), its rows below; ``styles``:
        the style of a numeric column's cells, by column position."""
        if frame.shape[1] > MAX_COLS or start + len(frame) >= MAX_ROWS:
            raise ValueError(f"{self.name}: {len(frame)} rows × {frame.shape[1]} columns do not fit a sheet")
        self.write_row(start, 0, [str(c) for c in frame.columns], header_style)
        if len(frame):
            self._frames.append((start + 1, frame, dict(styles or {}), len(frame)))

    # --- output
    def _size_bound(self) -> int:
        """At most so many bytes of the sheet's XML (a frame's cell is at most 80 bytes: its text is
        a shared string's number)."""
        cells = sum(len(x) + 24 for row in self._cells.values() for x in row.values())
        return 8192 + cells + 32 * len(self._cells) + sum(n * (80 * f.shape[1] + 32) for _, f, _, n in self._frames)

    def _extent(self) -> tuple[int, int, int, int] | None:
        rows = [r for r, cells in self._cells.items() if cells]
        cols = [c for cells in self._cells.values() for c in cells]
        for first, frame, _, _n in self._frames:
            last = _last_filled_row(frame)
            if last is not None:
                rows += [first, first + last]
                cols += [0, frame.shape[1] - 1]
        if not rows:
            return None
        return min(rows), min(cols), max(rows), max(cols)

    def _xml(self, selected: bool) -> Iterator[str]:
        ext = self._extent()
        dim = "A1" if ext is None else (cell_ref(ext[0], ext[1]) + (
            "" if ext[:2] == ext[2:] else ":" + cell_ref(ext[2], ext[3])))
        tab = ' tabSelected="1"' if selected else ""
        yield (f'{_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_REL}"><dimension ref="{dim}"/><sheetViews>'
               f'<sheetView{tab} workbookViewId="0"{self._pane()}'
               f'</sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        yield self._cols()
        yield "<sheetData>"
        segments = sorted([(first, first + n - 1, ("frame", k)) for k, (first, _, _, n) in enumerate(self._frames)]
                          + [(r, r, ("row", r)) for r in self._cells])
        for (a, _, _), (b, _, _) in itertools.pairwise(segments):
            if b <= a or any(s[0] < b <= s[1] for s in segments if s[2][0] == "frame" and s[0] != b):
                raise ValueError(f"{self.name}: cells overlap a frame's rows")
        for _, _, (kind, key) in segments:
            if kind == "row":
                cells = self._cells[key]
                if cells:
                    yield (f'<row r="{key + 1}">'
                           + "".join(f'<c r="{cell_ref(key, c)}"{cells[c]}' for c in sorted(cells)) + "</row>")
            else:
                first, frame, styles, _ = self._frames[key]
                yield from self.book._frame_rows(frame, first, styles)
        yield "</sheetData>"
        if self.filter is not None:
            r0, c0, r1, c1 = self.filter
            yield f'<autoFilter ref="{cell_ref(r0, c0)}:{cell_ref(r1, c1)}"/>'
        yield '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'

    def _pane(self) -> str:
        if self.freeze is None or self.freeze == (0, 0):
            return "/>"
        row, col = self.freeze
        top = cell_ref(row, col)
        split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
        pane = "bottomRight" if row and col else "bottomLeft" if row else "topRight"
        return (f'><pane{split} topLeftCell="{top}" activePane="{pane}" state="frozen"/>'
                f'<selection pane="{pane}" activeCell="{top}" sqref="{top}"/></sheetView>')

    def _cols(self) -> str:
        """``<cols>``: adjacent columns of equal width in one element. A width of n characters is
        stored as trunc((n × digit + 5 px padding) / digit × 256) / 256 (ECMA-376 Part 1, 18.3.1.13)."""
        if not self._widths:
            return ""
        out, js = [], sorted(self._widths)
        k = 0
        while k < len(js):
            m = k
            while m + 1 < len(js) and js[m + 1] == js[m] + 1 and self._widths[js[m + 1]] == self._widths[js[k]]:
                m += 1
            px = round(self._widths[js[k]] * _MAX_DIGIT_PX)
            w = math.floor((px + 5) / _MAX_DIGIT_PX * 256) / 256
            out.append(f'<col min="{js[k] + 1}" max="{js[m] + 1}" width="{w!r}" customWidth="1"/>')
            k = m + 1
        return "<cols>" + "".join(out) + "</cols>"


def _string_bytes(a: pa.StringArray) -> memoryview:
    """The UTF-8 of an Arrow string array's values one after the other (its data buffer's span)."""
    bufs = a.buffers()
    off = np.frombuffer(bufs[1], dtype=np.int32, count=len(a) + 1, offset=a.offset * 4)
    return memoryview(bufs[2])[int(off[0]):int(off[-1])]


def _arrow_text(dtype: Any) -> bool:
    """Whether a column's values are Arrow text (pandas' pyarrow-backed string dtypes)."""
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype)


def _style(style: int) -> str:
    return f' s="{style}"' if style else ""


def _last_filled_row(frame: pd.DataFrame) -> int | None:
    """The position of ``frame``'s last row with a cell to write (None: none), looking from the end."""
    n, step = len(frame), 64
    end = n
    while end > 0:
        block = frame.iloc[max(0, end - step):end]
        filled = np.zeros(len(block), dtype=bool)
        for c in range(block.shape[1]):
            filled |= _present(block.iloc[:, c])
        if filled.any():
            return max(0, end - step) + int(np.flatnonzero(filled)[-1])
        end -= step
        step *= 4
    return None


def _present(s: pd.Series) -> np.ndarray:
    """Whether each value of a column writes a cell (numbers: finite; others: not missing)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return np.isfinite(s.to_numpy(dtype="float64", na_value=np.nan))
    if pd.api.types.is_bool_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype) or _arrow_text(s.dtype):
        return s.notna().to_numpy()
    return np.array([cell_value(v) is not None for v in s.to_numpy(dtype=object)], dtype=bool)


class Workbook:
    """Sheets in the order added, a fixed style list, document properties; :meth:`save` writes it."""

    def __init__(self, title: str = "", author: str = "", comments: str = ""):
        self.title, self.author, self.comments = title, author, comments
        self.sheets: list[Sheet] = []
        self._styles: list[tuple[str | None, bool]] = [(None, False)]
        self._strings = _Strings()

    def style(self, num_format: str | None = None, bold: bool = False) -> int:
        """The index of a cell style (registered on first use; 0 is the default)."""
        key = (num_format, bold)
        if key not in self._styles:
            self._styles.append(key)
        return self._styles.index(key)

    def add_sheet(self, name: str, fill: Callable[[Sheet], None] | None = None) -> Sheet:
        """A sheet at the end of the workbook's tabs. ``fill(sheet)``, when given, writes the
        sheet's content during :meth:`save`, after every sheet without one is written: it may wait
        for what it shows (the workpapers' issues, known when the rest of the pack is done)."""
        if len(name) > 31 or re.search(r"[\[\]:*?/\\]", name) or name.lower() in {s.name.lower() for s in self.sheets}:
            raise ValueError(f"not a sheet name Excel accepts, or not unique: {name!r}")
        ws = Sheet(self, name, fill)
        self.sheets.append(ws)
        return ws

    # --- cells
    def _fragment(self, x: Any, style: int = 0) -> str | None:
        """A cell's XML after its ``<c r="A1"`` for a value of :func:`cell_value`."""
        if x is None:
            return None
        if isinstance(x, bool):
            return f'{_style(style)} t="b"><v>{int(x)}</v></c>'
        if isinstance(x, int):
            return f"{_style(style)}><v>{x}</v></c>" if abs(x) < 2 ** 53 else self._fragment(float(x), style)
        if isinstance(x, float):
            return f"{_style(style)}><v>{number_text(x)}</v></c>"
        return f'{_style(style)} t="s"><v>{self._strings(x)}</v></c>'

    def _tails(self, s: pd.Series, style: int) -> tuple[pa.StringArray, np.ndarray]:
        """A column's cells without their reference (null: an empty cell) and which are filled; each
        distinct text or flag formatted once, numbers by Arrow's shortest round-trip format."""
        if pd.api.types.is_bool_dtype(s.dtype):
            a = s.astype("boolean")
            filled = a.notna().to_numpy()
            codes = a.fillna(False).to_numpy(dtype=bool).astype(np.int8)
            table = pa.array(["<c" + self._fragment(False, style), "<c" + self._fragment(True, style)])
            return table.take(pa.array(codes, mask=~filled)), filled
        if pd.api.types.is_numeric_dtype(s.dtype):
            a = s.to_numpy(dtype="float64", na_value=np.nan)
            filled = np.isfinite(a)
            if not filled.any():
                return pa.nulls(len(a), pa.string()), filled
            codes, uniques = pd.factorize(a.view(np.int64))   # distinct by bit pattern: -0 stays -0
            text = pc.cast(pa.array(uniques.view(np.float64)), pa.string())
            table = pc.binary_join_element_wise(f"<c{_style(style)}><v>", text, "</v></c>", "")
            return table.take(pa.array(codes, mask=~filled)), filled
        if _arrow_text(s.dtype):   # Arrow text: encoded, neutralised and numbered in Arrow
            arr = pa.array(s.array)
            enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
            tails = self._shared(neutralise_array(enc.dictionary), style).take(enc.indices)
            return tails, tails.is_valid().to_numpy(zero_copy_only=False)
        if isinstance(s.dtype, pd.CategoricalDtype):   # the categories used, in order of appearance
            codes, used = pd.factorize(s.cat.codes.to_numpy())
            cats = s.cat.categories
            uniques = [cats[k] if k >= 0 else None for k in used.tolist()]
        else:
            try:
                codes, uniques = pd.factorize(s, use_na_sentinel=True)
                uniques = list(uniques)
            except TypeError:   # unhashable values (a mapping): one at a time
                codes = np.arange(len(s))
                uniques = list(s.to_numpy(dtype=object))
        table = None
        if len(uniques) > 16 and pd.api.types.infer_dtype(uniques, skipna=False) == "string":
            try:   # text only: neutralised, numbered in the shared strings and formatted on the column
                text = neutralise_array(pa.array(np.asarray(uniques, dtype=object), type=pa.string()))
            except (pa.ArrowException, UnicodeError):   # a lone surrogate: one at a time below
                pass
            else:
                table = self._shared(text, style)
        if table is None:
            table = pa.array([None if (f := self._fragment(cell_value(v), style)) is None else "<c" + f
                              for v in uniques], type=pa.string())
        codes = np.asarray(codes)
        tails = table.take(pa.array(codes, mask=codes < 0))
        return tails, tails.is_valid().to_numpy(zero_copy_only=False)

    def _shared(self, text: pa.StringArray, style: int) -> pa.StringArray:
        """The cells of distinct texts (no nulls): each numbered in the shared strings."""
        ids = pa.array(self._strings.numbers(text.to_pylist()), type=pa.int64())
        return pc.binary_join_element_wise(f'<c{_style(style)} t="s"><v>', pc.cast(ids, pa.string()), "</v></c>", "")

    def _frame_rows(self, frame: pd.DataFrame, first: int, styles: dict[int, int]) -> Iterator[Any]:
        """The ``<row>`` elements of ``frame`` from 0-based sheet row ``first``, a block of rows at a
        time, built on whole columns with Arrow: each cell is ``<c`` and its tail, with its reference
        (``r="B7"``) only where the cell before it in the row is empty (a cell without one is the
        next column, ECMA-376 Part 1, 18.3.1.4), each row ``<row r="7">`` and its cells."""
        ncol = frame.shape[1]
        for b in range(0, len(frame), ROW_BLOCK):
            block = frame.iloc[b:b + ROW_BLOCK]
            m = len(block)
            numbers = pc.cast(pa.array(np.arange(first + b + 1, first + b + m + 1, dtype=np.int64)), pa.string())
            cells, prev = [], np.ones(m, dtype=bool)
            any_cell = np.zeros(m, dtype=bool)
            for j in range(ncol):
                cell, filled = self._tails(block.iloc[:, j], styles.get(j, 0))
                need = filled & ~prev
                if need.any():
                    where = pa.array(need)
                    tail = pc.utf8_slice_codeunits(cell.filter(where), 2)   # after the "<c"
                    ref = pc.binary_join_element_wise(f'<c r="{column_letter(j)}', numbers.filter(where), '"', tail, "")
                    cell = pc.replace_with_mask(cell, where, ref)
                cells.append(cell)
                any_cell |= filled
                prev = filled
            rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "",
                                               null_handling="replace", null_replacement="")
            if not any_cell.all():
                rows = rows.filter(pa.array(any_cell))
            if len(rows):
                yield _string_bytes(rows)

    # --- parts
    def _styles_xml(self) -> str:
        formats = list(dict.fromkeys(f for f, _ in self._styles if f))
        ids = {f: 164 + k for k, f in enumerate(formats)}
        nf = "".join(f'<numFmt numFmtId="{ids[f]}" formatCode="{_attr(f)}"/>' for f in formats)
        xfs = "".join(
            f'<xf numFmtId="{ids.get(f, 0)}" fontId="{int(b)}" fillId="0" borderId="0" xfId="0"'
            + (' applyNumberFormat="1"' if f else "") + (' applyFont="1"' if b else "") + "/>"
            for f, b in self._styles)
        font = '<sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/>'
        return (f'{_HEAD}<styleSheet xmlns="{_NS}">'
                + (f'<numFmts count="{len(formats)}">{nf}</numFmts>' if formats else "")
                + f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(self._styles)}">{xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '</styleSheet>')

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet name="{_attr(ws.name)}" sheetId="{k}" r:id="rId{k}"/>'
                         for k, ws in enumerate(self.sheets, start=1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">'
            f"{xml_text(_quoted(ws.name))}!{cell_ref(ws.filter[0], ws.filter[1], True)}:"
            f"{cell_ref(ws.filter[2], ws.filter[3], True)}</definedName>"
            for k, ws in enumerate(self.sheets) if ws.filter is not None)
        return (f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                f"<sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr fullCalcOnLoad="1"/></workbook>')

    def _package_parts(self) -> list[tuple[str, str]]:
        n = len(self.sheets)
        over = [("/docProps/app.xml", _CT + "extended-properties+xml"),
                ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                ("/xl/workbook.xml", _CT + "spreadsheetml.sheet.main+xml"),
                ("/xl/styles.xml", _CT + "spreadsheetml.styles+xml"),
                ("/xl/sharedStrings.xml", _CT + "spreadsheetml.sharedStrings+xml")]
        over += [(f"/xl/worksheets/sheet{k}.xml", _CT + "spreadsheetml.worksheet+xml") for k in range(1, n + 1)]
        types = (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in over) + "</Types>")
        rels = (f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
                f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
                "</Relationships>")
        titles = "".join(f"<vt:lpstr>{xml_text(ws.name)}</vt:lpstr>" for ws in self.sheets)
        app = (f'{_HEAD}<Properties xmlns="{_REL.replace("relationships", "extended-properties")}" '
               'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
               "<Application>disclosure</Application><HeadingPairs><vt:vector size=\"2\" baseType=\"variant\">"
               f"<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant>"
               f'</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{n}" baseType="lpstr">{titles}'
               "</vt:vector></TitlesOfParts></Properties>")
        core = (f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<dc:title>{xml_text(self.title)}</dc:title><dc:creator>{xml_text(self.author)}</dc:creator>"
                f"<dc:description>{xml_text(self.comments)}</dc:description>"
                f"<cp:lastModifiedBy>{xml_text(self.author)}</cp:lastModifiedBy>"
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_DATE}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_DATE}</dcterms:modified></cp:coreProperties>')
        wrels = (f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
                 + "".join(f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                           for k in range(1, n + 1))
                 + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                 "</Relationships>")
        return [("[Content_Types].xml", types), ("_rels/.rels", rels), ("docProps/app.xml", app),
                ("docProps/core.xml", core), ("xl/_rels/workbook.xml.rels", wrels)]

    def save(self, path: Path, stop: Callable[[], bool] | None = None) -> Path:
        """Write the workbook to ``path``, its parts in a fixed order: the package's parts, each
        sheet's XML streamed into its entry as it is built (deflated by a second thread meanwhile),
        first the sheets without a ``fill`` in tab order, then those with one in tab order (each
        filled just before), then the workbook and the styles (the filters and styles the fills
        set are known then), the shared strings last (known once every sheet is written).
        ``stop``: asked between blocks of rows; when it says so, :class:`Stopped` is raised (the
        file is left incomplete: its caller removes it)."""
        path = Path(path)
        if not self.sheets:
            raise ValueError("a workbook needs a sheet")
        order = [k for k, ws in enumerate(self.sheets, start=1) if ws.fill is None] + \
                [k for k, ws in enumerate(self.sheets, start=1) if ws.fill is not None]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in self._package_parts():
                _put(z, name, [text], len(text) * 4)
            for k in order:
                ws = self.sheets[k - 1]
                if ws.fill is not None and not ws._filled:
                    ws.fill(ws)
                    ws._filled = True
                _put(z, f"xl/worksheets/sheet{k}.xml", _until(ws._xml(selected=k == 1), stop), ws._size_bound())
            for name, text in [("xl/workbook.xml", self._workbook_xml()), ("xl/styles.xml", self._styles_xml())]:
                _put(z, name, [text], len(text) * 4)
            with tempfile.SpooledTemporaryFile(max_size=64 << 20, dir=path.parent) as f:
                for chunk in self._strings.xml():
                    f.write(chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) else chunk)
                size = f.tell()
                f.seek(0)
                _put(z, "xl/sharedStrings.xml", iter(lambda: f.read(4 << 20), b""), size)
        return path


class Stopped(Exception):
    """:meth:`Workbook.save` stopped when its ``stop`` said so."""


def _until(chunks: Iterable[Any], stop: Callable[[], bool] | None) -> Iterator[Any]:
    for c in chunks:
        if stop is not None and stop():
            raise Stopped("the workbook was stopped before it was written")
        yield c


def _put(z: zipfile.ZipFile, name: str, chunks: Iterable[Any], bound: int) -> None:
    """One zip entry, with the fixed date, from text or bytes chunks; ``bound``: at most so many
    bytes (past the zip format's 2 GiB, the entry has zip64 sizes). The chunks are deflated and
    written by a second thread while the next ones are built (zlib and Arrow release the GIL), at
    zlib's default level (6): zipfile's public API sets no level for an entry opened from a ZipInfo
    before Python 3.13. (200 MB of a million-line trace sheet: 15.2 MB in 1.8 s; level 1 would
    write 21.7 MB in 0.7 s.)"""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    with z.open(info, "w", force_zip64=bound > zipfile.ZIP64_LIMIT) as out:
        q: queue.Queue[Any] = queue.Queue(maxsize=4)
        failed: list[BaseException] = []

        def drain() -> None:
            while (c := q.get()) is not None:
                if not failed:
                    try:
                        out.write(c)
                    except BaseException as e:
                        failed.append(e)

        worker = threading.Thread(target=drain, daemon=True)
        worker.start()
        try:
            for c in chunks:
                if failed:
                    break
                q.put(c.encode("utf-8", "surrogatepass") if isinstance(c, str) else c)
        finally:
            q.put(None)
            worker.join()
        if failed:
            raise failed[0]


def _quoted(name: str) -> str:
    """A sheet name as a formula or defined name refers to it: quoted unless plain letters, digits and _."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else "'" + name.replace("'", "''") + "'"


__all__ = ["FIXED_DATE", "MAX_ROWS", "MAX_TEXT", "Formula", "Sheet", "Stopped", "Workbook", "cell_ref",
           "cell_text", "cell_value", "column_letter", "number_text"]
