"""The unit of a Scope 3 method chain: a row's quantity times its multipliers, divided by its divisor.

The chain is written as the GHG Protocol Scope 3 Technical Guidance writes its methods (11,500 washers
sold × 1,000 uses per washer × 1.3 kWh per use; 10 employees ÷ 2 per car × 50 km): each multiplier
with its own unit, the units combining through pint (``core.units``), so that the product's
dimension, not the row's unit alone, is what a factor must fit. One spelling per distinct
combination of units (a handful per inventory), never per row.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from . import units

# a multiplier (or divisor) written as a pure number
PURE = "1"
# how many multipliers a row may have (activities multiplier_1 … multiplier_N, each with its unit)
MULTIPLIERS = 3


def _missing(u: Any) -> bool:
    return u is None or (isinstance(u, float) and u != u) or (isinstance(u, str) and not u.strip())


def _part(u: str) -> str:
    t = units.normalise(u)
    return t if t.replace(".", "").isalnum() else f"({t})"


@cache
def spelling(unit: Any, multipliers: tuple[Any, ...], divisor: Any = None) -> str | None:
    """The chain's unit as one spelling (``t*km``, ``pcs*(use/pcs)*(kWh/use)``,
    ``passenger*km/(passenger/vehicle)``); None when the row's unit is missing. Pure-number
    multipliers (``1``) and missing ones leave the unit as it is."""
    if _missing(unit):
        return None
    out = _part(str(unit))
    for m in multipliers:
        if not _missing(m) and units.normalise(str(m)) != PURE:
            out += "*" + _part(str(m))
    if not _missing(divisor) and units.normalise(str(divisor)) != PURE:
        out += "/" + _part(str(divisor))
    return out


def known(u: Any) -> bool:
    """Whether a multiplier's unit is one the chain can take: a known unit, or 1."""
    return isinstance(u, str) and (units.normalise(u) == PURE or units.lookup(u) is not None)


def _text_codes(column: Any) -> tuple[Any, list[str]]:
    """A column as codes (numpy integers, -1 where missing) into its distinct texts (``str`` of each
    value: two values that read alike, 1 and "1", are one text). ``column``: a Series or array of
    text, or a pair (codes, distinct values) of a column already factorised."""
    import numpy as np
    import pandas as pd

    if isinstance(column, tuple):
        codes, values = column
        vcodes, uniq = pd.factorize(np.asarray([*values], dtype=object), use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.int64)
        codes = np.where(codes < 0, -1, np.append(vcodes, -1)[codes])
    else:
        col = column if isinstance(column, pd.Series) else pd.Series(column, dtype=object)
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
    texts = [str(u) for u in uniq]
    if len(set(texts)) < len(texts):
        tcodes, tuniq = pd.factorize(np.asarray(texts, dtype=object))
        codes = np.where(codes < 0, -1, np.append(tcodes, -1)[codes])
        texts = [str(t) for t in tuniq]
    # held while the other columns are read: the narrowest integers that hold them (a byte each for
    # the handful of units a column has)
    return np.asarray(codes).astype(np.min_scalar_type(-len(texts) - 1), copy=False), texts


def spell_columns(unit: Any, multiplier_units: list[Any], divisor_unit: Any) -> tuple[Any, list[str | None]]:
    """The chain unit of every row of whole columns (aligned by position; each a Series of text, or
    a pair (codes, distinct values)): codes (numpy, int) into the distinct spellings, in the order
    their combination of units first appears, one :func:`spelling` per distinct combination. The
    combination is found on integer codes (each column factorised, then the pairs of codes), never
    on a text built per row."""
    import numpy as np
    import pandas as pd

    cols = [_text_codes(c) for c in (unit, *multiplier_units, divisor_unit)]
    key = np.zeros(len(cols[0][0]), dtype=np.int64)
    for codes, texts in cols:   # factorised after each column: the key stays below rows × (texts + 1)
        key *= len(texts) + 1
        key += codes
        key += 1
        key = pd.factorize(key)[0].astype(np.int64, copy=False)
    # the first row of each combination: where the key passes every key before it (factorize
    # numbers the combinations in the order they first appear)
    top = np.maximum.accumulate(key)
    first = np.flatnonzero(np.r_[True, top[1:] > top[:-1]]) if len(key) else key
    spelled = []
    for r in first:
        parts = [texts[codes[r]] if codes[r] >= 0 else None for codes, texts in cols]
        spelled.append(spelling(parts[0], tuple(parts[1:-1]), parts[-1]))
    return key, spelled
