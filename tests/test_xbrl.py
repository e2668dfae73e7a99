"""XBRL, Inline XBRL and xBRL-JSON export (issues 4 and 14): the demo group (2025, with 2024 as its
prior year) validates with Arelle against the IFRS taxonomy, with calculation 1.1, the formula
assertions and the inconsistent-duplicate check running, with no error and no inconsistency, in all
four forms (instance, Inline XBRL, xBRL-JSON, report package); the round trip is exact; the output
is byte-identical across runs; each kind of broken output (a planted wrong total, a breakdown that
does not add up, a negative figure, an inconsistent duplicate, Scope 3 on the consolidated-group
axis …) is caught with Arelle's own code; every IFRS S2 disclosure concept is tagged from the demo
or named, with its reason, in concepts.yaml's ``not_held``; and the viewer page loads in headless
Chromium.

The IFRS taxonomy package is read from ``../shared/taxonomies/`` beside the repository (its terms
forbid committing it). Without it the Arelle tests skip on a developer's machine and FAIL in CI
(``CI`` set), so a missing package is never mistaken for a pass.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from disclosure import compute, load_inventory
from disclosure.cli import app
from disclosure.compute import years
from disclosure.compute.results import results_json
from disclosure.core.issues import Severity
from disclosure.engines.inprocess import write_outputs
from disclosure.export.numbers import decimals, fmt, rounded
from disclosure.export.xbrl import checks, export_xbrl, taxonomy
from disclosure.export.xbrl.facts import build_facts, resolve
from disclosure.export.xbrl.inline import IX
from disclosure.export.xbrl.instance import instance_bytes
from disclosure.export.xbrl.validate import ArelleWorker, issues_from, run_arelle

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-group"
DEMO_2024 = REPO / "fixtures" / "demo-group-2024"
XBRLI = "http://www.xbrl.org/2003/instance"
XBRLDI = "http://xbrl.org/2006/xbrldi"
IFRS = "https://xbrl.ifrs.org/taxonomy/2024-04-26/ifrs-sds"
EXT = "https://disclosure.example.org/taxonomy/2026-11-24/csds"


@pytest.fixture(scope="module")
def ifrs_zip() -> Path:
    p = taxonomy.shared_ifrs_package(REPO)
    if not p.is_file():
        msg = (f"the IFRS taxonomy package is missing: {p} (tests and CI read it from ../shared/taxonomies/; "
               "it must never be committed into the project)")
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return p


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's 2025 results with 2024 as the prior year, as ``make demo`` computes them."""
    prior_inv, _ = load_inventory(DEMO_2024)
    prior = json.loads(results_json(compute(prior_inv).results))
    inv, issues = load_inventory(DEMO)
    assert not any(i.severity is Severity.ERROR for i in issues)
    out = tmp_path_factory.mktemp("demo-results")
    write_outputs(compute(inv), out)
    current = json.loads((out / "results.json").read_text(encoding="utf-8"))
    both = years.with_prior(current, prior, inv.settings.options.base_year_threshold)
    (out / "results.json").write_text(results_json(both), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def results(demo_dir: Path) -> dict[str, Any]:
    return json.loads((demo_dir / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validated(demo_dir: Path, ifrs_zip: Path, tmp_path_factory: pytest.TempPathFactory):
    """The one validated run shared by the tests: the command, as a user runs it."""
    out = tmp_path_factory.mktemp("xbrl")
    res = CliRunner().invoke(app, ["xbrl", str(demo_dir), "--out", str(out), "--ifrs-package", str(ifrs_zip),
                                   "--require-valid", "--lang", "en"])
    return res, out, json.loads((out / "validation.json").read_text(encoding="utf-8"))


def _file(out: Path, suffix: str) -> Path:
    (p,) = [p for p in out.iterdir() if p.name.endswith(suffix) and (suffix != ".json" or p.name.endswith("-climate.json"))]
    return p


# --- the demo group ---------------------------------------------------------------------------------------

def test_demo_validates_clean(validated) -> None:
    res, out, report = validated
    assert res.exit_code == 0, res.output
    assert report["validated"] is True
    assert report["errors"] == 0 and report["warnings"] == 0 and report["inconsistencies"] == 0
    # nothing left untagged: the cement metrics (EM-CM-110a.1 ETS coverage, EM-CM-130a.1 energy) are
    # in results.json since the carbon-market and energy calculations (issue 16)
    assert report["issues"] == []
    instance = _file(out, ".xbrl").read_text(encoding="utf-8")
    assert "GrossScope1GHGEmissionsPercentageCoveredByRegulation" in instance and "EnergyConsumed" in instance
    assert "0 errors, 0 warnings (0 inconsistencies)" in res.output
    for suffix in (".xbrl", ".xhtml", ".json", ".zip", "validation.json"):
        assert _file(out, suffix).stat().st_size > 0
    assert (out / "viewer" / "xbrlviewer.html").is_file() and (out / "viewer" / "ixbrlviewer.js").is_file()
    assert (out / "taxonomy" / "csds_2026-11-24.zip").is_file()
    assert (out / "taxonomy" / f"{_file(out, '.xbrl').stem}-entity.zip").is_file()


def test_round_trip_is_exact(validated, results) -> None:
    _, _, report = validated
    rt = report["roundtrip"]
    n = len(build_facts(results).facts)
    assert rt == {"expected": n, "read_back": n, "equal": n, "exact": True}
    assert n > 500


def test_facts_carry_the_demo_figures(results, validated) -> None:
    """Spot checks against results.json: the concepts, the group / other-investee split, the
    Scope 3 category axis, the gas axis, the intensity per CNY, the carbon-market positions."""
    _, out, _ = validated
    root = etree.parse(str(_file(out, ".xbrl"))).getroot()
    contexts = {c.get("id"): c for c in root.iter(f"{{{XBRLI}}}context")}

    def dims(f: etree._Element) -> dict[str, str]:
        c = contexts[f.get("contextRef")]
        return {m.get("dimension"): "".join(m.itertext()).strip()
                for m in c.iter(f"{{{XBRLDI}}}explicitMember", f"{{{XBRLDI}}}typedMember")}

    def this_period(f: etree._Element) -> bool:
        c = contexts[f.get("contextRef")]
        start = c.find(f".//{{{XBRLI}}}startDate")
        return start is None or start.text == results["period"]["start"]

    def value(ns: str, local: str, **want: str) -> str:
        hits = [f for f in root.iter(f"{{{ns}}}{local}") if dims(f) == want and this_period(f)]
        assert len(hits) == 1, (local, want, len(hits))
        return hits[0].text

    t = results["totals"]
    assert value(IFRS, "AbsoluteGrossScope1GHGEmissions") == str(rounded(t["scope1"])) == "3127772.06"
    # a total of scopes is tagged as the sum of its rounded parts (results.json published), so the
    # calculation adds up to the cent (test_published_totals_are_the_sums_of_the_rounded_parts)
    parts = sum(rounded(t[k]) for k in ("scope1", "scope2_location", "scope3"))
    assert value(IFRS, "AbsoluteGrossScope12And3GHGEmissions") == str(parts) == "3716408.11"
    assert results["published"]["totals"]["scope1_2_3_location"] == float(parts)
    # gases only where measured: the grid factors are CO2-only, so Scope 2 has CO2 and nothing else
    s2_gases = [dims(f) for f in root.iter(f"{{{IFRS}}}AbsoluteGrossLocationbasedScope2GHGEmissions")
                if "ifrs-sds:ConstituentGreenhouseGasAxis" in dims(f)]
    assert s2_gases == [{"ifrs-sds:ConstituentGreenhouseGasAxis": "ifrs-sds:CarbonDioxideCO2Member"}]
    # Scope 3 by CO2e factors: the IFRS member of the gases not disclosed one by one
    assert value(IFRS, "AbsoluteGrossScope3GHGEmissions", **{
        "ifrs-sds:ConstituentGreenhouseGasAxis": "ifrs-sds:AggregateOfOtherConstituentGasesNotIndividuallyDisclosedMember"}) \
        == str(rounded(t["scope3"]))
    assert value(IFRS, "AbsoluteGrossLocationbasedScope2GHGEmissions") == str(rounded(t["scope2_location"]))
    assert value(IFRS, "AbsoluteGrossScope1GHGEmissions", **{
        "ifrs-sds:GHGEmissionsDisclosureBasisAxis": "ifrs-sds:ConsolidatedAccountingGroupMember"}) == "3127772.06"
    assert value(IFRS, "AbsoluteGrossScope3GHGEmissions", **{
        "ifrs-sds:Scope3EmissionsCategoriesAxis": "ifrs-sds:Category1PurchasedGoodsAndServicesMember"}) == "217574.00"
    assert value(IFRS, "AbsoluteGrossScope1GHGEmissions", **{
        "ifrs-sds:ConstituentGreenhouseGasAxis": "ifrs-sds:SulphurHexafluorideSF6Member"}) == "756.00"
    per_cny = value(EXT, "GHGEmissionsIntensityScope1AndLocationbasedScope2PerRevenue")
    assert Decimal(per_cny) == rounded(results["intensity"]["per_revenue"]["scope1_2_location"], "intensity").scaleb(-6)
    assert value(IFRS, "AbsoluteGrossScope1GHGEmissions", **{"csdsx:FacilityAxis": "F03"}) == str(
        rounded(resolve(results, ("by_facility", "F03", "scope1"))))
    cm = results["disclosures"]["carbon_market"]
    assert Decimal(value(EXT, "EmissionAllowancesSurrendered")) == rounded(cm["allowances_surrendered"])
    assert Decimal(value(EXT, "CCERsUsedForCompliance")) == rounded(cm["ccer_used"])
    enum = value(IFRS, "CategoriesIncludedWithinMeasureOfScope3GHGEmissions").split()
    assert len(enum) == sum(1 for c in results["scope3_categories"] if c["included"])
    assert all(u.startswith(IFRS + "#Category") for u in enum)
    ident = next(root.iter(f"{{{XBRLI}}}identifier"))
    assert ident.get("scheme") == "https://www.cods.org.cn/uscc" and ident.text == results["entity"]["identifier"]
    # dimensions in the scenario, never the segment
    assert not list(root.iter(f"{{{XBRLI}}}segment"))


def test_published_totals_are_the_sums_of_the_rounded_parts() -> None:
    """The issue's case (the 2025 demo before the units fix): Scope 1 + 2 + 3 location-based
    published as 3,125,428.29 + 188,810.91 + 321,673.83 = 3,635,913.03, where the unrounded sum
    rounds to .02; results.json keeps the unrounded totals."""
    from disclosure.core.rounding import published_totals

    totals = {"scope1": 3125428.2863, "scope2_location": 188810.90931, "scope3": 321673.82787}
    totals["scope1_2_3_location"] = totals["scope1"] + totals["scope2_location"] + totals["scope3"]
    assert str(rounded(totals["scope1_2_3_location"])) == "3635913.02"
    assert published_totals(totals) == {"scope1": 3125428.29, "scope2_location": 188810.91, "scope3": 321673.83,
                                        "scope1_2_3_location": 3635913.03}


def test_decimals_and_digits_follow_the_rounding_policy(results, validated) -> None:
    """``decimals`` comes from disclosure.export.numbers, and the page prints the digits the Word
    report prints (numbers.fmt)."""
    _, out, _ = validated
    fs = build_facts(results)
    page = etree.parse(str(_file(out, ".xhtml"))).getroot()
    shown = {e.get("id"): e for e in page.iter(f"{{{IX}}}nonFraction")}
    for i, f in enumerate(fs.facts):
        if not f.numeric:
            continue
        assert f.decimals == decimals(f.kind, resolve(results, f.source)) - f.raw_scale
        el = shown[f"f{i + 1}"]
        assert el.get("decimals") == str(f.decimals)
        raw = resolve(results, f.source)
        if f.kind == "share":
            assert el.text + "%" == fmt(raw, "share")
        elif f.raw_scale == 0:
            assert el.text == fmt(raw, f.kind)


def test_every_number_is_tagged_and_shown(results, validated) -> None:
    """Every numeric fact is an ix:nonFraction on the visible page, none in ix:hidden."""
    _, out, _ = validated
    page = etree.parse(str(_file(out, ".xhtml"))).getroot()
    hidden = page.find(f".//{{{IX}}}hidden")
    assert hidden is None or not list(hidden.iter(f"{{{IX}}}nonFraction"))
    n_numeric = sum(1 for f in build_facts(results).facts if f.numeric)
    assert len(list(page.iter(f"{{{IX}}}nonFraction"))) == n_numeric
    # bilingual: both languages on the page, text blocks tagged in each
    langs = {e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in page.iter(f"{{{IX}}}nonNumeric")
             if e.get("escape") == "true"}
    assert langs == {"zh-CN", "en"}


def test_report_package_layout(validated) -> None:
    _, out, _ = validated
    with zipfile.ZipFile(_file(out, ".zip")) as z:
        names = z.namelist()
        assert names == sorted(names)
        top = {n.split("/")[0] for n in names}
        assert len(top) == 1
        (stem,) = top
        assert f"{stem}/META-INF/reportPackage.json" in names
        assert json.loads(z.read(f"{stem}/META-INF/reportPackage.json"))["documentInfo"]["documentType"] == \
            "https://xbrl.org/report-package/2023"
        assert f"{stem}/reports/inline/{stem}.xhtml" in names and f"{stem}/reports/xbrl/{stem}.xbrl" in names
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in z.infolist())
        # the IFRS taxonomy is referenced by URL, never included
        assert not any("ifrs_sds" in n for n in names)


def test_output_is_byte_identical_across_runs(demo_dir, validated, tmp_path) -> None:
    _, first, _ = validated
    second = tmp_path / "again"
    export_xbrl(demo_dir, second, validate=False)
    for suffix in (".xbrl", ".xhtml", ".zip"):
        assert _file(first, suffix).read_bytes() == _file(second, suffix).read_bytes(), suffix
    assert (first / "taxonomy" / "csds_2026-11-24.zip").read_bytes() == \
        (second / "taxonomy" / "csds_2026-11-24.zip").read_bytes()


# --- broken outputs: each caught with Arelle's own code ------------------------------------------------------

def _fact(root: etree._Element, ns: str, local: str, ctx: str = "c1") -> etree._Element:
    return next(e for e in root if e.tag == f"{{{ns}}}{local}" and e.get("contextRef") == ctx)


def _wrong_unit(root: etree._Element) -> None:
    f = _fact(root, IFRS, "AbsoluteGrossScope1GHGEmissions")
    u = etree.Element(f"{{{XBRLI}}}unit", id="u_money")
    etree.SubElement(u, f"{{{XBRLI}}}measure").text = "iso4217:CNY"
    root.insert(root.index(f), u)
    f.set("unitRef", "u_money")


def _missing_decimals(root: etree._Element) -> None:
    del _fact(root, IFRS, "AbsoluteGrossScope1GHGEmissions").attrib["decimals"]


def _undefined_concept(root: etree._Element) -> None:
    _fact(root, IFRS, "AbsoluteGrossScope1GHGEmissions").tag = f"{{{EXT}}}NoSuchGHGEmissionsConcept"


def _instant_on_duration(root: etree._Element) -> None:
    c1 = next(c for c in root.iter(f"{{{XBRLI}}}context") if c.get("id") == "c1")
    c = copy.deepcopy(c1)
    c.set("id", "c_instant")
    period = c.find(f"{{{XBRLI}}}period")
    for child in list(period):
        period.remove(child)
    etree.SubElement(period, f"{{{XBRLI}}}instant").text = "2025-12-31"
    c1.addnext(c)
    _fact(root, IFRS, "AbsoluteGrossScope1GHGEmissions").set("contextRef", "c_instant")


def _member_not_on_axis(root: etree._Element) -> None:
    for m in root.iter(f"{{{XBRLDI}}}explicitMember"):
        if m.text == "ifrs-sds:ConsolidatedAccountingGroupMember":
            m.text = "ifrs-sds:Category1PurchasedGoodsAndServicesMember"


def _bad_enumeration(root: etree._Element) -> None:
    f = next(e for e in root if e.tag.endswith(
        "}MeasurementApproachUsedInCalculatingGHGEmissionsIfMeasuredInAccordanceWithGHGProtocol"))
    f.text = IFRS + "#CarbonDioxideCO2Member"


def _current(root: etree._Element, local: str, dims: dict[str, str] | None = None) -> etree._Element:
    """The fact of this period of an IFRS concept with exactly these dimensions (typed members by
    their value)."""
    contexts = {c.get("id"): c for c in root.iter(f"{{{XBRLI}}}context")}
    this = contexts["c1"].findtext(f".//{{{XBRLI}}}startDate")   # c1: the period's, no dimension

    def has(f: etree._Element) -> bool:
        c = contexts[f.get("contextRef")]
        got = {m.get("dimension"): "".join(m.itertext()).strip()
               for m in c.iter(f"{{{XBRLDI}}}explicitMember", f"{{{XBRLDI}}}typedMember")}
        return got == (dims or {}) and c.findtext(f".//{{{XBRLI}}}startDate") == this

    ns, local = (EXT, local.split(":")[1]) if local.startswith("csdsx:") else (IFRS, local)
    (f,) = [f for f in root if f.tag == f"{{{ns}}}{local}" and has(f)]
    return f


def _plus(f: etree._Element, amount: str) -> None:
    f.text = str(Decimal(f.text) + Decimal(amount))


def _wrong_total(root: etree._Element) -> None:
    """Scope 1 + 2 + 3 five cents off its parts: more than rounding allows (c11r allows 2 cents here)."""
    _plus(_current(root, "AbsoluteGrossScope12And3GHGEmissions"), "0.05")


def _one_cent_off_total(root: etree._Element) -> None:
    """One cent off: within the rounding of the parts, which calculation 1.1 accepts."""
    _plus(_current(root, "AbsoluteGrossScope12And3GHGEmissions"), "0.01")


def _category_sum_off(root: etree._Element) -> None:
    _plus(_current(root, "AbsoluteGrossScope3GHGEmissions", {
        "ifrs-sds:Scope3EmissionsCategoriesAxis": "ifrs-sds:Category1PurchasedGoodsAndServicesMember"}), "100")


def _negative_emissions(root: etree._Element) -> None:
    f = _current(root, "AbsoluteGrossLocationbasedScope2GHGEmissions", {"csdsx:FacilityAxis": "F03"})
    f.text = "-" + f.text


def _facility_sum_off(root: etree._Element) -> None:
    """One facility's Scope 1 off by 100 t: only the facilities breakdown (a typed axis) sees it."""
    _plus(_current(root, "AbsoluteGrossScope1GHGEmissions", {"csdsx:FacilityAxis": "F03"}), "100")


def _gas_sum_off(root: etree._Element) -> None:
    """Scope 1's CO2 off by 100 t: only the gases breakdown (an explicit IFRS axis) sees it."""
    _plus(_current(root, "AbsoluteGrossScope1GHGEmissions", {
        "ifrs-sds:ConstituentGreenhouseGasAxis": "ifrs-sds:CarbonDioxideCO2Member"}), "100")


def _duplicate_part(root: etree._Element) -> None:
    """A facility's Scope 1 fact twice, with the same value: a complete duplicate, which Arelle's
    duplicate check (inconsistent ones only) lets pass; the facilities breakdown counts it twice."""
    f = _current(root, "AbsoluteGrossScope1GHGEmissions", {"csdsx:FacilityAxis": "F03"})
    g = copy.deepcopy(f)
    g.set("id", "f_duplicate_part")
    f.addnext(g)


def _inconsistent_duplicate(root: etree._Element) -> None:
    f = _current(root, "AbsoluteGrossScope1GHGEmissions")
    g = copy.deepcopy(f)
    g.set("id", "f_duplicate")
    _plus(g, "7")
    f.addnext(g)


def _on_consolidated_group(local: str) -> Any:
    """A fact of ``local`` in a copy of its context on the consolidated-group member."""
    def mutate(root: etree._Element) -> None:
        f = _current(root, local)
        c = copy.deepcopy(next(c for c in root.iter(f"{{{XBRLI}}}context") if c.get("id") == f.get("contextRef")))
        c.set("id", "c_group")
        m = etree.SubElement(etree.SubElement(c, f"{{{XBRLI}}}scenario"), f"{{{XBRLDI}}}explicitMember",
                             dimension="ifrs-sds:GHGEmissionsDisclosureBasisAxis")
        m.text = "ifrs-sds:ConsolidatedAccountingGroupMember"
        next(root.iter(f"{{{XBRLI}}}context")).addprevious(c)
        g = copy.deepcopy(f)
        g.set("contextRef", "c_group")
        g.set("id", "f_group")
        f.addnext(g)
    return mutate


BROKEN = {
    "wrong-total": (_wrong_total, "calc11e:inconsistentCalculationUsingRounding"),
    "category-sum-off": (_category_sum_off, "formula:assertionUnsatisfied"),
    "negative-emissions": (_negative_emissions, "formula:assertionUnsatisfied"),
    "facility-sum-off": (_facility_sum_off, "formula:assertionUnsatisfied"),
    "gas-sum-off": (_gas_sum_off, "formula:assertionUnsatisfied"),
    "duplicate-part": (_duplicate_part, "formula:assertionUnsatisfied"),
    "inconsistent-duplicate": (_inconsistent_duplicate, "arelle:duplicateFacts"),
    "scope3-on-consolidated-group": (_on_consolidated_group("AbsoluteGrossScope3GHGEmissions"),
                                     "xbrldie:PrimaryItemDimensionallyInvalidError"),
    "biogenic-on-consolidated-group": (_on_consolidated_group("csdsx:BiogenicCO2EmissionsReportedOutsideScopes"),
                                       "xbrldie:PrimaryItemDimensionallyInvalidError"),
    "wrong-unit": (_wrong_unit, "utre:error-NumericFactUtrInvalid"),
    "missing-decimals": (_missing_decimals, "xbrl.4.6.3:missingPrecisionDecimals"),
    "undefined-concept": (_undefined_concept, "xbrl:schemaImportMissing"),
    "instant-period-on-duration-concept": (_instant_on_duration, "xbrl.4.7.2:contextPeriodType"),
    "member-not-allowed-on-axis": (_member_not_on_axis, "xbrldie:PrimaryItemDimensionallyInvalidError"),
    "bad-enumeration-value": (_bad_enumeration, "enum2ie:InvalidEnumerationValue"),
}


def _packages(ifrs_zip: Path, out: Path) -> list[Path]:
    """The IFRS package, the project's extension and the report's entity extension."""
    return [ifrs_zip, out / "taxonomy" / "csds_2026-11-24.zip", out / "taxonomy" / f"{_file(out, '.xbrl').stem}-entity.zip"]


# the cement metrics as the carbon-market and energy calculations will put them in results.json
CEMENT = {"carbon_market": {"scope1_covered_share": 0.9312},
          "energy": {"consumed_gj": 41_250_000.0, "grid_electricity_share": 0.112, "renewable_share": 0.034,
                     "alternative_share": 0.087}}


@pytest.fixture(scope="module")
def broken_runs(validated, ifrs_zip, results, tmp_path_factory):
    """The good instance, mutated each way of BROKEN, and three good documents validated alone (the
    loose xBRL-JSON, the one-cent-off total, the instance of results holding the cement metrics),
    in one call (two worker processes)."""
    _, out, _ = validated
    good = _file(out, ".xbrl")
    folder = tmp_path_factory.mktemp("broken")
    paths = []
    for name, mutate in [*((n, m) for n, (m, _) in BROKEN.items()), ("one-cent-off-total", _one_cent_off_total)]:
        tree = etree.parse(str(good))
        mutate(tree.getroot())
        p = folder / f"{name}.xbrl"
        tree.write(str(p), xml_declaration=True, encoding="UTF-8")
        paths.append(p)
    cement = folder / "cement.xbrl"
    cement.write_bytes(instance_bytes(build_facts({**results, **CEMENT})))
    run = run_arelle([*paths, cement, _file(out, ".json")], _packages(ifrs_zip, out), workers=2)
    assert run.error is None, run.error
    return {Path(r.entry).stem: r for r in run.results}, run


# the formula assertions each broken sum fails, and only those (Arelle names an assertion by its id)
UNSATISFIED = {
    "category-sum-off": ["csdsx_scope3Categories_AbsoluteGrossScope3GHGEmissions"],
    "facility-sum-off": ["csdsx_facilities_AbsoluteGrossScope1GHGEmissions"],
    "gas-sum-off": ["csdsx_gases_AbsoluteGrossScope1GHGEmissions"],
    "duplicate-part": ["csdsx_facilities_AbsoluteGrossScope1GHGEmissions"],
    # a facility's negative Scope 2 (location-based) also leaves its facilities breakdown short
    "negative-emissions": ["csdsx_facilities_AbsoluteGrossLocationbasedScope2GHGEmissions", "csdsx_nonNegativeEmissions"],
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_output_is_caught(broken_runs, name: str) -> None:
    by_name, _ = broken_runs
    r = by_name[name]
    code = BROKEN[name][1]
    assert not r.ok
    assert code in r.codes(), r.codes()
    if name in UNSATISFIED:
        failed = sorted(m["message"].split()[0].rstrip(",") for m in r.messages if m["code"] == "formula:assertionUnsatisfied")
        assert failed == UNSATISFIED[name]
    if name in ("wrong-unit", "missing-decimals", "instant-period-on-duration-concept", "member-not-allowed-on-axis",
                "bad-enumeration-value", "scope3-on-consolidated-group", "biogenic-on-consolidated-group"):
        # Arelle names the fact it rejects
        hit = next(m for m in r.messages if m["code"] == code)
        assert hit["concept"].startswith(("ifrs-sds:", "csdsx:")) and hit["context"]


def test_the_good_documents_validated_alone_are_clean(broken_runs, results) -> None:
    """The loose xBRL-JSON reloads with no message (languages in lower case); a total one cent off
    its rounded parts passes calculation 1.1; the instance of results holding the cement metrics
    (as the carbon-market and energy calculations will) is valid and tags them."""
    by_name, _ = broken_runs
    stem = next(n for n in by_name if n.endswith("-climate"))
    for name in (stem, "one-cent-off-total", "cement"):
        assert by_name[name].ok and by_name[name].codes() == [], (name, by_name[name].codes())
    fs = build_facts({**results, **CEMENT})
    got = {(f.concept, f.dims): f.value for f in fs.facts if f.concept.startswith("ifrs-ibg:")
           and f.concept != "ifrs-ibg:ProductionWeight"}
    assert got == {
        ("ifrs-ibg:GrossScope1GHGEmissionsPercentageCoveredByRegulation", ()): Decimal("0.9312"),
        ("ifrs-ibg:EnergyConsumed", ()): Decimal("41250000.00"),
        ("ifrs-ibg:EnergyConsumedPercentage", (("ifrs-ibg:EnergySourceAxis", "ifrs-ibg:GridElectricityMember"),)):
            Decimal("0.1120"),
        ("ifrs-ibg:EnergyConsumedPercentage", (("ifrs-ibg:EnergySourceAxis", "ifrs-ibg:RenewableEnergyMember"),)):
            Decimal("0.0340"),
        ("ifrs-ibg:EnergyConsumedPercentage", (("ifrs-ibg:EnergySourceAxis", "ifrs-ibg:AlternativeSourcesMember"),)):
            Decimal("0.0870")}
    assert not fs.notes
    # the output is a production weight in tonnes: the IFRS industry metric, not the extension's
    (pw,) = [f for f in fs.facts if f.concept == "ifrs-ibg:ProductionWeight"]
    assert pw.value == Decimal("4200000.00") and pw.unit == (("utr:t",), ())
    assert not any(f.concept == "csdsx:OutputUsedToCalculateGHGEmissionsIntensity" for f in fs.facts)
    # no cement facility, no cement metric
    other = copy.deepcopy({**results, **CEMENT})
    for f in other["by_facility"]:
        f["sector"] = "L7211 企业总部管理"
    assert not any(f.concept.startswith("ifrs-ibg:") and f.concept != "ifrs-ibg:ProductionWeight"
                   for f in build_facts(other).facts)


# Arelle in a process of its own (as the worker runs it), asked to count each assertion's evaluations
_COUNTS = """
import json, re, sys
from arelle.api.Session import Session
from arelle.logging.handlers.StructuredMessageLogHandler import StructuredMessageLogHandler
from arelle.RuntimeOptions import RuntimeOptions
entry, *packages = sys.argv[1:]
opts = RuntimeOptions(entrypointFile=entry, packages=packages, validate=True, workOffline=True,
                      internetConnectivity="offline", baseTaxonomyValidationMode="none", disablePersistentConfig=True,
                      keepOpen=True, logFile="logToBuffer", formulaAction="run", formulaAsserResultCounts=True)
with Session() as session:
    session.run(opts, logHandler=StructuredMessageLogHandler())
    out = {}
    for m in session.get_log_messages():
        hit = re.match(r"Value Assertion (\\S+) evaluations : (\\d+) satisfied, (\\d+) not satisfied", m.get("msg", ""))
        if m.get("messageCode") == "formula:trace" and hit:
            out[hit[1]] = [int(hit[2]), int(hit[3])]
print(json.dumps(out))
"""


def test_every_formula_assertion_is_evaluated_once_per_total(validated, ifrs_zip, results) -> None:
    """No assertion holds for want of evaluations: on the demo instance each breakdown assertion is
    evaluated once for each total that has parts on its axis (one per period so broken down), each
    satisfied, and the non-negative assertion once per emission fact; the filters that keep a total
    to the fact without any other axis (formulas.lone_axes) drop no evaluation."""
    import subprocess
    import sys

    _, out, _ = validated
    got = json.loads(subprocess.run([sys.executable, "-c", _COUNTS, str(_file(out, ".xbrl")), *map(str, _packages(ifrs_zip, out))],
                                    check=True, capture_output=True, text=True, timeout=600).stdout)
    s = taxonomy.spec()
    facts = build_facts(results).facts
    expected = {"csdsx_nonNegativeEmissions": [sum(1 for f in facts if f.concept in s.non_negative), 0]}
    for b in s.breakdowns:
        for concept in b["concepts"]:
            periods = {f.period for f in facts if f.concept == concept and len(f.dims) == 1 and f.dims[0][0] == b["axis"]}
            expected[f"csdsx_{b['id']}_{concept.split(':')[1]}"] = [len(periods), 0]
    assert got == expected
    # the demo breaks down this period's figures only: one evaluation for each of the 22 breakdown
    # assertions, none without; 165 emission facts in all, this period's and the prior's
    assert len(got) == 23 and all(got[k] == [1, 0] for k in got if k != "csdsx_nonNegativeEmissions")
    assert got["csdsx_nonNegativeEmissions"] == [165, 0]


def test_arelle_messages_become_issue_records(broken_runs) -> None:
    _, run = broken_runs
    issues = issues_from(run)
    assert issues and all(i.code in ("xbrl-invalid", "xbrl-arelle-inconsistent") and i.severity is Severity.ERROR
                          for i in issues)
    codes = {dict(i.params)["arelle_code"]: i.code for i in issues}
    # calculation and duplicate-fact inconsistencies fail the run, as errors
    assert codes["calc11e:inconsistentCalculationUsingRounding"] == "xbrl-arelle-inconsistent"
    assert codes["arelle:duplicateFacts"] == "xbrl-arelle-inconsistent"
    assert codes["formula:assertionUnsatisfied"] == "xbrl-invalid"
    unit = next(i for i in issues if dict(i.params)["arelle_code"] == "utre:error-NumericFactUtrInvalid")
    params = dict(unit.params)
    assert params["concept"] == "ifrs-sds:AbsoluteGrossScope1GHGEmissions" and params["context"] == "c1"
    assert unit.location.file == "wrong-unit.xbrl" and unit.location.row
    assert "u_money" in unit.message("en")


def test_a_worker_started_ahead_validates_as_one_started_then(validated, ifrs_zip, tmp_path, monkeypatch) -> None:
    """A worker started ahead (``report`` starts one with the run, so that Arelle is imported on the
    other core while the inventory is checked) gives what a worker started for the job gives: the
    same messages and the same facts read back, with Arelle imported before the job came. It is
    taken once; one never given a job is ended on close; one that died while it waited is replaced by
    a worker started afresh."""
    _, out, _ = validated
    pkg = _file(out, ".zip")
    fresh = run_arelle([pkg], [ifrs_zip], read_facts=True)
    with ArelleWorker() as worker:
        ahead = run_arelle([pkg], [ifrs_zip], read_facts=True, started=worker)
        assert worker.take() is None
    assert fresh.error is None and ahead.error is None
    (f,), (a,) = fresh.results, ahead.results
    assert a.ok and f.ok and a.documents == f.documents and len(a.documents) == 3
    assert a.codes() == f.codes() and a.facts == f.facts and len(a.facts) > 100
    assert a.seconds["import"] < f.seconds["import"]   # imported while it waited

    unused = ArelleWorker()
    proc = unused._proc
    assert proc is not None
    unused.close()
    assert proc.poll() is not None and unused.take() is None

    from disclosure.export.xbrl import validate

    dying = tmp_path / "dying_worker.py"
    dying.write_text("raise SystemExit('no Arelle here')\n", encoding="utf-8")
    monkeypatch.setattr(validate, "WORKER", dying)
    dead = ArelleWorker()
    assert dead._proc is not None and dead._proc.wait(timeout=60) == 1
    monkeypatch.undo()
    again = run_arelle([pkg], [ifrs_zip], started=dead)
    assert again.error is None and again.results[0].ok


def test_a_worker_that_dies_or_hangs_is_xbrl_arelle_failed(validated, demo_dir, ifrs_zip, tmp_path, monkeypatch) -> None:
    """Arelle that cannot finish is an issue (xbrl-arelle-failed, an error), never a traceback, and
    validation is not claimed: the real worker stopped at its time limit, and a worker process that
    dies (a script raising in its place) with the last line of its error in the reason."""
    _, out, _ = validated
    hung = run_arelle([_file(out, ".zip")], [ifrs_zip], timeout=1)
    assert hung.error == "Arelle did not finish within 1 s" and hung.results == []
    (i,) = issues_from(hung)
    assert i.code == "xbrl-arelle-failed" and i.severity is Severity.ERROR
    assert "did not finish within 1 s" in i.message("en")

    from disclosure.export.xbrl import validate

    dying = tmp_path / "dying_worker.py"
    dying.write_text("raise SystemExit('the worker ran out of memory')\n", encoding="utf-8")
    monkeypatch.setattr(validate, "WORKER", dying)
    exp = export_xbrl(demo_dir, tmp_path / "x", ifrs_package=ifrs_zip)
    assert not exp.validated and not exp.valid and exp.roundtrip is None
    (failed,) = [i for i in exp.issues if i.code == "xbrl-arelle-failed"]
    assert "exit 1" in failed.message("en") and "the worker ran out of memory" in failed.message("en")
    report = json.loads(exp.paths["report"].read_text(encoding="utf-8"))
    assert report["validated"] is False and report["errors"] == 1


def test_the_worker_reports_where_its_time_went(broken_runs) -> None:
    """Per report document Arelle's load, validation and formula run (from Arelle's own timing
    lines), the import and the rest; the parts add up to the run's wall time."""
    by_name, run = broken_runs
    r = by_name["wrong-total"]
    assert set(r.seconds["documents"]["wrong-total.xbrl"]) == {"load", "validate", "formula"}
    assert all(v >= 0 for v in r.seconds["documents"]["wrong-total.xbrl"].values())
    b = run.breakdown()
    assert b["import"] > 0 and b["load:wrong-total.xbrl"] > 0 and b["formula:cement.xbrl"] > 0
    # two processes ran at once: the time inside them is at most twice the wall time
    assert 0 < sum(v for k, v in b.items() if k != "process other") <= 2 * run.seconds


# --- the project's own consistency checks -------------------------------------------------------------------

def test_consistency_checks_pass_on_the_demo(results) -> None:
    assert checks.check(build_facts(results)) == []


def test_consistency_checks_catch_what_the_taxonomy_does_not(results) -> None:
    fs = build_facts(results)
    i = next(k for k, f in enumerate(fs.facts) if f.source == ("by_basis", "other_investees", "scope1"))
    fs.facts[i] = dataclasses.replace(fs.facts[i], value=Decimal("1000.00"))
    j = next(k for k, f in enumerate(fs.facts) if f.source == ("scope3_categories", 2, "co2e"))
    fs.facts[j] = dataclasses.replace(fs.facts[j], value=fs.facts[j].value + 1)
    k = next(k for k, f in enumerate(fs.facts) if f.source == ("published", "totals", "scope1_2_location"))
    fs.facts[k] = dataclasses.replace(fs.facts[k], value=fs.facts[k].value + Decimal("0.50"))
    s1 = next(f for f in fs.facts if f.source == ("published", "totals", "scope1"))
    fs.facts.append(dataclasses.replace(s1, dims=(("ifrs-sds:Scope3EmissionsCategoriesAxis",
                                                   "ifrs-sds:Category1PurchasedGoodsAndServicesMember"),),
                                        source=("test",)))
    found = checks.check(fs)
    codes = sorted(i.code for i in found)
    assert codes.count("xbrl-inconsistent") == 3, [i.message("en") for i in found]
    assert "xbrl-dimension-not-allowed" in codes
    text = " ".join(i.message("en") for i in found)
    assert "GHGEmissionsDisclosureBasisAxis" in text and "Scope3EmissionsCategoriesAxis" in text
    assert "AbsoluteGrossScope1And2GHGEmissions" in text


def test_rounding_differences_are_not_inconsistencies(results) -> None:
    """A total and its rounded parts may differ by the rounding: that is not reported."""
    fs = build_facts(results)
    k = next(k for k, f in enumerate(fs.facts) if f.source == ("published", "totals", "scope1_2_location"))
    fs.facts[k] = dataclasses.replace(fs.facts[k], value=fs.facts[k].value + Decimal("0.01"))
    assert checks.check(fs) == []


# --- without the IFRS package ---------------------------------------------------------------------------------

def test_without_the_package_files_are_written_and_validation_is_not_claimed(demo_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(taxonomy.ENV_IFRS_PACKAGE, raising=False)
    exp = export_xbrl(demo_dir, tmp_path / "x")
    assert not exp.validated and not exp.valid
    assert [i.code for i in exp.issues] == ["xbrl-not-validated"]
    assert "DISCLOSURE_IFRS_PACKAGE" in exp.issues[0].message("en")
    assert exp.paths["inline"].is_file() and exp.paths["package"].is_file() and "viewer" not in exp.paths
    report = json.loads(exp.paths["report"].read_text(encoding="utf-8"))
    assert report["validated"] is False and report["roundtrip"] is None

    runner = CliRunner()
    res = runner.invoke(app, ["xbrl", str(demo_dir), "--out", str(tmp_path / "y"), "--lang", "en"])
    assert res.exit_code == 0
    assert "NOT validated" in res.output and "validation was not performed" in res.output
    res = runner.invoke(app, ["xbrl", str(demo_dir), "--out", str(tmp_path / "z"), "--require-valid"])
    assert res.exit_code == 1
    res = runner.invoke(app, ["xbrl", str(demo_dir), "--out", str(tmp_path / "w"), "--require-valid",
                              "--ifrs-package", str(tmp_path / "nowhere.zip")])
    assert res.exit_code == 1 and "nowhere.zip" in res.output


def test_package_from_environment_or_report_settings(demo_dir, tmp_path, monkeypatch) -> None:
    fake = tmp_path / "ifrs.zip"
    fake.write_bytes(b"PK")
    monkeypatch.setenv(taxonomy.ENV_IFRS_PACKAGE, str(fake))
    assert taxonomy.ifrs_package(None) == (fake, taxonomy.ENV_IFRS_PACKAGE)
    assert taxonomy.ifrs_package(tmp_path / "missing.zip")[0] is None   # the option wins, even when wrong
    monkeypatch.delenv(taxonomy.ENV_IFRS_PACKAGE)
    assert taxonomy.ifrs_package(None, fake) == (fake, "report.yaml xbrl.ifrs_package")
    folder = tmp_path / "results"
    shutil.copytree(demo_dir, folder)
    (folder / "report.yaml").write_text("xbrl:\n  ifrs_package: ../ifrs.zip\n", encoding="utf-8")
    from disclosure.ingest.report import configured_ifrs_package

    found = configured_ifrs_package(folder)    # a relative path is taken from the folder of report.yaml
    assert found is not None and found.resolve() == fake.resolve()


def test_missing_results_is_a_usage_error(tmp_path) -> None:
    res = CliRunner().invoke(app, ["xbrl", str(tmp_path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2


# --- the taxonomy ---------------------------------------------------------------------------------------------

def test_published_taxonomy_matches_the_concept_file() -> None:
    """taxonomies/csds is generated from concepts.yaml (python -m disclosure.export.xbrl taxonomies)."""
    for rel, data in taxonomy.build_files().items():
        p = REPO / "taxonomies" / taxonomy.PACKAGE_DIR / rel
        assert p.is_file() and p.read_bytes() == data, f"{p} is stale: regenerate it"


def test_every_concept_used_has_chinese_and_english_labels(results, ifrs_zip) -> None:
    s = taxonomy.spec()
    fs = build_facts(results)
    used = {f.concept for f in fs.facts}
    for f in fs.facts:
        for axis, member in f.dims:
            used.add(axis)
            if s.concept(axis).kind == "axis":
                used.add(member)
    with zipfile.ZipFile(ifrs_zip) as z:
        ifrs_en = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                          if n.endswith(("labels/lab_ifrs_sds-en_2024-04-26.xml", "labels/lab_ifrs_ibg-en_2024-04-26.xml")))
    for q in sorted(used):
        if q.startswith(fs.ext.prefix + ":"):   # the report's own members: labels of its entity extension
            assert fs.ext.label(q, "zh") and fs.ext.label(q, "en"), q
            continue
        c = s.concept(q)
        assert c.zh, f"{q} has no zh-CN label"
        if c.prefix == s.prefix:
            assert c.en, f"{q} has no English label"
        else:   # the IFRS taxonomy's own English label
            assert f"#{c.prefix}_{c.name}\"" in ifrs_en, f"{q} has no English label in the IFRS taxonomy"


def test_presentation_follows_the_chapters() -> None:
    ids = [r["id"] for r in taxonomy.spec().roles]
    assert ids == sorted(ids) and ids[0].startswith("1") and all(i[0] in "123456" for i in ids)


# --- the viewer -----------------------------------------------------------------------------------------------

def test_viewer_page_loads_in_headless_chromium(validated, tmp_path) -> None:
    from disclosure.export.xbrl.viewer import CHROMIUM, browse

    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    _, out, report = validated
    page = out / "viewer" / "xbrlviewer.html"
    html = page.read_text(encoding="utf-8")
    assert '<script src="ixbrlviewer.js"' in html   # the script beside the page, no network
    shot = tmp_path / "viewer.png"
    seen = browse(page, shot, click="3,127,772.06")
    assert seen.ready, seen.status
    inline = etree.parse(str(_file(out, ".xhtml"))).getroot()
    hidden = inline.find(f".//{{{IX}}}hidden")
    assert hidden is not None and len(hidden) > 0
    # every fact highlighted in the document: the hidden ones through the element presenting them
    assert seen.facts == report["facts"]
    assert seen.listed > 0                      # and listed in the inspector
    assert "Absolute gross Scope 1 GHG emissions" in seen.status["text"]   # the clicked fact's concept
    assert shot.stat().st_size > 20_000
    keep = os.environ.get("DISCLOSURE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "xbrl-viewer.png")


# --- coverage of IFRS S2 ----------------------------------------------------------------------------------------
IFRS_S2_ROLES = ("210000", "211100", "211200", "211300", "219000")   # research note §1: the S2 presentation roles


def _ifrs_s2_concepts(ifrs_zip: Path) -> list[str]:
    """The non-abstract ifrs-sds concepts of the IFRS S2 presentation roles, in the taxonomy's order."""
    xl = "{http://www.w3.org/1999/xlink}"
    with zipfile.ZipFile(ifrs_zip) as z:
        names = z.namelist()
        xsd = next(n for n in names if n.endswith("ifrs_sds/ifrs_sds-cor_2024-04-26.xsd"))
        abstract = {e.get("name"): e.get("abstract") == "true"
                    for e in etree.fromstring(z.read(xsd)).iter("{http://www.w3.org/2001/XMLSchema}element")}
        out: list[str] = []
        for role in IFRS_S2_ROLES:
            pre = next(n for n in names if n.endswith(f"pre_ifrs_s2_2024-04-26_role-{role}.xml"))
            for loc in etree.fromstring(z.read(pre)).iter("{http://www.xbrl.org/2003/linkbase}loc"):
                frag = loc.get(f"{xl}href").split("#")[1]
                name = frag.removeprefix("ifrs-sds_")
                if name != frag and not abstract[name] and name not in out:
                    out.append(name)
    return out


def test_every_ifrs_s2_concept_is_tagged_or_named_as_not_held(results, ifrs_zip) -> None:
    """Each disclosure concept of the IFRS S2 roles is either tagged from the 2025 demo (with 2024 as
    its prior year) or named in concepts.yaml's ``not_held`` with a zh-CN and English reason; never
    both, and ``not_held`` names no concept outside those roles."""
    from importlib import resources

    every = _ifrs_s2_concepts(ifrs_zip)
    # the IFRS taxonomy 2024-04-26: 125 distinct concepts in role 210000 (research note §2.1), 145 with
    # the financed-emission roles 211xxx and the illustrative examples of 219000
    assert len(every) == 145
    prefix = taxonomy.spec().ifrs_prefix
    tagged = {f.concept.split(":")[1] for f in build_facts(results).facts if f.concept.startswith(prefix + ":")}
    data = yaml.safe_load(resources.files("disclosure.export.xbrl").joinpath("concepts.yaml").read_text(encoding="utf-8"))
    not_held: dict[str, dict[str, str]] = {}
    for group in data["not_held"]:
        assert group["reason"]["zh"].strip() and group["reason"]["en"].strip()
        for c in group["concepts"]:
            assert c not in not_held, f"{c} named twice in not_held"
            not_held[c] = group["reason"]
    assert sorted(set(not_held) - set(every)) == []          # no stale or foreign name
    assert sorted(set(not_held) & tagged) == []               # a concept tagged is not "not held"
    assert [c for c in every if c not in tagged and c not in not_held] == []
    # the four pillars are among the tagged: governance, strategy, risk management, metrics and targets
    for c in ("IdentityOfGovernanceBodysOrIndividualsResponsibleForOversightOfRisksAndOpportunitiesExplanatory",
              "DescriptionOfRiskOrOpportunityExplanatory", "ClimaterelatedTransitionPlanExplanatory",
              "AssessmentOfClimateResilienceExplanatory",
              "ProcessesAndRelatedPoliciesToIdentifyAssessPrioritiseAndMonitorRisksExplanatory",
              "AbsoluteGrossScope1GHGEmissions", "TargetValuePercentage",
              "ExtentToWhichAndHowAchievingNetGreenhouseEmissionsTargetReliesOnUseOfCarbonCreditsExplanatory"):
        assert c in tagged and c in every, c
    assert len(tagged & set(every)) == 66 and len(not_held) == 79


def test_published_totals_of_figures_beyond_28_digits() -> None:
    """A large but finite figure (the fuzz test's 1e299 tCO2e) is rounded like any other: Decimal's
    default 28 digits of precision would refuse it to two decimals (InvalidOperation)."""
    from disclosure.core.rounding import published_totals

    out = published_totals({"scope1": 1e299, "scope2_location": 3.004, "scope1_2_location": 1e299 + 3.004})
    assert out == {"scope1": 1e299, "scope2_location": 3.0, "scope1_2_location": 1e299}
