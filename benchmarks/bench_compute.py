"""How much does ``disclosure compute`` cost over the same job written by hand?

Data: the demo inventory repeated to N activity rows (``--dataset demo``, the default: every source
and Scope 3 category; ``baselines.demo_repeated``), or a synthetic inventory (``--dataset synthetic``:
~500 facilities, ~50 entities, the activity generator of ``bench_check.generate`` plus what a
calculation needs on top: facilities with an accounting basis, energy attribute instruments, the
user's own factors and a report.yaml; ``benchmarks/data/compute_rows_<N>/``). Each measurement runs
in a fresh process, once a round over several rounds (``_harness.rounds``), with its median, wall
time and peak memory:

  bare     the hand-written pandas job: read the activities as text, merge one factor per activity,
           to_numeric, multiply, group-by sum (``baselines.pandas_job``);
  duckdb   the same job in one DuckDB SQL statement (``baselines.duckdb_job``; optional dependency);
  polars   the same job in lazy polars (``baselines.polars_job``; optional dependency);
  compute  ``load_inventory`` + ``compute`` + ``write_outputs`` in process, stage by stage;
  cli      ``disclosure compute DIR --out OUT``, the whole command as a user runs it.

The ratios of ``cli`` over ``bare`` and ``duckdb`` (whole processes) are issue 18's targets:
at most 2x the pandas job, at most 6x the DuckDB job, peak memory under 1.5 GB. Each ratio is taken
round by round (the two runs of one round, minutes apart at most) and called met only when every
round meets it; its median and range are printed. The hand-written job
does far less (no units, gases, GWP, boundary, Scope 2 methods, trace), hence ratios, not parity.

    python benchmarks/bench_compute.py                          # the demo repeated to 1,000,000 rows
    python benchmarks/bench_compute.py --rows 50000 --runs 1    # a quick run
    python benchmarks/bench_compute.py --what bare,cli          # some of the measurements
    python benchmarks/bench_compute.py --profile                # also cProfile one load + compute + write
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _harness  # noqa: E402
import baselines  # noqa: E402
import bench_check  # noqa: E402  (the activity generator is shared)

GENERATOR_VERSION = 2
TARGET_RATIO = 2.0          # disclosure compute / the pandas job, whole processes
TARGET_DUCKDB_RATIO = 6.0   # disclosure compute / the DuckDB job
TARGET_MEMORY_MB = 1536
KINDS = {"bare": "pandas job (read, merge, multiply, sum)", "duckdb": "the same job in DuckDB SQL",
         "polars": "the same job in polars (lazy)", "compute": "load + compute + write (in process)",
         "cli": "disclosure compute (whole command)"}

# The user's own factors for what no shipped dataset covers (illustrative values, not for real use):
# Scope 3 purchases, freight and travel; liquid fuels given in litres; district cooling (one factor
# per activity and gas: kWh rows of cooling take the GJ factor by unit conversion; two factors in
# convertible units would both apply, see tests/test_compute.py::test_one_factor_per_gas).
FACTORS = [
    ("U-PURCHASE", "采购商品", "万元", "CO2e", 0.85, "tCO2e/万元", 2023),
    ("U-ROAD", "公路运输", "tkm", "CO2e", 0.078, "kgCO2e/tkm", 2023),
    ("U-TRAVEL-PKM", "商务差旅", "pkm", "CO2e", 0.12, "kgCO2e/pkm", 2023),
    ("U-TRAVEL-KM", "商务差旅", "km", "CO2e", 0.21, "kgCO2e/km", 2023),
    ("U-DIESEL-L", "柴油", "L", "CO2", 2.63, "kgCO2/L", 2023),
    ("U-GASOLINE-L", "汽油", "L", "CO2", 2.26, "kgCO2/L", 2023),
    ("U-COOLING-GJ", "冷量", "GJ", "CO2", 0.06, "tCO2/GJ", 2023),
]
REPORT_YAML = """\
entity:
  name_zh: 示例集团
  name_en: Example Group
  identifier: 91350100M000100Y43
period:
  start: 2025-01-01
  end: 2025-12-31
consolidation: operational_control
gwp: AR6
grid_factor_level: province
options:
  default_fuel_basis: cn-fuel-mee-guidelines
  category15_investees: true
  price_index: {2023: 100, 2025: 104}
"""


# --- data --------------------------------------------------------------------------------------------

def generate(folder: Path, rows: int, seed: int = 20250101) -> None:
    import numpy as np
    import pandas as pd

    bench_check.generate(folder, rows, seed)
    rng = np.random.default_rng(seed + 1)

    fac = pd.read_csv(folder / "facilities.csv", dtype=str, keep_default_na=False)
    fac["basis"] = rng.choice(["", "cn-fuel-gbt32150", "cn-fuel-mee-guidelines"], len(fac), p=[0.4, 0.3, 0.3])
    fac.to_csv(folder / "facilities.csv", index=False)

    n = 300
    kind = rng.choice(["gec", "green_power", "supplier_specific"], n, p=[0.5, 0.3, 0.2])
    qty = np.where(kind == "gec", rng.integers(100, 5000, n), rng.integers(1000, 50000, n))
    ids = [f"INS-{i:05d}" for i in range(n)]
    ids[-1] = ids[0]  # one serial claimed twice: rejected at ingest
    pd.DataFrame({
        "instrument_id": ids,
        "type": kind,
        "facility_id": rng.choice(fac["facility_id"].to_numpy(), n),
        "quantity": qty,
        "unit": np.where(kind == "gec", "张", "MWh"),
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "emission_factor": np.where(kind == "supplier_specific", "0.42", np.where(kind == "green_power", "0", "")),
        "retired": rng.choice(["是", "否"], n, p=[0.95, 0.05]),
    }).to_csv(folder / "instruments.csv", index=False)

    pd.DataFrame(FACTORS, columns=["factor_id", "activity", "unit", "gas", "value", "value_unit", "year"]
                 ).assign(source="illustrative, benchmark only").to_csv(folder / "factors.csv", index=False)
    (folder / "report.yaml").write_text(REPORT_YAML, encoding="utf-8")
    _harness.write_meta(folder, {"rows": rows, "version": GENERATOR_VERSION,
                                 "check_version": bench_check.GENERATOR_VERSION, "seed": seed})


def ensure_data(folder: Path, rows: int) -> Path:
    expected = {"rows": rows, "version": GENERATOR_VERSION, "check_version": bench_check.GENERATOR_VERSION}
    return _harness.ensure_data(__file__, folder / f"compute_rows_{rows}", rows, expected)


# --- measuring ---------------------------------------------------------------------------------------

def child(kind: str, folder: Path) -> None:
    """One measurement in this (fresh) process, printed as JSON."""
    if kind == "cli":
        child_cli(folder)
        return
    import pandas as pd  # noqa: F401  (imported before the clock starts in every kind)

    if kind == "compute":
        from disclosure.engines.inprocess import compute, write_outputs
        from disclosure.loader import load_inventory
    with _harness.time_and_peak() as figures:
        if kind in ("bare", "duckdb", "polars"):
            job = {"bare": baselines.pandas_job, "duckdb": baselines.duckdb_job, "polars": baselines.polars_job}
            figures["groups"] = job[kind](folder)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-compute-") as out:
                t_load = time.perf_counter()
                inv, found = load_inventory(folder)
                t_comp = time.perf_counter()
                comp = compute(inv)
                t_write = time.perf_counter()
                write_outputs(comp, Path(out))
                t_end = time.perf_counter()
                figures.update({"load_s": t_comp - t_load, "compute_s": t_write - t_comp,
                                "write_s": t_end - t_write, "lines": len(comp.trace),
                                "issues": len(found) + len(comp.issues),
                                "by_status": comp.results["lines"]["by_status"],
                                "scope1": comp.results["totals"]["scope1"],
                                "out_bytes": sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())})
    print(json.dumps(figures))


def child_cli(folder: Path) -> None:
    """``disclosure compute folder --out OUT`` in this process, as the console script runs it."""
    with tempfile.TemporaryDirectory(prefix="bench-compute-") as tmp:
        out = Path(tmp) / "out"
        figures = _harness.run_cli(["compute", str(folder), "--out", str(out)])
        figures["out_bytes"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    sys.stderr.write("\n" + json.dumps(figures) + "\n")


def measure(kind: str, folder: Path) -> dict:
    """One run of one measurement in a fresh process (``cli``: its output to a file)."""
    cmd = _harness.child_command(__file__, kind, folder)
    if kind == "cli":
        r, stderr = _harness.run_child(cmd, kind, stdout=folder / "compute.cli.out")
        if r["exit"] not in (0, 1):
            sys.exit(f"cli run failed (exit {r['exit']}):\n{stderr}")
        return r
    return _harness.run_child(cmd, kind)[0]


def profile(folder: Path, top: int = 35) -> None:
    from disclosure.engines.inprocess import compute, write_outputs
    from disclosure.loader import load_inventory

    with tempfile.TemporaryDirectory(prefix="bench-compute-") as out:
        def run() -> tuple:
            inv, _ = load_inventory(folder)
            comp = compute(inv)
            write_outputs(comp, Path(out))
            return inv, comp  # freed after the profiler stops

        _harness.profile(run, top)


def main() -> None:
    ap = _harness.parser(__doc__)
    _harness.add_size_options(ap, rows=1_000_000, runs=3)
    ap.add_argument("--dataset", default="demo", choices=["demo", "synthetic"],
                    help="demo: the demo inventory repeated to --rows rows; synthetic: the generator")
    ap.add_argument("--what", default="bare,duckdb,polars,compute,cli",
                    help="comma-separated measurements: bare, duckdb, polars, compute, cli (default: all)")
    ap.add_argument("--profile", action="store_true", help="also cProfile one load + compute + write")
    _harness.add_internal_options(ap, list(KINDS))
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    if args.generate:
        generate(args.data, args.rows)
        return

    what = [k.strip() for k in args.what.split(",") if k.strip()]
    unknown = set(what) - set(KINDS)
    if unknown:
        ap.error(f"--what: unknown {', '.join(sorted(unknown))}")
    for k in ("duckdb", "polars"):
        if k in what and not baselines.available(k):
            print(f"{k} is not installed: its comparison is skipped (pip install {k})", file=sys.stderr)
            what.remove(k)
    folder = (baselines.ensure_demo(args.data, args.rows) if args.dataset == "demo"
              else ensure_data(args.data, args.rows))
    size = (folder / "activities.csv").stat().st_size
    results = _harness.rounds(what, args.runs, lambda k: measure(k, folder))

    def med(k: str, field: str) -> float:
        return _harness.median(results[k], field)

    print(f"\nactivities ({args.dataset}): {args.rows:,} rows, {size / 1e6:.0f} MB CSV; medians of {args.runs} "
          f"rounds, each running every measurement once in a fresh process (the order turned each round); python {_harness.python_version()}; "
          f"load average {_harness.load_average()} on {os.cpu_count()} CPUs")
    _harness.print_table(
        [("", "42", ""), ("median s", ">10", ".2f"), ("runs s", f">{max(20, 6 * args.runs + 2)}", ""), ("process s", ">11", ".2f"),
         ("peak RSS MB", ">13", ".0f")],
        [[label, med(k, "seconds"), " ".join(f"{r['seconds']:.2f}" for r in results[k]),
          med(k, "process_seconds"), med(k, "maxrss_kb") / 1024]
         for k, label in KINDS.items() if k in results])
    if "compute" in results:
        first = results["compute"][0]
        print(f"  in process: load {med('compute', 'load_s'):.2f} s, compute {med('compute', 'compute_s'):.2f} s, "
              f"write {med('compute', 'write_s'):.2f} s; trace lines {first['lines']:,} {first['by_status']}; "
              f"issues {first['issues']:,}")
    if "cli" in results:
        mem = med("cli", "maxrss_kb") / 1024
        out_mb = results["cli"][0]["out_bytes"] / 1e6
        print("\ndisclosure compute, whole process, over (each round's runs paired):")
        for base, target in (("bare", TARGET_RATIO), ("duckdb", TARGET_DUCKDB_RATIO), ("polars", None)):
            if base in results:
                print(_harness.ratio_line(KINDS[base], 42, _harness.paired_ratios(results["cli"], results[base]),
                                          target))
        print(f"  peak {mem:.0f} MB (target < {TARGET_MEMORY_MB} MB: {'ok' if mem < TARGET_MEMORY_MB else 'MISSED'})")
        print(f"  output folder {out_mb:.0f} MB, {out_mb * 1e6 / size:.2f}x the activities CSV")
    if args.profile:
        profile(folder)


if __name__ == "__main__":
    main()
