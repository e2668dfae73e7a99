"""The checks of the ``exposures`` table (financed emissions, PCAF Part A) and the one place that
says which denominator each asset class's attribution factor takes.

PCAF, *Global GHG Accounting and Reporting Standard Part A: Financed Emissions*, 2nd ed. (2022):
attribution factor = outstanding amount / denominator, where the denominator is the EVIC of a listed
company, the total equity + debt of a private company or of a project, and the value at
origination of a property or vehicle (sections 5.1-5.6). ``compute.financed`` takes the factor from
:func:`attribution` too, so the check and the calculation cannot disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.issues import Issue, issue
from ..ingest.inventory import ROW, Inventory, TableData

# asset class → (PCAF Part A section, the denominator columns in the order they are taken)
ATTRIBUTION: dict[str, tuple[str, tuple[str, ...]]] = {
    "listed_equity": ("5.1", ("evic",)),
    "corporate_bonds": ("5.1", ("evic", "total_equity_debt")),        # EVIC if listed, else equity + debt
    "business_loans": ("5.2", ("evic", "total_equity_debt")),         # EVIC if listed, else equity + debt
    "unlisted_equity": ("5.2", ("total_equity_debt",)),
    "project_finance": ("5.3", ("total_equity_debt",)),               # of the project
    "commercial_real_estate": ("5.4", ("value_at_origination",)),     # property value at origination
    "mortgages": ("5.5", ("value_at_origination",)),
    "motor_vehicle_loans": ("5.6", ("value_at_origination",)),        # unknown: 100 % (PCAF 5.6)
}
NOT_COVERED = "exposure-not-covered"   # raised here; the reason of the exposure's trace line (compute.financed)
ASSUMED_WHOLE = frozenset({"motor_vehicle_loans"})   # without a denominator, an attribution factor of 1


def attribution(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whole columns over the exposures: the denominator taken (NaN where none is given), the
    column it came from (None where none), the attribution factor (outstanding / denominator; 1
    where a motor vehicle's value is unknown; NaN where there is no denominator) and the mask of
    the rows whose factor is assumed."""
    n = len(f)
    cls = f["asset_class"].to_numpy(dtype=object)
    den = np.full(n, np.nan)
    col = np.full(n, None, dtype=object)
    for c in ("evic", "total_equity_debt", "value_at_origination"):
        v = f[c].to_numpy(dtype="float64", na_value=np.nan)
        takes = np.array([c in ATTRIBUTION.get(k, ("", ()))[1] for k in cls], dtype=bool) if n else np.zeros(0, bool)
        # the first column of the class's list that holds a value > 0
        first = takes & np.isnan(den) & (v > 0)
        den = np.where(first, v, den)
        col = np.where(first, c, col)
    out = f["outstanding"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        factor = out / den
    assumed = np.isnan(den) & np.isin(cls, list(ASSUMED_WHOLE))
    factor = np.where(assumed, 1.0, factor)
    return den, col, factor, assumed


def emissions(f: pd.DataFrame, scope: int) -> tuple[np.ndarray, np.ndarray]:
    """The counterparty's emissions of one scope (tCO2e) and how they were had: 'reported' (the
    ``scopeN`` column), 'estimated' (``intensity_scopeN`` × ``intensity_basis``; scopes 1 and 2)
    or None (NaN emissions)."""
    rep = f[f"scope{scope}"].to_numpy(dtype="float64", na_value=np.nan)
    how = np.where(np.isnan(rep), None, "reported").astype(object)
    if scope == 3:
        return rep, how
    with np.errstate(over="ignore", invalid="ignore"):   # beyond calculable: value-overflow at compute
        est = f[f"intensity_scope{scope}"].to_numpy(dtype="float64", na_value=np.nan) * \
            f["intensity_basis"].to_numpy(dtype="float64", na_value=np.nan)
    use = np.isnan(rep) & ~np.isnan(est)
    return np.where(use, est, rep), np.where(use, "estimated", how).astype(object)


def covered(f: pd.DataFrame) -> np.ndarray:
    """The exposures whose counterparty's scope 1 or scope 2 emissions are known or estimated."""
    return ~np.isnan(emissions(f, 1)[0]) | ~np.isnan(emissions(f, 2)[0])


def _one(t: TableData, i: int, code: str, column: str | None, **params: object) -> Issue:
    return issue(code, t.location(int(t.frame[ROW].iat[i]), column), table=t.name, **params)


def _at(t: TableData, code: str, mask: np.ndarray, column: str | None, values: np.ndarray | None = None,
        **params: object) -> list[Issue]:
    rows = t.frame[ROW].to_numpy()
    out = []
    for i in np.flatnonzero(mask):
        extra = dict(params)
        if values is not None:
            v = values[i]
            extra["value"] = int(v) if isinstance(v, float) and v.is_integer() else v
        out.append(issue(code, t.location(int(rows[i]), column), table=t.name, **extra))
    return out


def _num(v: float) -> str:
    return f"{v:,.6g}"


def exposures(inv: Inventory) -> list[Issue]:
    """The exposures' checks: the PCAF score 1-5, a denominator for each asset class's attribution
    factor (an error, or for a motor vehicle loan a warning that 100 % is assumed), an attribution
    factor above 1 (an error), an exposure without counterparty emissions nor the data to estimate
    them (a warning: counted in the gross exposure, not covered), lifetime emissions given outside
    project finance (a warning: not reported)."""
    t = inv.tables.get("exposures")
    if t is None or t.frame.empty:
        return []
    f = t.frame
    out: list[Issue] = []
    for c in ("pcaf_score", "pcaf_score_scope3"):
        s = f[c].to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isnan(s) & ((s < 1) | (s > 5) | (s != np.round(s)))
        out += _at(t, "exposure-score-range", bad, c, s)
    known = f["asset_class"].notna().to_numpy()
    den, col, factor, assumed = attribution(f)
    cls = f["asset_class"].to_numpy(dtype=object)
    missing = known & np.isnan(factor) & f["outstanding"].notna().to_numpy()
    for i in np.flatnonzero(missing):
        section, cols = ATTRIBUTION[cls[i]]
        out.append(_one(t, i, "exposure-denominator-missing", cols[0],
                        asset_class=cls[i], columns=" / ".join(cols), section=section))
    out += _at(t, "exposure-attribution-assumed", known & assumed, "value_at_origination")
    above = known & ~np.isnan(factor) & (factor > 1)
    outst = f["outstanding"].to_numpy(dtype="float64", na_value=np.nan)
    for i in np.flatnonzero(above):
        out.append(_one(t, i, "exposure-attribution-above-one", "outstanding", factor=f"{factor[i]:.4g}",
                        outstanding=_num(outst[i]), denominator_column=col[i], denominator=_num(den[i])))
    out += _at(t, NOT_COVERED, known & ~covered(f), "scope1")
    life = f["lifetime_emissions"].notna().to_numpy() & known & (cls != "project_finance")
    out += _at(t, "exposure-lifetime-not-project", life, "lifetime_emissions")
    return out
