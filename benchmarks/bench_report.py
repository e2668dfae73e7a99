"""The whole pack at scale: ``disclosure report`` (check, compute, XBRL validated by Arelle, Word,
workpapers, manifest) on the compute benchmark's 1,000,000 activity rows, stage by stage, with peak
memory, in a fresh process per run.

That data set claims one instrument serial twice on purpose (an input error), so the report runs
with ``force`` as ``disclosure report … --force`` would. Validation needs the IFRS taxonomy package
(``../shared/taxonomies/`` or ``--ifrs-package``); without it the XBRL stage writes and does not
validate, and the table says so.

    .venv/bin/python benchmarks/bench_report.py [--rows 1000000] [--runs 1] [--engine inprocess]
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import _harness
import bench_compute

STAGES = ("check", "compute", "xbrl", "word", "workpapers", "manifest")


def child(folder: Path, engine: str, ifrs: str) -> None:
    from disclosure.pipeline import run_report

    out = Path(tempfile.mkdtemp(prefix="bench-report-")) / "pack"
    try:
        t = time.perf_counter()
        run = run_report(folder, out, force=True, ifrs_package=Path(ifrs) if ifrs else None, engine=engine)
        seconds = time.perf_counter() - t
        print(json.dumps({"seconds": seconds, "peak_mb": _harness.peak_rss_kb() / 1024,
                          "stages": run.seconds, "validated": run.xbrl_validated,
                          "lines": sum(run.results["lines"]["by_status"].values()) if run.results else 0}))
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def main() -> None:
    ap = _harness.parser(__doc__)
    _harness.add_size_options(ap, rows=1_000_000, runs=1)
    ap.add_argument("--engine", default="inprocess", choices=["inprocess", "chunked", "dask"])
    ap.add_argument("--ifrs-package", default=str(_harness.HERE.parent.parent / "shared" / "taxonomies" /
                                                  "ifrs_sds_2024-04-26.zip"))
    _harness.add_internal_options(ap, ["report"])
    args = ap.parse_args()
    ifrs = args.ifrs_package if Path(args.ifrs_package).is_file() else ""
    if args.child:
        child(Path(args.data), args.engine, ifrs)
        return
    folder = bench_compute.ensure_data(args.data, args.rows)
    load = _harness.load_average()
    runs = []
    for _ in range(args.runs):
        cmd = _harness.child_command(__file__, "report", folder, "--engine", args.engine,
                                     "--ifrs-package", ifrs or "-")
        figures, _ = _harness.run_child(cmd, "report")
        runs.append(figures)
    print(f"\n{args.rows:,} activity rows, engine {args.engine}, {len(runs)} run(s) in fresh processes; "
          f"python {_harness.python_version()}; load average before {load}; XBRL "
          f"{'validated by Arelle' if runs[0]['validated'] else 'NOT validated (no IFRS package)'}")
    cols = [("run", "<5", ""), ("total s", ">9", ".1f"), *[(f"{s} s", ">13", ".1f") for s in STAGES],
            ("peak MB", ">9", ",.0f"), ("trace lines", ">12", ",")]
    _harness.print_table(cols, [[i + 1, r["seconds"], *[r["stages"].get(s, 0.0) for s in STAGES], r["peak_mb"],
                                 r["lines"]] for i, r in enumerate(runs)])


if __name__ == "__main__":
    sys.exit(main())
