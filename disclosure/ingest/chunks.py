"""The activities table read a part at a time: in chunks, one after the other (the chunked engine),
or in pieces that workers read independently (the Dask engine).

Either way a part is a :class:`~disclosure.ingest.readers.RawTable` whose rows carry the row
numbers the user sees, the same numbers ``load_inventory`` gives: the header is row 1 of a CSV
(after any blank leading lines), rows are counted as records (a quoted field may hold a line
break), and a Parquet file's rows are numbered from 2 as a spreadsheet would show them.

The activities may be one file (CSV, Parquet, or a sheet of the inventory's workbook) or a folder
named like the table (``activities/``, ``活动数据/``) holding CSV or Parquet parts, as a data lake
export writes them; each part keeps its own name and row numbers in issues.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.issues import Issue, Location, issue
from . import readers
from .contract import TABLES, header_aliases, norm_header
from .readers import RawTable

ACTIVITIES = TABLES["activities"]
PART_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class ActivityFile:
    path: Path
    display: str                  # the name issues give: ``activities.csv`` or ``activities/part-0.parquet``
    kind: str                     # csv | parquet | xlsx
    sheet: str | None = None      # xlsx
    encoding: str | None = None   # csv


@dataclass(frozen=True)
class ActivitySource:
    files: tuple[ActivityFile, ...]
    display: str                  # the table's file in results.json ``inputs``
    sheet: str | None = None


def locate(root: Path) -> tuple[ActivitySource | None, list[Issue]]:
    """Find the activities of an inventory folder or workbook, as ``load_inventory`` does, and also
    as a folder of parts. Reports ``missing-file`` and ``ambiguous-file`` as the loader would."""
    found, workbook = readers.locate_tables(root)
    cands: list[tuple[Path, str | None]] = list(found["activities"])
    if workbook is None:
        names = readers.table_names(ACTIVITIES)
        cands += [(p, None) for p in sorted(root.iterdir())
                  if p.is_dir() and (p.name.strip().lower() in names or p.name.strip() in names)]
        cands.sort(key=lambda c: c[0].name)
    if not cands:
        return None, [issue("missing-file", Location(workbook.name if workbook else "activities"), table="activities")]
    if len(cands) > 1:
        names_ = ", ".join(f"{p.name}[{s}]" if s else p.name for p, s in cands)
        return None, [issue("ambiguous-file", Location(cands[0][0].name, cands[0][1]), table="activities",
                            files=names_)]
    path, sheet = cands[0]
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PART_SUFFIXES)
        files = tuple(_file(p, f"{path.name}/{p.name}") for p in parts)
        return ActivitySource(files, f"{path.name}/"), []
    if path.suffix.lower() in (".xlsx", ".xlsm") and sheet is None:  # a table given as its own workbook
        try:
            sheet = readers.sheet_names(path)[0]
        except Exception as e:  # not a workbook at all
            return None, [issue("unreadable-file", Location(path.name), reason=str(e).strip() or type(e).__name__)]
    f = _file(path, path.name, sheet)
    return ActivitySource((f,), f.display, sheet), []


def _file(path: Path, display: str, sheet: str | None = None) -> ActivityFile:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return ActivityFile(path, display, "csv", encoding=readers.detect_encoding(path))
    if suffix == ".parquet":
        return ActivityFile(path, display, "parquet")
    return ActivityFile(path, display, "xlsx", sheet=sheet)


class Unreadable(Exception):
    """A file that cannot be read (the loader's ``unreadable-file``), found part-way through it."""

    def __init__(self, file: ActivityFile, reason: str):
        super().__init__(file, reason)  # both in args: the exception travels back from Dask workers
        self.file, self.reason = file, reason

    def issue(self) -> Issue:
        return issue("unreadable-file", Location(self.file.display), reason=self.reason)


class Undecodable(Exception):
    """A CSV not in the encoding detected from its first megabytes (read again as GB18030, as the
    loader does)."""

    def __init__(self, file: ActivityFile, reason: str):
        super().__init__(file, reason)
        self.file, self.reason = file, reason


# --- headers ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Header:
    columns: tuple[str, ...]      # the frame's column names (as the reader names them)
    written: tuple[str, ...]      # the headers as written
    header_row: int               # user-visible row of the header
    lead: int = 0                 # csv: blank lines before the header


def _csv_header(f: ActivityFile, encoding: str) -> Header:
    lead = readers.leading_blank_lines(f.path, encoding)
    try:
        frame = pd.read_csv(f.path, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=False,
                            engine="c", header=0, skiprows=lead, nrows=0)
    except UnicodeDecodeError as e:
        raise Undecodable(f, str(e)) from e
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as e:
        raise Unreadable(f, str(e).strip()) from e
    columns = [str(h) for h in frame.columns]
    problem = readers.separators_problem(columns)
    if problem:
        raise Unreadable(f, problem)
    return Header(tuple(columns), tuple(_written(f, columns, lead, encoding)), lead + 1, lead)


def _written(f: ActivityFile, columns: list[str], lead: int, encoding: str) -> list[str]:
    """pandas renames a repeated header "x" to "x.1": the headers as the user wrote them (as
    ``readers.read_csv`` does)."""
    if not any("." in h for h in columns):
        return columns
    with open(f.path, encoding=encoding, errors="replace") as fh:
        for _ in range(lead):
            fh.readline()
        first = fh.readline().rstrip("\r\n")
    written = next(iter(pd.read_csv(io.StringIO(first), header=None, dtype=str,
                                    keep_default_na=False).itertuples(index=False)), None)
    if written is not None and len(written) == len(columns):
        return [str(h) for h in written]
    return columns


def _parquet_file(f: ActivityFile):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(f.path)
    except Exception as e:  # pyarrow raises many error types for a corrupt file
        raise Unreadable(f, str(e).strip()) from e
    nested = readers.nested_columns(f.path)
    if nested:
        raise Unreadable(f, nested)
    return pf


def _to_pandas(table) -> pd.DataFrame:
    """As ``pandas.read_parquet`` converts (the pandas metadata restores index and extension types)."""
    frame = table.to_pandas()
    return frame.reset_index(drop=True)


def header_of(f: ActivityFile) -> Header:
    """The header of a file, read without its rows."""
    if f.kind == "csv":
        return _csv_header(f, f.encoding or "utf-8")
    if f.kind == "parquet":
        pf = _parquet_file(f)
        empty = _to_pandas(pf.schema_arrow.empty_table())
        cols = [str(c) for c in empty.columns]
        return Header(tuple(readers.unique_headers(cols)), tuple(cols), 1)
    raw = _read_sheet(f)
    return Header(tuple(str(c) for c in raw.frame.columns), tuple(raw.headers), raw.header_row)


def empty_raw(f: ActivityFile, h: Header) -> RawTable:
    """A part with the file's header and no rows (to check the header once per file)."""
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in h.columns})
    return RawTable(frame, list(h.written), np.array([], dtype=np.int64), f.display, f.sheet, h.header_row)


def column_of(h: Header, name: str) -> str | None:
    """The frame column that holds a contract column (the first, as the loader maps it)."""
    aliases = header_aliases(ACTIVITIES)
    for col, written in zip(h.columns, h.written, strict=True):
        if aliases.get(norm_header(written)) == name:
            return col
    return None


def _read_sheet(f: ActivityFile) -> RawTable:
    known = set(header_aliases(ACTIVITIES))
    raw, issues = readers.read_sheet(f.path, f.sheet or "", f.display,
                                     is_header=lambda cells: sum(norm_header(c) in known for c in cells) >= 2)
    if raw is None:
        raise Unreadable(f, str(dict(issues[0].params).get("reason", "")) if issues else "")
    return raw


# --- chunks: one after the other ---------------------------------------------------------------------

def iter_chunks(f: ActivityFile, chunk_rows: int) -> Iterator[RawTable]:
    """The file's rows, ``chunk_rows`` at a time (at least one part, maybe empty, per file). Raises
    :class:`Unreadable`, or :class:`Undecodable` when the file is not in its detected encoding."""
    if f.kind == "csv":
        yield from _csv_chunks(f, chunk_rows)
    elif f.kind == "parquet":
        yield from _parquet_chunks(f, chunk_rows)
    else:
        raw = _read_sheet(f)
        for start in range(0, max(len(raw.frame), 1), chunk_rows):
            yield RawTable(raw.frame.iloc[start:start + chunk_rows].reset_index(drop=True), raw.headers,
                           raw.rows[start:start + chunk_rows], raw.file, raw.sheet, raw.header_row)


def _csv_chunks(f: ActivityFile, chunk_rows: int) -> Iterator[RawTable]:
    enc = f.encoding or "utf-8"
    h = _csv_header(f, enc)
    row = h.lead + 2
    any_ = False
    try:
        reader = pd.read_csv(f.path, dtype=str, keep_default_na=False, encoding=enc, skip_blank_lines=False,
                             engine="c", header=0, skiprows=h.lead, chunksize=chunk_rows)
        with reader:
            for frame in reader:
                rows = np.arange(row, row + len(frame), dtype=np.int64)
                row += len(frame)
                any_ = True
                yield readers.drop_blank_rows(RawTable(frame, list(h.written), rows, f.display, None, h.header_row))
    except UnicodeDecodeError as e:
        raise Undecodable(f, str(e)) from e
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as e:
        raise Unreadable(f, str(e).strip()) from e
    if not any_:
        yield empty_raw(f, h)


def _parquet_chunks(f: ActivityFile, chunk_rows: int) -> Iterator[RawTable]:
    import pyarrow as pa

    pf = _parquet_file(f)
    h = header_of(f)
    row = 2
    any_ = False
    try:
        for batch in pf.iter_batches(batch_size=chunk_rows):
            frame = _to_pandas(pa.Table.from_batches([batch], schema=pf.schema_arrow))
            frame.columns = list(h.columns)
            any_ = True
            rows = np.arange(row, row + len(frame), dtype=np.int64)
            row += len(frame)
            yield RawTable(frame, list(h.written), rows, f.display, None, 1)
    except (OSError, pa.ArrowException) as e:
        raise Unreadable(f, str(e).strip()) from e
    if not any_:
        yield empty_raw(f, h)


# --- pieces: read independently, on any worker ---------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A part of one file that a worker reads on its own: Parquet row groups, a byte range of a
    CSV holding whole records, or a slice of a sheet. ``first_row`` is the user-visible row of its
    first record and ``rows`` the number of records it holds."""

    file: ActivityFile
    index: int
    header: Header
    first_row: int
    rows: int
    row_groups: tuple[int, ...] = ()
    start: int = 0
    stop: int = 0


def pieces(source: ActivitySource, rows_per_piece: int) -> list[Piece]:
    """Cut every file into pieces of about ``rows_per_piece`` records. Parquet from its footer
    (a piece is at least one row group); CSV from one scan of its bytes for record ends (a line
    break outside quotes); a sheet is read here and sliced."""
    out: list[Piece] = []
    for f in source.files:
        for p in _file_pieces(f, rows_per_piece):
            out.append(Piece(f, len(out), p.header, p.first_row, p.rows, p.row_groups, p.start, p.stop))
    return out


def _file_pieces(f: ActivityFile, n: int) -> list[Piece]:
    h = header_of(f)
    if f.kind == "parquet":
        meta = _parquet_file(f).metadata
        out, groups, rows, first = [], [], 0, 2
        for i in range(meta.num_row_groups):
            groups.append(i)
            rows += meta.row_group(i).num_rows
            if rows >= n:
                out.append(Piece(f, 0, h, first, rows, tuple(groups)))
                first, groups, rows = first + rows, [], 0
        if groups or not out:
            out.append(Piece(f, 0, h, first, rows, tuple(groups)))
        return out
    if f.kind == "xlsx":
        total = len(_read_sheet(f).frame)
        return [Piece(f, 0, h, 0, min(n, total - s), start=s, stop=min(s + n, total))
                for s in range(0, max(total, 1), n)]
    return _csv_pieces(f, h, n)


def _csv_pieces(f: ActivityFile, h: Header, n: int) -> list[Piece]:
    """Cut a CSV after every ``n`` records, from one scan of its bytes (memory: the cuts only)."""
    size = f.path.stat().st_size
    start: int | None = None       # where the records after the header begin
    seen = 0                       # record ends so far (blank leading lines and the header included)
    last_end = -1
    cuts: list[int] = []
    for ends in _record_ends(f.path):
        if not len(ends):
            continue
        if start is None and seen + len(ends) > h.lead:
            start = int(ends[h.lead - seen]) + 1
        j = np.arange(seen, seen + len(ends)) - (h.lead + 1)     # index of the data record ended
        cuts += [int(e) + 1 for e in ends[(j >= 0) & ((j + 1) % n == 0)]]
        seen += len(ends)
        last_end = int(ends[-1])
    if start is None:
        start = size
    total = max(seen - (h.lead + 1), 0) + (1 if max(last_end + 1, start) < size else 0)
    bounds = [start, *cuts]
    out = []
    for k, b0 in enumerate(bounds):
        if k and k * n >= total:
            break
        out.append(Piece(f, 0, h, h.lead + 2 + k * n, min(n, total - k * n), start=b0,
                         stop=bounds[k + 1] if k + 1 < len(bounds) else size))
    return out


def _record_ends(path: Path, block: int = 1 << 24) -> Iterator[np.ndarray]:
    """Byte offsets, block by block, of the line breaks that end a record: those outside double
    quotes (a quote inside a quoted field is written twice, which keeps the count even). Line
    breaks are ``\\n`` (``\\r\\n`` included); the bytes 0x22 and 0x0A never occur inside a
    multi-byte character of UTF-8 or GB18030."""
    odd = False
    pos = 0
    with open(path, "rb") as fh:
        while True:
            buf = fh.read(block)
            if not buf:
                return
            a = np.frombuffer(buf, dtype=np.uint8)
            nl = np.flatnonzero(a == 10)
            quotes = np.flatnonzero(a == 34)
            if len(quotes):
                inside = ((np.searchsorted(quotes, nl) & 1) == 1) != odd
                nl = nl[~inside]
                odd = odd != (len(quotes) % 2 == 1)
            elif odd:
                nl = nl[:0]
            yield nl + pos
            pos += len(buf)


def read_piece(p: Piece, columns: list[str] | None = None) -> RawTable:
    """The piece's records, with their row numbers; ``columns`` (frame column names) reads only
    those. A CSV piece whose record count differs from the scan's (a file that quotes other than
    as RFC 4180 does) raises ``ValueError`` rather than number rows wrongly."""
    f, h = p.file, p.header
    if f.kind == "parquet":
        pf = _parquet_file(f)
        if p.row_groups:
            names = None if columns is None else [w for c, w in zip(h.columns, h.written, strict=True) if c in columns]
            frame = _to_pandas(pf.read_row_groups(list(p.row_groups), columns=names))
        else:
            frame = _to_pandas(pf.schema_arrow.empty_table())
        frame.columns = list(h.columns) if columns is None else [c for c in h.columns if c in columns]
        rows = np.arange(p.first_row, p.first_row + len(frame), dtype=np.int64)
        return RawTable(frame, list(h.written), rows, f.display, None, 1)
    if f.kind == "xlsx":
        raw = _read_sheet(f)
        return RawTable(raw.frame.iloc[p.start:p.stop].reset_index(drop=True), raw.headers,
                        raw.rows[p.start:p.stop], raw.file, raw.sheet, raw.header_row)
    with open(f.path, "rb") as fh:
        fh.seek(p.start)
        data = fh.read(p.stop - p.start)
    enc = f.encoding or "utf-8"
    if p.rows == 0 or not data:
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in h.columns})
    else:
        usecols = None if columns is None else [h.columns.index(c) for c in columns]
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding=enc,
                                skip_blank_lines=False, engine="c", header=None, names=list(h.columns),
                                usecols=usecols)
        except UnicodeDecodeError as e:
            raise Undecodable(f, str(e)) from e
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise Unreadable(f, str(e).strip()) from e
    if len(frame) != p.rows:
        raise ValueError(f"{f.display}: {p.rows} records expected from row {p.first_row}, {len(frame)} read: "
                         "the file is not quoted as RFC 4180 CSV; convert it to Parquet or use --engine chunked")
    rows = np.arange(p.first_row, p.first_row + len(frame), dtype=np.int64)
    return readers.drop_blank_rows(RawTable(frame, list(h.written), rows, f.display, None, h.header_row))
