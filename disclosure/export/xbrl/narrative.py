"""The methodology text blocks, in zh-CN and English, written from results.json.

Each function returns an XHTML fragment (a ``div`` in the XHTML namespace, as text) or None when
there is nothing to say. The fragments are the values of text-block facts: escaped in the xBRL-XML
instance, inline in the Inline XBRL page. They state what results.json records and nothing more.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ...core import vocabulary as vocab
from ...core.text import pick
from .. import methods
from ..numbers import fmt

XHTML = "http://www.w3.org/1999/xhtml"

def _zh(lang: str) -> bool:
    return not lang.lower().startswith("en")


def _l(enum: str, key: Any, lang: str, long: bool = False, capital: bool = False) -> str:
    """The vocabulary's label of a value (core/vocabulary.yaml)."""
    return vocab.label(enum, key, lang, long, capital)


def _div() -> etree._Element:
    return etree.Element(f"{{{XHTML}}}div", nsmap={None: XHTML})


def _p(parent: etree._Element, text: str) -> None:
    etree.SubElement(parent, f"{{{XHTML}}}p").text = text


def _table(parent: etree._Element, head: list[str], rows: list[list[str]]) -> None:
    t = etree.SubElement(parent, f"{{{XHTML}}}table")
    tr = etree.SubElement(etree.SubElement(t, f"{{{XHTML}}}thead"), f"{{{XHTML}}}tr")
    for h in head:
        etree.SubElement(tr, f"{{{XHTML}}}th").text = h
    body = etree.SubElement(t, f"{{{XHTML}}}tbody")
    for row in rows:
        tr = etree.SubElement(body, f"{{{XHTML}}}tr")
        for cell in row:
            etree.SubElement(tr, f"{{{XHTML}}}td").text = cell


def _text(div: etree._Element) -> str | None:
    if len(div) == 0:
        return None
    return etree.tostring(div, encoding="unicode")


def paragraph(text: str) -> str | None:
    div = _div()
    for para in str(text).split("\n\n"):
        if para.strip():
            _p(div, para.strip())
    return _text(div)


def approach(r: dict[str, Any], lang: str) -> str | None:
    st = r.get("settings") or {}
    cons = st.get("consolidation") in vocab.enumeration("consolidation")
    group, others = _l("disclosure_basis", "consolidated_group", lang), _l("disclosure_basis", "other_investees", lang)
    gwp = _l("gwp", st.get("gwp"), lang)
    location, market = _l("scope2_method", "location", lang, long=True), _l("scope2_method", "market", lang, long=True)
    div = _div()
    if _zh(lang):
        _p(div, "温室气体排放按《温室气体核算体系：企业核算与报告标准》及其范围二指南、范围三标准计量，"
                "燃料燃烧按 GB/T 32150-2015 与生态环境部企业温室气体排放核算指南的方法计算，逐行核算并可追溯至输入数据与排放因子。")
        if cons:
            _p(div, f"组织边界采用{_l('consolidation', st['consolidation'], lang)}；范围一和范围二排放区分{group}与{others}列示。")
        if _investees_in_category15(r):
            _p(div, "未纳入组织边界的被投资单位（合营企业、联营企业）的范围一和范围二排放按持股比例计入范围三类别 15（投资）。")
        elif cons and st["consolidation"] != "equity_share" and st.get("category15_investees_reason"):
            _p(div, f"未纳入组织边界的被投资单位的排放未计入范围三类别 15：{pick(st['category15_investees_reason'], lang)}")
        if st.get("gwp"):
            _p(div, f"各温室气体按{gwp}的 100 年全球增温潜势值折算为二氧化碳当量。")
        if st.get("combustion_non_co2") is not None:
            _p(div, "燃料燃烧产生的甲烷和氧化亚氮已计入范围一。" if st["combustion_non_co2"]
               else "燃料燃烧产生的甲烷和氧化亚氮未计入。")
        _p(div, f"{_l('memo_total', 'biogenic_co2', lang)}在各范围之外单独列示。范围二同时按{location}和{market}列示。")
    else:
        _p(div, "GHG emissions are measured in accordance with the GHG Protocol Corporate Standard, its Scope 2 "
                "Guidance and the Scope 3 Standard; fuel combustion follows GB/T 32150-2015 and the MEE enterprise "
                "GHG accounting guidelines. Each figure is computed line by line and traceable to its input rows "
                "and emission factors.")
        if cons:
            _p(div, f"The organisational boundary follows the {_l('consolidation', st['consolidation'], lang)}; Scope 1 "
                    f"and Scope 2 emissions are split between the {group} and {others}.")
        if _investees_in_category15(r):
            _p(div, "The Scope 1 and 2 emissions of investees outside the organisational boundary (joint ventures, "
                    "associates) are included in Scope 3 category 15 (investments) at the equity share.")
        elif cons and st["consolidation"] != "equity_share" and st.get("category15_investees_reason"):
            _p(div, "The emissions of investees outside the organisational boundary are not included in Scope 3 "
                    f"category 15: {pick(st['category15_investees_reason'], lang)}")
        if st.get("gwp"):
            _p(div, f"Gases are converted to CO2 equivalent with the 100-year global warming potentials of the {gwp}.")
        if st.get("combustion_non_co2") is not None:
            _p(div, "Methane and nitrous oxide from fuel combustion are included in Scope 1." if st["combustion_non_co2"]
               else "Methane and nitrous oxide from fuel combustion are not included.")
        _p(div, f"{_l('memo_total', 'biogenic_co2', lang, capital=True)} from biomass combustion is reported "
                f"separately, outside the scopes. Scope 2 is reported with both the {location} and the {market}.")
    return _text(div)


def _investees_in_category15(r: dict[str, Any]) -> bool:
    """Whether category 15 holds the investees' equity share: the setting, an investee outside the
    boundary (owned, not controlled), and lines in the category."""
    c15 = next((c for c in r.get("scope3_categories") or [] if c.get("category") == 15), {})
    investees = any(e.get("role") == "outside_boundary" and (e.get("ownership") or 0) > 0 for e in r.get("boundary") or [])
    return bool((r.get("settings") or {}).get("category15_investees") and investees and c15.get("included"))


def basis(r: dict[str, Any], lang: str) -> str | None:
    """The basis of measurement: what the lines used (``export.methods``, per facility: fuel
    parameter datasets, grid factors and their fallback, the market-based factor where it is above
    location-based), the residual factor, the precedence of factors, category 3."""
    st = r.get("settings") or {}
    div = _div()
    market = _l("scope2_method", "market", lang)
    order = " > ".join(_l("precedence", p, lang) for p in st.get("precedence") or [])
    for text in methods.named(methods.combustion(r, lang) + methods.grid(r, lang), r, lang):
        _p(div, text)
    if _zh(lang):
        if st.get("residual_factor") is not None:
            _p(div, f"{market}的范围二中未被能源属性凭证覆盖的电量采用“全国电力平均二氧化碳排放因子（不包括市场化交易的非化石能源电量）”"
                    f" {st['residual_factor']} tCO2/MWh（中国尚无剩余组合因子）。")
    else:
        if st.get("residual_factor") is not None:
            _p(div, f"{vocab.cap(market)} Scope 2 applies, to electricity not covered by contractual instruments, the national "
                    f"average factor excluding market-traded non-fossil electricity, {st['residual_factor']} tCO2/MWh "
                    "(China publishes no residual mix).")
    for text in methods.named(methods.market_above_location(r, lang), r, lang):
        _p(div, text)
    if _zh(lang):
        if st.get("precedence"):
            _p(div, f"排放因子的优先顺序：{order}。")
        if st.get("category3_electricity"):
            _p(div, f"范围三类别3（外购电力的上游排放）：{methods.dataset_names(st['category3_electricity'], r, lang)}。")
    else:
        if st.get("precedence"):
            _p(div, f"Emission factor precedence: {order}.")
        if st.get("category3_electricity"):
            _p(div, f"Scope 3 category 3 (upstream of purchased electricity): {methods.dataset_names(st['category3_electricity'], r, lang)}.")
    for text in methods.scope3_reliefs(r, lang):
        _p(div, text)
    return _text(div)



def factors(r: dict[str, Any], lang: str) -> str | None:
    ds = r.get("factor_datasets") or []
    if not ds:
        return None
    div = _div()
    zh = _zh(lang)
    _p(div, "计算所用的排放因子数据集（版本与文件摘要见下表，结果中每一行均记录其所用数据集）：" if zh else
       "Emission factor datasets used (each line of the trace records the dataset it used):")
    head = ["数据集", "版本", "年份", "名称", "发布机构"] if zh else ["Dataset", "Version", "Year", "Title", "Publisher"]
    rows = [[str(d.get("id") or ""), str(d.get("version") or ""), str(d.get("year") or ""),
             methods.dataset_title(d, lang), methods.dataset_text(d, "publisher", lang) or ""]
            for d in ds]
    _table(div, head, rows)
    return _text(div)


def instruments(r: dict[str, Any], lang: str) -> str | None:
    ins = r.get("scope2_instruments") or []
    zh = _zh(lang)
    div = _div()
    market = _l("scope2_method", "market", lang)
    if not ins:
        _p(div, f"本期没有用于{market}的范围二的能源属性凭证。" if zh else
           f"No contractual instruments were used for {market} Scope 2 in the period.")
        return _text(div)
    gec = _l("instrument_type", "gec", lang)
    _p(div, f"{market}的范围二所用的能源属性凭证（每张{gec}对应 1,000 kWh；凭证电量不超过所在设施的用电量）：" if zh else
       f"Contractual instruments used for {market} Scope 2 (one {gec} conveys 1,000 kWh; instruments never "
       "exceed the facility's consumption):")
    head = (["凭证编号", "类型", "设施", "计入电量（MWh）", "排放因子（tCO2/MWh）", "状态"] if zh else
            ["Instrument", "Type", "Facility", "Electricity covered (MWh)", "Emission factor (tCO2/MWh)", "Status"])
    rows = []
    for i in ins:
        status = _l("instrument_status", i.get("status"), lang, capital=not zh)
        if i.get("reason"):
            status += f"（{pick(i['reason'], lang)}）" if zh else f" ({pick(i['reason'], lang)})"
        rows.append([str(i.get("instrument_id") or ""), _l("instrument_type", i.get("type"), lang),
                     str(i.get("facility_id") or ""),
                     fmt(i.get("mwh_used"), "energy"), fmt(i.get("emission_factor"), "intensity"), status])
    _table(div, head, rows)
    return _text(div)


def scope3_inclusion(r: dict[str, Any], lang: str) -> str | None:
    cats = r.get("scope3_categories") or []
    if not cats:
        return None
    zh = _zh(lang)
    div = _div()
    n = sum(1 for c in cats if c.get("included"))
    _p(div, f"已考虑范围三全部 15 个类别，其中 {n} 个类别纳入计量。" if zh else
       f"All 15 Scope 3 categories were considered; {n} are included in the measure.")
    head = (["类别", "是否纳入", "排放量（tCO2e）", "核算方法", "未纳入原因"] if zh else
            ["Category", "Included", "Emissions (tCO2e)", "Methods", "Reason if not included"])
    rows = []
    for c in cats:
        name = c.get("name_zh") if zh else c.get("name_en")
        methods = vocab.labels_of("scope3_method", c.get("methods") or [], lang)
        reason = pick(str(c.get("reason") or ""), lang) or ""
        rows.append([f"{c.get('category')} {name or ''}".strip(), _l("boolean", bool(c.get("included")), lang),
                     fmt(c.get("co2e"), "emissions") if c.get("included") else "—",
                     methods, reason])
    _table(div, head, rows)
    for c in cats:
        if c.get("coverage") == "partial" and c.get("coverage_note"):
            _p(div, (pick(c["coverage_note"], lang) or "") + ("。" if zh else "."))
    return _text(div)


def scope3_share(r: dict[str, Any], key: str, lang: str) -> str | None:
    v = (r.get("scope3_data_quality") or {}).get(key)
    if v is None:
        return None
    div = _div()
    share = fmt(v, "share")
    if key == "primary_share":
        _p(div, f"按排放量计，{share} 的范围三排放采用来自价值链特定活动的一手数据计量，其余采用二手数据（行业平均、支出法因子等）。"
           if _zh(lang) else
           f"By emissions, {share} of Scope 3 emissions are measured using inputs from specific activities within the "
           "value chain (primary data); the rest use secondary data (industry averages, spend-based factors).")
    else:
        _p(div, f"按排放量计，{share} 的范围三排放所用输入数据经过外部验证。" if _zh(lang) else
           f"By emissions, {share} of Scope 3 emissions are measured using verified inputs.")
    return _text(div)


def _setting_value(item: str, v: Any, lang: str) -> str:
    """A setting's value as the reports print it: the label of its enumeration, if it has one."""
    if v is None:
        return "—"
    takes = vocab.term("setting", item).get("takes") if item in vocab.enumeration("setting") else None
    return _l(takes, v, lang) if takes else str(v)


def base_year(r: dict[str, Any], lang: str) -> str | None:
    """The base-year recalculation check (``base_year`` of results.json, from ``report --prior``): the
    outcome in one paragraph, then the recalculation log as a table."""
    by = r.get("base_year")
    if not isinstance(by, dict):
        return None
    zh = _zh(lang)
    period = by.get("base_period") or {}
    span = f"{period.get('start', '?')} – {period.get('end', '?')}"
    share = by.get("structural_change_share")
    s12 = _l("total", "scope1_2_location", lang)
    div = _div()
    if zh:
        text = (f"以 {span} 为基准期，结构性变化（主体的并入与剥离）涉及的{s12}排放为 "
                f"{fmt(by.get('structural_change_scope1_2_location'))} tCO2e，占基准期排放的 {fmt(share, 'share')}；"
                f"重要性阈值为 {fmt(by.get('threshold'), 'share')}。")
        text += ("结构性变化或核算方法变更达到重新计算条件，需要重新计算基准年排放。" if by.get("recalculation_required")
                 else "未达到重新计算条件，基准年排放无需重新计算。")
    else:
        text = (f"Against the base period {span}, structural changes (entities acquired or divested) account for "
                f"{fmt(by.get('structural_change_scope1_2_location'))} tCO2e of {s12} emissions, {fmt(share, 'share')} of the base period's; the significance threshold is "
                f"{fmt(by.get('threshold'), 'share')}. ")
        text += ("The structural or methodological changes meet the condition for recalculation: base-year emissions "
                 "must be recalculated." if by.get("recalculation_required") else
                 "The condition for recalculation is not met: base-year emissions are not recalculated.")
    _p(div, text)
    log = by.get("log") or []
    if log:
        head = (["变化", "项目", "名称", f"{s12}（tCO2e）", "占基准期比例", "基准期", "本期"] if zh else
                ["Change", "Item", "Name", f"{s12} (tCO2e)", "Share of base period", "Base period", "This period"])
        rows = []
        for x in log:
            change, item = str(x.get("change")), str(x.get("item") or "")
            structural = "scope1_2_location" in x
            method = change == "method_changed"
            rows.append([_l("change_kind", change, lang, capital=not zh),
                         _l("setting", item, lang, capital=not zh) if method else item, str(x.get("name") or ""),
                         fmt(x.get("scope1_2_location")) if structural else "—",
                         fmt(x.get("share_of_prior"), "share") if structural else "—",
                         "—" if structural else _setting_value(item, x.get("prior"), lang) if method
                         else str(x.get("prior") if x.get("prior") is not None else "—"),
                         "—" if structural else _setting_value(item, x.get("current"), lang) if method
                         else str(x.get("current") if x.get("current") is not None else "—")])
        _table(div, head, rows)
    return _text(div)


# the builders of the XHTML fragments, for the other writers of text blocks (``statements``)
fragment, para, table, serialise = _div, _p, _table, _text
