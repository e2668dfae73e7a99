"""One unit registry for the whole package, and conversion that works per unit group on arrays.

Converting one ``pint.Quantity`` per row costs about 32 s per million rows; converting each distinct
unit string once and multiplying the array costs milliseconds. Every function here therefore looks a
unit string up once (cached) and works on numpy/pandas arrays.

**The units accepted are the project's vocabulary of units, not all of pint's.** Pint's defaults
hold about a thousand units, and some of their spellings read as something no inventory means:
``pcs`` a parsec, ``kt`` a knot, ``ct`` a carat, ``MT`` a megatesla, ``mt`` a millitonne. Every name
in a unit spelling (``kgCO2e/t`` has two) must therefore be one of :data:`ACCEPTED` (pint's units an
inventory, a factor or a conversion can use, with the SI prefixes each takes) or a unit of
``units.txt``; anything else is not a unit here (``unknown-unit``). A name with more than one
common meaning (``ton``: metric, short or long; ``gal``: US or imperial; ``cal``: International
Table or thermochemical …) is refused with its candidates (:data:`AMBIGUOUS`, :func:`ambiguity`;
``ambiguous-unit``), unless the spelling itself says which (``short_ton``, ``US_gal``, ``cal_th``).
``t`` and ``吨`` stay the metric tonne.

The registry itself holds only the part of pint's definitions those units reach
(:func:`_pint_definitions`): a name outside it is no unit here either way, and building all of
pint's took about 0.4 s of every command's start.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from . import vocabulary


def _import_pint() -> Any:
    """pint, imported without dask. pint imports ``dask.base`` when dask is installed (it looks with
    ``importlib.util.find_spec``), for its quantities of dask arrays, which this project does not
    make: 0.1 s of every command's start, the Dask engine's dependency loaded by a check of a
    workbook. dask is hidden from that one look; the Dask engine imports it when it runs."""
    import sys

    hidden = "dask" not in sys.modules
    if hidden:
        sys.modules["dask"] = None   # type: ignore[assignment]  (find_spec: None, not installed)
    try:
        import pint
    finally:
        if hidden and "dask" in sys.modules and sys.modules["dask"] is None:
            del sys.modules["dask"]
    return pint


pint = _import_pint()

# Readable names of the dimensions the contract talks about.
DIMENSIONS: dict[str, str] = {
    "mass": "[mass]",
    "energy": "[mass] * [length] ** 2 / [time] ** 2",
    "volume": "[length] ** 3",
    "co2e": "[co2e]",
    "mass_distance": "[mass] * [length]",
    "vehicle_distance": "[item_vehicle] * [length]",
    "passenger_distance": "[passenger] * [length]",
    "distance": "[length]",
    "count": "[passenger]",
    "items": "[item]",             # 台, 套, 辆 are counts of their own ([item_equipment] …), see dimension_name
    "area": "[length] ** 2",
    "storage": "[length] ** 3 * [time]",
    "power": "[mass] * [length] ** 2 / [time] ** 3",
    "currency": "[currency_CNY]",  # the other currencies are matched by prefix, see dimension_name
}

# The units of pint's defaults that the project accepts, by pint's name, with the SI prefixes each
# may take ("" = none). Everything units.txt defines is accepted as well (without a prefix).
_SI_UP = ("", "kilo", "mega", "giga", "tera", "peta")
ACCEPTED: dict[str, tuple[str, ...]] = {
    # mass
    "gram": ("", "kilo", "milli"),
    "metric_ton": ("", "kilo", "mega", "giga"),
    "pound": ("",),
    "ton": ("",),                      # the short ton, only as short_ton (AMBIGUOUS)
    # energy and power (power only to be told it is not energy)
    "joule": _SI_UP,
    "watt_hour": ("", "kilo", "mega", "giga", "tera"),
    "watt": ("", "kilo", "mega", "giga"),
    "british_thermal_unit": ("", "kilo"),
    "international_british_thermal_unit": ("",),
    "calorie": ("", "kilo", "mega", "giga"),          # thermochemical, only as cal_th (AMBIGUOUS)
    "international_calorie": ("", "kilo", "mega", "giga"),
    "therm": ("",),                                    # only as EC_therm (AMBIGUOUS)
    "US_therm": ("",),
    "tonne_of_oil_equivalent": ("", "kilo", "mega"),
    # volume, length, area, time
    "liter": ("", "milli", "kilo", "mega"),
    "gallon": ("",),                   # the US gallon, only as US_gal / US_liquid_gallon (AMBIGUOUS)
    "imperial_gallon": ("",),
    "oil_barrel": ("",),
    "meter": ("", "kilo", "centi", "milli"),
    "mile": ("",),
    "nautical_mile": ("",),
    "hectare": ("",),
    "second": ("",), "minute": ("",), "hour": ("",), "day": ("",), "week": ("",), "year": ("",),
    # ratios (a share, an oxidation rate)
    "percent": ("",),
}


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A unit name with more than one common meaning: the meanings (keys of the vocabulary's
    ``unit_meaning``, each with the spelling that says it) and the spellings that already do."""

    candidates: tuple[str, ...]
    explicit: str = ""          # a regular expression: a spelling that matches says the meaning

    def says_which(self, spelling: str) -> bool:
        return bool(self.explicit) and re.search(self.explicit, spelling) is not None

    @property
    def write(self) -> tuple[str, ...]:
        """The spelling of each candidate that says it without doubt (the vocabulary's ``write``)."""
        return tuple(str(vocabulary.term("unit_meaning", c).get("write")) for c in self.candidates)

    def params(self) -> dict[str, Any]:
        """The parameters of an ``ambiguous-unit`` issue: the candidates and what to write for each."""
        return {"candidates": list(self.candidates), "write": list(self.write)}

    def text(self, lang: str) -> str:
        """The candidates as a message lists them, in ``lang``."""
        return vocabulary.labels_of("unit_meaning", self.candidates, lang)


# pint's (prefix, name) of a spelling → its meanings. Sources of the values: the vocabulary's
# unit_meaning labels (lb = 0.45359237 kg exactly, NIST SP 811; gallons and barrels as pint defines
# them; the calories and therms as pint defines them).
AMBIGUOUS: dict[tuple[str, str], Ambiguity] = {
    ("", "ton"): Ambiguity(("metric_tonne", "short_ton", "long_ton"), r"(?i)short"),
    ("milli", "metric_ton"): Ambiguity(("metric_tonne", "millitonne")),              # mt
    ("mega", "tesla"): Ambiguity(("metric_tonne", "megatonne")),                     # MT
    ("milli", "tCO2e"): Ambiguity(("tonne_co2e", "megatonne_co2e")),                 # mtCO2e, MTCO2e
    ("", "carat"): Ambiguity(("items", "carat")),                                    # ct
    ("", "gallon"): Ambiguity(("us_gallon", "imperial_gallon"), r"US"),
    ("", "barrel"): Ambiguity(("oil_barrel", "us_liquid_barrel")),                   # bbl
    **{(p, "calorie"): Ambiguity(("calorie_it", "calorie_th"), r"(?i)_th$|thermochemical")
       for p in ("", "kilo", "mega", "giga")},
    ("", "therm"): Ambiguity(("ec_therm", "us_therm"), r"EC"),
    ("mega", "british_thermal_unit"): Ambiguity(("thousand_btu", "million_btu")),    # MBtu
    ("milli", "watt_hour"): Ambiguity(("megawatt_hour", "milliwatt_hour")),          # mWh
}


class _Quiet(logging.Filter):
    """units.txt redefines a few of pint's spellings on purpose (kt, pcs, pc): no warning for those."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Redefining")


# a name in a definition's expression (not the exponent of a number, not a [dimension])
_REFERENCE = re.compile(r"(?<![\w.\[])[A-Za-z_]\w*")


def _pint_lines(name: str = "default_en.txt") -> list[str]:
    """The definition lines of one of pint's definition files, its imports followed, without the
    blocks that define no unit (``@context``, ``@system``, ``@defaults``: conversions between
    dimensions and unit systems, which nothing here asks for); the lines inside a ``@group`` are
    plain definitions."""
    out: list[str] = []
    skipping = False
    for raw in resources.files("pint").joinpath(name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("@import"):
            out += _pint_lines(line.split()[1])
        elif line.startswith(("@context", "@system", "@defaults")):
            skipping = True
        elif line.startswith("@end"):
            skipping = False
        elif not skipping and not line.startswith("@group"):
            out.append(line)
    return out


def _pint_definitions(reached: set[str]) -> list[str]:
    """pint's own definitions of the units ``reached`` names (names, symbols or aliases, with or
    without a prefix) and of every unit those are defined through, with all of pint's prefixes and
    dimensions: the part of its defaults this project can mean. Building a registry of all of them
    (a thousand units, parsed by pint's grammar) takes about 0.45 s; this part, under a tenth of
    that. Nothing outside it is accepted (:data:`ACCEPTED`), and a test holds that each spelling of
    a unit in either reads the same in both (accepted with the same root value, or refused for the
    same reason)."""
    lines = _pint_lines()
    fixed: list[str] = []                       # prefixes ("kilo- = 1e3 = k-") and [dimensions]
    units: list[list[str]] = []                 # each unit's fields (name, expression, symbol, aliases)
    named: dict[str, int] = {}
    prefixes: list[str] = []
    for line in lines:
        fields = [f.strip() for f in line.split("=")]
        if fields[0].startswith("[") or fields[0].endswith("-"):
            fixed.append(line)
            prefixes += [f[:-1] for f in fields if f.endswith("-") and f != "_-" and len(f) > 1]
            continue
        units.append(fields)
        for f in fields[:1] + fields[2:]:
            if f != "_":
                named.setdefault(f, len(units) - 1)
    prefixes.sort(key=len, reverse=True)

    def unit_of(name: str) -> int | None:
        if name in named:
            return named[name]
        return next((named[name[len(p):]] for p in prefixes if name.startswith(p) and name[len(p):] in named),
                    None)

    keep: set[int] = set()
    todo = sorted(reached)
    while todo:
        k = unit_of(todo.pop())
        if k is not None and k not in keep:
            keep.add(k)
            todo += _REFERENCE.findall(units[k][1])
    return fixed + [" = ".join(units[k]) for k in sorted(keep)]


@cache
def _own_definitions() -> tuple[tuple[str, str], ...]:
    """units.txt's definitions, each as (the name it defines, the rest of its line), comments left out."""
    text = resources.files(__package__).joinpath("units.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            name, rest = line.split("=", 1)
            out.append((name.strip(), rest))
    return tuple(out)


def _reached() -> set[str]:
    """The names the project's units start from: the accepted units, the units of an ambiguity, and
    every name units.txt defines its units through."""
    names = set(ACCEPTED) | {unit for _, unit in AMBIGUOUS}
    for _, rest in _own_definitions():
        names.update(_REFERENCE.findall(rest))
    return names


def _registry(definitions: list[str] | None) -> pint.UnitRegistry:
    """A registry of ``definitions`` (pint's lines; None: all of pint's defaults) and units.txt."""
    if definitions is None:
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    else:
        ureg = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=True, cache_folder=None)
        ureg.load_definitions(definitions)
    path = resources.files(__package__).joinpath("units.txt")
    quiet = _Quiet()
    log = logging.getLogger("pint.util")
    log.addFilter(quiet)
    try:
        with resources.as_file(path) as p:
            ureg.load_definitions(str(p))
    finally:
        log.removeFilter(quiet)
    return ureg


@cache
def registry() -> pint.UnitRegistry:
    """The one registry: the part of pint's definitions the project's units reach
    (:func:`_pint_definitions`) and units.txt."""
    return _registry(_pint_definitions(_reached()))


@cache
def _own_units() -> frozenset[str]:
    """The names units.txt defines (the first name of each definition)."""
    return frozenset(name for name, _ in _own_definitions())


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
                                  "HKD", "tCO2e", "kgCO2e", "pcs", "pc", "ea", "m2", "kt")}
# the names in a unit spelling: what is left between operators, parentheses and numbers
_SPLIT = re.compile(r"[*/()^]+")
_NUMBER = re.compile(r"^[0-9.]+(?:[eE][+-]?[0-9]+)?")


def _spelled(text: str) -> str:
    """The normalised spelling, with an all-capitals ERP spelling in the project's case."""
    norm = normalise(text)
    if norm.isupper() and norm.lower() in _UPPER:  # ERP exports shout: KWH, TCE, NM3; T is not tesla
        norm = _UPPER[norm.lower()]
    return norm


def _names(norm: str) -> list[str]:
    """The unit names of a normalised spelling (``1e4*m**3`` → ``m``)."""
    out = []
    for part in _SPLIT.split(norm):
        name = _NUMBER.sub("", part)
        if name:
            out.append(name)
    return out


def _meaning(name: str) -> tuple[str, str] | None:
    """pint's (prefix, unit) of one unit name, or None when pint does not know it."""
    ureg = registry()
    try:
        parsed = ureg.parse_units(name)
    except Exception:  # pint raises several error types for unparseable text
        return None
    keys = list(parsed._units.keys())
    if len(keys) != 1:
        return None
    choices = ureg.parse_unit_name(keys[0])
    if not choices:
        return None
    prefix, unit, _ = next((c for c in choices if c[0] == ""), choices[0])
    return prefix, unit


def _refusal(norm: str) -> tuple[str, Ambiguity | None] | None:
    """Why a normalised spelling is not accepted: ("ambiguous", the ambiguity) or ("unknown", None);
    None when every name in it is one of the project's units."""
    own = _own_units()
    for name in _names(norm):
        m = _meaning(name)
        amb = AMBIGUOUS.get(m) if m else None
        if amb is not None and not amb.says_which(name):
            return "ambiguous", amb
        if m is not None and ((m[0] == "" and m[1] in own) or m[0] in ACCEPTED.get(m[1], ())):
            continue
        # not a unit here: still ambiguous when its lower case is (TONS, Gal, BBL, KCAL)
        low = _meaning(name.lower()) if name.lower() != name else None
        amb = AMBIGUOUS.get(low) if low else None
        if amb is not None and not amb.says_which(name.lower()):
            return "ambiguous", amb
        return "unknown", None
    return None


@cache
def ambiguity(text: str) -> Ambiguity | None:
    """The candidates of a unit spelling that has more than one common meaning (``tons``, ``gal``,
    ``kcal/kg`` …), else None."""
    norm = _spelled(text)
    why = _refusal(norm) if norm else None
    return why[1] if why and why[0] == "ambiguous" else None


@dataclass(frozen=True, slots=True)
class UnitInfo:
    text: str  # the normalised spelling
    unit: pint.Unit
    dimension: str  # a name from DIMENSIONS, a currency name, or the raw dimensionality


@cache
def lookup(text: str) -> UnitInfo | None:
    """Resolve a unit spelling, or None if it is not a unit we know."""
    norm = _spelled(text)
    if not norm or _refusal(norm) is not None:
        return None
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


def currency_of(text: str) -> tuple[str, float] | None:
    """The currency of a money unit (its ISO 4217 code) and how many of it one unit is:
    ``万元`` → ("CNY", 10000), ``USD`` → ("USD", 1); None for anything else."""
    info = lookup(text) if isinstance(text, str) else None
    if info is None or info.dimension != "currency":
        return None
    code = next(iter(info.unit.dimensionality))[len("[currency_"):-1]
    return code, factor(text, code)


def per_currency(text: str) -> str | None:
    """The currency a factor is per (``kgCO2e/USD`` → "USD", ``tCO2e/万元`` → "CNY"), else None."""
    info = lookup(text) if isinstance(text, str) else None
    if info is None:
        return None
    dims = info.unit.dimensionality
    money = [k for k in dims if k.startswith("[currency_")]
    if len(money) != 1 or dims[money[0]] != -1:
        return None
    return money[0][len("[currency_"):-1]


def times(a: str, b: str) -> str:
    """The spelling of the product of two unit spellings, each read as :func:`lookup` reads it
    alone (so that ``T``, the tonne of an ERP export, stays a tonne inside ``(GJ/t)*(T)``)."""
    return f"({_spelled(a)})*({_spelled(b)})"


def dimension_name(unit: pint.Unit) -> str:
    dims = unit.dimensionality
    for name, spec in DIMENSIONS.items():
        if dims == registry().get_dimensionality(spec):
            return name
    keys = list(dims.keys())
    if len(keys) == 1 and keys[0].startswith("[currency_") and dims[keys[0]] == 1:
        return "currency"
    if len(keys) == 1 and keys[0].startswith("[item_") and dims[keys[0]] == 1:
        return "items"
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
    given = pd.Series(units, index=values.index)
    if isinstance(given.dtype, pd.CategoricalDtype):
        # its codes are the distinct units (a missing one the last, NaN, as str reads it): no
        # text column is built
        codes = given.cat.codes.to_numpy().astype(np.int64)
        distinct = [*given.cat.categories.astype(str)]
        if (codes < 0).any():
            codes = np.where(codes < 0, len(distinct), codes)
            distinct.append(np.nan)
    else:
        codes, distinct = pd.factorize(given.astype(str), use_na_sentinel=False)
    if isinstance(to_text, pd.Series):
        codes, pairs = distinct_pairs(pd.Series(codes, index=values.index), to_text.astype(str))
        uniques = [(distinct[u], t) for u, t in pairs]
    else:   # one target: a lookup per distinct unit (no column of the target built)
        uniques = [(u, str(to_text)) for u in distinct]
    mult = np.empty(len(uniques), dtype="float64")
    for k, (u, t) in enumerate(uniques):
        try:
            mult[k] = factor(u, t) if isinstance(u, str) and isinstance(t, str) else np.nan
        except (pint.DimensionalityError, pint.UndefinedUnitError):
            mult[k] = np.nan
    return pd.Series(values.to_numpy() * mult[codes], index=values.index)
