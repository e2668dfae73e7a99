"""The factor library: shipped datasets, GWPs, blends, loading user datasets, versions.

Values are real and cite their source; the datasets' own ``notes`` say what is transcribed.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

from disclosure.core.issues import Issue
from disclosure.factors import Dataset, FactorLibrary, load_library, load_provinces, normalise_gas
from disclosure.factors.library import SCHEMAS

CC0_CSV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "globalwarmingpotentials-cc0.csv"

SHIPPED = {
    ("ghgp-gwp100", "1"): "gwp",
    ("ghgp-gwp100", "2"): "gwp",
    ("refrigerant-blends", "1"): "blends",
    ("cn-ets-grid-2022", "1"): "grid",
    ("cn-fuel-gbt32150", "1"): "fuel",
    ("cn-fuel-mee-guidelines", "1"): "fuel",
    ("ipcc2006-combustion-ch4-n2o", "1"): "combustion_non_co2",
    ("ipcc2006-combustion-ch4-n2o", "2"): "combustion_non_co2",
    ("fuel-density-bp", "1"): "density",
    ("cn-grid-2021", "1"): "grid",
    ("cn-grid-2022", "1"): "grid",
    ("cn-grid-2023", "1"): "grid",
    ("cn-electricity-footprint-2023", "1"): "footprint",
    ("cn-electricity-footprint-2024", "1"): "footprint",
    ("cn-heat-default", "1"): "heat",
    ("ipcc2006-process", "1"): "process",
    ("cn-energy-gbt2589-2020", "1"): "energy_coefficients",
}


@pytest.fixture(scope="module")
def lib() -> FactorLibrary:
    library, issues = load_library()
    assert issues == []
    return library


def codes(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]


# --- shipped datasets ---------------------------------------------------------------------------


def test_shipped_datasets_load_without_issues(lib: FactorLibrary) -> None:
    assert set(lib.datasets) == set(SHIPPED)
    for (id_, version), kind in SHIPPED.items():
        d = lib.get(id_, version)
        assert d is not None and d.meta.kind == kind
        assert list(d.rows.columns) == list(SCHEMAS[kind].columns)
        assert Path(d.path).name == f"{id_}@{version}.yaml"
        assert len(d.sha256) == 64
        assert d.meta.url.startswith("https://") and d.meta.notes


def test_number_columns_are_float64(lib: FactorLibrary) -> None:
    fuel = lib.get("cn-fuel-gbt32150")
    assert fuel is not None
    assert {str(fuel.rows[c].dtype) for c in ("ncv", "carbon_content", "oxidation_rate")} == {"float64"}
    gwp = lib.get("ghgp-gwp100")
    assert gwp is not None and str(gwp.rows["SAR"].dtype) == "float64"


def test_raw_coal_set_a() -> None:
    """GB/T 32150-2015 / GB/T 2589 defaults (set A): raw coal NCV 20.908 GJ/t, CC 26.37 tC/TJ,
    OF 0.94. 1,000 t → 1,000 × 20.908 × 0.02637 × 0.94 × 44/12 = 1,900.3 tCO2."""
    library, _ = load_library()
    fuel = library.get("cn-fuel-gbt32150")
    assert fuel is not None
    coal = fuel.rows.set_index("fuel").loc["raw_coal"]
    assert (coal["ncv_unit"], coal["carbon_content_unit"]) == ("GJ/t", "tC/GJ")
    tco2 = 1_000 * coal["ncv"] * coal["carbon_content"] * coal["oxidation_rate"] * 44 / 12
    assert round(tco2, 1) == 1900.3


def test_set_a_emission_factors() -> None:
    """The CO2 factors derived from set A (NCV × CC × OF × 44/12), tCO2 per t (per 10⁴ Nm³ for
    natural gas), as commonly tabulated alongside GB/T 32150-2015 Appendix B."""
    library, _ = load_library()
    fuel = library.get("cn-fuel-gbt32150")
    assert fuel is not None
    r = fuel.rows.set_index("fuel")
    ef = (r["ncv"] * r["carbon_content"] * r["oxidation_rate"] * 44 / 12).round(4)
    assert ef.to_dict() == {
        "raw_coal": 1.9003, "natural_gas": 21.6219, "diesel": 3.0959, "gasoline": 2.9251,
        "fuel_oil": 3.1705, "lpg": 3.1013, "coke": 2.8604,
    }


def test_set_b_fuels_and_units(lib: FactorLibrary) -> None:
    """MEE/NDRC guideline defaults (set B): eight fuels; natural gas NCV per 10⁴ Nm³."""
    fuel = lib.get("cn-fuel-mee-guidelines")
    assert fuel is not None
    r = fuel.rows.set_index("fuel")
    assert set(r.index) == {"gasoline", "diesel", "fuel_oil", "lpg", "natural_gas", "anthracite",
                            "bituminous_coal", "lignite"}
    assert r.at["natural_gas", "ncv_unit"] == "GJ/万Nm3"
    assert r.at["anthracite", "carbon_content"] == pytest.approx(0.02749)


def test_grid_2023_national_average(lib: FactorLibrary) -> None:
    """MEE/NBS 2023 electricity CO2 emission factors (announced about January 2026): national
    average 0.5306 kgCO2/kWh = tCO2/MWh; 1,000 MWh → 530.6 tCO2."""
    grid = lib.get("cn-grid-2023")
    assert grid is not None
    rows = grid.rows.set_index(["level", "region", "variant"])
    value = rows.at[("national", "全国", "average"), "value"]
    assert rows.at[("national", "全国", "average"), "unit"] == "tCO2/MWh"
    assert round(1_000 * value, 1) == 530.6
    assert rows.at[("national", "全国", "excl_market_nonfossil"), "value"] == 0.6096
    assert rows.at[("national", "全国", "fossil"), "value"] == 0.8273
    assert "province" not in set(grid.rows["level"])  # 2023 provinces are not shipped


def test_grid_2021_2022_provinces(lib: FactorLibrary) -> None:
    """公告2024年第12号 (2021) and the MEE/NBS announcement of 2024-12-20 (2022): 30 provinces,
    7 regional grids, 3 national variants; e.g. 四川 0.1255 (2021) and 0.1404 (2022)."""
    for year, sichuan in ((2021, 0.1255), (2022, 0.1404)):
        grid = lib.get(f"cn-grid-{year}")
        assert grid is not None
        assert grid.rows["level"].value_counts().to_dict() == {"province": 30, "region": 7,
                                                               "national": 3}
        rows = grid.rows.set_index(["level", "region"])["value"]
        assert rows[("province", "四川")] == sichuan


def test_footprint_is_life_cycle_kgco2e(lib: FactorLibrary) -> None:
    """Electricity carbon-footprint factors: 0.6205 (2023, 公告2025年第3号), 0.5777 (2024)."""
    for id_, value in (("cn-electricity-footprint-2023", 0.6205),
                       ("cn-electricity-footprint-2024", 0.5777)):
        d = lib.get(id_)
        assert d is not None
        assert d.rows[["value", "unit"]].values.tolist() == [[value, "kgCO2e/kWh"]]


def test_process_and_heat_defaults(lib: FactorLibrary) -> None:
    """IPCC 2006 Vol 3 Ch 2: clinker 0.51 × 1.02 (Eq 2.4) = 0.52; lime Table 2.4. MEE/NDRC
    guidelines: purchased heat 0.11 tCO2/GJ."""
    process = lib.get("ipcc2006-process")
    assert process is not None
    v = process.rows.set_index("activity")["value"]
    assert v["clinker"] == pytest.approx(round(0.51 * 1.02, 2))
    assert (v["lime_high_calcium"], v["lime_dolomitic"], v["lime_hydraulic"]) == (0.75, 0.77, 0.59)
    heat = lib.get("cn-heat-default")
    assert heat is not None
    assert heat.rows.set_index("activity")["value"].to_dict() == {"heat": 0.11, "steam": 0.11}


def test_combustion_non_co2(lib: FactorLibrary) -> None:
    """IPCC 2006 Vol 2 Table 2.2 (natural gas CH4 1, N2O 0.1 kg/TJ) and Table 3.2.2 (road diesel
    CH4 3.9, N2O 3.9 kg/TJ); version 1, which applied Table 2.2 to every stationary source, stays
    as it was (a report pinned to it computes as before)."""
    d = lib.get("ipcc2006-combustion-ch4-n2o", "1")
    assert d is not None and list(d.meta.columns) == ["use", "fuel", "gas", "value", "unit"]
    v = d.rows.set_index(["use", "fuel", "gas"])["value"]
    assert (v[("stationary", "natural_gas", "CH4")], v[("stationary", "natural_gas", "N2O")]) == (1, 0.1)
    assert (v[("stationary", "raw_coal", "CH4")], v[("stationary", "raw_coal", "N2O")]) == (1, 1.5)
    assert (v[("mobile", "diesel", "CH4")], v[("mobile", "diesel", "N2O")]) == (3.9, 3.9)
    assert set(d.rows["table"]) == {""}


def test_combustion_non_co2_by_source_category(lib: FactorLibrary) -> None:
    """Version 2: 2006 IPCC Guidelines Vol. 2 Ch. 2 Table 2.2 (energy industries) and Table 2.3
    (manufacturing industries and construction) differ only in the CH4 of coals and coke, 1 against
    10 kg/TJ (N2O 1.5 in both; US EPA 40 CFR 98 Subpart C Table C-2, note); oils 3 / 0.6, gases
    1 / 0.1 in both; road transport as version 1 (Table 3.2.2)."""
    d = lib.get("ipcc2006-combustion-ch4-n2o")
    assert d is not None and d.ref == "ipcc2006-combustion-ch4-n2o@2"
    r = d.rows.set_index(["use", "fuel", "gas"])
    v = r["value"]
    coals = ("raw_coal", "anthracite", "bituminous_coal", "sub_bituminous_coal", "coking_coal", "lignite", "coke")
    for fuel in coals:
        assert (v[("energy_industries", fuel, "CH4")], v[("manufacturing", fuel, "CH4")]) == (1, 10), fuel
        assert v[("energy_industries", fuel, "N2O")] == v[("manufacturing", fuel, "N2O")] == 1.5, fuel
    for fuel in ("crude_oil", "gasoline", "kerosene", "diesel", "fuel_oil", "petroleum_coke"):
        for use in ("energy_industries", "manufacturing"):
            assert (v[(use, fuel, "CH4")], v[(use, fuel, "N2O")]) == (3, 0.6), (use, fuel)
    for fuel in ("lpg", "natural_gas", "coke_oven_gas", "blast_furnace_gas"):
        for use in ("energy_industries", "manufacturing"):
            assert (v[(use, fuel, "CH4")], v[(use, fuel, "N2O")]) == (1, 0.1), (use, fuel)
    assert r.at[("energy_industries", "raw_coal", "CH4"), "table"] == "IPCC 2006 Vol. 2 Table 2.2 (energy industries)"
    assert r.at[("manufacturing", "raw_coal", "CH4"), "table"] == (
        "IPCC 2006 Vol. 2 Table 2.3 (manufacturing industries and construction)")
    mobile = d.rows.loc[d.rows["use"] == "mobile", ["fuel", "gas", "value"]].reset_index(drop=True)
    v1 = lib.get("ipcc2006-combustion-ch4-n2o", "1").rows
    assert mobile.equals(v1.loc[v1["use"] == "mobile", ["fuel", "gas", "value"]].reset_index(drop=True))
    assert set(d.rows.loc[d.rows["use"] == "mobile", "table"]) == {"IPCC 2006 Vol. 2 Table 3.2.2 (road transport)"}
    assert "stationary" not in set(d.rows["use"])


def test_density_dataset(lib: FactorLibrary) -> None:
    """BP Statistical Review of World Energy, approximate conversion factors (July 2021), kilolitres
    to tonnes: gasoline 0.753, kerosene 0.798, gas oil/diesel 0.843, residual fuel oil 0.991; crude
    oil 1.165 kL/t → 0.858 t/kL. No LPG (vapour or liquid)."""
    d = lib.get("fuel-density-bp")
    assert d is not None and d.meta.kind == "density" and d.meta.year == 2021
    assert d.rows.set_index("fuel")["value"].to_dict() == {
        "diesel": 0.843, "gasoline": 0.753, "kerosene": 0.798, "fuel_oil": 0.991, "crude_oil": 0.858}
    assert set(d.rows["unit"]) == {"t/kL"}
    assert round(1 / 1.165, 3) == 0.858
    assert "GB 19147-2013" in d.meta.notes and "GB 17930-2013" in d.meta.notes and "LPG" in d.meta.notes


# --- GWPs ---------------------------------------------------------------------------------------

# Where the GHG Protocol table (kept) and the CC0 compilation of IPCC values differ:
# (gas, set) -> (GHG Protocol value, CC0 csv value).
KNOWN_DIFFERENCES = {
    ("CH4", "AR6"): (27.0, 27.9),  # non-fossil CH4 (AR6 Table 7.15) vs generic CH4 (Table 7.SM.7)
}
# version 1 kept the GHG Protocol's printed SF6; version 2 takes Table 7.SM.7's
KNOWN_DIFFERENCES_V1 = {**KNOWN_DIFFERENCES, ("SF6", "AR6"): (24300.0, 25200.0)}
CSV_COLUMNS = {"SARGWP100": "SAR", "AR4GWP100": "AR4", "AR5GWP100": "AR5", "AR6GWP100": "AR6"}


@pytest.mark.parametrize(("version", "known"), [("2", KNOWN_DIFFERENCES), ("1", KNOWN_DIFFERENCES_V1)])
def test_gwp_matches_cc0_compilation(lib: FactorLibrary, version: str, known: dict) -> None:
    """Every gas and set present both here and in openclimatedata/globalwarmingpotentials (CC0;
    SAR/AR4/AR5 from the GHG Protocol 2016 table, AR6 from IPCC AR6 WGI Table 7.SM.7) is equal,
    except the listed differences, each exactly as known."""
    if not CC0_CSV.exists():
        pytest.skip(f"the CC0 GWP table is not beside the repo ({CC0_CSV}); shared/ not present")
    text = "".join(line for line in CC0_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
                   if not line.startswith("#"))
    csv = pd.read_csv(io.StringIO(text))
    csv = csv.set_index(csv["Species"].map(normalise_gas))[list(CSV_COLUMNS)].rename(columns=CSV_COLUMNS)
    gwp = lib.get("ghgp-gwp100", version)
    assert gwp is not None
    ours = gwp.rows.set_index(gwp.rows["gas"].map(normalise_gas))[list(CSV_COLUMNS.values())]

    compared, differences = 0, {}
    for gas in ours.index.intersection(csv.index):
        for column in ours.columns:
            mine, theirs = ours.at[gas, column], csv.at[gas, column]
            assert math.isnan(mine) == math.isnan(theirs), (gas, column, mine, theirs)
            if math.isnan(mine):
                continue
            compared += 1
            if mine != theirs:
                differences[(gas, column)] = (mine, theirs)
    assert differences == known
    assert compared > 100
    assert len(ours.index.intersection(csv.index)) == len(ours) - 2  # all but CO2 and CH4_fossil


def test_sf6_ar6_is_the_ipcc_value(lib: FactorLibrary) -> None:
    """IPCC AR6 WGI Ch. 7 Supplementary Material, Table 7.SM.7 (from p. 7SM-24): SF6 GWP100 25,200;
    NF3 17,400. The same row's AGWP100, 2.25e-9 W m-2 yr kg-1, over CO2's 8.95e-14, each printed to
    three figures, bounds the GWP100 between 25,070 and 25,210: 25,200 inside, the 24,300 of the GHG
    Protocol's table (Aug 2024), which version 1 transcribes, outside. Version 1 stays, so a report
    pinned to it computes as before."""
    assert lib.gwp_table("AR6")["SF6"] == 25200
    assert lib.gwp_table("AR6")["NF3"] == 17400
    low, high = 2.245e-9 / 8.955e-14, 2.255e-9 / 8.945e-14
    assert (round(low), round(high)) == (25070, 25210)
    assert low <= 25200 <= high and not low <= 24300 <= high
    assert lib.gwp_table("AR6", pins={"ghgp-gwp100": "1"})["SF6"] == 24300
    v2 = lib.get("ghgp-gwp100", "2")
    assert "Table 7.SM.7" in v2.meta.document and "7SM-24" in v2.meta.document and "Table 7.15" in v2.meta.document
    assert "25,200" in v2.meta.notes and "24,300" in v2.meta.notes
    # nothing else differs between the versions
    a = lib.get("ghgp-gwp100", "1").rows.set_index("gas")
    b = v2.rows.set_index("gas")
    diff = (a.fillna(-1) != b.fillna(-1))
    assert [(g, c) for g in diff.index for c in diff.columns if diff.at[g, c]] == [("SF6", "AR6")]


def test_gwp_headline_values(lib: FactorLibrary) -> None:
    """GHG Protocol GWP table (Aug 2024): AR6 CH4 non-fossil 27.0, fossil 29.8, N2O 273."""
    ar6 = lib.gwp_table("AR6")
    assert (ar6["CO2"], ar6["CH4"], ar6["CH4_FOSSIL"], ar6["N2O"]) == (1, 27.0, 29.8, 273)
    assert lib.gwp_table("AR5")["CH4_FOSSIL"] == 30


def test_ch4_fossil_falls_back_to_ch4() -> None:
    """SAR and AR4 have no fossil CH4 value: the non-fossil one is used (AR4 25, SAR 21)."""
    library, _ = load_library()
    gwp = library.get("ghgp-gwp100")
    assert gwp is not None
    fossil = gwp.rows.set_index("gas").loc["CH4_fossil"]
    assert math.isnan(fossil["AR4"]) and math.isnan(fossil["SAR"])
    assert library.gwp_table("AR4")["CH4_FOSSIL"] == 25
    assert library.gwp_table("SAR")["CH4_FOSSIL"] == 21


def test_blends_are_computed_from_components(lib: FactorLibrary) -> None:
    """ASHRAE 34 compositions × GHG Protocol GWPs. R-410A = 50 % HFC-32 + 50 % HFC-125;
    R-407C = 23 % HFC-32 + 25 % HFC-125 + 52 % HFC-134a."""
    ar6, ar5, ar4 = lib.gwp_table("AR6"), lib.gwp_table("AR5"), lib.gwp_table("AR4")
    assert ar6["R410A"] == pytest.approx(0.5 * 771 + 0.5 * 3740) == 2255.5
    assert ar5["R410A"] == pytest.approx(0.5 * 677 + 0.5 * 3170) == 1923.5
    assert ar6["R407C"] == pytest.approx(0.23 * 771 + 0.25 * 3740 + 0.52 * 1530)  # 1,907.93
    assert ar4["R407C"] == pytest.approx(0.23 * 675 + 0.25 * 3500 + 0.52 * 1430)  # 1,773.85
    assert ar6["R404A"] == pytest.approx(0.44 * 3740 + 0.52 * 5810 + 0.04 * 1530)  # 4,728
    assert ar6["R507A"] == pytest.approx(0.5 * 3740 + 0.5 * 5810)  # 4,775


def test_gas_names_normalise() -> None:
    assert {normalise_gas(n) for n in ("R-410A", "R410A", "R-410a", "r410a", " R 410A ")} == {"R410A"}
    assert normalise_gas("HFC-134a") == "HFC134A"
    assert normalise_gas("HFC-43-10mee") == "HFC4310MEE"
    assert normalise_gas("c-C4F8") == "CC4F8"
    assert normalise_gas("ＳＦ６") == "SF6"  # full-width


def test_refrigerant_numbers_and_groups(lib: FactorLibrary) -> None:
    """R-134a is HFC-134a, R-14 and PFC-14 are CF4 (ASHRAE 34 numbering)."""
    ar6 = lib.gwp_table("AR6")
    assert ar6[normalise_gas("R-134a")] == ar6["HFC134A"] == 1530
    assert ar6["R14"] == ar6["PFC14"] == ar6["CF4"] == 7380
    assert lib.gwp_group("R-410A") == "HFCs"
    assert lib.gwp_group("hfc-134a") == "HFCs"
    assert lib.gwp_group("PFC-14") == "PFCs"
    assert lib.gwp_group("CH4_fossil") == "CH4"
    assert lib.gwp_group("SF6") == "SF6"
    with pytest.raises(KeyError):
        lib.gwp_group("R-22")  # HCFC-22 is a Montreal Protocol gas, not one of the seven
    with pytest.raises(ValueError):
        lib.gwp_table("AR7")


def test_the_groups_of_a_whole_table_are_each_gases_group(lib: FactorLibrary) -> None:
    """gwp_groups (the context's, the tables read once) gives every gas and blend of a GWP table,
    and spellings of them, the group gwp_group gives it alone."""
    names = [*lib.gwp_table("AR6").index, "R-410A", "r-134a", "PFC-14", "CH4_fossil"]
    groups = lib.gwp_groups(names)
    assert groups == {n: lib.gwp_group(n) for n in names}
    assert groups["R410A"] == groups["R-410A"] == "HFCs" and groups["PFC-14"] == "PFCs"
    assert set(groups.values()) == {"CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"}
    with pytest.raises(KeyError):
        lib.gwp_groups(["SF6", "R-22"])


def test_gas_without_a_value_stays_nan(lib: FactorLibrary) -> None:
    """NF3 has no SAR GWP (GHG Protocol table): NaN, not 0."""
    assert math.isnan(lib.gwp_table("SAR")["NF3"])


# --- provinces ----------------------------------------------------------------------------------


def test_provinces(lib: FactorLibrary) -> None:
    """GB/T 2260: 34 provincial-level divisions, 11 北京 … 65 新疆, 71 台湾, 81 香港, 82 澳门."""
    p = load_provinces()
    assert list(p.columns) == ["code", "name", "full_name", "name_en", "grid_region", "aliases"]
    assert len(p) == 34 and p["code"].is_unique and p["name"].is_unique
    assert (p["code"].iloc[0], p["code"].iloc[-1]) == ("11", "82")
    assert set(p["grid_region"]) == {"华北", "东北", "华东", "华中", "西北", "南方", "西南", ""}
    assert p.set_index("name").at["内蒙古", "grid_region"] == "华北"
    grid = lib.get("cn-grid-2022")
    assert grid is not None
    assert set(grid.rows.loc[grid.rows["level"] == "province", "region"]) <= set(p["name"])


# --- user datasets ------------------------------------------------------------------------------

USER_GRID = """\
id: cn-grid-provinces-2023
version: "1"
kind: grid
title_zh: 2023年省级电力平均二氧化碳排放因子（用户录入）
title_en: 2023 provincial grid factors (entered by the user)
publisher: 生态环境部 国家统计局 (MEE, NBS)
document: 关于发布2023年电力二氧化碳排放因子的公告
year: 2023
region: CN
licence: government publication
url: https://www.mee.gov.cn/
notes: test data
columns: [level, region, variant, value, unit]
rows:
{rows}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_dataset_is_picked_up(tmp_path: Path) -> None:
    write(tmp_path, "cn-grid-provinces-2023@1.yaml", USER_GRID.format(
        rows="  - [province, 北京, average, 0.5, tCO2/MWh]\n  - [province, 广东, average, 0.4, kgCO2/kWh]"))
    library, issues = load_library([tmp_path])
    assert issues == []
    d = library.get("cn-grid-provinces-2023")
    assert d is not None and d.path == str(tmp_path / "cn-grid-provinces-2023@1.yaml")
    assert d.rows["value"].tolist() == [0.5, 0.4]
    assert [x.meta.id for x in library.of_kind("grid")] == [
        "cn-ets-grid-2022", "cn-grid-2021", "cn-grid-2022", "cn-grid-2023", "cn-grid-provinces-2023"]
    # a user's dataset without a purpose is for the disclosure; the ETS's factor is not
    assert [x.meta.id for x in library.of_kind("grid", purpose="disclosure")] == [
        "cn-grid-2021", "cn-grid-2022", "cn-grid-2023", "cn-grid-provinces-2023"]


BROKEN = {
    "bad column": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.replace("columns: [level, region, variant, value, unit]",
                          "columns: [level, region, value, unit]").format(
            rows="  - [province, 北京, 0.5, tCO2/MWh]"),
        [("factor-dataset-invalid", None)]),
    "negative value": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.format(rows="  - [province, 北京, average, 0.5, tCO2/MWh]\n"
                              "  - [province, 天津, average, -0.7, tCO2/MWh]"),
        [("factor-dataset-invalid", 2)]),
    "unknown unit": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.format(rows="  - [province, 北京, average, 0.5, tCO2/兆度]"),
        [("factor-unit-unknown", 1)]),
    "quoted number": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.format(rows="  - [province, 北京, average, '0.5', tCO2/MWh]"),
        [("factor-dataset-invalid", 1)]),
    "short row": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.format(rows="  - [province, 北京, 0.5, tCO2/MWh]"),
        [("factor-dataset-invalid", 1)]),
    "unknown province": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.format(rows="  - [province, 北京, average, 0.5, tCO2/MWh]\n"
                              "  - [province, 广东省, average, 0.4, tCO2/MWh]"),
        [("factor-dataset-invalid", 2)]),
    "repeated row": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.format(rows="  - [province, 北京, average, 0.5, tCO2/MWh]\n"
                              "  - [province, 北京, average, 0.6, tCO2/MWh]"),
        [("factor-dataset-invalid", 2)]),
    "file name does not match": (
        "provinces.yaml",
        USER_GRID.format(rows="  - [province, 北京, average, 0.5, tCO2/MWh]"),
        [("factor-dataset-invalid", None)]),
    "duplicate id and version": (
        "cn-grid-2022@1.yaml",
        USER_GRID.replace("cn-grid-provinces-2023", "cn-grid-2022").format(
            rows="  - [province, 北京, average, 0.5, tCO2/MWh]"),
        [("factor-dataset-duplicate", None)]),
    "blend fractions": (
        "my-blends@1.yaml",
        """\
id: my-blends
version: "1"
kind: blends
title_zh: 测试
title_en: test
publisher: test
document: test
year: 2024
region: GLOBAL
licence: CC0-1.0
url: https://example.org/
columns: [blend, component, mass_fraction]
rows:
  - [R-999Y, HFC-32, 1.0]
  - [R-999X, HFC-32, 0.5]
  - [R-999X, HFC-125, 0.4]
""",
        [("factor-dataset-invalid", 2)]),
    "blend component unknown": (
        "my-blends@1.yaml",
        """\
id: my-blends
version: "1"
kind: blends
title_zh: 测试
title_en: test
publisher: test
document: test
year: 2024
region: GLOBAL
licence: CC0-1.0
url: https://example.org/
columns: [blend, component, mass_fraction]
rows:
  - [R-999X, HFC-32, 0.5]
  - [R-999X, HCFC-22, 0.5]
""",
        [("factor-dataset-invalid", 2)]),
    "metadata missing": (
        "cn-grid-provinces-2023@1.yaml",
        USER_GRID.replace("licence: government publication\n", "").format(
            rows="  - [province, 北京, average, 0.5, tCO2/MWh]"),
        [("factor-dataset-invalid", None)]),
    "not yaml": ("cn-grid-provinces-2023@1.yaml", "id: [unclosed\n", [("factor-dataset-invalid", None)]),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_dataset_yields_issues(tmp_path: Path, case: str) -> None:
    name, text, expected = BROKEN[case]
    write(tmp_path, name, text)
    library, issues = load_library([tmp_path])
    assert [(i.code, i.location.row) for i in issues] == expected
    assert all(i.location.file == name for i in issues)
    assert all(i.message("en") and i.message("zh-CN") for i in issues)
    assert set(SHIPPED) <= set(library.datasets)
    if case == "duplicate id and version":  # the shipped file, loaded first, is kept
        kept = library.get("cn-grid-2022", "1")
        assert kept is not None and "/datasets/" in kept.path.replace("\\", "/")
    else:
        assert len(library.datasets) == len(SHIPPED)


def test_issue_names_the_column(tmp_path: Path) -> None:
    write(tmp_path, "cn-grid-provinces-2023@1.yaml",
          USER_GRID.format(rows="  - [province, 北京, average, -0.5, tCO2/MWh]"))
    _, issues = load_library([tmp_path])
    assert [i.location.render() for i in issues] == ["cn-grid-provinces-2023@1.yaml:1:value"]
    assert "negative" in issues[0].message("en")


def test_missing_folder_is_an_issue(tmp_path: Path) -> None:
    _, issues = load_library([tmp_path / "nope"])
    assert codes(issues) == ["factor-dataset-invalid"]


# --- versions -----------------------------------------------------------------------------------


def test_latest_and_pinned_versions(tmp_path: Path) -> None:
    """An errata is a new file: cn-grid-2022@2 is the default, @1 stays available when pinned."""
    library, _ = load_library()
    original = library.get("cn-grid-2022")
    assert original is not None
    shipped = Path(original.path).read_text(encoding="utf-8")
    errata = shipped.replace('version: "1"', 'version: "2"').replace(
        "[national, 全国, average, 0.5366, tCO2/MWh]", "[national, 全国, average, 0.5367, tCO2/MWh]")
    write(tmp_path, "cn-grid-2022@2.yaml", errata)
    write(tmp_path, "cn-grid-2022@10.yaml", errata.replace('version: "2"', 'version: "10"'))
    library, issues = load_library([tmp_path])
    assert issues == []
    assert library.versions("cn-grid-2022") == ["1", "2", "10"]  # numeric, not text, order

    def national(d: Dataset) -> float:
        return float(d.rows.set_index(["level", "variant"]).loc[("national", "average"), "value"])

    latest, pinned = library.get("cn-grid-2022"), library.get("cn-grid-2022", "1")
    assert latest is not None and latest.meta.version == "10" and national(latest) == 0.5367
    assert pinned is not None and national(pinned) == 0.5366
    assert pinned.sha256 != latest.sha256
    assert library.get("cn-grid-2022", "3") is None
    assert library.get("no-such-dataset") is None

    by_id = {d.meta.id: d.meta.version for d in library.of_kind("grid", {"cn-grid-2022": "1"}, purpose="disclosure")}
    assert by_id == {"cn-grid-2021": "1", "cn-grid-2022": "1", "cn-grid-2023": "1"}
    with pytest.raises(KeyError):
        library.of_kind("grid", {"cn-grid-2022": "3"})


# --- purposes (issue 16): the statistical disclosure, the ETS's compliance reports, product footprints ---

def test_every_shipped_dataset_states_its_purpose(lib: FactorLibrary) -> None:
    from disclosure.factors.library import PURPOSES

    folder = Path(__file__).resolve().parents[1] / "disclosure" / "factors" / "datasets"
    for path in sorted(folder.glob("*.yaml")):
        assert "\npurpose: " in path.read_text(encoding="utf-8"), path.name
    by_purpose = {p: sorted(d.ref for d in lib.datasets.values() if d.meta.purpose == p) for p in PURPOSES}
    assert by_purpose["product_footprint"] == ["cn-electricity-footprint-2023@1", "cn-electricity-footprint-2024@1"]
    assert by_purpose["ets_compliance"] == ["cn-ets-grid-2022@1"]
    assert all(d.meta.kind == "footprint" for d in lib.datasets.values() if d.meta.purpose == "product_footprint")


def test_the_ets_grid_factor_dataset(lib: FactorLibrary) -> None:
    """0.5703 tCO2/MWh, the 2022 national grid average the MEE General Office prescribes for the ETS's
    emission reports (环办气候函〔2023〕43号, 2023-02-07, read from secondary copies: see its notes),
    beside the MEE/NBS statistical 2022 national average 0.5366 (a different regime)."""
    ets = lib.get("cn-ets-grid-2022")
    assert ets is not None and ets.meta.purpose == "ets_compliance" and ets.meta.kind == "grid"
    assert ets.meta.announcement == "环办气候函〔2023〕43号" and ets.meta.year == 2022
    assert ets.rows[["level", "region", "variant", "value", "unit"]].values.tolist() == [
        ["national", "全国", "average", 0.5703, "tCO2/MWh"]]
    stat = lib.get("cn-grid-2022")
    assert stat is not None and stat.meta.purpose == "disclosure"
    assert stat.rows.loc[(stat.rows["level"] == "national") & (stat.rows["variant"] == "average"), "value"].tolist() == [0.5366]


@pytest.mark.parametrize("kind, purpose", [("footprint", "disclosure"), ("footprint", "ets_compliance"),
                                           ("grid", "product_footprint"), ("grid", "statistics")])
def test_a_purpose_the_kind_cannot_have_is_refused(tmp_path: Path, kind: str, purpose: str) -> None:
    text = USER_GRID.replace("kind: grid", f"kind: {kind}\npurpose: {purpose}").format(
        rows="  - [province, 北京, average, 0.5, tCO2/MWh]")
    if kind == "footprint":
        text = text.replace("columns: [level, region, variant, value, unit]", "columns: [level, region, value, unit]") \
            .replace("[province, 北京, average, 0.5, tCO2/MWh]", "[province, 北京, 0.5, kgCO2e/kWh]")
    write(tmp_path, "cn-grid-provinces-2023@1.yaml", text)
    library, issues = load_library([tmp_path])
    assert codes(issues) == ["factor-dataset-invalid"] and "purpose" in issues[0].message("en"), issues
    assert library.get("cn-grid-provinces-2023") is None


@pytest.mark.parametrize("purpose, changed", [("ets_compliance", False), ("product_footprint", None),
                                              ("disclosure", True)])
def test_scope2_takes_the_statistical_grid_factors_only(tmp_path: Path, purpose: str, changed: bool | None) -> None:
    """A 2023 national grid factor of 0.9999 in the user's datasets: as an ETS reporting factor (or a
    footprint, refused for kind grid) it never reaches Scope 2 — the demo's location-based Scope 2 and
    its grid datasets stay those of the MEE/NBS 2023 factors; declared for the disclosure it would take
    part (a conflict with cn-grid-2023 the resolver reports), which shows the test can fail."""
    import json
    import shutil

    from disclosure.engines.inprocess import compute
    from disclosure.loader import load_inventory

    demo = Path(__file__).resolve().parents[1] / "fixtures" / "demo-group"
    inv_dir = tmp_path / "inv"
    shutil.copytree(demo, inv_dir)
    (inv_dir / "datasets").mkdir()
    write(inv_dir / "datasets", "cn-grid-user-2023@1.yaml", USER_GRID.replace("cn-grid-provinces-2023", "cn-grid-user-2023")
          .replace("kind: grid", f"kind: grid\npurpose: {purpose}")
          .replace("year: 2023", "year: 2023").format(rows="  - [national, 全国, average, 0.9999, tCO2/MWh]"))
    report = inv_dir / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("factors:\n", "factors:\n  datasets: [datasets]\n", 1),
                      encoding="utf-8")
    base_inv, _ = load_inventory(demo)
    base = compute(base_inv).results
    inv, issues = load_inventory(inv_dir)
    run = compute(inv)
    got = json.loads(json.dumps(run.results, default=str))
    used = {d["id"] for d in got["factor_datasets"]}
    if changed is None:
        assert "factor-dataset-invalid" in codes(issues) + codes(run.issues)
    if not changed:
        assert got["totals"]["scope2_location"] == base["totals"]["scope2_location"]
        assert "cn-grid-user-2023" not in used and "cn-ets-grid-2022" not in used
        assert not any(i.code == "factor-conflict" for i in run.issues)
    else:
        assert "factor-conflict" in codes(run.issues) or got["totals"]["scope2_location"] != base["totals"]["scope2_location"]
    # the footprint factors never reach Scope 2: its lines take grid datasets only
    s2 = [m for m in got["methods"] if m.get("grid_dataset")]
    assert s2 and all(not str(m["grid_dataset"]).startswith("cn-electricity-footprint") for m in s2)
