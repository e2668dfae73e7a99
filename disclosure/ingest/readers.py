"""Readers: CSV (UTF-8 with or without BOM, GB18030), XLSX (calamine) and Parquet.

A reader returns a :class:`RawTable`: the cells as text (or typed, for Parquet), the headers as
written, and for every row the row number the user sees (header = row 1 in a CSV; the sheet's own
row number in a workbook). Reading never raises for bad content: it returns an issue instead.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.cells import column_letter
from ..core.issues import Issue, Location, issue
from .contract import TABLES, Table, header_aliases, norm_header

EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".parquet")


@dataclass(frozen=True)
class RawTable:
    frame: pd.DataFrame      # columns as the headers were written (deduplicated by suffix)
    headers: list[str]       # the headers as written
    rows: np.ndarray         # user-visible row number of each frame row
    file: str
    sheet: str | None
    header_row: int = 1      # user-visible row number of the header


def detect_encoding(path: Path, probe_bytes: int = 1 << 22) -> str:
    """UTF-8 (BOM or not) if the first few MB decode as UTF-8, else GB18030 (a superset of GBK
    and GB2312, the usual encodings of Chinese ERP exports)."""
    with open(path, "rb") as fh:
        head = fh.read(probe_bytes)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the probe's end is not an error
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_csv(path: Path, display: str) -> tuple[RawTable | None, list[Issue]]:
    """A CSV file's cells as text. A plain UTF-8 file (the common one) is read by Arrow's
    multi-threaded reader (:func:`read_csv_arrow`); any other (GB18030, blank lines, ragged rows,
    headers that are blank, repeated or quoted) by pandas (:func:`read_csv_pandas`), which gives
    the same table for every file Arrow reads."""
    enc = detect_encoding(path)
    if enc in ("utf-8", "utf-8-sig"):
        fast = read_csv_arrow(path, display)
        if fast is not None:
            unreadable = separators_problem(fast.headers)
            if unreadable:
                return None, [issue("unreadable-file", Location(display), reason=unreadable)]
            return drop_blank_rows(fast), []
    return read_csv_pandas(path, display, enc)


# byte pairs that end a blank line: where a file holds one (even inside a quoted cell), pandas reads it
BLANK_LINES = (b"\n\n", b"\r\r", b"\n\r")   # "\n\r": a line ended by CR after one ended by LF


def has_blank_line(data: Any, chunk: int = 1 << 23) -> bool:
    """Whether ``data`` (bytes, or a buffer such as an mmap) holds one of ``BLANK_LINES``: one pass
    over the bytes a chunk at a time, each line end looked at with the byte after it (``bytes.find``
    stops at each of the million line ends of a 148 MB file, once per pair)."""
    a = c = after = np.frombuffer(data, dtype=np.uint8)   # views: the mmap closes once this call has returned
    try:
        for off in range(0, len(a), chunk):
            c = a[off:off + chunk + 1]          # one byte more: a pair across two chunks
            after = c[1:]
            at = np.flatnonzero(c[:-1] == 10)   # LF, then LF or CR
            if at.size and ((after[at] == 10) | (after[at] == 13)).any():
                return True
            at = np.flatnonzero(c[:-1] == 13)   # CR, then CR
            if at.size and (after[at] == 13).any():
                return True
        return False
    finally:
        # an exception (a Ctrl-C) keeps this frame in its traceback: without the views dropped here,
        # closing the mmap would raise BufferError in its place
        del a, c, after


def read_csv_arrow(path: Path, display: str) -> RawTable | None:
    """A UTF-8 CSV read by ``pyarrow.csv`` (every cell as text, none missing), or None where the file
    is one pandas reads differently or Arrow cannot read: a header line that is blank (blank lines
    above the header), holds a quote, a blank header or a repeated one (pandas renames them); a
    blank line anywhere (pandas keeps it as a row, so that the rows after it keep their numbers);
    a row with more or fewer cells than the header, text that is not UTF-8, an unclosed quote
    (pandas reads or refuses them, and says why). The check for them is a scan of the bytes."""
    import mmap

    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with open(path, "rb") as fh:
            if fh.seek(0, 2) == 0:
                return None
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                start = len(codecs.BOM_UTF8) if mm[:3] == codecs.BOM_UTF8 else 0
                ends = [i for i in (mm.find(b"\n", start), mm.find(b"\r", start)) if i >= 0]
                head = mm[start:min(ends)] if ends else mm[start:]
                if has_blank_line(mm):
                    return None
    except (OSError, ValueError):
        return None
    if b'"' in head or not head.strip(b" \t\r\n,"):
        return None
    try:
        names = [h.decode("utf-8") for h in head.split(b",")]
    except UnicodeDecodeError:
        return None
    if any(not h for h in names) or len(set(names)) != len(names):
        return None
    auto = [f"f{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            # large_string: the type pandas keeps its text in, so the frame is made without a copy
            # (with string, to_pandas casts every column: 0.8 s at 1 M rows)
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(auto, pa.large_string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowException, OSError, UnicodeDecodeError):
        return None
    if table.num_rows == 0 or table.column_names != auto \
            or [table.column(i)[0].as_py() for i in range(len(names))] != names \
            or unclosed_at_end(path, table.column(len(names) - 1)[-1].as_py()):
        return None
    body = table.slice(1).rename_columns(names)
    frame = body.to_pandas()
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    return RawTable(frame, names, rows, display, None, 1)


def unclosed_at_end(path: Path, last: str) -> bool:
    """Whether the file may end inside a quoted cell, which Arrow reads as a cell running to the end
    and pandas refuses: it does where the file ends with a quote and the last cell's text as it is
    written in a quoted cell (quotes doubled), with no closing quote. (A file that ends otherwise
    closed its last cell: only the last cell of the last row can run to the end, as any other
    would leave its row short, which Arrow refuses.)"""
    tail = ('"' + last.replace('"', '""')).encode("utf-8")
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size < len(tail):
            return False
        fh.seek(size - len(tail))
        return fh.read() == tail


def read_csv_pandas(path: Path, display: str, enc: str) -> tuple[RawTable | None, list[Issue]]:
    """A CSV file read by pandas: the reader of every file Arrow's is not sure to read alike."""
    lead = leading_blank_lines(path, enc)
    for attempt in (enc, "gb18030"):
        try:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding=attempt, skip_blank_lines=False,
                engine="c", header=0, skiprows=lead,
            )
            break
        except UnicodeDecodeError as e:
            if attempt == "gb18030":
                return None, [issue("unreadable-file", Location(display), reason=f"encoding: {e}")]
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as e:
            return None, [issue("unreadable-file", Location(display), reason=str(e).strip())]
    headers = [str(h) for h in frame.columns]
    # pandas renames duplicated headers to "x.1"; keep what the user wrote for reporting
    if any("." in h for h in headers):  # pandas renames a repeated header "x" to "x.1"
        with open(path, encoding=attempt, errors="replace") as fh:
            for _ in range(lead):
                fh.readline()
            first = fh.readline().rstrip("\r\n")
        written = next(iter(pd.read_csv(io.StringIO(first), header=None, dtype=str,
                                        keep_default_na=False).itertuples(index=False)), None)
        if written is not None and len(written) == len(headers):
            headers = [str(h) for h in written]
    unreadable = separators_problem(headers)
    if unreadable:
        return None, [issue("unreadable-file", Location(display), reason=unreadable)]
    rows = np.arange(lead + 2, len(frame) + lead + 2, dtype=np.int64)
    return drop_blank_rows(RawTable(frame, headers, rows, display, None, lead + 1)), []


# characters that end a line for a person (and for str.splitlines) but not for a CSV reader: a file
# whose lines end with one reads as a single header line, and so as a table of no rows
LINE_SEPARATORS = {"\u2028": "U+2028 LINE SEPARATOR", "\u2029": "U+2029 PARAGRAPH SEPARATOR",
                   "\x85": "U+0085 NEXT LINE", "\x0b": "U+000B LINE TABULATION", "\x0c": "U+000C FORM FEED"}
FIELD_SEPARATORS = {";": "；分号 / semicolons", "\t": "制表符 / tabs", "|": "竖线 / vertical bars"}


def separators_problem(headers: list[str]) -> str | None:
    """Why a CSV's separators make it unreadable (its reason), from its header line: lines ended by
    a character other than a line break, or columns separated by something other than commas."""
    head = "".join(headers)
    for ch, name in LINE_SEPARATORS.items():
        if ch in head:
            return (f"各行以 {name} 而非换行符分隔，整个文件被读成一行表头 / the lines are separated by {name}, "
                    "not by line breaks, so the whole file reads as one header line; save it with line breaks")
    if len(headers) == 1:
        for ch, name in FIELD_SEPARATORS.items():
            if ch in head:
                zh, en = name.split(" / ")
                return (f"各列以{zh}而非逗号分隔 / the columns are separated by {en}, not by commas; "
                        "save the file as CSV with commas")
    return None


def leading_blank_lines(path: Path, encoding: str) -> int:
    """The blank lines before a CSV's header (skipped: the header is the first line with content)."""
    n = 0
    with open(path, encoding=encoding, errors="replace") as fh:
        for line in fh:
            if line.strip(" \t\r\n,"):
                break
            n += 1
            if n > 100:
                break
    return n


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def sheet_names(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def read_sheet(path: Path, sheet: str, display: str, is_header: Callable[[list[str]], bool] | None = None
               ) -> tuple[RawTable | None, list[Issue]]:
    """``is_header`` recognises the header row (so a title above it is skipped); without it, or if no
    row is recognised, the first row with any content is the header."""
    from python_calamine import CalamineWorkbook

    loc = Location(display, sheet)
    too_large = oversized(path, sheet)
    if too_large:
        return None, [issue("unreadable-file", loc, reason=too_large)]
    try:
        wb = CalamineWorkbook.from_path(str(path))
        data = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises its own error types for corrupt files
        return None, [issue("unreadable-file", loc, reason=str(e).strip() or type(e).__name__)]
    # the header is the first row with any content; the user's row numbers are 1-based
    start = next((i for i, r in enumerate(data) if any(_cell_text(c).strip() for c in r)), None)
    if start is not None and is_header is not None:
        start = next((i for i, r in enumerate(data[:50]) if is_header([_cell_text(c).strip() for c in r])), start)
    if start is None:
        empty = pd.DataFrame()
        return RawTable(empty, [], np.array([], dtype=np.int64), display, sheet), []
    headers = [_cell_text(c).strip() for c in data[start]]
    body = [[_cell_text(c) for c in r] for r in data[start + 1:]]
    width = len(headers)
    body = [(r + [""] * width)[:width] for r in body]
    frame = pd.DataFrame(body, columns=unique_headers(headers), dtype=str)
    rows = np.arange(start + 2, start + 2 + len(frame), dtype=np.int64)
    return drop_blank_rows(RawTable(frame, headers, rows, display, sheet, start + 1)), []


# --- a sheet's used range, bounded before it is read --------------------------------------------------

# calamine sizes a sheet by its last cell holding a value: one cell at XFD1048576 in a 6 KB file asks
# for 16,384 × 1,048,576 cells (549 GB) and aborts the process. A sheet whose range is far larger
# than the cells it holds (more than SPARSE_SLACK cells plus SPARSE_FACTOR times the cells held) is
# refused before calamine reads it, naming its last cell; a dense sheet of any size is read.
SPARSE_FACTOR = 4
SPARSE_SLACK = 1_000_000
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])([^>]*?)(/?)>")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3})(\d{1,7})["']""")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def sheet_extent(path: Path, sheet: str) -> tuple[int, int, int] | None:
    """(cells holding something, last row, last column) of a workbook's sheet, read from its XML
    a block at a time (without building the sheet); None when the file is not a readable XLSX
    package (calamine then reports what it is)."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, sheet)
            if member is None:
                return None
            cells = rows = cols = 0
            row = col = 0
            tail = b""
            with zf.open(member) as fh:
                while True:
                    block = fh.read(1 << 20)
                    data = tail + block
                    cut = len(data) if not block else data.rfind(b"<")
                    if cut < 0:
                        cut = 0
                    for m in _CELL.finditer(data, 0, cut):
                        ref = _REF.search(m.group(1))
                        if ref:
                            col, row = _column_number(ref.group(1)), int(ref.group(2))
                        else:   # a cell without its reference follows the one before it
                            col += 1
                        if m.group(2) == b"/":   # <c r="Z9" s="1"/>: a format, no value (calamine skips it)
                            continue
                        cells += 1
                        rows, cols = max(rows, row), max(cols, col)
                    tail = data[cut:]
                    if not block:
                        break
            return cells, rows, cols
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None


def _sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The package member of the sheet named ``sheet`` (xl/workbook.xml and its relationships)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    book = etree.fromstring(zf.read("xl/workbook.xml"), parser)
    rid = None
    for el in book.iter("{*}sheet"):
        if el.get("name") == sheet:
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            break
    if rid is None:
        return None
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), parser)
    target = next((r.get("Target") for r in rels.iter("{*}Relationship") if r.get("Id") == rid), None)
    if not target:
        return None
    name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return name if name in zf.namelist() else None


def oversized(path: Path, sheet: str) -> str | None:
    """Why a sheet is refused as far larger than its data (its reason), or None to read it."""
    extent = sheet_extent(path, sheet)
    if extent is None:
        return None
    cells, rows, cols = extent
    if rows * cols <= SPARSE_SLACK + SPARSE_FACTOR * cells:
        return None
    last = f"{column_letter(cols - 1)}{rows}"
    return (f"工作表的使用范围延伸到单元格 {last}（{cols:,} 列 × {rows:,} 行），但只有 {cells:,} 个单元格有内容；"
            f"请删除表格以外的零散单元格 / the sheet's used range reaches cell {last} ({cols:,} columns × "
            f"{rows:,} rows) but only {cells:,} cells hold anything: delete the stray cells beyond the table")


def nested_columns(path: Path) -> str | None:
    """Why a Parquet file is refused for its columns' types (its reason), or None: a column of
    structures, lists, maps or raw bytes holds no value a cell of the contract can be (read as text
    it would be a Python repr, ``{'zh': …}``). Read from the file's footer only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception:  # not a Parquet file: read_parquet reports it
        return None

    def bad(t: pa.DataType) -> bool:
        if pa.types.is_dictionary(t):
            return bad(t.value_type)
        return (pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)
                or pa.types.is_fixed_size_binary(t))

    found = [f"{f.name} ({f.type})" for f in schema if bad(f.type)]
    if not found:
        return None
    return (f"列 {', '.join(found)} 存放的是结构、列表或字节，而不是单个值 / the column(s) {', '.join(found)} hold "
            "structures, lists or bytes, not single values")


def read_grid(path: Path, sheet: str, display: str) -> tuple[list[list[str]] | None, list[Issue]]:
    """A sheet's cells as text, row by row from row 1 (a form-shaped sheet, not a table); a sheet far
    larger than its data is refused as ``read_sheet`` refuses it."""
    from python_calamine import CalamineWorkbook

    too_large = oversized(path, sheet)
    if too_large:
        return None, [issue("unreadable-file", Location(display, sheet), reason=too_large)]
    try:
        data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises its own error types for corrupt files
        return None, [issue("unreadable-file", Location(display, sheet), reason=str(e).strip() or type(e).__name__)]
    return [[_cell_text(c) for c in r] for r in data], []


def read_parquet(path: Path, display: str) -> tuple[RawTable | None, list[Issue]]:
    nested = nested_columns(path)
    if nested:
        return None, [issue("unreadable-file", Location(display), reason=nested)]
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises many error types for a corrupt file
        return None, [issue("unreadable-file", Location(display), reason=str(e).strip())]
    headers = [str(c) for c in frame.columns]
    frame.columns = unique_headers(headers)
    # Parquet has no user-visible rows: number them as a spreadsheet would (header = row 1)
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    return RawTable(frame.reset_index(drop=True), headers, rows, display, None), []


def unique_headers(headers: list[str]) -> list[str]:
    """Headers made unique as pandas makes them: a repeated "x" becomes "x.1", "x.2" …"""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        n = seen.get(h, 0)
        out.append(h if n == 0 else f"{h}.{n}")
        seen[h] = n + 1
    return out


def drop_blank_rows(raw: RawTable) -> RawTable:
    """The table without its rows of no content at all: they are not data (a spreadsheet's trailing
    rows). The columns are looked at until no row is left blank: where every row has its first
    cell (an id), that one column."""
    if raw.frame.empty:
        return raw
    blank = np.ones(len(raw.frame), dtype=bool)
    for c in raw.frame.columns:
        blank &= (raw.frame[c] == "").to_numpy()
        if not blank.any():
            return raw
    keep = ~blank
    return replace(raw, frame=raw.frame.loc[keep].reset_index(drop=True), rows=raw.rows[keep])


# --- where the tables of an inventory are ---------------------------------------------------------------

Candidates = dict[str, list[tuple[Path, str | None]]]   # table → the (file, sheet) that may hold it


def table_names(t: Table) -> set[str]:
    """The names a file or sheet may have to hold a table: its English name (any case) or its Chinese."""
    return {t.name.lower(), t.zh}


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, its links followed, lies inside the folder ``root`` (the inventory)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):   # a loop of links, a name too long
        return False


def table_of(stem: str) -> str | None:
    """The table a file or sheet named ``stem`` holds, if any."""
    s = stem.strip()
    return next((name for name, t in TABLES.items() if s.lower() in table_names(t) or s in table_names(t)), None)


SIDE_FILES = ("report.yaml", "disclosures.yaml")   # read beside the tables (ingest.report, ingest.disclosures)
# files that look like data: reported when they are not a table, so that no data is left out unseen
DATA_LIKE = (*EXTENSIONS, ".xls", ".tsv", ".txt", ".ods", ".json", ".numbers")


def stray_files(root: Path) -> list[Issue]:
    """The files of an inventory folder that are not read: a link to outside the folder
    (``outside-inventory``: never read nor copied into a pack) and a file that looks like data but is
    no table (``unknown-file``, with the table it may have been meant as: ``factor.csv``,
    ``instruments.txt``)."""
    import difflib

    out: list[Issue] = []
    if not root.is_dir():
        return out
    names = {n.lower(): n for n in TABLES} | {t.zh: n for n, t in TABLES.items()}
    for p in sorted(root.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_symlink() and not inside(root, p):
            out.append(issue("outside-inventory", Location(p.name), file=p.name))
            continue
        if not p.is_file() or p.name in SIDE_FILES:
            continue
        suffix = p.suffix.lower()
        table = table_of(p.stem)
        if table is not None and suffix in EXTENSIONS:
            continue
        if table is not None:
            near = table
            hint = (f"；请另存为 {table}.csv、.xlsx 或 .parquet / ; save it as {table}.csv, .xlsx or .parquet")
        elif suffix in DATA_LIKE:
            close = difflib.get_close_matches(p.stem.strip().lower(), list(names), n=1, cutoff=0.6)
            near = names[close[0]] if close else None
            ext = suffix if suffix in EXTENSIONS else ".csv"
            hint = f"；是否应为 {near}{ext}？ / ; did you mean {near}{ext}?" if near else ""
        else:
            continue
        out.append(issue("unknown-file", Location(p.name), file=p.name, tables=", ".join(TABLES), hint=hint,
                         nearest=near))
    return out


def locate_tables(root: Path) -> tuple[Candidates, Path | None]:
    """Where each table may come from: (file, sheet) candidates, and the workbook if the inventory
    is one XLSX file. A file that is a link to outside the folder is never a candidate
    (:func:`stray_files` reports it)."""
    found: Candidates = {name: [] for name in TABLES}
    if root.is_file():
        names = sheet_names(root)
        for name, t in TABLES.items():
            for s in names:
                if s.strip().lower() in table_names(t) or s.strip() in table_names(t):
                    found[name].append((root, s))
        return found, root
    for p in sorted(root.iterdir()):
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS or not inside(root, p):
            continue
        stem = p.stem.strip()
        for name, t in TABLES.items():
            if stem.lower() in table_names(t) or stem in table_names(t):
                found[name].append((p, None))
    return found, None


def read_table(path: Path, sheet: str | None, spec: Table | None = None) -> tuple[RawTable | None, list[Issue]]:
    """One table's file (or sheet) as text cells; a workbook's header row is the first that holds
    two of ``spec``'s headers (a title above it is skipped)."""
    display = path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, display)
    if suffix == ".parquet":
        return read_parquet(path, display)
    if sheet is None:  # a table given as its own workbook: its first sheet
        try:
            sheet = sheet_names(path)[0]
        except Exception as e:  # not a workbook at all
            return None, [issue("unreadable-file", Location(display), reason=str(e).strip() or type(e).__name__)]
    known = set(header_aliases(spec)) if spec else set()
    return read_sheet(path, sheet, display, is_header=lambda cells: sum(norm_header(c) in known for c in cells) >= 2)
