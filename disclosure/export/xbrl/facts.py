"""results.json → fact records: concept, value, unit, decimals, period and dimensions.

Nothing is computed here: every number is a figure of results.json, rounded by the project's one
rounding policy (``disclosure.export.numbers``) so the XBRL value and ``decimals`` show the digits
the Word report prints. Each fact keeps the path of results.json it came from (``source``), which
the round trip uses to compare what Arelle reads back with results.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...core import units
from ...core import vocabulary as vocab
from ...core.text import has_cjk, split_bilingual
from ..numbers import decimals, rounded
from . import narrative
from .taxonomy import Spec, spec

Path_ = tuple[str | int, ...]

# results.json lists, and the field that identifies an element (a path names it by that value)
LIST_KEYS = {"by_entity": "entity_id", "by_facility": "facility_id", "by_province": "province",
             "scope3_categories": "category", "scope2_instruments": "instrument_id", "factor_datasets": "id",
             "targets": "id"}

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


def build_facts(results: dict[str, Any], input_digest: str | None = None) -> FactSet:
    """The facts of ``results``; ``input_digest``: the report pack's (``export.manifest``), tagged
    as ``csdsx:InputDigestOfReport`` when given."""
    s = spec()
    b = _Builder(results, s)
    r = results
    ent = r.get("entity") or {}
    scheme = s.identifier_schemes.get(ent.get("identifier_scheme") or "", s.identifier_schemes["uscc"])
    fs = FactSet(entity={"identifier": ent.get("identifier") or "", "scheme": scheme,
                         "name_zh": ent.get("name_zh") or "", "name_en": ent.get("name_en") or ""},
                 period=((r.get("period") or {}).get("start") or "", (r.get("period") or {}).get("end") or ""))

    b.section = "100000"
    b.text("csdsx:NameOfReportingEntity", ("entity", "name_zh"), ent.get("name_zh"), lang="zh-CN")
    b.text("csdsx:NameOfReportingEntity", ("entity", "name_en"), ent.get("name_en"), lang="en")

    # --- totals and the consolidated-group / other-investee split ---
    b.section = "510000"
    for key, concept in TOTALS.items():
        b.num(concept, ("totals", key), "emissions")
    for basis, member in BASES.items():
        for key in ("scope1", "scope2_location", "scope2_market"):
            b.num(SCOPE_ITEMS[key], ("by_basis", basis, key), "emissions",
                  dims=[("ifrs-sds:GHGEmissionsDisclosureBasisAxis", member)])

    # --- gases: all seven when the scope is fully split by gas, else only the non-zero buckets ---
    b.section = "511000"
    for scope, gases in (r.get("by_gas") or {}).items():
        if scope not in SCOPE_ITEMS:
            continue
        complete = not (gases.get("unspecified") or 0)
        for gas, member in GASES.items():
            v = gases.get(gas)
            if v is None or (not v and (gas == "unspecified" or not complete)):
                continue
            b.num(SCOPE_ITEMS[scope], ("by_gas", scope, gas), "emissions",
                  dims=[("ifrs-sds:ConstituentGreenhouseGasAxis", member)])

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
        b.num("csdsx:OutputUsedToCalculateGHGEmissionsIntensity", ("intensity", "per_output", "output"),
              "quantity", ((measure,), ()))
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
        b.text("csdsx:PublisherOfEmissionFactorDataset", ("factor_datasets", did, "publisher"), ds.get("publisher"),
               dims=d, lang="zh-CN" if has_cjk(str(ds.get("publisher") or "")) else "en")
        b.text("csdsx:DigestOfEmissionFactorDataset", ("factor_datasets", did, "sha256"), ds.get("sha256"), dims=d)

    # --- the prior period's totals (comparatives) and the base-year check (``report --prior``) ---
    b.section = "518000"
    prior = r.get("prior") if isinstance(r.get("prior"), dict) else {}
    pp = prior.get("period") or {}
    if pp.get("start") and pp.get("end"):
        fs.prior_period = (str(pp["start"]), str(pp["end"]))
        for key, concept in TOTALS.items():
            b.num(concept, ("prior", "totals", key), "emissions", period="prior")
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

    disc = r.get("disclosures") if isinstance(r.get("disclosures"), dict) else {}

    # --- cross-industry metrics and targets (disclosures.yaml, when present) ---
    b.section = "520000"
    metrics = disc.get("metrics") if isinstance(disc.get("metrics"), dict) else {}
    money = ((f"iso4217:{(r.get('settings') or {}).get('currency') or 'CNY'}",), ())
    for key, amount, share, text in CROSS_INDUSTRY:
        m = metrics.get(key) if isinstance(metrics.get(key), dict) else {}
        if amount:
            b.num(amount, ("disclosures", "metrics", key, "amount"), "money", money)
        if share:
            b.num(share, ("disclosures", "metrics", key, "share"), "share", PURE, scale=-2)
        for lang, t in _texts(m.get("description")):
            b.text(text, ("disclosures", "metrics", key, "description", lang[:2]), narrative.paragraph(t), lang=lang,
                   text_block=True)
    b.num("ifrs-sds:PriceForEachMetricTonneOfGHGEmissionsUsedToAssessCostsOfGHGEmissions",
          ("disclosures", "metrics", "internal_carbon_price", "price"), "money", money)
    b.num("ifrs-sds:PercentageOfExecutiveManagementRemunerationRecognisedInTheCurrentPeriodLinkedToClimaterelatedConsiderations",
          ("disclosures", "metrics", "remuneration", "share"), "share", PURE, scale=-2)

    b.section = "530000"
    for t in disc.get("targets") or []:
        if not isinstance(t, dict) or not t.get("id"):
            continue
        tid = str(t["id"])
        d = [("csdsx:ClimateTargetAxis", tid)]
        base = ("disclosures", "targets", tid)
        for lang, text in _texts(t.get("name")):
            b.text("csdsx:NameOfClimateTarget", (*base, "name", lang[:2]), text, dims=d, lang=lang)
        if t.get("type") in TARGET_TYPES:
            b.enum("ifrs-sds:ClimaterelatedTargetIsAbsoluteTargetOrIntensityTarget", (*base, "type"),
                   [TARGET_TYPES[t["type"]]], dims=d)
        if t.get("basis") in TARGET_BASES:
            b.enum("ifrs-sds:GrossOrNetGHGEmissionsTarget", (*base, "basis"), [TARGET_BASES[t["basis"]]], dims=d)
        scopes = TARGET_SCOPES.get(str(t.get("metric") or ""))
        if scopes:
            b.enum("ifrs-sds:EmissionsScopesCoveredByTarget", (*base, "metric"), list(scopes), dims=d)
        for lang, text in _texts(t.get("coverage")):
            b.text("ifrs-sds:PartOfEntityToWhichClimaterelatedTargetApplies", (*base, "coverage", lang[:2]), text,
                   dims=d, lang=lang)
        if t.get("base_year") and t.get("target_year"):
            b.text("ifrs-sds:PeriodOverWhichTargetApplies", (*base, "period"),
                   f"{t['base_year']}-{t['target_year']}", dims=d)
        if t.get("base_year"):
            b.text("ifrs-sds:BasePeriodFromWhichProgressForTargetIsMeasured", (*base, "base_year"),
                   str(t["base_year"]), dims=d)
        if t.get("target_year"):
            b.text("csdsx:TargetYearOfClimateTarget", (*base, "target_year"), str(t["target_year"]), dims=d)
        unit = target_unit(str(t.get("unit") or ""), s)
        kind = "intensity" if unit[1] else "emissions"
        b.num("csdsx:BaseYearValueOfClimateTarget", (*base, "base_value"), kind, unit, dims=d)
        b.num("ifrs-sds:TargetValueNumeric", (*base, "target_value"), kind, unit, dims=d)
        b.num("csdsx:CarbonCreditsPlannedForClimateTarget", (*base, "carbon_credits"), "emissions", dims=d)
        for lang, text in _texts(t.get("milestones")):
            b.text("ifrs-sds:MilestonesAndInterimTargetsExplanatory", (*base, "milestones", lang[:2]),
                   narrative.paragraph(text), dims=d, lang=lang, text_block=True)

    # --- carbon emission trading and assurance (disclosures.yaml, when present) ---
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

    # --- the report pack: the digest of its inputs (a string in no language) ---
    if input_digest:
        b.text("csdsx:InputDigestOfReport", ("pack", "input_digest"), input_digest)

    fs.facts = b.facts
    fs.notes = b.notes
    keys = [f.key for f in fs.facts]
    if len(set(keys)) != len(keys):  # a programming error: the page and the round trip look facts up by key
        raise AssertionError(f"duplicate fact keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    return fs


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

