"""Scope 2 market-based: contractual instruments allocated to each facility's electricity.

Quality criteria applied (GHG Protocol Scope 2 Guidance, ch. 7): an instrument counts only if it is
retired for the reporter, its period overlaps the reporting period, it names a facility of the
inventory that consumed electricity, and its serial was not already claimed (duplicate ids are
rejected at ingest). Instruments of a facility are applied in id order up to its consumption; the
rest of the consumption takes the residual factor (China has no residual mix: the MEE national
factor excluding market-traded non-fossil power stands in, and is disclosed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import units
from ..core.issues import Issue, Location, issue
from ..ingest.contract import CERTIFICATE_UNITS
from .context import Context

RENEWABLE = {"gec", "green_power", "ppa"}


def allocate(consumption: pd.Series, instruments: pd.DataFrame, ctx: Context, file: str = "instruments",
             sheet: str | None = None) -> tuple[pd.Series, pd.DataFrame, list[Issue]]:
    """``consumption``: MWh per facility_id. Returns the market-based factor per facility (tCO2/MWh),
    one row per instrument with what was used and why, and issues."""
    issues: list[Issue] = []
    residual = ctx.residual_factor if ctx.residual_factor is not None else np.nan
    ins = instruments.copy().reset_index(drop=True)
    cols = ["instrument_id", "type", "facility_id", "quantity", "unit", "mwh", "emission_factor",
            "mwh_used", "status", "reason", "row"]
    if ins.empty:
        return pd.Series(residual, index=consumption.index, dtype="float64"), pd.DataFrame(columns=cols), issues
    cert = ins["unit"].isin(CERTIFICATE_UNITS)
    ins["mwh"] = np.where(cert, ins["quantity"], 0.0)  # 1 GEC = 1 MWh
    if (~cert).any():
        ins.loc[~cert, "mwh"] = units.convert(ins.loc[~cert, "quantity"], ins.loc[~cert, "unit"], "MWh")
    ef = ins["emission_factor"].astype("float64")
    ins["emission_factor"] = np.where(ins["type"].isin(RENEWABLE) & ef.isna(), 0.0, ef)
    ins["row"] = ins["_row"].astype("int64")
    s = ctx.settings.period
    reason = pd.Series(None, index=ins.index, dtype="object")
    reason[~ins["retired"].fillna(False).astype(bool)] = "未注销 / not retired for the reporter"
    if s.start and s.end:
        rs, re = pd.Timestamp(s.start), pd.Timestamp(s.end)
        outside = (ins["period_end"] < rs) | (ins["period_start"] > re)
        reason[reason.isna() & outside.fillna(True)] = "不在报告期内 / outside the reporting period"
    reason[reason.isna() & ins["emission_factor"].isna()] = "缺少供应商特定排放因子 / supplier-specific emission factor missing"
    cons = ins["facility_id"].map(consumption).fillna(0.0)
    reason[reason.isna() & (cons <= 0)] = "设施在边界内无用电量 / the facility has no electricity consumption in the boundary"
    ins["reason"] = reason
    ok = reason.isna()
    for r in ins.loc[~ok].itertuples(index=False):
        issues.append(issue("instrument-excluded", Location(file, sheet, int(r.row), "instrument_id"),
                            table="instruments", reason=r.reason))
    ins = ins.sort_values(["facility_id", "instrument_id"], kind="stable")
    ins["mwh_used"] = 0.0
    okf = ins.loc[ins["reason"].isna()]
    if not okf.empty:
        cum = okf.groupby("facility_id")["mwh"].cumsum()
        cap = okf["facility_id"].map(consumption)
        before = cum - okf["mwh"]
        used = np.clip(cap - before, 0.0, okf["mwh"])
        ins.loc[okf.index, "mwh_used"] = used
        totals = okf.groupby("facility_id")["mwh"].sum()
        for fid, claimed in totals.items():
            consumed = float(consumption.get(fid, 0.0))
            if claimed > consumed + 1e-9:
                first = okf.loc[okf["facility_id"] == fid].iloc[-1]
                issues.append(issue("instrument-exceeds-consumption",
                                    Location(file, sheet, int(first["row"]), "quantity"), table="instruments",
                                    facility=fid, claimed=round(float(claimed), 3), consumed=round(consumed, 3),
                                    excess=round(float(claimed - consumed), 3)))
    ins["status"] = np.where(ins["reason"].notna(), "excluded",
                             np.where(ins["mwh_used"] < ins["mwh"] - 1e-9, "partly_used", "used"))
    ins.loc[(ins["status"] == "partly_used"), "reason"] = "超出用电量部分未计入 / capped at the facility's consumption"
    covered = (ins["mwh_used"] * ins["emission_factor"].fillna(0.0)).groupby(ins["facility_id"]).sum()
    used_mwh = ins.groupby("facility_id")["mwh_used"].sum()
    cons_all = consumption.astype("float64")
    rest = (cons_all - used_mwh.reindex(cons_all.index).fillna(0.0)).clip(lower=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (covered.reindex(cons_all.index).fillna(0.0) + rest * residual) / cons_all
    factor = factor.where(cons_all > 0, residual)
    out = ins.sort_values("row", kind="stable")[cols].reset_index(drop=True)
    return factor, out, issues
