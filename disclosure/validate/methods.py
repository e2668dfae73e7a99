"""The checks of the Scope 3 method columns (``ingest.contract.METHOD_COLUMNS``): every method a
row states is resolved here or by the calculation, so that ``check`` exit 0 means the chain, the
allocation and the counterparty's figure will be calculated as written.

Each check works on whole columns; text columns (units) are looked up once per distinct spelling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import chain, units
from ..core import vocabulary as vocab
from ..core.chain import MULTIPLIERS
from ..core.issues import Issue, issue
from ..ingest.contract import SOURCE_DIMENSIONS
from ..ingest.inventory import ROW, Inventory, TableData

MULTIPLIER_COLUMNS = tuple(f"multiplier_{k}" for k in range(1, MULTIPLIERS + 1))
MULTIPLIER_UNITS = tuple(f"multiplier_unit_{k}" for k in range(1, MULTIPLIERS + 1))
# the columns that make a row a method row (only Scope 3 rows take them)
METHOD_INPUTS = ("allocation_share", "allocation_part", "allocation_total", "allocation_occupancy",
                 "allocation_basis", *MULTIPLIER_COLUMNS, *MULTIPLIER_UNITS, "divisor", "divisor_unit",
                 "scenario_group", "scenario_weight", "reported_scopes", "reported_year")
# the Scope 3 categories whose rows may give the counterparty's own emissions (core/vocabulary.yaml)
COUNTERPARTY_CATEGORIES = tuple(int(t.key) for t in vocab.enumeration("scope3_category") if t.get("counterparty"))
WEIGHT_TOLERANCE = 1e-9


def flag(t: TableData, code: str, mask: pd.Series | np.ndarray, where: str | None,
         values: pd.Series | None = None, **params: object) -> list[Issue]:
    """``code`` at each row of ``t`` that ``mask`` flags, in column ``where``, with the row's value
    (a date as its ISO day) when ``values`` is given. Only the flagged rows' values are made Python
    objects, not the column's (a million Arrow strings for the handful an issue names). The one
    row-issue helper of the validate stage (``rules`` uses it too)."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    at = np.flatnonzero(m)
    rows = t.frame[ROW].to_numpy()[at]
    vals = None if values is None else pd.Series(values, copy=False).iloc[at].to_numpy(dtype=object)
    out: list[Issue] = []
    for k, r in enumerate(rows):
        extra = dict(params)
        if vals is not None:
            v = vals[k]
            extra["value"] = v.date().isoformat() if isinstance(v, pd.Timestamp) else v
        out.append(issue(code, t.location(int(r), where), table=t.name, **extra))
    return out


def _given(a: pd.DataFrame, c: str) -> np.ndarray:
    return a[c].notna().to_numpy() if c in a else np.zeros(len(a), dtype=bool)


def _paired(t: TableData, value: str, other: str) -> list[Issue]:
    a = t.frame
    v, o = _given(a, value), _given(a, other)
    return (flag(t, "unit-without-value", v & ~o, value, column=value, missing=other)
            + flag(t, "unit-without-value", o & ~v, other, column=other, missing=value))


def chain_units(a: pd.DataFrame) -> pd.Series:
    """Each row's chain unit (``core.chain.spelling``): its unit times its multipliers' units over
    its divisor's unit; one spelling per distinct combination."""
    codes, spelled = chain.spell_columns(a["unit"], [a[c] for c in MULTIPLIER_UNITS], a["divisor_unit"])
    return pd.Series(np.array([*spelled, None], dtype=object)[codes], index=a.index)


def method_rows(a: pd.DataFrame) -> np.ndarray:
    """Rows with a multiplier or a divisor (their activity is the chain's product)."""
    m = np.zeros(len(a), dtype=bool)
    for c in (*MULTIPLIER_COLUMNS, "divisor"):
        m |= _given(a, c)
    return m


def method_columns(inv: Inventory) -> list[Issue]:
    """The row-level checks of the method columns (run on whole tables and on each chunk)."""
    act = inv.tables.get("activities")
    if act is None or "allocation_share" not in act.frame:
        return []
    t, a = act, act.frame
    s3 = (a["source"] == "scope3").to_numpy()
    known_source = a["source"].notna().to_numpy()
    out: list[Issue] = []
    # only Scope 3 rows take them (the first such column of a row is named)
    named = np.zeros(len(a), dtype=bool)
    for c in METHOD_INPUTS:
        m = _given(a, c) & known_source & ~s3 & ~named
        named |= m
        for src in pd.unique(a.loc[m, "source"]):
            out += flag(t, "method-not-scope3", m & (a["source"] == src).to_numpy(), c, column=c, source=src)
    # a multiplier and its unit, a divisor and its unit, scenario group and weight, part and total
    for v, u in zip(MULTIPLIER_COLUMNS, MULTIPLIER_UNITS, strict=True):
        out += _paired(t, v, u)
    out += _paired(t, "divisor", "divisor_unit")
    out += _paired(t, "scenario_weight", "scenario_group")
    out += _paired(t, "allocation_part", "allocation_total")
    for u in (*MULTIPLIER_UNITS, "divisor_unit"):
        col = a[u]
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
        ok = np.array([chain.known(x) for x in uniq] + [True], dtype=bool)
        out += flag(t, "multiplier-unit-unknown", ~ok[np.where(codes < 0, len(uniq), codes)], u, col, column=u)
    out += flag(t, "divisor-zero", (a["divisor"] == 0).fillna(False).to_numpy(dtype=bool), "divisor")
    # allocation: a share, or a part of a total (with an occupancy), and its basis
    share, part = _given(a, "allocation_share"), _given(a, "allocation_part") | _given(a, "allocation_total")
    out += flag(t, "allocation-conflict", share & part, "allocation_share")
    occ = a["allocation_occupancy"].fillna(1.0).to_numpy(dtype="float64")
    # a total × occupancy past float64 (an occupancy above 1 is an error of its own) is inf, its share
    # 0: the limit, and no RuntimeWarning on stderr
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        derived = a["allocation_part"].to_numpy(dtype="float64") / (a["allocation_total"].to_numpy(dtype="float64") * occ)
    above = ~share & _given(a, "allocation_part") & _given(a, "allocation_total") & ~(derived <= 1.0)
    for i in np.flatnonzero(above):
        out += flag(t, "allocation-above-one", np.arange(len(a)) == i, "allocation_part",
                     part=float(a["allocation_part"].iloc[i]), total=float(a["allocation_total"].iloc[i] * occ[i]),
                     value=float(derived[i]) if np.isfinite(derived[i]) else None)
    out += flag(t, "allocation-basis-missing", (share | part) & ~_given(a, "allocation_basis"), "allocation_basis")
    out += flag(t, "unit-without-value", _given(a, "allocation_basis") & ~share & ~part, "allocation_basis",
                 column="allocation_basis", missing="allocation_share")
    out += flag(t, "unit-without-value", _given(a, "allocation_occupancy") & ~part, "allocation_occupancy",
                 column="allocation_occupancy", missing="allocation_total")
    out += _chains(t, s3)
    out += _counterparty(t, s3, inv)
    return out


def _chains(t: TableData, s3: np.ndarray) -> list[Issue]:
    """The product's unit of rows with multipliers: a Scope 3 dimension, and no chain on money."""
    a = t.frame
    m = method_rows(a) & s3 & a["unit"].notna().to_numpy()
    if not m.any():
        return []
    out: list[Issue] = []
    sub = a.loc[m]
    spelled = chain_units(sub)
    allowed = SOURCE_DIMENSIONS["scope3"]
    pos = np.flatnonzero(m)
    for u, idx in pd.Series(range(len(sub)), index=spelled.to_numpy()).groupby(level=0, sort=False):
        unit = sub["unit"].iloc[int(idx.iloc[0])]
        base = units.lookup(unit) if isinstance(unit, str) else None
        info = units.lookup(u)
        rows = np.zeros(len(a), dtype=bool)
        rows[pos[idx.to_numpy()]] = True
        if base is not None and base.dimension == "currency" and u != chain.spelling(unit, ()):
            out += flag(t, "method-on-spend", rows, "multiplier_1", unit=unit)
        elif info is not None and info.dimension not in allowed:
            out += flag(t, "method-dimension", rows, "unit", unit=u, expected=tuple(allowed))
    return out


def _counterparty(t: TableData, s3: np.ndarray, inv: Inventory) -> list[Issue]:
    """Rows whose activity is the counterparty's reported emissions (a CO2e unit): in the categories
    that take it, with the scopes they cover; the year they are for against the reporting year."""
    a = t.frame
    uc, uu = pd.factorize(a["unit"], use_na_sentinel=True)
    dims = np.array([(units.lookup(u).dimension if isinstance(u, str) and units.lookup(u) else None) for u in uu]
                    + [None], dtype=object)
    co2e = (dims[np.where(uc < 0, len(uu), uc)] == "co2e") & s3
    out: list[Issue] = []
    cat = a["scope3_category"].to_numpy(dtype="float64", na_value=np.nan)
    wrong = co2e & ~np.isnan(cat) & ~np.isin(cat, COUNTERPARTY_CATEGORIES)
    out += flag(t, "counterparty-category", wrong, "scope3_category", a["scope3_category"],
                 unit="tCO2e", allowed=", ".join(map(str, COUNTERPARTY_CATEGORIES)))
    out += flag(t, "counterparty-scopes-missing", co2e & ~wrong & ~_given(a, "reported_scopes"), "reported_scopes",
                 unit="tCO2e")
    for c in ("reported_scopes", "reported_year"):
        stray = _given(a, c) & s3 & ~co2e & a["unit"].notna().to_numpy()
        out += flag(t, "counterparty-columns-unused", stray, c, a["unit"], column=c,
                     unit="")
    year = inv.settings.period.end.year if inv.settings.period.end else None
    relief = inv.settings.options.scope3_value_chain_period
    if year is not None and not relief:
        ry = a["reported_year"].to_numpy(dtype="float64", na_value=np.nan)
        differs = co2e & ~wrong & ~np.isnan(ry) & (ry != year)
        out += flag(t, "counterparty-year-differs", differs, "reported_year",
                     a["reported_year"], year=year)
    return out


def scenario_weights(inv: Inventory) -> list[Issue]:
    """The weights of each scenario group sum to 1 (a check over the whole table: the rows of a
    group may be anywhere in it). Each row of a group that does not is named. The chunked and Dask
    engines run the same check in two steps, as the rows come: ``weight_sums`` of each chunk added
    up, then ``weights_off`` of the totals flagged in each chunk (``flag_weights``)."""
    act = inv.tables.get("activities")
    if act is None:
        return []
    return flag_weights(act, weights_off(weight_sums(act.frame)))


def weight_sums(a: pd.DataFrame) -> pd.Series:
    """The sum of the weights of each scenario group over the rows of ``a`` that give both (float,
    indexed by group; empty when none does). Sums of parts of a table add up to the table's."""
    if "scenario_group" not in a:
        return pd.Series(dtype="float64")
    g, w = a["scenario_group"], a["scenario_weight"]
    has = (g.notna() & w.notna()).to_numpy()
    if not has.any():
        return pd.Series(dtype="float64")
    return w[has].astype("float64").groupby(g[has].to_numpy()).sum()


def weights_off(sums: pd.Series) -> pd.Series:
    """The groups whose weights do not sum to 1, with their sums."""
    return sums[(sums - 1.0).abs() > WEIGHT_TOLERANCE]


def flag_weights(t: TableData, off: pd.Series) -> list[Issue]:
    """``scenario-weights-sum`` at each row of ``t`` that gives a weight in one of the groups ``off``
    (their sums over the whole table)."""
    a = t.frame
    if off.empty or "scenario_group" not in a:
        return []
    g = a["scenario_group"]
    has = (g.notna() & a["scenario_weight"].notna()).to_numpy()
    out: list[Issue] = []
    for grp, total in off.items():
        out += flag(t, "scenario-weights-sum", has & (g == grp).to_numpy(), "scenario_weight",
                     group=str(grp), value=round(float(total), 12))
    return out
