"""The Word report's carbon-market section (5.12), from ``results["carbon_market"]`` (issue 16).

Three cases, one of them shown:

- **not applicable** (不适用): the entity is outside the carbon market, i.e. the disclosures declare
  the ``carbon_market`` group not applicable (the reason is theirs), or the setting
  ``carbon_market.covered`` says no (its ``not_covered_reason``), or there is neither a ledger nor
  any carbon-market figure in the disclosures; one sentence with the reason, no table of 未披露;
- **the ledger**: the year's movements in tonnes, the obligations against the surrender, the money
  side under 财会〔2019〕22号 with its tie-out to the financial-statement line items and the policy
  sentence, and the verified ETS emissions reconciled to each facility's Scope 1;
- **the disclosed figures** only (no ledger): the table of the disclosures' five positions.

Every word comes from ``text.yaml`` (keys ``cm_*``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...core import vocabulary as vocab
from ...core.text import pick
from ..numbers import fmt

FIGURES = ("allowances_allocated", "allowances_surrendered", "allowances_bought", "allowances_sold", "ccer_used")
MOVEMENTS = ("opening", "allocated", "issued", "bought", "sold", "surrendered", "closing")
MONEY = ("opening_carrying", "bought_cost", "surrender_cost", "sale_proceeds", "sale_cost", "sale_gains",
         "sale_losses", "carrying_amount")
# the financial-statement line items the money side ties to (财会〔2019〕22号 五): (line, component, key)
TIE_OUT = (("fs_other_current_assets", "cm_carbon_assets_closing", "carrying_amount"),
           ("fs_non_operating_income", "cm_sale_gains", "sale_gains"),
           ("fs_non_operating_expenses", "cm_surrender_cost", "surrender_cost"),
           ("fs_non_operating_expenses", "cm_sale_losses", "sale_losses"),
           ("fs_cash_paid", "cm_bought_cost", "bought_cost"))


def _reason(text: Any, lang: str) -> str:
    """A reason in the report's language: {zh, en}, or a "中文 / English" text, or a plain string."""
    if isinstance(text, dict):
        return text.get("en" if lang == "en" else "zh") or text.get("zh" if lang == "en" else "en") or ""
    return pick(str(text), lang) if text else ""


def not_applicable(results: dict[str, Any], lang: str, t: dict[str, Any]) -> str | None:
    """The sentence saying the section does not apply, with its reason; None when it applies."""
    cm = results.get("carbon_market") or {}
    disc = results.get("disclosures") or {}
    declared = (disc.get("status") or {}).get("carbon_market") or {}
    if declared.get("state") == "not_applicable":
        reason = _reason(declared.get("reason"), lang) or t["cm_na_default"]
    elif cm.get("covered") is False and cm.get("not_covered_reason"):
        reason = _reason(cm["not_covered_reason"], lang)
    elif cm.get("covered") is False and not any((disc.get("carbon_market") or {}).get(k) is not None
                                                for k in FIGURES):
        reason = t["cm_na_default"]
    else:
        return None
    return t["cm_na"].format(reason=reason.rstrip("。.") if reason else t["cm_na_default"])


def context(results: dict[str, Any], d: Any, t: dict[str, Any], lang: str, currency: str,
            e: Callable[[Any], str]) -> dict[str, Any]:
    """The section's context (``m.cm`` in the template)."""
    na = t["not_disclosed"]
    cm = results.get("carbon_market") or {}
    disc = d.get("carbon_market") or {}
    market = [{"label": vocab.label("carbon_market_item", "compliance_period", lang, capital=True),
               "value": disc.get("compliance_period") or na, "unit": ""}]
    market += [{"label": vocab.label("carbon_market_item", k, lang, capital=True), "value": e(disc.get(k)),
                "unit": t["unit_tco2e"]} for k in FIGURES]
    # every key the template reads, empty unless there is a ledger
    # column heads that are the vocabulary's labels (a ledger movement, a kind of unit)
    heads = {"verified": vocab.label("carbon_movement", "verified", lang, capital=True),
             "allowance": vocab.label("carbon_unit", "allowance", lang, capital=True)}
    out: dict[str, Any] = {"na": not_applicable(results, lang, t) or "", "ledger": False, "market": market,
                           "heads": heads,
                           "intro": "", "movements": [], "obligations": [], "money": [], "tie_out": [], "policy": "",
                           "formula": "", "recon": [], "money_header": t["col_amount"].format(currency=currency)}
    if out["na"] or "accounting" not in cm:
        return out

    def money(v: Any) -> str:
        return fmt(v, "money", empty=na)

    def tonnes(v: Any) -> str:
        return fmt(v, "emissions", empty=na)

    mv = cm.get("movements") or {}
    acc = cm["accounting"]
    rec = cm.get("reconciliation") or []
    share = cm.get("scope1_covered_share")
    names = {x.get("entity_id"): x.get("name") for x in results.get("by_entity") or []}
    obligations = []
    for o in cm.get("obligations") or []:
        if not o["allowances"] and not o["ccers"]:
            position = t["cm_pending"]
        elif o["difference"] < 0:
            position = t["cm_shortfall"].format(n=tonnes(-o["difference"]))
        elif o["difference"] > 0:
            position = t["cm_surplus"].format(n=tonnes(o["difference"]))
        else:
            position = t["cm_settled"]
        obligations.append({"entity": names.get(o["entity_id"]) or o["entity_id"], "year": str(o["compliance_year"]), "verified": tonnes(o["verified"]),
                            "allowances": tonnes(o["allowances"]), "ccers": tonnes(o["ccers"]), "position": position})
    formula = vocab.label("cost_formula", cm.get("cost_formula"), lang) if cm.get("cost_formula") else na
    out.update({
        "ledger": True,
        "intro": t["cm_intro"].format(year=cm.get("year"), n=len(rec), verified=tonnes(cm.get("verified_emissions")),
                                      share=fmt(share, "share", empty=na)),
        "movements": [{"label": vocab.label("carbon_movement", k, lang, capital=True), "allowance": tonnes((mv.get("allowance") or {}).get(k)),
                       "ccer": tonnes((mv.get("ccer") or {}).get(k))} for k in MOVEMENTS],
        "obligations": obligations,
        "money": [{"label": t[f"cm_{k}"], "amount": money(acc.get(k))} for k in MONEY],
        "tie_out": [{"line": t[line], "item": t[item], "amount": money(acc.get(key))} for line, item, key in TIE_OUT],
        "policy": _reason(cm.get("policy"), lang),
        "formula": t["cm_formula"].format(formula=formula),
        "recon": [{"facility": r.get("name") or r["facility_id"], "verified": tonnes(r["verified"]),
                   "non_co2": tonnes(r["non_co2_gases"]), "outside": tonnes(r["sources_outside_ets"]),
                   "boundary": tonnes(r["boundary_and_factors"]), "scope1": tonnes(r["scope1"])} for r in rec],
        "money_header": t["col_amount"].format(currency=currency),
    })
    return out
