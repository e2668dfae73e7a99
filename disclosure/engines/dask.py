"""The Dask engine: the chunked engine's steps on a cluster, one task per piece of the activities.

Nothing is calculated differently here: every piece goes through the chunked engine's steps and
the one calculation (the cells typed by the loader's parsers, checked by its rules, the lines
calculated by ``calculation.trace_lines``, reduced by ``aggregate.partials``); only the order of
work differs.

1. **plan** (client): the activities cut into pieces (``ingest.chunks.pieces``: Parquet row
   groups from the footer, CSV byte ranges from one scan for record ends), each knowing its file
   and the row number of its first record, so issues name the rows the in-process engine names.
2. **ids** (cluster): each piece hashes its record ids (128 bits) into buckets by hash; each bucket
   is sorted on its own and its repeated ids kept, with the first use of each: a shuffle in
   NumPy, so no worker ever holds more than a bucket.
3. **check** (cluster): each piece typed and checked, repeated ids flagged, then kept as typed
   with its rejected rows flagged (``chunked.spill``, in ``OUT/.work-*``); the issues come back,
   the MWh per facility are added up on the cluster.
4. **calculate** (cluster): the checked activities as a Dask DataFrame (``dask.dataframe.from_map``
   over the kept pieces), each partition through ``calculation.trace_lines`` with the context
   (with its market-based factors), written as ``trace/part-NNNNN.parquet``; the partial sums added up
   on the cluster. (A partition returns issues too, so the partitions are taken with
   ``to_delayed`` rather than ``map_partitions``, which returns frames only.)

Without a scheduler address a ``distributed.LocalCluster`` with worker processes is started (and
closed); with one, the engine connects to it. Workers must be able to import ``disclosure`` and to
read the inventory's files and write the output folder (a shared file system).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..compute import aggregate, calculation, trace
from ..compute.context import Context
from ..core.issues import Issue, Location, has_errors
from ..factors import FactorLibrary
from ..ingest import chunks
from ..ingest.chunks import ActivitySource, Piece
from ..ingest.inventory import ROW, Counts, Inventory, TableData
from ..validate import methods, rules
from . import chunked

ID_BUCKETS = 64


# --- tasks (run on the workers) ------------------------------------------------------------------------

def _piece_ids(p: Piece, column: str | None, buckets: int) -> tuple[pd.DataFrame, ...]:
    """The piece's record ids as (h1, h2, seq) in ``buckets`` frames by hash; ``seq`` orders every
    row of the input (piece, then row) and gives back its row."""
    empty = pd.DataFrame({"h1": np.array([], np.uint64), "h2": np.array([], np.uint64),
                          "seq": np.array([], np.int64)})
    if column is None:
        return (empty,) * buckets
    raw = chunks.read_piece(p, [column])
    from ..ingest import parse

    ids = parse.text(raw.frame[column].reset_index(drop=True))
    valid = ids.notna().to_numpy()
    h1, h2 = chunked.id_hashes(ids[valid])
    seq = (np.int64(p.index) << np.int64(32)) | raw.rows[valid].astype(np.int64)
    frame = pd.DataFrame({"h1": h1, "h2": h2, "seq": seq})
    b = (h1 % np.uint64(buckets)).astype(np.int64)
    return tuple(frame.loc[b == k] for k in range(buckets))


def _bucket_dups(*frames: pd.DataFrame) -> pd.DataFrame:
    """The ids of one bucket used more than once, with the ``seq`` of their first use."""
    f = pd.concat(frames, ignore_index=True)
    if f.empty:
        return f.rename(columns={"seq": "first"})
    order = np.lexsort((f["seq"].to_numpy(), f["h2"].to_numpy(), f["h1"].to_numpy()))
    h1, h2, seq = (f[c].to_numpy()[order] for c in ("h1", "h2", "seq"))
    start = np.ones(len(h1), dtype=bool)
    start[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    group = np.cumsum(start) - 1
    sizes = np.bincount(group)
    keep = start & (sizes[group] > 1)
    return pd.DataFrame({"h1": h1[keep], "h2": h2[keep], "first": seq[keep]})


def _piece_duplicates(td: TableData, p: Piece, dups: pd.DataFrame) -> list[Issue]:
    if dups.empty:
        return []
    ids = td.frame["record_id"]
    valid = ids.notna().to_numpy()
    if not valid.any():
        return []
    h1, h2 = chunked.id_hashes(ids[valid])
    rows = td.frame[ROW].to_numpy()
    seq = (np.int64(p.index) << np.int64(32)) | rows[valid].astype(np.int64)
    m = pd.DataFrame({"h1": h1, "h2": h2, "seq": seq}).merge(dups, on=["h1", "h2"], how="left")
    first = m["first"].to_numpy(dtype="float64")
    is_dup = ~np.isnan(first) & (first != m["seq"].to_numpy())
    dup = np.zeros(len(ids), dtype=bool)
    dup[np.flatnonzero(valid)[is_dup]] = True
    first_rows = np.zeros(len(ids), dtype=np.int64)
    first_rows[np.flatnonzero(valid)[is_dup]] = first[is_dup].astype(np.int64) & 0xFFFFFFFF
    return rules.duplicate_ids(td, "record_id", dup, first_rows)


def _piece_path(work: Path, p: Piece) -> Path:
    """Where a checked piece is kept, typed, for the calculation."""
    return work / f"piece-{p.index:05d}.parquet"


def _check_piece(p: Piece, header: list[Issue], small: Inventory, dups: pd.DataFrame, work: str) -> dict[str, Any]:
    """Type and check a piece; keep it, typed, with its rejected rows flagged, for the calculation."""
    raw = chunks.read_piece(p)
    td, cells = chunked.typed(raw)
    td, found = chunked.check(td, cells, header, small, _piece_duplicates(td, p, dups))
    chunked.spill(td, _piece_path(Path(work), p))
    return {"issues": found, "read": len(td.frame), "n_rejected": int(td.rejected.sum()),
            "mwh": calculation.electricity_mwh(td.accepted), "weights": methods.weight_sums(td.frame)}


def _spilled(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def _trace_piece(frame: pd.DataFrame, p: Piece, ctx: Context, folder: str) -> dict[str, Any]:
    """The same calculation as in-process on one partition; its trace written as one file."""
    td = chunked.unspill(frame, p.file.display, p.file.sheet)
    lines, found, grid = calculation.trace_lines(td, ctx)
    trace.write_part(lines, trace.part_path(Path(folder), p.index))
    return {"partials": aggregate.partials(lines), "issues": found, "grid": grid, "lines": len(lines)}


def _add(*series: pd.Series) -> pd.Series:
    out = pd.Series(dtype="float64")
    for s in series:
        if len(s):
            out = out.add(s, fill_value=0.0)
    return out


def _combine(*parts: pd.DataFrame) -> pd.DataFrame:
    return aggregate.combine(list(parts))


def _get(d: dict[str, Any], key: str) -> Any:
    return d[key]


def _pick(d: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(d[k] for k in keys)


# --- the driver (on the client) ----------------------------------------------------------------------------

def _tree(client: Any, futures: Sequence[Any], fn: Callable[..., Any], fan: int = 8) -> Any:
    """Reduce futures on the cluster, ``fan`` at a time, to one future."""
    level = list(futures)
    if not level:
        return client.submit(fn, pure=False)
    while len(level) > 1:
        level = [client.submit(fn, *level[i:i + fan], pure=False) for i in range(0, len(level), fan)]
    return level[0]


def compute_dask(path: str | Path, out: Path, *, scheduler: str | None = None, client: Any = None,
                 workers: int | None = None, chunk_rows: int = chunked.DEFAULT_CHUNK_ROWS, force: bool = False,
                 library: FactorLibrary | None = None, progress: bool | None = None,
                 stream_: IO[str] | None = None, loaded: tuple[Inventory, list[Issue]] | None = None
                 ) -> chunked.Run:
    """As ``chunked.compute_chunked``, on a Dask cluster: ``client`` (a ``distributed.Client``), or
    the scheduler at ``scheduler``, or a local cluster of ``workers`` processes started for the
    run (and closed after it). Writes ``results.json``, ``instruments.csv`` and the trace as
    ``trace/part-NNNNN.parquet`` (in the activities' order). ``loaded``: as for
    ``compute_chunked``."""
    cluster = None
    if client is None:
        from distributed import Client, LocalCluster

        if scheduler:
            client = Client(scheduler)
        else:
            n = workers or max(1, min(os.cpu_count() or 1, 4))
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        owned = True
    else:
        owned = False
    try:
        return _run(client, Path(path), Path(out), chunk_rows, force, library, progress, stream_, loaded)
    finally:
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()


def _run(client: Any, root: Path, out: Path, chunk_rows: int, force: bool, library: FactorLibrary | None,
         progress: bool | None, out_stream: IO[str] | None, loaded: tuple[Inventory, list[Issue]] | None
         ) -> chunked.Run:
    t0 = time.perf_counter()
    small, found = loaded if loaded is not None else chunked.load_small(root)
    found = list(found)
    source: ActivitySource | None = None
    if root.exists() and (root.is_dir() or root.suffix.lower() in (".xlsx", ".xlsm")):
        source, more = chunks.locate(root)
        found += more
    files = list(source.files) if source else []
    small_f = client.scatter(small, broadcast=True)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".work-", dir=out))  # in the output folder: workers share it
    try:
        return _passes(client, root, out, work, small, small_f, source, files, found, t0, chunk_rows, force,
                       library, progress, out_stream)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _passes(client: Any, root: Path, out: Path, work: Path, small: Inventory, small_f: Any,
            source: ActivitySource | None, files: list[chunks.ActivityFile], found: list[Issue], t0: float,
            chunk_rows: int, force: bool, library: FactorLibrary | None, progress: bool | None,
            out_stream: IO[str] | None) -> chunked.Run:
    dropped: list[Issue] = []
    while True:  # from the top again when a file is not in its detected encoding, or unreadable
        try:
            pieces, headers = _plan(files, chunk_rows)
            t_plan = time.perf_counter()
            dups = _duplicates(client, pieces, headers)
            t_ids = time.perf_counter()
            bar = chunked.Progress("check", out_stream, progress)
            checked = _check(client, pieces, headers, small_f, client.scatter(dups, broadcast=True), bar, work)
            bar.close()
            break
        except (chunks.Unreadable, chunks.Undecodable) as e:
            chunked.retry(files, dropped, e)
    found += dropped
    for f in files:
        found += headers[f.display][1]
    reads, n_rejected, mwh_f, more = checked
    found += more
    read, rejected_n = sum(reads), sum(n_rejected)
    if files and source is not None:
        found += rules.empty_table("activities", read, Location(source.display, source.sheet))
    counts = Counts(read, read - rejected_n, rejected_n)
    t_check = time.perf_counter()
    found += chunked.blockers(small, counts, source, found, force)
    # past what --force cannot pass, nothing is calculated (see chunked.compute_chunked)
    if any(i.code == "force-blocked" for i in found):
        return chunked.Run(None, None, found, counts=counts, stats={"check_s": t_check - t0},
                          language=small.settings.language)

    # the calculation's issues (counted in results.json, as the in-process engine counts them)
    ctx, library, calc = calculation.context_of(small, library)
    ctx, instruments, more = calculation.allocate(small, ctx, mwh_f.result())
    calc += more
    folder = out / trace.PARTS
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    bar = chunked.Progress("calculate", out_stream, progress)
    done = _calculate(client, pieces, work, ctx, folder, bar, read)
    t_calc = time.perf_counter()
    bar.close()
    parts_f = _tree(client, [client.submit(_get, f, "partials", pure=False) for f in done], _combine)
    small_results = client.gather([client.submit(_pick, f, "issues", "grid", "lines", pure=False) for f in done])
    grid: dict[str, calculation.GridUse] = {}
    n_lines = 0
    for piece_issues, uses, n in small_results:
        calc += piece_issues
        for fid, use in uses.items():
            grid.setdefault(fid, use)
        n_lines += n
    act = None
    if files and source is not None:
        act = {"file": source.display, "sheet": source.sheet, "read": counts.read, "accepted": counts.accepted,
               "rejected": counts.rejected}
    res = calculation.assemble(small, ctx, library, parts_f.result(), instruments, chunked.inputs(small, act), calc,
                               grid)
    found += calc
    if has_errors(found) and not force:   # the calculation ran (its issues are the check's); nothing is kept
        chunked.discard([folder])
        return chunked.Run(None, None, found, counts=counts, stats={"check_s": t_check - t0},
                           language=small.settings.language, rows=res["rows"])
    written = chunked.write_results(res, instruments, out)
    t_end = time.perf_counter()
    return chunked.Run(res, instruments, found, [written[0], folder, written[1]], counts,
                      {"check_s": t_check - t0, "calculate_s": t_end - t_check, "lines": n_lines,
                       "plan_s": t_plan - t0, "ids_s": t_ids - t_plan, "lines_s": t_calc - t_check,
                       "pieces": len(pieces), "workers": len(client.scheduler_info().get("workers", {}))},
                      small.settings.language, res["rows"])


Headers = dict[str, tuple[chunks.Header, list[Issue]]]


def _plan(files: list[chunks.ActivityFile], rows: int) -> tuple[list[Piece], Headers]:
    """Pieces of every file, numbered in input order; each file's header and its issues (found once)."""
    pieces: list[Piece] = []
    headers: Headers = {}
    for f in files:
        h = chunks.header_of(f)
        headers[f.display] = (h, chunked.header_issues(chunks.empty_raw(f, h)))
        pieces += chunks.pieces(ActivitySource((f,), f.display), rows)
    return [dataclasses.replace(p, index=i) for i, p in enumerate(pieces)], headers


def _duplicates(client: Any, pieces: list[Piece], headers: Headers) -> pd.DataFrame:
    """Every record id used more than once in the input, with its first use (a shuffle by hash)."""
    from dask import delayed

    if not pieces:
        return _bucket_dups(pd.DataFrame({"h1": np.array([], np.uint64), "h2": np.array([], np.uint64),
                                          "seq": np.array([], np.int64)}))
    k = min(ID_BUCKETS, len(pieces))
    ids = [delayed(_piece_ids, nout=k, pure=True)(p, chunks.column_of(headers[p.file.display][0], "record_id"), k)
           for p in pieces]
    buckets = [delayed(_bucket_dups, pure=True)(*[ids[i][b] for i in range(len(pieces))]) for b in range(k)]
    return pd.concat(client.compute(buckets, sync=True), ignore_index=True)


def _check(client: Any, pieces: list[Piece], headers: Headers, small_f: Any, dups_f: Any, bar: chunked.Progress,
           work: Path) -> tuple[list[int], list[int], Any, list[Issue]]:
    """Check every piece on the cluster, each kept typed in ``work`` for the calculation."""
    from distributed import as_completed

    futs = [client.submit(_check_piece, p, headers[p.file.display][1], small_f, dups_f, str(work), pure=False)
            for p in pieces]
    rows = {f.key: p.rows for f, p in zip(futs, pieces, strict=True)}
    for f in as_completed(futs):
        bar.update(rows[f.key])
    small = client.gather([client.submit(_pick, f, "issues", "read", "n_rejected", pure=False) for f in futs])
    mwh = _tree(client, [client.submit(_get, f, "mwh", pure=False) for f in futs], _add)
    found = [i for s in small for i in s[0]]
    n_rejected = [s[2] for s in small]
    # a scenario group's weights summed over every piece; the rows of a group that is off are
    # flagged and rejected in the kept pieces (chunked.reweigh)
    off = methods.weights_off(_tree(client, [client.submit(_get, f, "weights", pure=False) for f in futs],
                                    _add).result())
    if len(off):
        again = client.gather([client.submit(chunked.reweigh, _piece_path(work, p), p.file.display,
                                             p.file.sheet, off, pure=False) for p in pieces])
        for k, (more, newly) in enumerate(again):
            found += more
            n_rejected[k] += newly
    return [s[1] for s in small], n_rejected, mwh, found


def _calculate(client: Any, pieces: list[Piece], work: Path, ctx: Context, folder: Path, bar: chunked.Progress,
               total: int) -> list[Any]:
    """The checked activities as a Dask DataFrame, each partition through ``calculation.trace_lines``."""
    import dask.dataframe as dd
    from dask import delayed
    from distributed import as_completed

    if not pieces:
        return []
    paths = [str(_piece_path(work, p)) for p in pieces]
    acts = dd.from_map(_spilled, paths, meta=_spilled(paths[0]).iloc[:0], enforce_metadata=False)
    ctx_f = client.scatter(ctx, broadcast=True)
    tasks = [delayed(_trace_piece, pure=False)(part, p, ctx_f, str(folder))
             for part, p in zip(acts.to_delayed(), pieces, strict=True)]
    futs = client.compute(tasks)
    rows = {f.key: p.rows for f, p in zip(futs, pieces, strict=True)}
    for f in as_completed(futs):
        bar.update(rows[f.key], total)
    return futs
