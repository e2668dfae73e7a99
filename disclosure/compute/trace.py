"""The trace file format, in one place: its columns and their types, how it is written (one
``trace.parquet``, a ``trace.parquet`` of row groups, or a folder of parts ``trace/part-*.parquet``,
and ``trace.csv``) and how it is read back, whichever engine wrote it.

**Columns** (``COLUMNS``, in order) and their types as read (``DTYPES``): ids and text as pandas
text, ``row`` as int64, ``scope`` and ``scope3_category`` as Int64, ``consolidated`` as bool,
``verified`` as boolean, ``grid_fallback`` as Python booleans (None when the line is not
electricity; the files hold it as the text True / False, as they always have), the rest as
float64. ``read_trace`` gives these types for every file, so no reader patches a column.

**Parquet.** The one schema (``schema``) is that of these types with pandas' metadata. The single
file of the in-process engine writes a text column with no value at all (a computed column no line
filled in) as a null column, as ``DataFrame.to_parquet`` did; the chunked and Dask engines, which
write before they know every chunk, keep the declared type. Text that repeats goes to the writer
as dictionary arrays, never as a million Python strings; the writer's options (``PARQUET_OPTIONS``):
dictionary pages for that text, min/max statistics for the columns one filters on.

**CSV** is assembled in batches of lines by Arrow kernels, byte for byte what Arrow's CSV writer
(``quoting_style="needed"``) makes of the trace as text; text that a spreadsheet would take for a
formula is neutralised by ``core.cells.neutralise``, the rule of every CSV and spreadsheet written. Adjacent columns
with few distinct values are joined once per distinct combination (see ``_csv_plan``).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..core import vocabulary as vocab
from ..core.cells import neutralise, neutralise_array
from ..core.chain import MULTIPLIERS

# --- the columns --------------------------------------------------------------------------------------

# The Scope 3 method columns of a line (compute.methods): each factor of its chain, its allocation
# share and basis, its scenario weight, the product the factor applied to, and the scopes and year of
# a counterparty's reported figure.
MULTIPLIER_COLUMNS = tuple(f"multiplier_{k}" for k in range(1, MULTIPLIERS + 1))
MULTIPLIER_UNITS = tuple(f"multiplier_unit_{k}" for k in range(1, MULTIPLIERS + 1))
METHOD_NUMBERS = ("allocation_share", *MULTIPLIER_COLUMNS, "divisor", "scenario_weight", "method_quantity",
                  "reported_year")
METHOD_TRACE = ("allocation_share", "allocation_basis",
                *(c for k in range(MULTIPLIERS) for c in (MULTIPLIER_COLUMNS[k], MULTIPLIER_UNITS[k])),
                "divisor", "divisor_unit", "scenario_group", "scenario_weight", "method_quantity", "method_unit",
                "reported_scopes", "reported_year")

# the gases results.json splits emissions by (core/vocabulary.yaml)
GAS_BUCKETS = tuple(str(k) for k in vocab.values("gas"))

ENERGY_COLUMNS = ("energy_carrier", "energy_basis", "energy_coefficient", "energy_coefficient_unit",
                  "energy_dataset", "energy_tce", "energy_consumed_gj")

# The trace's columns, in order. Gas masses and co2e_gross are the facility's full (100 %) figures;
# ``share`` is the entity's share under the consolidation approach; ``co2e`` and the co2e_<gas>
# columns are the reported figures (gross × share). ``density`` (in ``density_unit``, from the
# dataset ``density_dataset``) took a liquid fuel given as a volume to the mass in converted_quantity;
# ``non_co2_table`` is the table of the combustion CH4/N2O defaults applied (IPCC 2006 Vol. 2 Table
# 2.2 or 2.3 by the facility's sector, Table 3.2.2 for road transport). The Scope 3 method columns
# (``compute.methods.METHOD_TRACE``) hold each factor of a row's chain, its allocation share and basis,
# its scenario weight, the product (``method_quantity`` in ``method_unit``) the factor applied to, and
# the scopes and year of a counterparty's reported figure.
COLUMNS = [
    "line_id", "record_id", "derived_from", "file", "sheet", "row",
    "facility_id", "entity_id", "province", "grid_region", "consolidated", "share",
    "source", "scope", "scope3_category", "activity", "method", "data_quality", "verified",
    "quantity", "unit", "status", "reason",
    *METHOD_TRACE,
    "rule", "precedence", "factor_dataset", "factor_id", "factor_value", "factor_unit", "factor_source",
    "fx_rate", "deflator", "converted_quantity", "converted_unit", "density", "density_unit", "density_dataset",
    "ncv", "ncv_unit", "carbon_content", "oxidation_rate", "energy_gj", "non_co2_table",
    "grid_level", "grid_fallback", "mb_factor",
    "t_CO2", "t_CH4", "t_N2O", "gas_other", "t_other", "gwp_CH4", "gwp_N2O", "gwp_other", "gwp_dataset",
    "biogenic_co2", "co2e_gross",
    *[f"co2e_{g}" for g in GAS_BUCKETS], "co2e", "co2e_market",
    # energy used (compute/energy.py): carrier, rule, coefficient and dataset, tce and GJ (× share)
    *ENERGY_COLUMNS,
]
# The trace line of each financed exposure (compute.financed; results.json ``financed_emissions.lines``):
# where the row was read, the attribution factor with its numerator (outstanding) and denominator
# (the column it came from), the counterparty's emissions by scope and how each was had (reported,
# estimated from an intensity × basis), the PCAF scores, and the financed emissions (factor ×
# counterparty emissions), tCO2e. Amounts in the row's currency; gross_exposure in the presentation
# currency (outstanding × fx_rate).
EXPOSURE_COLUMNS = [
    "exposure_id", "file", "sheet", "row", "counterparty", "asset_class", "industry", "currency",
    "outstanding", "fx_rate", "gross_exposure", "denominator_column", "denominator", "attribution_factor",
    "attribution_assumed", "scope1", "scope1_basis", "scope2", "scope2_basis", "scope3",
    "intensity_scope1", "intensity_scope2", "intensity_basis", "intensity_unit", "intensity_source",
    "pcaf_score", "pcaf_score_scope3", "financed_scope1", "financed_scope2", "financed_scope3",
    "lifetime_emissions", "financed_lifetime", "status", "reason",
]
NUMBERS = frozenset({"share", "quantity", "factor_value", "fx_rate", "deflator", "converted_quantity", "density",
                     "ncv",
                     "carbon_content", "oxidation_rate", "energy_gj", "mb_factor", "t_CO2", "t_CH4", "t_N2O",
                     "t_other", "gwp_CH4", "gwp_N2O", "gwp_other", "biogenic_co2", "co2e_gross",
                     *[f"co2e_{g}" for g in GAS_BUCKETS], "co2e", "co2e_market", *METHOD_NUMBERS,
                     "energy_coefficient", "energy_tce", "energy_consumed_gj"})
# each column's pandas type as read back (text: "str"; grid_fallback: Python booleans, see above)
DTYPES: dict[str, Any] = {
    c: ("float64" if c in NUMBERS else "int64" if c == "row" else "Int64" if c in ("scope", "scope3_category")
        else "bool" if c == "consolidated" else "boolean" if c == "verified" else object if c == "grid_fallback"
        else "str")
    for c in COLUMNS
}
# text columns that the calculation fills in: written as null-typed columns by the single-file
# writer when no line has a value (they were object columns of None, as pandas converts them)
_NULL_WHEN_EMPTY = frozenset({"entity_id", "province", "grid_region", "sheet", "reason", "rule", "precedence",
                              "factor_dataset", "factor_id", "factor_unit", "factor_source", "converted_unit",
                              "density_unit", "density_dataset", "ncv_unit", "non_co2_table", "grid_level", "grid_fallback",
                              "gas_other", "gwp_dataset",
                              "energy_carrier", "energy_basis", "energy_coefficient_unit", "energy_dataset"})
CSV_BATCH_ROWS = 65_536
# trace.csv is written for a trace of at most this many lines (or when asked, ``csv=True``); above it
# the Parquet trace alone: ``disclosure trace DIR --csv`` exports the same CSV from it (``export_csv``).
# 100,000 lines: the demo's few hundred keep their trace.csv; a million-line CSV is 650 MB, 4.4 times
# the input, and more than a spreadsheet opens.
CSV_MAX_LINES = 100_000
BOM = b"\xef\xbb\xbf"   # trace.csv is UTF-8 with a BOM, so that Excel opens the Chinese text correctly
PARQUET = "trace.parquet"
CSV = "trace.csv"
PARTS = "trace"            # the Dask engine's folder of parts, part-NNNNN.parquet


# --- the columns as they are written ------------------------------------------------------------------

@dataclass
class _Col:
    """One column of the trace as written: ``kind`` is 'dict' (``codes`` into ``values``, the
    distinct texts), 'text' (an Arrow string array), 'null', 'float' (numpy, NaN missing), or
    'arrow' (any other Arrow array: integers, flags)."""

    name: str
    kind: str
    data: Any = None
    codes: np.ndarray | None = None


def _texts(values: Any) -> list[str]:
    """Distinct values as the text written (``astype(str)``)."""
    return [v if isinstance(v, str) else str(v) for v in values]


def columns_of(trace: pd.DataFrame) -> list[_Col]:
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
                out.append(_Col(c, "null"))
            else:
                out.append(_Col(c, "dict", _texts(s.cat.categories), codes))
        elif pd.api.types.is_object_dtype(dt):
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            if not len(uniques):
                out.append(_Col(c, "null"))
            else:
                out.append(_Col(c, "dict", _texts(uniques), codes))
        elif pd.api.types.is_string_dtype(dt):
            a = pa.array(s.array, type=pa.large_string(), from_pandas=True)
            out.append(_Col(c, "text", a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a))
        elif dt == np.float64:
            out.append(_Col(c, "float", s.to_numpy()))
        else:
            a = pa.array(s.array if isinstance(s.array, pd.api.extensions.ExtensionArray) else s.to_numpy(),
                         from_pandas=True)
            out.append(_Col(c, "arrow", a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a))
    return out


# --- Parquet ------------------------------------------------------------------------------------------

@cache
def _declared() -> Any:
    import pyarrow as pa

    empty = pd.DataFrame({c: pd.Series([], dtype="str" if DTYPES[c] is object else DTYPES[c]) for c in COLUMNS})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def schema(null: Iterable[str] = ()) -> Any:
    """The trace's Arrow schema with its pandas metadata; the columns ``null`` (a single file's
    text columns that hold no value) as null columns, as pandas writes an object column of None."""
    import pyarrow as pa

    null = set(null)
    if not null:
        return _declared()
    empty = pd.DataFrame({c: pd.Series([], dtype=object if c in null else
                                       "str" if DTYPES[c] is object else DTYPES[c]) for c in COLUMNS})
    return pa.Schema.from_pandas(empty, preserve_index=False)


@cache
def parquet_options() -> dict[str, Any]:
    """How trace Parquet is written: dictionaries for the text columns that repeat (not the ids),
    statistics for the columns one filters on (the rest cost time and help no reader), Zstandard at
    level 1 (the demo repeated to 1,525,913 lines: 7.2 MB in 1.25-1.3 s of one core, Snappy's
    37.4 MB in 0.9-1.0 s; random quantities: 76 MB, Snappy's 100 MB; every Parquet reader reads it)."""
    import pyarrow as pa

    text = [f.name for f in _declared() if f.type in (pa.string(), pa.large_string())]
    return {"compression": "zstd", "compression_level": 1,
            "use_dictionary": [c for c in text if c not in ("line_id", "record_id", "derived_from")],
            "write_statistics": ["row", "facility_id", "entity_id", "source", "scope", "scope3_category",
                                 "status"]}


def _indices(codes: np.ndarray) -> Any:
    """A categorical's codes as Arrow indices in their own integer type (int8 for up to 127
    values; not widened), -1 as null."""
    import pyarrow as pa

    return pa.array(codes, mask=codes < 0)


def _array(c: _Col, typ: Any, n: int, dictionary: bool = False) -> Any:
    """A column as an Arrow array of type ``typ`` (coded text as a dictionary array if asked)."""
    import pyarrow as pa

    if c.kind == "dict":
        values = pa.array(c.data, type=typ)
        # unchecked (safe=False): a categorical's codes are each -1 (null) or a position in its
        # categories, which ``values`` holds in order; checking them was a pass over every line
        return pa.DictionaryArray.from_arrays(_indices(c.codes), values, safe=False) if dictionary else values.take(
            _indices(c.codes))
    if c.kind == "null":
        return pa.nulls(n, typ)
    if c.kind == "float":   # NaN missing, as from_pandas reads it; the mask from numpy: half the time
        nan = np.isnan(c.data)
        return pa.array(c.data, type=typ, mask=nan if nan.any() else None)
    return c.data if c.data.type == typ else c.data.cast(typ)


def _checked(trace: pd.DataFrame) -> list[_Col]:
    if list(trace.columns) != COLUMNS:
        raise ValueError(f"not the trace's columns: {list(trace.columns)[:5]} …")
    return columns_of(trace)


def table(trace: pd.DataFrame) -> Any:
    """Trace lines (a chunk or a partition of them) as an Arrow table in the declared schema."""
    import pyarrow as pa

    cols = _checked(trace)
    s = schema()
    return pa.Table.from_arrays([_array(c, f.type, len(trace)) for c, f in zip(cols, s, strict=True)], schema=s)


def _write_parquet(cols: list[_Col], n: int, path: Path) -> None:
    """The whole trace as one Parquet file (the in-process engine's ``trace.parquet``): what
    ``pq.write_table`` writes of the trace in ``schema`` (empty computed text as null columns).
    The text that repeats goes to the writer as dictionary arrays (its distinct values and codes,
    as Parquet stores it), not as a million strings to hash again; the file's Arrow schema, stored
    as write_table stores it, is that of the text as strings, so that every reader reads the
    types it read before."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    s = schema(c.name for c in cols if c.kind == "null")
    if not hasattr(pq.ParquetWriter, "add_key_value_metadata"):  # pyarrow < 16
        t = pa.Table.from_arrays([_array(c, f.type, n) for c, f in zip(cols, s, strict=True)], schema=s)
        pq.write_table(t, path, **parquet_options())
        return
    arrays = [_array(c, f.type, n, dictionary=True) for c, f in zip(cols, s, strict=True)]
    t = pa.Table.from_arrays(arrays, names=s.names)
    with pq.ParquetWriter(path, t.schema, store_schema=False, **parquet_options()) as w:
        w.write_table(t)
        w.add_key_value_metadata({"ARROW:schema": base64.b64encode(s.serialize().to_pybytes()).decode(),
                                  "pandas": s.metadata[b"pandas"].decode()})


def write_part(trace: pd.DataFrame, path: Path) -> None:
    """One partition's trace as its own Parquet file (the Dask engine's ``trace/part-NNNNN.parquet``)."""
    import pyarrow.parquet as pq

    pq.write_table(table(trace), path, **parquet_options())


def part_path(folder: Path, index: int) -> Path:
    return folder / f"part-{index:05d}.parquet"


class Writer:
    """``trace.parquet`` with a row group per chunk, and ``trace.csv`` appended (when asked): the
    chunked engine's trace."""

    def __init__(self, out: Path, csv: bool):
        import pyarrow.parquet as pq

        self.paths = [out / PARQUET] + ([out / CSV] if csv else [])
        self._pq = pq.ParquetWriter(self.paths[0], schema(), **parquet_options())
        self._csv: IO[bytes] | None = (open(self.paths[1], "wb") if csv else None)  # noqa: SIM115 (closed by close())
        if self._csv is not None:
            self._csv.write(BOM)
        self._header = True
        self.lines = 0

    def write(self, trace: pd.DataFrame) -> None:
        self._pq.write_table(table(trace))
        if self._csv is not None:
            write_csv(trace, self._csv, header=self._header)
            self._header = False
        self.lines += len(trace)

    def close(self) -> list[Path]:
        self._pq.close()
        if self._csv is not None:
            self._csv.close()
        return self.paths


def csv_wanted(lines: int, csv: bool | None = None) -> bool:
    """Whether trace.csv is written beside the Parquet trace: when asked (``csv``), else for a trace
    of at most ``CSV_MAX_LINES`` lines."""
    return bool(csv) if csv is not None else lines <= CSV_MAX_LINES


def write(trace: pd.DataFrame, out: Path, csv: bool | None = None) -> list[Path]:
    """The whole trace as ``trace.parquet`` and (``csv_wanted``) ``trace.csv`` in ``out``. The
    Parquet file is written in a thread while the CSV is made: both run mostly in Arrow, without
    the GIL."""
    cols = _checked(trace)
    if not csv_wanted(len(trace), csv):
        _write_parquet(cols, len(trace), out / PARQUET)
        return [out / PARQUET]
    paths = [out / PARQUET, out / CSV]
    with ThreadPoolExecutor(1, thread_name_prefix="disclosure-parquet") as pool:
        parquet = pool.submit(_write_parquet, cols, len(trace), paths[0])
        with open(paths[1], "wb") as fh:
            fh.write(BOM)
            _write_csv(cols, len(trace), fh, header=True)
        parquet.result()
    return paths


def export_csv(source: Path, target: Path) -> int:
    """trace.csv made from the Parquet trace of a results folder or report pack (or a trace file or
    folder of parts): the bytes the engine writes as trace.csv. Returns the lines written."""
    frame = read_trace(source)
    with open(target, "wb") as fh:
        fh.write(BOM)
        write_csv(frame, fh, header=True)
    return len(frame)


# --- reading back ---------------------------------------------------------------------------------------

def find(folder: Path) -> Path | None:
    """The trace of a results folder: ``trace.parquet``, else the folder of parts, else None."""
    folder = Path(folder)
    if (folder / PARQUET).is_file():
        return folder / PARQUET
    if (folder / PARTS).is_dir() and any((folder / PARTS).glob("part-*.parquet")):
        return folder / PARTS
    return None


def read_trace(path: Path, columns: Iterable[str] | None = None, categories: bool = False) -> pd.DataFrame:
    """A trace as written by any engine: a results folder, a ``trace.parquet`` (one row group or
    many), or a folder of parts (read in their order), with the columns (all, or those asked, in
    the trace's order) in the types of ``DTYPES``; with ``categories``, the text that Parquet holds
    as dictionaries as pandas categoricals of the same values (not a text per line: for readers
    that group on them)."""
    path = Path(path)
    if path.is_dir() and path.name != PARTS:
        found = find(path)
        if found is None:
            raise FileNotFoundError(f"{path}: no {PARQUET} and no {PARTS}/part-*.parquet")
        path = found
    want = COLUMNS if columns is None else [c for c in COLUMNS if c in set(columns)]
    files = sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"{path}: no part-*.parquet")

    def one(p: Path) -> pd.DataFrame:
        if not categories:
            return pd.read_parquet(p, columns=want)
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.read_schema(p)
        text = [c for c in want if c in schema.names and schema.field(c).type in (pa.string(), pa.large_string())]
        return pd.read_parquet(p, columns=want, read_dictionary=text)

    frame = one(files[0]) if len(files) == 1 else pd.concat([one(p) for p in files], ignore_index=True)
    return normalise(frame, keep_categories=categories)


def normalise(frame: pd.DataFrame, keep_categories: bool = False) -> pd.DataFrame:
    """Trace columns read from a file in the types of ``DTYPES`` (a null column or a categorical as
    text, unless ``keep_categories``; grid_fallback's text as booleans)."""
    out = {}
    for c in frame.columns:
        s = frame[c]
        want = DTYPES.get(c)
        if keep_categories and isinstance(s.dtype, pd.CategoricalDtype) and want == "str":
            out[c] = s
        elif c == "grid_fallback":
            s = s.astype(object).map({"True": True, "False": False, True: True, False: False}).astype(object)
            out[c] = s.where(s.notna(), None)
        elif want is None or s.dtype == want:
            out[c] = s
        else:
            out[c] = s.astype(object).astype(want) if isinstance(s.dtype, pd.CategoricalDtype) else s.astype(want)
    return pd.DataFrame(out, index=frame.index)


# --- trace.csv ---------------------------------------------------------------------------------------

def write_csv(trace: pd.DataFrame, sink: Any, header: bool) -> None:
    """The trace as CSV lines (a header first if asked), formula-like text neutralised; the bytes
    Arrow's CSV writer (``quoting_style="needed"``) makes of the trace as text."""
    _write_csv(columns_of(trace), len(trace), sink, header)


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
        return c.codes, [_quote(neutralise(v)) for v in c.data]
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


def _text_cells(a: Any) -> Any:
    """Arrow text as CSV cells: formula-like text neutralised, quoted, quotes doubled."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = neutralise_array(a)
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
