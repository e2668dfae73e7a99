"""The small lookup tables a calculation needs, built once per report from the factor library,
the report's settings and the inventory's entities and facilities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core import sectors, units
from ..core.issues import Issue, Location, issue
from ..core.settings import Place, Settings
from ..factors import FactorLibrary, normalise_gas
from . import keys
from .energy import energy_coefficients

DEFAULT_FUEL_BASIS = "cn-fuel-gbt32150"


@dataclass(frozen=True)
class DatasetRef:
    id: str
    version: str
    kind: str
    year: int | None
    sha256: str
    meta: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True, eq=False)
class Context:
    """What a calculation looks up, built once by ``build_context`` and never changed: the
    market-based factors come in a new context (``calculation.allocate``)."""

    settings: Settings
    reporting_year: int
    gwp: pd.Series                       # normalised gas → GWP100 of the report's set
    gwp_group: dict[str, str]            # normalised gas → CO2/CH4/N2O/HFCs/PFCs/SF6/NF3
    facilities: pd.DataFrame             # facility_id → entity, province, region, basis, boundary share,
    #                                      sector and its stationary CH4/N2O source category (non_co2_use)
    fuels: dict[str, pd.DataFrame]       # basis dataset id → fuel parameters indexed by fuel id
    fuel_alias: dict[str, dict[str, str]]
    default_basis: str
    non_co2: pd.DataFrame | None         # use, fuel, gas, kg per TJ (None: the basis counts CO2 only)
    process: pd.DataFrame                # indexed by activity id
    process_alias: dict[str, str]
    heat: pd.DataFrame                   # indexed by activity (heat, steam)
    grid: pd.DataFrame                   # level, region, variant, value (tCO2/MWh) of the grid year
    grid_year: int | None
    residual_factor: float | None        # national excluding market-traded non-fossil
    upstream_electricity: float | None   # tCO2e/MWh: footprint minus the grid average of that year
    upstream_note: str
    user_factors: pd.DataFrame           # the inventory's own factors, with a ``key`` column
    densities: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["value", "unit", "t_per_l", "dataset"]))  # fuel id → density of a liquid fuel
    # fuel id → well-to-tank factor (value, unit, dataset) of the user's upstream_fuel datasets
    upstream_fuels: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["value", "unit", "dataset"]))
    refs: dict[str, DatasetRef] = field(default_factory=dict)   # kind:role → dataset used
    entities: pd.DataFrame | None = None  # every entity with its boundary share (the register)
    mb_factor: pd.Series | None = None   # facility_id → market-based factor for its electricity
    gwp_dataset: str = ""                # the GWP set's dataset (id@version) the CO2e uses
    blend_dataset: str = ""              # the blend compositions' dataset (id@version)
    blends: frozenset[str] = frozenset()  # normalised names of the blends it holds
    place: Place = field(default_factory=Place)   # where the settings are written (the messages' hints)
    # energy to standard coal (compute/energy.py): the coefficient dataset's rows indexed by carrier,
    # its aliases, and its id@version (None: no such dataset)
    energy: Any = None


def boundary(entities: pd.DataFrame, approach: str) -> pd.DataFrame:
    """Each entity's share of its emissions in the report: equity share → its ownership; the control
    approaches → 100 % if the group controls it (by that kind of control), else 0 %."""
    e = entities.copy()
    if approach == "equity_share":
        share = e["ownership"].astype("float64")
    else:
        flag = e["financial_control" if approach == "financial_control" else "operational_control"]
        share = flag.fillna(False).astype(bool).astype("float64")
    e["share"] = share.fillna(0.0)
    e["consolidated"] = e["consolidated"].fillna(False).astype(bool)
    return e[["entity_id", "name", "parent_id", "ownership", "share", "consolidated"]]


def pinned(pins: Mapping[str, str], lib: FactorLibrary) -> tuple[list[Issue], dict[str, str]]:
    """The pins of report.yaml the library can honour, and an error for each it cannot (a version
    it does not hold, or a dataset it does not hold at all): the calculation then takes that
    dataset's latest version (what a run forced past the error computes with, the error says so)
    rather than stop on a missing version."""
    issues: list[Issue] = []
    kept: dict[str, str] = {}
    for ident, version in sorted(pins.items()):
        if lib.get(ident, version) is None:
            issues.append(issue("factor-pin-missing", Location("report.yaml", None, None, f"factors.versions.{ident}"),
                                id=ident, version=version, held=", ".join(lib.versions(ident)) or "-"))
        else:
            kept[ident] = version
    return issues, kept


def build_context(settings: Settings, entities: pd.DataFrame, facilities: pd.DataFrame,
                  user_factors: pd.DataFrame, lib: FactorLibrary) -> tuple[Context, list[Issue]]:
    issues, pins = pinned(settings.factors.versions, lib)
    last = settings.period.end or settings.period.start
    year = last.year if last else 0
    refs: dict[str, DatasetRef] = {}

    def ref(ds: Any) -> str:
        r = DatasetRef(ds.meta.id, ds.meta.version, ds.meta.kind, ds.meta.year, ds.sha256,
                       ds.meta.model_dump(mode="json"))
        refs[r.ref] = r
        return r.ref

    # GWP
    gwp = lib.gwp_table(settings.gwp, pins=pins).dropna()  # a gas without a value in the set is unknown
    for ds in lib.of_kind("gwp", pins) + lib.of_kind("blends", pins):
        ref(ds)
    groups = lib.gwp_groups(gwp.index, pins=pins)
    # which datasets a line's GWP comes from, for the trace: the GWP set, and for a blend also the
    # blend compositions its GWP is computed from
    gwp_ref = next((r for r in refs.values() if r.kind == "gwp"), None)
    blend_ref = next((r for r in refs.values() if r.kind == "blends"), None)
    blend_names = frozenset(normalise_gas(b) for ds in lib.of_kind("blends", pins) for b in ds.rows["blend"])

    # boundary
    ents = boundary(entities, settings.consolidation)
    fac = facilities[["facility_id", "entity_id", "name", "province_name", "grid_region", "basis", "sector"]].merge(
        ents.rename(columns={"name": "entity_name"}), on="entity_id", how="left")
    # the source category of each facility's stationary combustion (IPCC 2006 Vol. 2 Tables 2.2 and
    # 2.3): from its sector, else the setting's default (recorded: non_co2_by_default)
    cat = fac["sector"].map(lambda x: sectors.ipcc_category(x) if isinstance(x, str) else None)
    known = cat.isin(("energy_industries", "manufacturing"))
    fac["non_co2_use"] = cat.where(known, settings.options.combustion_sector_default)
    fac["non_co2_by_default"] = ~known

    # fuels: every fuel dataset is a possible basis; the default is set A unless options say otherwise
    fuels, fuel_alias = {}, {}
    for ds in lib.of_kind("fuel", pins):
        rows = ds.rows.copy()
        rows["cc_tc_per_gj"] = rows["carbon_content"] * rows["carbon_content_unit"].map(
            lambda u: units.factor(u, "tC/GJ"))
        rows["dataset"] = f"{ds.meta.id}@{ds.meta.version}"
        fuels[ds.meta.id] = rows.set_index("fuel")
        fuel_alias[ds.meta.id] = keys.alias_map(ds.rows, "fuel", "name_zh")
    default_basis = settings.options.default_fuel_basis
    if default_basis not in fuels:
        issues.append(issue("unknown-basis", Location("report.yaml", None, None, "options.default_fuel_basis"),
                            value=default_basis))
        default_basis = DEFAULT_FUEL_BASIS
    for f in fac.itertuples(index=False):
        if isinstance(f.basis, str) and f.basis and f.basis not in fuels:
            issues.append(issue("unknown-basis", Location("facilities", None, None, "basis"), value=f.basis))

    non_co2 = None
    if settings.options.combustion_non_co2:
        frames = []
        for ds in lib.of_kind("combustion_non_co2", pins):
            r = ds.rows.copy()
            r["kg_per_gj"] = r["value"] * r["unit"].map(lambda u: units.factor(u, "kg/GJ"))
            r["dataset"] = ref(ds)
            frames.append(r)
        non_co2 = pd.concat(frames, ignore_index=True) if frames else None

    proc_frames = []
    for ds in lib.of_kind("process", pins):
        r = ds.rows.copy()
        r["dataset"] = f"{ds.meta.id}@{ds.meta.version}"
        proc_frames.append(r)
    process = pd.concat(proc_frames, ignore_index=True) if proc_frames else pd.DataFrame(
        columns=["activity", "name_zh", "aliases", "gas", "value", "unit", "dataset"])
    process_alias = keys.alias_map(process, "activity", "name_zh")
    process = process.drop_duplicates("activity").set_index("activity")

    heat_frames = []
    for ds in lib.of_kind("heat", pins):
        r = ds.rows.copy()
        r["dataset"] = f"{ds.meta.id}@{ds.meta.version}"
        heat_frames.append(r)
    heat = (pd.concat(heat_frames, ignore_index=True).drop_duplicates("activity").set_index("activity")
            if heat_frames else pd.DataFrame(columns=["value", "unit", "dataset"]))

    # grid: the chosen year (default: the latest published year not after the reporting year)
    # Scope 2 takes the statistical grid factors, never an ETS's reporting factor (purpose)
    grids = lib.of_kind("grid", pins, purpose="disclosure")
    years = sorted({int(ds.meta.year) for ds in grids if ds.meta.year is not None})
    grid_year = settings.factors.grid_year or max((y for y in years if y <= year), default=None)
    if grid_year is None or grid_year not in years:
        issues.append(issue("grid-year-missing", Location("report.yaml", None, None, "factors.grid_year"),
                            year=grid_year or year, available=", ".join(map(str, years))))
    gframes = []
    for ds in sorted(grids, key=lambda d: d.meta.id):
        if ds.meta.year == grid_year:
            r = ds.rows.copy()
            r["value_t_per_mwh"] = r["value"] * r["unit"].map(lambda u: units.factor(u, "tCO2/MWh"))
            r["dataset"] = ref(ds)
            gframes.append(r)
    grid = (pd.concat(gframes, ignore_index=True) if gframes
            else pd.DataFrame(columns=["level", "region", "variant", "value_t_per_mwh", "dataset"]))
    dup = grid.duplicated(["level", "region", "variant"], keep="first")
    for r in grid.loc[dup].itertuples(index=False):
        issues.append(issue("factor-conflict", Location(str(r.dataset)), value=f"{r.level}/{r.region}/{r.variant}"))
    grid = grid.loc[~dup].reset_index(drop=True)
    residual = _grid_value(grid, "national", "全国", "excl_market_nonfossil")

    # Scope 3 category 3, upstream of electricity: life-cycle footprint minus the combustion factor
    upstream, note = None, ""
    fps = sorted(lib.of_kind("footprint", pins, purpose="product_footprint"), key=lambda d: d.meta.year or 0)
    for ds in reversed(fps):
        if ds.meta.year and ds.meta.year <= year:
            gavg = _national_average(lib, pins, int(ds.meta.year))
            fp = ds.rows.loc[ds.rows["level"] == "national"]
            if gavg is None or fp.empty:
                continue
            fp_value = float(fp["value"].iloc[0]) * units.factor(str(fp["unit"].iloc[0]), "tCO2e/MWh")
            upstream = fp_value - gavg[0]
            note = (f"{ds.meta.id}@{ds.meta.version} {fp_value:.4f} − {gavg[1]} {gavg[0]:.4f} "
                    f"= {upstream:.4f} tCO2e/MWh ({ds.meta.year})")
            ref(ds)
            break

    # densities of liquid fuels (volume → mass): per fuel, the first density dataset by id that has it
    dframes = []
    for ds in lib.of_kind("density", pins):
        r = ds.rows.copy()
        r["t_per_l"] = r["value"] * r["unit"].map(lambda u: units.factor(u, "t/L"))
        r["dataset"] = f"{ds.meta.id}@{ds.meta.version}"
        dframes.append(r)
    densities = (pd.concat(dframes, ignore_index=True).drop_duplicates("fuel").set_index("fuel")
                 if dframes else pd.DataFrame(columns=["value", "unit", "t_per_l", "dataset"]))

    # well-to-tank factors of fuels (category 3, activity a): only datasets the user supplies
    uframes = []
    for ds in lib.of_kind("upstream_fuel", pins):
        r = ds.rows.copy()
        r["dataset"] = f"{ds.meta.id}@{ds.meta.version}"
        uframes.append(r)
        ref(ds)
    upstream_fuels = (pd.concat(uframes, ignore_index=True).drop_duplicates("fuel").set_index("fuel")[
        ["value", "unit", "dataset"]] if uframes else pd.DataFrame(columns=["value", "unit", "dataset"]))
    coefficients, e_issues = energy_coefficients(lib, settings, pins, ref)
    issues += e_issues

    uf = user_factors.copy()
    uf["key"] = keys.keys(uf["activity"]) if len(uf) else pd.Series([], dtype="str")
    ctx = Context(
        settings=settings, reporting_year=year, gwp=gwp, gwp_group=groups, facilities=fac,
        fuels=fuels, fuel_alias=fuel_alias, default_basis=default_basis, non_co2=non_co2,
        process=process, process_alias=process_alias, heat=heat, grid=grid, grid_year=grid_year,
        residual_factor=residual, upstream_electricity=upstream, upstream_note=note, user_factors=uf,
        refs=refs, entities=ents, densities=densities, upstream_fuels=upstream_fuels,
        gwp_dataset=gwp_ref.ref if gwp_ref else "", blend_dataset=blend_ref.ref if blend_ref else "",
        blends=blend_names, energy=coefficients,
    )
    return ctx, issues


def _grid_value(grid: pd.DataFrame, level: str, region: str, variant: str) -> float | None:
    m = (grid["level"] == level) & (grid["region"] == region) & (grid["variant"] == variant)
    return float(grid.loc[m, "value_t_per_mwh"].iloc[0]) if m.any() else None


def _national_average(lib: FactorLibrary, pins: dict[str, str], year: int) -> tuple[float, str] | None:
    for ds in lib.of_kind("grid", pins, purpose="disclosure"):
        if ds.meta.year == year:
            r = ds.rows
            m = (r["level"] == "national") & (r["variant"] == "average")
            if m.any():
                v = float(r.loc[m, "value"].iloc[0]) * units.factor(str(r.loc[m, "unit"].iloc[0]), "tCO2/MWh")
                return v, f"{ds.meta.id}@{ds.meta.version}"
    return None


def gas_key(name: object) -> str:
    return normalise_gas(str(name)) if isinstance(name, str) and name.strip() else ""
