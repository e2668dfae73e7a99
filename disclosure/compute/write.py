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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in _FORMULA_START:
        return "'" + v
    return v


def results_json(results: dict[str, Any]) -> str:
    return json.dumps(_clean(results), ensure_ascii=False, indent=2) + "\n"


def write_outputs(comp: Computation, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "results.json", out / "trace.parquet", out / "trace.csv", out / "instruments.csv"]
    paths[0].write_text(results_json(comp.results), encoding="utf-8")
    trace = trace_text(comp.trace)
    trace.to_parquet(paths[1], index=False)
    with open(paths[2], "wb") as fh:
        fh.write(BOM)  # UTF-8 with BOM so Excel opens the Chinese text correctly
        write_trace_csv(trace, fh, header=True)
    write_instruments(comp.instruments, paths[3])
    return paths


BOM = b"\xef\xbb\xbf"


def write_trace_csv(trace: pd.DataFrame, sink: Any, header: bool) -> None:
    """The trace as CSV through Arrow's writer (ten times faster than pandas on a million lines),
    with user text that Excel would take for a formula neutralised by a leading apostrophe."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(trace_text(trace), preserve_index=False)
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            col = pc.replace_substring_regex(col, pattern="^([=+\\-@\\t\\r])", replacement="'\\1")
        cols.append(col)
    pacsv.write_csv(pa.table(cols, names=table.column_names), sink,
                    write_options=pacsv.WriteOptions(include_header=header, quoting_style="needed"))


def trace_text(trace: pd.DataFrame) -> pd.DataFrame:
    """The trace as written: object columns as text, missing values as None."""
    trace = trace.copy(deep=False)  # columns are replaced below, never written into
    for c in trace.columns:
        if trace[c].dtype == object:  # as text, missing values as None (whole columns, not per cell)
            col = trace[c]
            text = col.astype(str).to_numpy(dtype=object)
            text[col.isna().to_numpy()] = None
            trace[c] = pd.Series(text, index=col.index)  # inferred as Series.map would (str)
    return trace


def csv_safe(trace: pd.DataFrame) -> pd.DataFrame:
    """User text that Excel would take for a formula neutralised (for the CSV; the Parquet keeps
    it as written)."""
    csv = trace.copy(deep=False)
    for c in csv.columns:
        if csv[c].dtype == object or pd.api.types.is_string_dtype(csv[c].dtype):
            col = csv[c]
            risky = col.str[:1].isin(_FORMULA_START).to_numpy(dtype=bool)  # what _defuse escapes
            if risky.any():
                text = col.to_numpy(dtype=object, copy=True)
                text[risky] = [_defuse(v) for v in text[risky]]
                csv[c] = pd.Series(text, index=col.index)
    return csv


def write_instruments(instruments: pd.DataFrame, path: Path) -> None:
    inst = instruments.copy()
    for c in inst.columns:
        if pd.api.types.is_datetime64_any_dtype(inst[c]):
            inst[c] = inst[c].dt.strftime("%Y-%m-%d")
    inst.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
