"""Writing a computation: ``results.json`` and the trace (Parquet and CSV), deterministically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .engine import Computation


def _clean(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item"):  # numpy scalars
        return _clean(v.item())
    return v


def _defuse(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def results_json(results: dict[str, Any]) -> str:
    return json.dumps(_clean(results), ensure_ascii=False, indent=2) + "\n"


def write_outputs(comp: Computation, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "results.json", out / "trace.parquet", out / "trace.csv", out / "instruments.csv"]
    paths[0].write_text(results_json(comp.results), encoding="utf-8")
    trace = comp.trace.copy()
    for c in trace.columns:
        if trace[c].dtype == object:
            trace[c] = trace[c].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    trace.to_parquet(paths[1], index=False)
    # UTF-8 with BOM so Excel opens the Chinese text correctly; user text that Excel would take for
    # a formula is neutralised in the CSV (the Parquet keeps it as written)
    csv = trace.copy()
    for c in csv.columns:
        if csv[c].dtype == object or pd.api.types.is_string_dtype(csv[c].dtype):
            csv[c] = csv[c].map(_defuse)
    csv.to_csv(paths[2], index=False, encoding="utf-8-sig", lineterminator="\n")
    inst = comp.instruments.copy()
    for c in inst.columns:
        if pd.api.types.is_datetime64_any_dtype(inst[c]):
            inst[c] = inst[c].dt.strftime("%Y-%m-%d")
    inst.to_csv(paths[3], index=False, encoding="utf-8-sig", lineterminator="\n")
    return paths
