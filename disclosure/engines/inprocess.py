"""The in-process engine: the whole inventory in memory, through the one calculation
(``disclosure.compute.calculation``), and the computation of a report pack that ``report`` and
``verify`` both run (``compute_pack``: the pack's own inputs and factor files, the prior year)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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


TraceHook = Callable[[pd.DataFrame, list[Issue]], None]


def compute(inv: Inventory, library: FactorLibrary | None = None, on_trace: TraceHook | None = None) -> Computation:
    """The whole inventory in memory. The chunked and Dask engines run the same steps chunk by
    chunk. ``on_trace``, when given, is called with the trace and the issues so far as soon as the
    trace is made, before the sums: nothing after it changes the trace (``compute`` writes it there,
    :class:`TraceWriter`)."""
    ctx, library, issues = calculation.context_of(inv, library)
    act = inv.tables.get("activities")
    consumption = calculation.electricity_mwh(calculation.accepted_rows(act) if act is not None
                                              else inv.table("activities"))
    ctx, instruments, m_issues = calculation.allocate(inv, ctx, consumption)
    issues += m_issues
    lines, l_issues, grid = calculation.trace_lines(act, ctx)
    issues += l_issues
    if on_trace is not None:
        on_trace(lines, list(issues))
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


def write_outputs(comp: Computation, out: Path, trace_csv: bool | None = None,
                  written: TraceWriter | None = None) -> list[Path]:
    """results.json, trace.parquet, trace.csv (``trace.csv_wanted``: up to ``trace.CSV_MAX_LINES``
    lines, or as ``trace_csv`` says) and instruments.csv in ``out``; the trace's files as
    ``written`` wrote them, when it began writing them (into ``out``, as ``trace_csv`` says)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [results.write_results(comp.results, out / results.FILE)]
    release_freed_memory()
    begun = written.paths() if written is not None else None
    paths += begun if begun is not None else trace.write(comp.trace, out, trace_csv)
    paths.append(calculation.write_instruments(comp.instruments, out / calculation.INSTRUMENTS))
    return paths


class TraceWriter:
    """The trace's files (``trace.write``) written on a thread of their own from when the trace is
    made (a context, given to :func:`compute` as its ``on_trace``), while the sums and results.json
    are made: the Parquet encoding runs in Arrow, without the GIL, on the other core. Begun only
    when ``wanted`` says so of the issues so far (``compute`` writes nothing for an inventory with
    errors, unless forced); :func:`write_outputs` takes the files. Leaving the context waits for
    the thread (what it wrote stays in ``out``, a staging folder that is removed unless published)."""

    def __init__(self, out: Path, trace_csv: bool | None, wanted: Callable[[list[Issue]], bool]):
        self.out, self.trace_csv, self.wanted = out, trace_csv, wanted
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trace")
        self._job: Future[list[Path]] | None = None

    def __call__(self, lines: pd.DataFrame, issues: list[Issue]) -> None:
        if self.wanted(issues):
            self.out.mkdir(parents=True, exist_ok=True)
            self._job = self._pool.submit(trace.write, lines, self.out, self.trace_csv)

    def paths(self) -> list[Path] | None:
        """The files written (None: not begun); raises what writing them raised."""
        return None if self._job is None else self._job.result()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
