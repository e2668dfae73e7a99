"""The one calculation: the steps every engine runs, in order, on a whole inventory or a chunk of it.

1. ``context_of``: the factor library and the context of lookup tables, from the small tables;
2. ``allocate``: Scope 2 market-based, instruments against each facility's MWh (``electricity_mwh``,
   the one pass over the activities that must come first), giving the context with its
   market-based factors;
3. ``trace_lines``: the trace lines of the activity rows (accepted rows calculated by
   ``lines.calculate_lines``, the lines derived from them, rejected rows as rejected lines);
4. ``assemble``: results.json from the lines' partial sums (``aggregate.partials``).

The engines (``disclosure.engines``: in process, chunked, Dask) differ only in how the rows reach
these steps.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import units
from ..core.issues import Issue, Location, Severity, issue
from ..core.rounding import published_totals
from ..core.settings import hint
from ..core.version import __version__
from ..factors import FactorLibrary, load_library
from ..ingest.contract import TABLES
from ..ingest.inventory import ROW, Inventory, TableData
from . import aggregate, derive, lines, market, targets
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
    ctx, ctx_issues = build_context(inv.settings, inv.table("entities"), inv.table("facilities"),
                                    inv.table("factors"), library)
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


def trace_lines(table: TableData | None, ctx: Context) -> tuple[pd.DataFrame, list[Issue], dict[str, Issue]]:
    """The trace lines of an activity table, or of a chunk of one: its accepted rows calculated
    (``lines.calculate_lines``), the lines derived from them, its rejected rows as rejected lines,
    in row order. Returns the lines, the calculation's issues, and the grid-fallback notice of each
    facility (keyed by facility: one notice per facility over all chunks)."""
    acts = accepted_rows(table) if table is not None else pd.DataFrame(columns=[*TABLES["activities"].names, ROW])
    main, issues = lines.calculate_lines(acts, ctx, table.file if table else "activities",
                                         table.sheet if table else None)
    fallback = _fallback_notices(main, ctx)
    # derived lines after the line they come from: category 15 then 3, the order of their ids
    parts = [main, *(d for d in (derive.category15_investees(main, ctx), derive.category3_electricity(main, ctx))
                     if d is not None and d.n)]
    if table is not None and table.rejected is not None and table.rejected.any():
        # rows rejected at ingest are lines too, excluded with their reason: the trace accounts
        # for every row read
        parts.append(lines.rejected_lines(table.frame.loc[table.rejected], table.file, table.sheet))
    order = _by_row(np.concatenate([p["row"] for p in parts]))
    del main
    return lines.frame(parts, order), issues, fallback


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
             instruments: pd.DataFrame, inputs: dict[str, dict[str, Any]], issues: list[Issue]
             ) -> dict[str, Any]:
    """``results.json`` from the trace's partial sums (see ``aggregate.partials``); appends the
    notices of unpinned factor datasets to ``issues``."""
    summary = aggregate.summarise_partials(parts, ctx)
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
        "intensity": aggregate.intensity(summary["totals"], ctx),
        # the totals as published (sums of rounded parts, core.rounding) and the targets' progress
        "published": {"totals": published_totals(summary["totals"])},
        "boundary": _boundary(ctx),
        "scope2_instruments": _records(instruments.drop(columns=["row"], errors="ignore")),
        "factor_datasets": _datasets(aggregate.datasets_used(parts), ctx, library),
        "disclosures": inv.disclosures,  # passed through from disclosures.yaml for the exporters
        "inputs": inputs,
        # computed by the carbon-market and energy calculations (issue 16); None until they exist
        "energy": None,
        "carbon_market": {"scope1_covered_share": None},
    }
    results["targets"] = targets.progress(inv.disclosures, results["published"]["totals"], results["intensity"])
    pins = inv.settings.factors.versions
    for d in results["factor_datasets"]:
        if d["id"] not in pins:
            issues.append(issue("factor-unpinned", Location("report.yaml", None, None, "factors.versions"),
                                id=d["id"], version=d["version"],
                                setting=hint(f"factors.versions.{d['id']}", f'"{d["version"]}"')))
    # issues raised while calculating (no factor, instruments, fallbacks …); problems of the input
    # itself are counted by ``check`` and show here as rejected rows under "inputs"
    results["calculation_issues"] = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    return results


def _fallback_notices(main: lines.Lines, ctx: Context) -> dict[str, Issue]:
    """One notice per facility whose electricity took a grid factor of a wider area than asked, and
    one per facility whose stationary CH4/N2O took the default table where its sector did not say
    which (only when the tables differ for a fuel it burns), keyed so that the engines keep one of
    each over all chunks."""
    pos = np.flatnonzero(main["grid_fallback"] == 1)
    fac = main["facility_id"]
    _, first = np.unique(fac.codes[pos], return_index=True)
    out: dict[str, Issue] = {}
    for i in pos[np.sort(first)]:
        out[main.value("facility_id", i)] = issue(
            "grid-fallback", Location(main.value("file", i), main.value("sheet", i), int(main["row"][i]),
                                      "facility_id"),
            table="activities", level=ctx.settings.grid_factor_level, year=ctx.grid_year,
            used=main.value("grid_level", i))
    out.update(_sector_default_notices(main, ctx))
    return out


def _sector_default_notices(main: lines.Lines, ctx: Context) -> dict[str, Issue]:
    nc = ctx.non_co2
    if nc is None or main.n == 0:
        return {}
    cats = nc.loc[nc["use"].isin(("energy_industries", "manufacturing"))]
    # the fuels whose defaults differ between the two tables
    wide = cats.pivot_table(index=["fuel", "gas"], columns="use", values="kg_per_gj", aggfunc="last")
    if wide.shape[1] < 2:
        return {}
    differ = set(wide.index[(wide["energy_industries"] != wide["manufacturing"]).to_numpy()].get_level_values(0))
    f = ctx.facilities.set_index("facility_id")
    by_default = set(f.index[f["non_co2_by_default"].fillna(False).astype(bool)])
    stationary = main["source"].eq("stationary_combustion") & ~main["non_co2_table"].isna()
    m = stationary & main["facility_id"].isin(by_default) & main["factor_id"].isin(differ)
    pos = np.flatnonzero(m)
    _, first = np.unique(main["facility_id"].codes[pos], return_index=True)
    out: dict[str, Issue] = {}
    for i in pos[np.sort(first)]:
        fid = main.value("facility_id", i)
        sector = f.at[fid, "sector"]
        out[f"combustion-sector-default:{fid}"] = issue(
            "combustion-sector-default", Location(main.value("file", i), main.value("sheet", i), int(main["row"][i]),
                                                  "facility_id"),
            table="activities", facility=fid, sector=sector if isinstance(sector, str) else "—",
            used=ctx.settings.options.combustion_sector_default,
            setting=hint("options.combustion_sector_default", "energy_industries | manufacturing"))
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
        "category15_investees": s.options.category15_investees,
        "combustion_sector_default": s.options.combustion_sector_default,
        "factor_pins": dict(sorted(s.factors.versions.items())),
        "precedence": list(lines.PRECEDENCE),
    }


_REF = re.compile(r"([A-Za-z0-9_.\-]+)@([A-Za-z0-9_.\-]+)")


def _datasets(texts: set[str], ctx: Context, lib: FactorLibrary) -> list[dict[str, Any]]:
    used: set[tuple[str, str]] = set()
    for text in sorted(texts):
        used.update(_REF.findall(text))
    if ctx.settings.grid_factor_level and ctx.residual_factor is not None:
        used.update(_REF.findall(" ".join(ctx.grid["dataset"].astype(str).unique())))
    used.update((r.id, r.version) for r in ctx.refs.values() if r.kind in ("gwp", "blends", "footprint"))
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
    ISO dates)."""
    inst = instruments.copy()
    for c in inst.columns:
        if pd.api.types.is_datetime64_any_dtype(inst[c]):
            inst[c] = inst[c].dt.strftime("%Y-%m-%d")
    inst.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path
