"""The one calculation: the steps every engine runs, in order, on a whole inventory or a chunk of it.

1. ``context_of``: the factor library and the context of lookup tables, from the small tables;
2. ``allocate``: Scope 2 market-based, instruments against each facility's MWh (``electricity_mwh``,
   the one pass over the activities that must come first), giving the context with its
   market-based factors;
3. ``trace_lines``: the trace lines of the activity rows (accepted rows calculated by
   ``lines.calculate_lines``, the lines derived from them, rejected rows as rejected lines);
4. ``assemble``: results.json from the lines' partial sums (``aggregate.partials``) and the grid
   factor each facility's electricity took (``GridUse``, from ``trace_lines``), with the checks of
   the results' consistency (``consistency``): issues like any other, raised by every engine.

``check`` runs these same steps in process without writing anything (``engines.inprocess.compute``),
so that it reports every issue the calculation raises: there is one resolution of factors, grid
levels, instruments and currencies, and no second copy of it to drift apart.

The engines (``disclosure.engines``: in process, chunked, Dask) differ only in how the rows reach
these steps.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import profiles, units
from ..core.cells import neutralise_frame
from ..core.issues import Issue, Location, Severity, issue
from ..core.rounding import published_totals
from ..core.version import __version__
from ..factors import FactorLibrary, load_library
from ..ingest.contract import TABLES
from ..ingest.inventory import ROW, Inventory, TableData, reason_codes
from . import aggregate, carbon_market, derive, energy, financed, lines, market, targets
from .context import Context, build_context
from .results import SCHEMA


def electricity_mwh(acts: pd.DataFrame) -> pd.Series:
    """MWh of purchased electricity per facility (the first, additive pass of the market method)."""
    e = acts.loc[acts["source"] == "purchased_electricity", ["facility_id", "quantity", "unit"]]
    if e.empty:
        return pd.Series(dtype="float64")
    mwh = units.convert(e["quantity"], e["unit"], "MWh")
    return mwh.groupby(e["facility_id"]).sum()


def context_of(inv: Inventory, library: FactorLibrary | None = None
               ) -> tuple[Context, FactorLibrary, list[Issue]]:
    """The factor library (the report's folders) and the context built from the small tables."""
    issues: list[Issue] = []
    if library is None:
        dirs = [str(inv.folder / d) for d in inv.settings.factors.datasets]
        library, lib_issues = load_library(dirs)
        issues += lib_issues
    facilities = inv.table("facilities")
    for c in ("province_name", "grid_region"):   # the loader's; absent when there is no facilities table
        if c not in facilities.columns:
            facilities = facilities.assign(**{c: pd.Series(index=facilities.index, dtype="str")})
    ctx, ctx_issues = build_context(inv.settings, inv.table("entities"), facilities, inv.table("factors"), library)
    ctx = dataclasses.replace(ctx, place=inv.settings_place)
    issues += ctx_issues
    return ctx, library, issues


def allocate(inv: Inventory, ctx: Context, consumption: pd.Series
             ) -> tuple[Context, pd.DataFrame, list[Issue]]:
    """Scope 2 market-based: instruments against each facility's MWh. Returns the context with
    the market-based factor of each facility (``mb_factor``), the instruments as used, and issues."""
    ins_t = inv.tables.get("instruments")
    mb, instruments, issues = market.allocate(
        consumption, inv.table("instruments"), ctx,
        ins_t.file if ins_t else "instruments", ins_t.sheet if ins_t else None)
    return dataclasses.replace(ctx, mb_factor=mb), instruments, issues


@dataclass(frozen=True)
class GridUse:
    """The grid factor a facility's electricity lines took (location-based): the level used, its
    value and dataset, whether that level is wider than the one asked for, and the first line that
    took it (the factor depends on the facility alone, so one record a facility)."""
    facility_id: str
    level: str
    value: float
    dataset: str
    fallback: bool
    location: Location


def trace_lines(table: TableData | None, ctx: Context) -> tuple[pd.DataFrame, list[Issue], dict[str, GridUse]]:
    """The trace lines of an activity table, or of a chunk of one: its accepted rows calculated
    (``lines.calculate_lines``), the lines derived from them, its rejected rows as rejected lines
    (each with the codes of the errors that rejected it), in row order. Returns the lines, the
    calculation's issues, and the grid factor each facility took (keyed by facility: the engines
    keep the first of each facility over all chunks and give them to ``assemble``)."""
    acts = accepted_rows(table) if table is not None else pd.DataFrame(columns=[*TABLES["activities"].names, ROW])
    main, issues = lines.calculate_lines(acts, ctx, table.file if table else "activities",
                                         table.sheet if table else None)
    grid = grid_uses(main)
    issues += sector_default_notices(main, ctx)
    # derived lines after the line they come from: category 15 then 3, the order of their ids
    parts = [main, *(d for d in (derive.category15_investees(main, ctx), derive.category3_electricity(main, ctx),
                                 derive.category3_fuels(main, ctx))
                     if d is not None and d.n)]
    if table is not None and table.rejected is not None and table.rejected.any():
        # rows rejected at ingest are lines too, excluded with their reason: the trace accounts
        # for every row read
        reasons = None if table.reasons is None else table.reasons[table.rejected]
        parts.append(lines.rejected_lines(table.frame.loc[table.rejected], table.file, table.sheet, reasons))
    order = _by_row(np.concatenate([p["row"] for p in parts]))
    del main
    trace, e_issues = energy.annotate(lines.frame(parts, order), acts, ctx)
    issues += e_issues
    return trace, issues, grid


def accepted_rows(t: TableData) -> pd.DataFrame:
    """The accepted rows of a table (the frame itself, not a copy, when none was rejected)."""
    return t.frame if t.rejected is None or not t.rejected.any() else t.accepted


def _by_row(row: np.ndarray) -> np.ndarray:
    """The order of the lines by row, lines of one row in the order they come (one row is one
    record, so this is the order of (row, line_id): a line's id is a prefix of the ids derived
    from it, and derived lines come after the lines they come from)."""
    return np.argsort(np.asarray(row, dtype=np.int64), kind="stable")


def inputs_of(inv: Inventory) -> dict[str, dict[str, Any]]:
    """Per table: where it was read from, rows read = accepted + rejected."""
    return {name: {"file": t.file, "sheet": t.sheet, "read": c.read, "accepted": c.accepted,
                   "rejected": c.rejected}
            for (name, t), c in zip(inv.tables.items(), inv.counts.values(), strict=True)}


def assemble(inv: Inventory, ctx: Context, library: FactorLibrary, parts: pd.DataFrame,
             instruments: pd.DataFrame, inputs: dict[str, dict[str, Any]], issues: list[Issue],
             grid: dict[str, GridUse] | None = None) -> dict[str, Any]:
    """``results.json`` from the trace's partial sums (see ``aggregate.partials``) and the grid
    factor each facility took (``grid``, from ``trace_lines``); appends to ``issues`` the notices of
    grid fallbacks and unpinned factor datasets and the findings of ``consistency``."""
    grid = grid or {}
    issues[:] = once_per_facility(issues)
    issues += (fallback_notice(u, ctx) for u in grid.values() if u.fallback)
    summary = aggregate.summarise_partials(parts, ctx)
    intensity, i_issues = aggregate.intensity(summary["totals"], ctx)
    issues += i_issues
    entity = inv.settings.entity
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "disclosure", "version": __version__},
        "unit": "tCO2e",
        "entity": {"name_zh": entity.name_zh, "name_en": entity.name_en,
                   "identifier": entity.identifier, "identifier_scheme": entity.identifier_scheme},
        "period": {"start": _iso(inv.settings.period.start), "end": _iso(inv.settings.period.end)},
        "settings": _settings(ctx),
        **summary,
        "intensity": intensity,
        # the totals as published (sums of rounded parts, core.rounding) and the targets' progress
        "published": {"totals": published_totals(summary["totals"])},
        "boundary": _boundary(ctx),
        "scope2_instruments": _records(instruments.drop(columns=["row"], errors="ignore")),
        "factor_datasets": _datasets(aggregate.datasets_used(parts), ctx, library),
        "methods": methods(parts, ctx, grid, summary["by_facility"]),
        "disclosures": inv.disclosures,  # passed through from disclosures.yaml for the exporters
        "inputs": inputs,
        "rows": row_counts(parts, inputs),
        # energy used in tce and GJ, from the same lines (compute/energy.py); the carbon-market ledger's
        # positions, money side and ETS reconciliation (compute/carbon_market.py)
        "energy": energy.summarise(parts, instruments, ctx, _revenue(inv), inv.settings.output),
        "carbon_market": carbon_market.compute(inv, parts, summary["totals"], summary["by_facility"]),
    }
    results["targets"] = targets.progress(inv.disclosures, results["published"]["totals"], results["intensity"])
    pins = inv.settings.factors.versions
    place = inv.settings_place
    for d in results["factor_datasets"]:
        if d["id"] not in pins:
            path = f"factors.versions.{d['id']}"
            value = f'"{d["version"]}"' if place.sheet is None else d["version"]
            issues.append(issue("factor-unpinned", place.location("factors.versions"),
                                id=d["id"], version=d["version"], setting=place.hint(path, value)))
    fin, f_issues = financed.section(inv, ctx.settings, ctx.place)
    if fin is not None:
        results["financed_emissions"] = fin
    issues += f_issues
    issues += consistency(inv, ctx, parts, results)
    issues += profile_gaps(inv, results)
    # issues raised while calculating (no factor, instruments, fallbacks, consistency …); problems of
    # the input itself are counted by ``check`` and show here as rejected rows under "inputs"
    results["calculation_issues"] = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    return results


def grid_uses(main: lines.Lines) -> dict[str, GridUse]:
    """The grid factor each facility's electricity took, from its first line that took one."""
    pos = np.flatnonzero(~main["grid_level"].isna())
    fac = main["facility_id"]
    _, first = np.unique(fac.codes[pos], return_index=True)
    out: dict[str, GridUse] = {}
    for i in pos[np.sort(first)]:
        out[main.value("facility_id", i)] = GridUse(
            main.value("facility_id", i), main.value("grid_level", i), float(main["factor_value"][i]),
            main.value("factor_dataset", i), bool(main["grid_fallback"][i] == 1),
            Location(main.value("file", i), main.value("sheet", i), int(main["row"][i]), "facility_id"))
    return out


def fallback_notice(u: GridUse, ctx: Context) -> Issue:
    """The notice of a facility whose electricity took a grid factor of a wider area than asked."""
    return issue("grid-fallback", u.location, table="activities", level=ctx.settings.grid_factor_level,
                 year=ctx.grid_year, used=u.level)


def sector_default_notices(main: lines.Lines, ctx: Context) -> list[Issue]:
    """One notice per facility whose stationary CH4/N2O took the default IPCC table because its
    sector did not say which (only when the two tables differ for a fuel it burns). A chunk gives
    one per facility; ``assemble`` keeps the first of each facility over all chunks."""
    nc = ctx.non_co2
    if nc is None or main.n == 0:
        return []
    cats = nc.loc[nc["use"].isin(("energy_industries", "manufacturing"))]
    # the fuels whose defaults differ between the two tables
    wide = cats.pivot_table(index=["fuel", "gas"], columns="use", values="kg_per_gj", aggfunc="last")
    if wide.shape[1] < 2:
        return []
    differ = set(wide.index[(wide["energy_industries"] != wide["manufacturing"]).to_numpy()].get_level_values(0))
    f = ctx.facilities.set_index("facility_id")
    by_default = set(f.index[f["non_co2_by_default"].fillna(False).astype(bool)])
    stationary = main["source"].eq("stationary_combustion") & ~main["non_co2_table"].isna()
    m = stationary & main["facility_id"].isin(by_default) & main["factor_id"].isin(differ)
    pos = np.flatnonzero(m)
    _, first = np.unique(main["facility_id"].codes[pos], return_index=True)
    out: list[Issue] = []
    for i in pos[np.sort(first)]:
        fid = main.value("facility_id", i)
        sector = f.at[fid, "sector"]
        out.append(issue(
            "combustion-sector-default", Location(main.value("file", i), main.value("sheet", i), int(main["row"][i]),
                                                  "facility_id"),
            table="activities", facility=fid, sector=sector if isinstance(sector, str) else "—",
            used=ctx.settings.options.combustion_sector_default,
            setting=ctx.place.hint("options.combustion_sector_default", "energy_industries | manufacturing")))
    return out


def once_per_facility(issues: list[Issue]) -> list[Issue]:
    """The issues with only the first notice of each facility where a code says one per facility
    (a facility's rows may fall in several chunks)."""
    seen: set[tuple[str, Any]] = set()
    out = []
    for i in issues:
        if i.code in ONCE_PER_FACILITY:
            key = (i.code, dict(i.params).get("facility"))
            if key in seen:
                continue
            seen.add(key)
        out.append(i)
    return out


ONCE_PER_FACILITY = frozenset({"combustion-sector-default"})


# --- what the results say about the rows and the methods ----------------------------------------------------

def row_counts(parts: pd.DataFrame, inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What became of the activity rows (one main line each; derived lines are never excluded or
    rejected, and a derived line outside the boundary has no reason): rows read = included +
    outside the boundary + excluded (a calculation error) + rejected (an input error), and the
    rows left out per reason code (a row rejected for several errors counts under each)."""
    act = inputs.get("activities") or {"read": 0, "rejected": 0}
    p = parts
    excluded = p.loc[p["status"] == "excluded"]
    rejected = p.loc[p["status"] == "rejected"]
    outside = int(p.loc[(p["status"] == "outside_boundary") & (p["reason"] == "outside-boundary"), "lines"].sum())
    reasons: dict[str, int] = {}
    for frame in (excluded, rejected):
        for why, n in frame.groupby("reason", sort=True, dropna=False)["lines"].sum().items():
            for code in reason_codes(str(why if why is not None else "rejected")):
                reasons[code] = reasons.get(code, 0) + int(n)
    n_excluded, n_rejected = int(excluded["lines"].sum()), int(act.get("rejected") or 0)
    return {"read": int(act.get("read") or 0),
            "included": int(act.get("read") or 0) - n_rejected - n_excluded - outside,
            "outside_boundary": outside, "excluded": n_excluded, "rejected": n_rejected,
            "left_out_by_reason": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))}


COMBUSTION = ("stationary_combustion", "mobile_combustion")


def methods(parts: pd.DataFrame, ctx: Context, grid: dict[str, GridUse], by_facility: list[dict[str, Any]]
            ) -> list[dict[str, Any]]:
    """Per facility, what its lines used: the fuel parameter datasets of its combustion lines
    counted, the grid factor its electricity took (level, value, dataset, fallback) with its
    market-based factor, and whether its market-based Scope 2 is above its location-based (of
    ``by_facility``, the facility sums). Facilities in id order; only those with such lines."""
    sums = {f["facility_id"]: f for f in by_facility}
    p = parts
    comb = p.loc[p["status"].isin(["included", "outside_boundary"]) & p["source"].isin(COMBUSTION)
                 & p["factor_dataset"].notna()]
    fuel = {str(f): sorted(set(map(str, g["factor_dataset"]))) for f, g in comb.groupby("facility_id", sort=True)}
    elec = set(map(str, p.loc[p["source"] == "purchased_electricity", "facility_id"].dropna()))
    fac = ctx.facilities.set_index("facility_id")
    mb = ctx.mb_factor
    out = []
    for fid in sorted(set(fuel) | set(grid) | elec):
        row = fac.loc[fid] if fid in fac.index else None
        u = grid.get(fid)
        m = None if mb is None or fid not in mb.index or fid not in elec else mb.get(fid)
        out.append({
            "facility_id": fid,
            "name": None if row is None or pd.isna(row["name"]) else str(row["name"]),
            "province": None if row is None or pd.isna(row["province_name"]) else str(row["province_name"]),
            "grid_region": None if row is None or pd.isna(row["grid_region"]) else str(row["grid_region"]),
            "combustion_datasets": fuel.get(fid, []),
            "grid_level": u.level if u else None,
            "grid_fallback": u.fallback if u else None,
            "grid_factor": u.value if u else None,
            "grid_dataset": u.dataset if u else None,
            "market_factor": None if m is None or pd.isna(m) else float(m),
            "market_above_location": market_above_location(sums.get(fid)),
        })
    return out


def market_above_location(f: dict[str, Any] | None) -> bool:
    """Whether a facility's (or the group's) market-based Scope 2 is above its location-based one
    (beyond the last digits of a float sum)."""
    if not f:
        return False
    lb, mb = f.get("scope2_location") or 0.0, f.get("scope2_market") or 0.0
    return lb > 0 and mb > lb * (1 + 1e-9)


# --- consistency of the results ------------------------------------------------------------------------------

# What a reason for leaving a Scope 3 category out may say that does not say why: that no data was
# supplied or is available. A reason made of nothing else (and punctuation) gives no reason.
NO_DATA_PHRASES = (
    "未提供活动数据", "未提供数据", "无活动数据", "暂无数据", "没有数据", "无数据", "数据不可得", "数据无法获取",
    "无法获取数据", "缺少数据", "数据缺失", "不可得",
    "no activity data supplied", "no activity data", "no data was supplied", "no data supplied", "no data provided",
    "no data available", "data not available", "data unavailable", "not available", "missing data",
    "lack of data", "no data", "n/a",
)
_NOT_WORDS = re.compile(r"[\W_]+")


def says_no_reason(text: str | None) -> bool:
    """Whether a stated reason is empty or only says that no data was supplied (in either language)."""
    t = str(text or "").lower()
    for phrase in sorted(NO_DATA_PHRASES, key=len, reverse=True):
        t = t.replace(phrase, " ")
    return not _NOT_WORDS.sub("", t)


def consistency(inv: Inventory, ctx: Context, parts: pd.DataFrame, results: dict[str, Any]) -> list[Issue]:
    """The checks of the results against the settings, each an issue with its code: entities
    outside the boundary (a notice each), investees reported nowhere (an error), Scope 3 categories
    left out without a reason (a warning), market-based Scope 2 above location-based (a notice a
    facility, with the factors on each side)."""
    out: list[Issue] = []
    s = ctx.settings
    p = parts
    ents = inv.tables.get("entities")
    where = ({str(e): int(r) for e, r in zip(ents.frame["entity_id"], ents.frame[ROW], strict=True)}
             if ents is not None else {})
    ent_file = ents.file if ents is not None else "entities"
    ent_sheet = ents.sheet if ents is not None else None
    reg = ctx.entities.set_index("entity_id") if ctx.entities is not None else pd.DataFrame()

    # entities outside the boundary, and investees whose Scope 1 and 2 are reported nowhere
    outside = p.loc[(p["status"] == "outside_boundary") & (p["reason"] == "outside-boundary")]
    in_c15 = s.options.investees_in_category15(s.consolidation)
    reason_given = not says_no_reason(s.options.category15_investees_reason)
    for ent, g in outside.groupby("entity_id", sort=True):
        ent = str(ent)
        name = str(reg.at[ent, "name"]) if ent in reg.index and pd.notna(reg.at[ent, "name"]) else ""
        loc = Location(ent_file, ent_sheet, where.get(ent), "entity_id")
        out.append(issue("outside-boundary", loc, table="entities", entity=ent, name=name,
                         approach=s.consolidation, rows=int(g["lines"].sum())))
        own = float(reg.at[ent, "ownership"]) if ent in reg.index and pd.notna(reg.at[ent, "ownership"]) else 0.0
        s12 = int(g.loc[g["scope"].isin([1, 2]), "lines"].sum())
        if s.consolidation != "equity_share" and own > 0 and s12 and not in_c15 and not reason_given:
            out.append(issue("investees-unreported", loc, table="entities", entity=ent, name=name,
                             ownership=f"{own:.0%}", rows=s12,
                             setting=inv.settings_place.hint("options.category15_investees", "是"),
                             reason_setting=inv.settings_place.hint(
                                 "options.category15_investees_reason",
                                 '"…"' if inv.settings_place.sheet is None else "…")))

    # Scope 3 categories left out without saying why (IFRS S2 29(a)(vi)); none needs a reason in the
    # first annual reporting period under the transition relief (IFRS S2 C4(b))
    for c in [] if s.options.scope3_first_year_relief else results["scope3_categories"]:
        n = c["category"]
        if c["included"] or c["lines"] or int(p.loc[(p["scope"] == 3) & (p["scope3_category"] == n), "lines"].sum()):
            continue
        stated = aggregate.stated_exclusion(s, n)
        if not says_no_reason(stated):
            continue
        why = ("未说明原因 / no reason is given" if not stated.strip() else
               "所述原因只说明未提供数据 / the reason given only says that no data was supplied")
        out.append(issue("scope3-exclusion-unexplained", inv.setting_location(f"options.scope3_exclusions.{n}"),
                         category=n, why=why,
                         setting=inv.settings_place.hint(f"options.scope3_exclusions.{n}", '"…"'
                                                         if inv.settings_place.sheet is None else "…")))

    # market-based Scope 2 above location-based, facility by facility, with the factors on each side
    facs = inv.tables.get("facilities")
    frow = ({str(f): int(r) for f, r in zip(facs.frame["facility_id"], facs.frame[ROW], strict=True)}
            if facs is not None else {})
    sums = {f["facility_id"]: f for f in results["by_facility"]}
    for m in results["methods"]:
        if not m["market_above_location"] or m["grid_factor"] is None:
            continue
        f = sums[m["facility_id"]]
        lb, mbv = f["scope2_location"], f["scope2_market"]
        area = m["province"] if m["grid_level"] == "province" else m["grid_region"] if m["grid_level"] == "region" \
            else "全国"
        out.append(issue("scope2-market-above-location",
                         Location(facs.file if facs else "facilities", facs.sheet if facs else None,
                                  frow.get(str(f["facility_id"])), "facility_id"),
                         table="facilities", facility=f["facility_id"], name=m["name"] or "",
                         market_based=f"{mbv:,.1f}", location_based=f"{lb:,.1f}", residual=ctx.residual_factor,
                         market_factor="—" if m["market_factor"] is None else f"{m['market_factor']:.4f}",
                         grid_factor=m["grid_factor"], area=area or "—", level=m["grid_level"]))
    return out


def _revenue(inv: Inventory) -> float | None:
    """The revenue in the presentation currency (the energy intensity's denominator), or None."""
    r = inv.settings.revenue
    return r.value if r.value and (r.unit or inv.settings.currency) == inv.settings.currency else None


PROFILE_NAMES = {"sse": "上交所 / SSE", "szse": "深交所 / SZSE", "bse": "北交所 / BSE"}
LEVELS = {"required": "应当披露 / required", "encouraged": "鼓励披露 / encouraged"}


def profile_gaps(inv: Inventory, results: dict[str, Any]) -> list[Issue]:
    """A notice per item the chosen exchange profile asks for and the results lack (core/profiles.yaml),
    at the ``profile`` setting."""
    profile = inv.settings.profile
    out = []
    for item in profiles.missing(results, profile):
        out.append(issue("profile-item-missing", inv.setting_location("profile"),
                         profile=profile.upper(), item=f"{item.zh} / {item.en}",
                         article=f"{item.article} / (art. {profiles.article_number(item.article)})" if item.article
                         else " / ",
                         level=LEVELS[item.level],
                         needs=", ".join(n for n in item.needs if not profiles.has(results, n))))
    return out


def _iso(d: Any) -> str | None:
    return d.isoformat() if d else None


def _settings(ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    return {
        "consolidation": s.consolidation, "gwp": s.gwp, "grid_factor_level": s.grid_factor_level,
        "grid_year": ctx.grid_year, "residual_factor": ctx.residual_factor,
        "residual_factor_basis": "MEE national average excluding market-traded non-fossil electricity",
        "default_fuel_basis": ctx.default_basis, "combustion_non_co2": ctx.non_co2 is not None,
        "currency": s.currency, "language": s.language, "reporting_year": ctx.reporting_year,
        "category3_electricity": ctx.upstream_note or None,
        "category15_investees": s.options.investees_in_category15(s.consolidation),
        "category15_investees_reason": s.options.category15_investees_reason,
        "combustion_sector_default": s.options.combustion_sector_default,
        "factor_pins": dict(sorted(s.factors.versions.items())),
        "precedence": list(lines.PRECEDENCE),
        # only when asked (results.json of a report without the stamp keeps its keys)
        **({"tool_stamp": True} if s.options.tool_stamp else {}),
        # the Scope 3 transition reliefs (IFRS S2 C4-C5, B19), only when stated
        **({"scope3_first_year_relief": True} if s.options.scope3_first_year_relief else {}),
        **({"scope3_value_chain_period": s.options.scope3_value_chain_period}
           if s.options.scope3_value_chain_period else {}),
        **({"profile": s.profile} if s.profile != "csds" else {}),
    }


_REF = re.compile(r"([A-Za-z0-9_.\-]+)@([A-Za-z0-9_.\-]+)")


def _datasets(texts: set[str], ctx: Context, lib: FactorLibrary) -> list[dict[str, Any]]:
    used: set[tuple[str, str]] = set()
    for text in sorted(texts):
        used.update(_REF.findall(text))
    if ctx.settings.grid_factor_level and ctx.residual_factor is not None:
        used.update(_REF.findall(" ".join(ctx.grid["dataset"].astype(str).unique())))
    used.update((r.id, r.version) for r in ctx.refs.values()
                if r.kind in ("gwp", "blends", "footprint", "energy_coefficients"))
    out = []
    for ident, version in sorted(used):
        ds = lib.get(ident, version)
        if ds is None:
            continue
        meta = ds.meta.model_dump(mode="json")
        meta.pop("columns", None)
        out.append({**meta, "sha256": ds.sha256, "file": ds.path.split("/")[-1]})
    return out


def _boundary(ctx: Context) -> list[dict[str, Any]]:
    """The register of every entity: its ownership, the share counted under the approach, and
    where it stands (consolidated accounting group, other investee, or outside the boundary)."""
    if ctx.entities is None:
        return []
    out = []
    for e in ctx.entities.sort_values("entity_id").itertuples(index=False):
        share = float(e.share)
        role = ("consolidated_group" if e.consolidated and share > 0 else
                "other_investee" if share > 0 else "outside_boundary")
        out.append({"entity_id": e.entity_id, "name": e.name, "parent_id": None if pd.isna(e.parent_id) else e.parent_id,
                    "ownership": None if pd.isna(e.ownership) else float(e.ownership), "share": share,
                    "consolidated": bool(e.consolidated), "role": role})
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (None if (not isinstance(v, str | list | dict) and pd.isna(v)) else
                        (v.date().isoformat() if isinstance(v, pd.Timestamp) else v))
                    for k, v in rec.items()})
    return out


INSTRUMENTS = "instruments.csv"


def write_instruments(instruments: pd.DataFrame, path: Path) -> Path:
    """``instruments.csv``: the instruments as ``allocate`` used them (UTF-8 with a BOM, dates as
    ISO dates, formula-like text neutralised as in every CSV written: ``core.cells``)."""
    inst = neutralise_frame(instruments)
    inst = inst.copy() if inst is instruments else inst
    for c in inst.columns:
        if pd.api.types.is_datetime64_any_dtype(inst[c]):
            inst[c] = inst[c].dt.strftime("%Y-%m-%d")
    inst.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path
