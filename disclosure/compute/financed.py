"""Financed emissions (Scope 3 category 15 of a bank, an insurer or an asset manager), as the PCAF
*Global GHG Accounting and Reporting Standard Part A: Financed Emissions* (2nd ed., December 2022)
defines them, from the ``exposures`` table.

    financed emissions = Σᵢ attribution factorᵢ × counterparty emissionsᵢ      (PCAF §4.2), per scope
    attribution factorᵢ = outstandingᵢ / denominatorᵢ                          (§5.1-5.6; validate.exposures)
    weighted data-quality score = Σᵢ outstandingᵢ × scoreᵢ / Σᵢ outstandingᵢ   (PCAF chapter 6, Box 8)

All on whole columns. Each exposure is one trace line (``trace.EXPOSURE_COLUMNS``), kept in
results.json (``financed_emissions.lines``) with the sums by asset class and by industry.

**Category 15.** For a financial institution its category 15 (investments) *is* its financed
emissions: the attributed scope 1 + 2 emissions of its counterparties (GHG Protocol Scope 3
Standard Table 5.9; IFRS S2 ¶29(a)(vi)(2) calls them financed emissions). They are reported in
their own section (``financed_emissions``: by asset class, with the gross exposure covered and the
PCAF score), not added to the Scope 3 total of the activity inventory (``totals.scope3``), which
holds the rest of the value chain; the counterparties' scope 3, attributed the same way, is
reported apart, as PCAF asks (§6: "reported separately"). Projected lifetime emissions of project
finance (PCAF §5.3; GHG Protocol Scope 3 Technical Guidance p.151) are reported apart from both.

**Weights.** The weighted score weighs each covered exposure by its outstanding amount in the
presentation currency (gross exposure), so that exposures in several currencies are weighed alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core import vocabulary as vocab
from ..core.issues import Issue, issue
from ..ingest.inventory import ROW, Inventory
from ..validate.exposures import NOT_COVERED, attribution, covered, emissions
from .trace import EXPOSURE_COLUMNS

SCOPES = (1, 2, 3)
LINE_MAX = 1e100


def lines(inv: Inventory, settings: Any, place: Any = None) -> tuple[pd.DataFrame | None, list[Issue]]:
    """The trace lines of the exposures (None when the inventory has no exposures table): every row
    read, rejected rows as lines with their reasons; an exposure in a currency without a rate is
    excluded (``currency-rate-missing``)."""
    t = inv.tables.get("exposures")
    if t is None:
        return None, []
    f = t.frame.reset_index(drop=True)
    n = len(f)
    issues: list[Issue] = []
    den, col, factor, assumed = attribution(f)
    cur = f["currency"].to_numpy(dtype=object)
    rates = {c: (1.0 if c == settings.currency else settings.options.currency_rates.get(c))
             for c in pd.unique(cur) if isinstance(c, str)}
    fx = np.array([rates.get(c) if isinstance(c, str) and rates.get(c) is not None else np.nan for c in cur],
                  dtype="float64") if n else np.zeros(0)
    out = f["outstanding"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        gross = out * fx
    L: dict[str, Any] = {
        "exposure_id": f["exposure_id"].to_numpy(dtype=object), "file": np.full(n, t.file, dtype=object),
        "sheet": np.full(n, t.sheet, dtype=object), "row": f[ROW].to_numpy(dtype="int64"),
        "counterparty": f["counterparty"].to_numpy(dtype=object), "asset_class": f["asset_class"].to_numpy(dtype=object),
        "industry": f["industry"].to_numpy(dtype=object), "currency": cur, "outstanding": out,
        "fx_rate": fx, "gross_exposure": gross, "denominator_column": col, "denominator": den,
        "attribution_factor": factor, "attribution_assumed": assumed,
    }
    for s in SCOPES:
        e, how = emissions(f, s)
        L[f"scope{s}"] = e
        if s != 3:
            L[f"scope{s}_basis"] = how
    for c in ("intensity_scope1", "intensity_scope2", "intensity_basis", "pcaf_score", "pcaf_score_scope3",
              "lifetime_emissions"):
        L[c] = f[c].to_numpy(dtype="float64", na_value=np.nan)
    for c in ("intensity_unit", "intensity_source"):
        L[c] = f[c].to_numpy(dtype=object)
    status = np.full(n, "included", dtype=object)
    reason = np.full(n, None, dtype=object)
    rejected = np.zeros(n, dtype=bool) if t.rejected is None else np.asarray(t.rejected, dtype=bool)
    if rejected.any():
        status[rejected] = "rejected"
        reason[rejected] = np.asarray(t.reasons, dtype=object)[rejected]
    no_rate = ~rejected & np.isnan(fx)
    for i in np.flatnonzero(no_rate):
        code = cur[i]
        issues.append(issue("currency-rate-missing", t.location(int(L["row"][i]), "currency"), table="exposures",
                            currency=code, target=settings.currency,
                            setting=place.hint(f"options.currency_rates.{code}", "…") if place is not None
                            else f"options.currency_rates.{code}"))
    status[no_rate] = "excluded"
    reason[no_rate] = "currency-rate-missing"
    not_cov = (status == "included") & ~covered(f)
    status[not_cov] = "not_covered"
    reason[not_cov] = NOT_COVERED     # the check's warning at the row
    # a line beyond any real emissions (1e100 t; the world emits ~5e10 t a year), or beyond the numbers
    # that can be calculated, is excluded at its row (value-overflow): the sums of the others stay finite
    with np.errstate(over="ignore", invalid="ignore"):
        fe = {s: factor * L[f"scope{s}"] for s in SCOPES}
        life = factor * L["lifetime_emissions"]
    huge = np.zeros(n, dtype=bool)
    for v in (*fe.values(), life, L["gross_exposure"]):
        huge |= ~np.isnan(v) & ~(np.abs(v) <= LINE_MAX)
    huge &= (status == "included") | (status == "not_covered")
    for i in np.flatnonzero(huge):
        issues.append(issue("value-overflow", t.location(int(L["row"][i]), "outstanding"), table="exposures"))
    status[huge] = "excluded"
    reason[huge] = "value-overflow"
    counted = status == "included"
    for s in SCOPES:
        L[f"financed_scope{s}"] = np.where(counted, fe[s], np.nan)
    project = counted & (L["asset_class"] == "project_finance")
    L["financed_lifetime"] = np.where(project, life, np.nan)
    L["status"], L["reason"] = status, reason
    return pd.DataFrame({c: L[c] for c in EXPOSURE_COLUMNS}), issues


def _sum(v: np.ndarray) -> float:
    return float(np.nansum(v)) if len(v) else 0.0


def _score(weight: np.ndarray, score: np.ndarray) -> float | None:
    """PCAF's weighted data-quality score over the lines given (None without a weight)."""
    ok = ~np.isnan(score) & ~np.isnan(weight)
    w = weight[ok].sum()
    return float((weight[ok] * score[ok]).sum() / w) if w > 0 else None


def _group(g: pd.DataFrame) -> dict[str, Any]:
    """The sums of a group of lines: financed emissions by scope, gross exposure (every line with a
    rate) and the part covered, the share covered, the weighted scores, the counts."""
    counted = (g["status"] == "included").to_numpy()
    gross = g["gross_exposure"].to_numpy(dtype="float64")
    exposed = g["status"].isin(["included", "not_covered"]).to_numpy()
    total, cov = _sum(gross[exposed]), _sum(gross[counted])
    s3 = counted & ~np.isnan(g["scope3"].to_numpy(dtype="float64"))
    return {
        "scope1": _sum(g["financed_scope1"].to_numpy(dtype="float64")),
        "scope2": _sum(g["financed_scope2"].to_numpy(dtype="float64")),
        "scope3": _sum(g["financed_scope3"].to_numpy(dtype="float64")),
        "gross_exposure": total,
        "gross_exposure_covered": cov,
        "covered_share": cov / total if total > 0 else None,
        "weighted_score_scope1_2": _score(gross[counted], g["pcaf_score"].to_numpy(dtype="float64")[counted]),
        "weighted_score_scope3": _score(gross[s3], g["pcaf_score_scope3"].to_numpy(dtype="float64")[s3]),
        "exposures": int(exposed.sum()),
        "covered": int(counted.sum()),
    }


def summary(ex: pd.DataFrame, currency: str) -> dict[str, Any]:
    """results.json's ``financed_emissions``: the whole portfolio, by asset class (in the
    vocabulary's order) and by industry and asset class (where the industry is given), and the
    trace lines."""
    whole = _group(ex)
    by_class = []
    for k in vocab.values("asset_class"):
        g = ex[ex["asset_class"] == k]
        if len(g):
            by_class.append({"asset_class": str(k), "name_zh": vocab.label("asset_class", k, "zh-CN"),
                             "name_en": vocab.label("asset_class", k, "en"), **_group(g)})
    # the asset classes of the IFRS taxonomy (FinancedEmissionsAssetClassAxis; IFRS S2 B62(a)(ii)),
    # each the sum of the PCAF classes the vocabulary maps onto it (``member``), in order of first use
    members = {str(k): vocab.term("asset_class", k).get("member") for k in vocab.values("asset_class")}
    by_ifrs = []
    for m in dict.fromkeys(members.values()):
        g = ex[ex["asset_class"].isin([k for k, v in members.items() if v == m])]
        if len(g):
            by_ifrs.append({"ifrs_class": m, **_group(g)})
    by_industry = []
    ind = ex[ex["industry"].notna()]
    for (industry, k), g in sorted(ind.groupby(["industry", "asset_class"], sort=False), key=lambda x: (x[0][0], str(x[0][1]))):
        by_industry.append({"industry": str(industry), "asset_class": str(k), **_group(g)})
    counted = (ex["status"] == "included").to_numpy()
    lifetime = ex["financed_lifetime"].to_numpy(dtype="float64")
    records = ex.astype(object).where(ex.notna(), None).to_dict("records")
    for r in records:
        r["row"] = int(r["row"])
        r["attribution_assumed"] = bool(r["attribution_assumed"])
    return {
        "currency": currency,
        "category15": whole["scope1"] + whole["scope2"],   # the financed scope 1 + 2: the institution's category 15
        **whole,
        "projected_lifetime": _sum(lifetime[counted]) if (~np.isnan(lifetime[counted])).any() else None,
        "by_asset_class": by_class,
        "by_ifrs_class": by_ifrs,
        "by_industry": by_industry,
        "lines": records,
    }


def section(inv: Inventory, settings: Any, place: Any = None) -> tuple[dict[str, Any] | None, list[Issue]]:
    """results.json's ``financed_emissions`` and the calculation's issues (None when there are no
    exposures)."""
    ex, issues = lines(inv, settings, place)
    if ex is None or ex.empty:
        return None, issues
    return summary(ex, settings.currency), issues
