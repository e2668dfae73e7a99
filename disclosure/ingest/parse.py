"""Vectorised parsers from the text users type to typed columns.

Each parser takes a Series (text, or already typed when the file was Parquet or Excel) and returns
``(values, bad)``: the typed values and a boolean mask of non-empty cells that could not be read.
Empty cells are never "bad" here; whether a value is required is the loader's concern. Parsers that
face few distinct values (dates, yes/no, enumerations, units) parse each distinct value once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.values import (
    DATE_MAX,
    DATE_MIN,
    clean_number_text,
    in_date_range,
    one_bool,
    one_category,
    one_date,
)


def is_empty(s: pd.Series) -> pd.Series:
    """Missing, or nothing but whitespace. Arrow text is classified where it lies (no stripped
    copy of each cell): a cell is blank when it has no bytes or only whitespace, Arrow's whitespace
    being the one its trim strips (checked over every code point in the tests)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        a = pa.array(s.array)   # the column's own Arrow data
        blank = pc.or_kleene(pc.equal(pc.binary_length(a), 0), pc.utf8_is_space(a)).fill_null(True)
        return pd.Series(blank.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)
    if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        return s.isna() | (s.astype("str").str.strip() == "")
    return s.isna()


def _by_distinct(s: pd.Series, fn: Callable[[str], object], dtype: str) -> pd.Series:
    """Apply ``fn`` once per distinct value; ``fn`` returns None for an unreadable value. Blank and
    missing cells come out missing. The column is factorised as it is (Arrow strings stay Arrow)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = [None if (isinstance(u, str) and not u.strip()) else fn(u) for u in uniques]
    parsed = pd.Series([*values, None], dtype=dtype).array  # the extra slot is for missing cells
    # taken as an array of its type (Arrow text stays Arrow, never a million Python objects)
    return pd.Series(parsed.take(np.where(codes < 0, len(values), codes)), index=s.index, dtype=dtype)


# --- numbers ---------------------------------------------------------------------------------------

def number(s: pd.Series, empty: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Real numbers; thousands separators (1,234.5 and full-width digits) accepted. ``empty``:
    ``is_empty(s)``, when the caller has it. Every number read is finite: ``inf``, ``Infinity``,
    ``1e309`` (beyond a float) and ``nan`` as text, or infinite and NaN floats of a Parquet file,
    are bad (and missing in the values)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.astype("float64")
        return _finite(v, ~v.isna())   # NaN is a missing value; an infinite one is bad
    empty = is_empty(s) if empty is None else empty
    e = empty.to_numpy(dtype=bool)
    plain = _plain_numbers(s, e)
    if plain is None:
        values = _text_numbers(s, e)
    else:
        values, rest = plain
        if rest.any():   # the cells that are not plain numbers, read by the general reader
            values[rest] = _text_numbers(s.iloc[np.flatnonzero(rest)], np.zeros(int(rest.sum()), dtype=bool))
    # + 0.0: a zero typed as -0 reads as 0, as it does in a column of integers
    return _finite(pd.Series(values + 0.0, index=s.index), ~empty)


def _text_numbers(s: pd.Series, e: np.ndarray) -> np.ndarray:
    """The numbers of a text column read by pandas (NaN where a cell is ``e``mpty or unreadable),
    then, for the cells it cannot read, with separators and full-width digits cleaned."""
    if e.any():
        # only the cells with a value are parsed; a missing value among them makes to_numeric read
        # every one as a float, as it reads the whole column, where the empty cells are missing
        keep = np.flatnonzero(~e)
        cells = np.empty(len(keep) + 1, dtype=object)
        cells[:-1] = s.iloc[keep].to_numpy(dtype=object)
        cells[-1] = np.nan
        values = np.full(len(s), np.nan)
        values[keep] = np.asarray(pd.to_numeric(cells, errors="coerce"), dtype="float64")[:-1]
    else:
        values = np.asarray(pd.to_numeric(s, errors="coerce"), dtype="float64").copy()
    retry = np.flatnonzero(np.isnan(values) & ~e)
    if len(retry):
        cleaned = s.iloc[retry].astype("str").map(clean_number_text)
        values[retry] = np.asarray(pd.to_numeric(cleaned, errors="coerce"), dtype="float64")
    return values


# a number as a program writes it (the cells of an ERP export): digits, a point, an exponent
PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
# the ASCII thousands separators (1,234.5; 1 234; 1'234; 1_234): a plain number with them is ASCII,
# so NFKC leaves it as it is, and clean_number_text only takes them out
SEPARATORS = r"[,_' ]"


def _plain_numbers(s: pd.Series, empty: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For an Arrow text column: the values of its plain numbers (``PLAIN_NUMBER``), with or without
    ASCII thousands separators (``SEPARATORS``, as ERP exports write them), read by Arrow's
    cast (correctly rounded, as Python's ``float``), NaN elsewhere; and the mask of the other
    non-empty cells, left to the general reader. None for a column that is not Arrow text."""
    if not (isinstance(s.dtype, pd.ArrowDtype)
            or (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow")):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    hit = pc.fill_null(pc.match_substring_regex(arr, PLAIN_NUMBER), False).to_numpy(zero_copy_only=False)
    hit &= ~empty
    values = np.full(len(s), np.nan)
    at = np.flatnonzero(hit)
    try:
        values[at] = pc.cast(arr.take(pa.array(at)), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return None
    rest = ~hit & ~empty
    # thousands separators: the same cast once they are taken out; the comma first (a literal
    # replace, the separator nearly every export writes), then each separator for the cells left
    at = np.flatnonzero(rest)
    cells = arr.take(pa.array(at))
    for strip in (lambda x: pc.replace_substring(x, ",", ""), lambda x: pc.replace_substring_regex(x, SEPARATORS, "")):
        if not len(at):
            break
        cleaned = strip(cells)
        ok = pc.fill_null(pc.match_substring_regex(cleaned, PLAIN_NUMBER), False)
        done = ok.to_numpy(zero_copy_only=False)
        if done.any():
            try:
                values[at[done]] = pc.cast(pc.filter(cleaned, ok), pa.float64()).to_numpy(zero_copy_only=False)
            except pa.ArrowInvalid:   # left to the general reader, which gives its own answer
                return values, rest
            rest[at[done]] = False
            at, cells = at[~done], pc.filter(cells, pc.invert(ok))
    return values, rest


def _finite(v: pd.Series, given: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The values with every non-finite one missing, and the mask of the cells ``given`` whose
    value is not a finite number."""
    a = v.to_numpy(dtype="float64")
    ok = np.isfinite(a)
    bad = pd.Series(np.asarray(given, dtype=bool) & ~ok, index=v.index)
    if not ok.all():
        v = pd.Series(np.where(ok, a, np.nan), index=v.index)
    return v, bad


def fraction(s: pd.Series, empty: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """A share: 0-1, or a percentage (``51%`` or ``51``: values above 1 are read as percent).
    Range checking (0-1 after scaling) is left to the caller, which knows the code to report."""
    if empty is not None and not pd.api.types.is_numeric_dtype(s.dtype):
        e = empty.to_numpy(dtype=bool)
        if e.any():  # an empty cell is neither a value nor bad: read the others only
            keep = np.flatnonzero(~e)
            v_keep, bad_keep = fraction(s.iloc[keep])
            values, bad = np.full(len(s), np.nan), np.zeros(len(s), dtype=bool)
            values[keep] = v_keep.to_numpy(dtype="float64")
            bad[keep] = bad_keep.to_numpy(dtype=bool)
            return pd.Series(values, index=s.index), pd.Series(bad, index=s.index)
    text = s.astype("str") if not pd.api.types.is_numeric_dtype(s.dtype) else None
    if text is None:
        v, bad = number(s)
        pct = pd.Series(False, index=s.index)
    else:
        stripped = text.str.strip()
        pct = stripped.str.endswith("%") | stripped.str.endswith("％")
        v, bad = number(stripped.str.rstrip("%％"))
    v = v.where(~(pct | (v > 1)), v / 100.0)
    return v, bad


# --- dates -----------------------------------------------------------------------------------------

def date(s: pd.Series, empty: pd.Series | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Calendar dates: ISO, 2025/1/31, 2025.1.31, 2025年1月31日, 20250131, Excel serials; a column
    of timestamps (Parquet) as its dates, a time zone's as the dates on its clocks. Returns the
    values, the mask of unreadable cells and the mask of dates outside what a column of dates holds
    (``DATE_MIN`` … ``DATE_MAX``: 1677-09-22 to 2262-04-11), which are missing in the values."""
    none = pd.Series(False, index=s.index)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        # a Parquet timestamp of another unit (us, ms, s) may lie outside the ns range
        a = s.to_numpy()
        ok = np.isnat(a) | ((a >= np.datetime64(DATE_MIN.date())) & (a <= np.datetime64(DATE_MAX.date())))
        if ok.all():
            return s.astype("datetime64[ns]").dt.normalize(), none, none
        kept = s.where(pd.Series(ok, index=s.index))
        return kept.astype("datetime64[ns]").dt.normalize(), none, pd.Series(~ok, index=s.index)
    empty = is_empty(s) if empty is None else empty
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    read = [None if (isinstance(u, str) and not u.strip()) else one_date(u) for u in uniques]
    far = np.array([d is not None and not in_date_range(d) for d in read] + [False], dtype=bool)
    values = pd.Series([*(None if f else d for d, f in zip(read, far, strict=False)), None],
                       dtype="datetime64[ns]").array
    at = np.where(codes < 0, len(read), codes)
    v = pd.Series(values.take(at), index=s.index, dtype="datetime64[ns]")
    outside = pd.Series(far[at], index=s.index)
    return v, v.isna() & ~empty & ~outside, outside


# --- yes/no and enumerations -------------------------------------------------------------------------

def boolean(s: pd.Series, empty: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    empty = is_empty(s) if empty is None else empty
    v = _by_distinct(s, one_bool, "boolean")
    return v, v.isna() & ~empty


def enum(s: pd.Series, values: tuple[str, ...], aliases: Mapping[str, str], empty: pd.Series | None = None
         ) -> tuple[pd.Series, pd.Series]:
    lookup = {v.lower(): v for v in values}
    lookup.update({unicodedata.normalize("NFKC", k).strip().lower(): v for k, v in aliases.items()})

    def one(text: object) -> object:
        t = unicodedata.normalize("NFKC", str(text)).strip().lower().replace("-", "_").replace(" ", "_")
        return lookup.get(t, lookup.get(unicodedata.normalize("NFKC", str(text)).strip().lower()))

    empty = is_empty(s) if empty is None else empty
    v = _by_distinct(s, one, "str")
    return v, v.isna() & ~empty


def category(s: pd.Series, empty: pd.Series | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Scope 3 category 1-15; also accepts ``C3``, ``类别3``, ``3.0``. Returns values, unreadable
    mask, out-of-range mask."""
    empty = is_empty(s) if empty is None else empty

    v = _by_distinct(s, one_category, "float64")
    bad = v.isna() & ~empty
    out_of_range = ~bad & ~empty & ((v < 1) | (v > 15))
    # a category out of range keeps its value (16 stays 16), unless no int64 holds it (3e24): missing
    return v.where(~out_of_range | (v.abs() < 2**53)).astype("Int64"), bad, out_of_range


def text(s: pd.Series) -> pd.Series:
    """Free text and ids: stripped, NFKC-normalised only for ids (the caller decides); empty → NA.
    A float column whose values are all whole numbers (Parquet written from a frame whose integer
    ids had gaps) reads as those integers: id 1001 stays "1001", not "1001.0"."""
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = v[~np.isnan(v)]
        if len(finite) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
            s = s.astype("Int64")
    t = s.astype("str").str.strip()
    blank = t == ""
    return t.where(~blank, None) if blank.any() else t
