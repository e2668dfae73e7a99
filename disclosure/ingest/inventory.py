"""Load an inventory: find its tables, read them, map headers, parse values, validate.

``load_inventory(path)`` returns ``(Inventory, issues)`` and never raises for bad input. Every
row read ends up accepted or rejected, and a rejected row is rejected because an error issue points
at it, so ``read == accepted + rejected`` per table by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import units
from ..core.issues import Issue, Location, Severity, issue
from . import parse, readers
from .contract import CERTIFICATE_UNITS, ENUMS, TABLES, Column, Kind, Table, header_aliases
from .report import ReportSettings, _settings, load_report

ROW = "_row"  # the column holding each row's user-visible row number


@dataclass
class TableData:
    name: str
    frame: pd.DataFrame              # typed contract columns, extra columns (text), ``_row``
    file: str = ""
    sheet: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    rejected: np.ndarray | None = None   # bool per frame row

    @property
    def accepted(self) -> pd.DataFrame:
        if self.rejected is None:
            return self.frame
        return self.frame.loc[~self.rejected]

    def location(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.file, self.sheet, row, column)


@dataclass(frozen=True)
class Counts:
    read: int
    accepted: int
    rejected: int


@dataclass
class Inventory:
    root: Path
    settings: ReportSettings
    tables: dict[str, TableData]
    disclosures: dict[str, Any] = field(default_factory=dict)  # disclosures.yaml, see disclosures.py

    def table(self, name: str) -> pd.DataFrame:
        """The accepted rows of a table (an empty frame with the contract's columns if absent)."""
        t = self.tables.get(name)
        if t is None:
            return pd.DataFrame(columns=[*TABLES[name].names, ROW])
        return t.accepted

    @property
    def counts(self) -> dict[str, Counts]:
        out = {}
        for name, t in self.tables.items():
            n = len(t.frame)
            rej = int(t.rejected.sum()) if t.rejected is not None else 0
            out[name] = Counts(n, n - rej, rej)
        return out


# --- locating the tables -------------------------------------------------------------------------

def _table_names(t: Table) -> set[str]:
    return {t.name.lower(), t.zh}


def _locate(root: Path) -> tuple[dict[str, list[tuple[Path, str | None]]], Path | None, list[Path]]:
    """Where each table comes from: (file, sheet) candidates, the workbook if the inventory is one
    XLSX file, and the report file."""
    found: dict[str, list[tuple[Path, str | None]]] = {name: [] for name in TABLES}
    if root.is_file():
        names = readers.sheet_names(root)
        for name, t in TABLES.items():
            for s in names:
                if s.strip().lower() in _table_names(t) or s.strip() in _table_names(t):
                    found[name].append((root, s))
        return found, root, []
    for p in sorted(root.iterdir()):
        if not p.is_file() or p.suffix.lower() not in readers.EXTENSIONS:
            continue
        stem = p.stem.strip()
        for name, t in TABLES.items():
            if stem.lower() in _table_names(t) or stem in _table_names(t):
                found[name].append((p, None))
    return found, None, []


def _read(path: Path, sheet: str | None, root: Path, spec: Table | None = None
          ) -> tuple[readers.RawTable | None, list[Issue]]:
    display = path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return readers.read_csv(path, display)
    if suffix == ".parquet":
        return readers.read_parquet(path, display)
    if sheet is None:  # a table given as its own workbook: its first sheet
        try:
            sheet = readers.sheet_names(path)[0]
        except Exception as e:  # not a workbook at all
            return None, [issue("unreadable-file", Location(display), reason=str(e).strip() or type(e).__name__)]
    known = set(header_aliases(spec)) if spec else set()
    from .contract import norm_header

    return readers.read_sheet(path, sheet, display,
                              is_header=lambda cells: sum(norm_header(c) in known for c in cells) >= 2)


# --- typing one table ----------------------------------------------------------------------------

class _Collector:
    """Turns boolean masks over a table into issues, looping only over the flagged rows."""

    def __init__(self, table: str, file: str, sheet: str | None, rows: np.ndarray):
        self.table, self.file, self.sheet, self.rows = table, file, sheet, rows
        self.issues: list[Issue] = []

    def flag(self, code: str, mask: Any, where: str | None, values: Any = None, **params: Any) -> None:
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        idx = np.flatnonzero(m)
        vals = None if values is None else np.asarray(values, dtype=object)[idx]
        for k, i in enumerate(idx):
            extra = dict(params)
            if vals is not None:
                extra["value"] = _show(vals[k])
            self.issues.append(issue(code, Location(self.file, self.sheet, int(self.rows[i]), where),
                                     table=self.table, **extra))


def _show(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return v if isinstance(v, int | float | str) else str(v)


def _type_table(spec: Table, raw: readers.RawTable) -> tuple[TableData, list[Issue]]:
    col = _Collector(spec.name, raw.file, raw.sheet, raw.rows)
    aliases = header_aliases(spec)
    from .contract import norm_header

    mapping: dict[str, str] = {}          # frame column → contract column
    extras: list[str] = []
    for frame_col, written in zip(raw.frame.columns, raw.headers, strict=True):
        target = aliases.get(norm_header(written))
        if target is None:
            extras.append(frame_col)
            if written.strip():
                col.issues.append(issue("unknown-column", Location(raw.file, raw.sheet, raw.header_row, written),
                                        table=spec.name, column=written))
        elif target in mapping.values():
            headers = [h for h, f in zip(raw.headers, raw.frame.columns, strict=True)
                       if aliases.get(norm_header(h)) == target]
            col.issues.append(issue("duplicate-column", Location(raw.file, raw.sheet, raw.header_row, target),
                                    table=spec.name, column=target, headers=", ".join(headers)))
        else:
            mapping[frame_col] = target
    present = set(mapping.values())
    for c in spec.columns:
        if (c.required or c.nonempty) and c.name not in present:
            col.issues.append(issue("missing-column", Location(raw.file, raw.sheet, raw.header_row, c.name),
                                    table=spec.name, column=c.name, alias=c.zh[0]))

    by_name = {v: k for k, v in mapping.items()}
    n = len(raw.frame)
    parsed = _parse_columns([c for c in spec.columns if c.name in by_name],
                            {c.name: raw.frame[by_name[c.name]] for c in spec.columns if c.name in by_name}, col)
    typed = {c.name: parsed[c.name] if c.name in parsed else _empty(c, n) for c in spec.columns}
    frame = pd.DataFrame(typed)
    for e in extras:
        frame[f"extra:{raw.headers[list(raw.frame.columns).index(e)] or e}"] = raw.frame[e].to_numpy()
    frame[ROW] = raw.rows
    return TableData(spec.name, frame, raw.file, raw.sheet, extras), col.issues


PARALLEL_ROWS = 100_000   # from this many rows a table's columns are typed two at a time


def _parse_columns(columns: list[Column], cells: dict[str, pd.Series], col: _Collector) -> dict[str, pd.Series]:
    """Each column typed (``_parse_column``); the issues added to ``col`` column by column, in the
    contract's order. A large table's columns are typed in two threads (the parsers spend most of
    their time in Arrow and numpy, without the GIL); unit columns stay in this thread (the unit
    registry is not shared between threads)."""
    def one(c: Column) -> tuple[pd.Series, list[Issue]]:
        own = _Collector(col.table, col.file, col.sheet, col.rows)
        return _parse_column(c, cells[c.name], own), own.issues

    rows = len(next(iter(cells.values()))) if cells else 0
    out: dict[str, tuple[pd.Series, list[Issue]]] = {}
    if rows >= PARALLEL_ROWS and len(columns) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="disclosure-type") as pool:
            # the other thread takes every other column; this one the rest, and every unit column
            theirs = [c for i, c in enumerate(columns) if i % 2 and c.kind is not Kind.UNIT]
            done = {c.name: pool.submit(one, c) for c in theirs}
            for c in columns:
                if c.name not in done:
                    out[c.name] = one(c)
            for name, f in done.items():
                out[name] = f.result()
    else:
        out = {c.name: one(c) for c in columns}
    for c in columns:
        col.issues += out[c.name][1]
    return {name: v for name, (v, _) in out.items()}


def _empty(c: Column, n: int) -> pd.Series:
    dtype = {Kind.NUMBER: "float64", Kind.AMOUNT: "float64", Kind.FRACTION: "float64",
             Kind.DATE: "datetime64[ns]", Kind.BOOL: "boolean", Kind.CATEGORY: "Int64"}.get(c.kind, "str")
    # a column of missing values of its type (built by taking, not from a list of n Nones)
    return pd.Series(pd.Series([None], dtype=dtype).array.take(np.zeros(n, dtype=np.int64)), dtype=dtype)


def _parse_column(c: Column, s: pd.Series, col: _Collector) -> pd.Series:
    s = s.reset_index(drop=True)
    empty = parse.is_empty(s)
    if c.nonempty:
        col.flag("missing-value", empty, c.name, column=c.name)
    if c.kind in (Kind.TEXT, Kind.ID):
        return parse.text(s)
    if c.kind in (Kind.NUMBER, Kind.AMOUNT):
        v, bad = parse.number(s, empty)
        col.flag("bad-number", bad, c.name, s)
        if c.kind is Kind.AMOUNT:
            col.flag("negative-number", v < 0, c.name, v)
        return v
    if c.kind is Kind.FRACTION:
        v, bad = parse.fraction(s, empty)
        col.flag("bad-number", bad, c.name, s)
        # ownership has its own code; other fractions share one
        code = "ownership-range" if c.name == "ownership" else "fraction-range"
        col.flag(code, (v < 0) | (v > 1), c.name, s)
        return v
    if c.kind is Kind.DATE:
        v, bad = parse.date(s, empty)
        col.flag("bad-date", bad, c.name, s)
        return v
    if c.kind is Kind.BOOL:
        v, bad = parse.boolean(s, empty)
        col.flag("bad-boolean", bad, c.name, s)
        return v
    if c.kind is Kind.ENUM:
        e = ENUMS[c.enum or ""]
        v, bad = parse.enum(s, e.values, e.aliases, empty)
        col.flag("bad-enum", bad, c.name, s, allowed=e.values, enum=e.name)
        return v
    if c.kind is Kind.CATEGORY:
        v, bad, out = parse.category(s, empty)
        col.flag("scope3-category-range", bad | out, c.name, s)
        return v
    if c.kind is Kind.UNIT:
        t = parse.text(s)
        codes, uniques = pd.factorize(t, use_na_sentinel=True)
        certs = CERTIFICATE_UNITS if col.table == "instruments" else set()
        known = np.array([u in certs or units.lookup(u) is not None for u in uniques], dtype=bool)
        bad = (codes >= 0) & ~(known[np.where(codes < 0, 0, codes)] if len(known) else False)
        col.flag("unknown-unit", bad, c.name, t)
        return t
    raise AssertionError(c.kind)


# --- the whole inventory -------------------------------------------------------------------------

def load_inventory(path: str | Path, *, skip: tuple[str, ...] = ()) -> tuple[Inventory, list[Issue]]:
    """Read and validate an inventory folder (or one XLSX workbook). Tables named in ``skip`` are
    not read (the chunked and Dask engines read the activities themselves, chunk by chunk)."""
    from ..validate import validate

    root = Path(path)
    issues: list[Issue] = []
    if not root.exists():
        issues.append(issue("missing-file", Location(str(root)), table=str(root)))
        return Inventory(root, ReportSettings(), {}), issues
    if root.is_file() and root.suffix.lower() not in (".xlsx", ".xlsm"):
        issues.append(issue("unreadable-file", Location(root.name), reason=(
            "清单应为文件夹或一个 XLSX 工作簿 / an inventory is a folder or one XLSX workbook")))
        return Inventory(root, ReportSettings(), {}), issues
    found, workbook, _ = _locate(root)

    settings, report_issues = _load_settings(root, workbook)
    issues += report_issues
    # disclosures.yaml beside report.yaml (or a disclosures sheet): narrative and other disclosures
    from .disclosures import load_disclosures

    disclosures, disclosure_issues = load_disclosures(root if workbook is None else root.parent, workbook)
    issues += disclosure_issues

    tables: dict[str, TableData] = {}
    for name, spec in TABLES.items():
        if name in skip:
            continue
        cands = found[name]
        if not cands:
            if spec.required:
                where = Location(workbook.name if workbook else spec.name)
                issues.append(issue("missing-file", where, table=name))
            continue
        if len(cands) > 1:
            names = ", ".join(f"{p.name}[{s}]" if s else p.name for p, s in cands)
            issues.append(issue("ambiguous-file", Location(cands[0][0].name, cands[0][1]), table=name, files=names))
            continue
        raw, read_issues = _read(cands[0][0], cands[0][1], root, spec)
        issues += read_issues
        if raw is None:
            continue
        data, type_issues = _type_table(spec, raw)
        issues += type_issues
        if len(data.frame) == 0 and spec.required:  # an optional table left blank is fine
            issues.append(issue("empty-table", data.location(), table=name))
        tables[name] = data

    inv = Inventory(root, settings, tables, disclosures)
    issues += validate(inv)
    _mark_rejected(inv, issues)
    return inv, issues


def _load_settings(root: Path, workbook: Path | None) -> tuple[ReportSettings, list[Issue]]:
    folder = root if workbook is None else root.parent
    report = folder / "report.yaml"
    if workbook is not None and not report.exists():
        sheets = [s for s in readers.sheet_names(workbook) if s.strip().lower() in ("report", "报告设置")]
        if sheets:
            return _settings_from_sheet(workbook, sheets[0])
    return load_report(report)


def _settings_from_sheet(workbook: Path, sheet: str) -> tuple[ReportSettings, list[Issue]]:
    """A ``report`` sheet of two columns, field (dotted path, e.g. ``entity.name_zh``) and value."""
    raw, issues = readers.read_sheet(workbook, sheet, workbook.name)
    if raw is None or raw.frame.shape[1] < 2:
        return ReportSettings(), issues or [issue("report-missing", Location(workbook.name, sheet))]
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for (key, value), row in zip(raw.frame.iloc[:, :2].itertuples(index=False), raw.rows, strict=True):
        key = str(key).strip()
        if not key:
            continue
        cur: Any = data
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            cur = cur.setdefault(part, {})
            lines.setdefault(".".join(parts[: i + 1]), int(row))
            if not isinstance(cur, dict):
                issues.append(issue("report-bad-value", Location(workbook.name, sheet, int(row), key), field=key,
                                    value=str(value), reason=f"“{'.'.join(parts[: i + 1])}” 已是单个值 / is already a value"))
                break
        else:
            cur[parts[-1]] = value if str(value).strip() != "" else None
        lines[key] = int(row)
    settings, more = _settings(data, lines, workbook.name)
    return settings, issues + [
        Issue(i.code, i.severity, Location(workbook.name, sheet, i.location.row, i.location.column), i.params)
        for i in more
    ]


def _mark_rejected(inv: Inventory, issues: list[Issue]) -> None:
    """A row is rejected when an error points at it; a header error (a required column missing or
    given twice) rejects every row of its table, since none of them can be read as the contract says."""
    bad: dict[str, set[int]] = {}
    whole: set[str] = set()
    for i in issues:
        if i.severity is not Severity.ERROR or not i.table:
            continue
        if i.code in ("missing-column", "duplicate-column"):
            whole.add(i.table)
        elif i.location.row is not None and i.location.row > 1:
            bad.setdefault(i.table, set()).add(i.location.row)
    for name, t in inv.tables.items():
        rows = bad.get(name)
        if name in whole:
            t.rejected = np.ones(len(t.frame), dtype=bool)
        elif rows:
            t.rejected = t.frame[ROW].isin(rows).to_numpy()
        else:
            t.rejected = np.zeros(len(t.frame), dtype=bool)


def reasons(inv: Inventory, issues: list[Issue], table: str) -> Mapping[int, str]:
    """Row number → the codes of the errors that rejected it (for the trace and the workpapers)."""
    out: dict[int, list[str]] = {}
    for i in issues:
        if i.table == table and i.severity is Severity.ERROR and i.location.row is not None:
            out.setdefault(i.location.row, []).append(i.code)
    return {r: ",".join(sorted(set(c))) for r, c in out.items()}
