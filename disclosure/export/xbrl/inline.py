"""The Inline XBRL report: a readable bilingual XHTML page of the metrics chapter and the
methodology, in which every number is an ``ix:nonFraction`` fact.

The page skeleton is a Jinja template (``templates/report.xhtml.j2``, autoescaped); the tables and
the tagged facts are built with lxml and inserted as markup, then the whole page is parsed and
serialised again, so the output is well-formed XML and the same bytes on every run. Facts that have
no natural place on the page (enumeration URIs) go to ``ix:hidden``; no number ever does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jinja2
from lxml import etree
from markupsafe import Markup

from ...core import vocabulary as vocab
from ..numbers import fmt
from .facts import CATEGORIES, GASES, SCOPE1_SOURCES, SCOPE2_SOURCES, Fact, FactSet
from .instance import Registry, lexical, nsmap
from .narrative import XHTML
from .taxonomy import LINK, XLINK, XML_NS, spec

IX = "http://www.xbrl.org/2013/inlineXBRL"
IXT = "http://www.xbrl.org/inlineXBRL/transformation/2020-02-12"
H = f"{{{XHTML}}}"

# the figures the breakdowns show, and every label on the page, from the vocabulary (core/vocabulary.yaml)
SCOPES = ("scope1", "scope2_location", "scope2_market", "scope3")


def _lab(enum: str, key: object, long: bool = False) -> tuple[str, str]:
    """A value's labels as the page shows them: zh-CN, then English in a span."""
    return vocab.pair(enum, key, long)


def both(enum: str, key: object) -> str:
    """A value's labels in one cell of text: "运营控制权法 / Operational control approach"."""
    return " / ".join(_lab(enum, key))


def yes_no(v: object) -> str:
    """"是 yes" / "否 no": a boolean fact's visible text."""
    return " ".join(vocab.term("boolean", bool(v)).pair(capital=False))


# English headings on the page for the IFRS text blocks (their labels come from the IFRS taxonomy)
IFRS_HEADINGS = {
    "ApproachUsedToMeasureGHGEmissionsExplanatory": "Approach used to measure GHG emissions",
    "EmissionFactorsUsedInCalculatingGHGEmissionsExplanatory": "Emission factors used",
    "AnyContractualInstrumentsThatInformUnderstandingOfScope2GHGEmissionsExplanatory":
        "Contractual instruments that inform Scope 2 emissions",
    "DetailsOfInclusionWithinScope3GHGEmissionsExplanatory": "Scope 3 categories included",
    "ExtentScope3GHGEmissionsMeasuredUsingInputsFromSpecificActivitiesWithinValueChainExplanatory":
        "Scope 3 measured with inputs from specific activities in the value chain",
    "ExtentScope3GHGEmissionsMeasuredUsingVerifiedInputsExplanatory": "Scope 3 measured with verified inputs",
    "AmountAndPercentageOfAssetsOrBusinessActivitiesVulnerableToClimaterelatedTransitionRisksExplanatory":
        "Assets or activities vulnerable to transition risks",
    "AmountAndPercentageOfAssetsOrBusinessActivitiesVulnerableToClimaterelatedPhysicalRisksExplanatory":
        "Assets or activities vulnerable to physical risks",
    "AmountAndPercentageOfAssetsOrBusinessActivitiesAlignedWithClimaterelatedOpportunitiesExplanatory":
        "Assets or activities aligned with climate-related opportunities",
    "AmountOfCapitalExpenditureFinancingOrInvestmentDeployedTowardsClimaterelatedRisksAndOpportunitiesExplanatory":
        "Capital deployed towards climate-related risks and opportunities",
    "ExplanationOfWhetherAndHowCarbonPriceIsAppliedInDecisionmakingExplanatory":
        "How a carbon price is applied in decision-making",
    "MilestonesAndInterimTargetsExplanatory": "Milestones and interim targets",
}


def display_number(f: Fact) -> tuple[str, bool]:
    """The figure as printed (thousands separators, the report's digits) and whether negative."""
    v = f.value
    assert isinstance(v, Decimal)
    shown = v.scaleb(-f.scale)
    places = (f.decimals or 0) + f.scale
    neg = shown < 0
    return f"{abs(shown):,.{max(places, 0)}f}", neg


class Page:
    def __init__(self, fs: FactSet, reg: Registry):
        self.fs = fs
        self.reg = reg
        self.s = spec()
        self.index = {f.key: i for i, f in enumerate(fs.facts)}
        self.used: set[int] = set()

    # --- facts as ix elements ---------------------------------------------------------------------
    def ix(self, key: str, visible_text: str | None = None) -> etree._Element | None:
        i = self.index.get(key)
        if i is None:
            return None
        self.used.add(i)
        return self._element(i, visible_text)

    def _element(self, i: int, visible_text: str | None = None) -> etree._Element:
        f = self.fs.facts[i]
        attrs = {"name": f.concept, "contextRef": self.reg.context_of[i], "id": f"f{i + 1}"}
        if f.numeric:
            text, neg = display_number(f)
            attrs.update(unitRef=self.reg.unit_of[i], decimals=str(f.decimals), format="ixt:num-dot-decimal")
            if f.scale:
                attrs["scale"] = str(f.scale)
            if neg:
                attrs["sign"] = "-"
            el = etree.Element(f"{{{IX}}}nonFraction", attrib=attrs)
            el.text = text
            return el
        el = etree.Element(f"{{{IX}}}nonNumeric", attrib=attrs)
        if f.lang:
            el.set(f"{{{XML_NS}}}lang", f.lang)
        if f.text_block:
            el.set("escape", "true")
            el.append(etree.fromstring(f.value))
        elif isinstance(f.value, bool) and visible_text is not None:
            el.set("format", "ixt:fixed-true" if f.value else "ixt:fixed-false")
            el.text = visible_text
        else:
            el.text = lexical(f.value)
        return el

    def first(self, *keys: str) -> etree._Element | None:
        for k in keys:
            if k in self.index:
                return self.ix(k)
        return None

    def hidden(self) -> list[etree._Element]:
        """Facts not placed on the page (enumeration URIs: the page shows their labels instead)."""
        return [self._element(i) for i in range(len(self.fs.facts)) if i not in self.used]

    # --- building blocks ------------------------------------------------------------------------------
    def table(self, head: list[tuple[str, str]], rows: list[list[Any]], num_cols: set[int]) -> etree._Element:
        t = etree.Element(f"{H}table")
        tr = etree.SubElement(etree.SubElement(t, f"{H}thead"), f"{H}tr")
        for zh, en in head:
            th = etree.SubElement(tr, f"{H}th")
            th.text = zh
            if en:
                etree.SubElement(th, f"{H}span", attrib={"class": "en", f"{{{XML_NS}}}lang": "en"}).text = en
        body = etree.SubElement(t, f"{H}tbody")
        for row in rows:
            tr = etree.SubElement(body, f"{H}tr")
            for j, cell in enumerate(row):
                td = etree.SubElement(tr, f"{H}td")
                if j in num_cols:
                    td.set("class", "num")
                self._fill(td, cell)
        return t

    def _fill(self, td: etree._Element, cell: Any) -> None:
        if cell is None:
            td.text = "—"
        elif isinstance(cell, tuple) and len(cell) == 2 and all(isinstance(c, str) for c in cell):
            td.set("class", "label")
            td.text = cell[0]
            etree.SubElement(td, f"{H}span", attrib={"class": "en", f"{{{XML_NS}}}lang": "en"}).text = cell[1]
        elif isinstance(cell, etree._Element):
            td.append(cell)
        elif isinstance(cell, list):
            first = True
            for part in cell:
                if part is None:
                    continue
                if not first:
                    etree.SubElement(td, f"{H}br")
                self._fill_inline(td, part)
                first = False
            if first:
                td.text = "—"
        else:
            td.text = str(cell)

    def _fill_inline(self, td: etree._Element, part: Any) -> None:
        if isinstance(part, etree._Element):
            td.append(part)
        else:
            span = etree.SubElement(td, f"{H}span")
            span.text = str(part)

    def heading(self, zh: str, en: str) -> etree._Element:
        h = etree.Element(f"{H}h3")
        h.text = zh + " "
        etree.SubElement(h, f"{H}span", attrib={"class": "en", f"{{{XML_NS}}}lang": "en"}).text = en
        return h

    def bilingual(self, stem: str) -> etree._Element | None:
        """A text block in zh-CN beside its English version, under the concept's label."""
        key = next((k for k in (f"{stem}@zh-CN", f"{stem}@en") if k in self.index), None)
        if key is None:
            return None
        c = self.s.concept(self.fs.facts[self.index[key]].concept)
        zh, en = self.ix(f"{stem}@zh-CN"), self.ix(f"{stem}@en")
        outer = etree.Element(f"{H}div")
        outer.append(self.heading(c.zh or c.name, c.en or IFRS_HEADINGS.get(c.name, "")))
        div = etree.SubElement(outer, f"{H}div", attrib={"class": "bilingual"})
        for el, lang in ((zh, "zh-CN"), (en, "en")):
            col = etree.SubElement(div, f"{H}div", attrib={f"{{{XML_NS}}}lang": lang})
            if el is not None:
                col.append(el)
        return outer

    def text_blocks(self, section: str) -> list[etree._Element]:
        """The text blocks of a section, zh-CN beside English, one row per concept (and member)."""
        out = []
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
        for f in self.fs.facts:
            if f.section == section and f.text_block:
                groups.setdefault((f.concept, f.dims), {})[f.lang or "zh-CN"] = f.key
        for (concept, dims), keys in groups.items():
            c = self.s.concept(concept)
            suffix = "".join(f" [{m}]" for _, m in dims)
            out.append(self.heading((c.zh or c.name) + suffix, (c.en or IFRS_HEADINGS.get(c.name, "")) + suffix))
            div = etree.Element(f"{H}div", attrib={"class": "bilingual"})
            for lang in ("zh-CN", "en"):
                col = etree.SubElement(div, f"{H}div", attrib={f"{{{XML_NS}}}lang": lang})
                if lang in keys:
                    col.append(self.ix(keys[lang]))
            out.append(div)
        return out


def _sections(p: Page, results: dict[str, Any]) -> list[dict[str, Any]]:
    s = p.s
    roles = {r["id"]: r for r in s.roles}
    out: list[dict[str, Any]] = []

    def section(role_id: str, blocks: list[etree._Element | None]) -> None:
        blocks = [b for b in blocks if b is not None]
        if blocks:
            zh = roles[role_id]["zh"].split("] ", 1)[1]
            en = roles[role_id]["en"].split("] ", 1)[1]
            out.append({"id": role_id, "zh": zh, "en": en,
                        "blocks": [Markup(etree.tostring(b, encoding="unicode")) for b in blocks]})

    t = "totals/"
    b = "by_basis/"
    # 510000 totals and the group / other-investee split
    total_rows = [*((k, _lab("total", k)) for k in vocab.TOTALS), ("biogenic_co2", _lab("memo_total", "biogenic_co2", long=True))]
    rows = []
    for key, lab in total_rows:
        if key in SCOPES and key != "scope3":
            rows.append([lab, p.ix(t + key), p.ix(f"{b}consolidated_group/{key}"), p.ix(f"{b}other_investees/{key}")])
        else:
            rows.append([lab, p.ix(t + key), None, None])
    rows = [r for r in rows if r[1] is not None]
    section("510000", [p.table([("排放", "Emissions"), ("合计（tCO2e）", "Total"),
                                _lab("disclosure_basis", "consolidated_group"),
                                _lab("disclosure_basis", "other_investees")], rows, {1, 2, 3})])

    # 511000 by gas
    rows = []
    for gas in GASES:
        cells = [p.ix(f"by_gas/{scope}/{gas}") for scope in ("scope1", "scope2_location", "scope3")]
        if any(c is not None for c in cells):
            rows.append([_lab("gas", gas, long=True), *cells])
    section("511000", [p.table([("温室气体", "Gas"), _lab("total", "scope1"), _lab("total", "scope2_location"),
                                _lab("total", "scope3")], rows, {1, 2, 3}) if rows else None])

    # 512000 Scope 1 by source
    rows = [[_lab("source", src), p.ix(f"by_source/{src}/co2e")] for src in SCOPE1_SOURCES]
    rows = [r for r in rows if r[1] is not None]
    section("512000", [p.table([("排放源类别", "Source"), ("范围一（tCO2e）", "Scope 1")], rows, {1}) if rows else None])

    # 513000 Scope 2 by energy type, instruments
    rows = [[_lab("source", src), p.ix(f"by_source/{src}/co2e"), p.ix(f"by_source/{src}/co2e_market")]
            for src in SCOPE2_SOURCES]
    rows = [r for r in rows if r[1] is not None or r[2] is not None]
    blocks: list[etree._Element | None] = [
        p.table([("外购能源", "Energy purchased"), *(((z + "（tCO2e）", e)) for z, e in
                                                 (_lab("scope2_method", m) for m in ("location", "market")))],
                rows, {1, 2}) if rows else None]
    ins_rows = []
    for ins in results.get("scope2_instruments") or []:
        iid = ins.get("instrument_id")
        base = f"scope2_instruments/{iid}"
        ins_rows.append([str(iid), _lab("instrument_type", ins.get("type")), str(ins.get("facility_id") or ""),
                         p.ix(f"{base}/mwh_used"), p.ix(f"{base}/emission_factor")])
    if ins_rows:
        blocks += [p.heading("能源属性凭证", "Contractual instruments"),
                   p.table([("凭证编号", "Instrument"), ("类型", "Type"), ("设施", "Facility"),
                            ("计入电量（MWh）", "Electricity covered (MWh)"),
                            ("排放因子（tCO2e/MWh）", "Emission factor")], ins_rows, {3, 4})]
    rf = p.ix("settings/residual_factor")
    if rf is not None:
        c = s.concept("csdsx:ResidualEmissionFactorForMarketbasedScope2")
        blocks.append(p.table([("项目", "Item"), ("数值", "Value")],
                              [[(f"{c.zh}（tCO2e/MWh）", f"{c.en} (tCO2e/MWh)"), rf]], {1}))
    blocks.append(p.bilingual("text/instruments"))
    section("513000", blocks)

    # 514000 Scope 3
    rows = []
    for cat in results.get("scope3_categories") or []:
        n = cat.get("category")
        if n not in CATEGORIES:
            continue
        base = f"scope3_categories/{n}"
        methods = [both("scope3_method", m) for m in cat.get("methods") or []]
        rows.append([(f"{n}. {cat.get('name_zh') or ''}", str(cat.get("name_en") or "")),
                     ("是", "yes") if cat.get("included") else ("否", "no"),
                     p.ix(f"{base}/co2e"), "；".join(methods) if methods else None,
                     [p.ix(f"{base}/reason@zh-CN"), p.ix(f"{base}/reason@en")]])
    blocks = [p.table([("类别", "Category"), ("是否纳入", "Included"), ("排放（tCO2e）", "Emissions"),
                       ("核算方法", "Methods"), ("未纳入原因", "Reason if not included")], rows, {2}) if rows else None]
    share_rows = [[("以一手数据计量的占比（%）", "Measured using primary data (%)"),
                   p.ix("scope3_data_quality/primary_share")],
                  [("以经验证数据计量的占比（%）", "Measured using verified data (%)"),
                   p.ix("scope3_data_quality/verified_share")]]
    share_rows = [r for r in share_rows if r[1] is not None]
    if share_rows:
        blocks.append(p.table([("范围三数据质量", "Scope 3 data quality"), ("按排放量计", "Share of emissions")],
                              share_rows, {1}))
    blocks += [p.bilingual("text/scope3"), p.bilingual("text/scope3_primary"), p.bilingual("text/scope3_verified")]
    section("514000", blocks)

    # 515000 intensity
    it = results.get("intensity") or {}
    rows = []
    pr = it.get("per_revenue") or {}
    po = it.get("per_output") or {}
    unit_r = str(pr.get("unit") or "")
    unit_o = str(po.get("unit") or "")
    for key, lab in ((k, _lab("total", k)) for k in ("scope1_2_location", "scope1_2_market", "scope1_2_3_location")):
        rows.append([(f"单位营业收入排放：{lab[0]}", f"Per revenue: {lab[1]}"), p.ix(f"intensity/per_revenue/{key}"),
                     unit_r.replace(" million", " 百万 (million)")])
    rows.append([("营业收入", "Revenue"), p.ix("intensity/per_revenue/revenue"), str(pr.get("currency") or "")])
    for key, lab in ((k, _lab("total", k)) for k in ("scope1_2_location", "scope1_2_market")):
        rows.append([(f"单位产品产量排放：{lab[0]}", f"Per unit of output: {lab[1]}"),
                     p.ix(f"intensity/per_output/{key}"), unit_o])
    rows.append([("产品产量", "Output"), p.ix("intensity/per_output/output"), str(po.get("output_unit") or "")])
    rows = [r for r in rows if r[1] is not None]
    desc = [p.ix("intensity/per_output/label_zh@zh-CN"), p.ix("intensity/per_output/label_en@en")]
    if any(d is not None for d in desc):
        rows.append([("产品", "Output measured"), desc, ""])
    section("515000", [p.table([("强度指标", "Intensity"), ("数值", "Value"), ("单位", "Unit")], rows, {1})
                       if rows else None])

    # 516000 / 516100 / 516200 breakdowns
    scope_heads = [_lab("total", k) for k in SCOPES]
    rows = []
    for e in results.get("by_entity") or []:
        base = f"by_entity/{e.get('entity_id')}"
        name = p.first(f"{base}/name@zh-CN", f"{base}/name@en")
        cons = p.ix(f"{base}/consolidated", yes_no(e.get("consolidated")))
        rows.append([str(e.get("entity_id")), name, cons, p.ix(f"{base}/share"),
                     *(p.ix(f"{base}/{k}") for k in SCOPES)])
    section("516000", [p.table([("主体", "Entity"), ("名称", "Name"), ("属于合并会计集团", "In the consolidated accounting group"),
                                ("计入比例（%）", "Share included (%)"), *scope_heads], rows, {3, 4, 5, 6, 7})
                       if rows else None])
    rows = []
    for f in results.get("by_facility") or []:
        base = f"by_facility/{f.get('facility_id')}"
        name = p.first(f"{base}/name@zh-CN", f"{base}/name@en")
        rows.append([str(f.get("facility_id")), name, p.ix(f"{base}/entity_id"), str(f.get("province") or ""),
                     *(p.ix(f"{base}/{k}") for k in SCOPES)])
    section("516100", [p.table([("设施", "Facility"), ("名称", "Name"), ("所属主体", "Entity"), ("省份", "Province"),
                                *scope_heads], rows, {4, 5, 6, 7}) if rows else None])
    rows = []
    for pv in results.get("by_province") or []:
        base = f"by_province/{pv.get('province')}"
        cells = [p.ix(f"{base}/{k}") for k in SCOPES]
        if any(c is not None for c in cells):
            rows.append([str(pv.get("province")), *cells])
    section("516200", [p.table([("省级行政区", "Province"), *scope_heads], rows, {1, 2, 3, 4}) if rows else None])

    # 517000 basis of GHG accounting
    st = results.get("settings") or {}
    rows = []
    if st.get("consolidation") in vocab.enumeration("consolidation"):
        rows.append([_lab("setting", "consolidation"), both("consolidation", st["consolidation"])])
    if st.get("gwp"):
        rows.append([_lab("setting", "gwp"), f"IPCC {st['gwp']} GWP100"])
    cn = p.ix("settings/combustion_non_co2", yes_no(st.get("combustion_non_co2")))
    if cn is not None:
        rows.append([_lab("setting", "combustion_non_co2"), cn])
    for key in ("default_fuel_basis", "grid_year"):
        el = p.ix(f"settings/{key}")
        if el is not None:
            rows.append([_lab("setting", key), el])
    if st.get("grid_factor_level") in vocab.enumeration("grid_level"):
        rows.append([_lab("setting", "grid_factor_level"), both("grid_level", st["grid_factor_level"])])
    blocks = [p.table([("核算依据", "Basis"), ("取值", "Value")], rows, set()) if rows else None,
              p.bilingual("text/approach"), p.bilingual("text/basis"), p.bilingual("text/factors")]
    rows = []
    for d in results.get("factor_datasets") or []:
        base = f"factor_datasets/{d.get('id')}"
        rows.append([str(d.get("id")), p.ix(f"{base}/version"), p.ix(f"{base}/year"),
                     [p.ix(f"{base}/title_zh@zh-CN"), p.ix(f"{base}/title_en@en")],
                     p.first(f"{base}/publisher@zh-CN", f"{base}/publisher@en"), p.ix(f"{base}/sha256")])
    if rows:
        blocks += [p.heading("排放因子数据集", "Emission factor datasets"),
                   p.table([("数据集", "Dataset"), ("版本", "Version"), ("年份", "Year"), ("名称", "Title"),
                            ("发布机构", "Publisher"), ("SHA-256", "")], rows, set())]
    section("517000", blocks)

    # 518000 comparatives (tagged in the prior period's context) and the base-year check
    blocks = []
    change = results.get("change") or {}
    rows = []
    for key, lab in total_rows:
        prior = p.ix(f"prior/totals/{key}")
        if prior is None:
            continue
        c = change.get(key) or {}
        rel = c.get("relative")
        rows.append([lab, prior, fmt((results.get("totals") or {}).get(key)), fmt(c.get("absolute")),
                     "—" if rel is None else fmt(rel, "share")])
    if rows:
        pp = (results.get("prior") or {}).get("period") or {}
        blocks.append(p.table([("排放", "Emissions"), (f"上年（{pp.get('start')} – {pp.get('end')}）", "Prior period"),
                               ("本年", "This period"), ("变动（tCO2e）", "Change (tCO2e)"), ("变动率", "Change (%)")],
                              rows, {1, 2, 3, 4}))
    rows = []
    for key in ("recalculation_required", "threshold", "structural_change_scope1_2_location",
                "structural_change_share"):
        k = f"base_year/{key}"
        if k not in p.index:
            continue
        f = p.fs.facts[p.index[k]]
        c = s.concept(f.concept)
        shown = yes_no(f.value) if isinstance(f.value, bool) else None
        rows.append([(c.zh or f.concept, c.en or f.concept), p.ix(k, shown)])
    if rows:
        blocks.append(p.table([("基准年检查", "Base-year check"), ("取值", "Value")], rows, set()))
    section("518000", [*blocks, *p.text_blocks("518000")])

    # 520000 cross-industry metrics, 530000 targets (from disclosures.yaml)
    rows = []
    currency = (results.get("settings") or {}).get("currency") or "CNY"
    for key in vocab.values("cross_metric"):
        lab = _lab("cross_metric", key)
        if key == "internal_carbon_price":
            lab = (f"{lab[0]}（{currency}/tCO2e）", f"{lab[1]} ({currency} per tCO2e)")
        base = f"disclosures/metrics/{key}"
        cells = [p.ix(f"{base}/amount"), p.ix(f"{base}/share")]
        if key == "internal_carbon_price":
            cells = [p.ix(f"{base}/price"), None]
        elif key == "remuneration":
            cells = [None, p.ix(f"{base}/share")]
        if any(c is not None for c in cells):
            rows.append([lab, *cells])
    section("520000", [p.table([("指标", "Metric"), ("金额（元）", "Amount (CNY)"), ("占比（%）", "Share (%)")],
                               rows, {1, 2}) if rows else None, *p.text_blocks("520000")])
    rows = []
    for t in (results.get("disclosures") or {}).get("targets") or []:
        if not isinstance(t, dict) or not t.get("id"):
            continue
        base = f"disclosures/targets/{t['id']}"
        if not any(k.startswith(base + "/") for k in p.index):
            continue
        kinds = "；".join(both(enum, t.get(field)) for enum, field in (("target_type", "type"), ("target_basis", "basis"))
                         if t.get(field) in vocab.enumeration(enum))
        metric = both("target_metric", t.get("metric")) if t.get("metric") in vocab.enumeration("target_metric") else ""
        rows.append([str(t["id"]), [p.ix(f"{base}/name/zh@zh-CN"), p.ix(f"{base}/name/en@en")], kinds,
                     metric, [p.ix(f"{base}/coverage/zh@zh-CN"), p.ix(f"{base}/coverage/en@en")],
                     p.ix(f"{base}/base_year"), p.ix(f"{base}/base_value"), p.ix(f"{base}/target_year"),
                     p.ix(f"{base}/target_value"), str(t.get("unit") or ""), p.ix(f"{base}/carbon_credits")])
    section("530000", [p.table([("目标", "Target"), ("名称", "Name"), ("类型", "Type"), ("指标", "Metric"),
                                ("覆盖范围", "Coverage"), ("基准年", "Base year"), ("基准值", "Base value"),
                                ("目标年", "Target year"), ("目标值", "Target value"), ("单位", "Unit"),
                                ("计划使用的碳信用（tCO2e）", "Carbon credits planned")], rows, {6, 8, 10})
                       if rows else None, *p.text_blocks("530000")])

    # 540000 carbon emission trading, 550000 assurance (from disclosures.yaml)
    for role_id, head in (("540000", (("碳排放权交易", "Carbon emission trading"), ("数量或取值", "Quantity (tCO2e) or value"))),
                          ("550000", (("温室气体数据鉴证", "Assurance of GHG data"), ("取值", "Value")))):
        rows = []
        by_concept: dict[str, list[Any]] = {}
        for f in p.fs.facts:
            if f.section != role_id or f.text_block or f.concept.endswith("LevelOfAssuranceObtained"):
                continue
            shown = yes_no(f.value) if isinstance(f.value, bool) else None
            by_concept.setdefault(f.concept, []).append(p.ix(f.key, shown))
        level = ((results.get("disclosures") or {}).get("assurance") or {}).get("level")
        for concept, cells in by_concept.items():
            c, term = s.concept(concept), vocab.vocabulary().by_xbrl(concept)
            label = term.pair() if term is not None else (c.zh or concept, c.en or concept)
            rows.append([label, cells if len(cells) > 1 else cells[0]])
        if role_id == "550000" and vocab.member("assurance_level", level):
            rows.append([("保证程度", "Level of assurance"),
                         " ".join(vocab.term("assurance_level", level).pair(capital=False))])
        blocks = [p.table(list(head), rows, {1} if role_id == "540000" else set()) if rows else None]
        blocks += p.text_blocks(role_id)
        section(role_id, blocks)
    return out


def _header(p: Page) -> etree._Element:
    s = p.s
    header = etree.Element(f"{{{IX}}}header")
    hidden = p.hidden()
    if hidden:
        h = etree.SubElement(header, f"{{{IX}}}hidden")
        for el in hidden:
            h.append(el)
    refs = etree.SubElement(header, f"{{{IX}}}references")
    etree.SubElement(refs, f"{{{LINK}}}schemaRef", attrib={f"{{{XLINK}}}type": "simple",
                                                          f"{{{XLINK}}}href": s.entry_point})
    res = etree.SubElement(header, f"{{{IX}}}resources")
    for el in p.reg.context_elements() + p.reg.unit_elements():
        res.append(el)
    return header


def inline_bytes(fs: FactSet, results: dict[str, Any], tool_version: str = "") -> bytes:
    s = spec()
    reg = Registry(fs)
    p = Page(fs, reg)
    name_zh = p.ix("entity/name_zh@zh-CN")
    name_en = p.ix("entity/name_en@en")
    sections = _sections(p, results)
    ent = etree.Element(f"{H}span")
    ent.text = "报告主体 Reporting entity："
    for el in (name_zh, name_en):
        if el is not None:
            ent.append(el)
            el.tail = " "
    scheme = "统一社会信用代码 USCC" if fs.entity["scheme"] == s.identifier_schemes["uscc"] else "LEI"
    etree.SubElement(ent, f"{H}span").text = f"（{scheme} {fs.entity['identifier']}）"
    header = _header(p)   # after the sections: what was not placed on the page is hidden
    env = jinja2.Environment(loader=jinja2.PackageLoader(__package__, "templates"),
                             autoescape=True, keep_trailing_newline=True)
    page = env.get_template("report.xhtml.j2").render(
        title_zh=f"{fs.entity['name_zh']} 气候相关披露：指标与核算方法",
        title_en=f"{fs.entity['name_en'] or fs.entity['name_zh']} - climate-related disclosures: metrics and methodology",
        entity_block=Markup(etree.tostring(ent, encoding="unicode")),
        header=Markup(etree.tostring(header, encoding="unicode")),
        period_start=fs.period[0], period_end=fs.period[1], sections=sections,
        tool_version=tool_version, taxonomy=s.entry_point)
    return _canonical(page)


def _canonical(page: str) -> bytes:
    """Parse the rendered page and serialise it with every namespace declared once, on the root."""
    parser = etree.XMLParser(remove_blank_text=False)
    root = etree.fromstring(page.encode("utf-8"), parser)
    s = spec()
    ns = {None: XHTML, "ix": IX, "ixt": IXT, **{k: v for k, v in nsmap(s).items()}}
    new_root = etree.Element(root.tag, nsmap=ns, attrib=dict(root.attrib))
    new_root.text = root.text
    for child in root:
        new_root.append(child)
    etree.cleanup_namespaces(new_root, top_nsmap=ns, keep_ns_prefixes=list(k for k in ns if k))
    return etree.tostring(new_root, xml_declaration=True, encoding="UTF-8")

