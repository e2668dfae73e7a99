"""How much does ``disclosure check`` cost over a bare read of the same CSV?

Two data sets (``--dataset``): ``demo`` (default), the demo inventory's activities repeated to N rows
(every source and Scope 3 category; 1,000,000 rows are 148 MB; ``baselines.demo_repeated``), and
``synthetic``, a generated inventory (~500 facilities, ~50 entities, dates in three forms, thousands
separators, measured coal properties) which can also be spoiled (``--bad-share``). Data goes to
``benchmarks/data/`` (reused when already generated). Then, each in a fresh subprocess, once a
round over several rounds (``_harness.rounds``), with the median:

  (a) ``bare``:   ``pandas.read_csv(activities.csv, dtype=str, keep_default_na=False)``
  (b) ``duckdb``: DuckDB's CSV reader, every column text, into Arrow (skipped without duckdb)
  (c) ``check``:  ``load_inventory(folder)``, which is what ``disclosure check`` does
  (d) ``text``:   ``disclosure check folder`` end to end, text output
  (e) ``json``:   ``disclosure check folder --format json`` end to end

with wall time inside the process, the whole process's wall time (interpreter start and imports
included: what a user waits for) and peak memory (``VmHWM``). The ratios are of whole processes:
``disclosure check`` (d) over (a) and over (b), taken round by round and called met only when every
round meets them (their median and range printed). Targets (issue 18): at most 1.5x the pandas read
and 5x the DuckDB read; the JSON output within 1.5x of the text output; peak under 2 GB.

``--bad-share 0.5`` (synthetic only) makes about that share of the activity rows invalid, in the
ways real exports are: a facility number not in the facilities table, a quantity that is no number
("约120", "120吨", "#VALUE!"), a unit nobody knows ("桶", "车次", "kw"); one fault a bad row, so about
one error issue each. (d) and (e) write the output to ``<data>/check.text.out`` / ``check.json.out``
and print its SHA-256, so two versions of the tool can be compared byte for byte.

    python benchmarks/bench_check.py               # the demo repeated to 1,000,000 rows
    python benchmarks/bench_check.py --rows 50000  # a quick run
    python benchmarks/bench_check.py --dataset synthetic --bad-share 0.5 --what text,json
    python benchmarks/bench_check.py --profile     # also cProfile one load_inventory
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import _harness
import baselines

GENERATOR_VERSION = 2
TARGET_RATIO = 1.5        # disclosure check / pandas read, whole processes
TARGET_DUCKDB_RATIO = 5.0  # disclosure check / DuckDB read
TARGET_MEMORY_MB = 2048

# (source, activity, units with their weights, typical quantity)
SOURCES = [
    ("stationary_combustion", "天然气", ["万Nm3", "Nm3", "GJ"], 50.0),
    ("stationary_combustion", "烟煤", ["t", "吨", "tce"], 800.0),
    ("stationary_combustion", "柴油", ["t", "吨"], 20.0),
    ("mobile_combustion", "柴油", ["L", "升", "t"], 3000.0),
    ("mobile_combustion", "汽油", ["L", "升"], 2000.0),
    ("process", "石灰石", ["t", "吨"], 500.0),
    ("fugitive", "HFC-134a", ["kg", "千克"], 5.0),
    ("fugitive", "SF6", ["kg"], 1.0),
    ("purchased_electricity", "电力", ["kWh", "度", "万kWh", "MWh"], 200_000.0),
    ("purchased_heat", "热力", ["GJ", "吉焦"], 1500.0),
    ("purchased_steam", "蒸汽", ["GJ"], 900.0),
    ("purchased_cooling", "冷量", ["GJ", "kWh"], 300.0),
    ("scope3", "采购商品", ["万元", "元"], 120.0),
    ("scope3", "公路运输", ["tkm"], 40_000.0),
    ("scope3", "商务差旅", ["pkm", "km"], 8_000.0),
]
SCOPE3_CATEGORY = {"采购商品": 1, "公路运输": 4, "商务差旅": 6}
PROVINCES = ["北京", "上海", "江苏", "浙江", "广东", "山东", "河北", "四川", "湖北", "内蒙古",
             "新疆", "福建", "河南", "湖南", "安徽", "陕西"]


KINDS = {"bare": "pandas read_csv(dtype=str)", "duckdb": "DuckDB read_csv(all_varchar)",
         "check": "load_inventory (check)", "text": "disclosure check (text)",
         "json": "disclosure check --format json"}


# --- data --------------------------------------------------------------------------------------------

def generate(folder: Path, rows: int, seed: int = 20250101, bad_share: float = 0.0) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)

    n_ent = 50
    ent_ids = [f"E{i:03d}" for i in range(n_ent)]
    pd.DataFrame({
        "entity_id": ent_ids,
        "name": [f"示例集团{'' if i == 0 else f'第{i}子公司'}" for i in range(n_ent)],
        "parent_id": [""] + ["E000"] * (n_ent - 1),
        "ownership": ["100%"] + [f"{int(p)}%" for p in rng.integers(51, 101, n_ent - 1)],
        "financial_control": ["是"] * n_ent,
        "operational_control": rng.choice(["是", "否"], n_ent, p=[0.9, 0.1]),
        "consolidated": ["是"] * n_ent,
    }).to_csv(folder / "entities.csv", index=False)

    n_fac = 500
    fac_ids = np.array([f"F{i:04d}" for i in range(n_fac)])
    pd.DataFrame({
        "facility_id": fac_ids,
        "entity_id": rng.choice(ent_ids, n_fac),
        "name": [f"设施{i}" for i in range(n_fac)],
        "province": rng.choice(PROVINCES, n_fac),
        "sector": rng.choice(["制造业", "电力", "化工", "物流"], n_fac),
    }).to_csv(folder / "facilities.csv", index=False)

    # activities: monthly records of one facility and one source each
    src, act, unit, qty = _harness.draw_sources(rng, rows, SOURCES)
    qty_text = pd.Series(qty).map("{:.3f}".format).to_numpy(dtype=object)
    commas = rng.random(rows) < 0.1  # some exports keep thousands separators
    qty_text[commas] = pd.Series(qty[commas]).map("{:,.3f}".format).to_numpy(dtype=object)

    month = rng.integers(1, 13, rows)
    last = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month - 1]
    form = rng.choice(3, rows, p=[0.8, 0.1, 0.1])
    start = np.empty(rows, dtype=object)
    end = np.empty(rows, dtype=object)
    for f, (a, b) in enumerate([("2025-{m:02d}-01", "2025-{m:02d}-{d:02d}"),
                                ("2025/{m}/1", "2025/{m}/{d}"),
                                ("2025年{m}月1日", "2025年{m}月{d}日")]):
        sel = form == f
        start[sel] = [a.format(m=m) for m in month[sel]]
        end[sel] = [b.format(m=m, d=d) for m, d in zip(month[sel], last[sel], strict=True)]

    # measured fuel properties for some coal rows (GB/T 32150 style), own factors for process rows,
    # the gas of refrigerant leaks
    empty = np.full(rows, "", dtype=object)
    ncv, ncv_unit, cc, ox = empty.copy(), empty.copy(), empty.copy(), empty.copy()
    measured = _harness.measured_coal(rng, act, unit)
    ncv[measured] = pd.Series(rng.normal(20.9, 1.0, int(measured.sum()))).map("{:.3f}".format).to_numpy()
    ncv_unit[measured] = "GJ/t"
    cc[measured] = "0.02618"
    ox[measured] = "98%"
    gas, ef_value, ef_unit, ef_source = empty.copy(), empty.copy(), empty.copy(), empty.copy()
    own = src == "process"
    gas[own], ef_value[own], ef_unit[own], ef_source[own] = "CO2", "0.44", "tCO2/t", "GB/T 32151.8-2015"
    leak = src == "fugitive"
    gas[leak] = act[leak]

    cat = np.array([str(SCOPE3_CATEGORY.get(a, "")) for a in act], dtype=object)
    s3 = src == "scope3"
    method = _harness.scope3_method(s3, unit, "")
    facility = rng.choice(fac_ids, rows)
    if bad_share > 0:  # after every draw above, so the good rows are those of the clean data set
        spoil(np.random.default_rng(seed + 1), bad_share, facility, qty_text, unit)
    pd.DataFrame({
        "record_id": [f"R{i:08d}" for i in range(rows)],
        "facility_id": facility,
        "period_start": start,
        "period_end": end,
        "source": src,
        "scope3_category": np.where(s3, cat, ""),
        "activity": act,
        "quantity": qty_text,
        "unit": unit,
        "ncv": ncv,
        "ncv_unit": ncv_unit,
        "carbon_content": cc,
        "oxidation_rate": ox,
        "gas": gas,
        "ef_value": ef_value,
        "ef_unit": ef_unit,
        "ef_source": ef_source,
        "method": method,
        "data_quality": _harness.data_quality(rng, rows),
        "verified": rng.choice(["是", "否"], rows),
        "evidence": _harness.evidence(rng, rows),
    }).to_csv(folder / "activities.csv", index=False)

    (folder / "report.yaml").write_text(
        "entity:\n  name_zh: 示例集团\n  name_en: Example Group\n  identifier: 91350100M000100Y43\n"
        "period:\n  start: 2025-01-01\n  end: 2025-12-31\n", encoding="utf-8")
    m = {"rows": rows, "version": GENERATOR_VERSION, "seed": seed}
    if bad_share > 0:
        m["bad_share"] = bad_share
    _harness.write_meta(folder, m)


def spoil(rng, share: float, facility, qty_text, unit) -> None:
    """Make about ``share`` of the rows invalid in place, one fault a row: an unregistered facility
    number, a quantity that does not parse, or a unit the registry does not know."""
    import numpy as np

    n = len(facility)
    bad = np.flatnonzero(rng.random(n) < share)
    fault = rng.integers(0, 3, len(bad))
    rows = bad[fault == 0]   # facility numbers past the register (F0500..F0999) or lower-case typos
    facility[rows] = np.array([f"F{i:04d}" for i in range(500, 1000)] + [f"f{i:04d}" for i in range(500)],
                              dtype=object)[rng.integers(0, 1000, len(rows))]
    rows = bad[fault == 1]   # numbers with words, units or spreadsheet errors in them
    forms = ["约{}", "{}吨", "{}左右", "#VALUE!", "N/A", "—", "{}.5.0", "12,3a"]
    pick = rng.integers(0, len(forms), len(rows))
    qty_text[rows] = [forms[k].format(q) for k, q in zip(pick, qty_text[rows], strict=True)]
    rows = bad[fault == 2]   # units no one registered
    unit[rows] = np.array(["桶", "立方", "加仑", "箱", "车次", "kw"], dtype=object)[rng.integers(0, 6, len(rows))]


def data_dir(folder: Path, rows: int, bad_share: float) -> Path:
    return folder / (f"rows_{rows}" if not bad_share else f"rows_{rows}_bad{bad_share:g}")


def ensure_data(folder: Path, rows: int, bad_share: float = 0.0) -> Path:
    # meta.json names a bad share only when there is one
    expected = {"rows": rows, "version": GENERATOR_VERSION, "bad_share": bad_share or None}
    return _harness.ensure_data(__file__, data_dir(folder, rows, bad_share), rows, expected,
                                extra=["--bad-share", str(bad_share)])


# --- measuring ---------------------------------------------------------------------------------------

def child(kind: str, folder: Path) -> None:
    """Run one measurement in this (fresh) process and print its figures as JSON."""
    if kind in ("text", "json"):
        child_cli(kind, folder)
        return
    import pandas as pd  # noqa: F401  (imported before the clock starts in every kind)

    if kind == "check":
        from disclosure.loader import load_inventory
    if kind == "duckdb":
        import duckdb  # noqa: F401
    with _harness.time_and_peak() as figures:
        if kind == "bare":
            figures.update(rows=baselines.pandas_read(folder / "activities.csv"), issues=0)
        elif kind == "duckdb":
            figures.update(rows=baselines.duckdb_read(folder / "activities.csv"), issues=0)
        else:
            inv, found = load_inventory(folder)
            figures.update(rows=inv.counts["activities"].read, issues=len(found))
    print(json.dumps(figures))


def child_cli(fmt: str, folder: Path) -> None:
    """``disclosure check folder --format fmt`` in this process, as the console script runs it (its
    ``main``), stdout to wherever the parent sent it; the figures go to stderr as JSON."""
    figures = _harness.run_cli(["check", str(folder), "--format", fmt])
    sys.stderr.write("\n" + json.dumps(figures) + "\n")


def output_facts(fmt: str, path: Path) -> dict:
    """SHA-256, size and issue count of one output, read in pieces (this process must stay small: a
    child's peak memory counts its parent's at the fork)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
        h.update(head)
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            tail = chunk
    size = path.stat().st_size
    if fmt == "json":
        m = re.search(rb'"counts": \{\s*"error": (\d+),\s*"warning": (\d+),\s*"notice": (\d+)', head)
    else:
        last = (tail if size > len(head) else head).rstrip().rsplit(b"\n", 1)[-1]
        m = re.search(rb"(\d+)\D+(\d+)\D+(\d+)", last)
    issues = sum(int(x) for x in m.groups()) if m else -1
    return {"sha256": h.hexdigest(), "bytes": size, "issues": issues}


def measure(kind: str, folder: Path) -> dict:
    """One run of one measurement in a fresh process; ``text`` and ``json`` send the output to
    ``<folder>/check.<kind>.out`` and add its facts."""
    cmd = _harness.child_command(__file__, kind, folder)
    if kind in ("text", "json"):
        target = folder / f"check.{kind}.out"
        r, stderr = _harness.run_child(cmd, kind, stdout=target)
        if r["exit"] not in (0, 1):
            sys.exit(f"{kind} run failed (exit {r['exit']}):\n{stderr}")
        r.update(output_facts(kind, target))
        return r
    return _harness.run_child(cmd, kind)[0]


def profile(folder: Path, top: int = 30) -> None:
    from disclosure.loader import load_inventory

    def run() -> None:
        load_inventory(folder)

    _harness.profile(run, top)


def main() -> None:
    ap = _harness.parser(__doc__)
    _harness.add_size_options(ap, rows=1_000_000, runs=3)
    ap.add_argument("--bad-share", type=float, default=0.0,
                    help="share of activity rows made invalid (0.5: about half, ~500k issues a million rows)")
    ap.add_argument("--dataset", default="demo", choices=["demo", "synthetic"],
                    help="demo: the demo inventory repeated to --rows rows; synthetic: the generator")
    ap.add_argument("--what", default="bare,duckdb,check,text,json",
                    help="comma-separated measurements: bare, duckdb, check, text, json (default: all)")
    ap.add_argument("--profile", action="store_true", help="also cProfile one load_inventory")
    _harness.add_internal_options(ap, list(KINDS))
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    if args.generate:
        generate(args.data, args.rows, bad_share=args.bad_share)
        return

    what = [k.strip() for k in args.what.split(",") if k.strip()]
    unknown = set(what) - set(KINDS)
    if unknown:
        ap.error(f"--what: unknown {', '.join(sorted(unknown))}")
    if args.dataset == "demo" and args.bad_share:
        ap.error("--bad-share needs --dataset synthetic")
    if "duckdb" in what and not baselines.available("duckdb"):
        print("duckdb is not installed: its comparison is skipped (pip install duckdb)", file=sys.stderr)
        what.remove("duckdb")
    folder = (baselines.ensure_demo(args.data, args.rows) if args.dataset == "demo"
              else ensure_data(args.data, args.rows, args.bad_share))
    size = (folder / "activities.csv").stat().st_size
    results = _harness.rounds(what, args.runs, lambda k: measure(k, folder))

    def med(k: str, field: str) -> float:
        return _harness.median(results[k], field)

    print(f"\nactivities ({args.dataset}): {args.rows:,} rows ({args.bad_share:.0%} made invalid), {size / 1e6:.0f} MB CSV; "
          f"medians of {args.runs} rounds, each running every measurement once in a fresh process (the order "
          f"turned each round); python {_harness.python_version()}; "
          f"load average {_harness.load_average()} on {os.cpu_count()} CPUs")
    labels = KINDS
    _harness.print_table(
        [("", "34", ""), ("median s", ">10", ".2f"), ("runs s", f">{max(20, 6 * args.runs + 2)}", ""), ("process s", ">11", ".2f"),
         ("peak RSS MB", ">13", ".0f"), ("(before op MB)", ">15", ".0f")],
        [[label, med(k, "seconds"), " ".join(f"{r['seconds']:.2f}" for r in results[k]),
          med(k, "process_seconds"), med(k, "maxrss_kb") / 1024, med(k, "baseline_kb") / 1024]
         for k, label in labels.items() if k in results])
    for k in ("text", "json"):
        if k in results:
            last = results[k][-1]
            same = len({r["sha256"] for r in results[k]}) == 1
            print(f"{k} output: {last['issues']:,} issues, {last['bytes'] / 1e6:.1f} MB, sha256 {last['sha256']}"
                  f"{'' if same else ' (differs between runs!)'} → {folder / f'check.{k}.out'}")
    if "text" in results and "json" in results:
        print(_harness.ratio_line("json / text, time in process", 34,
                                  _harness.paired_ratios(results["json"], results["text"], "seconds"), 1.5)
              + f", {med('json', 'maxrss_kb') / med('text', 'maxrss_kb'):.2f}x peak memory")
    whole = "text" if "text" in results else "json" if "json" in results else None
    if whole:
        mem = med(whole, "maxrss_kb") / 1024
        print(f"\ndisclosure check ({whole}), whole process, over (each round's runs paired):")
        for base, target in (("bare", TARGET_RATIO), ("duckdb", TARGET_DUCKDB_RATIO)):
            if base in results:
                print(_harness.ratio_line(KINDS[base], 34, _harness.paired_ratios(results[whole], results[base]),
                                          target))
        print(f"  peak {mem:.0f} MB (target < {TARGET_MEMORY_MB} MB: {'ok' if mem < TARGET_MEMORY_MB else 'MISSED'})")
    if "bare" in results and "check" in results:
        r = med("check", "seconds") / med("bare", "seconds")
        print(f"in process: load_inventory / pandas read {r:.2f}x")
    if "check" in results:
        print(f"issues found by check: {results['check'][0]['issues']} (rows read: {results['check'][0]['rows']:,})")
    if args.profile:
        profile(folder)


if __name__ == "__main__":
    main()
