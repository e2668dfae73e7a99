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


_SEP, _NONE = "\x1f", "\x00"


def spell_columns(unit: Any, multiplier_units: list[Any], divisor_unit: Any) -> tuple[Any, list[str | None]]:
    """The chain unit of every row of whole columns (pandas Series of text, aligned): codes (numpy,
    int) into the distinct spellings, one :func:`spelling` per distinct combination of units."""
    import numpy as np
    import pandas as pd

    cols = [pd.Series(c, dtype=object).reset_index(drop=True) for c in (unit, *multiplier_units, divisor_unit)]
    key = cols[0].where(cols[0].notna(), _NONE).astype(str)
    for c in cols[1:]:
        key = key + _SEP + c.where(c.notna(), _NONE).astype(str)
    codes, uniq = pd.factorize(key)
    spelled = []
    for k in uniq:
        parts = [None if p == _NONE else p for p in str(k).split(_SEP)]
        spelled.append(spelling(parts[0], tuple(parts[1:-1]), parts[-1]))
    return np.asarray(codes), spelled
