"""The public Python API, for pipelines that embed the tool.

    import disclosure
    inv, issues = disclosure.load_inventory("fixtures/demo-group")
    comp = disclosure.compute(inv)
    comp.results["totals"]["scope1"]; comp.trace  # a DataFrame, one line per activity row
    run = disclosure.report("fixtures/demo-group", "out/demo")  # the whole pack, as `disclosure report`

Problems are returned as :class:`Issue` records, never raised. ``inventory_from_frames`` builds an
inventory from DataFrames already in memory (an ERP extract), with the same validation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import yaml

from .compute.results import read_results, results_json
from .compute.trace import read_trace
from .core.issues import Issue, Location, Severity, issue, render_json, render_text
from .engines.inprocess import Computation, compute, write_outputs
from .factors import FactorLibrary, load_library
from .ingest.inventory import Inventory
from .loader import load_inventory
from .pipeline import ReportRun, ReportUsageError, run_report


def inventory_from_frames(report: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> tuple[Inventory, list[Issue]]:
    """Validate in-memory tables (keyed by contract table name) as if they were files, with the same
    issues and never an exception for their content. The frames are written as Parquet to a
    temporary folder so that one code path does all reading; a column Arrow cannot type (an object
    column mixing timestamps and text, as ERP exports do) is written as text, each cell as it would
    be printed, and validated as such. An issue's location names the frame by its key in ``tables``
    (``file``) and the row by the frame's index label (an integer index; for another index, the
    row's position, ``df.iloc[row]``)."""
    with tempfile.TemporaryDirectory(prefix="disclosure-") as tmp:
        root = Path(tmp)
        (root / "report.yaml").write_text(yaml.safe_dump(dict(report), allow_unicode=True), encoding="utf-8")
        written: dict[str, pd.Index] = {}
        unreadable: list[Issue] = []
        for name, frame in tables.items():
            try:
                _arrow_safe(frame).to_parquet(root / f"{name}.parquet", index=False)
            except (pa.ArrowException, ValueError, TypeError) as e:  # a frame Arrow cannot hold at all
                unreadable.append(issue("unreadable-file", Location(str(name)), reason=str(e).strip()))
                continue
            written[f"{name}.parquet"] = frame.index
        inv, issues = load_inventory(root)
    return inv, unreadable + [_by_index(i, written) for i in issues]


def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column Arrow cannot type as one type turned into text (whole columns:
    a timestamp at midnight prints as its date, as a spreadsheet cell would); the others as they are."""
    bad = []
    for c in frame.columns:
        if frame[c].dtype != object:
            continue
        try:
            pa.array(frame[c], from_pandas=True)
        except (pa.ArrowException, ValueError, TypeError):
            bad.append(c)
    if not bad:
        return frame
    out = frame.copy()
    for c in bad:
        col = out[c]
        text = col.astype(str).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True)
        out[c] = text.where(col.notna(), "")
    return out


def _by_index(i: Issue, written: Mapping[str, pd.Index]) -> Issue:
    """The issue located in the frame it came from: the frame's key and its index label."""
    index = written.get(i.location.file)
    if index is None:
        return i
    row = i.location.row
    if row is not None and 0 <= row - 2 < len(index):
        pos = row - 2  # read_parquet numbers rows as a spreadsheet would (header = row 1)
        label = index[pos]
        row = int(label) if pd.api.types.is_integer_dtype(index.dtype) else pos
    return replace(i, location=replace(i.location, file=i.location.file.removesuffix(".parquet"), row=row))


def report(inventory: str | Path, out: str | Path, langs: tuple[str, ...] | None = None, *,
           ifrs_package: str | Path | None = None, force: bool = False, prior: str | Path | None = None,
           progress: Callable[[str, str], None] | None = None, engine: str = "inprocess",
           chunk_rows: int = 250_000, scheduler: str | None = None) -> ReportRun:
    """The whole pack, as ``disclosure report`` writes it: check, compute, XBRL (validated by Arelle
    when the IFRS package is found), the Word report(s), the workpapers and the manifest, into
    ``out`` (an empty folder or an earlier pack). Returns the :class:`ReportRun`: ``exit_code`` (0,
    or 1 when the input has errors), ``stopped``, ``results``, ``issues`` (values, never raised),
    ``paths`` and the input and pack digests. Raises :class:`ReportUsageError` only for what the
    command line calls a usage error (exit code 2: ``out`` not a pack nor empty, ``prior`` not a
    pack, an unknown engine)."""
    return run_report(Path(inventory), Path(out), langs, None if ifrs_package is None else Path(ifrs_package),
                      force, None if prior is None else Path(prior), progress, engine=engine,
                      chunk_rows=chunk_rows, scheduler=scheduler)


__all__ = [
    "Computation", "FactorLibrary", "Inventory", "Issue", "Location", "ReportRun", "ReportUsageError", "Severity",
    "compute", "inventory_from_frames", "load_inventory", "load_library", "read_results", "read_trace",
    "render_json", "render_text", "report", "results_json", "write_outputs",
]
