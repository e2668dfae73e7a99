"""The per-line calculation: a pure function of a chunk of activity rows and the context.

Every activity row becomes one trace line holding its inputs, the factor that was applied (dataset
and version, value, unit, the precedence level that supplied it), the converted quantity, the mass
of each gas, and its CO2e. Work is done per source family on whole columns; what varies per row is
looked up per distinct value (unit pairs, activity names, facilities), never in a Python loop over
rows.

The lines are built as columns (:class:`Lines`): numbers as numpy arrays, and text that repeats
from line to line (facility, unit, dataset, rule …) as integer codes into its few distinct values
(:class:`Text`), so that a million lines never hold a million Python strings. They become a
DataFrame (text as categoricals) once, in row order, in :func:`frame`.

Factor precedence, fixed and recorded on each line (``precedence``):
  1 ``row``          the row's own ef_value / ef_unit
  2 ``user_factor``  the inventory's factors table (supplier-specific and other user factors)
  3 ``measured``     measured fuel parameters on the row (NCV, carbon content, oxidation rate)
  4 ``basis``        the facility's accounting basis (a fuel parameter dataset)
  5 ``default``      the national default dataset
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core import memory, units
from ..core import vocabulary as vocab
from ..core.issues import Issue, Location, issue
from . import keys
from . import methods as scope3_methods
from .context import Context, gas_key
from .trace import COLUMNS as TRACE_COLUMNS
from .trace import GAS_BUCKETS, MULTIPLIER_UNITS
from .trace import NUMBERS as _NUM

C_TO_CO2 = 44.0 / 12.0
# the scope of each source (core/vocabulary.yaml)
SCOPE = {str(t.key): int(t.get("scope")) for t in vocab.enumeration("source")}
PRECEDENCE = {"row": 1, "user_factor": 2, "measured": 3, "basis": 4, "default": 5}

# How each column is held while lines are built (see Lines): ids as Arrow strings, the integer and
# flag columns as numpy arrays (nullable ones as float with NaN, or int8 with -1 for missing), the
# rest of the text (every other non-number column but row and consolidated) as Text.
IDS = ("line_id", "record_id", "derived_from")
NULLABLE_INT = ("scope", "scope3_category")       # float64, NaN = missing → Int64
FLAGS = ("verified", "grid_fallback")              # int8: -1 missing, 0 False, 1 True
# text columns the calculation fills in (the rest come from the activity rows or the facilities):
# their missing values were None (not NaN) in the trace, and are so in issues
_COMPUTED_TEXT = frozenset({"sheet", "reason", "rule", "precedence", "factor_dataset", "factor_id",
                            "factor_unit", "factor_source", "converted_unit", "density_unit", "density_dataset",
                            "ncv_unit", "non_co2_table", "grid_level", "gas_other",
                            "gwp_dataset"})


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


class View:
    """Text of some lines: ``codes`` (-1: missing) into ``values`` (which may repeat a value)."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, values: Sequence[Any]):
        self.codes = codes
        self.values = values

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, pos: np.ndarray) -> View:
        return View(self.codes[pos], self.values)

    def isna(self) -> np.ndarray:
        return self.codes < 0

    def eq(self, value: Any) -> np.ndarray:
        hits = [i for i, v in enumerate(self.values) if v == value]
        if not hits:
            return np.zeros(len(self.codes), dtype=bool)
        if len(hits) == 1:
            return self.codes == hits[0]
        return np.isin(self.codes, hits)

    def isin(self, values: Any) -> np.ndarray:
        table = np.array([v in values for v in self.values] + [False], dtype=bool)
        return table[self.codes]

    def _results(self, fn: Callable[[Any], Any], missing: Any) -> list[Any]:
        """``fn`` of each distinct value, then of ``missing`` (only if a line is missing)."""
        used = np.zeros(len(self.values) + 1, dtype=bool)
        used[self.codes] = True
        out = [fn(v) if u else None for v, u in zip(self.values, used[:-1], strict=True)]
        out.append(fn(missing) if used[-1] else None)
        return out

    def lookup(self, fn: Callable[[Any], Any], dtype: Any, missing: Any = np.nan) -> np.ndarray:
        """``fn`` of each line's value (``missing`` for a missing one), called once per distinct
        value in use."""
        out = self._results(fn, missing)
        table = np.empty(len(out), dtype=dtype)
        if np.dtype(dtype) == object:
            table[:] = out
        else:
            table[:] = [np.nan if v is None else v for v in out] if np.dtype(dtype).kind == "f" else \
                [False if v is None else v for v in out]
        return table[self.codes]

    def map(self, fn: Callable[[Any], Any], missing: Any = np.nan) -> View:
        """Text made of ``fn`` of each line's value, called once per distinct value in use (a
        missing result is missing)."""
        out = self._results(fn, missing)
        vals: list[Any] = []
        at: dict[Any, int] = {}
        table = np.empty(len(out), dtype=np.int32)
        for k, v in enumerate(out):
            if _missing(v):
                table[k] = -1
                continue
            c = at.get(v)
            if c is None:
                c = at[v] = len(vals)
                vals.append(v)
            table[k] = c
        return View(table[self.codes], vals)

    def where(self, keep: np.ndarray, other: View) -> View:
        """This text where ``keep``, else ``other``'s."""
        off = len(self.values)
        oc = np.where(other.codes < 0, -1, other.codes + off)
        return View(np.where(keep, self.codes, oc).astype(np.int32), [*self.values, *other.values])

    def fillna(self, other: View) -> View:
        return self.where(~self.isna(), other)

    def at(self, i: int, missing: Any = None) -> Any:
        c = self.codes[i]
        return missing if c < 0 else self.values[c]


def repeated(n: int, value: Any, dtype: Any = np.float64) -> np.ndarray:
    """``n`` times ``value``, held once: a read-only view of one value (stride 0), for a number
    that every line of a derived part has. ``frame`` copies it out with the part's other lines; a
    write to it raises instead of changing every line."""
    return np.broadcast_to(np.asarray(value, dtype=dtype), (n,))


class Text(View):
    """A text column of the trace in the making: codes into its distinct values."""

    __slots__ = ("_at",)

    def __init__(self, codes: np.ndarray, values: list[Any]):
        super().__init__(codes, values)
        self._at = {v: i for i, v in enumerate(values)}

    @classmethod
    def missing(cls, n: int) -> Text:
        return cls(np.full(n, -1, dtype=np.int32), [])

    @classmethod
    def constant(cls, n: int, value: Any) -> Text:
        t = cls.missing(n)
        t.codes[:] = t.code(value)
        return t

    @classmethod
    def of(cls, s: pd.Series) -> Text:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        return cls(codes.astype(np.int32, copy=False), list(uniques))

    @classmethod
    def of_view(cls, v: View) -> Text:
        t = cls.missing(len(v))
        t.codes[:] = t._recode(v.values)[v.codes]
        return t

    def code(self, v: Any) -> int:
        if _missing(v):
            return -1
        c = self._at.get(v)
        if c is None:
            c = self._at[v] = len(self.values)
            self.values.append(v)  # type: ignore[attr-defined]
        return c

    def _recode(self, values: Sequence[Any]) -> np.ndarray:
        """This column's code of each of ``values``, then -1 (for a missing code, -1)."""
        return np.array([self.code(v) for v in values] + [-1], dtype=np.int32)

    def put(self, pos: Any, value: Any) -> None:
        """Set the lines ``pos`` (positions or a mask) to a value, or to a View's values."""
        if isinstance(value, View):
            self.codes[pos] = self._recode(value.values)[value.codes]
        else:
            self.codes[pos] = self.code(value)

    def copy(self) -> Text:
        return Text(self.codes.copy(), list(self.values))


def _pairs(a: View, b: View) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    """Codes of the distinct (a, b) pairs (a missing value taken as NaN) and the pairs."""
    na = len(a.values) + 1
    combined = (b.codes.astype(np.int64) + 1) * na + (a.codes.astype(np.int64) + 1)
    codes, uniq = pd.factorize(combined)
    pairs = [(np.nan if u % na == 0 else a.values[u % na - 1],
              np.nan if u // na == 0 else b.values[u // na - 1]) for u in uniq]
    return codes, pairs


def _conv(u: Any, to: str) -> float:
    try:
        return units.factor(u, to)
    except (units.pint.DimensionalityError, units.pint.UndefinedUnitError):  # as units.convert: not convertible → NaN
        return float("nan")


def _convert(values: np.ndarray, unit: View, to: str) -> np.ndarray:
    """``units.convert``: values in each line's unit to ``to``, one lookup per distinct unit."""
    mult = unit.lookup(lambda u: _conv(u, to), "float64")
    return values.astype("float64") * mult


class Lines:
    """Trace lines as columns: ``cols[name]`` is an Arrow string array (ids), a :class:`Text`, or
    a numpy array (numbers; scope and category as float with NaN; flags as int8 with -1)."""

    def __init__(self, n: int, cols: dict[str, Any], untyped: frozenset[str] = frozenset()):
        self.n = n
        self.cols = cols
        self.untyped = untyped   # columns taken from untyped (object) activity columns of no rows

    def __getitem__(self, name: str) -> Any:
        return self.cols[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.cols[name] = value

    def __len__(self) -> int:
        return self.n

    def take(self, pos: np.ndarray) -> Lines:
        """A copy of the lines ``pos``; a column of numbers that is one value for all of them
        (``repeated``) or NaN for all the lines is ``repeated`` in the copy (a derived part takes
        every column of its lines, and most of those the lines leave empty)."""
        out: dict[str, Any] = {}
        for c, v in self.cols.items():
            if isinstance(v, Text):
                out[c] = Text(v.codes[pos], list(v.values))
            elif isinstance(v, np.ndarray):
                if len(v) and (v.strides == (0,) or (v.dtype.kind == "f" and np.isnan(v).all())):
                    out[c] = repeated(len(pos), v[0], v.dtype)
                else:
                    out[c] = v[pos]
            else:
                out[c] = v.take(pa.array(pos, type=pa.int64()))
        return Lines(len(pos), out)

    def value(self, name: str, i: int) -> Any:
        """One line's value as the trace DataFrame held it before (missing computed text is None,
        other missing text NaN)."""
        v = self.cols[name]
        if isinstance(v, View):
            return v.at(i, None if name in _COMPUTED_TEXT else np.nan)
        return v[i]


# --- lines from activity rows ----------------------------------------------------------------------

def _ids(s: pd.Series) -> Any:
    a = pa.array(s.astype("str"), type=pa.large_string(), from_pandas=True)
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _floats(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _flags(s: pd.Series) -> np.ndarray:
    """A boolean column as int8 (-1: missing)."""
    s = s.astype("boolean")
    return np.where(s.isna().to_numpy(), -1, s.fillna(False).to_numpy(dtype=bool)).astype(np.int8)


def _init(acts: pd.DataFrame, ctx: Context, file: str, sheet: str | None) -> Lines:
    fac = ctx.facilities.set_index("facility_id")
    n = len(acts)
    L = Lines(n, {})
    rec = _ids(acts["record_id"])
    L["record_id"] = rec
    L["line_id"] = rec
    L["derived_from"] = pa.nulls(n, pa.large_string())
    L["file"] = Text.constant(n, file)
    L["sheet"] = Text.constant(n, sheet)
    L["row"] = acts["_row"].to_numpy(dtype="int64")
    fid = Text.of(acts["facility_id"].astype("str"))
    L["facility_id"] = fid
    # facility attributes: one per distinct facility, then array takes
    attrs = fac.reindex(pd.Index([*fid.values, np.nan], dtype=object))  # the last: no facility id
    fcodes = np.where(fid.codes < 0, len(fid.values), fid.codes)
    for col, name in (("entity_id", "entity_id"), ("province", "province_name"), ("grid_region", "grid_region")):
        L[col] = Text.of_view(View(fcodes, list(attrs[name].to_numpy(dtype=object))))
    L["consolidated"] = attrs["consolidated"].fillna(False).astype(bool).to_numpy()[fcodes]
    L["share"] = attrs["share"].fillna(0.0).astype("float64").to_numpy()[fcodes]
    for c in ("source", "activity", "method", "data_quality", "unit"):
        L[c] = Text.of(acts[c])
    L["verified"] = _flags(acts["verified"])
    L["quantity"] = _floats(acts["quantity"])
    src = L["source"]
    L["scope"] = src.lookup(lambda s: SCOPE.get(s, np.nan) if isinstance(s, str) else np.nan, "float64")
    cat = _floats(acts["scope3_category"])
    cat[~src.eq("scope3")] = np.nan
    L["scope3_category"] = cat
    _methods(L, acts)
    for c in TRACE_COLUMNS:
        if c not in L.cols:
            if c in _NUM:
                L[c] = np.full(n, np.nan)
            elif c in FLAGS:
                L[c] = np.full(n, -1, dtype=np.int8)
            else:
                L[c] = Text.missing(n)
    L["status"] = Text.constant(n, "pending")
    return L


def _methods(L: Lines, acts: pd.DataFrame) -> None:
    """The Scope 3 method columns of the lines (``compute.methods``): each factor of the chain, the
    allocation share and basis, the scenario weight, and the product (``method_quantity`` in
    ``method_unit``) that the factor applies to. Only Scope 3 rows take them (``check`` rejects any
    other row that has them)."""
    for c in scope3_methods.CARRIED_TEXT:
        L[c] = Text.of(acts[c])
    # the units as the lines hold them (codes into distinct texts), not factorised again
    unit_columns = [(L[c].codes, L[c].values) for c in ("unit", *MULTIPLIER_UNITS, "divisor_unit")]
    got = scope3_methods.product(acts, L["quantity"], unit_columns)
    codes, spelled = got.pop("method_unit")
    got.pop("used")
    for c, v in got.items():
        L[c] = v
    L["method_unit"] = Text.of_view(View(codes, spelled))


def _base_qty(L: Lines, pos: Any) -> np.ndarray:
    """method_quantity, else quantity, of the lines ``pos``: the activity before any conversion."""
    mq = L["method_quantity"][pos]
    return np.where(np.isnan(mq), L["quantity"][pos], mq)


def _unit_of(L: Lines, pos: np.ndarray) -> View:
    """converted_unit, else method_unit, else unit, of the lines ``pos``."""
    return L["converted_unit"].take(pos).fillna(L["method_unit"].take(pos)).fillna(L["unit"].take(pos))


def _qty_of(L: Lines, pos: np.ndarray) -> np.ndarray:
    """converted_quantity, else method_quantity, else quantity, of the lines ``pos``."""
    cq = L["converted_quantity"][pos]
    return np.where(np.isnan(cq), _base_qty(L, pos), cq)


@cache
def _product(factor_unit: str, activity_unit: str) -> tuple[str | None, float]:
    """How ``quantity [activity_unit] × factor [factor_unit]`` comes out: ('mass', multiplier to t),
    ('co2e', multiplier to tCO2e), or (None, nan) when the units do not fit."""
    info = units.lookup(units.times(factor_unit, activity_unit))
    if info is None:
        return None, float("nan")
    if info.dimension == "mass":
        return "mass", units.factor(info.text, "t")
    if info.dimension == "co2e":
        return "co2e", units.factor(info.text, "tCO2e")
    return None, float("nan")


def _products(factor_units: View, activity_units: View) -> tuple[np.ndarray, np.ndarray]:
    """Per line: 1 mass, 2 CO2e, 0 no fit; and the multiplier (one lookup per distinct pair)."""
    codes, uniques = _pairs(factor_units, activity_units)
    res = [_product(f, a) for f, a in uniques]
    kinds = np.array([{"mass": 1, "co2e": 2}.get(k, 0) for k, _ in res] or [0], dtype=np.int8)
    mults = np.array([m for _, m in res] or [np.nan], dtype="float64")
    return kinds[codes], mults[codes]


def _dimension(u: Any) -> str | None:
    info = units.lookup(u) if isinstance(u, str) else None
    return info.dimension if info else None


def _add(col: np.ndarray, pos: np.ndarray, values: np.ndarray) -> None:
    """col[pos] = col[pos] (missing as 0) + values."""
    cur = col[pos]
    col[pos] = np.where(np.isnan(cur), 0.0, cur) + values


def _bucket_mass(L: Lines, pos: np.ndarray, gas: View, tonnes: np.ndarray) -> None:
    """Put tonnes of a named gas into t_CO2 / t_CH4 / t_N2O, or t_other with gas_other."""
    g = gas.map(gas_key)
    for col, name in (("t_CO2", "CO2"), ("t_CH4", "CH4"), ("t_N2O", "N2O")):
        m = g.eq(name)
        if m.any():
            _add(L[col], pos[m], tonnes[m])
    other = ~g.isin(("CO2", "CH4", "N2O"))
    if other.any():
        oi = pos[other]
        L["gas_other"].put(oi, gas.take(np.flatnonzero(other)))
        _add(L["t_other"], oi, tonnes[other])


def _apply_factor(L: Lines, pos: np.ndarray, value: np.ndarray, value_unit: View, gas: View) -> np.ndarray:
    """quantity × factor for the lines ``pos``; returns a mask (over pos) of lines that did not fit."""
    qty = _qty_of(L, pos)
    kind, mult = _products(value_unit, _unit_of(L, pos))
    amount = qty * value.astype("float64") * mult
    mass = kind == 1
    co2e = kind == 2
    if mass.any():
        g = gas.fillna(View(np.zeros(len(gas), dtype=np.int32), ["CO2"]))
        k = np.flatnonzero(mass)
        _bucket_mass(L, pos[k], g.take(k), amount[k])
    if co2e.any():
        L["co2e_unspecified"][pos[co2e]] = amount[co2e]
    L["factor_value"][pos] = value
    L["factor_unit"].put(pos, value_unit)
    return ~(mass | co2e)


def _pending(L: Lines) -> np.ndarray:
    return L["status"].eq("pending")


def _spend(L: Lines, ctx: Context) -> None:
    """Money in the presentation currency (元, 万元 …) as the presentation currency's amount. Money
    in another currency stays as given until a factor says which currency it is per: then it is
    converted to that currency (``_to_currency``), so that a USD factor meets USD spend unconverted
    and a CNY factor meets USD spend at the user's rate."""
    unit = L["unit"]
    cur = unit.lookup(_dimension, object) == "currency"
    if not cur.any():
        return
    target = ctx.settings.currency
    pos = np.flatnonzero(cur)
    pos = pos[unit.take(pos).lookup(lambda u: (_currency_of(u) or ("",))[0] == target, bool)]
    _to_currency(L, pos, View(np.zeros(len(pos), dtype=np.int32), [target]), ctx, None)


@cache
def _currency_of(u: str) -> tuple[str, float] | None:
    return units.currency_of(u)


def _rate(ctx: Context, code: str) -> float | None:
    """The presentation currency per unit of ``code`` (1 for the presentation currency itself)."""
    if code == ctx.settings.currency:
        return 1.0
    return ctx.settings.options.currency_rates.get(code)


def _to_currency(L: Lines, pos: np.ndarray, to: View, ctx: Context, issues: list[Issue] | None) -> np.ndarray:
    """The money lines ``pos`` as amounts in the currency ``to`` (a code per line): converted_quantity
    and converted_unit, and fx_rate (units of ``to`` per unit of the spend's currency) where the two
    currencies differ, at the rates of ``options.currency_rates`` (presentation currency per unit).
    Returns a mask over ``pos`` of the lines whose rate is missing: when ``issues`` is given they are
    excluded (currency-rate-missing, naming the rate to add); else they are left as they are."""
    codes, pairs = _pairs(L["unit"].take(pos), to)
    mult = np.full(len(pairs) or 1, np.nan)
    fx = np.full(len(pairs) or 1, np.nan)
    lacking: list[str | None] = [None] * len(pairs)
    for k, (u, c) in enumerate(pairs):
        cu = _currency_of(u) if isinstance(u, str) else None
        if cu is None or _missing(c):
            continue
        have, m = cu
        ra, rc = _rate(ctx, have), _rate(ctx, c)
        if have == c:
            mult[k] = m
        elif ra is None or rc is None:
            lacking[k] = have if ra is None else c
        else:
            mult[k] = m * ra / rc
            fx[k] = ra / rc
    done = ~np.isnan(mult[codes])
    di = pos[done]
    L["converted_quantity"][di] = _base_qty(L, di) * mult[codes[done]]
    L["converted_unit"].put(di, to.take(np.flatnonzero(done)))
    L["fx_rate"][di] = fx[codes[done]]
    miss = np.array([x is not None for x in lacking] + [False], dtype=bool)[codes]
    if issues is not None and miss.any():
        mi = pos[miss]
        L["status"].put(mi, "excluded")
        L["reason"].put(mi, "currency-rate-missing")
        for i, k in zip(mi, codes[miss], strict=True):
            code = lacking[k]
            issues.append(issue("currency-rate-missing",
                                Location(L.value("file", i), L.value("sheet", i), int(L["row"][i]), "unit"),
                                table="activities", currency=code, target=ctx.settings.currency,
                                setting=ctx.place.hint(f"options.currency_rates.{code}", "…")))
    return miss


def _deflate(L: Lines, pos: np.ndarray, factor_year: np.ndarray, ctx: Context) -> None:
    """Spend in the reporting year's prices → the factor's price year, when the user gives an index."""
    index = ctx.settings.options.price_index
    if not index or ctx.reporting_year not in index:
        return
    is_money = L["unit"].take(pos).lookup(_dimension, object) == "currency"
    fy = pd.Series(factor_year)
    known = fy.notna().to_numpy()
    fcodes, fyears = pd.factorize(fy, use_na_sentinel=True)
    in_index = np.array([not pd.isna(y) and int(y) in index for y in fyears] + [False], dtype=bool)
    ok = is_money & known & in_index[fcodes]
    if not ok.any():
        return
    ii = pos[ok]
    defl_of = np.array([index[int(y)] / index[ctx.reporting_year] if not pd.isna(y) and int(y) in index
                        else np.nan for y in fyears] + [np.nan], dtype="float64")
    defl = defl_of[fcodes[ok]]
    L["deflator"][ii] = defl
    L["converted_quantity"][ii] = _qty_of(L, ii) * defl
    L["converted_unit"].put(ii, _unit_of(L, ii))


def _money_to_factor(L: Lines, pos: np.ndarray, per: View, ctx: Context, issues: list[Issue]) -> np.ndarray:
    """Spend lines among ``pos`` converted to the currency their factor is per (``per``, a code per
    line: kgCO2e/USD is per USD); returns a mask over ``pos`` of the lines left out for a missing rate."""
    money = L["unit"].take(pos).lookup(_dimension, object) == "currency"
    out = np.zeros(len(pos), dtype=bool)
    if not money.any():
        return out
    k = np.flatnonzero(money)
    per = per.take(k)
    need = np.flatnonzero(~per.isna())
    if len(need):
        out[k[need]] = _to_currency(L, pos[k[need]], per.take(need), ctx, issues)
    return out


def _counterparty(L: Lines, acts: pd.DataFrame, A: dict[str, Text]) -> None:
    """Scope 3 rows whose activity is the counterparty's own reported emissions (a supplier's,
    lessee's, franchisee's or investee's tCO2e, ``check`` keeps them to the categories that take
    them): the figure, times any allocation share, is the line's CO2e; of CO2 alone when the row's
    gas says so. No factor is applied (``factor_value`` missing)."""
    m = _pending(L) & L["source"].eq("scope3") & np.isnan(_floats(acts["ef_value"]))
    if not m.any():
        return
    pos = np.flatnonzero(m)
    u = _unit_of(L, pos)
    to_t = u.lookup(lambda x: _counterparty_unit(x), "float64")
    ok = ~np.isnan(to_t)
    if not ok.any():
        return
    pos, to_t = pos[ok], to_t[ok]
    t = _qty_of(L, pos) * to_t
    co2 = A["gas"].take(pos).map(gas_key).eq("CO2")
    if co2.any():
        _add(L["t_CO2"], pos[co2], t[co2])
    if (~co2).any():
        L["co2e_unspecified"][pos[~co2]] = t[~co2]
    L["precedence"].put(pos, "row")
    L["rule"].put(pos, "counterparty-reported emissions")
    L["factor_source"].put(pos, A["ef_source"].take(pos))
    L["status"].put(pos, "computed")


@cache
def _counterparty_unit(u: Any) -> float:
    """tCO2e per unit of a CO2e unit (kgCO2e → 0.001), else nan."""
    if not isinstance(u, str) or _dimension(u) != "co2e":
        return float("nan")
    return units.factor(u, "tCO2e")


def _row_factors(L: Lines, acts: pd.DataFrame, A: dict[str, Text], ctx: Context, issues: list[Issue]) -> None:
    ev = _floats(acts["ef_value"])
    m = _pending(L) & ~np.isnan(ev) & ~A["ef_unit"].isna()
    if not m.any():
        return
    pos = np.flatnonzero(m)
    per = A["ef_unit"].take(pos).map(lambda u: units.per_currency(u) if isinstance(u, str) else None)
    pos = pos[~_money_to_factor(L, pos, per, ctx, issues)]
    bad = _apply_factor(L, pos, ev[pos], A["ef_unit"].take(pos), A["gas"].take(pos))
    L["precedence"].put(pos, "row")
    L["rule"].put(pos, "quantity × row factor")
    L["factor_source"].put(pos, A["ef_source"].take(pos))
    L["factor_dataset"].put(pos, "row")
    L["status"].put(pos[bad], "mismatch")
    L["status"].put(pos[~bad], "computed")


def _fits(u: Any, unit: str, value_unit: str) -> int:
    """Whether a user factor (per ``unit``, in ``value_unit``) fits an activity in ``u``: 1 as it is,
    2 after converting its money to the factor's currency, 0 not at all."""
    if units.convertible(u, unit) and _product(value_unit, u)[0] is not None:
        return 1
    cu, cf = (_currency_of(x) if isinstance(x, str) else None for x in (u, unit))
    if cu is not None and cf is not None and cu[0] != cf[0] and _product(value_unit, cf[0])[0] is not None:
        return 2
    return 0


def _user_factors(L: Lines, ctx: Context, issues: list[Issue]) -> None:
    """The inventory's factors table. Each distinct (activity, unit) is resolved once: the factor
    rows that fit it, one per gas (the one stated in the row's own unit, else the first by id)."""
    uf = ctx.user_factors.reset_index(drop=True)
    m = _pending(L) & ~L["source"].eq("purchased_electricity")
    if uf.empty or not m.any():
        return
    rows = np.flatnonzero(m)
    akey = L["activity"].take(rows).map(keys.key)
    codes, uniques = _pairs(akey, _unit_of(L, rows))
    by_key = {k: g for k, g in uf.groupby("key", sort=False)}
    chosen: list[list[int]] = []
    for k, u in uniques:
        g = by_key.get(k)
        u = u if isinstance(u, str) else np.nan
        if g is None:
            chosen.append([])
            continue
        fits = np.array([_fits(u, str(fu), str(vu)) for fu, vu in zip(g["unit"], g["value_unit"], strict=True)])
        cand = g.loc[fits > 0]
        if cand.empty:
            chosen.append([])
            continue
        # a factor in the spend's own currency before one that needs a rate, then one in the row's own unit
        cand = cand.assign(_fx=(fits[fits > 0] == 2).astype(int), _exact=(cand["unit"].astype(str) != u).astype(int))
        cand = cand.sort_values(["gas", "_fx", "_exact", "factor_id"], kind="stable").drop_duplicates("gas")
        chosen.append([int(i) for i in cand.index])
    count = np.array([len(c) for c in chosen] or [0], dtype=np.int64)
    hit = count[codes] > 0
    if not hit.any():
        return
    sel = rows[hit]                      # the lines a factor applies to, in row order
    pc = codes[hit]                      # their pair
    first = np.array([c[0] if c else -1 for c in chosen], dtype=np.int64)
    f0 = first[pc]                       # each line's first factor row
    # spend in the currency of its factor (a line whose rate is missing is left out)
    per = Text.of(uf["unit"].astype(str)).take(f0).map(lambda u: (_currency_of(u) or (None,))[0])
    lost = _money_to_factor(L, sel, per, ctx, issues)
    if lost.any():
        keep = ~lost
        sel, pc, f0 = sel[keep], pc[keep], f0[keep]
        if not len(sel):
            return
    _deflate(L, sel, uf["year"].to_numpy(dtype=object)[f0], ctx)
    single = int(count[np.unique(pc)].max()) == 1   # the usual case: one factor row per line
    # one row per (line, factor): lines in row order, each line's factors in their order
    reps = count[pc]
    j_line = np.repeat(sel, reps)
    j_pair = np.repeat(pc, reps)
    starts = np.cumsum(reps) - reps
    j_k = np.arange(len(j_line)) - np.repeat(starts, reps)
    flat = np.array([f for c in chosen for f in c] or [0], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(count)])[:-1] if len(count) else np.zeros(0, dtype=np.int64)
    j_f = flat[offsets[j_pair] + j_k]
    value = uf["value"].to_numpy(dtype="float64")
    vu_text = Text.of(uf["value_unit"].astype(str))
    j_unit = _unit_of(L, j_line)
    kind, mult = _products(vu_text.take(j_f), j_unit)
    amount = _qty_of(L, j_line) * value[j_f] * mult
    gas = uf["gas"]
    for kind_code in (1, 2):             # mass, then CO2e
        part = np.flatnonzero(kind == kind_code)
        if not len(part):
            continue
        if kind_code == 2:
            if single:
                lines_, amt = j_line[part], amount[part]
            else:
                s = pd.Series(amount[part]).groupby(j_line[part]).sum()
                lines_, amt = s.index.to_numpy(), s.to_numpy()
            _add(L["co2e_unspecified"], lines_, amt)
        else:
            g = gas.to_numpy(dtype=object)[j_f[part]]
            gs = pd.Series(g)
            for name in sorted(gs.dropna().unique()):
                k = part[(gs == name).to_numpy()]
                # one factor row per gas and line: the line's amount of that gas (summed per line
                # when a line has several factor rows, where a missing amount counts as 0)
                amt = amount[k] if single else np.where(np.isnan(amount[k]), 0.0, amount[k])
                _bucket_mass(L, j_line[k], View(np.zeros(len(k), dtype=np.int32), [name]), amt)
    # what each pair names: its factor (or, with several, all of them), value and unit of the first
    fid_of: list[Any] = []
    src_of: list[Any] = []
    ids, srcs = uf["factor_id"].astype(str), uf["source"].astype(str)
    for c in chosen:
        if not c:
            fid_of.append(None)
            src_of.append(None)
        elif len(c) == 1 or single:
            fid_of.append(ids.iloc[c[0]])
            src_of.append(srcs.iloc[c[0]])
        else:
            fid_of.append("+".join(sorted(map(str, uf["factor_id"].iloc[c]))))
            src_of.append("; ".join(sorted(set(map(str, uf["source"].iloc[c])))))
    pcodes = View(pc.astype(np.int32), list(range(len(chosen))))
    L["factor_id"].put(sel, pcodes.map(lambda p: fid_of[p] if isinstance(p, int) else None))
    L["factor_source"].put(sel, pcodes.map(lambda p: src_of[p] if isinstance(p, int) else None))
    L["factor_value"][sel] = value[f0]
    L["factor_unit"].put(sel, Text.of(uf["value_unit"]).take(f0))
    L["factor_dataset"].put(sel, "inventory:factors")
    L["precedence"].put(sel, "user_factor")
    L["rule"].put(sel, "quantity × user factor")
    L["status"].put(sel, "computed")


def _combustion(L: Lines, acts: pd.DataFrame, ctx: Context, A: dict[str, Text]) -> None:
    m = _pending(L) & L["source"].isin(("stationary_combustion", "mobile_combustion"))
    if not m.any():
        return
    pos = np.flatnonzero(m)
    fac_basis_of = ctx.facilities.set_index("facility_id")["basis"]
    fb = L["facility_id"].take(pos).map(lambda f: fac_basis_of.get(f, np.nan) if isinstance(f, str)
                                        else _map_missing(fac_basis_of))
    fuels = list(ctx.fuels)
    basis = fb.where(fb.isin(fuels), View(np.zeros(len(pos), dtype=np.int32), [ctx.default_basis]))
    akey = L["activity"].take(pos).map(keys.key)
    # fuel and the basis used, per distinct (basis, activity key)
    codes, pairs = _pairs(basis, akey)
    fuel_of: list[Any] = []
    used_of: list[Any] = []
    for b, k in pairs:
        f = ctx.fuel_alias[b].get(k) if isinstance(b, str) else None
        used = b
        if f is None:                     # a fuel the basis does not list: the national default
            f = ctx.fuel_alias[ctx.default_basis].get(k)
            if f is not None:
                used = ctx.default_basis
        fuel_of.append(f)
        used_of.append(used)
    pv = View(codes.astype(np.int32), list(range(len(pairs))))
    fuel = pv.map(lambda p: fuel_of[p] if isinstance(p, int) else None)
    used = pv.map(lambda p: used_of[p] if isinstance(p, int) else None)
    is_default = used.eq(ctx.default_basis)
    level = np.where(is_default, np.where(fb.eq(ctx.default_basis), "basis", "default"), "basis")
    # the basis dataset's parameters of each fuel
    params: dict[str, np.ndarray] = {k: np.full(len(pos), np.nan, dtype=object)
                                     for k in ("ncv", "ncv_unit", "cc", "of", "dataset")}
    uf_codes, uf_pairs = _pairs(used, fuel)
    for p, (b, f) in enumerate(uf_pairs):
        if not isinstance(b, str) or _missing(f):
            continue
        t = ctx.fuels[b]
        sel = uf_codes == p
        params["ncv"][sel] = _get(t["ncv"], f)
        params["ncv_unit"][sel] = _get(t["ncv_unit"], f)
        params["cc"][sel] = _get(t["cc_tc_per_gj"], f)
        params["of"][sel] = _get(t["oxidation_rate"], f)
        params["dataset"][sel] = t["dataset"].iloc[0]
    a_ncv = _floats(acts["ncv"])[pos]
    a_cc = _floats(acts["carbon_content"])[pos]
    a_of = _floats(acts["oxidation_rate"])[pos]
    measured = ~np.isnan(a_ncv) | ~np.isnan(a_cc) | ~np.isnan(a_of)
    ncv = np.where(~np.isnan(a_ncv), a_ncv, params["ncv"].astype("float64"))
    p_ncv_unit = Text.of(pd.Series(params["ncv_unit"], dtype=object))
    ncv_unit = A["ncv_unit"].take(pos).where(~np.isnan(a_ncv), p_ncv_unit)
    cc = np.where(~np.isnan(a_cc), a_cc, params["cc"].astype("float64"))
    of = np.where(~np.isnan(a_of), a_of, params["of"].astype("float64"))
    unit = L["unit"].take(pos)
    qty = L["quantity"][pos]
    is_energy = unit.lookup(_dimension, object) == "energy"
    gj = np.full(len(pos), np.nan)
    if is_energy.any():
        e = np.flatnonzero(is_energy)
        gj[e] = _convert(qty[e], unit.take(e), "GJ")
    by_ncv = ~is_energy & ~np.isnan(ncv) & ~ncv_unit.isna()
    if by_ncv.any():
        b = np.flatnonzero(by_ncv)
        mult = _pairs_lookup(ncv_unit.take(b), unit.take(b), _energy_mult)
        gj[b] = qty[b] * ncv[b] * mult
    # a liquid fuel given as a volume (L, 升, m³) whose NCV is per mass: the volume to a mass by the
    # fuel's density (a density dataset), recorded on the line
    density = np.full(len(pos), np.nan)
    mass_t = np.full(len(pos), np.nan)
    no_density = np.zeros(len(pos), dtype=bool)
    liquid = by_ncv & np.isnan(gj) & (unit.lookup(_dimension, object) == "volume")
    if liquid.any():
        d = np.flatnonzero(liquid)
        per_t = _pairs_lookup(ncv_unit.take(d), View(np.zeros(len(d), dtype=np.int32), ["t"]), _energy_mult)
        dens = ctx.densities
        t_per_l = fuel.take(d).lookup(lambda f: _map_one(dens["t_per_l"], f), "float64")
        has = ~np.isnan(per_t) & ~np.isnan(t_per_l)
        h = d[has]
        mass_t[h] = _convert(qty[h], unit.take(h), "L") * t_per_l[has]
        gj[h] = mass_t[h] * ncv[h] * per_t[has]
        density[h] = t_per_l[has]
        no_density[d[~np.isnan(per_t) & np.isnan(t_per_l)]] = True
    ok = ~np.isnan(gj) & ~np.isnan(cc) & ~np.isnan(of)
    co2 = gj * cc * of * C_TO_CO2
    k = np.flatnonzero(ok)
    oki = pos[k]
    L["energy_gj"][oki] = gj[k]
    L["ncv"][oki] = ncv[k]
    L["ncv_unit"].put(oki, ncv_unit.take(k))
    L["carbon_content"][oki] = cc[k]
    L["oxidation_rate"][oki] = of[k]
    L["t_CO2"][oki] = co2[k]
    ds = Text.of(pd.Series(params["dataset"], dtype=object)).take(k)
    ds_measured = ds.map(lambda d: "measured+" + ("" if _missing(d) else d))
    L["factor_dataset"].put(oki, ds.where(~measured[k], ds_measured))
    L["factor_id"].put(oki, fuel.take(k))
    prec = np.where(measured[k], "measured", level[k])
    L["precedence"].put(oki, View(np.where(prec == "measured", 0, np.where(prec == "basis", 1, 2)).astype(np.int32),
                                  ["measured", "basis", "default"]))
    L["rule"].put(oki, "AD × NCV × CC × OF × 44/12")
    L["status"].put(oki, "computed")
    by_density = ok & ~np.isnan(density)
    if by_density.any():
        dk = np.flatnonzero(by_density)
        di = pos[dk]
        fd = fuel.take(dk)
        dens = ctx.densities
        L["density"][di] = fd.lookup(lambda f: _map_one(dens["value"], f), "float64")
        L["density_unit"].put(di, fd.map(lambda f: _map_one(dens["unit"], f)))
        dds = fd.map(lambda f: _map_one(dens["dataset"], f))
        L["density_dataset"].put(di, dds)
        L["converted_quantity"][di] = mass_t[dk]
        L["converted_unit"].put(di, "t")
        L["rule"].put(di, "AD × density × NCV × CC × OF × 44/12")
        L["factor_dataset"].put(di, _joined(L["factor_dataset"].take(di), dds))
    nd = pos[no_density & ~ok]
    if len(nd):
        L["factor_id"].put(nd, fuel.take(np.flatnonzero(no_density & ~ok)))
        L["status"].put(nd, "excluded")
        L["reason"].put(nd, "no-density")
    # CH4 and N2O from combustion, IPCC defaults per unit of energy, when the basis includes them:
    # mobile lines the mobile rows; stationary lines the rows of their facility's source category
    # (Table 2.2 energy industries, Table 2.3 manufacturing), else a dataset's rows for any
    # stationary use; the table applied is recorded on the line
    if ctx.non_co2 is not None and ok.any():
        mobile = L["source"].take(oki).eq("mobile_combustion")
        uses = ctx.facilities.set_index("facility_id")["non_co2_use"]
        by_fac = L["facility_id"].take(oki).map(lambda f: _map_one(uses, f))
        use = View(np.zeros(len(oki), dtype=np.int32), ["mobile"]).where(mobile, by_fac.fillna(
            View(np.zeros(len(oki), dtype=np.int32), ["stationary"])))
        ccodes, combos = _pairs(use, fuel.take(k))
        found = [_non_co2(ctx.non_co2, u, f) for u, f in combos]
        gjk = gj[k]
        for col, at in (("t_CH4", 0), ("t_N2O", 1)):
            per = np.array([np.nan if r is None else r[at] for r in found] or [np.nan], dtype="float64")[ccodes]
            has = ~np.isnan(per)
            if has.any():
                L[col][oki[has]] = gjk[has] * per[has] / 1000.0
        matched = np.array([r is not None for r in found] or [False], dtype=bool)[ccodes]
        if matched.any():
            ji = oki[matched]
            pick = View(ccodes[matched].astype(np.int32), list(range(len(combos))))
            L["rule"].put(ji, L["rule"].take(ji).map(lambda r: f"{r}; CH4, N2O = energy × IPCC default"))
            L["factor_dataset"].put(ji, _joined(L["factor_dataset"].take(ji), pick.map(lambda c: found[c][2])))
            L["non_co2_table"].put(ji, pick.map(lambda c: found[c][3] or None))


def _non_co2(rows: pd.DataFrame, use: Any, fuel: Any) -> tuple[float, float, str, str] | None:
    """The CH4 and N2O defaults (kg/GJ; NaN where a gas has none) of a fuel for a use, with the
    dataset and the table they come from, or None. A stationary source category (energy_industries,
    manufacturing) falls back to a dataset's rows for any stationary use; of several rows for a gas,
    the last one counts."""
    if _missing(use) or _missing(fuel):
        return None
    for u in (use, "stationary") if use in ("energy_industries", "manufacturing") else (use,):
        r = rows.loc[(rows["use"] == u) & (rows["fuel"] == fuel)]
        if r.empty:
            continue
        gas = r["gas"].str.upper()
        ch4, n2o = r.loc[gas.str.startswith("CH4")], r.loc[~gas.str.startswith("CH4")]
        last = r.iloc[-1]
        return (float(ch4["kg_per_gj"].iloc[-1]) if len(ch4) else np.nan,
                float(n2o["kg_per_gj"].iloc[-1]) if len(n2o) else np.nan,
                str(last["dataset"]), str(last.get("table", "") or ""))
    return None


def _joined(a: View, b: View) -> View:
    """Each line's ``a + " + " + b`` (a dataset named after the ones before it), one join per pair."""
    codes, pairs = _pairs(a, b)
    texts = [" + ".join(str(x) for x in p if not _missing(x)) or None for p in pairs]
    return View(codes.astype(np.int32), texts)


def _map_missing(mapper: pd.Series) -> Any:
    """What ``Series.map(mapper)`` gives a missing key."""
    return pd.Series([np.nan], dtype=object).map(mapper).iloc[0]


def _get(s: pd.Series, key: Any) -> Any:
    """``Series.map``'s value for one key (NaN if absent)."""
    return s.get(key, np.nan) if key in s.index else np.nan


def _pairs_lookup(a: View, b: View, fn: Callable[[Any, Any], float]) -> np.ndarray:
    codes, uniques = _pairs(a, b)
    return np.array([fn(x, y) for x, y in uniques] or [np.nan], dtype="float64")[codes]


@cache
def _energy_mult(ncv_unit: str, unit: str) -> float:
    info = units.lookup(units.times(ncv_unit, unit))
    if info is None or info.dimension != "energy":
        return float("nan")
    return units.factor(info.text, "GJ")


def _default_factor(L: Lines, pos: np.ndarray, bad: np.ndarray, factor_id: Any, dataset: Any, rule: str) -> None:
    """Record a national default factor applied at ``pos`` (by ``_apply_factor``; ``bad``: its unit
    did not fit the activity's): which factor, its dataset, the rule, and the line's status."""
    L["factor_dataset"].put(pos, dataset)
    L["factor_id"].put(pos, factor_id)
    L["precedence"].put(pos, "default")
    L["rule"].put(pos, rule)
    L["status"].put(pos[bad], "mismatch")
    L["status"].put(pos[~bad], "computed")


def _process(L: Lines, ctx: Context) -> None:
    m = _pending(L) & L["source"].eq("process")
    if not m.any() or ctx.process.empty:
        return
    pos = np.flatnonzero(m)
    act = L["activity"].take(pos).map(lambda a: ctx.process_alias.get(keys.key(a)))
    found = ~act.isna()
    if not found.any():
        return
    k = np.flatnonzero(found)
    fi = pos[k]
    a = act.take(k)
    proc = ctx.process
    value = a.lookup(lambda x: proc.at[x, "value"] if isinstance(x, str) else np.nan, object)
    unit = Text.of_view(a.map(lambda x: proc.at[x, "unit"]))
    gas = Text.of_view(a.map(lambda x: proc.at[x, "gas"]))
    bad = _apply_factor(L, fi, value, unit, gas)
    _default_factor(L, fi, bad, a, a.map(lambda x: proc.at[x, "dataset"]), "quantity × process factor")


def _fugitive(L: Lines, ctx: Context, A: dict[str, Text]) -> None:
    m = _pending(L) & L["source"].eq("fugitive")
    if not m.any():
        return
    pos = np.flatnonzero(m)
    gas = A["gas"].take(pos).fillna(L["activity"].take(pos))
    known = gas.lookup(lambda g: gas_key(g) in ctx.gwp.index, bool)
    kk = np.flatnonzero(known)
    ki = pos[kk]
    tonnes = _convert(L["quantity"][ki], L["unit"].take(ki), "t")
    _bucket_mass(L, ki, gas.take(kk), tonnes)
    L["converted_quantity"][ki] = tonnes
    L["converted_unit"].put(ki, "t")
    L["rule"].put(ki, "mass of gas released × GWP")
    # no factor on the row: the gas's GWP (and a blend's composition) come from the library's datasets
    L["precedence"].put(ki, "default")
    L["factor_id"].put(ki, gas.take(kk))
    L["factor_dataset"].put(ki, gas.take(kk).map(lambda g: _gwp_datasets(ctx, g)))
    L["status"].put(ki, "computed")
    uk = np.flatnonzero(~known)
    ui = pos[uk]
    L["status"].put(ui, "excluded")
    L["reason"].put(ui, "gas-unknown")
    L["gas_other"].put(ui, gas.take(uk))


def _electricity(L: Lines, ctx: Context) -> None:
    m = L["source"].eq("purchased_electricity")
    if not m.any():
        return
    pos = np.flatnonzero(m)
    mwh = _convert(L["quantity"][pos], L["unit"].take(pos), "MWh")
    L["converted_quantity"][pos] = mwh
    L["converted_unit"].put(pos, "MWh")
    pending = L["status"].take(pos).eq("pending")
    pi = pos[pending]
    g = ctx.grid
    level = ctx.settings.grid_factor_level
    value = np.full(len(pi), np.nan)
    used = np.full(len(pi), -1, dtype=np.int32)        # index into order
    ds = Text.missing(len(pi))
    order = {"province": ["province", "region", "national"], "region": ["region", "national"],
             "national": ["national"]}[level]
    for li, lvl in enumerate(order):
        need = np.isnan(value)
        if not need.any():
            break
        rows = g.loc[(g["level"] == lvl) & (g["variant"] == "average")].set_index("region")
        if lvl == "province":
            place = L["province"].take(pi)
        elif lvl == "region":
            place = L["grid_region"].take(pi)
        else:
            place = View(np.zeros(len(pi), dtype=np.int32), ["全国"])
        vmap, dmap = rows["value_t_per_mwh"], rows["dataset"]
        v = place.lookup(lambda p, vmap=vmap: _map_one(vmap, p), "float64")
        hit = need & ~np.isnan(v)
        value[hit] = v[hit]
        used[hit] = li
        h = np.flatnonzero(hit)
        ds.put(h, place.take(h).map(lambda p, dmap=dmap: _map_one(dmap, p)))
    used_v = View(used, order)
    L["factor_value"][pi] = value
    L["factor_unit"].put(pi, "tCO2/MWh")
    L["factor_dataset"].put(pi, ds)
    codes, pairs = _pairs(used_v, L["province"].take(pi))
    ids = [("" if _missing(u) else u) + ":" + ("" if _missing(p) else p) for u, p in pairs]
    L["factor_id"].put(pi, View(codes.astype(np.int32), ids))
    L["grid_level"].put(pi, used_v)
    L["grid_fallback"][pi] = np.where(used_v.eq(level), 0, 1).astype(np.int8)
    # every grid factor is the published default of its place (province, region or country), whichever
    # level supplied it (``grid_level``): not the facility's accounting basis
    L["precedence"].put(pi, "default")
    L["t_CO2"][pi] = mwh[pending] * value
    L["rule"].put(pi, f"MWh × grid average factor ({ctx.grid_year}, location-based)")
    L["status"].put(pi[~np.isnan(value)], "computed")
    # market-based: each facility's factor from its contractual instruments (see market.py)
    fid = L["facility_id"].take(pos)
    if ctx.mb_factor is not None:
        mbf = ctx.mb_factor
        mb = fid.lookup(lambda f: _map_one(mbf, f), "float64")
    else:
        mb = np.full(len(pos), np.nan)
    resid = ctx.residual_factor if ctx.residual_factor is not None else np.nan
    mb = np.where(np.isnan(mb), resid, mb)
    L["mb_factor"][pos] = mb
    L["co2e_market"][pos] = mwh * mb


def _map_one(mapper: pd.Series, key: Any) -> Any:
    """``Series.map(mapper)`` of one key."""
    if _missing(key):
        return _map_missing(mapper)
    try:
        v = mapper.get(key, np.nan)
    except TypeError:
        return np.nan
    return v


def _heat(L: Lines, ctx: Context) -> None:
    m = _pending(L) & L["source"].isin(("purchased_heat", "purchased_steam"))
    if not m.any() or ctx.heat.empty:
        return
    pos = np.flatnonzero(m)
    kind = L["source"].take(pos).map({"purchased_heat": "heat", "purchased_steam": "steam"}.get)
    ok = kind.isin(set(ctx.heat.index))
    k = np.flatnonzero(ok)
    oi = pos[k]
    kd = kind.take(k)
    heat = ctx.heat
    gj = _convert(L["quantity"][oi], L["unit"].take(oi), "GJ")
    L["converted_quantity"][oi] = gj
    L["converted_unit"].put(oi, "GJ")
    value = kd.lookup(lambda x: heat.at[x, "value"] if isinstance(x, str) else np.nan, object)
    bad = _apply_factor(L, oi, value, Text.of_view(kd.map(lambda x: heat.at[x, "unit"])),
                        View(np.zeros(len(oi), dtype=np.int32), ["CO2"]))
    _default_factor(L, oi, bad, kd, kd.map(lambda x: heat.at[x, "dataset"]), "GJ × heat factor")


def _gwp_datasets(ctx: Context, gas: Any) -> str:
    """The dataset(s) a gas's GWP comes from: the GWP set, and for a blend also its composition."""
    blend = not _missing(gas) and gas_key(gas) in ctx.blends
    return " + ".join(d for d in (ctx.gwp_dataset, ctx.blend_dataset if blend else "") if d)


def _co2e(L: Lines, ctx: Context) -> None:
    gwp = ctx.gwp
    # CH4 from combustion and other non-fossil sources uses the non-fossil value; a gas named
    # CH4_fossil in the input (fugitive fossil sources) arrives through gas_other.
    L["gwp_CH4"] = np.where(~np.isnan(L["t_CH4"]), gwp.get("CH4", np.nan), np.nan)
    L["gwp_N2O"] = np.where(~np.isnan(L["t_N2O"]), gwp.get("N2O", np.nan), np.nan)
    other_key = L["gas_other"].map(gas_key)
    L["gwp_other"] = other_key.lookup(lambda k: _map_one(gwp, k), "float64")
    # the datasets each line's GWP values come from (where a GWP was applied)
    applied = ~np.isnan(L["gwp_CH4"]) | ~np.isnan(L["gwp_N2O"]) | ~np.isnan(L["gwp_other"])
    if applied.any():
        pos = np.flatnonzero(applied)
        L["gwp_dataset"].put(pos, L["gas_other"].take(pos).map(lambda g: _gwp_datasets(ctx, g)))
    group = other_key.map(lambda k: ctx.gwp_group.get(k) if not _missing(k) else None)

    def z(a: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(a), 0.0, a)

    gross = {
        "CO2": z(L["t_CO2"]),
        "CH4": z(L["t_CH4"] * L["gwp_CH4"]),
        "N2O": z(L["t_N2O"] * L["gwp_N2O"]),
        "unspecified": z(L["co2e_unspecified"]),
    }
    other = z(L["t_other"] * L["gwp_other"])
    for g in ("HFCs", "PFCs", "SF6", "NF3"):
        gross[g] = np.where(group.eq(g), other, 0.0)
    # a named gas outside the seven (CH4_fossil counts as CH4) goes to its group or CH4
    gross["CH4"] = gross["CH4"] + np.where(group.eq("CH4"), other, 0.0)
    gross["CO2"] = gross["CO2"] + np.where(group.eq("CO2"), other, 0.0)
    gross["N2O"] = gross["N2O"] + np.where(group.eq("N2O"), other, 0.0)
    # a blend mixing groups (e.g. HFCs with a PFC) is not split: it is counted, as unspecified
    named = group.isin(("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"))
    gross["unspecified"] = gross["unspecified"] + np.where(~named, other, 0.0)
    total = sum(gross[g] for g in GAS_BUCKETS)
    computed = L["status"].eq("computed")
    share = L["share"].astype("float64")
    L["co2e_gross"] = np.where(computed, total, np.nan)
    for g in GAS_BUCKETS:
        L[f"co2e_{g}"] = np.where(computed, gross[g] * share, 0.0)
    L["co2e"] = np.where(computed, total * share, 0.0)
    L["biogenic_co2"] = np.where(computed, L["biogenic_co2"] * share, np.nan)
    elec = L["source"].eq("purchased_electricity")
    mb = L["co2e_market"]
    L["co2e_market"] = np.where((L["scope"] == 2) & computed, np.where(elec, mb * share, L["co2e"]), 0.0)


# A line's CO2e beyond this many tonnes is no figure (the world emits some 5e10 t a year) but the
# product of numbers too large: with every line below it, sums of up to 1e8 lines stay finite floats.
LINE_LIMIT = 1e300


def _overflow(L: Lines) -> None:
    """Computed lines whose numbers left the range of floats (``inf`` in a product of huge
    quantities, heating values or factors) or whose CO2e passes ``LINE_LIMIT``: excluded, with
    reason ``value-overflow``, counting 0; every infinite intermediate value of any line is missing
    in the trace (a trace holds finite numbers only)."""
    inf = np.zeros(len(L), dtype=bool)
    for c in _NUM:
        a = L[c]
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            bad = np.isinf(a)
            if bad.any():
                a[bad] = np.nan
                inf |= bad
    computed = L["status"].eq("computed")
    big = ~(np.abs(np.nan_to_num(L["co2e_gross"])) <= LINE_LIMIT) | ~(np.abs(L["co2e_market"]) <= LINE_LIMIT)
    over = computed & (inf | big)
    if not over.any():
        return
    L["status"].put(over, "excluded")
    L["reason"].put(over, "value-overflow")
    for c in ("co2e", "co2e_market", *(f"co2e_{g}" for g in GAS_BUCKETS)):
        L[c][over] = 0.0
    L["co2e_gross"][over] = np.nan
    L["biogenic_co2"][over] = np.nan


def calculate_lines(acts: pd.DataFrame, ctx: Context, file: str = "activities", sheet: str | None = None
                    ) -> tuple[Lines, list[Issue]]:
    """Trace lines (as columns) for a chunk of accepted activity rows (indexed arbitrarily), in the
    rows' order."""
    issues: list[Issue] = []
    acts = acts.reset_index(drop=True)
    L = _init(acts, ctx, file, sheet)
    if not len(acts):  # no activities table at all: its (untyped) columns stay untyped in the trace
        L.untyped = frozenset(c for c in ("source", "activity", "method", "data_quality", "unit", "quantity",
                                          "scope3_category", "verified") if acts[c].dtype == object)
    # the activity columns the calculation reads as text, each factorised once
    A = {c: Text.of(acts[c]) for c in ("ef_unit", "ef_source", "gas", "ncv_unit")}
    with np.errstate(over="ignore"):   # a product beyond the floats is infinite: ``_overflow`` excludes it
        _spend(L, ctx)
        _counterparty(L, acts, A)
        _row_factors(L, acts, A, ctx, issues)
        _user_factors(L, ctx, issues)
        _combustion(L, acts, ctx, A)
        _process(L, ctx)
        _fugitive(L, ctx, A)
        _electricity(L, ctx)
        _heat(L, ctx)
    # CO2 from biomass is reported outside the scopes; its CH4 and N2O stay in Scope 1
    bio = (_flags(acts["biogenic"]) == 1) & ~np.isnan(L["t_CO2"])
    if bio.any():
        L["biogenic_co2"][bio] = L["t_CO2"][bio]
        L["t_CO2"][bio] = np.nan
    # rows still pending found no factor (electricity: no grid factor at any level); mismatched
    # units were found but did not fit
    status = L["status"]
    pend = status.eq("pending")
    mis = status.eq("mismatch")
    no_grid = pend & L["source"].eq("purchased_electricity")
    L["reason"].put(pend & ~no_grid, "no-factor")
    L["reason"].put(no_grid, "no-grid-factor")
    L["reason"].put(mis, "factor-unit-mismatch")
    status.put(pend | mis, "excluded")
    with np.errstate(over="ignore", invalid="ignore"):
        _co2e(L, ctx)
    _overflow(L)
    inb = status.eq("computed") & (L["share"] <= 0)
    status.put(inb, "outside_boundary")
    L["reason"].put(inb, "outside-boundary")
    status.put(status.eq("computed"), "included")
    for i in np.flatnonzero(status.eq("excluded")):
        loc = Location(L.value("file", i), L.value("sheet", i), int(L["row"][i]), "activity")
        reason = L.value("reason", i)
        if reason == "no-factor":
            issues.append(issue("no-factor", loc, table="activities", activity=L.value("activity", i),
                                unit=L.value("unit", i), source=L.value("source", i)))
        elif reason == "no-grid-factor":
            issues.append(issue("no-grid-factor", Location(loc.file, loc.sheet, loc.row, "facility_id"),
                                table="activities", province=L.value("province", i), region=L.value("grid_region", i),
                                year=ctx.grid_year))
        elif reason == "gas-unknown":
            issues.append(issue("gas-unknown", Location(loc.file, loc.sheet, loc.row, "gas"), table="activities",
                                value=L.value("gas_other", i)))
        elif reason == "value-overflow":
            issues.append(issue("value-overflow", Location(loc.file, loc.sheet, loc.row, "quantity")))
        elif reason == "no-density":
            issues.append(issue("no-density", Location(loc.file, loc.sheet, loc.row, "unit"), table="activities",
                                activity=L.value("activity", i), unit=L.value("unit", i),
                                fuel=L.value("factor_id", i)))
        elif reason == "factor-unit-mismatch":
            issues.append(issue("factor-unit-mismatch", Location(loc.file, loc.sheet, loc.row, "unit"),
                                table="activities", factor_unit=L.value("factor_unit", i),
                                unit=L.value("unit", i)))
    return L, issues


def rejected_lines(rows: pd.DataFrame, file: str, sheet: str | None, reasons: Any = None) -> Lines:
    """The lines of activity rows rejected at ingest: excluded (status ``rejected``), with their
    reason (``reasons``: per row, the codes of the errors that rejected it, as ``reject`` records
    them), counting 0 (co2e_gross included; biogenic CO2 is not known)."""
    n = len(rows)
    cols: dict[str, Any] = {}
    rid = _ids(rows["record_id"])
    cols["line_id"] = cols["record_id"] = rid
    cols["derived_from"] = pa.nulls(n, pa.large_string())
    cols["file"], cols["sheet"] = Text.constant(n, file), Text.constant(n, sheet)
    cols["row"] = rows["_row"].to_numpy(dtype=np.int64)
    for c in ("facility_id", "source", "activity", "unit"):
        cols[c] = Text.of(rows[c].astype("str"))
    cols["quantity"] = _floats(rows["quantity"])
    cols["scope3_category"] = _floats(rows["scope3_category"])
    cols["status"] = Text.constant(n, "rejected")
    # the codes of the errors that rejected each row ("bad-number; unknown-unit")
    why = pd.Series(np.full(n, "rejected", dtype=object) if reasons is None else np.asarray(reasons, dtype=object))
    cols["reason"] = Text.of(why.where(why.notna(), "rejected"))
    cols["scope"] = cols["source"].lookup(lambda s: SCOPE.get(s, np.nan) if isinstance(s, str) else np.nan,
                                          "float64")
    cols["consolidated"] = np.zeros(n, dtype=bool)
    for c in TRACE_COLUMNS:
        if c in cols:
            continue
        if c in _NUM:
            cols[c] = np.zeros(n) if c.startswith("co2e") else np.full(n, np.nan)
        elif c in FLAGS:
            cols[c] = np.full(n, -1, dtype=np.int8)
        else:
            cols[c] = Text.missing(n)
    return Lines(n, cols)


# --- lines → the trace DataFrame ----------------------------------------------------------------------

def frame(parts: Sequence[Lines], order: np.ndarray | None = None) -> pd.DataFrame:
    """The trace as a DataFrame: the parts' lines one after the other (then taken in ``order``
    when given), text that repeats as categoricals, ids as Arrow-backed strings, scope and category
    as Int64, ``verified`` as boolean and ``grid_fallback`` as Python booleans (None when not
    electricity). Built a column at a time, each taken from the parts (which are left empty), so
    that the lines are held about once, not three times; a column of numbers no line has is one
    shared column of NaN (``core.memory.Blanks``)."""
    parts = [p for p in parts if p is not None]
    n = sum(p.n for p in parts)
    untyped = frozenset().union(*(p.untyped for p in parts))
    if order is not None and (len(order) < 2 or bool((order[1:] > order[:-1]).all())):
        order = None                       # already in order
    taken = None if order is None else pa.array(order, type=pa.int64())
    data: dict[str, Any] = {}
    blanks = memory.Blanks(n)
    for c in TRACE_COLUMNS:
        cols = [p.cols.pop(c) for p in parts]
        if c in untyped:
            data[c] = pd.Series([None] * n, dtype=object)
            continue
        if isinstance(cols[0], View):
            if len(cols) == 1:
                t = cols[0] if isinstance(cols[0], Text) else Text.of_view(cols[0])  # distinct values
                codes, values = t.codes, list(t.values)
            else:
                t = Text.missing(n)
                at = 0
                for p, v in zip(parts, cols, strict=True):
                    t.put(slice(at, at + p.n), v)
                    at += p.n
                codes, values = t.codes, t.values
            if order is not None:
                codes = codes[order]
            cats = pd.Index(values) if values else pd.Index([], dtype="str")
            data[c] = pd.Categorical.from_codes(codes, categories=cats, validate=False)
            continue
        if isinstance(cols[0], np.ndarray):
            v = cols[0] if len(cols) == 1 else np.concatenate(cols)
            if order is not None:
                v = v[order]
            elif v.strides == (0,):
                v = v.copy()               # a part's repeated() value: a column of its own
        else:
            v = cols[0] if len(cols) == 1 else pa.concat_arrays([x.cast(pa.large_string()) for x in cols])
            if taken is not None:
                v = v.take(taken)
        del cols
        if c in IDS:
            data[c] = _str_series(v)
        elif c in NULLABLE_INT:
            data[c] = pd.array(v, dtype="Int64")
        elif c == "verified":
            data[c] = pd.arrays.BooleanArray(v == 1, v < 0)
        elif c == "grid_fallback":
            table = np.array([False, True, None], dtype=object)
            data[c] = table[np.where(v < 0, 2, v)]
        elif v.dtype == np.float64 and n and np.isnan(v[0]) and np.isnan(v).all():
            data[c] = blanks.of("float64")   # a number no line has: one column of NaN for all of them
        else:
            data[c] = v
    return pd.DataFrame(data, columns=TRACE_COLUMNS, copy=False)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)   # pandas' default text ("str")


def _str_series(a: Any) -> pd.Series:
    """An Arrow string array as pandas' (Arrow-backed) text, without a copy."""
    return pd.Series(pa.chunked_array([a]), dtype=_STR)
