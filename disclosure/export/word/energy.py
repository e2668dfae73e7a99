"""The energy-use section of chapter 5 (results.json ``energy``, compute/energy.py): its context
(every figure from results.json, formatted by ``export.numbers``; every word from ``text.yaml``).
The template's part is ``base._energy``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..numbers import fmt

# the rules a carrier's lines took, in the order the table names them (compute/energy.py BASES)
BASES = ("measured_ncv", "reference", "coal_equivalent", "energy_content", "not_converted")


def context(results: dict[str, Any], t: dict[str, Any], lang: str,
            names: Callable[[str], str] = str) -> dict[str, Any]:
    """``m.energy`` (``names``: a dataset reference id@version → its title, as the report names it):
    ``present``, the paragraph, the rows by carrier, the summary rows and the
    notes on method (the coefficients' source, the electricity method, a value chosen in a range)."""
    en = results.get("energy")
    if not isinstance(en, dict) or not en.get("by_carrier"):
        return {"present": False, "p": "", "rows": [], "summary": [], "notes": []}
    total = en.get("total_tce") or 0.0
    rows = []
    for c in sorted(en["by_carrier"], key=lambda c: (-(c.get("tce") or 0.0), c["carrier"])):
        if not c.get("tce") and "not_converted" not in (c.get("bases") or []):
            continue
        name = t["energy_carriers"].get(c["carrier"]) or (c.get("name_zh") if lang != "en" else c["carrier"])
        coef = (f"{c['coefficient']:g} {c['coefficient_unit']}" if c.get("coefficient") is not None else "—")
        if c.get("range"):
            coef += t["energy_range"].format(min=f"{c['range'][0]:.4f}", max=f"{c['range'][1]:.4f}")
        bases = [t["energy_bases"][b] for b in BASES if b in (c.get("bases") or [])]
        rows.append({"name": name or c["carrier"], "kind": t["energy_groups"].get(c.get("group"), c.get("group") or ""),
                     "tce": fmt(c.get("tce"), "energy"), "share": fmt(c.get("share"), "share"),
                     "coefficient": coef, "basis": t["energy_sep"].join(bases) or "—"})
    method = (t["energy_method_coal_equivalent"].format(value=f"{en.get('electricity_coefficient'):g}",
                                                        source=en.get("electricity_source") or "—")
              if en.get("electricity_method") == "coal_equivalent" else t["energy_method_equivalent"])
    summary = [
        (t["energy_total"], fmt(en.get("published_total_tce", total), "energy"), "tce"),
        (t["energy_direct"], fmt(en.get("direct_tce"), "energy"), "tce"),
        (t["energy_indirect"], fmt(en.get("indirect_tce"), "energy"), "tce"),
        (t["energy_gj"], fmt(en.get("consumed_gj"), "energy"), "GJ"),
        (t["energy_renewable"], fmt(en.get("renewable_tce"), "energy"), "tce"),
        (t["energy_renewable_share"], fmt(en.get("renewable_tce_share"), "share"), ""),
        (t["energy_renewable_electricity"], fmt(en.get("renewable_electricity_share"), "share"), ""),
        (t["energy_clean"], fmt(en.get("clean_tce"), "energy"), "tce"),
        (t["energy_clean_share"], fmt(en.get("clean_share"), "share"), ""),
    ]
    ir, io = en.get("intensity_per_revenue"), en.get("intensity_per_output")
    if isinstance(ir, dict):
        summary.append((t["energy_per_revenue"], fmt(ir.get("value"), "intensity"), t["energy_per_revenue_unit"]))
    if isinstance(io, dict):
        summary.append((t["energy_per_output"], fmt(io.get("value"), "intensity"), str(io.get("unit") or "")))
    measured = sum(c.get("measured_tce") or 0.0 for c in en["by_carrier"])
    notes = [t["energy_note_source"].format(dataset=names(en.get("dataset") or "—")), method]
    if measured:
        notes.append(t["energy_note_measured"].format(tce=fmt(measured, "energy")))
    ranged = [c for c in en["by_carrier"] if c.get("range") and c.get("tce")]
    for c in ranged:
        notes.append(t["energy_note_range"].format(
            name=(t["energy_carriers"].get(c["carrier"]) or c["carrier"]).capitalize() if lang == "en"
            else t["energy_carriers"].get(c["carrier"]) or c["carrier"],
            value=f"{c['coefficient']:g} {c['coefficient_unit']}", min=f"{c['range'][0]:.4f}", max=f"{c['range'][1]:.4f}"))
    notes.append(t["energy_note_clean"])
    return {
        "present": True,
        "p": t["energy_p"].format(total=fmt(en.get("published_total_tce", total), "energy"),
                                  direct=fmt(en.get("direct_tce"), "energy"),
                                  indirect=fmt(en.get("indirect_tce"), "energy")),
        "rows": rows,
        "summary": [{"label": a, "value": b, "unit": u} for a, b, u in summary],
        "notes": notes,
    }


def index(results: dict[str, Any], t: dict[str, Any], lang: str) -> dict[str, Any]:
    """``m.profile_index``: for an exchange profile (settings ``profile``), each item its guideline asks
    for (core/profiles.yaml) with the article, the level and where the report discloses it, or the
    reason it is not (the inventory lacks what it needs)."""
    from ...core import profiles

    profile = (results.get("settings") or {}).get("profile")
    if not profile or profile == "csds":
        return {"present": False, "rows": [], "p": ""}
    rows = []
    for item in profiles.items(profile):
        lacking = [n for n in item.needs if not profiles.has(results, n)]
        rows.append({"item": item.en if lang == "en" else item.zh, "article": item.article or "—",
                     "level": t["profile_levels"][item.level],
                     "where": t["profile_lacking"].format(needs=t["energy_sep"].join(lacking)) if lacking
                     else t[item.where]})
    return {"present": True, "rows": rows, "p": t["profile_p"].format(name=t["profile_names"][profile])}
