"""How much does ``disclosure compute`` cost over a bare pandas calculation of the same rows?

Generates a synthetic inventory (default 1,000,000 activity rows covering every source, ~500
facilities, ~50 entities; the activity generator is ``bench_check.generate``) and adds what a
calculation needs on top: facilities with an accounting basis, energy attribute instruments, the
user's own factors and a report.yaml with settings. The data goes to
``benchmarks/data/compute_rows_<N>/`` (reused when already generated). Then it measures, each in a
fresh subprocess and as the median of several runs, wall time and peak memory of:

  (a) a bare pandas baseline: read the activities CSV, merge one factor table on the activity,
      multiply, group-by sum;
  (b) ``load_inventory`` + ``compute`` + ``write_outputs`` (results.json, trace.parquet,
      trace.csv, instruments.csv), which is what ``disclosure compute`` does;

and prints both and the ratio. Targets: (b) within 3x of (a), peak memory under 2 GB.

    python benchmarks/bench_compute.py               # 1,000,000 rows
    python benchmarks/bench_compute.py --rows 50000  # a quick run
    python benchmarks/bench_compute.py --profile     # also cProfile one load + compute + write
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _harness  # noqa: E402
import bench_check  # noqa: E402  (the activity generator is shared)

GENERATOR_VERSION = 2
TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 2048

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

def baseline(folder: Path) -> int:
    """Read, merge one factor table on the activity, multiply, group-by sum."""
    import pandas as pd

    acts = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    qty = pd.to_numeric(acts["quantity"].str.replace(",", "", regex=False))
    names = sorted(acts["activity"].unique())
    factors = pd.DataFrame({"activity": names, "ef": [0.5 + i / 10 for i in range(len(names))]})
    j = acts[["facility_id", "source", "activity"]].assign(quantity=qty).merge(factors, on="activity", how="left")
    j["co2e"] = j["quantity"] * j["ef"]
    totals = j.groupby(["facility_id", "source"])["co2e"].sum()
    return len(totals)


def child(kind: str, folder: Path) -> None:
    """One measurement in this (fresh) process, printed as JSON."""
    import pandas as pd  # noqa: F401  (imported before the clock starts in both kinds)

    if kind == "compute":
        from disclosure.engines.inprocess import compute, write_outputs
        from disclosure.loader import load_inventory
    with _harness.time_and_peak() as figures:
        if kind == "bare":
            figures["groups"] = baseline(folder)
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
                                "scope1": comp.results["totals"]["scope1"]})
    print(json.dumps(figures))


def measure(kind: str, folder: Path, runs: int) -> list[dict]:
    """``runs`` runs of one measurement, each in a fresh process."""
    cmd = _harness.child_command(__file__, kind, folder)
    return [_harness.run_child(cmd, kind)[0] for _ in range(runs)]


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
    ap.add_argument("--profile", action="store_true", help="also cProfile one load + compute + write")
    _harness.add_internal_options(ap, ["bare", "compute"])
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    if args.generate:
        generate(args.data, args.rows)
        return

    folder = ensure_data(args.data, args.rows)
    size = (folder / "activities.csv").stat().st_size
    results = {k: measure(k, folder, args.runs) for k in ("bare", "compute")}

    def med(k: str, field: str) -> float:
        return _harness.median(results[k], field)

    print(f"\nactivities: {args.rows:,} rows, {size / 1e6:.0f} MB CSV; medians of {args.runs} runs, "
          f"each in a fresh process; python {_harness.python_version()}")
    labels = {"bare": "pandas read + merge + multiply + sum", "compute": "load_inventory + compute + write"}
    _harness.print_table(
        [("", "40", ""), ("median s", ">10", ".2f"), ("runs s", ">24", ""), ("peak RSS MB", ">13", ".0f")],
        [[label, med(k, "seconds"), " ".join(f"{r['seconds']:.2f}" for r in results[k]),
          med(k, "maxrss_kb") / 1024] for k, label in labels.items()])
    print(f"  of which load {med('compute', 'load_s'):.2f} s, compute {med('compute', 'compute_s'):.2f} s, "
          f"write {med('compute', 'write_s'):.2f} s")
    ratio = med("compute", "seconds") / med("bare", "seconds")
    mem = med("compute", "maxrss_kb") / 1024
    print(f"\nratio compute / bare: {ratio:.2f}x time (target <= {TARGET_RATIO:.0f}x: "
          f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'}); compute peak {mem:.0f} MB "
          f"(target < {TARGET_MEMORY_MB} MB: {'ok' if mem < TARGET_MEMORY_MB else 'MISSED'})")
    first = results["compute"][0]
    print(f"trace lines: {first['lines']:,} {first['by_status']}; issues: {first['issues']:,}")
    if args.profile:
        profile(folder)


if __name__ == "__main__":
    main()
