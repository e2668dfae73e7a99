"""The carbon market, computed from the ledger (table ``carbon_ledger``; issue 16).

Three results, all in ``results.json`` under ``carbon_market``:

- **the money side** under 财会〔2019〕22号 (财政部《碳排放权交易有关会计处理暂行规定》, in force
  2020-01-01): only purchased allowances (and purchased CCERs, 六(一)) are recognised, at cost
  including fees, as 碳排放权资产 (presented in 其他流动资产); free allocations and CCERs issued to the
  entity itself are not booked (their cost is nil). On surrender, the carrying amount of the units
  used goes to 营业外支出; on a sale, the proceeds net of fees less the carrying amount of the units
  sold go to 营业外收入 (a gain) or 营业外支出 (a loss). The regulation fixes no cost formula: the
  units of one entity and kind are one pool, consumed first-in first-out or at the moving weighted
  average (``carbon_market.cost_formula``), free units at nil cost. The figures are those of the
  ledger year that is the reporting year.
- **the compliance side**: the movements of the year in tonnes, and per entity and compliance year
  the obligation (verified emissions) against the allowances and CCERs surrendered.
- **the ETS against the disclosure** per facility: the verified emissions of the reporting year
  against the facility's disclosed Scope 1, the gap split into the non-CO2 gases, the sources the ETS
  does not count (mobile combustion, fugitive emissions) and what remains (the ETS boundary, its
  factors and the ownership share), which add up to the gap by construction; and the share of gross
  Scope 1 the ETS covers (SASB EM-CM-110a.1: verified emissions of the year over Scope 1).

A ledger is a few dozen rows a year; the pool is consumed in the order of its rows (each take
depends on the lots left by the previous one), the only per-row step of the calculation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..ingest.inventory import ROW, Inventory
from ..validate import carbon_market as ledger

MOVEMENTS = ("opening", "allocated", "issued", "bought", "sold", "surrendered", "closing")
UNITS = ("allowance", "ccer")
OUTSIDE_ETS = ("mobile_combustion", "fugitive")     # Scope 1 sources the cement/power ETS does not count


def _r(x: float) -> float:
    """A money or tonne figure as stored: rounded to 1e-6 (sums of floats), -0.0 as 0.0."""
    return float(round(float(x), 6)) + 0.0


def _money(rows: pd.DataFrame, formula: str) -> dict[str, float]:
    """The money side of one pool (one entity, one kind of unit, one ledger year), its rows in the
    order they happened (``ledger.in_order``)."""
    lots: list[list[float]] = []            # [quantity, unit cost]; FIFO: oldest first
    qty = cost = 0.0                        # weighted average: the pool
    out = dict.fromkeys(("opening_carrying", "bought_cost", "surrender_cost", "sale_proceeds", "sale_cost",
                         "sale_gains", "sale_losses"), 0.0)
    for mv, q, amount in zip(rows["movement"], rows["quantity"].fillna(0.0), rows["amount"], strict=True):
        if mv == "closing":
            continue
        paid = 0.0 if pd.isna(amount) or mv in ("allocated", "issued") else float(amount)
        if mv in ("opening", "allocated", "issued", "bought"):
            if mv == "opening":
                out["opening_carrying"] += paid
            if mv == "bought":
                out["bought_cost"] += paid
            lots.append([q, paid / q if q else 0.0])
            qty, cost = qty + q, cost + paid
            continue
        # a take: the cost of the units it uses
        if formula == "weighted_average":
            used = cost * min(q, qty) / qty if qty > 0 else 0.0
            qty, cost = max(qty - q, 0.0), max(cost - used, 0.0)
        else:
            used, need = 0.0, q
            while need > ledger.TOLERANCE and lots:
                take = min(need, lots[0][0])
                used += take * lots[0][1]
                lots[0][0] -= take
                need -= take
                if lots[0][0] <= ledger.TOLERANCE:
                    lots.pop(0)
            qty, cost = max(qty - q, 0.0), max(cost - used, 0.0)
        if mv == "surrendered":
            out["surrender_cost"] += used
        else:
            proceeds = 0.0 if pd.isna(amount) else float(amount)
            out["sale_proceeds"] += proceeds
            out["sale_cost"] += used
            gain = proceeds - used
            out["sale_gains" if gain >= 0 else "sale_losses"] += abs(gain)
    out["carrying_amount"] = cost if formula == "weighted_average" else sum(q * c for q, c in lots)
    return {k: _r(v) for k, v in out.items()}


def accounting(f: pd.DataFrame, year: int, formula: str) -> dict[str, Any]:
    """The money side of the ledger year ``year``: per kind of unit and in total (CNY)."""
    rows = ledger.in_order(f.loc[f["year"] == year])
    by_unit: dict[str, dict[str, float]] = {}
    for unit in UNITS:
        sums: dict[str, float] = {}
        for _, pool in rows.loc[rows["unit_type"] == unit].groupby("entity_id", sort=True):
            for k, v in _money(pool, formula).items():
                sums[k] = sums.get(k, 0.0) + v
        by_unit[unit] = {k: _r(v) for k, v in sums.items()} if sums else _money(rows.iloc[:0], formula)
    total = {k: _r(sum(u[k] for u in by_unit.values())) for k in by_unit["allowance"]}
    total["non_operating_income"] = total["sale_gains"]
    total["non_operating_expenses"] = _r(total["surrender_cost"] + total["sale_losses"])
    return {**total, "by_unit": by_unit}


def movements(f: pd.DataFrame, year: int) -> dict[str, dict[str, float]]:
    """The tonnes of each movement in the ledger year, per kind of unit (all entities); the closing
    balance as the movements give it (the closing rows are checked against it by ``check``)."""
    b = ledger.balances(f.loc[f["year"] == year])
    out = {}
    for unit in UNITS:
        u = b.loc[b["unit_type"] == unit]
        row = {m: _r(u[m].sum()) for m in MOVEMENTS if m != "closing"}
        row["closing"] = _r(u["expected"].sum())
        out[unit] = row
    return out


def reconciliation(f: pd.DataFrame, year: int, parts: pd.DataFrame | None,
                   by_facility: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per ETS facility, the verified emissions of ``year`` against the disclosed Scope 1: the
    gap (disclosed − verified) as the sum of its named parts."""
    v = f.loc[(f["movement"] == "verified") & (f["compliance_year"] == year) & f["facility_id"].notna()]
    verified = v.groupby("facility_id", sort=True)["quantity"].sum()
    s1 = {x["facility_id"]: x for x in by_facility}
    inc = pd.DataFrame() if parts is None or parts.empty else \
        parts.loc[(parts["status"] == "included") & (parts["scope"] == 1)]
    out = []
    for fid, ver in verified.items():
        mine = inc.loc[inc["facility_id"] == fid] if len(inc) else inc
        disclosed = _r(s1.get(fid, {}).get("scope1", 0.0))
        total = float(mine["co2e"].sum()) if len(mine) else 0.0
        co2 = float(mine["co2e_CO2"].sum()) if len(mine) else 0.0
        out_src = mine.loc[mine["source"].isin(OUTSIDE_ETS)] if len(mine) else mine
        outside_co2 = float(out_src["co2e_CO2"].sum()) if len(out_src) else 0.0
        non_co2 = total - co2
        remainder = disclosed - float(ver) - non_co2 - outside_co2
        out.append({"facility_id": str(fid), "name": s1.get(fid, {}).get("name"),
                    "entity_id": s1.get(fid, {}).get("entity_id"), "verified": _r(ver), "scope1": disclosed,
                    "difference": _r(disclosed - float(ver)),
                    "non_co2_gases": _r(non_co2), "sources_outside_ets": _r(outside_co2),
                    "boundary_and_factors": _r(remainder)})
    return out


FORMULA_WORDS = {"fifo": ("先进先出法", "first-in first-out"),
                 "weighted_average": ("移动加权平均法", "the moving weighted average")}


def policy(formula: str) -> dict[str, str]:
    """The accounting-policy sentence of the money side (zh, en), naming the cost formula used."""
    zh, en = FORMULA_WORDS[formula]
    return {
        "zh": "本集团按照财政部《碳排放权交易有关会计处理暂行规定》（财会〔2019〕22号）进行会计处理：无偿取得的碳排放配额"
              "和自有项目签发的国家核证自愿减排量不作账务处理；购入的碳排放配额和国家核证自愿减排量于购买日按成本"
              "（含交易手续费等相关税费）确认为碳排放权资产，在资产负债表“其他流动资产”项目列示；履约清缴时按所使用配额的"
              f"账面余额计入营业外支出；出售时按价款扣除手续费后的净额与账面余额的差额计入营业外收入或营业外支出。发出成本按{zh}计量。",
        "en": "The group accounts for carbon-emission trading under the Ministry of Finance's interim provisions "
              "(Cai Kuai [2019] No. 22): allowances allocated free of charge and CCERs issued to its own projects are "
              "not recognised; allowances and CCERs purchased are recognised as carbon-emission assets at cost "
              "(including fees) on the purchase date and presented in other current assets; on surrender, the "
              "carrying amount of the units used is charged to non-operating expenses; on a sale, the proceeds net "
              f"of fees less the carrying amount go to non-operating income or expenses. Cost is assigned by {en}.",
    }


def _covered(inv: Inventory, has_ledger: bool) -> bool:
    s = inv.settings.carbon_market.covered
    return has_ledger if s is None else bool(s)


def compute(inv: Inventory, parts: pd.DataFrame | None, totals: dict[str, float],
            by_facility: list[dict[str, Any]]) -> dict[str, Any]:
    """``results.json``'s ``carbon_market``: ``scope1_covered_share`` always (None without verified
    emissions of the reporting year), the rest when the entity is covered and keeps a ledger."""
    settings = inv.settings.carbon_market
    t = inv.tables.get(ledger.TABLE)
    f = None
    if t is not None and not t.frame.empty:
        f = ledger.frame(t)
        if t.rejected is not None and t.rejected.any():
            f = f.loc[~np.asarray(t.rejected, dtype=bool)]
    covered = _covered(inv, f is not None and not f.empty)
    out: dict[str, Any] = {"scope1_covered_share": None, "covered": covered,
                           "not_covered_reason": settings.not_covered_reason if not covered else None}
    end = inv.settings.period.end
    if not covered or f is None or f.empty or end is None or not ledger.finite(f):
        return out
    year = end.year
    rec = reconciliation(f, year, parts, by_facility)
    verified = sum(r["verified"] for r in rec)
    scope1 = totals.get("scope1") or 0.0
    out["scope1_covered_share"] = _r(min(verified / scope1, 1.0)) if rec and scope1 > 0 else None
    obl = ledger.obligations(f)
    out.update({
        "year": year, "cost_formula": settings.cost_formula, "policy": policy(settings.cost_formula), "ccer_cap": settings.ccer_cap,
        "verified_emissions": _r(verified),
        "movements": movements(f, year),
        "accounting": accounting(f, year, settings.cost_formula),
        "obligations": [{"entity_id": str(r.entity_id), "compliance_year": int(r.compliance_year),
                         "verified": _r(r.verified), "allowances": _r(r.allowances), "ccers": _r(r.ccers),
                         "difference": _r(r.difference)} for r in obl.itertuples(index=False)],
        "reconciliation": rec,
        "ledger_rows": len(f), "ledger_first_row": int(f[ROW].min()),
    })
    return out
