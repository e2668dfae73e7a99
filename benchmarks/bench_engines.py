"""The three engines at scale: 10,000,000 activity rows (Parquet) through the chunked engine and the
Dask engine (a local cluster of two worker processes), next to the in-process engine on 1,000,000
rows of the same data, in one run.

The inventory is ``bench_compute``'s (about 500 facilities, 50 entities, instruments, the user's
factors, every source), its activities written as Parquet with typed columns (numbers as doubles,
dates as timestamps, flags as booleans, text as strings), as an ERP export to a data lake would
be, in row groups of 100,000 rows, generated a block at a time into ``benchmarks/data/engines_rows_<N>/``
(reused when already there). Each engine runs in a fresh process, which writes everything
``disclosure compute`` writes; its wall time is measured from the process's start (imports and the
cluster's start included) and its peak memory is the peak of the sum of the resident memory of
the process and all its children (the Dask scheduler, nannies and workers), sampled every 0.1 s.

    python benchmarks/bench_engines.py                        # 10,000,000 rows; in-process on 1,000,000
    python benchmarks/bench_engines.py --rows 2000000 --inprocess-rows 200000   # a quicker run
    python benchmarks/bench_engines.py --engines dask         # one engine only

Targets: 10 M rows end to end in under 2 minutes on a 2-core machine; peak memory under 3 GB for the
chunked engine (issue 18), under 4 GB for the Dask engine, its cluster included (issue 7).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _harness  # noqa: E402
import bench_check  # noqa: E402  (the activity kinds are shared)
import bench_compute  # noqa: E402  (the small tables, factors and report.yaml are shared)

GENERATOR_VERSION = 1
BLOCK = 1_000_000
ROW_GROUP = 100_000
TARGET_SECONDS = 120
TARGET_MEMORY_MB = {"chunked": 3072, "dask": 4096}   # issue 18 (chunked), issue 7 (Dask and its cluster)


# --- data --------------------------------------------------------------------------------------------

def _block(rng, start: int, n: int, facilities):
    """``n`` activity rows from ``start``, typed as a Parquet export would type them."""
    import numpy as np
    import pandas as pd

    src, act, unit, qty = _harness.draw_sources(rng, n, bench_check.SOURCES)
    month = rng.integers(1, 13, n)
    start_d = pd.to_datetime({"year": np.full(n, 2025), "month": month, "day": np.ones(n, dtype=int)})
    end_d = start_d + pd.offsets.MonthEnd(0)
    measured = _harness.measured_coal(rng, act, unit)
    own = src == "process"
    leak = src == "fugitive"
    s3 = src == "scope3"
    nan = np.full(n, np.nan)
    none = np.full(n, None, dtype=object)
    return pd.DataFrame({
        "record_id": [f"R{i:09d}" for i in range(start, start + n)],
        "facility_id": rng.choice(facilities, n),
        "period_start": start_d,
        "period_end": end_d,
        "source": src,
        "scope3_category": pd.Series(pd.array([bench_check.SCOPE3_CATEGORY.get(a) for a in act],
                                              dtype="Int64")),
        "activity": act,
        "quantity": qty,
        "unit": unit,
        "ncv": np.where(measured, np.round(rng.normal(20.9, 1.0, n), 3), nan),
        "ncv_unit": np.where(measured, "GJ/t", none),
        "carbon_content": np.where(measured, 0.02618, nan),
        "oxidation_rate": np.where(measured, 0.98, nan),
        "gas": np.where(own, "CO2", np.where(leak, act, none)),
        "ef_value": np.where(own, 0.44, nan),
        "ef_unit": np.where(own, "tCO2/t", none),
        "ef_source": np.where(own, "GB/T 32151.8-2015", none),
        "method": _harness.scope3_method(s3, unit, none),
        "data_quality": _harness.data_quality(rng, n),
        "verified": rng.random(n) < 0.5,
        "evidence": _harness.evidence(rng, n),
    })


def generate(folder: Path, rows: int, seed: int = 20250101) -> None:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    bench_compute.generate(folder, 1000, seed)         # the small tables, factors, report.yaml
    (folder / "activities.csv").unlink()
    facilities = pd.read_csv(folder / "facilities.csv", dtype=str)["facility_id"].to_numpy()
    writer = None
    for b, start in enumerate(range(0, rows, BLOCK)):
        block = _block(np.random.default_rng(seed + 100 + b), start, min(BLOCK, rows - start), facilities)
        table = pa.Table.from_pandas(block, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(folder / "activities.parquet", table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
    writer.close()
    _harness.write_meta(folder, {"rows": rows, "version": GENERATOR_VERSION,
                                 "compute_version": bench_compute.GENERATOR_VERSION, "seed": seed})


def ensure_data(folder: Path, rows: int) -> Path:
    expected = {"rows": rows, "version": GENERATOR_VERSION, "compute_version": bench_compute.GENERATOR_VERSION}
    return _harness.ensure_data(__file__, folder / f"engines_rows_{rows}", rows, expected, clear=True)


# --- measuring ---------------------------------------------------------------------------------------

def child(engine: str, folder: Path, out: Path, chunk_rows: int, workers: int) -> None:
    """One engine, end to end, in this fresh process; prints its figures as JSON."""
    t0 = time.perf_counter()
    if engine == "inprocess":
        from disclosure.engines.inprocess import compute, write_outputs
        from disclosure.loader import load_inventory

        inv, _ = load_inventory(folder)
        comp = compute(inv)
        write_outputs(comp, out)
        results, lines = comp.results, len(comp.trace)
    elif engine == "chunked":
        from disclosure.engines.chunked import compute_chunked

        run = compute_chunked(folder, out, chunk_rows=chunk_rows, force=True, progress=False)
        results, lines = run.results, run.stats["lines"]
    else:
        from disclosure.engines.dask import compute_dask

        run = compute_dask(folder, out, workers=workers, chunk_rows=chunk_rows, force=True, progress=False)
        results, lines = run.results, run.stats["lines"]
    print(json.dumps({"seconds_in_process": time.perf_counter() - t0, "lines": lines,
                      "read": results["inputs"]["activities"]["read"],
                      "scope1": results["totals"]["scope1"], "scope3": results["totals"]["scope3"],
                      "by_status": results["lines"]["by_status"]}))


def measure(engine: str, folder: Path, chunk_rows: int, workers: int) -> dict:
    """Run one engine in a fresh process; wall time and the peak of the process tree's memory."""
    import psutil

    _harness.compile_package()
    with tempfile.TemporaryDirectory(prefix=f"bench-{engine}-") as out:
        t = time.perf_counter()
        p = subprocess.Popen(_harness.child_command(__file__, engine, folder, "--out", out, "--chunk-rows",
                                                    str(chunk_rows), "--workers", str(workers)),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            try:
                proc = psutil.Process(p.pid)
            except psutil.Error:
                return
            while not done.is_set():
                total = 0
                try:
                    for q in [proc, *proc.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):  # a process that just ended
                            total += q.memory_info().rss
                except psutil.Error:
                    break
                peak = max(peak, total)
                done.wait(0.1)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        stdout, stderr = p.communicate()
        seconds = time.perf_counter() - t
        done.set()
        th.join()
        if p.returncode != 0:
            sys.exit(f"{engine} run failed:\n{stderr[-4000:]}")
        size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    r = json.loads(stdout.strip().splitlines()[-1])
    r.update(seconds=seconds, peak_mb=peak / 2**20, output_mb=size / 1e6)
    return r


def main() -> None:
    import os

    ap = _harness.parser(__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows for the chunked and Dask engines")
    ap.add_argument("--inprocess-rows", type=int, default=1_000_000)
    ap.add_argument("--engines", default="inprocess,chunked,dask")
    ap.add_argument("--chunk-rows", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    _harness.add_data_option(ap)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    _harness.add_internal_options(ap, ["inprocess", "chunked", "dask"])
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data, args.out, args.chunk_rows, args.workers)
        return
    if args.generate:
        generate(args.data, args.rows)
        return

    engines = args.engines.split(",")
    big = ensure_data(args.data, args.rows) if {"chunked", "dask"} & set(engines) else None
    small = ensure_data(args.data, args.inprocess_rows) if "inprocess" in engines else None
    load = _harness.load_average()
    results = {}
    for e in engines:
        folder = small if e == "inprocess" else big
        results[e] = measure(e, folder, args.chunk_rows, args.workers)
        print(f"{e}: {json.dumps(results[e])}", file=sys.stderr)

    print(f"\npython {_harness.python_version()}, {os.cpu_count()} cores; load average before the runs "
          f"{load}; chunk/partition {args.chunk_rows:,} rows; "
          f"Dask: LocalCluster of {args.workers} worker processes, 1 thread each")
    _harness.print_table(
        [("engine", "12", ""), ("rows", ">13", ","), ("seconds", ">10", ".1f"), ("rows/s", ">11", ",.0f"),
         ("peak MB", ">10", ",.0f"), ("lines", ">13", ","), ("output MB", ">11", ",.0f")],
        [[e, r["read"], r["seconds"], r["read"] / r["seconds"], r["peak_mb"], r["lines"], r["output_mb"]]
         for e, r in results.items()])
    for e in ("chunked", "dask"):
        if e in results:
            r = results[e]
            ok_t = r["seconds"] < TARGET_SECONDS
            ok_m = r["peak_mb"] < TARGET_MEMORY_MB[e]
            print(f"{e}: {r['read']:,} rows in {r['seconds']:.0f} s (target < {TARGET_SECONDS} s: "
                  f"{'ok' if ok_t else 'MISSED'}), peak {r['peak_mb']:,.0f} MB (target < {TARGET_MEMORY_MB[e]} MB: "
                  f"{'ok' if ok_m else 'MISSED'})")
    if {"chunked", "dask"} <= set(results):
        a, b = results["chunked"], results["dask"]
        same = all(abs(a[k] - b[k]) <= 1e-9 * max(abs(a[k]), 1) for k in ("scope1", "scope3"))
        print(f"chunked and Dask totals agree: {same} (scope1 {a['scope1']:,.3f} / {b['scope1']:,.3f})")


if __name__ == "__main__":
    main()
