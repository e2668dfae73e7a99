"""The whole pack at scale: ``disclosure report`` (check, compute, XBRL validated by Arelle, Word,
workpapers, manifest) on the compute benchmark's 1,000,000 activity rows (``--dataset demo``: the
demo inventory repeated to as many rows), stage by stage, with peak memory, in a fresh process per run.

That data set claims one instrument serial twice on purpose (an input error), so the report runs
with ``force`` as ``disclosure report … --force`` would. Validation needs the IFRS taxonomy package
(``../shared/taxonomies/`` or ``--ifrs-package``); without it the XBRL stage writes and does not
validate, and the table says so.

``--demo`` measures the demo group's report instead (``fixtures/demo-group``, as ``disclosure
report fixtures/demo-group --out X`` runs it; issue 18's target: under 6 s), three runs by default,
with the medians. The time targets (the demo under 6 s; the demo repeated to 1,000,000 rows under
40 s) are judged on every run's whole process. Both print, after the stages, the size of the pack over the inventory's (the
first run's, with its largest files) and the XBRL stage's own breakdown: writing the
documents, then the Arelle worker's (its import, per report document the load, validation and
formula run, the rest of its session, reading the facts back, the process beyond that), medians of
the runs.

    .venv/bin/python benchmarks/bench_report.py [--rows 1000000] [--runs 1] [--engine inprocess] [--dataset demo]
    .venv/bin/python benchmarks/bench_report.py --demo [--runs 3]
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _harness
import baselines
import bench_compute

STAGES = ("check", "compute", "xbrl", "word", "workpapers", "manifest")
DEMO = _harness.HERE.parent / "fixtures" / "demo-group"


def child(folder: Path, engine: str, ifrs: str) -> None:
    from disclosure.pipeline import run_report

    out = Path(tempfile.mkdtemp(prefix="bench-report-")) / "pack"
    try:
        t = time.perf_counter()
        run = run_report(folder, out, force=True, ifrs_package=Path(ifrs) if ifrs else None, engine=engine)
        seconds = time.perf_counter() - t
        sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*") if p.is_file()}
        print(json.dumps({"seconds": seconds, "peak_mb": _harness.peak_rss_kb() / 1024,
                          "stages": run.seconds, "xbrl": run.xbrl_seconds, "validated": run.xbrl_validated,
                          "lines": sum(run.results["lines"]["by_status"].values()) if run.results else 0,
                          "pack_bytes": sum(sizes.values()),
                          "inputs_bytes": sum(v for k, v in sizes.items() if k.startswith("inputs/")),
                          "largest": sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:6]}))
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


TARGET_DEMO_SECONDS = 6.0                  # the demo group's report (issue 18)
TARGET_SECONDS = {1_000_000: 40.0}         # the demo repeated to that many rows (issue 18)


def main() -> None:
    ap = _harness.parser(__doc__)
    _harness.add_size_options(ap, rows=1_000_000, runs=1)
    ap.add_argument("--engine", default="inprocess", choices=["inprocess", "chunked", "dask"])
    ap.add_argument("--ifrs-package", default=str(_harness.HERE.parent.parent / "shared" / "taxonomies" /
                                                  "ifrs_sds_2024-04-26.zip"))
    ap.add_argument("--demo", action="store_true", help="the demo group's report (fixtures/demo-group), 3 runs")
    ap.add_argument("--dataset", default="synthetic", choices=["synthetic", "demo"],
                    help="synthetic: the compute benchmark's generator (the default); demo: the demo inventory "
                         "repeated to --rows rows")
    _harness.add_internal_options(ap, ["report"])
    args = ap.parse_args()
    ifrs = args.ifrs_package if Path(args.ifrs_package).is_file() else ""
    if args.child:
        child(Path(args.data), args.engine, ifrs)
        return
    if args.demo:
        folder, what = DEMO, "the demo group (fixtures/demo-group)"
        n = args.runs if "--runs" in sys.argv else 3
    else:
        folder = (baselines.ensure_demo(args.data, args.rows) if args.dataset == "demo"
                  else bench_compute.ensure_data(args.data, args.rows))
        what = f"{args.rows:,} activity rows ({args.dataset})"
        n = args.runs
    load = _harness.load_average()
    runs = []
    for _ in range(n):
        cmd = _harness.child_command(__file__, "report", folder, "--engine", args.engine,
                                     "--ifrs-package", ifrs or "-")
        figures, _ = _harness.run_child(cmd, "report")
        runs.append(figures)
    print(f"\n{what}, engine {args.engine}, {len(runs)} run(s) in fresh processes; "
          f"python {_harness.python_version()}; load average before {load}, after {_harness.load_average()}; XBRL "
          f"{'validated by Arelle' if runs[0]['validated'] else 'NOT validated (no IFRS package)'}")
    cols = [("run", "<7", ""), ("process s", ">10", ".2f"), ("report s", ">9", ".2f"),
            *[(f"{s} s", ">13", ".2f") for s in STAGES], ("peak MB", ">9", ",.0f"), ("trace lines", ">12", "")]
    rows = [[i + 1, r["process_seconds"], r["seconds"], *[r["stages"].get(s, 0.0) for s in STAGES], r["peak_mb"],
             f"{r['lines']:,}"] for i, r in enumerate(runs)]
    if len(runs) > 1:
        rows.append(["median", _med(runs, "process_seconds"), _med(runs, "seconds"),
                     *[statistics.median(r["stages"].get(s, 0.0) for r in runs) for s in STAGES],
                     _med(runs, "peak_mb"), ""])
    _harness.print_table(cols, rows)
    limit = TARGET_DEMO_SECONDS if args.demo else TARGET_SECONDS.get(args.rows) if args.dataset == "demo" else None
    if limit is not None:   # issue 18's targets, judged on every run's whole process
        print(f"whole process under {limit:g} s: {_harness.verdict([r['process_seconds'] for r in runs], limit, 'runs')}")
    # the pack's size over the inventory's, as the pack's own copy of it (inputs/) holds it (issue 18:
    # at most twice the input at 1,000,000 rows)
    given = runs[0]["inputs_bytes"]
    pack = runs[0]["pack_bytes"]
    target = "" if args.demo else f" (target at most 2x: {'met' if pack <= 2 * given else 'MISSED'})"
    print(f"\nthe pack: {pack / 1e6:,.1f} MB in all, {pack / given:.2f}x the inventory's "
          f"{given / 1e6:,.1f} MB{target}; its largest files:")
    _harness.print_table([("file", "<48", ""), ("MB", ">9", ",.1f")],
                         [[name, size / 1e6] for name, size in runs[0]["largest"]])
    keys = list(dict.fromkeys(k for r in runs for k in r.get("xbrl", {})))
    if keys:
        print("\nthe XBRL stage inside (s; the Arelle worker's parts from its own timings"
              + (", medians of the runs" if len(runs) > 1 else "") + ")")
        _harness.print_table([("part", "<64", ""), ("s", ">8", ".2f")],
                             [[k, statistics.median(r.get("xbrl", {}).get(k, 0.0) for r in runs)] for k in keys])


def _med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


if __name__ == "__main__":
    sys.exit(main())
