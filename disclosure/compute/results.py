"""``results.json``: its one typed definition, its writer and its reader.

The structure is declared once, below, as ``TypedDict``s (code keeps plain dict access: a results
value is the dict that JSON gives). :func:`results_json` checks a results dict against the
definition and writes it (deterministic: the same dict gives the same bytes; numpy scalars as
Python numbers, NaN and infinities as null); :func:`read_results` reads a file, checks its schema id
and its structure, and returns the dict as read. A key the definition does not declare, a value
of another type or a missing section is an error on either side, so the writer and every reader
(XBRL, Word, workpapers, verify, diff, ``--prior``) agree on one structure.

The checks use pydantic's ``TypeAdapter`` in strict mode (no conversion: an int stays an int) and
never replace the values: what is written and returned is the dict itself.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict only from Python 3.12

SCHEMA = "disclosure.results/1"
FILE = "results.json"

_STRICT = ConfigDict(extra="forbid", strict=True)


@with_config(_STRICT)
class Tool(TypedDict):
    name: str
    version: str


@with_config(_STRICT)
class Entity(TypedDict):
    name_zh: str | None
    name_en: str | None
    identifier: str | None
    identifier_scheme: str | None


@with_config(_STRICT)
class Period(TypedDict):
    start: str | None            # ISO dates
    end: str | None


@with_config(_STRICT)
class Settings(TypedDict):
    """The settings the calculation applied (as the report asked, with what was chosen for it)."""
    consolidation: str
    gwp: str
    grid_factor_level: str | None
    grid_year: int | None
    residual_factor: float | None            # tCO2/MWh, the market-based method's rest
    residual_factor_basis: str
    default_fuel_basis: str
    combustion_non_co2: bool
    currency: str | None
    language: str | None
    reporting_year: int
    category3_electricity: str | None        # how category 3 was derived, or None
    category15_investees: bool               # the investees' equity share counted in category 15
    category15_investees_reason: str | None  # why not, when not (under a control approach)
    # the source category of stationary CH4/N2O where a facility's sector does not say (issue 12)
    combustion_sector_default: NotRequired[str]
    factor_pins: dict[str, str]              # dataset id → version
    precedence: list[str]                    # the factor precedence, highest first
    tool_stamp: NotRequired[bool]            # options.tool_stamp: the Word cover names the tool (only when true)
    profile: NotRequired[str]                # the exchange profile (only when not csds): sse, szse, bse


@with_config(_STRICT)
class Totals(TypedDict):
    """tCO2e; each a sum of included trace lines."""
    scope1: float
    scope2_location: float
    scope2_market: float
    scope3: float
    scope1_2_location: float
    scope1_2_market: float
    scope1_2_3_location: float
    scope1_2_3_market: float
    biogenic_co2: float          # reported outside the scopes


@with_config(_STRICT)
class Split(TypedDict):
    scope1: float
    scope2_location: float
    scope2_market: float


@with_config(_STRICT)
class ByBasis(TypedDict):
    consolidated_group: Split
    other_investees: Split


@with_config(_STRICT)
class ByGas(TypedDict):
    scope1: dict[str, float]             # gas bucket (trace.GAS_BUCKETS) → tCO2e; only the gases measured
    scope2_location: dict[str, float]
    scope3: dict[str, float]


@with_config(_STRICT)
class SourceSum(TypedDict):
    co2e: float
    co2e_market: float
    lines: int


@with_config(_STRICT)
class Scope3Category(TypedDict):
    category: int
    name_zh: str
    name_en: str
    co2e: float
    included: bool
    reason: str | None           # why not included
    lines: int
    methods: list[str]
    coverage: NotRequired[str | None]       # category 3 included: "complete", or "partial" (no upstream of fuels)
    coverage_note: NotRequired[str | None]  # why partial, "中文 / English"


@with_config(_STRICT)
class DataQuality(TypedDict):
    primary_share: float | None
    verified_share: float | None


@with_config(_STRICT)
class EntitySum(TypedDict):
    entity_id: str | None
    scope1: float
    scope2_location: float
    scope2_market: float
    scope3: float
    name: str | None
    share: float | None
    consolidated: bool | None


@with_config(_STRICT)
class FacilitySum(TypedDict):
    facility_id: str | None
    scope1: float
    scope2_location: float
    scope2_market: float
    scope3: float
    name: str | None
    entity_id: str | None
    province: str | None
    sector: NotRequired[str | None]      # the facilities table's ``sector`` (e.g. GB/T 4754 "C3011 水泥制造")


@with_config(_STRICT)
class ProvinceSum(TypedDict):
    province: str | None
    scope1: float
    scope2_location: float
    scope2_market: float
    scope3: float


@with_config(_STRICT)
class LineCounts(TypedDict):
    total: int
    by_status: dict[str, int]
    excluded_by_reason: dict[str, int]


@with_config(_STRICT)
class PerRevenue(TypedDict):
    unit: str
    revenue: float
    currency: str | None
    scope1_2_location: float
    scope1_2_market: float
    scope1_2_3_location: float


@with_config(_STRICT)
class PerOutput(TypedDict):
    unit: str
    output: float
    output_unit: str | None
    label_zh: str | None
    label_en: str | None
    scope1_2_location: float
    scope1_2_market: float


@with_config(_STRICT)
class Intensity(TypedDict):
    per_revenue: NotRequired[PerRevenue]
    per_output: NotRequired[PerOutput]


@with_config(_STRICT)
class BoundaryEntity(TypedDict):
    entity_id: str
    name: str | None
    parent_id: str | None
    ownership: float | None
    share: float
    consolidated: bool
    role: Literal["consolidated_group", "other_investee", "outside_boundary"]


@with_config(_STRICT)
class Instrument(TypedDict):
    instrument_id: str | None
    type: str | None
    facility_id: str | None
    quantity: float | None
    unit: str | None
    mwh: float | None
    emission_factor: float | None
    mwh_used: float | None
    status: str
    reason: str | None


@with_config(_STRICT)
class FactorDataset(TypedDict):
    """A factor dataset used: its metadata (``factors.library.DatasetMeta``), file and sha256."""
    id: str
    version: str
    kind: str
    purpose: str
    title_zh: str
    title_en: str
    publisher: str
    document: str
    publisher_zh: str | None
    publisher_en: str | None
    document_zh: str | None
    document_en: str | None
    announcement: str | None
    announcement_en: str | None
    year: int
    published: str | None
    region: str
    licence: str
    url: str
    notes: str
    sha256: str
    file: str


@with_config(_STRICT)
class FacilityMethod(TypedDict):
    """What one facility's trace lines used: the fuel parameter datasets of its combustion lines,
    and the grid factor its electricity took (None where it has no such lines)."""
    facility_id: str
    name: str | None
    province: str | None
    grid_region: str | None
    combustion_datasets: list[str]
    grid_level: str | None           # the level used (settings.grid_factor_level is the one asked for)
    grid_fallback: bool | None       # the level used is wider than the one asked for
    grid_factor: float | None        # tCO2/MWh, location-based
    grid_dataset: str | None
    market_factor: float | None      # tCO2/MWh, the facility's market-based average
    market_above_location: bool      # its market-based Scope 2 is above its location-based


@with_config(_STRICT)
class Rows(TypedDict):
    """What became of the activity rows: read = included + outside_boundary + excluded + rejected."""
    read: int
    included: int
    outside_boundary: int            # left out by the boundary (intended; see README)
    excluded: int                    # left out by a calculation error (no factor, unit, gas …)
    rejected: int                    # left out by an input error
    left_out_by_reason: dict[str, int]   # issue code → rows excluded or rejected for it


@with_config(_STRICT)
class TableInput(TypedDict):
    file: str
    sheet: str | None
    read: int
    accepted: int
    rejected: int


@with_config(_STRICT)
class IssueCounts(TypedDict):
    error: int
    warning: int
    notice: int


@with_config(_STRICT)
class Published(TypedDict):
    """The figures as the reports publish them (``core.rounding``): each scope rounded, each total
    of several scopes the sum of its rounded parts. ``totals`` keeps the unrounded sums."""
    totals: dict[str, float]


@with_config(_STRICT)
class TargetProgress(TypedDict):
    """Performance against a target of disclosures.yaml (``compute.targets``); shares 0-1."""
    id: str
    metric: str | None
    current_value: float | None          # the metric this period (a published total or an intensity)
    target_reduction: float | None       # 1 - target / base
    achieved_reduction: float | None     # 1 - current / base
    progress: float | None               # (base - current) / (base - target)
    gross_target_value: float | None     # a net target's associated gross target (IFRS S2 36(c))


@with_config(_STRICT)
class EnergyCarrier(TypedDict):
    """One energy carrier's use (compute/energy.py): tce by the coefficients, GJ of energy content,
    the tce converted at a measured NCV, the reference coefficient (and the standard's range where
    the value is a choice within one), the rules its lines took (``energy_basis``)."""
    carrier: str
    name_zh: str
    group: str                           # coal, oil, gas, electricity, heat, biomass, other
    scope: int | None                    # 1: direct (fuels), 2: indirect (bought)
    tce: float
    gj: float
    share: NotRequired[float | None]     # of the total tce
    measured_tce: float
    coefficient: float | None
    coefficient_unit: str | None
    range: list[float] | None
    bases: list[str]
    renewable: bool
    clean: bool
    lines: int


@with_config(_STRICT)
class EnergyIntensity(TypedDict):
    value: float
    unit: str
    unit_en: NotRequired[str]


@with_config(_STRICT)
class Energy(TypedDict):
    """Energy consumed (compute/energy.py; IFRS industry metric EM-CM-130a.1): GJ, and the shares
    of grid electricity, renewable energy and alternative sources (0-1) on GJ; the same in tonnes of
    standard coal (GB/T 2589-2020) by carrier and group, direct and indirect, the renewable and clean
    shares on tce, the intensities, the electricity method and the coefficient dataset."""
    consumed_gj: float
    grid_electricity_share: float | None
    renewable_share: float | None
    alternative_share: float | None
    total_tce: NotRequired[float]
    published_total_tce: NotRequired[float]     # the sum of the rounded direct and indirect figures
    direct_tce: NotRequired[float]
    indirect_tce: NotRequired[float]
    by_group: NotRequired[dict[str, float]]
    by_carrier: NotRequired[list[EnergyCarrier]]
    electricity_mwh: NotRequired[float]
    renewable_electricity_mwh: NotRequired[float]
    renewable_electricity_share: NotRequired[float | None]
    renewable_tce: NotRequired[float]
    renewable_tce_share: NotRequired[float | None]
    clean_tce: NotRequired[float]
    clean_share: NotRequired[float | None]
    intensity_per_revenue: NotRequired[EnergyIntensity | None]
    intensity_per_output: NotRequired[EnergyIntensity | None]
    electricity_method: NotRequired[str]
    electricity_coefficient: NotRequired[float]
    electricity_source: NotRequired[str]
    dataset: NotRequired[str]


@with_config(_STRICT)
class CarbonMoney(TypedDict):
    """The money side of one kind of unit, or of all (CNY), under 财会〔2019〕22号 (compute.carbon_market)."""
    opening_carrying: float          # carbon-emission assets at the start of the year
    bought_cost: float               # purchases at cost, fees included
    surrender_cost: float            # carrying amount of the units surrendered: 营业外支出
    sale_proceeds: float             # net of fees
    sale_cost: float                 # carrying amount of the units sold
    sale_gains: float                # 营业外收入
    sale_losses: float               # 营业外支出
    carrying_amount: float           # carbon-emission assets at year end: 其他流动资产


@with_config(_STRICT)
class CarbonAccounting(CarbonMoney):
    non_operating_income: float      # the sale gains
    non_operating_expenses: float    # the surrender cost and the sale losses
    by_unit: dict[str, CarbonMoney]  # allowance, ccer


@with_config(_STRICT)
class CarbonObligation(TypedDict):
    """One entity's obligation for a compliance year (t): verified emissions against the surrender."""
    entity_id: str
    compliance_year: int
    verified: float
    allowances: float
    ccers: float
    difference: float                # surrendered − verified: a surplus above 0, a shortfall below


@with_config(_STRICT)
class EtsReconciliation(TypedDict):
    """One ETS facility's verified emissions against its disclosed Scope 1 (tCO2e); ``difference`` =
    scope1 − verified = non_co2_gases + sources_outside_ets + boundary_and_factors."""
    facility_id: str
    name: str | None
    entity_id: str | None
    verified: float
    scope1: float
    difference: float
    non_co2_gases: float
    sources_outside_ets: float
    boundary_and_factors: float


@with_config(_STRICT)
class CarbonMarket(TypedDict):
    """Computed carbon-market figures (issue 16, compute.carbon_market): the share of gross Scope 1
    emissions covered by emissions-limiting regulations (the national ETS; EM-CM-110a.1), 0-1; whether
    the entity is covered; with a ledger, the year's movements (t, per kind of unit), the money side,
    the obligations and the reconciliation per facility."""
    scope1_covered_share: float | None
    covered: NotRequired[bool]
    not_covered_reason: NotRequired[str | None]
    year: NotRequired[int]
    cost_formula: NotRequired[str]
    policy: NotRequired[dict[str, str]]
    ccer_cap: NotRequired[float]
    verified_emissions: NotRequired[float]
    movements: NotRequired[dict[str, dict[str, float]]]
    accounting: NotRequired[CarbonAccounting]
    obligations: NotRequired[list[CarbonObligation]]
    reconciliation: NotRequired[list[EtsReconciliation]]
    ledger_rows: NotRequired[int]
    ledger_first_row: NotRequired[int]


@with_config(_STRICT)
class FinancedSums(TypedDict):
    """Financed emissions of a group of exposures (PCAF Part A; compute.financed), tCO2e, with the
    gross exposure (presentation currency) and the part of it covered, and PCAF's weighted
    data-quality scores (1 best - 5)."""
    scope1: float
    scope2: float
    scope3: float
    gross_exposure: float
    gross_exposure_covered: float
    covered_share: float | None
    weighted_score_scope1_2: float | None
    weighted_score_scope3: float | None
    exposures: int
    covered: int


@with_config(_STRICT)
class FinancedByAssetClass(FinancedSums):
    asset_class: str
    name_zh: str
    name_en: str


@with_config(_STRICT)
class FinancedByIfrsClass(FinancedSums):
    ifrs_class: str              # a member of the IFRS taxonomy's FinancedEmissionsAssetClassAxis


@with_config(_STRICT)
class FinancedByIndustry(FinancedSums):
    industry: str
    asset_class: str


@with_config(_STRICT)
class ExposureLine(TypedDict):
    """One exposure's trace line (``trace.EXPOSURE_COLUMNS``)."""
    exposure_id: str | None
    file: str
    sheet: str | None
    row: int
    counterparty: str | None
    asset_class: str | None
    industry: str | None
    currency: str | None
    outstanding: float | None
    fx_rate: float | None
    gross_exposure: float | None
    denominator_column: str | None
    denominator: float | None
    attribution_factor: float | None
    attribution_assumed: bool
    scope1: float | None
    scope1_basis: str | None
    scope2: float | None
    scope2_basis: str | None
    scope3: float | None
    intensity_scope1: float | None
    intensity_scope2: float | None
    intensity_basis: float | None
    intensity_unit: str | None
    intensity_source: str | None
    pcaf_score: float | None
    pcaf_score_scope3: float | None
    financed_scope1: float | None
    financed_scope2: float | None
    financed_scope3: float | None
    lifetime_emissions: float | None
    financed_lifetime: float | None
    status: str
    reason: str | None


@with_config(_STRICT)
class Financed(FinancedSums):
    """The financed emissions of the whole portfolio (present only when there are exposures).
    ``category15``: the financed scope 1 + 2, the institution's Scope 3 category 15, reported here
    and not added to ``totals.scope3``; ``projected_lifetime``: project finance's attributed
    projected lifetime scope 1 + 2, reported apart from Scope 3."""
    currency: str
    category15: float
    projected_lifetime: float | None
    by_asset_class: list[FinancedByAssetClass]
    by_ifrs_class: list[FinancedByIfrsClass]
    by_industry: list[FinancedByIndustry]
    lines: list[ExposureLine]


@with_config(_STRICT)
class Prior(TypedDict):
    period: Period | None
    totals: dict[str, float | None]
    published: NotRequired[dict[str, float]]


@with_config(_STRICT)
class Change(TypedDict):
    prior: float
    current: float
    absolute: float
    relative: float | None


@with_config(_STRICT)
class LogEntry(TypedDict):
    """One line of the base-year recalculation log: an entity or facility added or removed (with
    its emissions), or a method or factor dataset changed (with the prior and current value)."""
    change: str
    item: str
    name: NotRequired[str | None]
    scope1_2_location: NotRequired[float]
    share_of_prior: NotRequired[float | None]
    prior: NotRequired[str | int | float | bool | None]
    current: NotRequired[str | int | float | bool | None]


@with_config(_STRICT)
class BaseYear(TypedDict):
    base_period: Period | None
    threshold: float
    structural_change_scope1_2_location: float
    structural_change_share: float | None
    recalculation_required: bool
    log: list[LogEntry]


@with_config(_STRICT)
class Results(TypedDict):
    schema: Literal["disclosure.results/1"]
    tool: Tool
    unit: Literal["tCO2e"]
    entity: Entity
    period: Period
    settings: Settings
    totals: Totals
    by_basis: ByBasis
    by_gas: ByGas
    by_source: dict[str, SourceSum]
    scope3_categories: list[Scope3Category]
    scope3_data_quality: DataQuality
    by_entity: list[EntitySum]
    by_facility: list[FacilitySum]
    by_province: list[ProvinceSum]
    lines: LineCounts
    intensity: Intensity
    published: NotRequired[Published]
    boundary: list[BoundaryEntity]
    scope2_instruments: list[Instrument]
    factor_datasets: list[FactorDataset]
    methods: list[FacilityMethod]        # per facility, what its lines used (the narrative on method)
    disclosures: dict[str, Any]          # disclosures.yaml as read, for the exporters
    inputs: dict[str, TableInput]        # per table: where it was read, rows read = accepted + rejected
    rows: Rows                           # the activity rows: included, and left out with the reasons
    energy: NotRequired[Energy | None]              # null until computed (issue 16)
    carbon_market: NotRequired[CarbonMarket]        # computed carbon-market figures (issue 16)
    targets: NotRequired[list[TargetProgress]]      # performance against the targets (compute.targets)
    financed_emissions: NotRequired[Financed]      # with an exposures table (compute.financed)
    calculation_issues: IssueCounts
    # with --prior: the prior year's figures, the change and the base-year check (compute.years)
    prior: NotRequired[Prior]
    change: NotRequired[dict[str, Change]]
    base_year: NotRequired[BaseYear]


class ResultsError(ValueError):
    """A results.json that is not one this tool writes (unreadable, another schema, or a structure
    other than ``Results``)."""


@cache
def _adapter() -> TypeAdapter:
    return TypeAdapter(Results)


def check(results: Any, where: str = FILE) -> None:
    """Raise :class:`ResultsError` unless ``results`` has the structure of ``Results``."""
    if not isinstance(results, dict):
        raise ResultsError(f"{where}: expected an object, found {type(results).__name__}")
    if results.get("schema") != SCHEMA:
        raise ResultsError(f"{where}: expected schema {SCHEMA}, found {results.get('schema')!r}")
    try:
        _adapter().validate_python(results, strict=True)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        shown = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ResultsError(f"{where}: not the structure of {SCHEMA}: {shown}{more}") from None


def _clean(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item"):  # numpy scalars
        return _clean(v.item())
    return v


def results_json(results: dict[str, Any]) -> str:
    """The text of results.json: checked against ``Results``, keys in the order given."""
    clean = _clean(results)
    check(clean, "results")
    return json.dumps(clean, ensure_ascii=False, indent=2) + "\n"


def write_results(results: dict[str, Any], path: Path) -> Path:
    path.write_text(results_json(results), encoding="utf-8")
    return path


def read_results(path: Path) -> Results:
    """A results.json (or the one in a results folder), checked; :class:`ResultsError` (a
    ``ValueError``) when it cannot be read or is not of this schema."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ResultsError(f"{path}: not readable as JSON ({e})") from None
    check(data, str(path))
    return data
