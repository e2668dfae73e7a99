"""Results as sums of trace lines. Nothing here computes an emission: every figure is a sum over
the ``co2e`` (or ``co2e_market``, ``co2e_<gas>``, ``biogenic_co2``) column of selected lines."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..core import vocabulary as vocab
from ..core.issues import Issue, Location, issue
from .context import Context
from .trace import GAS_BUCKETS

# the categories' names as results.json records them (zh-CN, English), from the vocabulary
SCOPE3_NAMES = {int(t.key): (t.zh, t.label("en", capital=True)) for t in vocab.enumeration("scope3_category")}


def _s(x: Any) -> float:
    return float(x) if pd.notna(x) else 0.0


# Results are computed from additive partial sums of the trace: the lines grouped by every key a
# summary selects on, with their sums. Partials of chunks (or of Dask partitions) combine by adding
# them up, so the in-process, chunked and Dask engines share this one path from lines to results.
PARTIAL_KEYS = ["status", "reason", "scope", "scope3_category", "source", "entity_id", "facility_id",
                "province", "consolidated", "method", "data_quality", "verified", "factor_dataset",
                "energy_carrier", "energy_basis"]
# ``measured_<gas>``: the lines that computed an amount of that gas (a mass of CO2, CH4 or N2O from a
# factor for it, biogenic CO2, or CO2e in its bucket); a gas no line measured is left out of ``by_gas`` (the grid
# factors are CO2-only: Scope 2's methane is not measured, which is not the same as zero)
MEASURED = {g: f"measured_{g}" for g in GAS_BUCKETS}
PARTIAL_SUMS = ["co2e", "co2e_market", *[f"co2e_{g}" for g in GAS_BUCKETS], "biogenic_co2", *MEASURED.values(),
                "energy_tce", "energy_consumed_gj"]
_TEXT_KEYS = ["status", "reason", "source", "entity_id", "facility_id", "province", "method",
              "data_quality", "factor_dataset", "energy_carrier", "energy_basis"]


def _normalise(p: pd.DataFrame) -> pd.DataFrame:
    """One representation of each key whatever the trace's column types (object or text, None or
    NaN): text keys as Python objects with None, scope and category as nullable integers,
    ``consolidated`` and ``verified`` as plain booleans (missing = no)."""
    out = pd.DataFrame(index=p.index)
    for k in PARTIAL_KEYS:
        s = p[k]
        if k in _TEXT_KEYS:
            out[k] = pd.Series(np.where(s.isna(), None, s.astype(object)), index=p.index, dtype=object)
        elif k in ("scope", "scope3_category"):
            out[k] = pd.to_numeric(s, errors="coerce").astype("Int64")
        else:
            out[k] = s.eq(True).fillna(False).astype(bool)
    for c in [*PARTIAL_SUMS, "lines"]:
        out[c] = p[c].astype("int64" if c == "lines" else "float64")
    return out


def combine(parts: list[pd.DataFrame] | tuple[pd.DataFrame, ...]) -> pd.DataFrame:
    """Partials added up: the partials of the whole from those of its pieces."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return empty_partials()
    p = _normalise(pd.concat(parts, ignore_index=True))
    g = p.groupby(PARTIAL_KEYS, sort=True, dropna=False)[[*PARTIAL_SUMS, "lines"]].sum(min_count=0)
    return _normalise(g.reset_index())


def empty_partials() -> pd.DataFrame:
    return _normalise(pd.DataFrame({c: pd.Series([], dtype="float64" if c in PARTIAL_SUMS else object)
                                    for c in [*PARTIAL_KEYS, *PARTIAL_SUMS, "lines"]}))


def partials(trace: pd.DataFrame) -> pd.DataFrame:
    """The trace's lines grouped by ``PARTIAL_KEYS``: per group the sums of ``PARTIAL_SUMS`` (missing
    values count as 0) and the number of lines. Small: its size grows with facilities and
    categories, not with rows."""
    if trace.empty:
        return empty_partials()
    # the group of each line from the keys' integer codes (a categorical's own codes, else one
    # factorisation), missing values a group of their own; then pandas' sums per group, which add a
    # group's lines in row order as grouping by the keys themselves does
    group = np.zeros(len(trace), dtype=np.int64)
    bound = 1
    for k in PARTIAL_KEYS:
        s = trace[k]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes, size = s.cat.codes.to_numpy(), len(s.cat.categories)
        else:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            size = len(uniques)
        if bound * (size + 1) >= 2**62:  # renumber before the codes could overflow
            group, uniq = pd.factorize(group)
            bound = len(uniq)
        group = group * (size + 1) + (codes.astype(np.int64) + 1)
        bound *= size + 1
    group, _ = pd.factorize(group)  # 0 … groups-1 in order of each group's first line
    # group g's first line: groups are numbered in order of their first line
    first = np.flatnonzero(np.r_[True, group[1:] > np.maximum.accumulate(group)[:-1]])

    def column(c: str) -> pd.Series:
        g = next((g for g, m in MEASURED.items() if m == c), None)
        if g is None:
            return trace[c]
        mass = trace[f"t_{g}"].notna() if f"t_{g}" in trace.columns else False
        if g == "CO2":   # biomass: its CO2 was measured, and is zero in the scope (reported outside)
            mass = mass | trace["biogenic_co2"].fillna(0).ne(0)
        return (mass | trace[f"co2e_{g}"].fillna(0).ne(0)).astype("float64")

    parts = trace[PARTIAL_KEYS].take(first).reset_index(drop=True)
    # a few columns at a time: the sums are pandas' per column either way, and a frame of all of
    # them would be a copy of the trace's sums (300 MB at a million lines) at compute's peak
    for k in range(0, len(PARTIAL_SUMS), 4):
        batch = PARTIAL_SUMS[k:k + 4]
        sums = pd.DataFrame({c: column(c) for c in batch}).groupby(group, sort=True).sum(min_count=0)
        for c in batch:
            parts[c] = sums[c].to_numpy()
    parts["lines"] = np.bincount(group)
    return combine([parts])


# category 3 without its activity a: the one sentence the results, the Word report and the XBRL narrative show
CATEGORY3_PARTIAL = (
    "类别3为部分计量：已计入外购电力的上游排放与输配电损耗（活动 b、c），未计入外购燃料的上游（井到油箱）排放"
    "（活动 a），因未提供燃料上游排放因子数据集（upstream_fuel） / Category 3 is measured in part: it covers the "
    "upstream emissions of purchased electricity and its transmission and distribution losses (activities b and c), "
    "not the upstream (well-to-tank) emissions of purchased fuels (activity a), as no dataset of upstream fuel "
    "factors (upstream_fuel) was supplied")


def _category3_coverage(inc: pd.DataFrame, ctx: Context) -> str:
    """``partial`` when the inventory burns fuels (included combustion lines) and no well-to-tank
    dataset was supplied, so category 3 lacks activity a of its four (a-d, GHG Protocol Scope 3 Standard);
    else ``complete``."""
    burns = bool(inc["source"].isin(("stationary_combustion", "mobile_combustion")).any())
    wtt = ctx.upstream_fuels
    return "partial" if burns and (wtt is None or wtt.empty) else "complete"


def summarise_partials(parts: pd.DataFrame, ctx: Context) -> dict[str, Any]:
    """The results' sums, each a sum over the trace lines it selects (through their partials)."""
    p = parts
    inc = p.loc[p["status"] == "included"]
    s1 = inc.loc[inc["scope"] == 1]
    s2 = inc.loc[inc["scope"] == 2]
    s3 = inc.loc[inc["scope"] == 3]
    scope1, s2lb, s2mb, scope3 = _s(s1["co2e"].sum()), _s(s2["co2e"].sum()), _s(s2["co2e_market"].sum()), _s(s3["co2e"].sum())
    totals = {
        "scope1": scope1, "scope2_location": s2lb, "scope2_market": s2mb, "scope3": scope3,
        "scope1_2_location": scope1 + s2lb, "scope1_2_market": scope1 + s2mb,
        "scope1_2_3_location": scope1 + s2lb + scope3, "scope1_2_3_market": scope1 + s2mb + scope3,
        "biogenic_co2": _s(inc["biogenic_co2"].sum()),
    }

    def split(frame: pd.DataFrame) -> dict[str, float]:
        return {"scope1": _s(frame.loc[frame["scope"] == 1, "co2e"].sum()),
                "scope2_location": _s(frame.loc[frame["scope"] == 2, "co2e"].sum()),
                "scope2_market": _s(frame.loc[frame["scope"] == 2, "co2e_market"].sum())}

    s12 = inc.loc[inc["scope"].isin([1, 2])]
    cons = s12["consolidated"]
    basis = {"consolidated_group": split(s12.loc[cons]), "other_investees": split(s12.loc[~cons])}

    by_gas = {name: {g: _s(f[f"co2e_{g}"].sum()) for g in GAS_BUCKETS if _s(f[MEASURED[g]].sum()) > 0}
              for name, f in (("scope1", s1), ("scope2_location", s2), ("scope3", s3))}

    cats = []
    for c in range(1, 16):
        f = s3.loc[s3["scope3_category"] == c]
        n_all = int(p.loc[(p["scope"] == 3) & (p["scope3_category"] == c), "lines"].sum())
        n = int(f["lines"].sum())
        included = n > 0
        reason = None
        if not included:
            reason = stated_exclusion(ctx.settings, c) or (
                "未提供活动数据 / no activity data supplied" if n_all == 0
                else "活动数据均未计入（见排除清单） / all rows excluded (see exclusions)")
        coverage = _category3_coverage(inc, ctx) if c == 3 and included else None
        cats.append({
            "category": c, "name_zh": SCOPE3_NAMES[c][0], "name_en": SCOPE3_NAMES[c][1],
            "co2e": _s(f["co2e"].sum()), "included": included, "reason": reason,
            "lines": n, "methods": sorted(set(f["method"].dropna().astype(str))),
            "coverage": coverage, "coverage_note": CATEGORY3_PARTIAL if coverage == "partial" else None,
        })
    s3_total = scope3 or float("nan")
    dq = {
        "primary_share": _s(s3.loc[s3["data_quality"] == "primary", "co2e"].sum()) / s3_total if scope3 else None,
        "verified_share": _s(s3.loc[s3["verified"], "co2e"].sum()) / s3_total if scope3 else None,
    }

    scope = inc["scope"].fillna(0).to_numpy()
    by_scope = pd.DataFrame({
        "scope1": np.where(scope == 1, inc["co2e"], 0.0), "scope2_location": np.where(scope == 2, inc["co2e"], 0.0),
        "scope2_market": np.where(scope == 2, inc["co2e_market"], 0.0), "scope3": np.where(scope == 3, inc["co2e"], 0.0),
    }, index=inc.index)

    def group(col: str) -> list[dict[str, Any]]:
        sums = by_scope.groupby(inc[col], sort=True, dropna=False).sum()
        return [{col: None if pd.isna(key) else key, **{k: _s(v) for k, v in row.items()}}
                for key, row in zip(sums.index, sums.to_dict(orient="records"), strict=True)]

    by_source = {}
    for src, f in inc.groupby("source", sort=True):
        by_source[str(src)] = {"co2e": _s(f["co2e"].sum()), "co2e_market": _s(f["co2e_market"].sum()),
                               "lines": int(f["lines"].sum())}

    ents = ctx.facilities.drop_duplicates("entity_id").set_index("entity_id")
    by_entity = group("entity_id")
    for e in by_entity:
        row = ents.loc[e["entity_id"]] if e["entity_id"] in ents.index else None
        e["name"] = None if row is None else row["entity_name"]
        e["share"] = None if row is None else _s(row["share"])
        e["consolidated"] = None if row is None else bool(row["consolidated"])
    facs = ctx.facilities.set_index("facility_id")
    by_facility = group("facility_id")
    for f in by_facility:
        f["name"] = facs.loc[f["facility_id"], "name"] if f["facility_id"] in facs.index else None
        f["entity_id"] = facs.loc[f["facility_id"], "entity_id"] if f["facility_id"] in facs.index else None
        f["province"] = facs.loc[f["facility_id"], "province_name"] if f["facility_id"] in facs.index else None
        sector = facs.loc[f["facility_id"], "sector"] if f["facility_id"] in facs.index else None
        f["sector"] = None if sector is None or pd.isna(sector) else str(sector)
    by_facility.sort(key=lambda f: (-(f["scope1"] + f["scope2_location"]), str(f["facility_id"])))

    by_status = p.groupby("status", sort=True)["lines"].sum()
    excluded = p.loc[p["status"] == "excluded"].groupby("reason", sort=True, dropna=False)["lines"].sum()
    lines = {"total": int(p["lines"].sum()), "by_status": {str(k): int(v) for k, v in by_status.items()},
             "excluded_by_reason": {str(r): int(n) for r, n in excluded.items()}}

    return {
        "totals": totals,
        "by_basis": basis,
        "by_gas": by_gas,
        "by_source": by_source,
        "scope3_categories": cats,
        "scope3_data_quality": dq,
        "by_entity": by_entity,
        "by_facility": by_facility,
        "by_province": group("province"),
        "lines": lines,
    }


def stated_exclusion(settings: Any, category: int) -> str:
    """The reason the settings give for leaving a Scope 3 category out: ``options.scope3_exclusions``,
    and for category 15 also ``options.category15_investees_reason`` ("" when none is given)."""
    o = settings.options
    text = o.scope3_exclusions.get(category, "") or ""
    if not text.strip() and category == 15:
        text = o.category15_investees_reason or ""
    return text


def datasets_used(parts: pd.DataFrame) -> set[str]:
    """The ``factor_dataset`` texts of the lines (any status)."""
    return {str(v) for v in parts["factor_dataset"].dropna().unique()}


def intensity(totals: dict[str, float], ctx: Context) -> tuple[dict[str, Any], list[Issue]]:
    """The intensity metrics, and an issue for each one whose figures are no finite numbers (a
    denominator too small for its totals, e.g. a revenue of 1e-300): that metric is not reported."""
    s = ctx.settings
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    revenue, output = s.revenue.value, s.output

    def finite(name: str, metric: dict[str, Any], keys: tuple[str, ...], path: str, value: float) -> None:
        if all(math.isfinite(metric[k]) for k in keys):
            out[name] = metric
        else:
            issues.append(issue("intensity-overflow", Location("report.yaml", None, None, path),
                                metric=name, value=value))

    if revenue:
        million = revenue / 1e6
        finite("per_revenue", {
            "unit": f"tCO2e/{s.currency} million", "revenue": revenue, "currency": s.currency,
            "scope1_2_location": totals["scope1_2_location"] / million,
            "scope1_2_market": totals["scope1_2_market"] / million,
            "scope1_2_3_location": totals["scope1_2_3_location"] / million,
        }, ("scope1_2_location", "scope1_2_market", "scope1_2_3_location"), "revenue.value", revenue)
    if output.value:
        finite("per_output", {
            "unit": f"tCO2e/{output.unit}", "output": output.value, "output_unit": output.unit,
            "label_zh": output.label_zh, "label_en": output.label_en,
            "scope1_2_location": totals["scope1_2_location"] / output.value,
            "scope1_2_market": totals["scope1_2_market"] / output.value,
        }, ("scope1_2_location", "scope1_2_market"), "output.value", output.value)
    return out, issues
