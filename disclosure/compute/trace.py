"""Writing a computation: ``results.json`` and the trace (Parquet and CSV), deterministically.

The trace is written from Arrow, a column at a time: text that repeats (the trace's categoricals)
is turned into text once per distinct value, never into a million Python strings.

``trace.parquet`` holds the columns in the types, and with the pandas metadata, that
``DataFrame.to_parquet`` gives the trace as text (text as large strings; a text column with no
value at all as a null column), so it reads back as before. The repeating text goes to the Parquet
writer as dictionary arrays; the writer's options are those of the chunked engine's trace
(``stream.parquet_options``: dictionary pages for that text, min/max statistics for the columns
one filters on).

``trace.csv`` is assembled in batches of lines by Arrow kernels, byte for byte what Arrow's CSV
writer (``quoting_style="needed"``) makes of the trace as text, formula-like text neutralised.
Adjacent columns with few distinct values are joined once per distinct combination (see
``_csv_plan``). The Parquet file is written in a thread while the CSV is made: both run mostly in
Arrow, without the GIL.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .calculation import Computation

# text columns that the calculation fills in: written as null-typed columns when no line has a value
# (they were object columns of None, as pandas converts them)
_NULL_WHEN_EMPTY = frozenset({"entity_id", "province", "grid_region", "sheet", "reason", "rule", "precedence",
                              "factor_dataset", "factor_id", "factor_unit", "factor_source", "converted_unit",
                              "ncv_unit", "grid_level", "grid_fallback", "gas_other"})
CSV_BATCH_ROWS = 65_536


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
    release_freed_memory()
    cols = trace_columns(comp.trace)
    with ThreadPoolExecutor(1, thread_name_prefix="disclosure-parquet") as pool:
        parquet = pool.submit(_write_parquet, cols, len(comp.trace), paths[1])
        with open(paths[2], "wb") as fh:
            fh.write(BOM)  # UTF-8 with BOM so Excel opens the Chinese text correctly
            _write_csv(cols, len(comp.trace), fh, header=True)
        parquet.result()
    write_instruments(comp.instruments, paths[3])
    return paths


BOM = b"\xef\xbb\xbf"


def release_freed_memory() -> None:
    """Give the OS back the heap memory freed so far. glibc keeps freed memory for reuse by later
    mallocs, but the trace writers allocate through Arrow's own allocator, which cannot reuse it:
    without this, the memory the calculation used and freed stays counted under the writers'."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
        ctypes.CDLL(None).malloc_trim(0)


# --- the trace's columns as they are written ------------------------------------------------------------

@dataclass
class _Col:
    """One column of the trace as written: ``kind`` is 'dict' (``codes`` into ``values``, the
    distinct texts), 'text' (an Arrow string array), 'null', 'float' (numpy, NaN missing), or
    'arrow' (any other Arrow array: integers, flags)."""

    name: str
    kind: str
    data: Any = None
    codes: np.ndarray | None = None
    dtype: Any = None            # the pandas dtype the written column is converted from


def _texts(values: Any) -> list[str]:
    """Distinct values as the text written (``astype(str)``)."""
    return [v if isinstance(v, str) else str(v) for v in values]


def trace_columns(trace: pd.DataFrame) -> list[_Col]:
    """The trace's columns as written: object columns as text (missing as None; a column with no
    value at all as a null column), categoricals by their codes, numbers and flags as they are."""
    import pyarrow as pa

    out = []
    for c in trace.columns:
        s = trace[c]
        dt = s.dtype
        if isinstance(dt, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy()
            if c in _NULL_WHEN_EMPTY and not (codes >= 0).any():
                out.append(_Col(c, "null", dtype=object))
            else:
                out.append(_Col(c, "dict", _texts(s.cat.categories), codes, "str"))
        elif pd.api.types.is_object_dtype(dt):
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            if not len(uniques):
                out.append(_Col(c, "null", dtype=object))
            else:
                out.append(_Col(c, "dict", _texts(uniques), codes, "str"))
        elif pd.api.types.is_string_dtype(dt):
            a = pa.array(s.array, type=pa.large_string(), from_pandas=True)
            out.append(_Col(c, "text", a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a, dtype="str"))
        elif dt == np.float64:
            out.append(_Col(c, "float", s.to_numpy(), dtype=dt))
        else:
            a = pa.array(s.array if isinstance(s.array, pd.api.extensions.ExtensionArray) else s.to_numpy(),
                         from_pandas=True)
            out.append(_Col(c, "arrow", a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a, dtype=dt))
    return out


def _schema(cols: list[_Col]) -> Any:
    """The Arrow schema, with its pandas metadata, that pandas gives a frame of these columns."""
    import pyarrow as pa

    empty = pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in cols})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def _indices(codes: np.ndarray) -> Any:
    import pyarrow as pa

    return pa.array(codes.astype(np.int32, copy=False), mask=codes < 0)


def trace_table(cols: list[_Col], n: int) -> Any:
    """The trace as an Arrow table in the types and with the pandas metadata that
    ``DataFrame.to_parquet`` gives it (text as large strings)."""
    import pyarrow as pa

    schema = _schema(cols)
    arrays = []
    for c, f in zip(cols, schema, strict=True):
        if c.kind == "dict":
            arrays.append(pa.array(c.data, type=f.type).take(_indices(c.codes)))
        else:
            arrays.append(_array(c, f.type, n))
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(c: _Col, typ: Any, n: int) -> Any:
    """A column other than coded text as an Arrow array of type ``typ``."""
    import pyarrow as pa

    if c.kind == "null":
        return pa.nulls(n, typ)
    if c.kind == "float":
        return pa.array(c.data, type=typ, from_pandas=True)
    return c.data if c.data.type == typ else c.data.cast(typ)


def _write_parquet(cols: list[_Col], n: int, path: Path) -> None:
    """``trace.parquet``: what ``pq.write_table(trace_table(...))`` writes. The text that repeats
    goes to the writer as dictionary arrays (its distinct values and codes, as Parquet stores it),
    not as a million strings to hash again; the file's Arrow schema, stored as write_table stores
    it, is that of the text as strings, so that every reader reads the types it read before."""
    import base64

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..engines.chunked import parquet_options

    if not hasattr(pq.ParquetWriter, "add_key_value_metadata"):  # pyarrow < 16
        pq.write_table(trace_table(cols, n), path, **parquet_options())
        return
    schema = _schema(cols)
    arrays = []
    for c, f in zip(cols, schema, strict=True):
        if c.kind == "dict":
            arrays.append(pa.DictionaryArray.from_arrays(_indices(c.codes), pa.array(c.data, type=f.type)))
        else:
            arrays.append(_array(c, f.type, n))
    table = pa.Table.from_arrays(arrays, names=schema.names)
    with pq.ParquetWriter(path, table.schema, store_schema=False, **parquet_options()) as w:
        w.write_table(table)
        w.add_key_value_metadata({"ARROW:schema": base64.b64encode(schema.serialize().to_pybytes()).decode(),
                                  "pandas": schema.metadata[b"pandas"].decode()})


# --- trace.csv ---------------------------------------------------------------------------------------

def write_trace_csv(trace: pd.DataFrame, sink: Any, header: bool) -> None:
    """The trace as CSV, with user text that Excel would take for a formula neutralised by a
    leading apostrophe; the bytes Arrow's CSV writer (``quoting_style="needed"``) makes of the
    trace as text."""
    _write_csv(trace_columns(trace), len(trace), sink, header)


def _write_csv(cols: list[_Col], n: int, sink: Any, header: bool) -> None:
    if header:
        sink.write((",".join(_quote(c.name) for c in cols) + "\n").encode("utf-8"))
    if n == 0:
        return
    plan = _csv_plan(cols, n)
    starts = range(0, n, CSV_BATCH_ROWS)
    if len(starts) == 1:
        sink.write(_csv_batch(plan, 0, n))
        return
    with ThreadPoolExecutor(2, thread_name_prefix="disclosure-csv") as pool:
        # at most a few batches ahead of the one being written
        pending: list[Any] = []
        for a in starts:
            pending.append(pool.submit(_csv_batch, plan, a, min(a + CSV_BATCH_ROWS, n)))
            if len(pending) > 3:
                sink.write(pending.pop(0).result())
        for p in pending:
            sink.write(p.result())


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass
class _Cells:
    """A part of each CSV line: either the cells of several adjacent columns that have few distinct
    values, as codes (per line) into their texts joined by commas (``kind`` 'codes'), or one column
    formatted batch by batch ('text', 'float', 'arrow': the _Col's data)."""

    kind: str
    data: Any
    codes: np.ndarray | None = None


_FEW = 64             # distinct values in a sample of a column below which it is coded as a whole
_SAMPLE = 4096
_RUN_COMBINATIONS = 65_536


def _few_codes(c: _Col, n: int) -> tuple[np.ndarray, list[str]] | None:
    """A column's cells as codes (-1: empty cell) into their distinct texts, if it has few values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if c.kind == "dict":
        return c.codes, [_quote(_defuse(v)) for v in c.data]
    if c.kind == "null":
        return np.full(n, -1, dtype=np.int64), []
    if c.kind == "text":
        return None
    if c.kind == "float":
        v = c.data
        bits = np.where(np.isnan(v), np.int64(-1), v.view(np.int64))  # NaN (missing): one value
        step = max(1, n // _SAMPLE)
        if len(np.unique(bits[::step])) > _FEW:
            return None
        codes, uniq = pd.factorize(bits)          # by bit pattern: -0.0 is not 0.0
        miss = np.flatnonzero(uniq == -1)
        texts = pc.cast(pa.array(uniq.view(np.float64), type=pa.float64()), pa.large_string()).to_pylist()
        if len(miss):
            codes = np.where(codes == miss[0], -1, codes)
        return codes, texts
    a = c.data
    if pa.types.is_boolean(a.type) or len(pc.unique(a.slice(0, min(n, _SAMPLE)))) <= _FEW:
        enc = a.dictionary_encode()
        if len(enc.dictionary) > _RUN_COMBINATIONS:
            return None
        idx = enc.indices.to_numpy(zero_copy_only=False)
        codes = np.where(enc.indices.is_null().to_numpy(zero_copy_only=False), -1, idx).astype(np.int64)
        return codes, pc.cast(enc.dictionary, pa.large_string()).to_pylist()
    return None


def _csv_plan(cols: list[_Col], n: int) -> list[_Cells]:
    """The parts of a CSV line. Adjacent columns with few distinct values (a facility's entity,
    province and share; a factor's dataset, id, value and unit …) become one part: the distinct
    combinations of their cells, joined once, and per line the code of its combination."""
    plan: list[_Cells] = []
    run: list[tuple[np.ndarray, list[str]]] = []
    for c in cols:
        few = _few_codes(c, n)
        if few is None:
            plan += _run_cells(run, n)
            run = []
            plan.append(_Cells(c.kind, c.data))
        else:
            run.append(few)
    return plan + _run_cells(run, n)


def _run_cells(run: list[tuple[np.ndarray, list[str]]], n: int) -> list[_Cells]:
    """Adjacent columns (codes, -1 for an empty cell, and texts) as one part, or as several when
    their cells have too many distinct combinations."""
    import pyarrow as pa

    if not run:
        return []
    if len(run) == 1:
        codes, texts = run[0]
        return [_Cells("codes", pa.array(["", *texts], type=pa.large_string()),
                       (codes.astype(np.int32) + 1))]
    sizes = [len(texts) + 1 for _, texts in run]
    if math.prod(sizes) < 2**62:
        combined = np.zeros(n, dtype=np.int64)
        for (codes, _), size in zip(run, sizes, strict=True):
            combined = combined * size + (codes.astype(np.int64) + 1)
        codes, uniq = pd.factorize(combined)
        if len(uniq) <= _RUN_COMBINATIONS:
            texts = _joined(uniq, sizes, [t for _, t in run])
            return [_Cells("codes", pa.array(texts, type=pa.large_string()), codes.astype(np.int32))]
    half = len(run) // 2
    return _run_cells(run[:half], n) + _run_cells(run[half:], n)


def _joined(values: np.ndarray, sizes: list[int], texts: list[list[str]]) -> list[str]:
    """The text of each combined code (mixed radix of ``sizes``, code 0 an empty cell): its
    columns' cells joined by commas."""
    parts: list[list[str]] = []
    rest = values
    for size, t in zip(reversed(sizes), reversed(texts), strict=True):
        table = ["", *t]
        parts.append([table[k] for k in (rest % size).tolist()])
        rest = rest // size
    return [",".join(p) for p in zip(*reversed(parts), strict=True)]


_RISKY = "^[=+\\-@\\t\\r]"


def _text_cells(a: Any) -> Any:
    """Arrow text as CSV cells: formula-like text neutralised, quoted, quotes doubled."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.any(pc.match_substring_regex(a, _RISKY)).as_py():
        a = pc.replace_substring_regex(a, pattern="^([=+\\-@\\t\\r])", replacement="'\\1")
    if pc.any(pc.match_substring(a, '"')).as_py():
        a = pc.replace_substring(a, '"', '""')
    q = pa.scalar('"', pa.large_string())
    return pc.binary_join_element_wise(q, a, q, pa.scalar("", pa.large_string()))


def _csv_batch(plan: list[_Cells], a: int, b: int) -> bytes:
    """Lines a … b-1 of the trace as CSV."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = b - a
    cells = []
    done: list[tuple[np.ndarray, Any]] = []   # float columns formatted in this batch, for reuse
    for c in plan:
        if c.kind == "codes":
            cells.append(c.data.take(pa.array(c.codes[a:b])))
        elif c.kind == "text":
            cells.append(_text_cells(c.data.slice(a, n)))
        elif c.kind == "float":
            cells.append(_float_cells(c.data[a:b], done))
        else:
            cells.append(pc.cast(c.data.slice(a, n), pa.large_string()))
    empty = pa.scalar("", pa.large_string())
    cells[-1] = pc.binary_join_element_wise(pc.fill_null(cells[-1], empty), pa.scalar("\n", pa.large_string()), empty)
    line = pc.binary_join_element_wise(*cells, pa.scalar(",", pa.large_string()), null_handling="replace",
                                       null_replacement="")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int64, count=len(line) + 1, offset=8 * line.offset)
    return line.buffers()[2].to_pybytes()[int(offsets[0]):int(offsets[-1])] if len(line) else b""


def _float_cells(v: np.ndarray, done: list[tuple[np.ndarray, Any]]) -> Any:
    """Numbers as CSV cells, as Arrow formats them (missing: empty). Each value is formatted once:
    zeros, values repeated in the column (a factor, a share) and values equal to those of an
    earlier column of the batch (co2e = co2e_gross at a 100 % share) are not formatted again."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(v)
    bits = v.view(np.int64)
    valid = ~np.isnan(v)
    zero = bits == 0                               # +0.0 ("0"); -0.0 is formatted as it is
    rest = np.flatnonzero(valid & ~zero)
    idx = np.full(n, -1, dtype=np.int64)
    idx[zero] = 0
    pieces: list[Any] = [pa.array(["0"], type=pa.large_string())]
    size = 1
    if len(rest):
        # values of an earlier column at the same lines
        for prev_bits, prev_cells in reversed(done):
            if not len(rest):
                break
            same = prev_bits[rest] == bits[rest]
            if same.sum() * 4 < len(rest):
                continue
            hit = rest[same]
            pieces.append(prev_cells)
            idx[hit] = size + hit
            size += n
            rest = rest[~same]
        if len(rest):
            vals = v[rest]
            sample = vals[:: max(1, len(vals) // 2048)]
            if len(np.unique(sample)) * 8 < len(sample):       # few distinct values: format each once
                codes, uniq = pd.factorize(vals)
                pieces.append(pc.cast(pa.array(uniq, type=pa.float64()), pa.large_string()))
                idx[rest] = size + codes
                size += len(uniq)
            else:
                pieces.append(pc.cast(pa.array(vals, type=pa.float64()), pa.large_string()))
                idx[rest] = size + np.arange(len(rest))
                size += len(rest)
    table = pa.concat_arrays(pieces) if len(pieces) > 1 else pieces[0]
    cells = table.take(pa.array(idx, mask=idx < 0))
    if valid.sum() * 2 > n:
        done.append((bits, cells))
    return cells


# --- compatibility ----------------------------------------------------------------------------------

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
