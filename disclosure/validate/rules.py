"""The cross-row and cross-table checks of an inventory."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..core import units
from ..core.issues import Issue, Location, issue
from ..ingest.contract import CERTIFICATE_UNITS, SOURCE_DIMENSIONS, TABLES
from ..ingest.inventory import ROW, Inventory, TableData
from . import carbon_market
from .exposures import exposures
from .methods import flag, method_columns, scenario_weights


def unique_ids(inv: Inventory) -> list[Issue]:
    """``duplicate-id`` for every row whose key repeats an earlier row's, in each table with a key."""
    out: list[Issue] = []
    for name, t in inv.tables.items():
        key = TABLES[name].key
        if not key or key not in t.frame:
            continue
        first = first_uses(t.frame[key])
        pos = np.arange(len(first))
        out += duplicate_ids(t, key, (first >= 0) & (first != pos), t.frame[ROW].to_numpy()[np.maximum(first, 0)])
    return out


def first_uses(ids: pd.Series) -> np.ndarray:
    """Each row's position of the first row with its id (its own for a first use; -1 without an id)."""
    codes, _ = pd.factorize(ids, use_na_sentinel=True)       # codes in the order of first use
    ok = codes >= 0
    if not ok.any():   # no row has an id (each is reported missing): none is a first use
        return np.full(len(codes), -1, dtype=np.int64)
    # codes are numbered in order of first use: a row uses its id first where its code is above
    # every code before it, so the k-th such row is code k's first use (no sort of the codes)
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    first = np.flatnonzero(codes > before)
    return np.where(ok, first[np.maximum(codes, 0)], -1)


def duplicate_ids(t: TableData, key: str, repeated: np.ndarray, first_row: np.ndarray) -> list[Issue]:
    """The duplicate-id rule's issues: ``duplicate-id`` at each row ``repeated`` flags (its id was
    used on an earlier row), naming that earlier row (``first_row``, one per row). ``unique_ids``
    finds the repeats within a whole table; the chunked and Dask engines find them across chunks
    and partitions, and call this for the rows of each."""
    at = np.flatnonzero(repeated)   # only these rows' ids as Python objects, not the table's
    rows, ids = t.frame[ROW].to_numpy()[at], t.frame[key].iloc[at].to_numpy(dtype=object)
    return [issue("duplicate-id", t.location(int(r), key), table=t.name, value=v, first_row=int(f))
            for r, v, f in zip(rows, ids, first_row[at], strict=True)]


def empty_table(name: str, rows: int, where: Location) -> list[Issue]:
    """``empty-table``: a required table with no row (read whole, or over all of its chunks)."""
    return [issue("empty-table", where, table=name)] if rows == 0 and TABLES[name].required else []


def entity_tree(inv: Inventory) -> list[Issue]:
    t = inv.tables.get("entities")
    if t is None or t.frame.empty:
        return []
    f = t.frame
    ids = set(f["entity_id"].dropna())
    out = flag(t, "unknown-entity", f["parent_id"].notna() & ~f["parent_id"].isin(ids), "parent_id",
                f["parent_id"])
    if not f["parent_id"].isna().any():
        out.append(issue("no-root-entity", t.location(None, "parent_id"), table=t.name))
    parent = dict(zip(f["entity_id"], f["parent_id"], strict=True))
    row_of = dict(zip(f["entity_id"], f[ROW], strict=True))
    seen_cycles: set[frozenset[str]] = set()
    for start in parent:  # the entity table is small: walking it is fine
        path, cur = [], start
        while cur is not None and isinstance(cur, str) and cur in parent and cur not in path:
            path.append(cur)
            cur = parent[cur]
        if cur is not None and isinstance(cur, str) and cur in path:
            cycle = path[path.index(cur):]
            key = frozenset(cycle)
            if key not in seen_cycles:
                seen_cycles.add(key)
                first = min(cycle, key=lambda e: row_of[e])
                i = cycle.index(first)
                ordered = cycle[i:] + cycle[:i] + [first]
                out.append(issue("entity-cycle", t.location(int(row_of[first]), "parent_id"), table=t.name,
                                 path=" → ".join(ordered)))
    return out


def facility_refs(inv: Inventory) -> list[Issue]:
    out: list[Issue] = []
    ent = inv.tables.get("entities")
    fac = inv.tables.get("facilities")
    if fac is not None and ent is not None:
        f = fac.frame
        out += flag(fac, "unknown-entity", f["entity_id"].notna() & ~f["entity_id"].isin(ent.frame["entity_id"]),
                     "entity_id", f["entity_id"])
    fac_ids = fac.frame["facility_id"] if fac is not None else pd.Series([], dtype="str")
    act = inv.tables.get("activities")
    if act is not None and fac is not None:
        out += activity_facility_refs(act, fac_ids)
    ins = inv.tables.get("instruments")
    if ins is not None and fac is not None:
        i = ins.frame
        out += flag(ins, "instrument-unknown-facility",
                     i["facility_id"].notna() & ~i["facility_id"].isin(fac_ids), "facility_id", i["facility_id"])
    return out


def activity_facility_refs(act: TableData, facility_ids: pd.Series) -> list[Issue]:
    """Activity rows naming a facility that is not in the facilities table (a whole table or a chunk)."""
    a = act.frame
    return flag(act, "unknown-facility", a["facility_id"].notna() & ~a["facility_id"].isin(facility_ids),
                 "facility_id", a["facility_id"])


def provinces(inv: Inventory) -> list[Issue]:
    """Facilities whose province is not a provincial-level division (the type stage resolved each
    to its short Chinese name, ``province_name``, and grid region)."""
    fac = inv.tables.get("facilities")
    if fac is None:
        return []
    f = fac.frame
    return flag(fac, "unknown-province", f["province"].notna() & f["province_name"].isna(), "province",
                 f["province"])


def scope3_categories(inv: Inventory) -> list[Issue]:
    act = inv.tables.get("activities")
    if act is None:
        return []
    a = act.frame
    s3 = a["source"] == "scope3"
    out = flag(act, "scope3-category-missing", s3 & a["scope3_category"].isna(), "scope3_category")
    other = a["source"].notna() & ~s3 & a["scope3_category"].notna()
    for src in a.loc[other, "source"].unique():
        m = other & (a["source"] == src)
        out += flag(act, "scope3-category-ignored", m, "scope3_category", a["scope3_category"], source=src)
    return out


def periods(inv: Inventory) -> list[Issue]:
    s = inv.settings.period
    out: list[Issue] = []
    for name in ("activities", "instruments"):
        t = inv.tables.get(name)
        if t is None:
            continue
        f = t.frame
        start, end = f["period_start"], f["period_end"]
        reversed_ = (end < start).fillna(False).to_numpy(dtype=bool)
        out += _period_issues(t, "period-reversed", reversed_, start, end)
        if name == "activities" and s.start and s.end:
            rs, re = pd.Timestamp(s.start), pd.Timestamp(s.end)
            ok = ~reversed_ & start.notna().to_numpy() & end.notna().to_numpy()
            outside = ok & ((end < rs) | (start > re)).to_numpy(dtype=bool)
            partial = ok & ~outside & ((start < rs) | (end > re)).to_numpy(dtype=bool)
            extra = {"report_start": s.start.isoformat(), "report_end": s.end.isoformat()}
            out += _period_issues(t, "period-outside", outside, start, end, **extra)
            out += _period_issues(t, "period-partial", partial, start, end, **extra)
    return out


def _period_issues(t: TableData, code: str, mask: np.ndarray, start: pd.Series, end: pd.Series,
                   **params: object) -> list[Issue]:
    out = []
    rows = t.frame[ROW].to_numpy()
    for i in np.flatnonzero(mask):
        out.append(issue(code, t.location(int(rows[i]), "period_end" if code == "period-reversed" else "period_start"),
                         table=t.name, start=start.iloc[i].date().isoformat(),
                         end=end.iloc[i].date().isoformat(), **params))
    return out


def unit_dimensions(inv: Inventory) -> list[Issue]:
    out: list[Issue] = []
    act = inv.tables.get("activities")
    if act is not None:
        a = act.frame
        pairs = a[["source", "unit"]].dropna()
        for (src, unit), idx in pairs.groupby(["source", "unit"], sort=False).groups.items():
            info = units.lookup(unit)
            if info is None:
                continue  # reported as unknown-unit by the loader
            allowed = SOURCE_DIMENSIONS[src]
            if info.dimension not in allowed:
                mask = a.index.isin(idx)
                out += flag(act, "wrong-dimension", mask, "unit", unit=unit, source=src, expected=tuple(allowed))
        out += _paired(act, "ncv", "ncv_unit") + _paired(act, "ef_value", "ef_unit")
        out += _factor_units(act, "ef_unit")
    fac = inv.tables.get("factors")
    if fac is not None:
        out += _factor_units(fac, "value_unit")
    ins = inv.tables.get("instruments")
    if ins is not None:
        i = ins.frame
        for unit, idx in i[["unit"]].dropna().groupby("unit", sort=False).groups.items():
            info = units.lookup(unit)
            if unit in CERTIFICATE_UNITS or info is None:
                continue
            if info.dimension != "energy":
                out += flag(ins, "wrong-dimension", i.index.isin(idx), "unit", unit=unit, source="instruments",
                             expected=("energy", "certificate"))
    return out


def _factor_units(t: TableData, column: str) -> list[Issue]:
    """The unit of a factor (a text column, e.g. tCO2e/t): ``unknown-unit``, or ``ambiguous-unit``
    naming the candidates (kgCO2e/ton). One lookup per distinct spelling."""
    col = t.frame[column]
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    known = np.array([units.lookup(u) is not None for u in uniques] + [True], dtype=bool)
    at = np.where(codes < 0, len(uniques), codes)
    unclear = {k: a for k, u in enumerate(uniques) if not known[k] and (a := units.ambiguity(u)) is not None}
    out = flag(t, "unknown-unit", ~known[at] & ~np.isin(codes, list(unclear)), column, col)
    for k, a in unclear.items():
        out += flag(t, "ambiguous-unit", codes == k, column, col, **a.params())
    return out


def _paired(t: TableData, value: str, unit: str) -> list[Issue]:
    f = t.frame
    out = flag(t, "unit-without-value", f[value].notna() & f[unit].isna(), value, column=value, missing=unit)
    out += flag(t, "unit-without-value", f[unit].notna() & f[value].isna(), unit, column=unit, missing=value)
    return out


RULES: list[Callable[[Inventory], list[Issue]]] = [
    unique_ids, entity_tree, facility_refs, provinces, scope3_categories, periods, unit_dimensions,
    method_columns, scenario_weights, exposures, carbon_market.check,
]


# The checks of activity rows that read no other activity row: the chunked and Dask engines run them
# on an inventory holding one chunk of the activities (and no other table), together with
# ``activity_facility_refs``; they find duplicate ids across chunks themselves, and add up the
# weights of each scenario group over the chunks (``methods.weight_sums``, then ``flag_weights``).
ROW_RULES: list[Callable[[Inventory], list[Issue]]] = [scope3_categories, periods, unit_dimensions, method_columns]


def validate(inv: Inventory) -> list[Issue]:
    out: list[Issue] = []
    for rule in RULES:
        out += rule(inv)
    return out
