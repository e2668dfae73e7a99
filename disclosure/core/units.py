"""One unit registry for the whole package, and conversion that works per unit group on arrays.

Converting one ``pint.Quantity`` per row costs about 32 s per million rows; converting each distinct
unit string once and multiplying the array costs milliseconds. Every function here therefore looks a
unit string up once (cached) and works on numpy/pandas arrays.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pint

# Readable names of the dimensions the contract talks about.
DIMENSIONS: dict[str, str] = {
    "mass": "[mass]",
    "energy": "[mass] * [length] ** 2 / [time] ** 2",
    "volume": "[length] ** 3",
    "co2e": "[co2e]",
    "mass_distance": "[mass] * [length]",
    "passenger_distance": "[passenger] * [length]",
    "distance": "[length]",
    "count": "[passenger]",
    "currency": "[currency_CNY]",  # the other currencies are matched by prefix, see dimension_name
}


@cache
def registry() -> pint.UnitRegistry:
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    path = resources.files(__package__).joinpath("units.txt")
    with resources.as_file(path) as p:
        ureg.load_definitions(str(p))
    return ureg


_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form a unit string is looked up in: NFKC (full-width → ASCII, ³ → 3), no spaces,
    ·/× as multiplication, 'per' slashes kept."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    t = _SPACES.sub("", t)
    t = t.replace("·", "*").replace("×", "*").replace("・", "*")
    return t


_UPPER = {u.lower(): u for u in ("kWh", "MWh", "GWh", "tce", "Nm3", "GJ", "TJ", "MJ", "kg", "t", "m3",
                                  "tkm", "pkm", "L", "km", "万kWh", "万Nm3", "万m3", "CNY", "USD", "EUR",
                                  "HKD", "tCO2e", "kgCO2e")}


@dataclass(frozen=True, slots=True)
class UnitInfo:
    text: str  # the normalised spelling
    unit: pint.Unit
    dimension: str  # a name from DIMENSIONS, a currency name, or the raw dimensionality


@cache
def lookup(text: str) -> UnitInfo | None:
    """Resolve a unit spelling, or None if it is not a unit we know."""
    norm = normalise(text)
    if not norm:
        return None
    if norm.isupper() and norm.lower() in _UPPER:  # ERP exports shout: KWH, TCE, NM3; T is not tesla
        norm = _UPPER[norm.lower()]
    ureg = registry()
    try:
        q = ureg.Quantity(1, norm)
    except Exception:  # pint raises several error types for unparseable text
        return None
    if not isinstance(q, pint.Quantity):
        return None
    if q.dimensionless and not any(ch.isalpha() or ch == "%" for ch in norm):
        return None  # a bare number is not a unit; tCO2/t and % are (dimensionless) units
    return UnitInfo(norm, q.units, dimension_name(q.units))


def dimension_name(unit: pint.Unit) -> str:
    dims = unit.dimensionality
    for name, spec in DIMENSIONS.items():
        if dims == registry().get_dimensionality(spec):
            return name
    keys = list(dims.keys())
    if len(keys) == 1 and keys[0].startswith("[currency_") and dims[keys[0]] == 1:
        return "currency"
    return str(dims)


@cache
def factor(from_text: str, to_text: str) -> float:
    """Multiplier taking a value in ``from_text`` to ``to_text``; raises if not convertible."""
    a, b = lookup(from_text), lookup(to_text)
    if a is None or b is None:
        raise pint.UndefinedUnitError(from_text if a is None else to_text)
    return float(registry().Quantity(1.0, a.unit).to(b.unit).magnitude)


def convertible(from_text: str, to_text: str) -> bool:
    try:
        factor(from_text, to_text)
    except (pint.DimensionalityError, pint.UndefinedUnitError):
        return False
    return True


def distinct_pairs(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    """Codes of the distinct (a, b) pairs, and the pairs: two factorizations and one of their
    combined integer codes (a MultiIndex factorize is several times slower on a million rows)."""
    ca, ua = pd.factorize(a, use_na_sentinel=False)
    cb, ub = pd.factorize(b, use_na_sentinel=False)
    nb = max(len(ub), 1)
    codes, uniq = pd.factorize(ca.astype(np.int64) * nb + cb)
    return codes, [(ua[u // nb], ub[u % nb]) for u in uniq]


def convert(values: pd.Series, units: pd.Series, to_text: str | pd.Series) -> pd.Series:
    """Convert ``values`` given in ``units`` (strings) to ``to_text``, one lookup per distinct
    pair of units. Rows whose unit cannot be converted come out as NaN."""
    values = pd.Series(values).astype("float64")
    targets = to_text if isinstance(to_text, pd.Series) else pd.Series(to_text, index=values.index)
    codes, uniques = distinct_pairs(pd.Series(units, index=values.index).astype(str), targets.astype(str))
    mult = np.empty(len(uniques), dtype="float64")
    for k, (u, t) in enumerate(uniques):
        try:
            mult[k] = factor(u, t)
        except (pint.DimensionalityError, pint.UndefinedUnitError):
            mult[k] = np.nan
    return pd.Series(values.to_numpy() * mult[codes], index=values.index)
