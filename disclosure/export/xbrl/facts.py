"""results.json → fact records: concept, value, unit, decimals, period and dimensions.

The whole climate report: the four pillars of IFRS S2 from disclosures.yaml as results.json carries
it (governance, strategy with the risks and opportunities on the IFRS risks axis, risk management,
metrics and targets with the targets on the IFRS targets axis and the planned carbon credits), the
figures the calculation computed, and the industry metrics where the inventory has them.

Nothing is computed here: every number is a figure of results.json (the totals as published,
``published.totals``), rounded by the project's one rounding policy (``disclosure.export.numbers``)
so the XBRL value and ``decimals`` show the digits the Word report prints. Each fact keeps the path
of results.json it came from (``source``), which the round trip uses to compare what Arelle reads
back with results.json. A few booleans follow from what the input states (a transition plan given,
a carbon price applied, climate metrics in the remuneration); each says so where it is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...core import units
from ...core import vocabulary as vocab
from ...core.text import has_cjk, split_bilingual
from ..numbers import decimals, rounded
from . import financed, narrative, statements
from .entity import EntityExtension, entity_extension, kind_member
from .taxonomy import Spec, spec

Path_ = tuple[str | int, ...]

# results.json lists, and the field that identifies an element (a path names it by that value)
LIST_KEYS = {"by_entity": "entity_id", "by_facility": "facility_id", "by_province": "province",
             "scope3_categories": "category", "scope2_instruments": "instrument_id", "factor_datasets": "id",
             "targets": "id", "by_ifrs_class": "ifrs_class"}

# the members and concepts of the enumerations, from the vocabulary (core/vocabulary.yaml)
GASES = vocab.members("gas")
SCOPE1_SOURCES = {k: m for k, m in vocab.members("source").items() if vocab.term("source", k).get("scope") == 1}
SCOPE2_SOURCES = {k: m for k, m in vocab.members("source").items() if vocab.term("source", k).get("scope") == 2}
CATEGORIES = vocab.members("scope3_category")
METHODS = vocab.members("scope3_method")
INSTRUMENT_TYPES = vocab.members("instrument_type")
GWP = vocab.members("gwp")
GRID_LEVELS = vocab.members("grid_level")
ASSURANCE_LEVELS = vocab.members("assurance_level")
SCOPE_ITEMS = {k: vocab.member("total", k) for k in ("scope1", "scope2_location", "scope2_market", "scope3")}
TOTALS = {**{k: vocab.member("total", k) for k in vocab.TOTALS}, **vocab.members("memo_total")}
BASES = vocab.members("disclosure_basis")
# carbon-market positions of disclosures.yaml (tCO2e; the compliance period is text) → concept, with
# the keys disclosures.yaml may give the figure under
CARBON_MARKET = {t.xbrl: (t.key, *t.aliases) for t in vocab.enumeration("carbon_market_item")
                 if t.xbrl and t.key != "compliance_period"}
# cross-industry metrics of disclosures.yaml: key → (amount concept, share concept, text block)
CROSS_INDUSTRY = (
    ("transition_risk", "csdsx:AmountOfAssetsOrBusinessActivitiesVulnerableToTransitionRisks",
     "csdsx:PercentageOfAssetsOrBusinessActivitiesVulnerableToTransitionRisks",
     "ifrs-sds:AmountAndPercentageOfAssetsOrBusinessActivitiesVulnerableToClimaterelatedTransitionRisksExplanatory"),
    ("physical_risk", "csdsx:AmountOfAssetsOrBusinessActivitiesVulnerableToPhysicalRisks",
     "csdsx:PercentageOfAssetsOrBusinessActivitiesVulnerableToPhysicalRisks",
     "ifrs-sds:AmountAndPercentageOfAssetsOrBusinessActivitiesVulnerableToClimaterelatedPhysicalRisksExplanatory"),
    ("opportunities", "csdsx:AmountOfAssetsOrBusinessActivitiesAlignedWithOpportunities",
     "csdsx:PercentageOfAssetsOrBusinessActivitiesAlignedWithOpportunities",
     "ifrs-sds:AmountAndPercentageOfAssetsOrBusinessActivitiesAlignedWithClimaterelatedOpportunitiesExplanatory"),
    ("capital_deployed", "csdsx:AmountOfCapitalDeployedTowardsClimaterelatedRisksAndOpportunities", None,
     "ifrs-sds:AmountOfCapitalExpenditureFinancingOrInvestmentDeployedTowardsClimaterelatedRisksAndOpportunitiesExplanatory"),
    ("internal_carbon_price", None, None,
     "ifrs-sds:ExplanationOfWhetherAndHowCarbonPriceIsAppliedInDecisionmakingExplanatory"),
)
TARGET_TYPES = vocab.members("target_type")
TARGET_BASES = vocab.members("target_basis")
# the metric a target measures → the scopes it covers
TARGET_SCOPES = {t.key: tuple(vocab.member("scope", n) for n in t.get("scopes"))
                 for t in vocab.enumeration("target_metric") if t.get("scopes")}

TARGET_METRICS = vocab.members("target_metric")
HORIZONS = vocab.members("horizon")
BASIS_AXIS = "ifrs-sds:GHGEmissionsDisclosureBasisAxis"
GAS_AXIS = "ifrs-sds:ConstituentGreenhouseGasAxis"
RISKS_AXIS = "ifrs-sds:RisksAndOpportunitiesAxis"
TARGETS_AXIS = "ifrs-sds:TargetsAxis"
CREDITS_AXIS = "ifrs-sds:CarbonCreditAxis"
HORIZON_AXIS = "ifrs-sds:TimeHorizonAxis"
CLIMATE_TOPIC = "ifrs-sds:ClimateTopicMember"
# the energy shares of results.json ``energy`` → the IFRS energy-source member (EM-CM-130a.1)
ENERGY_SHARES = {"grid_electricity_share": "ifrs-ibg:GridElectricityMember",
                 "renewable_share": "ifrs-ibg:RenewableEnergyMember",
                 "alternative_share": "ifrs-ibg:AlternativeSourcesMember"}
MASS_UNITS = {"t": "utr:t", "kg": "utr:kg"}

# UTR measures for the units of physical output an intensity may be expressed in
OUTPUT_UNITS = {"t": "utr:t", "kg": "utr:kg", "MWh": "utr:MWh", "GJ": "utr:GJ", "m3": "utr:m3", "km": "utr:km",
                "kWh": "utr:kWh", "m2": "utr:m2", "L": "utr:l"}

Unit = tuple[tuple[str, ...], tuple[str, ...]]   # (numerator measures, denominator measures)
TCO2E: Unit = (("utr:tCO2e",), ())
PURE: Unit = (("xbrli:pure",), ())
MWH: Unit = (("utr:MWh",), ())


@dataclass(frozen=True)
class Fact:
    concept: str                 # qname, e.g. ifrs-sds:AbsoluteGrossScope1GHGEmissions
    value: Any                   # Decimal (numeric), str (text, URI list, gYear), bool
    source: Path_                # where in results.json (or ("text", name) for generated text)
    unit: Unit | None = None
    decimals: int | None = None
    kind: str | None = None      # rounding kind (numbers.DECIMALS) of a numeric fact
    scale: int = 0               # Inline XBRL: value shown = value × 10**-scale
    raw_scale: int = 0           # value = rounded(results.json figure) × 10**raw_scale
    period: str = "duration"     # duration | instant | prior (the comparative period's duration)
    dims: tuple[tuple[str, str], ...] = ()   # (axis, member qname) or (typed axis, value)
    lang: str | None = None
    text_block: bool = False     # an XHTML fragment
    section: str = ""            # the role (chapter section) the fact is shown in

    @property
    def numeric(self) -> bool:
        return self.unit is not None

    @property
    def key(self) -> str:
        return "/".join(str(p) for p in self.source) + (f"@{self.lang}" if self.lang else "")


@dataclass
class FactSet:
    facts: list[Fact] = field(default_factory=list)
    entity: dict[str, Any] = field(default_factory=dict)   # identifier, scheme (URI), names
    period: tuple[str, str] = ("", "")
    prior_period: tuple[str, str] | None = None            # the comparative period (``--prior``)
    notes: list[str] = field(default_factory=list)         # what could not be tagged, and why
    stem: str = ""                                          # the report's file stem
    ext: EntityExtension | None = None                      # the report's own members (entity.py)

    @property
    def schema(self) -> str:
        """The schema the report refers to: its entity extension (which imports the project's)."""
        return self.ext.entry_point if self.ext is not None else spec().entry_point

    def by_key(self) -> dict[str, Fact]:
        return {f.key: f for f in self.facts}

    def period_of(self, f: Fact) -> tuple[str, ...]:
        """The XBRL period of a fact: ("instant", date) or ("duration", start, end)."""
        start, end = self.dates_of(f)
        return ("instant", end) if f.period == "instant" else ("duration", start, end)

    def dates_of(self, f: Fact) -> tuple[str, str]:
        if f.period == "prior":
            if self.prior_period is None:
                raise ValueError(f"{f.key}: a comparative fact without a prior period")
            return self.prior_period
        return self.period


class Resolver:
    """Looks up results.json by a fact's source path; list elements are named by their id and
    indexed once (a group has thousands of facilities)."""

    def __init__(self, results: dict[str, Any]):
        self.results = results
        self._index: dict[int, dict[str, Any]] = {}

    def __call__(self, path: Path_) -> Any:
        node: Any = self.results
        parent: Any = None
        for seg in path:
            if isinstance(node, list):
                idx = self._index.get(id(node))
                if idx is None:
                    idf = LIST_KEYS.get(parent)
                    if idf is None:
                        return None
                    idx = self._index[id(node)] = {str(e.get(idf)): e for e in node if isinstance(e, dict)}
                node = idx.get(str(seg))
            elif isinstance(node, dict):
                node = node.get(seg)  # type: ignore[call-overload]
            else:
                return None
            parent = seg
            if node is None:
                return None
        return node


def resolve(results: dict[str, Any], path: Path_) -> Any:
    """The value of results.json at a fact's source path (list elements named by their id)."""
    return Resolver(results)(path)


class _Builder:
    def __init__(self, results: dict[str, Any], s: Spec):
        self.r = results
        self.resolve = Resolver(results)
        self.s = s
        self.facts: list[Fact] = []
        self.notes: list[str] = []
        self.section = ""

    def num(self, concept: str, path: Path_, kind: str, unit: Unit = TCO2E, dims=(), scale: int = 0,
            raw_scale: int = 0, period: str = "duration") -> None:
        """A numeric fact. ``raw_scale`` converts the figure of results.json into the unit of the
        fact (tCO2e per CNY million → per CNY: -6); ``scale`` is how the page shows it (a share as
        a percentage: -2). ``decimals`` keeps the digits the report prints."""
        raw = self.resolve(path)
        if raw is None or isinstance(raw, bool) or not isinstance(raw, int | float):
            return
        value = rounded(raw, kind).scaleb(raw_scale)
        self.facts.append(Fact(concept, value, path, unit, decimals(kind, raw) - raw_scale, kind, scale, raw_scale,
                               period, tuple(dims), section=self.section))

    def text(self, concept: str, path: Path_, value: Any, dims=(), lang: str | None = None,
             text_block: bool = False, period: str = "duration") -> None:
        if value is None or value == "":
            return
        self.facts.append(Fact(concept, value, path, None, None, None, 0, 0, period, tuple(dims), lang,
                               text_block, self.section))

    def enum(self, concept: str, path: Path_, members: list[str], dims=()) -> None:
        if members:
            value = " ".join(sorted(self.s.expanded(m) for m in members))
            self.text(concept, path, value, dims)


def stem_of(results: dict[str, Any]) -> str:
    """The report's file stem: the entity's identifier, the period's end, ``climate``."""
    ent = results.get("entity") or {}
    end = (results.get("period") or {}).get("end") or "period"
    ident = re.sub(r"[^A-Za-z0-9]", "", str(ent.get("identifier") or "")) or "entity"
    return f"{ident}-{end}-climate"


def build_facts(results: dict[str, Any], input_digest: str | None = None) -> FactSet:
    """The facts of ``results``; ``input_digest``: the report pack's (``export.manifest``), tagged
    as ``csdsx:InputDigestOfReport`` when given."""
    s = spec()
    b = _Builder(results, s)
    r = results
    ent = r.get("entity") or {}
    scheme = s.identifier_schemes.get(ent.get("identifier_scheme") or "", s.identifier_schemes["uscc"])
    stem = stem_of(r)
    ext = entity_extension(r, stem)
    fs = FactSet(entity={"identifier": ent.get("identifier") or "", "scheme": scheme,
                         "name_zh": ent.get("name_zh") or "", "name_en": ent.get("name_en") or ""},
                 period=((r.get("period") or {}).get("start") or "", (r.get("period") or {}).get("end") or ""),
                 stem=stem, ext=ext)
    disc = r.get("disclosures") if isinstance(r.get("disclosures"), dict) else {}

    b.section = "100000"
    b.text("csdsx:NameOfReportingEntity", ("entity", "name_zh"), ent.get("name_zh"), lang="zh-CN")
    b.text("csdsx:NameOfReportingEntity", ("entity", "name_en"), ent.get("name_en"), lang="en")
    for lang in ("zh-CN", "en"):
        b.text("csdsx:StatementOfComplianceWithCSDSNo1Climate", ("text", "compliance"),
               statements.compliance(r, lang), lang=lang, text_block=True)

    _pillars(b, disc, ext)
    _metrics(b, r, s, fs)
    financed.facts(b, r, PURE)
    _energy(b, r, s)
    _targets(b, r, disc, ext)
    _market_and_assurance(b, disc, s)
    _carbon_ledger(b, r, disc, s)
    # --- the report pack: the digest of its inputs (a string in no language) ---
    if input_digest:
        b.section = "550000"
        b.text("csdsx:InputDigestOfReport", ("pack", "input_digest"), input_digest)

    fs.facts = b.facts
    fs.notes = b.notes
    keys = [f.key for f in fs.facts]
    if len(set(keys)) != len(keys):  # a programming error: the page and the round trip look facts up by key
        raise AssertionError(f"duplicate fact keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    return fs


def _block(b: _Builder, concept: str, path: Path_, value: Any, dims=()) -> None:
    """A text of disclosures.yaml ({zh, en}) as a text block per language."""
    for lang, text in _texts(value):
        b.text(concept, (*path, lang[:2]), narrative.paragraph(text), dims=dims, lang=lang, text_block=True)


def _pillars(b: _Builder, disc: dict[str, Any], ext: EntityExtension) -> None:
    """Governance, strategy and risk management (IFRS S2 5-26), from disclosures.yaml."""
    gov = disc.get("governance") if isinstance(disc.get("governance"), dict) else {}
    b.section = "200000"
    base = ("disclosures", "governance")
    _block(b, "ifrs-sds:IdentityOfGovernanceBodysOrIndividualsResponsibleForOversightOfRisksAndOpportunitiesExplanatory",
           (*base, "board_oversight"), gov.get("board_oversight"))
    _block(b, "ifrs-sds:ManagementsRoleInGovernanceProcessesControlsAndProceduresUsedToMonitorManageAndOverseeRisksAndOpportunitiesExplanatory",
           (*base, "management_role"), gov.get("management_role"))
    _block(b, "ifrs-sds:HowResponsibleBodysOrIndividualsDeterminesAppropriateSkillsAndCompetenciesAreAvailableOrWillBeDevelopedToOverseeStrategiesToRespondToRisksAndOpportunitiesExplanatory",
           (*base, "skills"), gov.get("skills"))
    _block(b, "ifrs-sds:WhetherAndHowRelatedPerformanceMetricsAreIncludedInRemunerationPoliciesExplanatory",
           (*base, "remuneration"), gov.get("remuneration"))
    # derived: climate metrics are in the remuneration when a share of remuneration is linked to them
    share = ((disc.get("metrics") or {}).get("remuneration") or {}).get("share") if isinstance(disc.get("metrics"), dict) else None
    if gov.get("remuneration") and isinstance(share, int | float):
        b.text("ifrs-sds:ClimaterelatedPerformanceMetricsAreIncludedInRemunerationPolicies",
               (*base, "remuneration", "included"), share > 0)

    st = disc.get("strategy") if isinstance(disc.get("strategy"), dict) else {}
    b.section = "300000"
    base = ("disclosures", "strategy")
    th = st.get("time_horizons") if isinstance(st.get("time_horizons"), dict) else {}
    for h, member in HORIZONS.items():
        _block(b, "ifrs-sds:DefinitionOfTimeHorizonExplanatory", (*base, "time_horizons", h), th.get(h),
               dims=[(HORIZON_AXIS, member)])
    for x in st.get("risks_opportunities") or []:
        if not isinstance(x, dict) or str(x.get("id")) not in ext.risks:
            continue
        rid = str(x["id"])
        d = [(RISKS_AXIS, ext.risks[rid])]
        path = (*base, "risks_opportunities", rid)
        _block(b, "ifrs-sds:DescriptionOfRiskOrOpportunityExplanatory", (*path, "description"), x.get("description"), d)
        b.enum("ifrs-sds:TopicsOfRiskOrOpportunity", (*path, "topic"), [CLIMATE_TOPIC], dims=d)
        if kind_member(x.get("kind")):
            b.enum("ifrs-sds:CategoryOfClimaterelatedRisk", (*path, "kind"), [kind_member(x["kind"])], dims=d)
        if x.get("time_horizon") in HORIZONS:
            b.enum("ifrs-sds:TimeHorizonsOverWhichEffectsOfRiskOrOpportunityCouldReasonablyBeExpectedToOccur",
                   (*path, "time_horizon"), [HORIZONS[x["time_horizon"]]], dims=d)
        _block(b, "ifrs-sds:OtherDisclosuresAboutCurrentAndAnticipatedFinancialEffectsOfRisksAndOpportunitiesExplanatory",
               (*path, "financial_effect"), x.get("financial_effect"), d)
        _block(b, "ifrs-sds:HowEntityRespondedToAndPlansToRespondToRisksAndOpportunitiesInItsStrategyAndDecisionmakingExplanatory",
               (*path, "response"), x.get("response"), d)
    _block(b, "ifrs-sds:CurrentAndAnticipatedEffectsOfRisksAndOpportunitiesOnBusinessModelAndValueChainExplanatory",
           (*base, "business_model"), st.get("business_model"))
    _block(b, "ifrs-sds:OtherDisclosuresAboutCurrentAndAnticipatedFinancialEffectsOfRisksAndOpportunitiesExplanatory",
           (*base, "financial_effects"), st.get("financial_effects"))
    _block(b, "ifrs-sds:ClimaterelatedTransitionPlanExplanatory", (*base, "transition_plan"), st.get("transition_plan"))
    if st.get("transition_plan"):   # derived: the plan is disclosed
        b.text("ifrs-sds:EntityHasClimaterelatedTransitionPlan", (*base, "transition_plan", "exists"), True)
    sa = st.get("scenario_analysis") if isinstance(st.get("scenario_analysis"), dict) else {}
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:HowAndWhenClimaterelatedScenarioAnalysisWasCarriedOutExplanatory",
               (*base, "scenario_analysis", "method", lang[:2]), statements.scenario_analysis(disc, lang),
               lang=lang, text_block=True)
    scenarios = [x for x in sa.get("scenarios") or [] if isinstance(x, dict)]
    kinds = sorted({vocab.member("ro_kind", k) for x in scenarios
                    for k in vocab.term("scenario_kind", x["kind"]).get("risks", ())
                    if x.get("kind") in vocab.enumeration("scenario_kind")})
    b.enum("ifrs-sds:ClimaterelatedScenariosUsedAreAssociatedWithClimaterelatedTransitionRisksOrClimaterelatedPhysicalRisks",
           (*base, "scenario_analysis", "scenarios", "kinds"), kinds)
    # derived: a scenario of at most 1.5 °C is aligned with the Paris Agreement's goal; without
    # one, whether a scenario is aligned is a judgement the input does not make: not tagged
    if any(_degrees(x.get("temperature")) is not None and _degrees(x.get("temperature")) <= 1.5 for x in scenarios):
        b.text("ifrs-sds:ClimaterelatedScenarioUsedThatIsAlignedWithLatestInternationalAgreementOnClimateChange",
               (*base, "scenario_analysis", "scenarios", "aligned"), True)
    _block(b, "ifrs-sds:AssessmentOfClimateResilienceExplanatory", (*base, "scenario_analysis", "resilience"),
           sa.get("resilience"))

    rm = disc.get("risk_management") if isinstance(disc.get("risk_management"), dict) else {}
    b.section = "400000"
    base = ("disclosures", "risk_management")
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:ProcessesAndRelatedPoliciesToIdentifyAssessPrioritiseAndMonitorRisksExplanatory",
               (*base, "identification_monitoring", lang[:2]), statements.risk_processes(disc, lang), lang=lang,
               text_block=True)
    _block(b, "ifrs-sds:HowNatureLikelihoodAndMagnitudeOfEffectsOfRisksAreAssessedExplanatory", (*base, "assessment"),
           rm.get("assessment"))
    _block(b, "ifrs-sds:ProcessesUsedToIdentifyAssessPrioritiseAndMonitorOpportunitiesExplanatory",
           (*base, "opportunities"), rm.get("opportunities"))
    _block(b, "ifrs-sds:ExtentToWhichAndHowProcessesForIdentifyingAssessingPrioritisingAndMonitoringRisksAndOpportunitiesAreIntegratedIntoOrInformOverallRiskManagementProcessExplanatory",
           (*base, "integration"), rm.get("integration"))


def _degrees(text: Any) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)", str(text or ""))
    return float(m.group(1)) if m and not str(text).strip().startswith(">") else None


def _metrics(b: _Builder, r: dict[str, Any], s: Spec, fs: FactSet) -> None:
    """The GHG metrics the calculation computed, their basis, the comparatives, the cross-industry
    and industry metrics."""
    disc = r.get("disclosures") if isinstance(r.get("disclosures"), dict) else {}
    # --- totals as published (a total of scopes = the sum of its rounded parts), the split ---
    b.section = "510000"
    published = "published" if isinstance(r.get("published"), dict) else None
    for key, concept in TOTALS.items():
        b.num(concept, (published, "totals", key) if published else ("totals", key), "emissions")
    for basis, member in BASES.items():
        for key in ("scope1", "scope2_location", "scope2_market"):
            b.num(SCOPE_ITEMS[key], ("by_basis", basis, key), "emissions", dims=[(BASIS_AXIS, member)])

    # --- gases: those the scope measured (by_gas holds no other), a zero only where measured ---
    b.section = "511000"
    for scope, gases in (r.get("by_gas") or {}).items():
        if scope not in SCOPE_ITEMS:
            continue
        for gas, member in GASES.items():
            if gases.get(gas) is not None:
                b.num(SCOPE_ITEMS[scope], ("by_gas", scope, gas), "emissions", dims=[(GAS_AXIS, member)])

    b.section = "512000"
    by_source = r.get("by_source") or {}
    for src, member in SCOPE1_SOURCES.items():
        if src in by_source:
            b.num(SCOPE_ITEMS["scope1"], ("by_source", src, "co2e"), "emissions",
                  dims=[("csdsx:Scope1EmissionSourceAxis", member)])

    b.section = "513000"
    for src, member in SCOPE2_SOURCES.items():
        if src in by_source:
            d = [("csdsx:PurchasedEnergyTypeAxis", member)]
            b.num(SCOPE_ITEMS["scope2_location"], ("by_source", src, "co2e"), "emissions", dims=d)
            b.num(SCOPE_ITEMS["scope2_market"], ("by_source", src, "co2e_market"), "emissions", dims=d)
    for ins in r.get("scope2_instruments") or []:
        iid = ins.get("instrument_id")
        if iid is None:
            continue
        d = [("csdsx:ContractualInstrumentAxis", str(iid))]
        if ins.get("type") in INSTRUMENT_TYPES:
            b.enum("csdsx:TypeOfContractualInstrument", ("scope2_instruments", iid, "type"),
                   [INSTRUMENT_TYPES[ins["type"]]], dims=d)
        b.num("csdsx:ElectricityCoveredByContractualInstrument", ("scope2_instruments", iid, "mwh_used"),
              "energy", MWH, dims=d)
        b.num("csdsx:EmissionFactorOfContractualInstrument", ("scope2_instruments", iid, "emission_factor"),
              "intensity", (("utr:tCO2e",), ("utr:MWh",)), dims=d)
    b.num("csdsx:ResidualEmissionFactorForMarketbasedScope2", ("settings", "residual_factor"), "intensity",
          (("utr:tCO2e",), ("utr:MWh",)))
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:AnyContractualInstrumentsThatInformUnderstandingOfScope2GHGEmissionsExplanatory",
               ("text", "instruments"), narrative.instruments(r, lang), lang=lang, text_block=True)

    # --- Scope 3 ---
    b.section = "514000"
    included = []
    for cat in r.get("scope3_categories") or []:
        n = cat.get("category")
        if n not in CATEGORIES:
            continue
        d = [("ifrs-sds:Scope3EmissionsCategoriesAxis", CATEGORIES[n])]
        if cat.get("included"):
            included.append(CATEGORIES[n])
            b.num(SCOPE_ITEMS["scope3"], ("scope3_categories", n, "co2e"), "emissions", dims=d)
            b.enum("csdsx:Scope3CalculationMethodsUsed", ("scope3_categories", n, "methods"),
                   [METHODS[m] for m in cat.get("methods") or [] if m in METHODS], dims=d)
        elif cat.get("reason"):
            for lang, text in split_bilingual(cat["reason"]):
                b.text("csdsx:ReasonForExcludingScope3Category", ("scope3_categories", n, "reason"), text,
                       dims=d, lang=lang)
    b.enum("ifrs-sds:CategoriesIncludedWithinMeasureOfScope3GHGEmissions", ("scope3_categories", "included"),
           included)
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:DetailsOfInclusionWithinScope3GHGEmissionsExplanatory", ("text", "scope3"),
               narrative.scope3_inclusion(r, lang), lang=lang, text_block=True)
    b.num("csdsx:PercentageOfScope3GHGEmissionsMeasuredUsingPrimaryData",
          ("scope3_data_quality", "primary_share"), "share", PURE, scale=-2)
    b.num("csdsx:PercentageOfScope3GHGEmissionsMeasuredUsingVerifiedData",
          ("scope3_data_quality", "verified_share"), "share", PURE, scale=-2)
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:ExtentScope3GHGEmissionsMeasuredUsingInputsFromSpecificActivitiesWithinValueChainExplanatory",
               ("text", "scope3_primary"), narrative.scope3_share(r, "primary_share", lang), lang=lang,
               text_block=True)
        b.text("ifrs-sds:ExtentScope3GHGEmissionsMeasuredUsingVerifiedInputsExplanatory",
               ("text", "scope3_verified"), narrative.scope3_share(r, "verified_share", lang), lang=lang,
               text_block=True)

    # --- intensity ---
    b.section = "515000"
    intensity = r.get("intensity") or {}
    pr = intensity.get("per_revenue")
    if pr:
        currency = str(pr.get("currency") or "CNY")
        unit_text = str(pr.get("unit") or "")
        scale = {f"tCO2e/{currency} million": -6, f"tCO2e/{currency}": 0,
                 f"tCO2e/{currency} thousand": -3}.get(unit_text)
        if scale is None:
            b.notes.append(f"intensity per revenue in '{unit_text}' is not tagged (unit not understood)")
        else:
            u = (("utr:tCO2e",), (f"iso4217:{currency}",))
            for key, concept in (
                    ("scope1_2_location", "csdsx:GHGEmissionsIntensityScope1AndLocationbasedScope2PerRevenue"),
                    ("scope1_2_market", "csdsx:GHGEmissionsIntensityScope1AndMarketbasedScope2PerRevenue"),
                    ("scope1_2_3_location", "csdsx:GHGEmissionsIntensityScope1LocationbasedScope2AndScope3PerRevenue")):
                b.num(concept, ("intensity", "per_revenue", key), "intensity", u, scale=scale, raw_scale=scale)
            b.num("csdsx:RevenueUsedToCalculateGHGEmissionsIntensity", ("intensity", "per_revenue", "revenue"),
                  "money", ((f"iso4217:{currency}",), ()))
    po = intensity.get("per_output")
    if po:
        measure = output_measure(str(po.get("output_unit") or ""), s)
        for key, concept in (
                ("scope1_2_location", "csdsx:GHGEmissionsIntensityScope1AndLocationbasedScope2PerUnitOfOutput"),
                ("scope1_2_market", "csdsx:GHGEmissionsIntensityScope1AndMarketbasedScope2PerUnitOfOutput")):
            b.num(concept, ("intensity", "per_output", key), "intensity", (("utr:tCO2e",), (measure,)))
        # a production weight is the IFRS industry metric (EM-CM-000.A); other outputs the extension's
        mass = MASS_UNITS.get(str(po.get("output_unit") or ""))
        b.num("ifrs-ibg:ProductionWeight" if mass else "csdsx:OutputUsedToCalculateGHGEmissionsIntensity",
              ("intensity", "per_output", "output"), "quantity", ((mass or measure,), ()))
        b.text("csdsx:DescriptionOfOutputUsedToCalculateGHGEmissionsIntensity", ("intensity", "per_output", "label_zh"),
               po.get("label_zh"), lang="zh-CN")
        b.text("csdsx:DescriptionOfOutputUsedToCalculateGHGEmissionsIntensity", ("intensity", "per_output", "label_en"),
               po.get("label_en"), lang="en")

    # --- by entity, facility, province ---
    b.section = "516000"
    for e in r.get("by_entity") or []:
        eid = e.get("entity_id")
        if eid is None:
            continue
        d = [("csdsx:EntityAxis", str(eid))]
        b.text("csdsx:NameOfEntityWithinGroup", ("by_entity", eid, "name"), e.get("name"), dims=d,
               lang="zh-CN" if has_cjk(str(e.get("name") or "")) else "en")
        if e.get("consolidated") is not None:
            b.text("csdsx:EntityIsPartOfConsolidatedAccountingGroup", ("by_entity", eid, "consolidated"),
                   bool(e["consolidated"]), dims=d)
        b.num("csdsx:ShareOfEntityEmissionsIncludedUnderConsolidationApproach", ("by_entity", eid, "share"),
              "share", PURE, dims=d, scale=-2)
        for key, concept in SCOPE_ITEMS.items():
            b.num(concept, ("by_entity", eid, key), "emissions", dims=d)
    b.section = "516100"
    for f in r.get("by_facility") or []:
        fid = f.get("facility_id")
        if fid is None:
            continue
        d = [("csdsx:FacilityAxis", str(fid))]
        b.text("csdsx:NameOfFacility", ("by_facility", fid, "name"), f.get("name"), dims=d,
               lang="zh-CN" if has_cjk(str(f.get("name") or "")) else "en")
        b.text("csdsx:EntityOperatingFacility", ("by_facility", fid, "entity_id"), f.get("entity_id"), dims=d)
        for key, concept in SCOPE_ITEMS.items():
            b.num(concept, ("by_facility", fid, key), "emissions", dims=d)
    b.section = "516200"
    for p in r.get("by_province") or []:
        name = p.get("province")
        member = s.province_members.get(str(name)) if name is not None else None
        if member is None:
            b.notes.append(f"province {name!r} has no member in the taxonomy; its figures are not tagged by province")
            continue
        d = [("csdsx:ProvinceAxis", member)]
        for key, concept in SCOPE_ITEMS.items():
            b.num(concept, ("by_province", name, key), "emissions", dims=d)

    # --- basis of GHG accounting ---
    b.section = "517000"
    st = r.get("settings") or {}
    cons = st.get("consolidation")
    if cons:
        b.enum("ifrs-sds:MeasurementApproachUsedInCalculatingGHGEmissionsIfMeasuredInAccordanceWithGHGProtocol",
               ("settings", "consolidation"),
               [vocab.member("consolidation", "equity_share") if cons == "equity_share"
                else vocab.member("measurement_approach", "control")])
        if cons in ("operational_control", "financial_control"):
            b.enum("csdsx:ControlApproachUsedInCalculatingGHGEmissions", ("settings", "consolidation", "control"),
                   [vocab.member("consolidation", cons)])
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:ApproachUsedToMeasureGHGEmissionsExplanatory", ("text", "approach"),
               narrative.approach(r, lang), lang=lang, text_block=True)
        b.text("csdsx:BasisOfGHGAccountingExplanatory", ("text", "basis"), narrative.basis(r, lang), lang=lang,
               text_block=True)
    if st.get("gwp") in GWP:
        b.enum("csdsx:GlobalWarmingPotentialValuesUsed", ("settings", "gwp"), [GWP[st["gwp"]]])
    if st.get("combustion_non_co2") is not None:
        b.text("csdsx:CombustionCH4AndN2OIncluded", ("settings", "combustion_non_co2"), bool(st["combustion_non_co2"]))
    b.text("csdsx:DefaultFuelParameterDataset", ("settings", "default_fuel_basis"), st.get("default_fuel_basis"))
    if st.get("grid_year"):
        b.text("csdsx:VintageOfGridEmissionFactorsUsed", ("settings", "grid_year"), str(st["grid_year"]))
    if st.get("grid_factor_level") in GRID_LEVELS:
        b.enum("csdsx:GeographicLevelOfGridEmissionFactorsUsed", ("settings", "grid_factor_level"),
               [GRID_LEVELS[st["grid_factor_level"]]])
    for lang in ("zh-CN", "en"):
        b.text("ifrs-sds:EmissionFactorsUsedInCalculatingGHGEmissionsExplanatory", ("text", "factors"),
               narrative.factors(r, lang), lang=lang, text_block=True)
        b.text("ifrs-sds:ReasonWhyMeasurementApproachInputsAndAssumptionsUsedToMeasureGHGEmissionsChosenExplanatory",
               ("text", "approach_reason"), statements.measurement_reason(r, lang), lang=lang, text_block=True)
        b.text("ifrs-sds:MethodAndMeasurementApproachUsedInCalculatingGHGEmissionsIfNotMeasuredInAccordanceWithGHGProtocolExplanatory",
               ("text", "other_methods"), statements.other_methods(r, lang), lang=lang, text_block=True)
        changes = statements.measurement_changes(r, lang)
        if changes is not None:
            b.text("ifrs-sds:ChangesToMeasurementApproachInputsAndAssumptionsUsedToMeasureGHGEmissionsAndReasonsForChangesExplanatory",
                   ("text", "approach_changes"), changes[1], lang=lang, text_block=True)
    changes = statements.measurement_changes(r, "en")
    if changes is not None:
        b.text("ifrs-sds:ChangesMadeToMeasurementApproachInputsAndAssumptionsUsedToMeasureGHGEmissions",
               ("base_year", "log", "method_changed"), changes[0])
    for ds in r.get("factor_datasets") or []:
        did = ds.get("id")
        if not did:
            continue
        d = [("csdsx:EmissionFactorDatasetAxis", str(did))]
        b.text("csdsx:TitleOfEmissionFactorDataset", ("factor_datasets", did, "title_zh"), ds.get("title_zh"),
               dims=d, lang="zh-CN")
        b.text("csdsx:TitleOfEmissionFactorDataset", ("factor_datasets", did, "title_en"), ds.get("title_en"),
               dims=d, lang="en")
        b.text("csdsx:VersionOfEmissionFactorDataset", ("factor_datasets", did, "version"),
               None if ds.get("version") is None else str(ds["version"]), dims=d)
        if ds.get("year"):
            b.text("csdsx:ReferenceYearOfEmissionFactorDataset", ("factor_datasets", did, "year"), str(ds["year"]),
                   dims=d)
        if ds.get("publisher_zh") or ds.get("publisher_en"):   # named in each language
            for key, lg in (("publisher_zh", "zh-CN"), ("publisher_en", "en")):
                if ds.get(key):
                    b.text("csdsx:PublisherOfEmissionFactorDataset", ("factor_datasets", did, key), ds[key],
                           dims=d, lang=lg)
        else:
            b.text("csdsx:PublisherOfEmissionFactorDataset", ("factor_datasets", did, "publisher"), ds.get("publisher"),
                   dims=d, lang="zh-CN" if has_cjk(str(ds.get("publisher") or "")) else "en")
        b.text("csdsx:DigestOfEmissionFactorDataset", ("factor_datasets", did, "sha256"), ds.get("sha256"), dims=d)

    # --- the prior period's totals (comparatives) and the base-year check (``report --prior``) ---
    b.section = "518000"
    prior = r.get("prior") if isinstance(r.get("prior"), dict) else {}
    pp = prior.get("period") or {}
    if pp.get("start") and pp.get("end"):
        fs.prior_period = (str(pp["start"]), str(pp["end"]))
        which = "published" if isinstance(prior.get("published"), dict) else "totals"
        for key, concept in TOTALS.items():
            b.num(concept, ("prior", which, key), "emissions", period="prior")
    by = r.get("base_year") if isinstance(r.get("base_year"), dict) else {}
    if by:
        if by.get("recalculation_required") is not None:
            b.text("csdsx:BaseYearRecalculationRequired", ("base_year", "recalculation_required"),
                   bool(by["recalculation_required"]))
        b.num("csdsx:SignificanceThresholdForBaseYearRecalculation", ("base_year", "threshold"), "share", PURE,
              scale=-2)
        b.num("csdsx:StructuralChangeInScope1AndLocationbasedScope2GHGEmissions",
              ("base_year", "structural_change_scope1_2_location"), "emissions")
        b.num("csdsx:StructuralChangeAsPercentageOfBasePeriodGHGEmissions", ("base_year", "structural_change_share"),
              "share", PURE, scale=-2)
        for lang in ("zh-CN", "en"):
            b.text("csdsx:BaseYearRecalculationExplanatory", ("text", "base_year"), narrative.base_year(r, lang),
                   lang=lang, text_block=True)

    # --- cross-industry metrics (disclosures.yaml, when present) ---
    b.section = "520000"
    metrics = disc.get("metrics") if isinstance(disc.get("metrics"), dict) else {}
    money = ((f"iso4217:{(r.get('settings') or {}).get('currency') or 'CNY'}",), ())
    for key, amount, share, text in CROSS_INDUSTRY:
        m = metrics.get(key) if isinstance(metrics.get(key), dict) else {}
        if amount:   # carrying amounts at the period's end, revenue and capex over it (concepts.yaml)
            b.num(amount, ("disclosures", "metrics", key, "amount"), "money", money, period=s.concept(amount).period)
        if share:
            b.num(share, ("disclosures", "metrics", key, "share"), "share", PURE, scale=-2,
                  period=s.concept(share).period)
        for lang, t in _texts(m.get("description")):
            b.text(text, ("disclosures", "metrics", key, "description", lang[:2]), narrative.paragraph(t), lang=lang,
                   text_block=True)
    b.num("ifrs-sds:PriceForEachMetricTonneOfGHGEmissionsUsedToAssessCostsOfGHGEmissions",
          ("disclosures", "metrics", "internal_carbon_price", "price"), "money", money)
    b.num("ifrs-sds:PercentageOfExecutiveManagementRemunerationRecognisedInTheCurrentPeriodLinkedToClimaterelatedConsiderations",
          ("disclosures", "metrics", "remuneration", "share"), "share", PURE, scale=-2)
    icp = metrics.get("internal_carbon_price") if isinstance(metrics.get("internal_carbon_price"), dict) else {}
    if isinstance(icp.get("price"), int | float) and icp.get("description"):   # derived: a price used in decisions
        b.text("ifrs-sds:EntityAppliesCarbonPriceInDecisionmaking",
               ("disclosures", "metrics", "internal_carbon_price", "applied"), icp["price"] > 0)

    # --- industry-based metrics: construction materials (EM-CM), where facilities make cement ---
    b.section = "521000"
    if is_cement(r):
        cm = r.get("carbon_market") if isinstance(r.get("carbon_market"), dict) else {}
        b.num("ifrs-ibg:GrossScope1GHGEmissionsPercentageCoveredByRegulation", ("carbon_market", "scope1_covered_share"),
              "share", PURE, scale=-2)
        en = r.get("energy") if isinstance(r.get("energy"), dict) else {}
        b.num("ifrs-ibg:EnergyConsumed", ("energy", "consumed_gj"), "energy", (("utr:GJ",), ()))
        for key, member in ENERGY_SHARES.items():
            if en.get(key) is not None:
                b.num("ifrs-ibg:EnergyConsumedPercentage", ("energy", key), "share", PURE, scale=-2,
                      dims=[("ifrs-ibg:EnergySourceAxis", member)])
        missing = [m for m, there in (("the ETS coverage (EM-CM-110a.1)", cm.get("scope1_covered_share") is not None),
                                      ("the energy consumed (EM-CM-130a.1)", bool(en))) if not there]
        if missing:
            b.notes.append(f"cement: {' and '.join(missing)} not in results.json yet; tagged once the calculation "
                           "computes them")


def _energy(b: _Builder, r: dict[str, Any], s: Spec) -> None:
    """Energy use in tonnes of standard coal (results.json ``energy``, GB/T 2589-2020): the extension
    concepts anchored to the IFRS industry energy concepts; tce and kgce as extension measures (the
    UTR has none). The total is the sum of the rounded direct and indirect figures (calculation 1.1)."""
    en = r.get("energy") if isinstance(r.get("energy"), dict) else {}
    if not en:
        return
    b.section = "522000"
    tce: Unit = ((f"{s.prefix}:tce",), ())
    for concept, key in (("EnergyConsumedInTonnesOfStandardCoalEquivalent", "published_total_tce"),
                         ("DirectEnergyConsumedInTonnesOfStandardCoalEquivalent", "direct_tce"),
                         ("IndirectEnergyConsumedInTonnesOfStandardCoalEquivalent", "indirect_tce"),
                         ("RenewableEnergyConsumedInTonnesOfStandardCoalEquivalent", "renewable_tce"),
                         ("CleanEnergyConsumedInTonnesOfStandardCoalEquivalent", "clean_tce")):
        b.num(f"{s.prefix}:{concept}", ("energy", key), "energy", tce)
    b.num(f"{s.prefix}:PercentageOfCleanEnergyConsumed", ("energy", "clean_share"), "share", PURE, scale=-2)
    b.num(f"{s.prefix}:PercentageOfElectricityFromRenewableSources", ("energy", "renewable_electricity_share"),
          "share", PURE, scale=-2)
    # per CNY 10,000 in results.json, per CNY in the XBRL (as the GHG intensities per CNY)
    b.num(f"{s.prefix}:EnergyIntensityPerRevenue", ("energy", "intensity_per_revenue", "value"), "intensity",
          ((f"{s.prefix}:tce",), ("iso4217:CNY",)), raw_scale=-4)
    per_output = en.get("intensity_per_output") if isinstance(en.get("intensity_per_output"), dict) else {}
    out_unit = str(per_output.get("unit") or "").partition("/")[2]
    if out_unit:
        b.num(f"{s.prefix}:EnergyIntensityPerUnitOfOutput", ("energy", "intensity_per_output", "value"), "intensity",
              ((f"{s.prefix}:kgce",), (output_measure(out_unit, s),)))


def _targets(b: _Builder, r: dict[str, Any], disc: dict[str, Any], ext: EntityExtension) -> None:
    """The targets (IFRS S2 33-36) on the IFRS targets axis, one member each, with the gross
    target of a net one and the planned carbon credits."""
    s = spec()
    b.section = "530000"
    progress = {str(x.get("id")): x for x in r.get("targets") or [] if isinstance(x, dict)}
    year = str((r.get("period") or {}).get("end") or "")[:4]
    for t in disc.get("targets") or []:
        if not isinstance(t, dict) or str(t.get("id")) not in ext.targets:
            continue
        tid = str(t["id"])
        d = [(TARGETS_AXIS, ext.targets[tid])]
        base = ("disclosures", "targets", tid)
        done = progress.get(tid) or {}
        _block(b, "ifrs-sds:DescriptionOfSpecificQuantitativeOrQualitativeTargetSetOrRequiredToMeetExplanatory",
               (*base, "name"), t.get("name"), d)
        _block(b, "ifrs-sds:MetricUsedToSetTargetAndToMonitorProgressExplanatory", (*base, "scope"), t.get("scope"), d)
        metric = TARGET_METRICS.get(str(t.get("metric") or ""))
        if metric:   # the metric's concept, a member of the IFRS domain of metrics
            b.enum("ifrs-sds:MetricUsedToSetTarget", (*base, "metric", "concept"), [metric], dims=d)
            b.enum("ifrs-sds:MetricsUsedToMonitorProgress", (*base, "metric", "monitored"), [metric], dims=d)
        _target_details(b, t, base, d, s)
        unit = target_unit(str(t.get("unit") or ""), s)
        kind = "intensity" if unit[1] else "emissions"
        b.num("csdsx:BaseYearValueOfClimateTarget", (*base, "base_value"), kind, unit, dims=d)
        b.num("ifrs-sds:TargetValueNumeric", (*base, "target_value"), kind, unit, dims=d)
        b.num("ifrs-sds:TargetValuePercentage", ("targets", tid, "target_reduction"), "share", PURE, dims=d, scale=-2)
        _block(b, "ifrs-sds:MilestonesAndInterimTargetsExplanatory", (*base, "milestones"), t.get("milestones"), d)
        # performance against the target (IFRS S2 35), computed by the calculation (compute.targets)
        for lang in ("zh-CN", "en"):
            b.text("ifrs-sds:PerformanceAgainstTargetAndAnalysisOfTrendsOrChangesInPerformanceExplanatory",
                   ("targets", tid, "performance", lang[:2]), statements.target_performance(t, done, year, lang),
                   dims=d, lang=lang, text_block=True)
        b.num("csdsx:CurrentValueOfClimateTargetMetric", ("targets", tid, "current_value"), kind, unit, dims=d)
        b.num("csdsx:ProgressTowardsClimateTarget", ("targets", tid, "progress"), "share", PURE, dims=d, scale=-2)
        # a net target's associated gross target (IFRS S2 36(c)): a member of its own
        if tid in ext.gross_targets:
            g = [(TARGETS_AXIS, ext.gross_targets[tid])]
            for lang in ("zh-CN", "en"):
                b.text("ifrs-sds:DescriptionOfSpecificQuantitativeOrQualitativeTargetSetOrRequiredToMeetExplanatory",
                       ("targets", tid, "gross", lang[:2]), statements.gross_target(t, done, lang), dims=g, lang=lang,
                       text_block=True)
            b.enum("ifrs-sds:GrossOrNetGHGEmissionsTarget", ("targets", tid, "gross", "basis"),
                   [vocab.member("target_basis", "gross")], dims=g)
            _target_details(b, t, ("targets", tid, "gross"), g, s, basis=False)
            b.num("ifrs-sds:TargetValueNumeric", ("targets", tid, "gross_target_value"), kind, unit, dims=g)
        # the planned carbon credits of a net target (IFRS S2 36(e))
        if tid in ext.credits:
            c = [(CREDITS_AXIS, ext.credits[tid]), (TARGETS_AXIS, ext.targets[tid])]
            for lang in ("zh-CN", "en"):
                b.text("ifrs-sds:PlannedUseOfCarbonCreditsExplanatory", ("targets", tid, "credits", lang[:2]),
                       statements.planned_credits(t, lang), dims=c, lang=lang, text_block=True)
            _block(b, "ifrs-sds:ExtentToWhichAndHowAchievingNetGreenhouseEmissionsTargetReliesOnUseOfCarbonCreditsExplanatory",
                   (*base, "notes"), t.get("notes"), c)
            b.num("csdsx:CarbonCreditsPlannedForClimateTarget", (*base, "carbon_credits"), "emissions", dims=c)


def _target_details(b: _Builder, t: dict[str, Any], base: Path_, d: list[tuple[str, str]], s: Spec,
                    basis: bool = True) -> None:
    """What a target covers and when: type, basis, scopes, gases, part of the entity, period."""
    if t.get("type") in TARGET_TYPES:
        b.enum("ifrs-sds:ClimaterelatedTargetIsAbsoluteTargetOrIntensityTarget", (*base, "type"),
               [TARGET_TYPES[t["type"]]], dims=d)
    if basis and t.get("basis") in TARGET_BASES:
        b.enum("ifrs-sds:GrossOrNetGHGEmissionsTarget", (*base, "basis"), [TARGET_BASES[t["basis"]]], dims=d)
    scopes = TARGET_SCOPES.get(str(t.get("metric") or ""))
    if scopes:
        b.enum("ifrs-sds:EmissionsScopesCoveredByTarget", (*base, "scopes"), list(scopes), dims=d)
    gases = sorted({vocab.member("gas", g) for g in (vocab.parse("gas", x) for x in re.split(r"[,，、;；/]", str(t.get("gases") or "")))
                    if g is not None and g != "unspecified"})
    b.enum("ifrs-sds:GreenhouseGasesCoveredByTarget", (*base, "gases"), gases, dims=d)
    for lang, text in _texts(t.get("coverage")):
        b.text("ifrs-sds:PartOfEntityToWhichClimaterelatedTargetApplies", (*base, "coverage", lang[:2]), text,
               dims=d, lang=lang)
    if t.get("base_year") and t.get("target_year"):
        b.text("ifrs-sds:PeriodOverWhichTargetApplies", (*base, "period"), f"{t['base_year']}-{t['target_year']}",
               dims=d)
    if t.get("base_year"):
        b.text("ifrs-sds:BasePeriodFromWhichProgressForTargetIsMeasured", (*base, "base_year"), str(t["base_year"]),
               dims=d)
    if t.get("target_year"):
        b.text("csdsx:TargetYearOfClimateTarget", (*base, "target_year"), str(t["target_year"]), dims=d)


def _carbon_ledger(b: _Builder, r: dict[str, Any], disc: dict[str, Any], s: Spec) -> None:
    """The carbon market computed from the ledger (results.json ``carbon_market``, issue 16): the
    verified emissions, the allowances held at the period's end (unless the disclosures give them),
    the money side under 财会〔2019〕22号 in the presentation currency and the policy sentence."""
    cm = r.get("carbon_market") if isinstance(r.get("carbon_market"), dict) else {}
    if not isinstance(cm.get("accounting"), dict):
        return
    b.section = "540000"
    money = ((f"iso4217:{(r.get('settings') or {}).get('currency') or 'CNY'}",), ())
    b.num("csdsx:VerifiedEmissionsUnderEmissionsTradingScheme", ("carbon_market", "verified_emissions"), "emissions")
    held = disc.get("carbon_market") if isinstance(disc.get("carbon_market"), dict) else {}
    if not isinstance(held.get("allowances_held"), int | float):
        b.num("csdsx:EmissionAllowancesHeld", ("carbon_market", "movements", "allowance", "closing"), "emissions",
              period="instant")
    for concept, key in (("csdsx:CarryingAmountOfCarbonEmissionAssets", "carrying_amount"),
                         ("csdsx:CostOfCarbonEmissionAssetsPurchased", "bought_cost"),
                         ("csdsx:CostOfCarbonEmissionAssetsSurrendered", "surrender_cost"),
                         ("csdsx:GainsOnSalesOfCarbonEmissionAssets", "sale_gains"),
                         ("csdsx:LossesOnSalesOfCarbonEmissionAssets", "sale_losses")):
        b.num(concept, ("carbon_market", "accounting", key), "money", money, period=s.concept(concept).period)
    for lang, text in _texts(cm.get("policy")):
        b.text("csdsx:AccountingPolicyForCarbonEmissionTradingExplanatory", ("carbon_market", "policy", lang[:2]),
               narrative.paragraph(text), lang=lang, text_block=True)


def _market_and_assurance(b: _Builder, disc: dict[str, Any], s: Spec) -> None:
    """Carbon emission trading and assurance (disclosures.yaml, when present)."""
    cm = disc.get("carbon_market")
    b.section = "540000"
    if isinstance(cm, dict):
        for concept, names in CARBON_MARKET.items():
            key = next((n for n in names if isinstance(cm.get(n), int | float) and not isinstance(cm.get(n), bool)), None)
            if key is not None:
                b.num(concept, ("disclosures", "carbon_market", key), "emissions", period=s.concept(concept).period)
        if cm.get("compliance_period") not in (None, ""):
            b.text("csdsx:CompliancePeriodOfEmissionAllowances", ("disclosures", "carbon_market", "compliance_period"),
                   str(cm["compliance_period"]))
    for lang, text in _texts(disc.get("carbon_market_accounting")):
        b.text("csdsx:CarbonEmissionTradingExplanatory", ("disclosures", "carbon_market_accounting", lang[:2]),
               narrative.paragraph(text), lang=lang, text_block=True)
    a = disc.get("assurance")
    b.section = "550000"
    if isinstance(a, dict) and any(v for k, v in a.items() if k != "level"):
        level = a.get("level")
        b.text("csdsx:GHGEmissionsAssuredByThirdParty", ("disclosures", "assurance", "level"),
               level != "none" if isinstance(level, str) else bool(a.get("provider")))
        if isinstance(level, str) and level.lower() in ASSURANCE_LEVELS:
            b.enum("csdsx:LevelOfAssuranceObtained", ("disclosures", "assurance", "level", "member"),
                   [ASSURANCE_LEVELS[level.lower()]])
        for lang, text in _texts(a.get("provider")):
            b.text("csdsx:NameOfAssuranceProvider", ("disclosures", "assurance", "provider", lang[:2]), text, lang=lang)
        if isinstance(a.get("standard"), str):
            b.text("csdsx:AssuranceStandardApplied", ("disclosures", "assurance", "standard"), a["standard"])
        for key, concept in (("scope", "csdsx:ScopeOfAssuranceExplanatory"),
                             ("conclusion", "csdsx:AssuranceConclusionExplanatory")):
            for lang, text in _texts(a.get(key)):
                b.text(concept, ("disclosures", "assurance", key, lang[:2]), narrative.paragraph(text), lang=lang,
                       text_block=True)
        if isinstance(a.get("date"), str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["date"]):
            b.text("csdsx:DateOfAssuranceReport", ("disclosures", "assurance", "date"), a["date"])


def is_cement(results: dict[str, Any]) -> bool:
    """Whether a facility of the inventory makes cement (its ``sector`` is a class of the
    vocabulary's ``industry.cement``: GB/T 4754 C3011, or the class's name)."""
    t = vocab.term("industry", "cement")
    codes = tuple(str(c).upper() for c in t.get("codes") or ())
    words = [t.zh, *t.aliases]
    for f in results.get("by_facility") or []:
        sector = str(f.get("sector") or "").strip()
        if sector and (sector.upper().startswith(codes) or any(w.lower() in sector.lower() for w in words)):
            return True
    return False


def _texts(v: Any) -> list[tuple[str, str]]:
    """disclosures.yaml text ({zh, en} or a plain string) → [(lang, text)]; the same text given for
    both languages is tagged once."""
    if isinstance(v, str) and v.strip():
        return [("zh-CN" if has_cjk(v) else "en", v)]
    if not isinstance(v, dict):
        return []
    zh, en = v.get("zh"), v.get("en")
    if zh and en and zh == en:
        return [("zh-CN" if has_cjk(zh) else "en", zh)]
    return [(lang, t) for lang, t in (("zh-CN", zh), ("en", en)) if isinstance(t, str) and t.strip()]


def target_unit(text: str, s: Spec | None = None) -> Unit:
    """The unit of a target's values: tCO2e, or tCO2e per a unit of output or money."""
    text = text.replace(" ", "")
    num, _, den = text.partition("/")
    if num not in ("tCO2e", "tCO2", "") or not text:
        return ((output_measure(text or "unit", s),), ())
    if not den:
        return TCO2E
    currency = re.fullmatch(r"(CNY|RMB|元|万元|百万元)", den)
    return (("utr:tCO2e",), ("iso4217:CNY",) if currency else (output_measure(den, s),))


def output_measure(unit: str, s: Spec | None = None) -> str:
    """The unit measure of a physical output: a UTR measure where one exists (for any spelling of
    the same unit: 平方米 and m² are m2), else an extension measure named after the unit."""
    if unit in OUTPUT_UNITS:
        return OUTPUT_UNITS[unit]
    same = next((k for k in OUTPUT_UNITS if units.convertible(unit, k) and units.factor(unit, k) == 1), None)
    if same is not None:
        return OUTPUT_UNITS[same]
    s = s or spec()
    name = re.sub(r"[^\w]", "_", unit) or "unit"
    if not (name[0].isalpha() or name[0] == "_"):
        name = "_" + name
    return f"{s.prefix}:{name}"

