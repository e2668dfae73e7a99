"""Inventories larger than memory: the chunked engine, and the steps it shares with the Dask engine.

The activities are read a chunk at a time (``ingest.chunks``) and go through two passes:

1. **check**: each chunk is typed with the contract's column parsers and checked with the loader's
   rules (``validate.rules.ROW_RULES`` and the facility references); record ids are compared with
   every earlier chunk's (a duplicate in a later chunk is found), rows with an error are rejected as
   ``load_inventory`` rejects them, and each facility's electricity MWh is added up: the additive
   first pass that the market-based method needs before any line can be calculated. The checked
   chunk is kept, typed, in a temporary Parquet file (``spill``). The weights of each scenario
   group are added up too; a group whose weights do not sum to 1 has its rows flagged and rejected
   in the kept chunks after the pass (``reweigh``), as the loader flags them over the whole table.
2. **calculate**: each checked chunk, read back, goes through the one calculation
   (``compute.calculation``: ``trace_lines``, the step the in-process engine runs on the whole
   table) — its trace is appended to ``trace.parquet`` (``compute.trace.Writer``: a row group per
   chunk) and its lines are reduced to partial sums (``aggregate.partials``), added up into
   ``results.json``.

Memory is bounded by the chunk, plus 24 bytes per distinct record id for the duplicate check. Issues
and their locations (file, row, column) are those the in-process engine reports.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..compute import aggregate, calculation, results, trace
from ..core.issues import Issue, Location, has_errors, issue
from ..factors import FactorLibrary
from ..ingest import chunks
from ..ingest.chunks import ACTIVITIES, ActivityFile, ActivitySource
from ..ingest.contract import TABLES
from ..ingest.inventory import ROW, Counts, Inventory, TableData, reason_codes, reason_text
from ..ingest.readers import RawTable
from ..loader import force_blockers, load_inventory, reject, type_table
from ..validate import methods, rules

DEFAULT_CHUNK_ROWS = 250_000
# trace.csv up to trace.CSV_MAX_LINES: the chunked engine decides before the lines are known, on
# the activity rows read
CSV_TRACE_MAX_ROWS = trace.CSV_MAX_LINES
HEADER_CODES = frozenset({"unknown-column", "duplicate-column", "missing-column"})


@dataclass
class Run:
    """What a chunked or Dask run produced. ``results`` is None when it stopped after the check
    (the inventory has errors and ``force`` was not given)."""

    results: dict[str, Any] | None
    instruments: pd.DataFrame | None
    issues: list[Issue]
    paths: list[Path] = field(default_factory=list)
    counts: Counts | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    language: str | None = None       # report.yaml's, for messages
    rows: dict[str, Any] | None = None  # results.json ``rows``: what became of the activity rows


def discard(paths: list[Path]) -> None:
    """Remove what a run wrote (files, or the Dask engine's folder of parts) when it stops."""
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


# --- the steps of one chunk (shared with the Dask engine) -----------------------------------------------

def typed(raw: RawTable) -> tuple[TableData, list[Issue]]:
    """A chunk typed with the loader's column parsers; the issues of its cells (the header's are
    reported once per file, by ``header_issues``)."""
    td, found = type_table(ACTIVITIES, raw)
    return td, [i for i in found if i.code not in HEADER_CODES]


def header_issues(raw: RawTable) -> list[Issue]:
    """The issues of a file's header (unknown, duplicate or missing columns), from any of its chunks."""
    empty = RawTable(raw.frame.iloc[:0], raw.headers, raw.rows[:0], raw.file, raw.sheet, raw.header_row)
    return type_table(ACTIVITIES, empty)[1]


def check(td: TableData, cell_issues: list[Issue], header: list[Issue], small: Inventory,
          duplicates: list[Issue]) -> tuple[TableData, list[Issue]]:
    """The loader's checks of a chunk's rows; the chunk with its rejected rows marked as
    ``load_inventory`` marks them (a header error rejecting every row), and the chunk's issues."""
    found = [*cell_issues, *duplicates]
    fac = small.tables.get("facilities")
    if fac is not None:
        found += rules.activity_facility_refs(td, fac.frame["facility_id"])
    one = Inventory(small.root, small.settings, {"activities": td})
    for rule in rules.ROW_RULES:
        found += rule(one)
    return reject(one, [*found, *header]).tables["activities"], found


_KEYS = ("disclosure-ids-1", "disclosure-ids-2")  # two 64-bit hashes: a false match is ~N²/2¹²⁹


def id_hashes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    v = ids.to_numpy(dtype=object)
    return tuple(pd.util.hash_array(v, hash_key=k, categorize=False) for k in _KEYS)  # type: ignore[return-value]


class SeenIds:
    """The record ids of earlier chunks, as 128-bit hashes with the row of first use, in sorted runs
    merged as they grow (a log-structured set: adding N ids costs N log N, memory 24 bytes an id)."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def find(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        """The first row of each id already seen, -1 for a new one."""
        out = np.full(len(h1), -1, dtype=np.int64)
        for k1, k2, rows in self._runs:
            i = np.minimum(np.searchsorted(k1, h1), len(k1) - 1)
            hit = (k1[i] == h1) & (k2[i] == h2) & (out < 0)
            out[hit] = rows[i[hit]]
        return out

    def add(self, h1: np.ndarray, h2: np.ndarray, rows: np.ndarray) -> None:
        if not len(h1):   # a chunk with no new id (each blank, or seen before): no run, an empty one breaks find
            return
        run = (h1, h2, rows.astype(np.int64))
        while self._runs and len(self._runs[-1][0]) <= len(run[0]) * 2:
            prev = self._runs.pop()
            run = tuple(np.concatenate([a, b]) for a, b in zip(prev, run, strict=True))  # type: ignore[assignment]
        order = np.argsort(run[0], kind="stable")
        self._runs.append(tuple(a[order] for a in run))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return sum(len(r[0]) for r in self._runs)


def chunk_duplicates(td: TableData, seen: SeenIds) -> list[Issue]:
    """The duplicate-id rule over chunks: a chunk's record ids repeated within it or used in an
    earlier chunk (then remembered), as ``rules.duplicate_ids`` reports them."""
    ids = td.frame["record_id"]
    rows = td.frame[ROW].to_numpy()
    first = rules.first_uses(ids)                                  # within the chunk
    pos = np.arange(len(first))
    own = np.flatnonzero(first == pos)                             # each id's first row here
    h1, h2 = id_hashes(ids.iloc[own])
    before = seen.find(h1, h2)
    earliest = rows.astype(np.int64)                               # the row of each id's first use
    earlier = np.zeros(len(ids), dtype=bool)                       # … in an earlier chunk
    earliest[own] = np.where(before >= 0, before, rows[own])
    earlier[own] = before >= 0
    at = np.maximum(first, 0)
    repeated = (first >= 0) & ((first != pos) | earlier[at])
    new = before < 0
    seen.add(h1[new], h2[new], rows[own][new])
    return rules.duplicate_ids(td, "record_id", repeated, earliest[at])


def inputs(small: Inventory, activities: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """results.json ``inputs`` in the tables' order, the activities counted chunk by chunk."""
    rest = calculation.inputs_of(small)
    out = {}
    for name in TABLES:
        if name == "activities" and activities is not None:
            out[name] = activities
        elif name in rest:
            out[name] = rest[name]
    return out


def load_small(root: Path) -> tuple[Inventory, list[Issue]]:
    """The inventory without its activities (which the engine reads a chunk at a time)."""
    return load_inventory(root, skip=("activities",))


def blockers(small: Inventory, counts: Counts, source: ActivitySource | None, found: list[Issue],
             force: bool) -> list[Issue]:
    """What ``force`` cannot pass (``loader.force_blockers``), the activities counted over all
    chunks; nothing when not forced past errors (the check stops the run then anyway)."""
    if not force or not has_errors(found):
        return []
    accepted = {**{n: c.accepted for n, c in small.counts.items()}, "activities": counts.accepted}
    where = {n: t.location() for n, t in small.tables.items()}
    if source is not None:
        where["activities"] = Location(source.display, source.sheet)
    return force_blockers(small.settings, accepted, where)


def write_results(res: dict[str, Any], instruments: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """``results.json`` and ``instruments.csv`` in ``out``."""
    return (results.write_results(res, out / results.FILE),
            calculation.write_instruments(instruments, out / calculation.INSTRUMENTS))


# --- progress ------------------------------------------------------------------------------------------

class Progress:
    """Rows done and rows per second on stderr, on one line redrawn (only when stderr is a terminal,
    unless told otherwise)."""

    def __init__(self, label: str, stream: IO[str] | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label, self.rows, self.t0, self._last = label, 0, time.perf_counter(), 0.0

    def update(self, rows: int, total: int | None = None) -> None:
        self.rows += rows
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.25):
            self._last = now
            of = f" / {total:,}" if total else ""
            rate = self.rows / max(now - self.t0, 1e-9)
            self.stream.write(f"\r{self.label}: {self.rows:,}{of} rows, {rate:,.0f} rows/s   ")
            self.stream.flush()

    def close(self) -> float:
        seconds = time.perf_counter() - self.t0
        if self.enabled:
            rate = self.rows / max(seconds, 1e-9)
            self.stream.write(f"\r{self.label}: {self.rows:,} rows in {seconds:,.1f} s, {rate:,.0f} rows/s   \n")
            self.stream.flush()
        return seconds


# --- checked chunks, kept typed for the second pass ---------------------------------------------------------

def spill(td: TableData, path: Path) -> None:
    """A checked chunk as typed, with its rejected flags (``_rejected``) and their reasons
    (``_reasons``), so that the second pass reads it back instead of parsing the input again
    (Parquet keeps every type as it was)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    reasons = td.reasons if td.reasons is not None else np.full(len(td.frame), None, dtype=object)
    f = td.frame[[*ACTIVITIES.names, ROW]].assign(_rejected=td.rejected, _reasons=pd.array(reasons, dtype="str"))
    pq.write_table(pa.Table.from_pandas(f, preserve_index=False), path)


def unspill(frame: pd.DataFrame, file: str, sheet: str | None) -> TableData:
    """A spilled chunk (as ``spill`` wrote it and pandas read it) as a table with rejected rows."""
    frame = frame.reset_index(drop=True)
    rejected = frame["_rejected"].to_numpy(dtype=bool)
    reasons = frame["_reasons"].astype(object).where(frame["_reasons"].notna(), None).to_numpy(dtype=object)
    return TableData("activities", frame.drop(columns=["_rejected", "_reasons"]), file, sheet, rejected=rejected,
                     reasons=reasons if rejected.any() else None)


def reweigh(path: Path, file: str, sheet: str | None, off: pd.Series) -> tuple[list[Issue], int]:
    """The rows of a kept chunk in a scenario group whose weights do not sum to 1 (``off``: the
    groups and their sums over every chunk): flagged as the loader flags them
    (``scenario-weights-sum``) and rejected in the kept chunk, their other reasons kept. Returns
    the issues and the number of rows newly rejected. A chunk without such a group is not read
    beyond its group column."""
    import pyarrow.parquet as pq

    groups = pq.read_table(path, columns=["scenario_group"]).column(0).to_pandas()
    if not groups.isin(off.index).any():
        return [], 0
    td = unspill(pd.read_parquet(path), file, sheet)
    found = methods.flag_weights(td, off)
    hit = td.frame[ROW].isin({i.location.row for i in found}).to_numpy()
    was = td.rejected if td.rejected is not None else np.zeros(len(hit), dtype=bool)
    reasons = td.reasons if td.reasons is not None else np.full(len(hit), None, dtype=object)
    reasons = reasons.copy()
    reasons[hit] = [reason_text(["scenario-weights-sum", *(reason_codes(r) if isinstance(r, str) else [])])
                    for r in reasons[hit]]
    spill(dataclasses.replace(td, rejected=was | hit, reasons=reasons), path)
    return found, int((hit & ~was).sum())


# --- the chunked engine ----------------------------------------------------------------------------------

@dataclass
class _Checked:
    files: list[ActivityFile]
    issues: list[Issue]
    read: int
    rejected: int
    mwh: pd.Series
    chunks: list[tuple[Path, str, str | None, int]]   # spilled chunk, its file and sheet, its rows


def compute_chunked(path: str | Path, out: Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, force: bool = False,
                    library: FactorLibrary | None = None, progress: bool | None = None,
                    stream: IO[str] | None = None, loaded: tuple[Inventory, list[Issue]] | None = None) -> Run:
    """Check, then calculate, an inventory a chunk of activities at a time; writes ``results.json``,
    ``trace.parquet`` (and ``trace.csv`` up to ``CSV_TRACE_MAX_ROWS`` rows) and
    ``instruments.csv`` to ``out``. The calculation runs whatever the check found (its issues are
    the check's too: ``check`` raises what the calculation raises); when the inventory has errors,
    its own or the calculation's, nothing is kept unless ``force`` (``results`` is None, ``rows``
    says what became of the rows). The checked chunks wait for the second pass in a temporary
    folder (``TMPDIR``).
    ``loaded``: the inventory without its activities and the loader's issues, when the caller has
    loaded them already (``load_small``)."""
    t0 = time.perf_counter()
    root, out = Path(path), Path(out)
    small, found = loaded if loaded is not None else load_small(root)
    found = list(found)
    source: ActivitySource | None = None
    if root.exists() and (root.is_dir() or root.suffix.lower() in (".xlsx", ".xlsm")):
        source, more = chunks.locate(root)
        found += more
    work = Path(tempfile.mkdtemp(prefix="disclosure-chunks-"))
    try:
        bar = Progress("check", stream, progress)
        checked = _check_pass(source, small, chunk_rows, bar, work)
        bar.close()
        found += checked.issues
        counts = Counts(checked.read, checked.read - checked.rejected, checked.rejected)
        t_check = time.perf_counter()
        found += blockers(small, counts, source, found, force)
        # past what --force cannot pass, nothing is calculated; other errors: the calculation
        # runs, so that its issues are found too, and the run stops after it (without --force)
        if any(i.code == "force-blocked" for i in found):
            return Run(None, None, found, counts=counts, stats={"check_s": t_check - t0},
                       language=small.settings.language)

        # the calculation's issues (counted in results.json, as the in-process engine counts them)
        ctx, library, calc = calculation.context_of(small, library)
        ctx, instruments, more = calculation.allocate(small, ctx, checked.mwh)
        calc += more
        created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        writer = trace.Writer(out, csv=checked.read <= CSV_TRACE_MAX_ROWS)
        parts: list[pd.DataFrame] = []
        grid: dict[str, calculation.GridUse] = {}
        bar = Progress("calculate", stream, progress)
        behind = Behind()
        try:
            for frame, (spilled, file, sheet, n) in ahead((pd.read_parquet(c[0]), c) for c in checked.chunks):
                lines, l_issues, uses = calculation.trace_lines(unspill(frame, file, sheet), ctx)
                spilled.unlink()
                calc += l_issues
                for fid, use in uses.items():
                    grid.setdefault(fid, use)
                behind.submit(writer.write, lines)
                parts.append(aggregate.partials(lines))
                if len(parts) >= 32:
                    parts = [aggregate.combine(parts)]
                bar.update(n, checked.read)
        finally:
            try:
                behind.close()
            finally:
                paths = writer.close()
        bar.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    act = None
    if checked.files and source is not None:
        act = {"file": source.display, "sheet": source.sheet, "read": counts.read, "accepted": counts.accepted,
               "rejected": counts.rejected}
    res = calculation.assemble(small, ctx, library, aggregate.combine(parts), instruments, inputs(small, act), calc,
                               grid)
    found += calc
    if has_errors(found) and not force:
        discard(paths)
        if created and not any(out.iterdir()):
            out.rmdir()
        return Run(None, None, found, counts=counts, stats={"check_s": t_check - t0},
                   language=small.settings.language, rows=res["rows"])
    written = write_results(res, instruments, out)
    t_end = time.perf_counter()
    return Run(res, instruments, found, [written[0], *paths, written[1]], counts,
               {"check_s": t_check - t0, "calculate_s": t_end - t_check, "lines": writer.lines},
               small.settings.language, res["rows"])


def _all_chunks(files: list[ActivityFile], chunk_rows: int) -> Iterator[tuple[ActivityFile, RawTable]]:
    for f in files:
        for raw in chunks.iter_chunks(f, chunk_rows):
            yield f, raw


def _check_pass(source: ActivitySource | None, small: Inventory, chunk_rows: int, bar: Progress,
                work: Path) -> _Checked:
    """The first pass, started again from the top if a file turns out not to be in its detected
    encoding (then read as GB18030, as the loader does) or not readable at all (then left out)."""
    files = list(source.files) if source else []
    dropped: list[Issue] = []
    while True:
        try:
            return _check_files(files, dropped, source, small, chunk_rows, bar, work)
        except (chunks.Unreadable, chunks.Undecodable) as e:
            retry(files, dropped, e)
        bar.rows = 0


def retry(files: list[ActivityFile], dropped: list[Issue], e: chunks.Unreadable | chunks.Undecodable) -> None:
    """After a file failed part-way: read it again as GB18030 (a CSV whose first megabytes looked
    like UTF-8), or leave it out with ``unreadable-file``, as the loader does."""
    if isinstance(e, chunks.Undecodable) and e.file.encoding != "gb18030":
        files[files.index(e.file)] = dataclasses.replace(e.file, encoding="gb18030")
        return
    reason = f"encoding: {e.reason}" if isinstance(e, chunks.Undecodable) else e.reason
    dropped.append(issue("unreadable-file", Location(e.file.display), reason=reason))
    files.remove(e.file)


def _check_files(files: list[ActivityFile], dropped: list[Issue], source: ActivitySource | None,
                 small: Inventory, chunk_rows: int, bar: Progress, work: Path) -> _Checked:
    found: list[Issue] = list(dropped)
    seen = SeenIds()
    read = rejected = 0
    spilled: list[tuple[Path, str, str | None, int]] = []
    mwh = pd.Series(dtype="float64")
    weights = pd.Series(dtype="float64")   # each scenario group's weights, summed over the chunks
    header: list[Issue] = []
    last: ActivityFile | None = None
    behind = Behind()
    try:
        for f, raw in ahead(_all_chunks(files, chunk_rows)):
            if f is not last:
                header = header_issues(raw)
                found += header
                last = f
            td, cells = typed(raw)
            td, more = check(td, cells, header, small, chunk_duplicates(td, seen))
            found += more
            read += len(td.frame)
            rejected += int(td.rejected.sum()) if td.rejected is not None else 0
            e = calculation.electricity_mwh(td.accepted)
            if len(e):
                mwh = mwh.add(e, fill_value=0.0)
            w = methods.weight_sums(td.frame)
            if len(w):
                weights = weights.add(w, fill_value=0.0)
            path = work / f"chunk-{len(spilled):06d}.parquet"
            behind.submit(spill, td, path)
            spilled.append((path, td.file, td.sheet, len(td.frame)))
            bar.update(len(td.frame))
    finally:
        behind.close()
    off = methods.weights_off(weights)
    if len(off):
        for path, file, sheet, _ in spilled:
            more, newly = reweigh(path, file, sheet, off)
            found += more
            rejected += newly
    if files and source is not None:
        found += rules.empty_table("activities", read, Location(source.display, source.sheet))
    return _Checked(files, found, read, rejected, mwh, spilled)


def ahead(items: Iterator[Any]) -> Iterator[Any]:
    """The items of an iterator, the next one read in a thread while the caller works on this one
    (reading Parquet mostly runs without the GIL). Errors come out where the item would have."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for x in items:
                if not put((True, x)):
                    return
            put((True, end))
        except BaseException as e:  # handed to the caller, raised there
            put((False, e))

    t = threading.Thread(target=run, name="disclosure-read", daemon=True)
    t.start()
    try:
        while True:
            ok, x = q.get()
            if not ok:
                raise x
            if x is end:
                return
            yield x
    finally:
        stop.set()
        t.join()


class Behind:
    """One job at a time in a thread behind the caller: writing a chunk (Parquet encodes and writes
    without holding the GIL) overlaps working on the next one. At most one job waits, so at most
    one chunk more is in memory; a job's error is raised by the next ``submit`` or ``close``."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(1, thread_name_prefix="disclosure-write")
        self._last: Any = None

    def submit(self, fn: Any, *args: Any) -> None:
        if self._last is not None:
            self._last.result()
        self._last = self._pool.submit(fn, *args)

    def close(self) -> None:
        try:
            if self._last is not None:
                self._last.result()
        finally:
            self._pool.shutdown(wait=True)
