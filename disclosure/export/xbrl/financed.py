"""Financed emissions on the IFRS taxonomy's concepts (IFRS S2 ¶29(a)(vi)(2), B62 commercial banking),
from results.json ``financed_emissions`` (present only when there are exposures): the absolute gross
financed emissions by scope of the counterparties, the gross exposure and the percentage of it
included, in total and on ``FinancedEmissionsAssetClassAxis`` (results.json ``by_ifrs_class``), and
the methodology as a text block in each language. The taxonomy has no concept for PCAF's weighted
data-quality score, for the attribution factors or for projected lifetime emissions: they are
stated in the methodology text (IFRS S2 B62(d)), not tagged on an extension concept.

The GICS industry axis (a typed axis) is not used: the industries of the exposures are shown in
results.json and the Word report only."""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..numbers import fmt
from .narrative import XHTML

AXIS = "ifrs-sds:FinancedEmissionsAssetClassAxis"
SCOPES = {"scope1": "ifrs-sds:AbsoluteGrossFinancedEmissionsScope1",
          "scope2": "ifrs-sds:AbsoluteGrossFinancedEmissionsScope2",
          "scope3": "ifrs-sds:AbsoluteGrossFinancedEmissionsScope3"}
EXPOSURE = "ifrs-sds:GrossExposure"
INCLUDED = "ifrs-sds:PercentageOfGrossExposureIncludedInFinancedEmissionsCalculation"
METHOD = "ifrs-sds:MethodologyUsedToCalculateFinancedEmissionsExplanatory"
SECTION = "514000"   # shown with Scope 3, of which financed emissions are category 15


def facts(b: Any, r: dict[str, Any], pure: Any) -> None:
    """The financed-emissions facts onto the builder ``b`` (``facts._Builder``); ``pure``: the pure unit."""
    fin = r.get("financed_emissions")
    if not fin:
        return
    b.section = SECTION
    money = ((f"iso4217:{fin.get('currency') or 'CNY'}",), ())
    base = ("financed_emissions",)
    for key, concept in SCOPES.items():
        if key != "scope3" or fin.get("weighted_score_scope3") is not None:
            b.num(concept, (*base, key), "emissions")
    b.num(EXPOSURE, (*base, "gross_exposure"), "money", money, period="instant")
    b.num(INCLUDED, (*base, "covered_share"), "share", pure, scale=-2, period="instant")
    for g in fin.get("by_ifrs_class") or []:
        d = [(AXIS, f"ifrs-sds:{g['ifrs_class']}")]
        path = (*base, "by_ifrs_class", g["ifrs_class"])
        for key, concept in SCOPES.items():
            if key != "scope3" or g.get("weighted_score_scope3") is not None:
                b.num(concept, (*path, key), "emissions", dims=d)
        b.num(EXPOSURE, (*path, "gross_exposure"), "money", money, dims=d, period="instant")
    for lang in ("zh-CN", "en"):
        b.text(METHOD, ("text", "financed_method"), methodology(fin, lang), lang=lang, text_block=True)


def _div() -> etree._Element:
    return etree.Element(f"{{{XHTML}}}div", nsmap={None: XHTML})


def _p(parent: etree._Element, text: str) -> None:
    etree.SubElement(parent, f"{{{XHTML}}}p").text = text


def _score(v: Any) -> str:
    return "—" if v is None else f"{v:.2f}"


def methodology(fin: dict[str, Any], lang: str) -> str | None:
    """The methodology text (IFRS S2 B62(d)): PCAF's attribution, the weighted scores, category 15,
    the projected lifetime emissions."""
    zh = not lang.lower().startswith("en")
    div = _div()
    _p(div, "投融资排放按 PCAF《金融业温室气体核算和报告全球标准》第 A 部分（第 2 版，2022 年）核算：每笔敞口的排放为归因因子"
       "（未偿金额除以交易对手的含现金企业价值、权益与负债合计，或房产、车辆的发放时价值）乘以交易对手的排放，按交易对手的范围分别合计。"
       if zh else
       "Financed emissions follow PCAF's Global GHG Accounting and Reporting Standard Part A (2nd ed., 2022): each "
       "exposure's emissions are its attribution factor (the outstanding amount over the counterparty's EVIC, its "
       "total equity and debt, or the property's or vehicle's value at origination) times the counterparty's "
       "emissions, summed by the counterparty's scope.")
    _p(div, f"按敞口加权的 PCAF 数据质量评分（1 为最高，5 为最低）：范围一、二 {_score(fin.get('weighted_score_scope1_2'))}，"
       f"范围三 {_score(fin.get('weighted_score_scope3'))}；{fin.get('covered')} 笔敞口（共 {fin.get('exposures')} 笔）纳入计算。"
       if zh else
       f"PCAF data-quality score weighted by exposure (1 highest, 5 lowest): scopes 1 and 2 "
       f"{_score(fin.get('weighted_score_scope1_2'))}, scope 3 {_score(fin.get('weighted_score_scope3'))}; "
       f"{fin.get('covered')} of {fin.get('exposures')} exposures included.")
    _p(div, f"交易对手范围一、二排放的归因部分（{fmt(fin.get('category15'))} tCO2e）即本机构的范围三类别 15（投资），单独列报，未计入范围三合计。"
       if zh else
       f"The attributed scope 1 and 2 emissions of the counterparties ({fmt(fin.get('category15'))} tCO2e) are the "
       "entity's Scope 3 category 15 (investments), reported apart and not added to the Scope 3 total.")
    if fin.get("projected_lifetime") is not None:
        _p(div, f"本期新融资项目的预计全生命周期范围一、二排放（按归因因子）为 {fmt(fin.get('projected_lifetime'))} tCO2e，单独报告，不计入范围三。"
           if zh else
           f"Projected lifetime scope 1 and 2 emissions of the projects financed in the period, attributed: "
           f"{fmt(fin.get('projected_lifetime'))} tCO2e, reported apart from Scope 3.")
    return etree.tostring(div, encoding="unicode")


def page_blocks(p: Any, results: dict[str, Any]) -> list[Any]:
    """The Inline XBRL page's financed-emissions blocks (``inline.Page`` ``p``): a table of the
    tagged figures, in total and by the taxonomy's asset class, and the methodology text."""
    fin = results.get("financed_emissions")
    if not fin:
        return []
    base = "financed_emissions"
    rows = [[("合计", "Total"), p.ix(f"{base}/gross_exposure"), p.ix(f"{base}/covered_share"),
             p.ix(f"{base}/scope1"), p.ix(f"{base}/scope2"), p.ix(f"{base}/scope3")]]
    for g in fin.get("by_ifrs_class") or []:
        k = f"{base}/by_ifrs_class/{g['ifrs_class']}"
        rows.append([(IFRS_CLASS_ZH.get(g["ifrs_class"], g["ifrs_class"]), g["ifrs_class"].removesuffix("Member")),
                     p.ix(f"{k}/gross_exposure"), None, p.ix(f"{k}/scope1"), p.ix(f"{k}/scope2"), p.ix(f"{k}/scope3")])
    cur = fin.get("currency") or ""
    head = [("投融资排放（资产类别）", "Financed emissions (asset class)"), (f"总敞口（{cur}）", f"Gross exposure ({cur})"),
            ("纳入计算的敞口占比（%）", "Exposure included (%)"), ("范围一（tCO2e）", "Scope 1 (tCO2e)"),
            ("范围二（tCO2e）", "Scope 2 (tCO2e)"), ("范围三（tCO2e）", "Scope 3 (tCO2e)")]
    method = p.block(METHOD, (p.ix("text/financed_method@zh-CN"), p.ix("text/financed_method@en")),
                     ("投融资排放的计算方法", "Methodology used to calculate financed emissions"))
    return [p.table(head, rows, {1, 2, 3, 4, 5}), method]


# the zh-CN names of the taxonomy's asset-class members (the IFRS taxonomy has English labels only)
IFRS_CLASS_ZH = {"LoansMember": "贷款", "ProjectFinanceMember": "项目融资", "BondsMember": "债券",
                 "EquityInvestmentsMember": "股权投资", "UndrawnLoanCommitmentsMember": "未提取的贷款承诺"}
