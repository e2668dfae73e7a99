"""How long does the XBRL export take, next to Arelle merely loading the same instance?

Two groups: the demo group (``fixtures/demo-group``, computed here), and a synthetic group of
5,000 facilities under 500 entities (default): the demo's results with its facility and entity
breakdowns replaced by generated ones that add up to the same totals, so the consistency checks
hold and the XBRL carries one context per facility and per entity (about six facts each).

For each group, in the same run:

  write      ``export_xbrl(..., validate=False)``: facts, instance, Inline XBRL, report package,
             taxonomy package, consistency checks;
  export     ``export_xbrl(...)`` as ``disclosure xbrl`` runs it without the viewer: write, then
             Arelle validates the report package (both reports) offline in a worker process, reads
             the Inline XBRL back and compares it with results.json;
  validate   Arelle validating the xBRL-XML instance alone (worker process, wall time);
  load       Arelle loading the same instance without validating it (worker process, wall time);

plus Arelle's own "loaded in / validated in" times from its log. Needs the IFRS taxonomy package
(``--ifrs-package``, ``DISCLOSURE_IFRS_PACKAGE`` or ``../shared/taxonomies/`` beside the repo).

    python benchmarks/bench_xbrl.py
    python benchmarks/bench_xbrl.py --facilities 20000 --entities 2000
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import _harness  # noqa: E402

from disclosure import compute, load_inventory  # noqa: E402
from disclosure.export.xbrl import export_xbrl, taxonomy  # noqa: E402
from disclosure.export.xbrl.validate import run_arelle  # noqa: E402

SCOPES = ("scope1", "scope2_location", "scope2_market", "scope3")


def demo_results() -> dict[str, Any]:
    inv, _ = load_inventory(REPO / "fixtures" / "demo-group")
    return compute(inv).results


def synthetic(results: dict[str, Any], facilities: int, entities: int) -> dict[str, Any]:
    """The demo's results with ``facilities`` facilities under ``entities`` entities: each scope's
    total shared out with deterministic weights (the totals and every other breakdown unchanged)."""
    r = copy.deepcopy(results)
    provinces = [p["province"] for p in r["by_province"]]
    weights = [1.0 + ((i * 7919) % 1000) / 250.0 for i in range(facilities)]
    total_w = sum(weights)
    by_facility, by_entity = [], {}
    for i, w in enumerate(weights):
        eid = f"E{i % entities:05d}"
        f = {"facility_id": f"F{i:06d}", "name": f"合成设施{i}", "entity_id": eid,
             "province": provinces[i % len(provinces)]}
        for s in SCOPES:
            f[s] = r["totals"][s] * w / total_w
        by_facility.append(f)
        e = by_entity.setdefault(eid, {"entity_id": eid, "name": f"合成主体{eid}", "share": 1.0,
                                       "consolidated": True, **dict.fromkeys(SCOPES, 0.0)})
        for s in SCOPES:
            e[s] += f[s]
    r["by_facility"] = by_facility
    r["by_entity"] = [by_entity[k] for k in sorted(by_entity)]
    return r


def arelle_times(run: Any) -> tuple[float, float]:
    loaded = validated = 0.0
    for res in run.results:
        for m in res.messages:
            if (hit := re.match(r"loaded in ([\d.]+) secs", m["message"])):
                loaded += float(hit.group(1))
            if (hit := re.match(r"validated in ([\d.]+) secs", m["message"])):
                validated += float(hit.group(1))
    return loaded, validated


def measure(name: str, results: dict[str, Any], ifrs: Path, work: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    w = export_xbrl(results, work / f"{name}-write", validate=False)
    t_write = time.perf_counter() - t0
    t0 = time.perf_counter()
    exp = export_xbrl(results, work / f"{name}-export", ifrs_package=ifrs, viewer=False)
    t_export = time.perf_counter() - t0
    assert exp.validated and exp.roundtrip is not None
    inst = w.paths["instance"]
    pkgs = [ifrs, w.paths["taxonomy"], w.paths["entity_taxonomy"]]
    v = run_arelle([inst], pkgs)
    lo = run_arelle([inst], pkgs, validate=False)
    assert v.error is None and lo.error is None, (v.error, lo.error)
    # a run that could not load the instance would time nothing: both must have read it cleanly
    assert v.results[0].ok and lo.results[0].ok, (v.results[0].codes(), lo.results[0].codes())
    v_loaded, v_validated = arelle_times(v)
    l_loaded, _ = arelle_times(lo)
    return {
        "group": name, "facts": len(w.facts.facts), "contexts": inst.read_text(encoding="utf-8").count("<xbrli:context "),
        "instance_mb": inst.stat().st_size / 1e6, "inline_mb": w.paths["inline"].stat().st_size / 1e6,
        "write_s": t_write, "export_s": t_export, "export_arelle_s": exp.seconds.get("arelle", 0.0),
        "errors": sum(1 for i in exp.issues if i.severity.value == "error"),
        "inconsistencies": len(exp.inconsistencies), "roundtrip_exact": exp.roundtrip.exact,
        "validate_instance_s": v.seconds, "arelle_loaded_s": v_loaded, "arelle_validated_s": v_validated,
        "load_instance_s": lo.seconds, "arelle_bare_loaded_s": l_loaded,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--facilities", type=int, default=5000)
    ap.add_argument("--entities", type=int, default=500)
    ap.add_argument("--ifrs-package", type=Path)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    ifrs, _ = taxonomy.ifrs_package(args.ifrs_package, search=[taxonomy.shared_ifrs_package(REPO)])
    if ifrs is None:
        print("the IFRS taxonomy package is needed: --ifrs-package PATH or DISCLOSURE_IFRS_PACKAGE", file=sys.stderr)
        return 2
    demo = demo_results()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-xbrl-") as tmp:
        rows.append(measure("demo", demo, ifrs, Path(tmp)))
        rows.append(measure(f"synthetic-{args.facilities}", synthetic(demo, args.facilities, args.entities),
                            ifrs, Path(tmp)))
    print(f"machine: {os.cpu_count()} cores; Python {_harness.python_version()}")
    head = ("group", "facts", "contexts", "write_s", "export_s", "export_arelle_s", "validate_instance_s",
            "load_instance_s", "arelle_loaded_s", "arelle_validated_s", "arelle_bare_loaded_s", "errors",
            "inconsistencies", "roundtrip_exact")
    print(" | ".join(head))
    for r in rows:
        print(" | ".join(f"{r[h]:.2f}" if isinstance(r[h], float) else str(r[h]) for h in head))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
