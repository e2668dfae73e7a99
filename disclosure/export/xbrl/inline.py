"""The Inline XBRL report: the whole climate report as a readable bilingual XHTML page, in the
chapters of CSDS No. 1 and IFRS S2 (general requirements, governance, strategy, risk and
opportunity management, metrics and targets), in which every figure is an ``ix:nonFraction`` fact
and every text of the report a text block.

The page skeleton is a Jinja template (``templates/report.xhtml.j2``, autoescaped); the tables and
the tagged facts are built with lxml and inserted as markup, then the whole page is parsed and
serialised again, so the output is well-formed XML and the same bytes on every run. Enumeration
facts (whose values are URIs) go to ``ix:hidden``, each presented on the page by the label of its
value in an element that names it (``-ix-hidden``); no number is ever hidden. A fact whose value
is no language's words (a digest, a code, a version) is marked so (``xml:lang=""``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import jinja2
from lxml import etree
from markupsafe import Markup

from ...core import vocabulary as vocab
from ..numbers import fmt
from . import financed
from .facts import CATEGORIES, GASES, HORIZONS, SCOPE1_SOURCES, SCOPE2_SOURCES, Fact, FactSet
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
        self.hidden_refs: set[int] = set()   # hidden facts presented on the page (-ix-hidden)

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
        # a value in no language (a code, a digest, a URI, a year): no xml:lang inherited from the page
        el.set(f"{{{XML_NS}}}lang", f.lang or "")
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

    def shown_as(self, key: str, text: str | tuple[str, str]) -> etree._Element | None:
        """A hidden fact (an enumeration's URIs), presented by ``text`` (its values' labels) in a
        visible element that names it (``-ix-hidden``)."""
        i = self.index.get(key)
        if i is None:
            return None
        self.hidden_refs.add(i)
        span = etree.Element(f"{H}span", attrib={"style": f"-ix-hidden:f{i + 1}"})
        span.text = " / ".join(text) if isinstance(text, tuple) else text
        return span

    def hidden(self) -> list[etree._Element]:
        """The hidden facts: every fact presented through ``shown_as``. A fact neither shown nor
        presented is a defect of the page (every fact has its place)."""
        lost = [self.fs.facts[i].key for i in range(len(self.fs.facts)) if i not in self.used | self.hidden_refs]
        if lost:
            raise AssertionError(f"facts with no place on the page: {lost[:10]}")
        return [self._element(i) for i in sorted(self.hidden_refs - self.used)]

    def pair(self, base: str) -> tuple[etree._Element | None, etree._Element | None]:
        """The zh-CN and English facts of a disclosures.yaml text (``base``/zh, ``base``/en)."""
        zh, en = (self.first(f"{base}/zh@zh-CN", f"{base}/en@zh-CN"), self.first(f"{base}/en@en", f"{base}/zh@en"))
        return zh, en

    def block(self, concept: str, facts: tuple[etree._Element | None, etree._Element | None],
              heading: tuple[str, str] | None = None) -> etree._Element | None:
        """A text in zh-CN beside its English version, under the concept's label (or ``heading``)."""
        if facts[0] is None and facts[1] is None:
            return None
        outer = etree.Element(f"{H}div")
        if heading is None:
            c = self.s.concept(concept)
            heading = (c.zh or c.name, c.en or c.name)
        zh, en = heading
        outer.append(self.heading(zh, en))
        div = etree.SubElement(outer, f"{H}div", attrib={"class": "bilingual"})
        for el, lang in ((facts[0], "zh-CN"), (facts[1], "en")):
            col = etree.SubElement(div, f"{H}div", attrib={f"{{{XML_NS}}}lang": lang})
            if el is not None:
                col.append(el)
        return outer

    def text(self, concept: str, base: str, heading: tuple[str, str] | None = None) -> etree._Element | None:
        """The block of a disclosures.yaml text tagged on ``concept``."""
        return self.block(concept, self.pair(base), heading)

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
        # XHTML's tbody holds at least one row: a table with nothing to show shows one of dashes
        for row in rows or [[None] * len(head)]:
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

    def heading(self, zh: str, en: str, level: int = 4) -> etree._Element:
        h = etree.Element(f"{H}h{level}")
        h.text = zh + " "
        etree.SubElement(h, f"{H}span", attrib={"class": "en", f"{{{XML_NS}}}lang": "en"}).text = en
        return h

    def bilingual(self, stem: str) -> etree._Element | None:
        """A text block in zh-CN beside its English version, under the concept's label."""
        key = next((k for k in (f"{stem}@zh-CN", f"{stem}@en") if k in self.index), None)
        if key is None:
            return None
        concept = self.fs.facts[self.index[key]].concept
        return self.block(concept, (self.ix(f"{stem}@zh-CN"), self.ix(f"{stem}@en")))

    def text_blocks(self, section: str) -> list[etree._Element]:
        """The text blocks of a section, zh-CN beside English, one row per concept (and member)."""
        out = []
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
        for i, f in enumerate(self.fs.facts):
            if f.section == section and f.text_block and i not in self.used:
                groups.setdefault((f.concept, f.dims), {})[f.lang or "zh-CN"] = f.key
        for (concept, dims), keys in groups.items():
            c = self.s.concept(concept)
            suffix = "".join(f" [{m}]" for _, m in dims)
            out.append(self.heading((c.zh or c.name) + suffix, (c.en or c.name) + suffix))
            div = etree.Element(f"{H}div", attrib={"class": "bilingual"})
            for lang in ("zh-CN", "en"):
                col = etree.SubElement(div, f"{H}div", attrib={f"{{{XML_NS}}}lang": lang})
                if lang in keys:
                    col.append(self.ix(keys[lang]))
            out.append(div)
        return out


NO_HEADING = ("", "")   # a chapter's only section: the chapter's heading is enough


def _member(label: str | None) -> str:
    """A member's label as the page shows it (without the taxonomy's ``[member]``)."""
    return (label or "").removesuffix(" [member]")


def _sections(p: Page, results: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's chapters, each a list of sections of blocks, in the order of CSDS No. 1."""
    s = p.s
    roles = {r["id"]: r for r in s.roles}
    chapters: list[dict[str, Any]] = []
    disc = results.get("disclosures") if isinstance(results.get("disclosures"), dict) else {}

    def chapter(concept: str) -> None:
        c = s.concept(concept)
        chapters.append({"id": concept.split(":")[1], "zh": c.zh, "en": c.en, "sections": []})

    def section(role_id: str, blocks: list[etree._Element | None], heading: tuple[str, str] | None = None) -> None:
        blocks = [b for b in blocks if b is not None]
        if not blocks:
            return
        if heading is None:   # the role's label without its number and chapter
            zh = roles[role_id]["zh"].split("] ", 1)[1].split("：", 1)[-1]
            en = roles[role_id]["en"].split("] ", 1)[1].split(" - ", 1)[-1]
            heading = (zh, vocab.cap(en))
        chapters[-1]["sections"].append({"id": role_id, "zh": heading[0], "en": heading[1],
                                         "blocks": [Markup(etree.tostring(b, encoding="unicode")) for b in blocks]})

    def label(concept: str) -> tuple[str, str]:
        c = s.concept(concept)
        return c.zh or c.name, c.en or c.name

    # 1 general requirements: the statement of compliance (the entity and the period are the header)
    chapter("csdsx:GeneralInformationAbstract")
    section("100000", [p.bilingual("text/compliance")], NO_HEADING)

    # 2 governance (IFRS S2 5-7)
    chapter("ifrs-sds:GovernanceAbstract")
    g = "disclosures/governance/"
    rem = p.ix(f"{g}remuneration/included", yes_no(True) if _value(p, f"{g}remuneration/included") else yes_no(False))
    section("200000", [
        p.text("ifrs-sds:IdentityOfGovernanceBodysOrIndividualsResponsibleForOversightOfRisksAndOpportunitiesExplanatory",
               g + "board_oversight"),
        p.text("ifrs-sds:ManagementsRoleInGovernanceProcessesControlsAndProceduresUsedToMonitorManageAndOverseeRisksAndOpportunitiesExplanatory",
               g + "management_role"),
        p.text("ifrs-sds:HowResponsibleBodysOrIndividualsDeterminesAppropriateSkillsAndCompetenciesAreAvailableOrWillBeDevelopedToOverseeStrategiesToRespondToRisksAndOpportunitiesExplanatory",
               g + "skills"),
        p.text("ifrs-sds:WhetherAndHowRelatedPerformanceMetricsAreIncludedInRemunerationPoliciesExplanatory",
               g + "remuneration"),
        p.table([("项目", "Item"), ("取值", "Value")],
                [[label("ifrs-sds:ClimaterelatedPerformanceMetricsAreIncludedInRemunerationPolicies"), rem]], set())
        if rem is not None else None,
    ], NO_HEADING)

    # 3 strategy (IFRS S2 8-23)
    chapter("ifrs-sds:StrategyAbstract")
    st = "disclosures/strategy/"
    rows = []
    for h in HORIZONS:
        zh, en = p.pair(f"{st}time_horizons/{h}")
        if zh is not None or en is not None:
            rows.append([_lab("horizon", h), zh, en])
    section("300100", [p.table([("时间范围", "Time horizon"), ("定义（中文）", "Definition in Chinese"),
                                ("定义（英文）", "Definition in English")], rows, set())
                       if rows else None], label("ifrs-sds:DefinitionOfTimeHorizonExplanatory"))
    blocks: list[etree._Element | None] = []
    for x in ((disc.get("strategy") or {}).get("risks_opportunities") or []) if isinstance(disc.get("strategy"), dict) else []:
        if not isinstance(x, dict) or p.fs.ext is None or str(x.get("id")) not in p.fs.ext.risks:
            continue
        base = f"{st}risks_opportunities/{x['id']}/"
        member = p.fs.ext.risks[str(x["id"])]
        blocks.append(p.heading(_member(p.fs.ext.label(member, "zh")), _member(p.fs.ext.label(member, "en")), level=4))
        kind = p.shown_as(f"{base}kind", _lab("ro_kind", x.get("kind"))) if f"{base}kind" in p.index else _lab("ro_kind", x.get("kind"))
        rows = [[label("ifrs-sds:TopicsOfRiskOrOpportunity"), p.shown_as(f"{base}topic", label("ifrs-sds:ClimateTopicMember"))],
                [("类型", "Kind"), kind],
                [("类别", "Category"), _pair_text(x.get("category"))],
                [label("ifrs-sds:TimeHorizonsOverWhichEffectsOfRiskOrOpportunityCouldReasonablyBeExpectedToOccur"),
                 p.shown_as(f"{base}time_horizon", _lab("horizon", x.get("time_horizon")))]]
        blocks.append(p.table([("项目", "Item"), ("取值", "Value")], [r for r in rows if r[1] is not None], set()))
        blocks += [p.text("ifrs-sds:DescriptionOfRiskOrOpportunityExplanatory", base + "description"),
                   p.text("ifrs-sds:OtherDisclosuresAboutCurrentAndAnticipatedFinancialEffectsOfRisksAndOpportunitiesExplanatory",
                          base + "financial_effect", (("财务影响", "Financial effect"))),
                   p.text("ifrs-sds:HowEntityRespondedToAndPlansToRespondToRisksAndOpportunitiesInItsStrategyAndDecisionmakingExplanatory",
                          base + "response", ("应对措施", "Response"))]
    section("300200", blocks, ("气候相关风险和机遇", "Climate-related risks and opportunities"))
    plan = p.ix(f"{st}transition_plan/exists", yes_no(True))
    section("300300", [
        p.text("ifrs-sds:CurrentAndAnticipatedEffectsOfRisksAndOpportunitiesOnBusinessModelAndValueChainExplanatory",
               st + "business_model"),
        p.text("ifrs-sds:OtherDisclosuresAboutCurrentAndAnticipatedFinancialEffectsOfRisksAndOpportunitiesExplanatory",
               st + "financial_effects"),
        p.text("ifrs-sds:ClimaterelatedTransitionPlanExplanatory", st + "transition_plan"),
        p.table([("项目", "Item"), ("取值", "Value")],
                [[label("ifrs-sds:EntityHasClimaterelatedTransitionPlan"), plan]], set()) if plan is not None else None,
    ], ("商业模式、财务影响和转型计划", "Business model, financial effects and transition plan"))
    sa = f"{st}scenario_analysis/"
    aligned = p.ix(f"{sa}scenarios/aligned", yes_no(True))
    kinds = ((disc.get("strategy") or {}).get("scenario_analysis") or {}).get("scenarios") or [] if isinstance(disc.get("strategy"), dict) else []
    risk_kinds = sorted({k for x in kinds if isinstance(x, dict) and x.get("kind") in vocab.enumeration("scenario_kind")
                         for k in vocab.term("scenario_kind", x["kind"]).get("risks", ())})
    rows = [[label("ifrs-sds:ClimaterelatedScenariosUsedAreAssociatedWithClimaterelatedTransitionRisksOrClimaterelatedPhysicalRisks"),
             p.shown_as(f"{sa}scenarios/kinds", tuple(" / ".join(v) for v in zip(*(_lab("ro_kind", k) for k in risk_kinds), strict=True))
                        if risk_kinds else "—")]]
    if aligned is not None:
        rows.append([label("ifrs-sds:ClimaterelatedScenarioUsedThatIsAlignedWithLatestInternationalAgreementOnClimateChange"), aligned])
    section("300400", [
        p.block("ifrs-sds:HowAndWhenClimaterelatedScenarioAnalysisWasCarriedOutExplanatory",
                (p.ix(f"{sa}method/zh@zh-CN"), p.ix(f"{sa}method/en@en"))),
        p.table([("项目", "Item"), ("取值", "Value")], [r for r in rows if r[1] is not None], set()),
        p.text("ifrs-sds:AssessmentOfClimateResilienceExplanatory", sa + "resilience"),
    ], ("情景分析和气候韧性", "Scenario analysis and climate resilience"))

    # 4 risk and opportunity management (IFRS S2 24-26)
    chapter("ifrs-sds:RiskManagementAbstract")
    rm = "disclosures/risk_management/"
    section("400000", [
        p.block("ifrs-sds:ProcessesAndRelatedPoliciesToIdentifyAssessPrioritiseAndMonitorRisksExplanatory",
                (p.ix(f"{rm}identification_monitoring/zh@zh-CN"), p.ix(f"{rm}identification_monitoring/en@en"))),
        p.text("ifrs-sds:HowNatureLikelihoodAndMagnitudeOfEffectsOfRisksAreAssessedExplanatory", rm + "assessment"),
        p.text("ifrs-sds:ProcessesUsedToIdentifyAssessPrioritiseAndMonitorOpportunitiesExplanatory", rm + "opportunities"),
        p.text("ifrs-sds:ExtentToWhichAndHowProcessesForIdentifyingAssessingPrioritisingAndMonitoringRisksAndOpportunitiesAreIntegratedIntoOrInformOverallRiskManagementProcessExplanatory",
               rm + "integration"),
    ], NO_HEADING)

    # 5 metrics and targets (IFRS S2 27-37)
    chapter("ifrs-sds:MetricsAndTargetsAbstract")
    # 510000 totals and the group / other-investee split
    total_rows = [*((k, _lab("total", k)) for k in vocab.TOTALS), ("biogenic_co2", _lab("memo_total", "biogenic_co2", long=True))]
    rows = []
    for key, lab in total_rows:
        if key in SCOPES and key != "scope3":
            rows.append([lab, p.first(f"published/totals/{key}", f"totals/{key}"),
                         p.ix(f"by_basis/consolidated_group/{key}"), p.ix(f"by_basis/other_investees/{key}")])
        else:
            rows.append([lab, p.first(f"published/totals/{key}", f"totals/{key}"), None, None])
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
        kind = p.shown_as(f"{base}/type", _lab("instrument_type", ins.get("type")))
        ins_rows.append([str(iid), kind if kind is not None else _lab("instrument_type", ins.get("type")),
                         str(ins.get("facility_id") or ""), p.ix(f"{base}/mwh_used"), p.ix(f"{base}/emission_factor")])
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
        methods = [_lab("scope3_method", m) for m in cat.get("methods") or []]
        shown = p.shown_as(f"{base}/methods", ("；".join(m[0] for m in methods), "; ".join(m[1] for m in methods))) \
            if methods else None
        rows.append([(f"{n}. {cat.get('name_zh') or ''}", str(cat.get("name_en") or "")),
                     ("是", "yes") if cat.get("included") else ("否", "no"),
                     p.ix(f"{base}/co2e"), shown,
                     [p.ix(f"{base}/reason@zh-CN"), p.ix(f"{base}/reason@en")]])
    blocks = [p.table([("类别", "Category"), ("是否纳入", "Included"), ("排放（tCO2e）", "Emissions"),
                       ("核算方法", "Methods"), ("未纳入原因", "Reason if not included")], rows, {2}) if rows else None]
    share_rows = [[("以一手数据计量的占比（%）", "Measured using primary data (%)"),
                   p.ix("scope3_data_quality/primary_share")],
                  [("以经验证数据计量的占比（%）", "Measured using verified data (%)"),
                   p.ix("scope3_data_quality/verified_share")]]
    included = [c.get("category") for c in results.get("scope3_categories") or [] if c.get("included")]
    share_rows.insert(0, [_label(s, "ifrs-sds:CategoriesIncludedWithinMeasureOfScope3GHGEmissions"),
                          p.shown_as("scope3_categories/included", "、".join(f"类别{n}" for n in included) + " / " +
                                     ", ".join(f"category {n}" for n in included)) if included else None])
    share_rows = [r for r in share_rows if r[1] is not None]
    if share_rows:
        blocks.append(p.table([("范围三计量", "Scope 3 measurement"), ("取值", "Value")], share_rows, {1}))
    blocks += [p.bilingual("text/scope3"), p.bilingual("text/scope3_primary"), p.bilingual("text/scope3_verified")]
    blocks += financed.page_blocks(p, results)
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
        ifrs = "equity_share" if st["consolidation"] == "equity_share" else "control"
        approach = (_lab("consolidation", "equity_share") if ifrs == "equity_share"
                    else _lab("measurement_approach", "control"))
        cells = [p.shown_as("settings/consolidation", approach),
                 p.shown_as("settings/consolidation/control", _lab("consolidation", st["consolidation"]))]
        rows.append([_lab("setting", "consolidation"), [c for c in cells if c is not None] or both("consolidation", st["consolidation"])])
    if st.get("gwp"):
        gwp = p.shown_as("settings/gwp", _lab("gwp", st["gwp"]))
        rows.append([_lab("setting", "gwp"), gwp if gwp is not None else f"IPCC {st['gwp']} GWP100"])
    cn = p.ix("settings/combustion_non_co2", yes_no(st.get("combustion_non_co2")))
    if cn is not None:
        rows.append([_lab("setting", "combustion_non_co2"), cn])
    for key in ("default_fuel_basis", "grid_year"):
        el = p.ix(f"settings/{key}")
        if el is not None:
            rows.append([_lab("setting", key), el])
    if st.get("grid_factor_level") in vocab.enumeration("grid_level"):
        level = p.shown_as("settings/grid_factor_level", _lab("grid_level", st["grid_factor_level"]))
        rows.append([_lab("setting", "grid_factor_level"), level if level is not None else both("grid_level", st["grid_factor_level"])])
    changed = p.ix("base_year/log/method_changed", yes_no(_value(p, "base_year/log/method_changed")))
    if changed is not None:
        rows.append([_label(s, "ifrs-sds:ChangesMadeToMeasurementApproachInputsAndAssumptionsUsedToMeasureGHGEmissions"),
                     changed])
    blocks = [p.table([("核算依据", "Basis"), ("取值", "Value")], rows, set()) if rows else None,
              p.bilingual("text/approach"), p.bilingual("text/approach_reason"), p.bilingual("text/approach_changes"),
              p.bilingual("text/other_methods"), p.bilingual("text/basis"), p.bilingual("text/factors")]
    rows = []
    for d in results.get("factor_datasets") or []:
        base = f"factor_datasets/{d.get('id')}"
        rows.append([str(d.get("id")), p.ix(f"{base}/version"), p.ix(f"{base}/year"),
                     [p.ix(f"{base}/title_zh@zh-CN"), p.ix(f"{base}/title_en@en")],
                     [p.ix(f"{base}/publisher_zh@zh-CN"), p.ix(f"{base}/publisher_en@en")]
                     if f"{base}/publisher_zh@zh-CN" in p.index or f"{base}/publisher_en@en" in p.index
                     else p.first(f"{base}/publisher@zh-CN", f"{base}/publisher@en"), p.ix(f"{base}/sha256")])
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
        prior = p.first(f"prior/published/{key}", f"prior/totals/{key}")
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
    flags = []
    for key, concept in (("disclosures/metrics/internal_carbon_price/applied", "ifrs-sds:EntityAppliesCarbonPriceInDecisionmaking"),):
        el = p.ix(key, yes_no(_value(p, key)))
        if el is not None:
            flags.append([_label(s, concept), el, None])
    section("520000", [p.table([("指标", "Metric"), ("金额（元）", "Amount (CNY)"), ("占比（%）", "Share (%)")],
                               rows + flags, {1, 2}) if rows or flags else None, *p.text_blocks("520000")])

    # 521000 industry-based metrics (construction materials, EM-CM), where facilities make cement
    rows = [[_label(s, "ifrs-ibg:GrossScope1GHGEmissionsPercentageCoveredByRegulation"),
             p.ix("carbon_market/scope1_covered_share"), "%"],
            [_label(s, "ifrs-ibg:EnergyConsumed"), p.ix("energy/consumed_gj"), "GJ"]]
    for key, member in (("grid_electricity_share", "ifrs-ibg:GridElectricityMember"), ("renewable_share", "ifrs-ibg:RenewableEnergyMember"),
                        ("alternative_share", "ifrs-ibg:AlternativeSourcesMember")):
        lab, m = _label(s, "ifrs-ibg:EnergyConsumedPercentage"), _label(s, member)
        rows.append([(f"{lab[0]}：{m[0]}", f"{lab[1]}: {m[1]}"), p.ix(f"energy/{key}"), "%"])
    rows = [r for r in rows if r[1] is not None]
    section("521000", [p.table([("指标", "Metric"), ("数值", "Value"), ("单位", "Unit")], rows, {1}) if rows else None])

    # 522000 energy use in tonnes of standard coal (GB/T 2589-2020)
    po = p.index.get("energy/intensity_per_output/value")
    per_output = "kgce/" + p.fs.facts[po].unit[1][0].split(":")[-1] if po is not None else "kgce"
    energy_rows = (("EnergyConsumedInTonnesOfStandardCoalEquivalent", "published_total_tce", "tce"),
                   ("DirectEnergyConsumedInTonnesOfStandardCoalEquivalent", "direct_tce", "tce"),
                   ("IndirectEnergyConsumedInTonnesOfStandardCoalEquivalent", "indirect_tce", "tce"),
                   ("RenewableEnergyConsumedInTonnesOfStandardCoalEquivalent", "renewable_tce", "tce"),
                   ("CleanEnergyConsumedInTonnesOfStandardCoalEquivalent", "clean_tce", "tce"),
                   ("PercentageOfCleanEnergyConsumed", "clean_share", "%"),
                   ("PercentageOfElectricityFromRenewableSources", "renewable_electricity_share", "%"),
                   ("EnergyIntensityPerRevenue", "intensity_per_revenue/value", "tce/CNY"),
                   ("EnergyIntensityPerUnitOfOutput", "intensity_per_output/value", per_output))
    rows = [[_label(s, f"{s.prefix}:{c}"), p.ix(f"energy/{k}"), u] for c, k, u in energy_rows]
    rows = [r for r in rows if r[1] is not None]
    section("522000", [p.table([("指标", "Metric"), ("数值", "Value"), ("单位", "Unit")], rows, {1}) if rows else None])

    # 530000 targets, on the IFRS targets axis (the report's members), and the planned carbon credits
    tg = "disclosures/targets/"
    rows = []
    details: list[etree._Element | None] = []
    ext = p.fs.ext
    for t in disc.get("targets") or []:
        if not isinstance(t, dict) or ext is None or str(t.get("id")) not in ext.targets:
            continue
        tid = str(t["id"])
        base, calc = f"{tg}{tid}", f"targets/{tid}"
        kinds = [p.shown_as(f"{base}/type", _lab("target_type", t.get("type"))),
                 p.shown_as(f"{base}/basis", _lab("target_basis", t.get("basis")))]
        metric = p.shown_as(f"{base}/metric/concept", _lab("target_metric", t.get("metric"))) \
            if t.get("metric") in vocab.enumeration("target_metric") else None
        rows.append([tid, list(p.pair(f"{base}/name")), [k for k in kinds if k is not None] or None, metric,
                     p.ix(f"{base}/base_year"), p.ix(f"{base}/base_value"), p.ix(f"{base}/target_year"),
                     p.ix(f"{base}/target_value"), p.ix(f"{calc}/target_reduction"), str(t.get("unit") or ""),
                     p.ix(f"{calc}/current_value"), p.ix(f"{calc}/progress")])
        gases = vocab.labels_of("gas", [g for g in (vocab.parse("gas", x) for x in
                                                    re.split(r"[,，、;；/]", str(t.get("gases") or "")))
                                        if g is not None and g != "unspecified"], "zh-CN")
        gases_en = vocab.labels_of("gas", [g for g in (vocab.parse("gas", x) for x in
                                                       re.split(r"[,，、;；/]", str(t.get("gases") or "")))
                                           if g is not None and g != "unspecified"], "en")
        scopes = vocab.term("target_metric", t.get("metric")).get("scopes") \
            if t.get("metric") in vocab.enumeration("target_metric") else None
        info = [[_label(s, "ifrs-sds:MetricsUsedToMonitorProgress"),
                 p.shown_as(f"{base}/metric/monitored", _lab("target_metric", t.get("metric")))],
                [_label(s, "ifrs-sds:EmissionsScopesCoveredByTarget"),
                 p.shown_as(f"{base}/scopes", ("、".join(vocab.label("scope", x, "zh-CN") for x in scopes or []),
                                               ", ".join(vocab.label("scope", x, "en") for x in scopes or [])))],
                [_label(s, "ifrs-sds:GreenhouseGasesCoveredByTarget"), p.shown_as(f"{base}/gases", (gases, gases_en))],
                [_label(s, "ifrs-sds:PartOfEntityToWhichClimaterelatedTargetApplies"), list(p.pair(f"{base}/coverage"))],
                [_label(s, "ifrs-sds:PeriodOverWhichTargetApplies"), p.ix(f"{base}/period")]]
        details.append(p.heading(_member(ext.label(ext.targets[tid], "zh")) or tid,
                                 _member(ext.label(ext.targets[tid], "en")) or tid))
        details.append(p.table([("项目", "Item"), ("取值", "Value")],
                               [r for r in info if r[1] is not None and r[1] != [None, None]], set()))
        details += [p.text("ifrs-sds:MetricUsedToSetTargetAndToMonitorProgressExplanatory", f"{base}/scope"),
                    p.text("ifrs-sds:MilestonesAndInterimTargetsExplanatory", f"{base}/milestones"),
                    p.block("ifrs-sds:PerformanceAgainstTargetAndAnalysisOfTrendsOrChangesInPerformanceExplanatory",
                            (p.ix(f"{calc}/performance/zh@zh-CN"), p.ix(f"{calc}/performance/en@en")))]
        if tid in ext.gross_targets:   # the associated gross target (IFRS S2 36(c)), a member of its own
            g = f"{calc}/gross"
            member = ext.gross_targets[tid]
            details.append(p.heading(_member(ext.label(member, "zh")), _member(ext.label(member, "en")), level=5))
            grow = [[("目标值", "Target value"), p.ix(f"{calc}/gross_target_value"), str(t.get("unit") or "")],
                    [_label(s, "ifrs-sds:GrossOrNetGHGEmissionsTarget"),
                     [k for k in (p.shown_as(f"{g}/basis", _lab("target_basis", "gross")),
                                  p.shown_as(f"{g}/type", _lab("target_type", t.get("type")))) if k is not None], ""],
                    [_label(s, "ifrs-sds:EmissionsScopesCoveredByTarget"),
                     p.shown_as(f"{g}/scopes", ("、".join(vocab.label("scope", x, "zh-CN") for x in scopes or []),
                                                ", ".join(vocab.label("scope", x, "en") for x in scopes or []))), ""],
                    [_label(s, "ifrs-sds:GreenhouseGasesCoveredByTarget"), p.shown_as(f"{g}/gases", (gases, gases_en)), ""],
                    [_label(s, "ifrs-sds:PartOfEntityToWhichClimaterelatedTargetApplies"), list(p.pair(f"{g}/coverage")), ""],
                    [_label(s, "ifrs-sds:PeriodOverWhichTargetApplies"), p.ix(f"{g}/period"), ""],
                    [_label(s, "ifrs-sds:BasePeriodFromWhichProgressForTargetIsMeasured"), p.ix(f"{g}/base_year"), ""],
                    [_label(s, "csdsx:TargetYearOfClimateTarget"), p.ix(f"{g}/target_year"), ""]]
            details.append(p.table([("项目", "Item"), ("取值", "Value"), ("单位", "Unit")],
                                   [r for r in grow if r[1] is not None and r[1] != [None, None]], {1}))
            details.append(p.block("ifrs-sds:DescriptionOfSpecificQuantitativeOrQualitativeTargetSetOrRequiredToMeetExplanatory",
                                   (p.ix(f"{g}/zh@zh-CN"), p.ix(f"{g}/en@en"))))
        if tid in ext.credits:   # the planned carbon credits (IFRS S2 36(e))
            member = ext.credits[tid]
            details.append(p.heading(_member(ext.label(member, "zh")), _member(ext.label(member, "en")), level=5))
            details.append(p.table([("项目", "Item"), ("数值（tCO2e）", "Quantity (tCO2e)")],
                                   [[_label(s, "csdsx:CarbonCreditsPlannedForClimateTarget"),
                                     p.ix(f"{base}/carbon_credits")]], {1}))
            details += [p.block("ifrs-sds:PlannedUseOfCarbonCreditsExplanatory",
                                (p.ix(f"{calc}/credits/zh@zh-CN"), p.ix(f"{calc}/credits/en@en"))),
                        p.text("ifrs-sds:ExtentToWhichAndHowAchievingNetGreenhouseEmissionsTargetReliesOnUseOfCarbonCreditsExplanatory",
                               f"{base}/notes")]
    section("530000", [p.table([("目标", "Target"), ("名称", "Target"), ("类型", "Type"), ("指标", "Metric"),
                                ("基准年", "Base year"), ("基准值", "Base value"), ("目标年", "Target year"),
                                ("目标值", "Target value"), ("目标降幅（%）", "Reduction targeted (%)"), ("单位", "Unit"),
                                (f"{(results.get('period') or {}).get('end', '')[:4]} 年数值", "This period"),
                                ("已完成计划降幅（%）", "Share of the planned reduction achieved (%)")],
                               rows, {5, 7, 8, 10, 11}) if rows else None, *details],
            _label(s, "ifrs-sds:ClimaterelatedTargetsAbstract"))

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
            rows.append([_label(s, "csdsx:LevelOfAssuranceObtained"),
                         p.shown_as("disclosures/assurance/level/member", _lab("assurance_level", level))])
        blocks = [p.table(list(head), rows, {1} if role_id == "540000" else set()) if rows else None]
        blocks += p.text_blocks(role_id)
        section(role_id, blocks)
    return chapters


def _value(p: Page, key: str) -> Any:
    """The value of a fact by its key (None when there is no such fact)."""
    i = p.index.get(key)
    return None if i is None else p.fs.facts[i].value


def _label(s: Any, concept: str) -> tuple[str, str]:
    c = s.concept(concept)
    return c.zh or c.name, c.en or c.name


def _pair_text(v: Any) -> tuple[str, str] | None:
    """A disclosures.yaml text ({zh, en}) as (zh, en) for a cell, None when empty."""
    if not isinstance(v, dict) or not (v.get("zh") or v.get("en")):
        return None
    return str(v.get("zh") or v.get("en")), str(v.get("en") or v.get("zh"))


def _header(p: Page) -> etree._Element:
    header = etree.Element(f"{{{IX}}}header")
    hidden = p.hidden()
    if hidden:
        h = etree.SubElement(header, f"{{{IX}}}hidden")
        for el in hidden:
            h.append(el)
    refs = etree.SubElement(header, f"{{{IX}}}references")
    etree.SubElement(refs, f"{{{LINK}}}schemaRef", attrib={f"{{{XLINK}}}type": "simple",
                                                          f"{{{XLINK}}}href": p.fs.schema})
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
    chapters = _sections(p, results)
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
        title_zh=f"{fs.entity['name_zh']} 气候相关披露",
        title_en=f"{fs.entity['name_en'] or fs.entity['name_zh']} - climate-related disclosures",
        entity_block=Markup(etree.tostring(ent, encoding="unicode")),
        header=Markup(etree.tostring(header, encoding="unicode")),
        period_start=fs.period[0], period_end=fs.period[1], chapters=chapters,
        tool_version=tool_version, taxonomy=s.entry_point)
    return _canonical(page, fs)


def _canonical(page: str, fs: FactSet) -> bytes:
    """Parse the rendered page and serialise it with every namespace declared once, on the root."""
    parser = etree.XMLParser(remove_blank_text=False)
    root = etree.fromstring(page.encode("utf-8"), parser)
    s = spec()
    ns = {None: XHTML, "ix": IX, "ixt": IXT, **{k: v for k, v in nsmap(s, fs).items()}}
    new_root = etree.Element(root.tag, nsmap=ns, attrib=dict(root.attrib))
    new_root.text = root.text
    for child in root:
        new_root.append(child)
    etree.cleanup_namespaces(new_root, top_nsmap=ns, keep_ns_prefixes=list(k for k in ns if k))
    return etree.tostring(new_root, xml_declaration=True, encoding="UTF-8")

