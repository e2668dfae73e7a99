"""Lines derived from other lines: Scope 3 category 3 from electricity use, and (optionally) the
non-controlled investees' share in category 15. Each derived line names the line it comes from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .context import Context
from .lines import Lines, Text, View, repeated
from .trace import GAS_BUCKETS


def _derived(lines: Lines, m: np.ndarray, suffix: str) -> Lines:
    """A copy of the lines ``m``, each naming the line it comes from, with ``suffix`` on its id."""
    d = lines.take(np.flatnonzero(m))
    d["derived_from"] = d["line_id"]
    d["line_id"] = pc.binary_join_element_wise(d["line_id"], pa.scalar(suffix, pa.large_string()),
                                               pa.scalar("", pa.large_string()))
    d["source"] = Text.constant(d.n, "scope3")
    d["scope"] = repeated(d.n, 3.0)
    d["method"] = Text.constant(d.n, "average_data")
    return d


def category3_electricity(lines: Lines, ctx: Context) -> Lines | None:
    """Upstream emissions and T&D losses of purchased electricity (category 3, activities b and c):
    MWh × (life-cycle footprint factor − combustion grid factor) of the same year."""
    m = lines["source"].eq("purchased_electricity") & lines["status"].eq("included")
    if ctx.upstream_electricity is None or not m.any():
        return None
    d = _derived(lines, m, "#c3")
    n = d.n
    d["scope3_category"] = repeated(n, 3.0)
    d["rule"] = Text.constant(n, "MWh × (electricity footprint − grid average): " + ctx.upstream_note)
    d["precedence"] = Text.constant(n, "default")
    d["factor_value"] = repeated(n, ctx.upstream_electricity)
    d["factor_unit"] = Text.constant(n, "tCO2e/MWh")
    d["factor_dataset"] = Text.constant(n, ctx.upstream_note.split(" ")[0])
    d["factor_id"] = Text.constant(n, "electricity-upstream")
    d["grid_level"] = Text.missing(n)
    d["grid_fallback"] = repeated(n, -1, np.int8)
    for c in ("mb_factor", "t_CO2", "t_CH4", "t_N2O", "t_other", "gwp_CH4", "gwp_N2O", "gwp_other", "biogenic_co2"):
        d[c] = repeated(n, np.nan)
    d["gas_other"] = Text.missing(n)
    gross = d["converted_quantity"] * ctx.upstream_electricity
    d["co2e_gross"] = gross
    for g in GAS_BUCKETS:
        d[f"co2e_{g}"] = repeated(n, 0.0)
    d["co2e_unspecified"] = gross * d["share"]
    d["co2e"] = gross * d["share"]
    d["co2e_market"] = repeated(n, 0.0)
    return d


def category15_investees(lines: Lines, ctx: Context) -> Lines | None:
    """Under a control approach, the Scope 1 and 2 of investees outside the boundary, at the
    group's equity share, reported in category 15 (GHG Protocol Scope 3 Standard, ch. 5: by default
    under a control approach; ``options.category15_investees: no`` turns it off)."""
    if not ctx.settings.options.investees_in_category15(ctx.settings.consolidation):
        return None
    scope = lines["scope"]
    m = lines["status"].eq("outside_boundary") & ((scope == 1) | (scope == 2))
    if not m.any():
        return None
    own = ctx.facilities.set_index("facility_id")["ownership"]
    d = _derived(lines, m, "#c15")
    n = d.n
    share = d["facility_id"].lookup(lambda f: _ownership(own, f), "float64")
    d["scope3_category"] = repeated(n, 15.0)
    d["rule"] = Text.constant(n, "investee's Scope 1/2 × equity share (category 15)")
    d["share"] = share
    d["status"].put(share > 0, "included")    # (take copied the column)
    d["status"].put(~(share > 0), "outside_boundary")
    d["reason"] = Text.missing(n)
    for g in GAS_BUCKETS:
        d[f"co2e_{g}"] = repeated(n, 0.0)
    d["co2e_unspecified"] = d["co2e_gross"] * share
    d["co2e"] = d["co2e_gross"] * share
    d["co2e_market"] = repeated(n, 0.0)
    d["biogenic_co2"] = repeated(n, np.nan)
    return d


def _ownership(own: object, facility: object) -> float:
    """``facility_id.map(ownership).fillna(0.0)`` for one facility."""
    import pandas as pd

    v = pd.Series([facility], dtype=object).map(own).iloc[0]
    return 0.0 if pd.isna(v) else float(v)


def category3_fuels(lines: Lines, ctx: Context) -> Lines | None:
    """Upstream emissions of purchased fuels (category 3, activity a; GHG Protocol Scope 3 Technical
    Guidance 2013, formula 3.1): each included combustion line's fuel × the well-to-tank factor of
    that fuel in the user's ``upstream_fuel`` datasets (per energy: the line's GJ; per mass or
    volume: its quantity as given or converted). Only when such a dataset is supplied."""
    from ..core import units

    wtt = ctx.upstream_fuels
    if wtt is None or wtt.empty:
        return None
    m = (lines["source"].isin(("stationary_combustion", "mobile_combustion")) & lines["status"].eq("included")
         & lines["factor_id"].isin(set(wtt.index)))
    if not m.any():
        return None
    d = _derived(lines, m, "#c3a")
    n = d.n
    fuel = d["factor_id"]
    unit_of = fuel.lookup(lambda f: str(wtt.at[f, "unit"]), object, missing=None)
    value = fuel.lookup(lambda f: float(wtt.at[f, "value"]), "float64")
    dataset = fuel.map(lambda f: str(wtt.at[f, "dataset"]))
    # the fuel burnt in the factor's unit: energy from energy_gj, else the (converted) quantity
    qty = np.where(np.isnan(d["converted_quantity"]), d["quantity"], d["converted_quantity"])
    qunit = d["converted_unit"].fillna(d["unit"])
    mult = np.full(n, np.nan)
    qtexts = np.array([*qunit.values, None], dtype=object)[np.where(qunit.codes < 0, len(qunit.values), qunit.codes)]
    codes, pairs = units.distinct_pairs(pd.Series(unit_of, dtype=object), pd.Series(qtexts, dtype=object))
    for k, (fu, qu) in enumerate(pairs):
        per = units.times(str(fu), "GJ")
        info = units.lookup(per) if isinstance(fu, str) else None
        sel = codes == k
        if info is not None and info.dimension == "co2e":
            mult[sel] = units.factor(per, "tCO2e") * d["energy_gj"][sel]
        elif isinstance(fu, str) and isinstance(qu, str) and units.lookup(units.times(fu, qu)) is not None \
                and units.lookup(units.times(fu, qu)).dimension == "co2e":
            mult[sel] = units.factor(units.times(fu, qu), "tCO2e") * qty[sel]
    gross = value * mult
    ok = ~np.isnan(gross)
    d["scope3_category"] = repeated(n, 3.0)
    d["rule"] = Text.constant(n, "fuel × well-to-tank factor (upstream of purchased fuels)")
    d["precedence"] = Text.constant(n, "default")
    d["factor_value"] = value
    d["factor_unit"] = Text.of_view(View(np.arange(n, dtype=np.int32), list(unit_of)))
    d["factor_dataset"] = Text.of_view(dataset)
    d["non_co2_table"] = Text.missing(n)
    for c in ("mb_factor", "t_CO2", "t_CH4", "t_N2O", "t_other", "gwp_CH4", "gwp_N2O", "gwp_other", "biogenic_co2"):
        d[c] = repeated(n, np.nan)
    d["gas_other"] = Text.missing(n)
    d["gwp_dataset"] = Text.missing(n)
    d["co2e_gross"] = np.where(ok, gross, np.nan)
    for g in GAS_BUCKETS:
        d[f"co2e_{g}"] = repeated(n, 0.0)
    d["co2e_unspecified"] = np.where(ok, gross * d["share"], 0.0)
    d["co2e"] = np.where(ok, gross * d["share"], 0.0)
    d["co2e_market"] = repeated(n, 0.0)
    return d.take(np.flatnonzero(ok))
