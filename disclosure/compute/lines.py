"""The per-line calculation: a pure function of a chunk of activity rows and the context.

Every activity row becomes one trace line holding its inputs, the factor that was applied (dataset
and version, value, unit, the precedence level that supplied it), the converted quantity, the mass
of each gas, and its CO2e. Work is done per source family on whole columns; what varies per row is
looked up per distinct value (unit pairs, activity names), never in a Python loop over rows.

Factor precedence, fixed and recorded on each line (``precedence``):
  1 ``row``          the row's own ef_value / ef_unit
  2 ``user_factor``  the inventory's factors table (supplier-specific and other user factors)
  3 ``measured``     measured fuel parameters on the row (NCV, carbon content, oxidation rate)
  4 ``basis``        the facility's accounting basis (a fuel parameter dataset)
  5 ``default``      the national default dataset
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ..core import units
from ..core.issues import Issue, Location, issue
from . import keys
from .context import Context, gas_key

C_TO_CO2 = 44.0 / 12.0
GAS_BUCKETS = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3", "unspecified")
SCOPE = {"stationary_combustion": 1, "mobile_combustion": 1, "process": 1, "fugitive": 1,
         "purchased_electricity": 2, "purchased_heat": 2, "purchased_steam": 2, "purchased_cooling": 2,
         "scope3": 3}
PRECEDENCE = {"row": 1, "user_factor": 2, "measured": 3, "basis": 4, "default": 5}

# The trace's columns, in order. Gas masses and co2e_gross are the facility's full (100 %) figures;
# ``share`` is the entity's share under the consolidation approach; ``co2e`` and the co2e_<gas>
# columns are the reported figures (gross × share).
TRACE_COLUMNS = [
    "line_id", "record_id", "derived_from", "file", "sheet", "row",
    "facility_id", "entity_id", "province", "grid_region", "consolidated", "share",
    "source", "scope", "scope3_category", "activity", "method", "data_quality", "verified",
    "quantity", "unit", "status", "reason",
    "rule", "precedence", "factor_dataset", "factor_id", "factor_value", "factor_unit", "factor_source",
    "fx_rate", "deflator", "converted_quantity", "converted_unit",
    "ncv", "ncv_unit", "carbon_content", "oxidation_rate", "energy_gj",
    "grid_level", "grid_fallback", "mb_factor",
    "t_CO2", "t_CH4", "t_N2O", "gas_other", "t_other", "gwp_CH4", "gwp_N2O", "gwp_other",
    "biogenic_co2", "co2e_gross",
    *[f"co2e_{g}" for g in GAS_BUCKETS], "co2e", "co2e_market",
]
_NUM = {"share", "quantity", "factor_value", "fx_rate", "deflator", "converted_quantity", "ncv",
        "carbon_content", "oxidation_rate", "energy_gj", "mb_factor", "t_CO2", "t_CH4", "t_N2O",
        "t_other", "gwp_CH4", "gwp_N2O", "gwp_other", "biogenic_co2", "co2e_gross",
        *[f"co2e_{g}" for g in GAS_BUCKETS], "co2e", "co2e_market"}


@cache
def _product(factor_unit: str, activity_unit: str) -> tuple[str | None, float]:
    """How ``quantity [activity_unit] × factor [factor_unit]`` comes out: ('mass', multiplier to t),
    ('co2e', multiplier to tCO2e), or (None, nan) when the units do not fit."""
    info = units.lookup(f"({units.normalise(factor_unit)})*({units.normalise(activity_unit)})")
    if info is None:
        return None, float("nan")
    if info.dimension == "mass":
        return "mass", units.factor(info.text, "t")
    if info.dimension == "co2e":
        return "co2e", units.factor(info.text, "tCO2e")
    return None, float("nan")


def _products(factor_units: pd.Series, activity_units: pd.Series) -> tuple[pd.Series, pd.Series]:
    codes, uniques = units.distinct_pairs(factor_units.astype(str), activity_units.astype(str))
    kinds = np.array([_product(f, a)[0] for f, a in uniques] or [None], dtype=object)
    mults = np.array([_product(f, a)[1] for f, a in uniques] or [np.nan], dtype="float64")
    return (pd.Series(kinds[codes], index=factor_units.index),
            pd.Series(mults[codes], index=factor_units.index))


def _per_distinct(s: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``s.map(fn)`` with ``fn`` called once per distinct value (missing values included)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return pd.Series(mapped[codes], index=s.index)


def _dimension(u: Any) -> str | None:
    info = units.lookup(u) if isinstance(u, str) else None
    return info.dimension if info else None


def _init(acts: pd.DataFrame, ctx: Context, file: str, sheet: str | None) -> pd.DataFrame:
    fac = ctx.facilities.set_index("facility_id")
    n = len(acts)
    df = pd.DataFrame(index=acts.index)
    df["record_id"] = acts["record_id"].astype("str")
    df["line_id"] = df["record_id"]
    df["derived_from"] = pd.Series([None] * n, index=acts.index, dtype="str")
    df["file"] = file
    df["sheet"] = sheet
    df["row"] = acts["_row"].astype("int64")
    df["facility_id"] = acts["facility_id"].astype("str")
    # facility attributes: one factorization of facility_id, then array takes
    codes, uniq = pd.factorize(df["facility_id"], use_na_sentinel=False)
    attrs = fac.reindex(pd.Index(uniq, dtype=object))
    df["entity_id"] = attrs["entity_id"].to_numpy(dtype=object)[codes]
    df["province"] = attrs["province_name"].to_numpy(dtype=object)[codes]
    df["grid_region"] = attrs["grid_region"].to_numpy(dtype=object)[codes]
    df["consolidated"] = attrs["consolidated"].fillna(False).astype(bool).to_numpy()[codes]
    df["share"] = attrs["share"].fillna(0.0).astype("float64").to_numpy()[codes]
    for c in ("source", "scope3_category", "activity", "method", "data_quality", "verified", "quantity", "unit"):
        df[c] = acts[c]
    df["scope"] = df["source"].map(SCOPE).astype("Int64")
    df["scope3_category"] = df["scope3_category"].where(df["source"] == "scope3")
    for c in TRACE_COLUMNS:
        if c not in df:
            df[c] = np.nan if c in _NUM else pd.Series([None] * n, index=acts.index, dtype="object")
    df["status"] = "pending"
    return df


def _bucket_mass(df: pd.DataFrame, idx: pd.Index, gas: pd.Series, tonnes: pd.Series) -> None:
    """Put tonnes of a named gas into t_CO2 / t_CH4 / t_N2O, or t_other with gas_other."""
    g = _per_distinct(gas, gas_key)
    for col, name in (("t_CO2", "CO2"), ("t_CH4", "CH4"), ("t_N2O", "N2O")):
        m = g == name
        if m.any():
            df.loc[idx[m.to_numpy()], col] = df.loc[idx[m.to_numpy()], col].fillna(0) + tonnes[m].to_numpy()
    other = ~g.isin(["CO2", "CH4", "N2O"])
    if other.any():
        oi = idx[other.to_numpy()]
        df.loc[oi, "gas_other"] = gas[other].to_numpy()
        df.loc[oi, "t_other"] = df.loc[oi, "t_other"].fillna(0) + tonnes[other].to_numpy()


def _apply_factor(df: pd.DataFrame, idx: pd.Index, value: pd.Series, value_unit: pd.Series,
                  gas: pd.Series) -> pd.Series:
    """quantity × factor for the rows ``idx``; returns a mask (over idx) of rows that did not fit."""
    qty = df.loc[idx, "converted_quantity"].fillna(df.loc[idx, "quantity"]).astype("float64")
    unit = df.loc[idx, "converted_unit"].fillna(df.loc[idx, "unit"]).astype("str")
    kind, mult = _products(value_unit.set_axis(idx), unit)
    amount = qty * value.set_axis(idx).astype("float64") * mult
    mass = (kind == "mass").to_numpy()
    co2e = (kind == "co2e").to_numpy()
    if mass.any():
        g = gas.set_axis(idx).fillna("CO2")
        _bucket_mass(df, idx[mass], g[mass], amount[mass])
    if co2e.any():
        df.loc[idx[co2e], "co2e_unspecified"] = amount[co2e].to_numpy()
    df.loc[idx, "factor_value"] = value.to_numpy()
    df.loc[idx, "factor_unit"] = value_unit.to_numpy()
    return pd.Series(~(mass | co2e), index=idx)


def _spend(df: pd.DataFrame, acts: pd.DataFrame, ctx: Context, issues: list[Issue]) -> None:
    """Money amounts in another currency → the report currency at the user's rates."""
    dims = _per_distinct(df["unit"], _dimension)
    cur = dims == "currency"
    if not cur.any():
        return
    rates = {str(k).upper(): float(v) for k, v in (ctx.settings.options.get("currency_rates") or {}).items()}
    target = ctx.settings.currency
    for unit in df.loc[cur, "unit"].unique():
        m = cur & (df["unit"] == unit)
        if units.convertible(unit, target):
            df.loc[m, "converted_quantity"] = df.loc[m, "quantity"] * units.factor(unit, target)
            df.loc[m, "converted_unit"] = target
            continue
        base = next((c for c in rates if units.convertible(unit, c)), None)
        if base is None:
            for r in df.loc[m].itertuples():
                issues.append(issue("currency-rate-missing", Location(r.file, r.sheet, r.row, "unit"),
                                    table="activities", currency=unit, target=target))
            df.loc[m, "status"] = "excluded"
            df.loc[m, "reason"] = "currency-rate-missing"
            continue
        df.loc[m, "fx_rate"] = rates[base]
        df.loc[m, "converted_quantity"] = df.loc[m, "quantity"] * units.factor(unit, base) * rates[base]
        df.loc[m, "converted_unit"] = target


def _deflate(df: pd.DataFrame, idx: pd.Index, factor_year: pd.Series, ctx: Context) -> None:
    """Spend in the reporting year's prices → the factor's price year, when the user gives an index."""
    index = {int(k): float(v) for k, v in (ctx.settings.options.get("price_index") or {}).items()}
    if not index or ctx.reporting_year not in index:
        return
    is_money = _per_distinct(df.loc[idx, "unit"], _dimension) == "currency"
    fy = factor_year.set_axis(idx)
    ok = is_money & fy.notna() & _per_distinct(fy, lambda y: not pd.isna(y) and int(y) in index).astype(bool)
    if not ok.any():
        return
    ii = idx[ok.to_numpy()]
    defl = _per_distinct(fy[ok], lambda y: index[int(y)] / index[ctx.reporting_year]).astype("float64")
    df.loc[ii, "deflator"] = defl.to_numpy()
    base = df.loc[ii, "converted_quantity"].fillna(df.loc[ii, "quantity"])
    df.loc[ii, "converted_quantity"] = base.to_numpy() * defl.to_numpy()
    df.loc[ii, "converted_unit"] = df.loc[ii, "converted_unit"].fillna(df.loc[ii, "unit"])


def _row_factors(df: pd.DataFrame, acts: pd.DataFrame) -> None:
    m = (df["status"] == "pending") & acts["ef_value"].notna() & acts["ef_unit"].notna()
    if not m.any():
        return
    idx = df.index[m]
    bad = _apply_factor(df, idx, acts.loc[idx, "ef_value"], acts.loc[idx, "ef_unit"], acts.loc[idx, "gas"])
    df.loc[idx, "precedence"] = "row"
    df.loc[idx, "rule"] = "quantity × row factor"
    df.loc[idx, "factor_source"] = acts.loc[idx, "ef_source"]
    df.loc[idx, "factor_dataset"] = "row"
    df.loc[idx, "status"] = np.where(bad, "mismatch", "computed")


def _user_factors(df: pd.DataFrame, acts: pd.DataFrame, ctx: Context) -> None:
    """The inventory's factors table. Each distinct (activity, unit) is resolved once: the factor
    rows that fit it, one per gas (the one stated in the row's own unit, else the first by id)."""
    uf = ctx.user_factors.reset_index(drop=True)
    m = (df["status"] == "pending") & ~df["source"].isin(["purchased_electricity"])
    if uf.empty or not m.any():
        return
    rows = df.index[m]
    row_unit = df.loc[rows, "converted_unit"].fillna(df.loc[rows, "unit"]).astype(str)
    codes, uniques = units.distinct_pairs(keys.keys(df.loc[rows, "activity"]), row_unit)
    by_key = {k: g for k, g in uf.groupby("key", sort=False)}
    chosen: list[tuple[int, int]] = []
    for p, (k, u) in enumerate(uniques):
        g = by_key.get(k)
        if g is None:
            continue
        fits = [units.convertible(u, str(fu)) and _product(str(vu), u)[0] is not None
                for fu, vu in zip(g["unit"], g["value_unit"], strict=True)]
        cand = g.loc[fits]
        if cand.empty:
            continue
        cand = cand.assign(_exact=(cand["unit"].astype(str) != u).astype(int))
        cand = cand.sort_values(["gas", "_exact", "factor_id"], kind="stable").drop_duplicates("gas")
        chosen += [(p, int(i)) for i in cand.index]
    if not chosen:
        return
    pick = pd.DataFrame(chosen, columns=["_p", "_f"])
    j = pd.DataFrame({"_i": rows, "_p": codes}).merge(pick, on="_p", how="inner")
    f = uf.take(j["_f"].to_numpy()).reset_index(drop=True)
    j = pd.concat([j.reset_index(drop=True), f[["factor_id", "gas", "value", "value_unit", "source", "year"]]],
                  axis=1)
    idx_all = pd.Index(j["_i"].unique())
    once = j.drop_duplicates("_i")
    _deflate(df, pd.Index(once["_i"].to_numpy()), once["year"], ctx)
    qty = df.loc[j["_i"], "converted_quantity"].fillna(df.loc[j["_i"], "quantity"]).to_numpy()
    unit = df.loc[j["_i"], "converted_unit"].fillna(df.loc[j["_i"], "unit"]).astype(str)
    kind, mult = _products(j["value_unit"].astype(str), unit.reset_index(drop=True))
    j["_amount"] = qty * j["value"].to_numpy(dtype="float64") * mult.to_numpy()
    j["_kind"] = kind.to_numpy()
    single = not j["_i"].duplicated().any()  # the usual case: one factor row per activity row
    for kind_name in ("mass", "co2e"):
        part = j.loc[j["_kind"] == kind_name]
        if part.empty:
            continue
        if kind_name == "co2e":
            s = part.set_index("_i")["_amount"] if single else part.groupby("_i")["_amount"].sum()
            df.loc[s.index, "co2e_unspecified"] = df.loc[s.index, "co2e_unspecified"].fillna(0) + s.to_numpy()
        else:
            for gas, g in part.groupby("gas"):
                s = g.set_index("_i")["_amount"] if single else g.groupby("_i")["_amount"].sum()
                _bucket_mass(df, pd.Index(s.index), pd.Series(gas, index=s.index), s)
    first = once.set_index("_i")
    ids, src = first["factor_id"].astype(str), first["source"].astype(str)
    if not single:  # several factor rows (one per gas): name them all
        many = j.loc[j["_i"].duplicated(keep=False)]
        joined = many.groupby("_i").agg(ids=("factor_id", lambda x: "+".join(sorted(map(str, x)))),
                                        src=("source", lambda x: "; ".join(sorted(set(map(str, x))))))
        ids.loc[joined.index] = joined["ids"].to_numpy()
        src.loc[joined.index] = joined["src"].to_numpy()
    df.loc[idx_all, "factor_id"] = ids.loc[idx_all].to_numpy()
    df.loc[idx_all, "factor_source"] = src.loc[idx_all].to_numpy()
    df.loc[idx_all, "factor_value"] = first.loc[idx_all, "value"].to_numpy()
    df.loc[idx_all, "factor_unit"] = first.loc[idx_all, "value_unit"].to_numpy()
    df.loc[idx_all, "factor_dataset"] = "inventory:factors"
    df.loc[idx_all, "precedence"] = "user_factor"
    df.loc[idx_all, "rule"] = "quantity × user factor"
    df.loc[idx_all, "status"] = "computed"


def _combustion(df: pd.DataFrame, acts: pd.DataFrame, ctx: Context) -> None:
    m = (df["status"] == "pending") & df["source"].isin(["stationary_combustion", "mobile_combustion"])
    if not m.any():
        return
    idx = df.index[m]
    fac_basis = df.loc[idx, "facility_id"].map(ctx.facilities.set_index("facility_id")["basis"])
    basis = fac_basis.where(fac_basis.isin(list(ctx.fuels)), ctx.default_basis)
    akey = keys.keys(df.loc[idx, "activity"])
    fuel = pd.Series(None, index=idx, dtype="object")
    used = pd.Series(None, index=idx, dtype="object")
    for b in basis.unique():
        bm = basis == b
        fuel[bm] = akey[bm].map(ctx.fuel_alias[b])
        used[bm] = b
    # a fuel the facility's basis does not list falls back to the national default
    miss = fuel.isna()
    if miss.any():
        fuel[miss] = akey[miss].map(ctx.fuel_alias[ctx.default_basis])
        used[miss & fuel.notna()] = ctx.default_basis
    level = np.where(used == ctx.default_basis, np.where(fac_basis == ctx.default_basis, "basis", "default"), "basis")
    params = pd.DataFrame(index=idx, columns=["ncv", "ncv_unit", "cc", "of", "dataset"], dtype="object")
    for b in used.dropna().unique():
        bm = (used == b) & fuel.notna()
        t = ctx.fuels[b]
        f = fuel[bm]
        params.loc[bm, "ncv"] = f.map(t["ncv"]).to_numpy()
        params.loc[bm, "ncv_unit"] = f.map(t["ncv_unit"]).to_numpy()
        params.loc[bm, "cc"] = f.map(t["cc_tc_per_gj"]).to_numpy()
        params.loc[bm, "of"] = f.map(t["oxidation_rate"]).to_numpy()
        params.loc[bm, "dataset"] = t["dataset"].iloc[0]
    a = acts.loc[idx]
    measured = a["ncv"].notna() | a["carbon_content"].notna() | a["oxidation_rate"].notna()
    ncv = a["ncv"].where(a["ncv"].notna(), params["ncv"]).astype("float64")
    ncv_unit = a["ncv_unit"].where(a["ncv"].notna(), params["ncv_unit"])
    cc = a["carbon_content"].where(a["carbon_content"].notna(), params["cc"]).astype("float64")
    of = a["oxidation_rate"].where(a["oxidation_rate"].notna(), params["of"]).astype("float64")
    unit = df.loc[idx, "unit"].astype(str)
    is_energy = _per_distinct(unit, _dimension) == "energy"
    gj = pd.Series(np.nan, index=idx)
    if is_energy.any():
        gj[is_energy] = units.convert(df.loc[idx[is_energy.to_numpy()], "quantity"], unit[is_energy], "GJ")
    by_ncv = ~is_energy & ncv.notna() & ncv_unit.notna()
    if by_ncv.any():
        sel = idx[by_ncv.to_numpy()]
        codes, uniques = units.distinct_pairs(ncv_unit[by_ncv].astype(str), unit[by_ncv])
        mult = np.array([_energy_mult(nu, u) for nu, u in uniques], dtype="float64")
        gj[by_ncv] = df.loc[sel, "quantity"].to_numpy() * ncv[by_ncv].to_numpy() * mult[codes]
    ok = gj.notna() & cc.notna() & of.notna()
    co2 = gj * cc * of * C_TO_CO2
    oki = idx[ok.to_numpy()]
    df.loc[oki, "energy_gj"] = gj[ok].to_numpy()
    df.loc[oki, "ncv"] = ncv[ok].to_numpy()
    df.loc[oki, "ncv_unit"] = ncv_unit[ok].to_numpy()
    df.loc[oki, "carbon_content"] = cc[ok].to_numpy()
    df.loc[oki, "oxidation_rate"] = of[ok].to_numpy()
    df.loc[oki, "t_CO2"] = co2[ok].to_numpy()
    df.loc[oki, "factor_dataset"] = params.loc[ok, "dataset"].where(~measured[ok], "measured+" + params.loc[ok, "dataset"].fillna("")).to_numpy()
    df.loc[oki, "factor_id"] = fuel[ok].to_numpy()
    df.loc[oki, "precedence"] = np.where(measured[ok], "measured", level[ok.to_numpy()])
    df.loc[oki, "rule"] = "AD × NCV × CC × OF × 44/12"
    df.loc[oki, "status"] = "computed"
    # CH4 and N2O from combustion, IPCC defaults per unit of energy, when the basis includes them
    if ctx.non_co2 is not None and ok.any():
        use = np.where(df.loc[oki, "source"] == "mobile_combustion", "mobile", "stationary")
        look = pd.DataFrame({"_i": oki, "use": use, "fuel": fuel[ok].to_numpy(), "gj": gj[ok].to_numpy()})
        j = look.merge(ctx.non_co2[["use", "fuel", "gas", "kg_per_gj"]], on=["use", "fuel"], how="inner")
        for gas, g in j.groupby("gas"):
            col = "t_CH4" if gas.upper().startswith("CH4") else "t_N2O"
            df.loc[g["_i"].to_numpy(), col] = (g["gj"] * g["kg_per_gj"] / 1000.0).to_numpy()
        if not j.empty:
            ji = pd.Index(j["_i"].unique())
            df.loc[ji, "rule"] = "AD × NCV × CC × OF × 44/12; CH4, N2O = energy × IPCC default"
            ds = ctx.non_co2["dataset"].iloc[0]
            df.loc[ji, "factor_dataset"] = df.loc[ji, "factor_dataset"].astype(str) + " + " + ds


@cache
def _energy_mult(ncv_unit: str, unit: str) -> float:
    info = units.lookup(f"({units.normalise(ncv_unit)})*({units.normalise(unit)})")
    if info is None or info.dimension != "energy":
        return float("nan")
    return units.factor(info.text, "GJ")


def _process(df: pd.DataFrame, ctx: Context) -> None:
    m = (df["status"] == "pending") & (df["source"] == "process")
    if not m.any() or ctx.process.empty:
        return
    idx = df.index[m]
    act = keys.keys(df.loc[idx, "activity"]).map(ctx.process_alias)
    found = act.notna()
    if not found.any():
        return
    fi = idx[found.to_numpy()]
    p = ctx.process.loc[act[found]]
    bad = _apply_factor(df, fi, p["value"].reset_index(drop=True), p["unit"].reset_index(drop=True),
                        p["gas"].reset_index(drop=True))
    df.loc[fi, "factor_dataset"] = p["dataset"].to_numpy()
    df.loc[fi, "factor_id"] = act[found].to_numpy()
    df.loc[fi, "precedence"] = "default"
    df.loc[fi, "rule"] = "quantity × process factor"
    df.loc[fi, "status"] = np.where(bad, "mismatch", "computed")


def _fugitive(df: pd.DataFrame, acts: pd.DataFrame, ctx: Context) -> None:
    m = (df["status"] == "pending") & (df["source"] == "fugitive")
    if not m.any():
        return
    idx = df.index[m]
    gas = acts.loc[idx, "gas"].where(acts.loc[idx, "gas"].notna(), acts.loc[idx, "activity"])
    known = _per_distinct(gas, gas_key).isin(ctx.gwp.index)
    ki = idx[known.to_numpy()]
    tonnes = units.convert(df.loc[ki, "quantity"], df.loc[ki, "unit"], "t")
    _bucket_mass(df, ki, gas[known], tonnes)
    df.loc[ki, "converted_quantity"] = tonnes.to_numpy()
    df.loc[ki, "converted_unit"] = "t"
    df.loc[ki, "rule"] = "mass of gas released × GWP"
    df.loc[ki, "precedence"] = "row"
    df.loc[ki, "status"] = "computed"
    ui = idx[~known.to_numpy()]
    df.loc[ui, "status"] = "excluded"
    df.loc[ui, "reason"] = "gas-unknown"
    df.loc[ui, "gas_other"] = gas[~known].to_numpy()


def _electricity(df: pd.DataFrame, ctx: Context) -> None:
    m = df["source"] == "purchased_electricity"
    if not m.any():
        return
    idx = df.index[m]
    mwh = units.convert(df.loc[idx, "quantity"], df.loc[idx, "unit"], "MWh")
    df.loc[idx, "converted_quantity"] = mwh.to_numpy()
    df.loc[idx, "converted_unit"] = "MWh"
    pending = (df.loc[idx, "status"] == "pending").to_numpy()
    pi = idx[pending]
    g = ctx.grid
    level = ctx.settings.grid_factor_level
    value = pd.Series(np.nan, index=pi)
    used = pd.Series(None, index=pi, dtype="object")
    ds = pd.Series(None, index=pi, dtype="object")
    order = {"province": ["province", "region", "national"], "region": ["region", "national"],
             "national": ["national"]}[level]
    for lvl in order:
        need = value.isna()
        if not need.any():
            break
        rows = g.loc[(g["level"] == lvl) & (g["variant"] == "average")].set_index("region")
        if lvl == "province":
            place = df.loc[pi, "province"]
        elif lvl == "region":
            place = df.loc[pi, "grid_region"]
        else:
            place = pd.Series("全国", index=pi)
        v = place.map(rows["value_t_per_mwh"])
        hit = need & v.notna()
        value[hit] = v[hit]
        used[hit] = lvl
        ds[hit] = place[hit].map(rows["dataset"])
    df.loc[pi, "factor_value"] = value.to_numpy()
    df.loc[pi, "factor_unit"] = "tCO2/MWh"
    df.loc[pi, "factor_dataset"] = ds.to_numpy()
    df.loc[pi, "factor_id"] = (used.fillna("") + ":" + df.loc[pi, "province"].fillna("")).to_numpy()
    df.loc[pi, "grid_level"] = used.to_numpy()
    df.loc[pi, "grid_fallback"] = (used != level).to_numpy()
    df.loc[pi, "precedence"] = np.where(used == "national", "default", "basis")
    df.loc[pi, "t_CO2"] = (mwh[pending] * value).to_numpy()
    df.loc[pi, "rule"] = f"MWh × grid average factor ({ctx.grid_year}, location-based)"
    ok = value.notna().to_numpy()
    df.loc[pi[ok], "status"] = "computed"
    # market-based: each facility's factor from its contractual instruments (see market.py)
    mb = df.loc[idx, "facility_id"].map(ctx.mb_factor) if ctx.mb_factor is not None else pd.Series(np.nan, index=idx)
    mb = mb.fillna(ctx.residual_factor if ctx.residual_factor is not None else np.nan)
    df.loc[idx, "mb_factor"] = mb.to_numpy()
    df.loc[idx, "co2e_market"] = (mwh * mb).to_numpy()


def _heat(df: pd.DataFrame, ctx: Context) -> None:
    m = (df["status"] == "pending") & df["source"].isin(["purchased_heat", "purchased_steam"])
    if not m.any() or ctx.heat.empty:
        return
    idx = df.index[m]
    kind = df.loc[idx, "source"].map({"purchased_heat": "heat", "purchased_steam": "steam"})
    ok = kind.isin(ctx.heat.index)
    oi = idx[ok.to_numpy()]
    h = ctx.heat.loc[kind[ok]]
    gj = units.convert(df.loc[oi, "quantity"], df.loc[oi, "unit"], "GJ")
    df.loc[oi, "converted_quantity"] = gj.to_numpy()
    df.loc[oi, "converted_unit"] = "GJ"
    bad = _apply_factor(df, oi, h["value"].reset_index(drop=True), h["unit"].reset_index(drop=True),
                        pd.Series("CO2", index=range(len(oi))))
    df.loc[oi, "factor_dataset"] = h["dataset"].to_numpy()
    df.loc[oi, "factor_id"] = kind[ok].to_numpy()
    df.loc[oi, "precedence"] = "default"
    df.loc[oi, "rule"] = "GJ × heat factor"
    df.loc[oi, "status"] = np.where(bad, "mismatch", "computed")


def _co2e(df: pd.DataFrame, ctx: Context) -> None:
    gwp = ctx.gwp
    # CH4 from combustion and other non-fossil sources uses the non-fossil value; a gas named
    # CH4_fossil in the input (fugitive fossil sources) arrives through gas_other.
    df["gwp_CH4"] = np.where(df["t_CH4"].notna(), gwp.get("CH4", np.nan), np.nan)
    df["gwp_N2O"] = np.where(df["t_N2O"].notna(), gwp.get("N2O", np.nan), np.nan)
    other_key = _per_distinct(df["gas_other"], gas_key)
    df["gwp_other"] = other_key.map(gwp).astype("float64")
    group = other_key.map(ctx.gwp_group)
    gross = {
        "CO2": df["t_CO2"].fillna(0.0),
        "CH4": (df["t_CH4"] * df["gwp_CH4"]).fillna(0.0),
        "N2O": (df["t_N2O"] * df["gwp_N2O"]).fillna(0.0),
        "unspecified": df["co2e_unspecified"].fillna(0.0),
    }
    other = (df["t_other"] * df["gwp_other"]).fillna(0.0)
    for g in ("HFCs", "PFCs", "SF6", "NF3"):
        gross[g] = other.where(group == g, 0.0)
    # a named gas outside the seven (CH4_fossil counts as CH4) goes to its group or CH4
    gross["CH4"] = gross["CH4"] + other.where(group == "CH4", 0.0)
    gross["CO2"] = gross["CO2"] + other.where(group == "CO2", 0.0)
    gross["N2O"] = gross["N2O"] + other.where(group == "N2O", 0.0)
    # a blend mixing groups (e.g. HFCs with a PFC) is not split: it is counted, as unspecified
    named = group.isin(["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"])
    gross["unspecified"] = gross["unspecified"] + other.where(~named, 0.0)
    total = sum(gross[g] for g in GAS_BUCKETS)
    computed = df["status"] == "computed"
    share = df["share"].astype("float64")
    df["co2e_gross"] = total.where(computed, np.nan)
    for g in GAS_BUCKETS:
        df[f"co2e_{g}"] = (gross[g] * share).where(computed, 0.0)
    df["co2e"] = (total * share).where(computed, 0.0)
    df["biogenic_co2"] = (df["biogenic_co2"] * share).where(computed, np.nan)
    elec = df["source"] == "purchased_electricity"
    mb = df["co2e_market"].astype("float64")
    df["co2e_market"] = np.where(df["scope"].eq(2).fillna(False) & computed,
                                 np.where(elec, mb * share, df["co2e"]), 0.0)


def calculate(acts: pd.DataFrame, ctx: Context, file: str = "activities", sheet: str | None = None
              ) -> tuple[pd.DataFrame, list[Issue]]:
    """Trace lines for a chunk of accepted activity rows (indexed arbitrarily)."""
    issues: list[Issue] = []
    acts = acts.reset_index(drop=True)
    df = _init(acts, ctx, file, sheet)
    _spend(df, acts, ctx, issues)
    _row_factors(df, acts)
    _user_factors(df, acts, ctx)
    _combustion(df, acts, ctx)
    _process(df, ctx)
    _fugitive(df, acts, ctx)
    _electricity(df, ctx)
    _heat(df, ctx)
    # CO2 from biomass is reported outside the scopes; its CH4 and N2O stay in Scope 1
    bio = acts["biogenic"].fillna(False).astype(bool).to_numpy() & df["t_CO2"].notna().to_numpy()
    if bio.any():
        df.loc[bio, "biogenic_co2"] = df.loc[bio, "t_CO2"]
        df.loc[bio, "t_CO2"] = np.nan
    # rows still pending found no factor; mismatched units were found but did not fit
    pend = df["status"] == "pending"
    df.loc[pend, "reason"] = "no-factor"
    mis = df["status"] == "mismatch"
    df.loc[mis, "reason"] = "factor-unit-mismatch"
    df.loc[pend | mis, "status"] = "excluded"
    _co2e(df, ctx)
    inb = (df["status"] == "computed") & (df["share"] <= 0)
    df.loc[inb, "status"] = "outside_boundary"
    df.loc[inb, "reason"] = "outside-boundary"
    df.loc[df["status"] == "computed", "status"] = "included"
    for r in df.loc[df["status"] == "excluded"].itertuples(index=False):
        loc = Location(r.file, r.sheet, int(r.row), "activity")
        if r.reason == "no-factor":
            issues.append(issue("no-factor", loc, table="activities", activity=r.activity, unit=r.unit,
                                source=r.source))
        elif r.reason == "gas-unknown":
            issues.append(issue("gas-unknown", Location(r.file, r.sheet, int(r.row), "gas"), table="activities",
                                value=r.gas_other))
        elif r.reason == "factor-unit-mismatch":
            issues.append(issue("factor-unit-mismatch", Location(r.file, r.sheet, int(r.row), "unit"),
                                table="activities", factor_unit=r.factor_unit, unit=r.unit))
    return df[TRACE_COLUMNS], issues
