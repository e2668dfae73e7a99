"""Results as sums of trace lines. Nothing here computes an emission: every figure is a sum over
the ``co2e`` (or ``co2e_market``, ``co2e_<gas>``, ``biogenic_co2``) column of selected lines."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .context import Context
from .lines import GAS_BUCKETS

SCOPE3_NAMES = {
    1: ("外购商品和服务", "Purchased goods and services"),
    2: ("资本货物", "Capital goods"),
    3: ("燃料和能源相关活动", "Fuel- and energy-related activities"),
    4: ("上游运输和配送", "Upstream transportation and distribution"),
    5: ("运营中产生的废弃物", "Waste generated in operations"),
    6: ("商务差旅", "Business travel"),
    7: ("员工通勤", "Employee commuting"),
    8: ("上游租赁资产", "Upstream leased assets"),
    9: ("下游运输和配送", "Downstream transportation and distribution"),
    10: ("售出产品的加工", "Processing of sold products"),
    11: ("售出产品的使用", "Use of sold products"),
    12: ("售出产品的报废处理", "End-of-life treatment of sold products"),
    13: ("下游租赁资产", "Downstream leased assets"),
    14: ("特许经营", "Franchises"),
    15: ("投资", "Investments"),
}


def _s(x: Any) -> float:
    return float(x) if pd.notna(x) else 0.0


def summarise(trace: pd.DataFrame, ctx: Context) -> dict[str, Any]:
    inc = trace.loc[trace["status"] == "included"]
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
    # eq(True): the column is object-typed when rejected rows (consolidated None) are in the trace
    cons = s12["consolidated"].eq(True)
    basis = {"consolidated_group": split(s12.loc[cons]), "other_investees": split(s12.loc[~cons])}

    by_gas = {name: {g: _s(f[f"co2e_{g}"].sum()) for g in GAS_BUCKETS}
              for name, f in (("scope1", s1), ("scope2_location", s2), ("scope3", s3))}

    cats = []
    excl = ctx.settings.options.get("scope3_exclusions") or {}
    for c in range(1, 16):
        f = s3.loc[s3["scope3_category"] == c]
        all_rows = trace.loc[(trace["scope"] == 3) & (trace["scope3_category"] == c)]
        included = len(f) > 0
        reason = None
        if not included:
            reason = str(excl.get(c, excl.get(str(c), ""))) or (
                "未提供活动数据 / no activity data supplied" if all_rows.empty
                else "活动数据均未计入（见排除清单）/ all rows excluded (see exclusions)")
        cats.append({
            "category": c, "name_zh": SCOPE3_NAMES[c][0], "name_en": SCOPE3_NAMES[c][1],
            "co2e": _s(f["co2e"].sum()), "included": included, "reason": reason,
            "lines": len(f), "methods": sorted(set(f["method"].dropna().astype(str))),
        })
    s3_total = scope3 or float("nan")
    dq = {
        "primary_share": _s(s3.loc[s3["data_quality"] == "primary", "co2e"].sum()) / s3_total if scope3 else None,
        "verified_share": _s(s3.loc[s3["verified"].fillna(False).astype(bool), "co2e"].sum()) / s3_total if scope3 else None,
    }

    def group(col: str) -> list[dict[str, Any]]:
        out = []
        for key, f in inc.groupby(col, sort=True, dropna=False):
            out.append({col: None if pd.isna(key) else key, **split(f),
                        "scope3": _s(f.loc[f["scope"] == 3, "co2e"].sum())})
        return out

    by_source = {}
    for src, f in inc.groupby("source", sort=True):
        by_source[str(src)] = {"co2e": _s(f["co2e"].sum()), "co2e_market": _s(f["co2e_market"].sum()),
                               "lines": len(f)}

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
    by_facility.sort(key=lambda f: (-(f["scope1"] + f["scope2_location"]), str(f["facility_id"])))

    status = trace.groupby(["status", "reason"], dropna=False).size()
    lines = {"total": len(trace), "by_status": {str(k): int(v) for k, v in trace["status"].value_counts().sort_index().items()},
             "excluded_by_reason": {str(r): int(n) for (st, r), n in status.items() if st == "excluded"}}

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


def intensity(totals: dict[str, float], ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    out: dict[str, Any] = {}
    if s.revenue:
        million = s.revenue / 1e6
        out["per_revenue"] = {
            "unit": f"tCO2e/{s.currency} million", "revenue": s.revenue, "currency": s.currency,
            "scope1_2_location": totals["scope1_2_location"] / million,
            "scope1_2_market": totals["scope1_2_market"] / million,
            "scope1_2_3_location": totals["scope1_2_3_location"] / million,
        }
    if s.output_value:
        out["per_output"] = {
            "unit": f"tCO2e/{s.output_unit}", "output": s.output_value, "output_unit": s.output_unit,
            "label_zh": s.output_label_zh, "label_en": s.output_label_en,
            "scope1_2_location": totals["scope1_2_location"] / s.output_value,
            "scope1_2_market": totals["scope1_2_market"] / s.output_value,
        }
    return out
