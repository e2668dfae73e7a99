"""The one loader: an inventory folder (or one XLSX workbook) to records and issues, in named stages.

    read      the files of the inventory and of each table (``ingest.readers``): cells as text
    type      each table's columns parsed to the contract's types (:func:`type_table`)
    settings  report.yaml or the workbook's ``report`` sheet, and disclosures.yaml (:func:`load_settings`)
    validate  the rules across rows and tables (``disclosure.validate``)
    reject    each row with an error marked rejected (:func:`reject`)

Each stage is a function returning its records and its issues; :func:`load_inventory` composes them
and never raises for bad input. Records are immutable: a stage returns new ones. The chunked and Dask
engines run the same stages on each chunk of the activities (:func:`type_table`, the row rules,
:func:`reject`). The settings are read before the tables, so that their issues come first, as
``check`` has always listed them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .core import cells, geo, memory, units
from .core.issues import Issue, Location, Severity, issue
from .core.settings import Place, Settings, catalogue
from .core.values import DATE_MAX, DATE_MIN
from .ingest import disclosures as disclosure_sheets
from .ingest import parse, readers
from .ingest.contract import (
    CERTIFICATE_UNITS,
    ENUMS,
    TABLES,
    Column,
    Kind,
    Table,
    header_aliases,
    norm_header,
)
from .ingest.disclosures import empty as empty_disclosures
from .ingest.disclosures import load_disclosures
from .ingest.inventory import ROW, Inventory, TableData, reason_text
from .ingest.report import SHEET_NAMES, load_report, report_sheet, settings_and_place
from .validate import empty_table, validate

__all__ = ["Source", "force_blockers", "inventory_blockers", "load_inventory", "load_settings", "locate", "read",
           "reject", "settings_language", "type_table", "unknown_sheets", "validate"]


def load_inventory(path: str | Path, *, skip: tuple[str, ...] = ()) -> tuple[Inventory, list[Issue]]:
    """Read, type and validate an inventory; returns ``(Inventory, issues)``. Tables named in ``skip``
    are not read (the chunked and Dask engines read the activities themselves, chunk by chunk)."""
    source, issues = locate(Path(path))
    if source is None:
        return Inventory(Path(path), Settings(), {}), issues
    settings, disclosures, found, place = load_settings(source)
    raws, read_issues = read(source, skip)
    tables, type_issues = type_tables(raws)
    del raws   # the cells as read: typed now
    issues += found + _by_table(read_issues, type_issues) + unknown_sheets(source)
    inv = Inventory(source.root, settings, tables, disclosures, place)
    issues += validate(inv)
    inv = reject(inv, issues)
    memory.release_freed_memory()   # what reading and typing freed, before a calculation allocates
    return inv, issues


# --- read ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Where an inventory's parts are: its root, the workbook if it is one, each table's candidates."""
    root: Path
    workbook: Path | None
    candidates: readers.Candidates

    @property
    def folder(self) -> Path:
        return self.root if self.workbook is None else self.root.parent


def locate(root: Path) -> tuple[Source | None, list[Issue]]:
    """The inventory's files (None, with the issue, when there is no inventory at ``root``)."""
    if not root.exists():
        return None, [issue("missing-file", Location(str(root)), table=str(root))]
    if root.is_file() and root.suffix.lower() not in (".xlsx", ".xlsm"):
        return None, [issue("unreadable-file", Location(root.name), reason=(
            "清单应为文件夹或一个 XLSX 工作簿 / an inventory is a folder or one XLSX workbook"))]
    try:
        candidates, workbook = readers.locate_tables(root)
    except Exception as e:  # calamine's own errors: the workbook is not one (a renamed file, a corrupt zip)
        return None, [issue("unreadable-file", Location(root.name), reason=str(e).strip() or type(e).__name__)]
    return Source(root, workbook, candidates), readers.stray_files(root)


def read(source: Source, skip: Iterable[str] = ()) -> tuple[dict[str, readers.RawTable], dict[str, list[Issue]]]:
    """Each table's cells as text (a required table missing, or given twice, is an issue), with the
    issues of each table."""
    raws: dict[str, readers.RawTable] = {}
    issues: dict[str, list[Issue]] = {}
    for name, spec in TABLES.items():
        if name in skip:
            continue
        found = issues.setdefault(name, [])
        cands = source.candidates[name]
        if not cands:
            if spec.required:
                where = Location(source.workbook.name if source.workbook else spec.name)
                found.append(issue("missing-file", where, table=name))
            continue
        if len(cands) > 1:
            names = ", ".join(f"{p.name}[{s}]" if s else p.name for p, s in cands)
            found.append(issue("ambiguous-file", Location(cands[0][0].name, cands[0][1]), table=name, files=names))
            continue
        raw, more = readers.read_table(cands[0][0], cands[0][1], spec)
        found += more
        if raw is not None:
            raws[name] = raw
    return raws, issues


def _by_table(*stages: dict[str, list[Issue]]) -> list[Issue]:
    """The issues of several stages, table by table (a table's read issues, then its type issues)."""
    return [i for name in TABLES for stage in stages for i in stage.get(name, ())]


# --- type ------------------------------------------------------------------------------------------------

def type_tables(raws: dict[str, readers.RawTable]) -> tuple[dict[str, TableData], dict[str, list[Issue]]]:
    """Every table typed (:func:`type_table`); a required table without rows is a warning (an
    optional table left blank is fine)."""
    tables: dict[str, TableData] = {}
    issues: dict[str, list[Issue]] = {}
    for name, raw in raws.items():
        spec = TABLES[name]
        tables[name], issues[name] = type_table(spec, raw)
        issues[name] += empty_table(name, len(tables[name].frame), tables[name].location())
    return tables, issues


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


def type_table(spec: Table, raw: readers.RawTable) -> tuple[TableData, list[Issue]]:
    """The type stage of one table (or of a chunk of one): headers mapped to the contract's columns
    (Chinese aliases included), each column parsed to its type, an issue for every cell that cannot
    be; extra columns kept as text; each row's user-visible number in ``_row``. The facilities
    also get each province's short name and grid region (``province_name``, ``grid_region``)."""
    col = _Collector(spec.name, raw.file, raw.sheet, raw.rows)
    aliases = header_aliases(spec)
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
    blanks = memory.Blanks(n)   # the columns left out: one blank column per type, shared
    typed = {c.name: parsed[c.name] if c.name in parsed else blanks.of(_blank_type(c)) for c in spec.columns}
    frame = pd.DataFrame(typed, copy=False)   # the parsed columns as they are: no block of them stacked (a copy)
    for e in extras:
        frame[f"extra:{raw.headers[list(raw.frame.columns).index(e)] or e}"] = raw.frame[e].to_numpy()
    frame[ROW] = raw.rows
    if spec.name == "facilities":
        frame = _with_regions(frame)
    return TableData(spec.name, frame, raw.file, raw.sheet, tuple(extras)), col.issues


def _with_regions(f: pd.DataFrame) -> pd.DataFrame:
    """Each facility's province resolved to its short Chinese name and grid region (missing where
    the province is unknown: the validate stage reports it)."""
    codes, uniques = pd.factorize(f["province"], use_na_sentinel=True)
    names = np.array([geo.province_name(u) for u in uniques] + [None], dtype=object)
    resolved = names[np.where(codes < 0, len(uniques), codes)]
    f = f.copy()
    f["province_name"] = pd.Series(resolved, index=f.index, dtype="str")
    regions = {n: geo.grid_region(n) for n in f["province_name"].dropna().unique()}
    f["grid_region"] = f["province_name"].map(regions)
    return f


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


def _blank_type(c: Column) -> str:
    """The type of a column the table leaves out (its values all missing)."""
    return {Kind.NUMBER: "float64", Kind.AMOUNT: "float64", Kind.FRACTION: "float64",
            Kind.DATE: "datetime64[ns]", Kind.BOOL: "boolean", Kind.CATEGORY: "Int64"}.get(c.kind, "str")


def _parse_column(c: Column, s: pd.Series, col: _Collector) -> pd.Series:
    s = s.reset_index(drop=True)
    # text is read first where the column is text: its blank cells are those it leaves missing
    # (trimmed to nothing), the cells is_empty finds, without a second pass over the column
    t = parse.text(s) if c.kind in (Kind.TEXT, Kind.ID, Kind.UNIT) else None
    empty = parse.is_empty(s) if t is None else t.isna()
    if c.nonempty:
        col.flag("missing-value", empty, c.name, column=c.name)
    if t is not None and c.kind in (Kind.TEXT, Kind.ID):
        bad = cells.xml_forbidden_mask(t)
        if bad.any():   # text the XBRL and the Word report cannot hold: refused here, at its cell
            col.flag("control-character", bad, c.name, t.where(bad, "").map(cells.visible),
                     character=", ".join(sorted({cells.xml_forbidden(v) or "" for v in t[bad]})))
        return t
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
        v, bad, outside = parse.date(s, empty)
        col.flag("bad-date", bad, c.name, s)
        col.flag("date-out-of-range", outside, c.name, s, first=DATE_MIN.date().isoformat(),
                 last=DATE_MAX.date().isoformat())
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
    if t is not None and c.kind is Kind.UNIT:
        codes, uniques = pd.factorize(t, use_na_sentinel=True)
        certs = CERTIFICATE_UNITS if col.table == "instruments" else set()
        known = np.array([u in certs or units.lookup(u) is not None for u in uniques], dtype=bool)
        bad = (codes >= 0) & ~(known[np.where(codes < 0, 0, codes)] if len(known) else False)
        # a spelling with more than one meaning (tons, gal, kcal …) is named with its candidates
        unclear = {k: a for k, u in enumerate(uniques) if not known[k] and (a := units.ambiguity(u)) is not None}
        col.flag("unknown-unit", bad & ~np.isin(codes, list(unclear)), c.name, t)
        for k, a in unclear.items():
            col.flag("ambiguous-unit", codes == k, c.name, t, **a.params())
        return t
    raise AssertionError(c.kind)


# --- settings ----------------------------------------------------------------------------------------

def load_settings(source: Source) -> tuple[Settings, dict[str, Any], list[Issue], Place]:
    """The report settings (``report.yaml`` beside the tables, or the workbook's ``report`` sheet when
    there is no report.yaml), the disclosures (``disclosures.yaml``, or the workbook's pillar
    sheets) and where the settings are written (the messages' hints name that place)."""
    report = source.folder / "report.yaml"
    outside = {n for n in readers.SIDE_FILES
               if (source.folder / n).is_symlink() and not readers.inside(source.folder, source.folder / n)}
    sheet = report_sheet(source.workbook) if source.workbook is not None and not report.exists() else None
    settings: Settings
    issues: list[Issue] = []
    place = Place()
    if "report.yaml" in outside:   # never read: ``locate`` reports it (outside-inventory)
        settings = Settings()
    elif source.workbook and sheet:
        settings, issues, place = settings_and_place(source.workbook, sheet)
    else:
        settings, issues = load_report(report)
    disclosures, more = (empty_disclosures(), []) if "disclosures.yaml" in outside else \
        load_disclosures(source.folder, source.workbook)
    return settings, disclosures, issues + more, place


def settings_language(path: str | Path) -> str:
    """The language a run's messages take from the inventory's settings (report.yaml or the report
    sheet), read alone, before the inventory is (zh-CN when there are none)."""
    source, _ = locate(Path(path))
    if source is None:
        return "zh-CN"
    report = source.folder / "report.yaml"
    sheet = report_sheet(source.workbook) if source.workbook is not None and not report.exists() else None
    settings = settings_and_place(source.workbook, sheet)[0] if source.workbook and sheet else load_report(report)[0]
    return settings.language


def unknown_sheets(source: Source) -> list[Issue]:
    """A notice for each sheet of a workbook inventory that nothing reads (nothing lost unseen)."""
    if source.workbook is None:
        return []
    known = {n for t in TABLES.values() for n in readers.table_names(t)} | set(SHEET_NAMES)
    known |= disclosure_sheets.sheet_names() | set(disclosure_sheets.INSTRUCTIONS_SHEETS)
    known |= set(disclosure_sheets.COMPLETENESS_SHEETS)
    return [issue("unknown-sheet", Location(source.workbook.name, name), sheet=name)
            for name in readers.sheet_names(source.workbook) if name.strip().lower() not in known]


# --- what --force cannot pass ---------------------------------------------------------------------------

def force_blockers(settings: Settings, accepted: Mapping[str, int], where: Mapping[str, Location] | None = None
                   ) -> list[Issue]:
    """What ``--force`` cannot go past (``force-blocked``, an error each): a required table without
    an accepted row (missing, unreadable, empty, or every row rejected) and a required setting
    without a value (missing, or refused: the period, the entity's name and identifier). A report
    pack without them has no boundary, no period or no entity to tag; ``--force`` forces past bad
    rows and values, not past these. ``accepted``: each table's accepted rows (a table not read is
    absent); ``where``: each table's location (its file), else the table's name."""
    out: list[Issue] = []
    for name, spec in TABLES.items():
        if spec.required and not accepted.get(name):
            loc = (where or {}).get(name) or Location(name)
            out.append(issue("force-blocked", loc, table=name, what=f"表“{spec.zh}” / table '{name}'"))
    for s in catalogue():
        if not s.required:
            continue
        v: Any = settings
        for part in s.path.split("."):
            v = getattr(v, part)
        if not v:
            out.append(issue("force-blocked", Location("report.yaml", None, None, s.path),
                             what=f"设置 {s.path} / the setting {s.path}"))
    return out


def inventory_blockers(inv: Inventory) -> list[Issue]:
    """:func:`force_blockers` of a loaded inventory."""
    return force_blockers(inv.settings, {n: c.accepted for n, c in inv.counts.items()},
                          {n: t.location() for n, t in inv.tables.items()})


# --- reject ----------------------------------------------------------------------------------------------

WHOLE_TABLE_CODES = frozenset({"missing-column", "duplicate-column"})   # errors that reject a whole table


def reject(inv: Inventory, issues: Iterable[Issue]) -> Inventory:
    """The inventory with each table's rejected rows marked: a row is rejected when an error points
    at it; a header error (a required column missing or given twice) rejects every row of its
    table, since none of them can be read as the contract says."""
    bad: dict[str, dict[int, set[str]]] = {}
    whole: dict[str, set[str]] = {}
    for i in issues:
        if i.severity is not Severity.ERROR or not i.table:
            continue
        if i.code in WHOLE_TABLE_CODES:
            whole.setdefault(i.table, set()).add(i.code)
        elif i.location.row is not None and i.location.row > 1:
            bad.setdefault(i.table, {}).setdefault(i.location.row, set()).add(i.code)
    tables = {}
    for name, t in inv.tables.items():
        rows = bad.get(name) or {}
        every = whole.get(name)
        n = len(t.frame)
        if every:
            rejected = np.ones(n, dtype=bool)
        elif rows:
            rejected = t.frame[ROW].isin(list(rows)).to_numpy()
        else:
            rejected = np.zeros(n, dtype=bool)
        reasons = None
        if rejected.any():   # each rejected row's codes, sorted, the whole table's with each row's own
            text = {r: reason_text(c | (every or set())) for r, c in rows.items()}
            reasons = t.frame[ROW].map(text).to_numpy(dtype=object)
            if every:
                reasons = np.where(pd.isna(reasons), reason_text(every), reasons).astype(object)
            reasons[~rejected] = None
        tables[name] = replace(t, rejected=rejected, reasons=reasons)
    return replace(inv, tables=tables)
