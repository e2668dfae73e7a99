"""``disclosure report`` (issue 6): one command from the demo inventory to the whole pack, validated
by Arelle when the IFRS taxonomy package is at hand (``../shared/taxonomies/``; skipped without it,
failed in CI); the workpapers reconcile to the XBRL facts and results.json; errors stop the run.
One report run is shared by the module."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from typer.testing import CliRunner

from disclosure.assure.verify import verify
from disclosure.cli import app
from disclosure.core import ui
from disclosure.export import workpapers
from disclosure.export.numbers import rounded
from disclosure.export.xbrl import stem_of, taxonomy
from disclosure.export.xbrl.facts import build_facts
from disclosure.pipeline import run_report

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-group"
DEMO_2024 = REPO / "fixtures" / "demo-group-2024"
BROKEN = REPO / "fixtures" / "broken-inventory"
XBRLI = "http://www.xbrl.org/2003/instance"


@pytest.fixture(scope="module")
def ifrs_zip() -> Path:
    p = taxonomy.shared_ifrs_package(REPO)
    if not p.is_file():
        msg = f"the IFRS taxonomy package is missing: {p}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return p


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory, ifrs_zip: Path) -> tuple[Path, object]:
    """The demo's 2025 report with the 2024 report as its prior year (as `make demo` runs it)."""
    base = tmp_path_factory.mktemp("report")
    assert run_report(DEMO_2024, base / "demo-2024").exit_code == 0
    out = base / "demo"
    res = CliRunner().invoke(app, ["report", str(DEMO), "--out", str(out), "--ifrs-package", str(ifrs_zip),
                                   "--prior", str(base / "demo-2024")])
    return out, res


def test_report_writes_the_whole_pack(pack: tuple[Path, object]) -> None:
    out, res = pack
    assert res.exit_code == 0, res.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    stem = stem_of(results)
    for name in ["results.json", "trace.parquet", "trace.csv", "instruments.csv", f"{stem}.xbrl", f"{stem}.xhtml",
                 f"{stem}.zip", "validation.json", "report.zh-CN.docx", "workpapers.xlsx", "manifest.json",
                 "inputs/activities.csv", "inputs/report.yaml", "factors/cn-grid-2023@1.yaml"]:
        assert (out / name).is_file(), name
    validation = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert validation["validated"] and validation["errors"] == 0 and validation["roundtrip"]["exact"]
    # progress per stage on stderr, the summary on stdout, in the demo's language (zh-CN)
    for n, stage in enumerate(("check", "compute", "xbrl", "word", "workpapers", "manifest"), start=1):
        assert f"[{n}/6 {ui.stage(stage, 'zh-CN')}]" in res.output
    assert "3,127,772.1" in res.output and "workpapers.xlsx" in res.output


def test_manifest_records_inputs_outputs_factors(pack: tuple[Path, object]) -> None:
    out, _ = pack
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = man["files"]
    assert files["inputs/activities.csv"]["role"] == "input"
    assert files["results.json"]["role"] == "output" and files["factors/cn-grid-2023@1.yaml"]["role"] == "factor"
    assert "manifest.json" not in files
    assert {d["id"] for d in man["factor_datasets"]} >= {"cn-grid-2023", "ghgp-gwp100"}
    assert all(len(d["sha256"]) == 64 for d in man["factor_datasets"])
    assert man["tool"]["name"] == "disclosure" and man["settings"]["gwp"] == "AR6"
    assert list(files) == sorted(files)


def _instance_totals(path: Path, start: str = "2025-01-01") -> dict[str, Decimal]:
    """Facts of the instance in contexts without dimensions for the period starting at ``start``,
    by concept local name."""
    root = etree.parse(str(path)).getroot()
    plain = {c.get("id") for c in root.iter(f"{{{XBRLI}}}context") if c.find(f"{{{XBRLI}}}scenario") is None
             and c.findtext(f"{{{XBRLI}}}period/{{{XBRLI}}}startDate") == start}
    return {etree.QName(el).localname: Decimal(el.text) for el in root
            if isinstance(el.tag, str) and el.get("contextRef") in plain and el.get("unitRef")}


def test_workpaper_totals_equal_the_xbrl_facts(pack: tuple[Path, object]) -> None:
    out, _ = pack
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # the totals are tagged as published (a total of scopes = the sum of its rounded parts)
    concepts = {f.source[2]: f.concept.split(":")[1] for f in build_facts(results).facts
                if f.source[:2] == ("published", "totals") and not f.dims}
    facts = _instance_totals(out / f"{stem_of(results)}.xbrl")
    ws = openpyxl.load_workbook(out / "workpapers.xlsx", read_only=True, data_only=True)["Summary"]
    rows = list(ws.iter_rows(min_row=2, max_row=1 + len(workpapers.TOTALS), values_only=True))
    wb_f = openpyxl.load_workbook(out / "workpapers.xlsx", read_only=True)["Summary"]
    formulas = [r[2] for r in wb_f.iter_rows(min_row=2, max_row=1 + len(workpapers.TOTALS), values_only=True)]
    assert len(rows) == len(workpapers.TOTALS) == 8
    for (_, key, _), row, formula in zip(workpapers.TOTALS, rows, formulas, strict=True):
        fact = facts[concepts[key]]
        assert row[1] == pytest.approx(results["totals"][key], rel=1e-13)  # xlsx keeps 15 digits
        assert Decimal(str(row[4])) == fact, key                          # as disclosed
        # the SUMIFS' cached value is the total as computed; published, a total of several scopes is
        # the sum of its rounded parts, which may differ from the rounded total by a cent a part
        # (2025: Scope 1+2+3 market-based 3,713,600.765 computed, 3,713,600.76 published)
        assert row[2] == pytest.approx(results["totals"][key], rel=1e-12), key
        assert abs(Decimal(repr(row[2])) - fact) <= Decimal("0.005") * 3, key
        assert formula.startswith("=SUMIFS('Trace'!"), formula           # a SUM over the trace sheet
    # the trace sums (the SUMIFS' cached values) reconcile with the reported totals
    import pandas as pd
    trace = pd.read_parquet(out / "trace.parquet")
    sums = workpapers.trace_sums(trace)
    for _, key, _ in workpapers.TOTALS:
        assert sums[key] == pytest.approx(results["totals"][key], rel=1e-12), key
    book = openpyxl.load_workbook(out / "workpapers.xlsx", read_only=True)
    assert {"Summary", "Trace", "Excluded", "Settings", "Factors"} <= set(book.sheetnames)
    assert book["Trace"].max_row == len(trace) + 1


def test_prior_year_figures_and_base_year_check_are_tagged(pack: tuple[Path, object]) -> None:
    """The comparatives are the prior report's totals, in a context of the prior period; the base-year
    facts are those of results.json, validated by Arelle with the rest (test above)."""
    out, _ = pack
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    prior = json.loads((out / "prior" / "results.json").read_text(encoding="utf-8"))
    assert prior["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    stem = stem_of(results)
    now, before = _instance_totals(out / f"{stem}.xbrl"), _instance_totals(out / f"{stem}.xbrl", "2024-01-01")
    assert before["AbsoluteGrossScope1GHGEmissions"] == rounded(prior["totals"]["scope1"]) == Decimal("2415797.70")
    assert now["AbsoluteGrossScope1GHGEmissions"] == rounded(results["totals"]["scope1"]) == Decimal("3127772.06")
    for key, concept in (("scope2_location", "AbsoluteGrossLocationbasedScope2GHGEmissions"),
                         ("scope3", "AbsoluteGrossScope3GHGEmissions"),
                         ("scope1_2_3_market", "AbsoluteGrossScope1MarketbasedScope2AndScope3GHGEmissions")):
        # the prior report's totals as it published them (a total of scopes = its rounded parts added)
        assert before[concept] == Decimal(str(prior["published"]["totals"][key])), key
    # the structural change is the acquired entity's Scope 1 + 2 (location-based) of this year
    tangshan = next(e for e in results["by_entity"] if e["entity_id"] == "YX-TS")
    structural = tangshan["scope1"] + tangshan["scope2_location"]
    assert now["StructuralChangeInScope1AndLocationbasedScope2GHGEmissions"] == rounded(structural)
    share = structural / (prior["totals"]["scope1"] + prior["totals"]["scope2_location"])
    assert now["StructuralChangeAsPercentageOfBasePeriodGHGEmissions"] == rounded(share, "share") == Decimal("0.2367")
    assert now["SignificanceThresholdForBaseYearRecalculation"] == Decimal("0.0500")
    root = etree.parse(str(out / f"{stem}.xbrl")).getroot()
    required = [el.text for el in root if isinstance(el.tag, str) and el.tag.endswith("}BaseYearRecalculationRequired")]
    assert required == ["true"]
    page = (out / f"{stem}.xhtml").read_text(encoding="utf-8")
    assert "上年（2024-01-01 – 2024-12-31）" in page and "29.47%" in page  # Scope 1 change, 3,127,772.06 / 2,415,797.70 - 1


def test_verify_validates_the_fresh_report_again(pack: tuple[Path, object], ifrs_zip: Path,
                                                 tmp_path: Path) -> None:
    """With the IFRS package, verify validates the re-rendered XBRL with Arelle again, so that
    validation.json and the viewer are compared byte for byte like every other file; without it
    they are compared in what does not depend on Arelle, and verify says so."""
    import shutil

    out, _ = pack
    res = CliRunner().invoke(app, ["verify", str(out), "--ifrs-package", str(ifrs_zip)])
    assert res.exit_code == 0, res.output
    # in the pack's language, zh-CN
    assert "并经 Arelle 重新校验" in res.output
    assert ui.text("verify_note", "zh-CN", text="").strip() not in res.output
    v = verify(out)
    assert v.ok, [d.render() for d in v.differences]
    assert not v.revalidated and any("validation.json compared without Arelle" in n for n in v.notes)
    assert v.compared_facts > 300 and v.checked_files > 20
    # validation.json claiming what Arelle did not find: the hash made to match, the re-validation differs
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    doc = json.loads((copy / "validation.json").read_text(encoding="utf-8"))
    doc["warnings"] = 0 if doc["warnings"] else 1
    (copy / "validation.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    man = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    from disclosure.export import manifest

    man["files"]["validation.json"]["sha256"] = manifest.sha256(copy / "validation.json")
    man["files"]["validation.json"]["bytes"] = (copy / "validation.json").stat().st_size
    (copy / "manifest.json").write_text(manifest.dumps(man), encoding="utf-8")
    res = CliRunner().invoke(app, ["verify", str(copy), "--ifrs-package", str(ifrs_zip)])
    assert res.exit_code == 1 and "[validation] validation.json warnings" in res.output, res.output


def test_report_stops_on_input_errors(tmp_path: Path) -> None:
    out = tmp_path / "broken"
    res = CliRunner().invoke(app, ["report", str(BROKEN), "--out", str(out)])
    assert res.exit_code == 1
    assert not out.exists() and not list(tmp_path.iterdir())
    # an earlier output folder at --out (one this tool wrote: its marker lists its files) is left as
    # it was when a run stops
    from disclosure.core import outdir

    earlier = tmp_path / "earlier"
    with outdir.staged(earlier) as staging:
        (staging.folder / "results.json").write_text("{}", encoding="utf-8")
        outdir.publish(staging, "compute")
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}
    res = CliRunner().invoke(app, ["report", str(BROKEN), "--out", str(earlier)])
    assert res.exit_code == 1
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier"]


def test_report_refuses_a_folder_that_is_not_a_report(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(DEMO), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_force_writes_the_pack_but_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "forced"
    res = CliRunner().invoke(app, ["report", str(BROKEN), "--out", str(out), "--force", "--lang", "all"])
    assert res.exit_code == 1
    for name in ("results.json", "workpapers.xlsx", "manifest.json", "report.zh-CN.docx", "report.en.docx"):
        assert (out / name).is_file(), name
    v = verify(out)
    assert v.ok, [d.render() for d in v.differences]
