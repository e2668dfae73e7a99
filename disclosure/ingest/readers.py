"""Readers: CSV (UTF-8 with or without BOM, GB18030), XLSX (calamine) and Parquet.

A reader returns a :class:`RawTable`: the cells as text (or typed, for Parquet), the headers as
written, and for every row the row number the user sees (header = row 1 in a CSV; the sheet's own
row number in a workbook). Reading never raises for bad content: it returns an issue instead.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

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
    enc = detect_encoding(path)
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
    rows = np.arange(lead + 2, len(frame) + lead + 2, dtype=np.int64)
    return drop_blank_rows(RawTable(frame, headers, rows, display, None, lead + 1)), []


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


def read_grid(path: Path, sheet: str, display: str) -> tuple[list[list[str]] | None, list[Issue]]:
    """A sheet's cells as text, row by row from row 1 (a form-shaped sheet, not a table)."""
    from python_calamine import CalamineWorkbook

    try:
        data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises its own error types for corrupt files
        return None, [issue("unreadable-file", Location(display, sheet), reason=str(e).strip() or type(e).__name__)]
    return [[_cell_text(c) for c in r] for r in data], []


def read_parquet(path: Path, display: str) -> tuple[RawTable | None, list[Issue]]:
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
    rows)."""
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


def locate_tables(root: Path) -> tuple[Candidates, Path | None]:
    """Where each table may come from: (file, sheet) candidates, and the workbook if the inventory
    is one XLSX file."""
    found: Candidates = {name: [] for name in TABLES}
    if root.is_file():
        names = sheet_names(root)
        for name, t in TABLES.items():
            for s in names:
                if s.strip().lower() in table_names(t) or s.strip() in table_names(t):
                    found[name].append((root, s))
        return found, root
    for p in sorted(root.iterdir()):
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS:
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
