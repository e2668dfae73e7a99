"""Energy use in tonnes of standard coal (tce), from the same activity rows as the emissions.

Each trace line of a fuel burnt, or of electricity, heat or steam bought (Scope 1 and 2 lines, not
the derived Scope 3 lines), gets its energy in tce and in GJ with the rule applied
(``energy_basis``), the coefficient, its unit and its dataset:

- ``measured_ncv``: a row with its own net calorific value converts at that NCV: the energy the
  emission calculation used (quantity × NCV, in the trace's ``energy_gj``) divided by 29.3076 GJ/tce
  (1 kgce = 29,307.6 kJ, the unit registry's tce). GB/T 2589 converts a fuel at its measured low
  calorific value where there is one; its table is the reference for when there is not;
- ``reference``: the carrier's reference coefficient of the coefficient dataset (kgce per physical
  unit, GB/T 2589-2020 Appendix A; ``energy.coefficients``), the quantity first converted to the
  coefficient's unit; electricity at its equivalent calorific value (当量值, 0.1229 kgce/kWh);
- ``coal_equivalent``: electricity at the year's thermal generation coal rate (等价值) given in the
  settings (``energy.electricity_method: coal_equivalent``, ``energy.coal_equivalent`` and its source);
- ``energy_content``: a fuel the dataset does not hold, given in (or converted by the emission
  calculation to) energy: GJ / 29.3076;
  steam bought and measured as energy (GJ) is heat (热力), the steam row being per kg of steam;
- ``gas_row``: a row that gives one gas of a fuel whose CO2 is on another row (the demo's biomass
  CH4 and N2O rows): its energy is counted once, on the CO2 row, never here;
- ``not_converted``: a carrier with no coefficient and no energy content (a notice names it).

``energy_tce`` and ``energy_consumed_gj`` are the reported figures (the facility's energy × the
boundary share, as ``co2e``); GJ are the energy content (the NCV energy of a fuel, 3.6 GJ/MWh of
electricity, heat as given), tce by the coefficients. The totals of results.json ``energy`` are sums
of the lines (through the partial sums), with the renewable electricity of the instruments table
(green power and GECs as the market method allocated them, so capped at each facility's consumption).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core import units
from ..core.issues import Issue, Location, issue
from ..core.rounding import rounded
from . import keys

if TYPE_CHECKING:
    from ..factors import FactorLibrary

KIND = "energy_coefficients"
SOURCES = {"stationary_combustion": None, "mobile_combustion": None,
           "purchased_electricity": "electricity", "purchased_heat": "heat", "purchased_steam": "steam"}
COMBUSTION = ("stationary_combustion", "mobile_combustion")
# the instruments whose electricity is renewable (vocabulary instrument_type)
RENEWABLE_INSTRUMENTS = ("gec", "green_power")
BASES = ("measured_ncv", "reference", "coal_equivalent", "energy_content", "gas_row", "not_converted")
GJ_PER_TCE = units.factor("tce", "GJ")


@dataclass(frozen=True)
class Coefficients:
    """The coefficient dataset as the calculation uses it: its rows by carrier (with
    ``tce_per_unit`` in ``per_unit``, the coefficient's denominator), its aliases, its id@version, and
    the electricity method with the coefficient it takes."""
    rows: pd.DataFrame
    alias: dict[str, str]
    dataset: str
    electricity_method: str
    electricity_value: float            # kgce/kWh
    electricity_source: str             # the dataset, or the setting's source (coal-equivalent method)


def energy_coefficients(lib: FactorLibrary, settings: Any, pins: Mapping[str, str],
                        ref: Callable[[Any], str]) -> tuple[Coefficients | None, list[Issue]]:
    """The coefficient dataset the settings name (``energy.coefficients``; its pinned version),
    registered with ``ref`` (so that results.json lists it), and the electricity method."""
    en = settings.energy
    issues: list[Issue] = []
    ds = next((d for d in lib.of_kind(KIND, pins) if d.meta.id == en.coefficients), None)
    if ds is None:
        issues.append(issue("energy-coefficients-unknown", Location("report.yaml", None, None, "energy.coefficients"),
                            value=en.coefficients))
        return None, issues
    name = ref(ds)
    rows = ds.rows.copy()
    rows["per_unit"] = rows["unit"].map(_per_unit)
    rows["tce_per_unit"] = [units.factor(u, f"tce/{p}") * v for u, p, v in
                            zip(rows["unit"], rows["per_unit"], rows["value"], strict=True)]
    rows["dataset"] = name
    rows = rows.set_index("carrier")
    method, value, source = "equivalent", np.nan, name
    if "electricity" in rows.index:
        value = float(rows.at["electricity", "tce_per_unit"]) * 1e3   # kgce/kWh
    if en.electricity_method == "coal_equivalent":
        if en.coal_equivalent is None or not en.coal_equivalent_source:
            issues.append(issue("energy-coal-equivalent-missing",
                                Location("report.yaml", None, None, "energy.coal_equivalent"),
                                value="—" if en.coal_equivalent is None else f"{en.coal_equivalent}"))
        else:
            method, value, source = "coal_equivalent", float(en.coal_equivalent), str(en.coal_equivalent_source)
    return Coefficients(rows, keys.alias_map(ds.rows, "carrier", "name_zh"), name, method, value, source), issues


def _per_unit(u: str) -> str:
    """The denominator of a coefficient's unit: kgce/kg → kg."""
    return str(u).split("/", 1)[1] if "/" in str(u) else ""


# --- the lines -------------------------------------------------------------------------------------------

def annotate(trace: pd.DataFrame, acts: pd.DataFrame, ctx: Any) -> tuple[pd.DataFrame, list[Issue]]:
    # ctx: a compute.context.Context (a layer above this module, so not imported)
    """The trace with its energy columns filled in for the lines of energy used (see the module's
    doc), and a notice per carrier that could not be converted. ``acts`` are the accepted
    activity rows the lines were calculated from (their measured NCV and gas columns)."""
    co: Coefficients | None = ctx.energy
    n = len(trace)
    if co is None or n == 0:
        return trace, []
    src = trace["source"]
    sel = (src.isin(list(SOURCES)) & trace["status"].isin(["included", "outside_boundary"])
           & trace["derived_from"].isna()).to_numpy()
    if not sel.any():
        return trace, []
    pos = np.flatnonzero(sel)
    # the selected lines of the columns read here only (the trace has ninety: a copy of them all
    # cost 400 MB at a million rows)
    t = trace[["row", "factor_id", "activity", "quantity", "unit", "energy_gj", "share", "file",
               "sheet"]].iloc[pos]
    by_row = acts.set_index("_row") if "_row" in acts.columns else acts
    row = t["row"].to_numpy()
    ncv_given = pd.to_numeric(by_row["ncv"].reindex(row), errors="coerce").notna().to_numpy() \
        if "ncv" in by_row.columns else np.zeros(len(pos), dtype=bool)
    gas = by_row["gas"].reindex(row) if "gas" in by_row.columns else pd.Series([None] * len(pos))
    gas = _per_distinct(gas, lambda g: str(g).strip().upper() if isinstance(g, str) and g.strip() else "")
    s = src.iloc[pos]
    comb = _per_distinct(s, lambda v: v in COMBUSTION).astype(bool)

    # the carrier: the source's (electricity, heat, steam), else the fuel's id or the activity's name
    carrier = _per_distinct(s, SOURCES.get)
    by_fuel = _per_distinct(t["factor_id"],
                            lambda v: co.alias.get(keys.key(v)) if isinstance(v, str) else co.alias.get(""))
    by_name = _per_distinct(t["activity"],
                            lambda v: co.alias.get(keys.key(v)) if isinstance(v, str) else None)
    fuel_carrier = np.where(pd.notna(by_fuel), by_fuel, by_name)
    carrier = np.where(comb, fuel_carrier, carrier)
    carrier[pd.isna(carrier)] = None

    qty = t["quantity"].to_numpy(dtype="float64")
    unit = t["unit"]
    gj_line = t["energy_gj"].to_numpy(dtype="float64")
    share = t["share"].to_numpy(dtype="float64")
    rows = co.rows
    # steam measured as energy (GJ) is heat (热力, 当量值 per MJ); the steam row is per kg of steam
    unit_s = unit.reset_index(drop=True)   # positional, as pd.Series(qty)
    as_gj = units.convert(pd.Series(qty), unit_s, "GJ").to_numpy()
    carrier = np.where((carrier == "steam") & ~np.isnan(as_gj) & ("heat" in rows.index), "heat", carrier)
    # the coefficients' columns looked up once per distinct carrier, then spread by its codes
    by_code, by_uniq = pd.factorize(pd.Series(carrier, dtype=object), use_na_sentinel=True)
    known_uniq = np.append(pd.Index(by_uniq).isin(rows.index), False)   # the last slot: no carrier

    def per_carrier(col: str) -> np.ndarray:
        """The coefficients' ``col`` of each distinct carrier, then None (no carrier)."""
        return np.append(rows[col].reindex(by_uniq).to_numpy(dtype=object), None)

    def looked_up(col: str) -> np.ndarray:
        return per_carrier(col)[by_code]

    known = known_uniq[by_code]
    per_unit = pd.Series(np.where(known, looked_up("per_unit"), ""), dtype=object)
    tce_per = np.where(known, looked_up("tce_per_unit"), np.nan).astype("float64")
    in_unit = units.convert(pd.Series(qty), unit_s, per_unit.where(known, "GJ")).to_numpy()

    tce = np.full(len(pos), np.nan)
    coef = np.full(len(pos), np.nan)
    coef_unit, dataset, basis = _Coded(len(pos)), _Coded(len(pos)), _Coded(len(pos), "not_converted")

    other_gas = comb & (gas != "") & (gas != "CO2")
    measured = comb & ncv_given & ~np.isnan(gj_line) & ~other_gas
    reference = known & ~np.isnan(in_unit) & ~measured & ~other_gas
    # a fuel without a coefficient: the energy its emission calculation found; heat or steam given
    # in energy units: that energy
    gj_line = np.where(np.isnan(gj_line) & ~comb, as_gj, gj_line)
    content = ~measured & ~reference & ~other_gas & ~np.isnan(gj_line)
    kgce_per_gj = units.factor("GJ", "kgce")

    tce[measured] = gj_line[measured] / GJ_PER_TCE
    coef[measured] = kgce_per_gj
    coef_unit.put(measured, "kgce/GJ")
    dataset.put(measured, "measured NCV")
    basis.put(measured, "measured_ncv")

    tce[reference] = in_unit[reference] * tce_per[reference]
    coef[reference] = looked_up("value")[reference].astype("float64")
    coef_unit.put_each(reference, per_carrier("unit"), by_code)
    dataset.put(reference, co.dataset)
    basis.put(reference, "reference")
    elec = reference & (carrier == "electricity")
    if co.electricity_method == "coal_equivalent" and elec.any():
        kwh = units.convert(pd.Series(qty[elec]), unit_s[elec].reset_index(drop=True), "kWh").to_numpy()
        tce[elec] = kwh * co.electricity_value * 1e-3
        coef[elec] = co.electricity_value
        coef_unit.put(elec, "kgce/kWh")
        dataset.put(elec, co.electricity_source)
        basis.put(elec, "coal_equivalent")

    tce[content] = gj_line[content] / GJ_PER_TCE
    coef[content] = kgce_per_gj
    coef_unit.put(content, "kgce/GJ")
    dataset.put(content, "GB/T 2589: 1 kgce = 29,307.6 kJ")
    basis.put(content, "energy_content")
    basis.put(other_gas, "gas_row")

    # GJ: the fuel's NCV energy, else the quantity's own energy unit, else the tce's
    gj = np.where(~np.isnan(gj_line), gj_line, as_gj)
    gj = np.where(np.isnan(gj), tce * GJ_PER_TCE, gj)
    gj[np.isnan(tce)] = np.nan

    out = trace
    cols = {"energy_carrier": _Coded.of(by_code, list(by_uniq)), "energy_basis": basis, "energy_coefficient": coef,
            "energy_coefficient_unit": coef_unit, "energy_dataset": dataset,
            "energy_tce": tce * share, "energy_consumed_gj": gj * share}
    for c, v in cols.items():
        if isinstance(v, _Coded):   # the categorical of the selected lines' values, its codes spread
            out[c] = v.spread(pos, n)
        else:
            full = np.full(n, np.nan)
            full[pos] = v
            out[c] = full
    # a notice per carrier (activity) left unconverted, at its first line
    issues: list[Issue] = []
    left = np.flatnonzero(basis.codes == 0)   # "not_converted", the first value
    names = t["activity"].iloc[left].astype(object).astype(str).to_numpy()
    _, first, count = np.unique(names, return_index=True, return_counts=True)
    for i in np.argsort(first, kind="stable"):  # in the order of each activity's first line
        k = left[first[i]]
        sheet = t["sheet"].iloc[k]
        issues.append(issue("energy-not-converted",
                            Location(str(t["file"].iloc[k]), None if pd.isna(sheet) else str(sheet),
                                     int(row[k]), "activity"),
                            table="activities", activity=names[first[i]], unit=str(unit.iloc[k]),
                            lines=int(count[i])))
    return out, issues


class _Coded:
    """A text column of the selected lines as codes into its distinct values (-1: no value), set
    a mask at a time: no Python object per line (the demo repeated to 1,000,000 rows has 762,963
    energy lines)."""

    def __init__(self, m: int, first: str | None = None):
        self.codes = np.full(m, -1 if first is None else 0, dtype=np.int32)
        self.values: list[Any] = [] if first is None else [first]
        self._at = {v: k for k, v in enumerate(self.values)}

    @classmethod
    def of(cls, codes: np.ndarray, values: list[Any]) -> _Coded:
        """Codes and values as ``pd.factorize`` gives them (missing values: -1, not among them)."""
        c = cls(0)
        c.codes, c.values = codes, values
        return c

    def code(self, value: Any) -> int:
        if pd.api.types.is_scalar(value) and pd.isna(value):   # None, NaN, NA: no value
            return -1
        if value not in self._at:
            self._at[value] = len(self.values)
            self.values.append(value)
        return self._at[value]

    def put(self, mask: np.ndarray, value: Any) -> None:
        """The lines ``mask`` set to ``value``."""
        self.codes[mask] = self.code(value)

    def put_each(self, mask: np.ndarray, table: np.ndarray, index: np.ndarray) -> None:
        """The lines ``mask`` set each to ``table[index]`` (``index`` -1: the table's last entry)."""
        self.codes[mask] = np.array([self.code(v) for v in table], dtype=np.int32)[index[mask]]

    def spread(self, pos: np.ndarray, n: int) -> pd.Categorical:
        """``pd.Categorical`` of the values at the lines ``pos`` of ``n``, missing elsewhere: its
        categories those of the values the lines have, in the order ``pd.Categorical`` gives them
        (sorted) from the values in the order the lines first have them."""
        seen = pd.unique(self.codes)                     # in the order of first appearance
        seen = seen[seen >= 0]
        small = pd.Categorical([self.values[k] for k in seen])
        remap = np.full(len(self.values) + 1, -1, dtype=small.codes.dtype)   # the last slot: -1
        remap[seen] = small.codes
        spread = np.full(n, -1, dtype=small.codes.dtype)
        spread[pos] = remap[self.codes]
        return pd.Categorical.from_codes(spread, dtype=small.dtype)


def _per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """``fn`` of each value, called once per distinct value (missing values: ``fn(None)``); of a
    categorical column, once per category (its codes are the factorisation)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), list(values.cat.categories)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=object)
    return mapped[codes]  # code -1 (missing) takes the last entry


# --- the results -----------------------------------------------------------------------------------------

def summarise(parts: pd.DataFrame, instruments: pd.DataFrame, ctx: Any,
              revenue: float | None, output: Any) -> dict[str, Any] | None:
    """results.json ``energy``: totals by carrier, group and direct / indirect, the shares and the
    intensities, each a sum of the lines (``parts``, the partial sums) of the included Scope 1 and 2
    lines; None when no coefficient dataset was loaded."""
    co: Coefficients | None = ctx.energy
    if co is None:
        return None
    p = parts.loc[(parts["status"] == "included") & parts["energy_carrier"].notna()]
    rows = co.rows
    by: list[dict[str, Any]] = []
    for c, g in p.groupby("energy_carrier", sort=True):
        c = str(c)
        known = c in rows.index
        bases = sorted({str(b) for b, x in g.groupby("energy_basis")["energy_tce"] if x.notna().any()
                        and str(b) != "gas_row"})
        by.append({
            "carrier": c, "name_zh": str(rows.at[c, "name_zh"]) if known else c,
            "group": str(rows.at[c, "group"]) if known else "other",
            "scope": int(g["scope"].dropna().min()) if g["scope"].notna().any() else None,
            "tce": _sum(g["energy_tce"]), "gj": _sum(g["energy_consumed_gj"]),
            "measured_tce": _sum(g.loc[g["energy_basis"] == "measured_ncv", "energy_tce"]),
            "coefficient": float(rows.at[c, "value"]) if known else None,
            "coefficient_unit": str(rows.at[c, "unit"]) if known else None,
            "range": ([float(rows.at[c, "min"]), float(rows.at[c, "max"])]
                      if known and pd.notna(rows.at[c, "min"]) and pd.notna(rows.at[c, "max"]) else None),
            "bases": bases,
            "renewable": bool(known and rows.at[c, "renewable"] == "yes"),
            "clean": bool(known and rows.at[c, "clean"] == "yes"),
            "lines": int(g.loc[g["energy_basis"] != "gas_row", "lines"].sum()),
        })
    total = sum(x["tce"] for x in by)
    for x in by:
        x["share"] = x["tce"] / total if total > 0 else None
    total_gj = sum(x["gj"] for x in by)
    groups: dict[str, float] = {}
    for x in by:
        groups[x["group"]] = groups.get(x["group"], 0.0) + x["tce"]
    direct = sum(x["tce"] for x in by if x["scope"] == 1)
    elec = next((x for x in by if x["carrier"] == "electricity"), None)
    elec_mwh = (elec["gj"] / 3.6) if elec else 0.0
    elec_tce = elec["tce"] if elec else 0.0
    # renewable electricity: green power and GECs as allocated (capped at each facility's use), at
    # the facility's boundary share
    ren_mwh = 0.0
    if instruments is not None and len(instruments) and "mwh_used" in instruments.columns:
        fac = ctx.facilities.set_index("facility_id")
        ok = instruments["type"].isin(RENEWABLE_INSTRUMENTS) & instruments["facility_id"].isin(fac.index)
        ins = instruments.loc[ok]
        if len(ins):
            consolidated = ins["facility_id"].map(fac["consolidated"]).eq(True).fillna(False).astype(bool)
            sh = ins["facility_id"].map(fac["share"]).astype("float64").fillna(0.0)
            ren_mwh = float((pd.to_numeric(ins["mwh_used"], errors="coerce").fillna(0.0) * sh)[consolidated].sum())
    ren_mwh = min(ren_mwh, elec_mwh)
    ren_elec_tce = elec_tce * ren_mwh / elec_mwh if elec_mwh > 0 else 0.0
    ren_fuel_tce = sum(x["tce"] for x in by if x["renewable"])
    ren_fuel_gj = sum(x["gj"] for x in by if x["renewable"])
    clean_tce = sum(x["tce"] for x in by if x["clean"]) + ren_elec_tce
    renewable_tce = ren_fuel_tce + ren_elec_tce

    def share(a: float, b: float) -> float | None:
        return a / b if b > 0 else None

    out_value = getattr(output, "value", None)
    out_unit = getattr(output, "unit", None)
    return {
        "consumed_gj": total_gj,
        "grid_electricity_share": share(elec_mwh * 3.6, total_gj),
        "renewable_share": share(ren_fuel_gj + ren_mwh * 3.6, total_gj),
        "alternative_share": share(ren_fuel_gj, total_gj),
        "total_tce": total,
        # as published (Word, XBRL): the sum of the rounded direct and indirect figures
        "published_total_tce": float(rounded(direct, "energy") + rounded(total - direct, "energy")),
        "direct_tce": direct,
        "indirect_tce": total - direct,
        "by_group": dict(sorted(groups.items())),
        "by_carrier": by,
        "electricity_mwh": elec_mwh,
        "renewable_electricity_mwh": ren_mwh,
        "renewable_electricity_share": share(ren_mwh, elec_mwh),
        "renewable_tce": renewable_tce,
        "renewable_tce_share": share(renewable_tce, total),
        "clean_tce": clean_tce,
        "clean_share": share(clean_tce, total),
        "intensity_per_revenue": (None if not revenue else
                                  {"value": total / (revenue / 1e4), "unit": "tce/万元", "unit_en": "tce per CNY 10,000"}),
        "intensity_per_output": (None if not out_value or not out_unit else
                                 {"value": total * 1e3 / float(out_value), "unit": f"kgce/{out_unit}"}),
        "electricity_method": co.electricity_method,
        "electricity_coefficient": co.electricity_value,
        "electricity_source": co.electricity_source,
        "dataset": co.dataset,
    }


def _sum(s: pd.Series) -> float:
    v = s.sum(min_count=1)
    return float(v) if pd.notna(v) else 0.0
