"""The public Python API, for pipelines that embed the tool.

    import disclosure
    inv, issues = disclosure.load_inventory("fixtures/demo-group")
    comp = disclosure.compute(inv)
    comp.results["totals"]["scope1"]; comp.trace  # a DataFrame, one line per activity row

Problems are returned as :class:`Issue` records, never raised. ``inventory_from_frames`` builds an
inventory from DataFrames already in memory (an ERP extract), with the same validation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .compute.results import read_results, results_json
from .compute.trace import read_trace
from .core.issues import Issue, Location, Severity, render_json, render_text
from .engines.inprocess import Computation, compute, write_outputs
from .factors import FactorLibrary, load_library
from .ingest.inventory import Inventory
from .loader import load_inventory


def inventory_from_frames(report: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> tuple[Inventory, list[Issue]]:
    """Validate in-memory tables (keyed by contract table name) as if they were files. The frames
    are written as Parquet to a temporary folder so that one code path does all reading; issue
    locations name ``<table>.parquet`` and row = position + 2 (as a spreadsheet would show it)."""
    with tempfile.TemporaryDirectory(prefix="disclosure-") as tmp:
        root = Path(tmp)
        (root / "report.yaml").write_text(yaml.safe_dump(dict(report), allow_unicode=True), encoding="utf-8")
        for name, frame in tables.items():
            frame.to_parquet(root / f"{name}.parquet", index=False)
        inv, issues = load_inventory(root)
    return inv, issues


__all__ = [
    "Computation", "FactorLibrary", "Inventory", "Issue", "Location", "Severity",
    "compute", "inventory_from_frames", "load_inventory", "load_library", "read_results", "read_trace",
    "render_json", "render_text", "results_json", "write_outputs",
]
