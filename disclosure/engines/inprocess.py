"""The in-process engine: the whole inventory in memory, through the one calculation
(``disclosure.compute.calculation``), and the computation of a report pack that ``report`` and
``verify`` both run (``compute_pack``: the pack's own inputs and factor files, the prior year)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..compute import aggregate, calculation, results, trace, years
from ..compute.context import Context
from ..core.issues import Issue
from ..core.memory import release_freed_memory
from ..factors import FactorLibrary, folder_library
from ..ingest.inventory import Inventory
from ..loader import load_inventory


@dataclass(frozen=True)
class Computation:
    """What a calculation gives: results.json's dict, the trace (one line per activity row, plus
    derived lines), the instruments as used, the calculation's issues, and its context."""
    results: dict[str, Any]
    trace: pd.DataFrame
    instruments: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    context: Context | None = None


def compute(inv: Inventory, library: FactorLibrary | None = None) -> Computation:
    """The whole inventory in memory. The chunked and Dask engines run the same steps chunk by
    chunk."""
    ctx, library, issues = calculation.context_of(inv, library)
    act = inv.tables.get("activities")
    consumption = calculation.electricity_mwh(calculation.accepted_rows(act) if act is not None
                                              else inv.table("activities"))
    ctx, instruments, m_issues = calculation.allocate(inv, ctx, consumption)
    issues += m_issues
    lines, l_issues, grid = calculation.trace_lines(act, ctx)
    issues += l_issues
    release_freed_memory()   # the calculation's temporaries: given back before the sums need their own
    res = calculation.assemble(inv, ctx, library, aggregate.partials(lines), instruments,
                               calculation.inputs_of(inv), issues, grid)
    return Computation(res, lines, instruments, issues, ctx)


def compute_pack(inv: Inventory, prior: dict[str, Any] | None, factors: Path) -> Computation:
    """The computation of a report pack, as ``verify`` repeats it: ``inv`` loaded from the pack's
    ``inputs/``, with the library of exactly the dataset files in ``factors/``, compared with the
    prior year's results (``prior/results.json``) when there is one. The library's issues come
    first among the computation's."""
    library, lib_issues = folder_library(factors)
    comp = compute(inv, library)
    res = comp.results if prior is None else years.with_prior(comp.results, prior, inv.settings.options.base_year_threshold)
    return replace(comp, results=res, issues=lib_issues + comp.issues)


def recompute_pack(inventory: Path, prior: dict[str, Any] | None, factors: Path
                   ) -> tuple[Inventory, list[Issue], Computation]:
    """Load the pack's inventory copy and compute it (``compute_pack``): ``verify``'s
    re-performance. Returns the inventory, the loader's issues and the computation."""
    inv, issues = load_inventory(inventory)
    return inv, issues, compute_pack(inv, prior, factors)


def write_outputs(comp: Computation, out: Path, trace_csv: bool | None = None) -> list[Path]:
    """results.json, trace.parquet, trace.csv (``trace.csv_wanted``: up to ``trace.CSV_MAX_LINES``
    lines, or as ``trace_csv`` says) and instruments.csv in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [results.write_results(comp.results, out / results.FILE)]
    release_freed_memory()
    paths += trace.write(comp.trace, out, trace_csv)
    paths.append(calculation.write_instruments(comp.instruments, out / calculation.INSTRUMENTS))
    return paths
