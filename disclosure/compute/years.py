"""Year over year: the prior period's figures beside this one's (``prior`` and ``change`` in
results.json), and the base-year recalculation check.

The check looks for structural changes between the prior report and this one: entities and
facilities added or removed, a changed consolidation approach, GWP set or grid factor level, and
factor datasets whose id or version changed. The emissions of what was added or removed are
compared with the prior year's Scope 1 + 2 (location-based); above the threshold (a setting,
``options.base_year_threshold`` in report.yaml, default 5 %) a base-year recalculation is
required. Every finding is one line of the recalculation log."""

from __future__ import annotations

from typing import Any

from ..core import vocabulary as vocab
from ..core.rounding import published_totals

TOTALS = vocab.TOTALS
SETTINGS = ["consolidation", "gwp", "grid_factor_level", "grid_year", "default_fuel_basis"]


def with_prior(results: dict[str, Any], prior: dict[str, Any], threshold: float) -> dict[str, Any]:
    """``results`` with the ``prior``, ``change`` and ``base_year`` sections added (``compare``, at
    the threshold the settings ask for: ``options.base_year_threshold``)."""
    return {**results, **compare(results, prior, threshold)}


def _s12(rec: dict[str, Any]) -> float:
    return float(rec.get("scope1") or 0.0) + float(rec.get("scope2_location") or 0.0)


def compare(current: dict[str, Any], prior: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The ``prior``, ``change`` and ``base_year`` sections for ``current`` given ``prior``; a
    recalculation is required above ``threshold`` (the setting ``options.base_year_threshold``)."""
    ct, pt = current.get("totals") or {}, prior.get("totals") or {}
    change = {}
    for k in TOTALS:
        a, b = pt.get(k), ct.get(k)
        if a is None or b is None:
            continue
        change[k] = {"prior": a, "current": b, "absolute": b - a, "relative": (b - a) / a if a else None}
    log: list[dict[str, Any]] = []
    base = _s12(pt)

    def members(res: dict[str, Any], key: str, ident: str) -> dict[str, dict[str, Any]]:
        return {str(r.get(ident)): r for r in res.get(key) or []}

    structural = 0.0
    for key, ident, kind in (("by_entity", "entity_id", "entity"), ("by_facility", "facility_id", "facility")):
        now, before = members(current, key, ident), members(prior, key, ident)
        # added: this year's emissions of what is new; removed: the prior year's of what is gone
        for what, there, absent in (("added", now, before), ("removed", before, now)):
            for i in sorted(set(there) - set(absent)):
                e = _s12(there[i])
                if kind == "entity":
                    structural += e
                log.append({"change": f"{kind}_{what}", "item": i, "name": there[i].get("name"),
                            "scope1_2_location": e, "share_of_prior": e / base if base else None})
    cs, ps = current.get("settings") or {}, prior.get("settings") or {}
    for k in SETTINGS:
        if cs.get(k) != ps.get(k):
            log.append({"change": "method_changed", "item": k, "prior": ps.get(k), "current": cs.get(k)})
    cf = {d["id"]: d.get("version") for d in current.get("factor_datasets") or []}
    pf = {d["id"]: d.get("version") for d in prior.get("factor_datasets") or []}
    for i in sorted(set(cf) | set(pf)):
        if cf.get(i) != pf.get(i):
            log.append({"change": "factor_changed", "item": i, "prior": pf.get(i), "current": cf.get(i)})
    share = structural / base if base else None
    required = bool(share is not None and share > threshold) or any(
        x["change"] == "method_changed" and x["item"] in ("consolidation", "gwp") for x in log)
    return {
        "prior": {"period": prior.get("period"), "totals": {k: pt.get(k) for k in TOTALS if k in pt},
                  "published": published_totals({k: pt.get(k) for k in TOTALS if k in pt})},
        "change": change,
        "base_year": {
            "base_period": prior.get("period"),
            "threshold": threshold,
            "structural_change_scope1_2_location": structural,
            "structural_change_share": share,
            "recalculation_required": required,
            "log": log,
        },
    }
