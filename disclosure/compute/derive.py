"""Lines derived from other lines: Scope 3 category 3 from electricity use, and (optionally) the
non-controlled investees' share in category 15. Each derived line names the line it comes from."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .context import Context
from .lines import GAS_BUCKETS, TRACE_COLUMNS


def category3_electricity(lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Upstream emissions and T&D losses of purchased electricity (category 3, activities b and c):
    MWh × (life-cycle footprint factor − combustion grid factor) of the same year."""
    m = (lines["source"] == "purchased_electricity") & (lines["status"] == "included")
    if ctx.upstream_electricity is None or not m.any():
        return pd.DataFrame(columns=TRACE_COLUMNS)
    d = lines.loc[m].copy()
    d["derived_from"] = d["line_id"]
    d["line_id"] = d["line_id"] + "#c3"
    d["source"] = "scope3"
    d["scope"] = 3
    d["scope3_category"] = 3
    d["method"] = "average_data"
    d["rule"] = "MWh × (electricity footprint − grid average): " + ctx.upstream_note
    d["precedence"] = "default"
    d["factor_value"] = ctx.upstream_electricity
    d["factor_unit"] = "tCO2e/MWh"
    d["factor_dataset"] = ctx.upstream_note.split(" ")[0]
    d["factor_id"] = "electricity-upstream"
    d["grid_level"] = None
    d["grid_fallback"] = None
    d["mb_factor"] = np.nan
    for c in ("t_CO2", "t_CH4", "t_N2O", "t_other", "gwp_CH4", "gwp_N2O", "gwp_other", "biogenic_co2"):
        d[c] = np.nan
    d["gas_other"] = None
    gross = d["converted_quantity"] * ctx.upstream_electricity
    d["co2e_gross"] = gross
    for g in GAS_BUCKETS:
        d[f"co2e_{g}"] = 0.0
    d["co2e_unspecified"] = gross * d["share"]
    d["co2e"] = gross * d["share"]
    d["co2e_market"] = 0.0
    return d[TRACE_COLUMNS]


def category15_investees(lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Under a control approach, the Scope 1 and 2 of investees outside the boundary, at the
    group's equity share, reported in category 15 (when ``options.category15_investees`` is on)."""
    if ctx.settings.consolidation == "equity_share" or not ctx.settings.options.get("category15_investees"):
        return pd.DataFrame(columns=TRACE_COLUMNS)
    m = (lines["status"] == "outside_boundary") & lines["scope"].isin([1, 2])
    if not m.any():
        return pd.DataFrame(columns=TRACE_COLUMNS)
    own = ctx.facilities.set_index("facility_id")["ownership"]
    d = lines.loc[m].copy()
    share = d["facility_id"].map(own).fillna(0.0).astype("float64")
    d["derived_from"] = d["line_id"]
    d["line_id"] = d["line_id"] + "#c15"
    d["source"] = "scope3"
    d["scope"] = 3
    d["scope3_category"] = 15
    d["method"] = "average_data"
    d["rule"] = "investee's Scope 1/2 × equity share (category 15)"
    d["share"] = share
    d["status"] = np.where(share > 0, "included", "outside_boundary")
    d["reason"] = None
    for g in GAS_BUCKETS:
        d[f"co2e_{g}"] = 0.0
    d["co2e_unspecified"] = d["co2e_gross"] * share
    d["co2e"] = d["co2e_gross"] * share
    d["co2e_market"] = 0.0
    d["biogenic_co2"] = np.nan
    return d[TRACE_COLUMNS]
