"""The Word report's financed-emissions part (results.json ``financed_emissions``; shown only when
there are exposures): a paragraph, a table by asset class with the gross exposure, the share
covered, the financed scope 1, 2 and 3 and PCAF's weighted data-quality score, and a note saying
that the financed scope 1 + 2 are the institution's Scope 3 category 15 and how projected lifetime
emissions are reported. Nothing is computed here but the formatting."""

from __future__ import annotations

from typing import Any

from ..numbers import fmt


def _score(v: Any) -> str:
    return "—" if v is None else f"{v:.2f}"


def section(results: dict[str, Any], t: dict[str, Any]) -> dict[str, Any] | None:
    """The template's ``m.financed`` (None without exposures). ``t``: the report's texts."""
    fin = results.get("financed_emissions")
    if not fin:
        return None
    en = t.get("lang") == "en"

    def row(g: dict[str, Any], name: str) -> dict[str, str]:
        return {"name": name, "exposure": fmt(g.get("gross_exposure"), "money"),
                "covered": fmt(g.get("covered_share"), "share"), "s1": fmt(g.get("scope1")),
                "s2": fmt(g.get("scope2")),
                # no counterparty's scope 3 given in the group: a dash, not a zero
                "s3": fmt(g.get("scope3")) if g.get("weighted_score_scope3") is not None or g.get("scope3") else "—",
                "score": _score(g.get("weighted_score_scope1_2"))}

    rows = [row(g, g["name_en"] if en else g["name_zh"]) for g in fin.get("by_asset_class") or []]
    notes = [t["financed_category15"].format(total=fmt(fin.get("category15")))]
    if fin.get("weighted_score_scope3") is not None:
        notes.append(t["financed_scope3_score"].format(score=_score(fin.get("weighted_score_scope3"))))
    if fin.get("projected_lifetime") is not None:
        notes.append(t["financed_lifetime"].format(total=fmt(fin.get("projected_lifetime"))))
    return {
        "p": t["financed_p"].format(n=fin.get("exposures"), covered=fin.get("covered"),
                                    share=fmt(fin.get("covered_share"), "share"),
                                    exposure=fmt(fin.get("gross_exposure"), "money"),
                                    currency=fin.get("currency") or "",
                                    score=_score(fin.get("weighted_score_scope1_2"))),
        "head_exposure": t["col_gross_exposure"].format(currency=fin.get("currency") or ""),
        "rows": rows,
        "total": row(fin, t["col_total"]),
        "notes": notes,
    }
