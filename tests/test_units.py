"""Units without surprises (issue 12, item 4): the project's vocabulary of units, spellings with more
than one meaning refused with their candidates, items, area, freight, passenger-distance, storage,
liquid fuels in litres through a density dataset, and output units for intensity.

Exact values: lb = 0.45359237 kg (NIST SP 811); the US gallon is 231 in³ = 3.785411784 L and the
imperial gallon 4.54609 L (both by definition); 1 kgce = 7,000 kcal = 29,307.6 kJ (GB/T 2589-2020),
so its kcal is the International Table one, 4.1868 J per calorie.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compute import inventory, line, run

from disclosure.core import units
from disclosure.core import vocabulary as vocab
from disclosure.core.issues import Location, Severity
from disclosure.core.settings import read_settings
from disclosure.factors import load_library


def errors(issues: list) -> list[tuple[str, int | None, str | None]]:
    return [(i.code, i.location.row, i.location.column) for i in issues if i.severity is Severity.ERROR]


# --- the vocabulary of units --------------------------------------------------------------------------

@pytest.mark.parametrize(("spelling", "candidates"), [
    ("ton", ("metric_tonne", "short_ton", "long_ton")),
    ("tons", ("metric_tonne", "short_ton", "long_ton")),
    ("Tons", ("metric_tonne", "short_ton", "long_ton")),
    ("TONS", ("metric_tonne", "short_ton", "long_ton")),
    ("mt", ("metric_tonne", "millitonne")),
    ("MT", ("metric_tonne", "megatonne")),
    ("MTCO2e", ("tonne_co2e", "megatonne_co2e")),
    ("mtco2e", ("tonne_co2e", "megatonne_co2e")),
    ("ct", ("items", "carat")),
    ("gal", ("us_gallon", "imperial_gallon")),
    ("GAL", ("us_gallon", "imperial_gallon")),
    ("bbl", ("oil_barrel", "us_liquid_barrel")),
    ("cal", ("calorie_it", "calorie_th")),
    ("kcal", ("calorie_it", "calorie_th")),
    ("Gcal", ("calorie_it", "calorie_th")),
    ("therm", ("ec_therm", "us_therm")),
    ("MBtu", ("thousand_btu", "million_btu")),
    ("mWh", ("megawatt_hour", "milliwatt_hour")),
    ("kgCO2e/ton", ("metric_tonne", "short_ton", "long_ton")),   # inside a compound unit too
    ("GJ/gal", ("us_gallon", "imperial_gallon")),
])
def test_a_spelling_with_several_meanings_is_refused_with_them(spelling: str, candidates: tuple) -> None:
    assert units.lookup(spelling) is None
    a = units.ambiguity(spelling)
    assert a is not None and a.candidates == candidates
    # each candidate says what to write instead, and that spelling is accepted (or is a plain unit)
    for c, w in zip(a.candidates, a.write, strict=True):
        assert w == vocab.term("unit_meaning", c).get("write")
        assert units.lookup(w) is not None, w


@pytest.mark.parametrize(("spelling", "to", "value"), [
    ("t", "kg", 1000), ("T", "kg", 1000), ("吨", "kg", 1000), ("tonnes", "kg", 1000),
    ("short_ton", "kg", 2000 * 0.45359237), ("long_ton", "kg", 2240 * 0.45359237),
    ("Mt", "t", 1e6), ("kt", "t", 1000), ("千吨", "t", 1000),
    ("US_gal", "L", 3.785411784), ("imp_gal", "L", 4.54609), ("oil_bbl", "L", 42 * 3.785411784),
    ("大卡", "kJ", 4.1868), ("千卡", "J", 4186.8), ("kcal_it", "J", 4186.8), ("kcal_th", "J", 4184),
    ("kgce", "kcal_it", 7000),                       # GB/T 2589-2020: 1 kgce = 7,000 kcal
    ("MMBtu", "GJ", 1.055056), ("mmBtu", "MMBtu", 1), ("EC_therm", "MJ", 105.5056),
    ("m2", "m**2", 1), ("m²", "m2", 1), ("平方米", "m2", 1), ("㎡", "m2", 1), ("公顷", "m2", 1e4),
    ("ha", "m2", 1e4), ("hm²", "m2", 1e4), ("亩", "m2", 1e4 / 15), ("km2", "m2", 1e6),
    ("t·km", "tkm", 1), ("吨公里", "tkm", 1), ("吨·公里", "tkm", 1), ("万吨公里", "tkm", 1e4),
    ("人公里", "pkm", 1), ("passenger·km", "pkm", 1), ("万人公里", "pkm", 1e4),
    ("m³·天", "m3*day", 1), ("m3·day", "m³·天", 1), ("立方米·天", "m3*天", 1),
    ("升", "L", 1), ("千升", "m3", 1), ("kL", "L", 1000),
    ("件", "pcs", 1), ("个", "件", 1), ("pcs", "piece", 1), ("PCS", "件", 1), ("items", "件", 1),
])
def test_the_project_units_convert_exactly(spelling: str, to: str, value: float) -> None:
    assert units.factor(spelling, to) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("spelling", "dimension"), [
    ("件", "items"), ("个", "items"), ("台", "items"), ("套", "items"), ("辆", "items"), ("pcs", "items"),
    ("m2", "area"), ("平方米", "area"), ("公顷", "area"),
    ("t·km", "mass_distance"), ("人公里", "passenger_distance"), ("m³·天", "storage"),
    ("升", "volume"), ("MW", "power"), ("t", "mass"), ("kt", "mass"),
])
def test_dimensions_of_the_new_units(spelling: str, dimension: str) -> None:
    assert units.lookup(spelling).dimension == dimension


def test_counts_of_different_things_do_not_convert() -> None:
    """A piece, a machine (台), a set (套) and a vehicle (辆) are different counts: a factor per
    piece never applies to a set."""
    for a, b in (("件", "台"), ("件", "套"), ("件", "辆"), ("台", "辆"), ("pcs", "passenger")):
        assert not units.convertible(a, b), (a, b)


@pytest.mark.parametrize("spelling", [
    "parsec", "pc_", "tesla", "knot", "kn", "carat", "furlong", "lightyear", "Gal", "galileo",
    "degF", "mmHg", "bit", "dozen", "unit", "mole", "1e4*m**3",
])
def test_what_pint_knows_but_no_inventory_means_is_no_unit(spelling: str) -> None:
    """pint's defaults hold about a thousand units; the project accepts its own vocabulary only."""
    assert units.lookup(spelling) is None


def test_pcs_is_pieces_not_parsecs() -> None:
    info = units.lookup("pcs")
    assert info is not None and info.dimension == "items"
    assert not units.convertible("pcs", "km")
    assert units.lookup("kt").dimension == "mass"      # a kilotonne, not a knot


def test_messages_name_the_candidates_in_each_language(tmp_path: Path) -> None:
    _, issues = inventory(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit
        C1,F1,stationary_combustion,,原煤,1000,tons
        C2,F1,stationary_combustion,,原煤,1000,t
        C3,F1,scope3,1,purchased paint,5,gal
        C4,F1,scope3,1,widgets,5,parsec
    """)
    found = [i for i in issues if i.code in ("ambiguous-unit", "unknown-unit")]
    by_row = {i.location.row: i for i in found}
    assert sorted(by_row) == [2, 4, 5]
    tons = by_row[2]
    assert (tons.code, tons.severity, tons.location.column) == ("ambiguous-unit", Severity.ERROR, "unit")
    p = dict(tons.params)
    assert p["candidates"] == ["metric_tonne", "short_ton", "long_ton"]
    assert p["write"] == ["t", "short_ton", "long_ton"]
    en = tons.message("en")
    assert "unit 'tons' has more than one meaning" in en
    assert "metric tonne = 1,000 kg (write t)" in en and "short ton = 2,000 lb = 907.18474 kg" in en
    assert "long ton = 2,240 lb = 1,016.0469088 kg" in en
    zh = tons.message("zh-CN")
    assert "单位“tons”有多种含义" in zh and "公吨" in zh and "短吨" in zh and "长吨" in zh
    assert by_row[4].code == "ambiguous-unit" and dict(by_row[4].params)["candidates"] == ["us_gallon",
                                                                                            "imperial_gallon"]
    assert by_row[5].code == "unknown-unit"


# --- the calculation: what a unit means is what is computed ------------------------------------------

def test_1000_tons_of_coal_is_an_error_not_short_tons(tmp_path: Path) -> None:
    """Read as pint reads it, 1,000 'tons' would be 907.18474 t of coal and 1,723.9 tCO2; it is an
    error at the row instead, and the row is not computed."""
    inv, issues = inventory(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        C1,F1,stationary_combustion,原煤,1000,tons
    """)
    assert errors(issues) == [("ambiguous-unit", 2, "unit")]
    from disclosure import compute
    comp = compute(inv)
    c1 = line(comp, "C1")
    assert c1["status"] == "rejected" and c1["co2e"] == 0
    assert comp.results["totals"]["scope1"] == 0


def test_1000_t_of_raw_coal_is_1900_3_tco2(tmp_path: Path) -> None:
    """domain.md's check: 1,000 t raw coal × 20.908 GJ/t (GB/T 2589) × 0.02637 tC/GJ × 0.94
    (GB/T 32150-2015 Appendix B) × 44/12 = 1,900.3 tCO2; 吨 and T are the same tonne."""
    for unit in ("t", "吨", "T"):
        comp = run(tmp_path / unit, f"""
            record_id,facility_id,source,activity,quantity,unit
            C1,F1,stationary_combustion,原煤,1000,{unit}
        """)
        assert round(line(comp, "C1")["t_CO2"], 1) == 1900.3, unit


def test_one_pcs_is_a_piece(tmp_path: Path) -> None:
    """1 pcs × 12 kgCO2e/pcs = 0.012 tCO2e (as a parsec it was 6.17 billion tCO2e)."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,ef_value,ef_unit,gas
        P1,F1,scope3,1,office chair,1,pcs,12,kgCO2e/件,CO2e
        P2,F1,scope3,1,office chair,3,件,12,kgCO2e/pcs,CO2e
    """)
    assert line(comp, "P1")["co2e"] == pytest.approx(0.012)
    assert line(comp, "P2")["co2e"] == pytest.approx(0.036)


def test_a_factor_per_piece_does_not_fit_a_vehicle(tmp_path: Path) -> None:
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,ef_value,ef_unit,gas
        V1,F1,scope3,2,truck,2,辆,12,tCO2e/件,CO2e
    """)
    v1 = line(comp, "V1")
    assert (v1["status"], v1["reason"], v1["co2e"]) == ("excluded", "factor-unit-mismatch", 0)


def test_area_freight_passenger_and_storage_rows(tmp_path: Path) -> None:
    """Each new kind of Scope 3 activity unit computed by hand with a row factor."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,ef_value,ef_unit,gas
        A1,F1,scope3,8,leased office,1200,平方米,0.05,tCO2e/m2,CO2e
        A2,F1,scope3,8,leased yard,2,公顷,10,kgCO2e/m²,CO2e
        T1,F1,scope3,4,rail freight,"50,000",吨·公里,0.025,kgCO2e/tkm,CO2e
        T2,F1,scope3,6,flights,"12,000",人公里,0.15,kgCO2e/pkm,CO2e
        S1,F1,scope3,4,cold storage,3000,m³·天,0.2,kgCO2e/m3/day,CO2e
    """)
    assert line(comp, "A1")["co2e"] == pytest.approx(1200 * 0.05)            # 60 t
    assert line(comp, "A2")["co2e"] == pytest.approx(2 * 1e4 * 10 / 1000)   # 200 t
    assert line(comp, "T1")["co2e"] == pytest.approx(50_000 * 0.025 / 1000)  # 1.25 t
    assert line(comp, "T2")["co2e"] == pytest.approx(12_000 * 0.15 / 1000)   # 1.8 t
    assert line(comp, "S1")["co2e"] == pytest.approx(3000 * 0.2 / 1000)      # 0.6 t


def test_factor_units_are_checked_for_meanings_too(tmp_path: Path) -> None:
    _, issues = inventory(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,ef_value,ef_unit,gas
        P1,F1,scope3,1,steel,10,t,1.9,tCO2e/ton,CO2e
    """, factors="""
        factor_id,activity,unit,gas,value,value_unit,source
        U1,paper,t,CO2e,0.9,tCO2e/TONS,supplier
        U2,glass,t,CO2e,0.9,tCO2e/furlong,supplier
    """)
    got = {(i.code, i.table, i.location.row, i.location.column) for i in issues if i.severity is Severity.ERROR}
    assert got == {("ambiguous-unit", "activities", 2, "ef_unit"), ("ambiguous-unit", "factors", 2, "value_unit"),
                   ("unknown-unit", "factors", 3, "value_unit")}


def test_an_ambiguous_output_unit_is_a_bad_setting() -> None:
    s, issues = read_settings({"output": {"value": 10, "unit": "tons"}}, lambda p: Location("report.yaml"))
    bad = [i for i in issues if i.code == "report-bad-value"]
    assert len(bad) == 1 and dict(bad[0].params)["field"] == "output.unit"
    assert "short ton" in bad[0].message("en") and "短吨" in bad[0].message("zh-CN")
    assert s.output.unit is None


def test_a_dataset_with_an_ambiguous_unit_is_not_loaded(tmp_path: Path) -> None:
    text = Path(units.__file__).parents[1].joinpath("factors", "datasets", "cn-heat-default@1.yaml").read_text(
        encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    assert "tCO2/GJ" in text
    (folder / "cn-heat-default@9.yaml").write_text(
        text.replace('version: "1"', 'version: "9"').replace("tCO2/GJ", "tCO2/therm"), encoding="utf-8")
    lib, issues = load_library([folder])
    assert lib.get("cn-heat-default", "9") is None
    assert any(i.code == "factor-dataset-invalid" and "EC_therm" in i.message("en") for i in issues)
    assert not pd.isna(lib.get("cn-heat-default", "1").rows["value"]).any()


# --- liquid fuels given as a volume: through the density dataset ------------------------------------

DIESEL_NCV = 42.652      # GJ/t, GB/T 2589-2020 via cn-fuel-gbt32150@1
DIESEL_CC = 0.0202       # tC/GJ, GB/T 32150-2015 Appendix B
DIESEL_OF = 0.98
BP_DIESEL = 0.843        # t/kL, BP Statistical Review, approximate conversion factors (July 2021)


def test_100_litres_of_diesel_through_its_density(tmp_path: Path) -> None:
    """100 升 of diesel (no-factor before): × 0.843 kg/L = 84.3 kg; × 42.652 GJ/t = 3.5955636 GJ;
    CO2 = GJ × 0.0202 tC/GJ × 0.98 × 44/12; CH4 3 and N2O 0.6 kg/TJ (IPCC 2006 Vol. 2, Tables 2.2
    and 2.3 agree for gas/diesel oil). The density, its unit and dataset are on the line."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        D1,F1,stationary_combustion,柴油,100,升
    """)
    d1 = line(comp, "D1")
    mass = 100 * 0.843 / 1000                     # t
    gj = mass * DIESEL_NCV                        # 3.5955636 GJ
    assert gj == pytest.approx(3.5955636, rel=1e-12)
    assert (d1["status"], d1["density"], d1["density_unit"], d1["density_dataset"]) == (
        "included", BP_DIESEL, "t/kL", "fuel-density-bp@1")
    assert (d1["converted_quantity"], d1["converted_unit"]) == (pytest.approx(0.0843, rel=1e-12), "t")
    assert d1["energy_gj"] == pytest.approx(gj, rel=1e-12)
    assert d1["t_CO2"] == pytest.approx(gj * DIESEL_CC * DIESEL_OF * 44 / 12, rel=1e-12)   # 0.26099 t
    assert round(d1["t_CO2"], 5) == 0.26099
    assert d1["t_CH4"] == pytest.approx(gj / 1000 * 3 / 1000, rel=1e-12)
    assert d1["t_N2O"] == pytest.approx(gj / 1000 * 0.6 / 1000, rel=1e-12)
    assert d1["rule"].startswith("AD × density × NCV × CC × OF × 44/12")
    assert "fuel-density-bp@1" in d1["factor_dataset"].split(" + ")
    used = {d["id"]: d for d in comp.results["factor_datasets"]}
    assert used["fuel-density-bp"]["kind"] == "density" and len(used["fuel-density-bp"]["sha256"]) == 64
    # the same diesel as a mass gives the same CO2 and no density
    same = run(tmp_path / "t", """
        record_id,facility_id,source,activity,quantity,unit
        D1,F1,stationary_combustion,柴油,0.0843,t
    """)
    assert line(same, "D1")["t_CO2"] == pytest.approx(d1["t_CO2"], rel=1e-12)
    assert pd.isna(line(same, "D1")["density"])


@pytest.mark.parametrize(("quantity", "unit", "litres"), [
    ("2", "千升", 2000), ("2", "kL", 2000), ("2", "m3", 2000), ("2", "m³", 2000), ("500", "L", 500),
    ("26.417205", "US_gal", 100.0),                 # 100 L = 26.417205 US gallons (231 in³ each)
])
def test_volumes_of_liquid_fuel(tmp_path: Path, quantity: str, unit: str, litres: float) -> None:
    comp = run(tmp_path, f"""
        record_id,facility_id,source,activity,quantity,unit
        G1,F1,mobile_combustion,汽油,{quantity},{unit}
    """)
    g1 = line(comp, "G1")
    # gasoline: 0.753 t/kL (BP), NCV 43.070 GJ/t (GB/T 2589 via cn-fuel-gbt32150@1)
    assert g1["converted_quantity"] == pytest.approx(litres * 0.753 / 1000, rel=1e-6)
    assert g1["energy_gj"] == pytest.approx(litres * 0.753 / 1000 * 43.070, rel=1e-6)


def test_lpg_as_a_volume_has_no_density(tmp_path: Path) -> None:
    """LPG is left out of the density dataset (a volume of it may be vapour or liquid): the row is
    excluded with its own reason and a warning that says what to give instead."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        P1,F1,stationary_combustion,液化石油气,100,L
    """)
    p1 = line(comp, "P1")
    assert (p1["status"], p1["reason"], p1["co2e"]) == ("excluded", "no-density", 0)
    nd = [i for i in comp.issues if i.code == "no-density"]
    assert len(nd) == 1 and nd[0].severity is Severity.ERROR
    assert (nd[0].location.row, nd[0].location.column, dict(nd[0].params)["fuel"]) == (2, "unit", "lpg")
    assert "give it as a mass" in nd[0].message("en") and "请以质量" in nd[0].message("zh-CN")


def test_a_measured_ncv_per_volume_needs_no_density(tmp_path: Path) -> None:
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,ncv,ncv_unit
        D1,F1,stationary_combustion,柴油,1000,L,0.0358,GJ/L
    """)
    d1 = line(comp, "D1")
    assert d1["energy_gj"] == pytest.approx(35.8) and pd.isna(d1["density"])
    assert d1["precedence"] == "measured"


def test_a_density_dataset_of_ones_own(tmp_path: Path) -> None:
    """A company's measured density as its own dataset (kind density): the first dataset by id that
    gives the fuel is used, and named on the line."""
    folder = tmp_path / "my-factors"
    folder.mkdir()
    own = Path(units.__file__).parents[1].joinpath("factors", "datasets", "fuel-density-bp@1.yaml").read_text(
        encoding="utf-8").replace("id: fuel-density-bp", "id: acme-density").replace(
        "fuel-density-bp@1", "acme-density@1").replace("[diesel, 0.843, t/kL]", "[diesel, 835, kg/m3]")
    (folder / "acme-density@1.yaml").write_text(own, encoding="utf-8")
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        D1,F1,stationary_combustion,柴油,1000,升
    """, report={"factors": {"datasets": ["my-factors"]}})
    d1 = line(comp, "D1")
    assert (d1["density"], d1["density_unit"], d1["density_dataset"]) == (835, "kg/m3", "acme-density@1")
    assert d1["converted_quantity"] == pytest.approx(0.835)


def test_a_density_must_be_a_mass_per_volume(tmp_path: Path) -> None:
    text = Path(units.__file__).parents[1].joinpath("factors", "datasets", "fuel-density-bp@1.yaml").read_text(
        encoding="utf-8").replace('version: "1"', 'version: "9"').replace("[diesel, 0.843, t/kL]",
                                                                           "[diesel, 0.843, GJ/t]")
    (tmp_path / "fuel-density-bp@9.yaml").write_text(text, encoding="utf-8")
    lib, issues = load_library([tmp_path])
    assert lib.get("fuel-density-bp", "9") is None
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [
        ("factor-dataset-invalid", 1, "unit")]


# --- output units for intensity: items and area, shown with their significant digits -----------------

def test_intensity_per_item_and_per_square_metre(tmp_path: Path) -> None:
    coal = """
        record_id,facility_id,source,activity,quantity,unit
        C1,F1,stationary_combustion,原煤,1000,t
        E1,F1,purchased_electricity,电网电力,1000,MWh
    """
    for unit in ("件", "m2", "平方米", "台"):
        comp = run(tmp_path / unit, coal, report={"output": {"value": 2_000_000, "unit": unit}})
        po = comp.results["intensity"]["per_output"]
        t = comp.results["totals"]["scope1_2_location"]
        assert (po["unit"], po["output_unit"]) == (f"tCO2e/{unit}", unit)
        assert po["scope1_2_location"] == pytest.approx(t / 2_000_000)


def test_small_intensities_keep_four_significant_digits() -> None:
    """The rounding policy (one for XBRL and Word): 4 decimals, more below 0.001 so that four
    significant digits show; larger figures as before."""
    from disclosure.export.numbers import decimals, fmt, rounded

    assert (fmt(0.789104570628529, "intensity"), decimals("intensity", 0.7891)) == ("0.7891", 4)
    assert fmt(681.9422215308275, "intensity") == "681.9422"
    assert (fmt(0.000132713, "intensity"), decimals("intensity", 0.000132713)) == ("0.0001327", 7)
    assert format(rounded(0.0000012345, "intensity"), "f") == "0.000001235"
    assert decimals("intensity", 1e-20) == 12 and decimals("intensity", 0.0) == 4
    assert decimals("emissions", 0.0001) == 2          # other kinds keep theirs


def test_output_measures_of_area_spellings() -> None:
    from disclosure.export.xbrl.facts import output_measure

    assert {u: output_measure(u) for u in ("m2", "m²", "平方米", "吨", "升")} == {
        "m2": "utr:m2", "m²": "utr:m2", "平方米": "utr:m2", "吨": "utr:t", "升": "utr:l"}
    assert output_measure("件").endswith(":件")        # no UTR measure for items: the extension's


def test_an_intensity_per_item_validates_in_xbrl(tmp_path: Path) -> None:
    """The demo with its output in 件 (25 billion precast pieces): the intensity is 0.0001327
    tCO2e/件 (decimals 7), and Arelle validates the instance against the IFRS taxonomy clean."""
    import json
    import shutil

    from typer.testing import CliRunner

    from disclosure.cli import app
    from disclosure.export.xbrl import taxonomy

    repo = Path(__file__).resolve().parents[1]
    ifrs = taxonomy.shared_ifrs_package(repo)
    if not ifrs.is_file():
        pytest.skip(f"the IFRS taxonomy package is missing: {ifrs}")
    inv = tmp_path / "inv"
    shutil.copytree(repo / "fixtures" / "demo-group", inv)
    text = (inv / "report.yaml").read_text(encoding="utf-8")
    old = "output: {value: 4200000, unit: t, label_zh: 水泥熟料及水泥产品, label_en: cement and clinker products}"
    assert old in text
    (inv / "report.yaml").write_text(text.replace(old, "output: {value: 25000000000, unit: 件, "
                                                       "label_zh: 预制构件, label_en: precast components}"),
                                     encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["compute", str(inv), "--out", str(tmp_path / "res")])
    assert res.exit_code == 0, res.output
    results = json.loads((tmp_path / "res" / "results.json").read_text(encoding="utf-8"))
    value = results["intensity"]["per_output"]["scope1_2_location"]
    assert value == pytest.approx(results["totals"]["scope1_2_location"] / 25e9)
    res = runner.invoke(app, ["xbrl", str(tmp_path / "res"), "--out", str(tmp_path / "x"), "--ifrs-package", str(ifrs),
                              "--require-valid", "--lang", "en"])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "x" / "validation.json").read_text(encoding="utf-8"))
    assert (report["validated"], report["errors"], report["warnings"], report["inconsistencies"]) == (True, 0, 0, 0)
    (xbrl,) = (tmp_path / "x").glob("*.xbrl")
    instance = xbrl.read_text(encoding="utf-8")
    assert 'decimals="7"' in instance and ">0.0001327<" in instance and "u_tCO2e_per_件" in instance



@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["t", "kg", "GJ", "MWh", "kWh", "万Nm3", "tce", "桶", None]),
                          st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=25),
       st.sampled_from(["GJ", "kg", "kWh"]), st.booleans())
def test_convert_reads_a_categorical_column_as_its_text(rows, to, per_row) -> None:
    """A categorical unit column (the trace's) converts as the same units as text do, a missing or
    unknown unit giving NaN, to one target or to a target per row."""
    import numpy as np
    import pandas as pd

    given = [u for u, _ in rows]
    values = pd.Series([v for _, v in rows])
    target = pd.Series([to if k % 2 else "t" for k in range(len(rows))]) if per_row else to
    as_text = units.convert(values, pd.Series(given, dtype="str"), target).to_numpy()
    as_cat = units.convert(values, pd.Series(pd.Categorical(given)), target).to_numpy()
    assert np.array_equal(as_text, as_cat, equal_nan=True)
    assert all(np.isnan(got) for (u, _), got in zip(rows, as_cat, strict=True) if u in (None, "桶"))
    t = target if isinstance(target, str) else None
    if t is not None:   # and each converted value is the value times the unit's factor
        for (u, v), got in zip(rows, as_cat, strict=True):
            if u not in (None, "桶") and units.convertible(u, t):
                assert got == v * units.factor(u, t)


def _spellings(ureg, units_of=None) -> set[str]:
    """Every name a registry reads as one unit (of ``units_of``, or any): each prefix (or none)
    before each unit's name, symbol or alias, with or without pint's plural s."""
    def names(table, keep=None) -> set[str]:
        out: set[str] = set()
        for key, d in table.items():
            if keep is None or d.name in keep:
                out |= {key, *(d.aliases or ())} | ({d.symbol} if d.symbol else set())
        return out
    return {p + n + s for p in names(ureg._prefixes) for n in names(ureg._units, units_of) for s in ureg._suffixes}


def test_the_registry_of_the_units_reached_reads_every_name_as_all_of_pints_would(monkeypatch) -> None:
    """The registry holds only the part of pint's definitions the project's units reach (building
    all of them costs about 0.45 s of each command). Checked here, under both registries, on every
    name the part reads as a unit and every name all of pint's defaults read as a unit the project
    accepts or finds ambiguous (about 40,000 spellings with prefixes and plurals, and their lower
    case, which the refusal reads too): the same refusal, and, when accepted, the same root value,
    bit for bit, and dimension. Any other name is refused by both: unknown to the part, a unit the
    project does not accept to the whole. (Once, all 175,000 names of pint's defaults were compared
    the same way: none read differently.)"""
    part, full = units.registry(), units._registry(None)
    assert len(part._units) < len(full._units) / 3          # the point of it
    meant = set(units.ACCEPTED) | {u for _, u in units.AMBIGUOUS} | units._own_units()
    names = sorted(_spellings(part) | _spellings(full, meant))
    names += sorted({n.lower() for n in names} - set(names))
    assert len(names) > 30_000
    read: dict[str, list] = {}
    for key, ureg in (("part", part), ("full", full)):
        monkeypatch.setattr(units, "registry", lambda ureg=ureg: ureg)
        got = []
        for n in names:
            why = units._refusal(n)
            if why is None:
                root = ureg.Quantity(1.0, n).to_root_units()
                got.append((n, None, root.magnitude, dict(root.dimensionality)))
            else:
                got.append((n, why))
        read[key] = got
    assert read["part"] == read["full"]
    accepted = {r[0] for r in read["part"] if r[1] is None}
    assert {"kWh", "MWh", "tonne", "kg", "GJ", "L", "km", "t", "tCO2e", "万kWh", "short_ton"} <= accepted
    assert ("mt", ("ambiguous", units.AMBIGUOUS[("milli", "metric_ton")])) in read["part"]
    assert ("tons", ("ambiguous", units.AMBIGUOUS[("", "ton")])) in read["part"]
