"""The calculation: activity rows → trace lines → results, checked against real numbers.

Each test writes its tiny inventory next to what it asserts (report.yaml and CSVs in ``tmp_path``)
and every value taken from a published source names that source. Worked examples of the GHG
Protocol *Technical Guidance for Calculating Scope 3 Emissions* (version 1.0, 2013) are cited as
"TG Example [n.m], p. N" with the page number printed in the document.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from textwrap import dedent
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from disclosure import compute, load_inventory
from disclosure.cli import app
from disclosure.core.issues import Issue, Severity
from disclosure.engines.inprocess import Computation, write_outputs
from disclosure.ingest.inventory import Inventory

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-group"
SHIPPED = Path(__file__).resolve().parents[1] / "disclosure" / "factors" / "datasets"

# --- helpers -------------------------------------------------------------------------------------

REPORT: dict[str, Any] = {
    "entity": {"name_zh": "测试集团股份有限公司", "identifier": "91110000710938466P"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
    "consolidation": "operational_control",
    "gwp": "AR6",
    "grid_factor_level": "national",
}
ONE_ENTITY = """
    entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated
    E1,测试母公司,,100%,yes,yes,yes
"""
ONE_FACILITY = """
    facility_id,entity_id,name,province
    F1,E1,一号工厂,北京
"""


def _table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(dedent(text).strip()), dtype=str, keep_default_na=False)


def inventory(root: Path, activities: str, *, report: dict[str, Any] | None = None,
              entities: str = ONE_ENTITY, facilities: str = ONE_FACILITY,
              instruments: str | None = None, factors: str | None = None) -> tuple[Inventory, list[Issue]]:
    """Write report.yaml (REPORT updated with ``report``) and the CSVs into ``root`` and load them.
    Activity rows without a period get the report's period."""
    root.mkdir(parents=True, exist_ok=True)
    rep = {**REPORT, **(report or {})}
    (root / "report.yaml").write_text(yaml.safe_dump(rep, allow_unicode=True), encoding="utf-8")
    acts = _table(activities)
    for col, key in (("period_start", "start"), ("period_end", "end")):
        if col not in acts:
            acts[col] = str(rep["period"][key])
    acts.to_csv(root / "activities.csv", index=False)
    _table(entities).to_csv(root / "entities.csv", index=False)
    _table(facilities).to_csv(root / "facilities.csv", index=False)
    if instruments is not None:
        _table(instruments).to_csv(root / "instruments.csv", index=False)
    if factors is not None:
        _table(factors).to_csv(root / "factors.csv", index=False)
    return load_inventory(root)


def run(root: Path, activities: str, **kw: Any) -> Computation:
    """Load and compute an inventory that must load without errors."""
    inv, issues = inventory(root, activities, **kw)
    assert [i for i in issues if i.severity is Severity.ERROR] == []
    return compute(inv)


def line(comp: Computation, line_id: str) -> pd.Series:
    rows = comp.trace.loc[comp.trace["line_id"] == line_id]
    assert len(rows) == 1, line_id
    return rows.iloc[0]


def codes(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]


def category(comp: Computation, n: int) -> float:
    return next(c["co2e"] for c in comp.results["scope3_categories"] if c["category"] == n)


# --- 1. fuel combustion ------------------------------------------------------------------------------

COAL = """
    record_id,facility_id,source,activity,quantity,unit
    C1,F1,stationary_combustion,原煤,1000,t
"""


def test_raw_coal_co2_with_default_set_a(tmp_path: Path) -> None:
    """domain.md check: 1,000 t raw coal × 20.908 GJ/t (GB/T 2589) × 0.02637 tC/GJ × 0.94
    (GB/T 32150-2015) × 44/12 = 1,900.3 tCO2."""
    comp = run(tmp_path, COAL)
    c1 = line(comp, "C1")
    assert round(c1["t_CO2"], 1) == 1900.3
    assert c1["t_CO2"] == pytest.approx(1000 * 20.908 * 0.02637 * 0.94 * 44 / 12, rel=1e-12)
    assert c1["energy_gj"] == pytest.approx(20_908.0)
    assert (c1["ncv"], c1["carbon_content"], c1["oxidation_rate"]) == (20.908, 0.02637, 0.94)
    # CO2 from the fuel dataset; CH4 and N2O (on by default) from the IPCC defaults, both named
    assert c1["factor_dataset"] == "cn-fuel-gbt32150@1 + ipcc2006-combustion-ch4-n2o@2"
    assert c1["precedence"] == "default"
    assert comp.results["settings"]["default_fuel_basis"] == "cn-fuel-gbt32150"


def test_raw_coal_without_non_co2_is_co2_only(tmp_path: Path) -> None:
    comp = run(tmp_path, COAL, report={"options": {"combustion_non_co2": False}})
    c1 = line(comp, "C1")
    assert pd.isna(c1["t_CH4"]) and pd.isna(c1["t_N2O"])
    assert c1["co2e"] == pytest.approx(c1["t_CO2"], rel=1e-15)
    assert round(comp.results["totals"]["scope1"], 1) == 1900.3
    assert comp.results["settings"]["combustion_non_co2"] is False


def test_raw_coal_with_ipcc_ch4_n2o(tmp_path: Path) -> None:
    """Default (combustion_non_co2 true), at a power plant (GB/T 4754 D4411): IPCC 2006 Vol. 2
    Table 2.2 (energy industries, coal): CH4 1 kg/TJ, N2O 1.5 kg/TJ on 20,908 GJ = 20.908 TJ;
    GWP100 AR6 (IPCC AR6 WGI Table 7.15) CH4 non-fossil 27, N2O 273."""
    comp = run(tmp_path, COAL, facilities="""
        facility_id,entity_id,name,province,sector
        F1,E1,一号电厂,北京,D4411 火力发电
    """)
    c1 = line(comp, "C1")
    assert c1["non_co2_table"] == "IPCC 2006 Vol. 2 Table 2.2 (energy industries)"
    co2 = 1000 * 20.908 * 0.02637 * 0.94 * 44 / 12
    ch4 = 20.908 * 1.0 / 1000    # t: 20.908 TJ × 1 kg/TJ = 20.908 kg
    n2o = 20.908 * 1.5 / 1000    # t: 31.362 kg
    assert c1["t_CH4"] == pytest.approx(0.020908, rel=1e-12)
    assert c1["t_N2O"] == pytest.approx(0.031362, rel=1e-12)
    assert (c1["gwp_CH4"], c1["gwp_N2O"]) == (27.0, 273.0)
    assert c1["co2e_CH4"] == pytest.approx(ch4 * 27)
    assert c1["co2e_N2O"] == pytest.approx(n2o * 273)
    assert c1["co2e"] == pytest.approx(co2 + ch4 * 27 + n2o * 273, rel=1e-12)  # 1,909.43
    assert round(c1["co2e"], 2) == 1909.43
    assert comp.results["by_gas"]["scope1"]["CH4"] == pytest.approx(0.564516)
    assert comp.results["by_gas"]["scope1"]["N2O"] == pytest.approx(8.561826)


def test_factor_precedence(tmp_path: Path) -> None:
    """row > user factor > measured > facility basis > national default, recorded on each line.
    Clinker: IPCC 2006 Vol. 3 default 0.52 tCO2/t vs a row factor of 0.50 tCO2/t (a mass ratio, which
    the row's ef_unit must accept). Diesel: set A 42.652 GJ/t vs set B (MEE guidelines) 43.33 GJ/t,
    both 0.0202 tC/GJ and 0.98."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,ncv,ncv_unit,carbon_content,oxidation_rate,gas,ef_value,ef_unit
        K-ROW,F1,process,熟料,1000,t,,,,,CO2,0.50,tCO2/t
        K-DEF,F1,process,熟料,1000,t,,,,,,,
        D-USER,F1,stationary_combustion,柴油,10,t,,,,,,,
        D-MEAS,F2,stationary_combustion,柴油,10,t,43.0,GJ/t,0.0200,99%,,,
        D-BASIS,F2,stationary_combustion,diesel,10,t,,,,,,,
    """, report={"options": {"combustion_non_co2": False}}, facilities="""
        facility_id,entity_id,name,province,basis
        F1,E1,水泥厂,安徽,
        F2,E1,物流车队,上海,cn-fuel-mee-guidelines
    """, factors="""
        factor_id,activity,unit,gas,value,value_unit,source
        U-DIESEL,柴油,t,CO2,3.10,tCO2/t,supplier declaration (illustrative)
    """)
    t = comp.trace.set_index("line_id")
    assert t.loc["K-ROW", ["precedence", "co2e"]].tolist() == ["row", pytest.approx(500.0)]
    assert t.loc["K-DEF", ["precedence", "co2e"]].tolist() == ["default", pytest.approx(520.0)]
    assert t.loc["D-USER", ["precedence", "co2e"]].tolist() == ["user_factor", pytest.approx(31.0)]
    # the user factor matches by activity name: it also takes D-MEAS (precedence 2 before 3) …
    assert t.loc["D-MEAS", "precedence"] == "user_factor"
    # … but not D-BASIS, written "diesel"
    assert t.loc["D-BASIS", "precedence"] == "basis"
    assert t.loc["D-BASIS", "factor_dataset"] == "cn-fuel-mee-guidelines@1"
    assert t.loc["D-BASIS", "co2e"] == pytest.approx(10 * 43.33 * 0.0202 * 0.98 * 44 / 12)
    assert comp.results["settings"]["precedence"] == ["row", "user_factor", "measured", "basis", "default"]


def test_measured_parameters_override_the_basis(tmp_path: Path) -> None:
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,ncv,ncv_unit,carbon_content,oxidation_rate
        C-MEAS,F1,stationary_combustion,原煤,1000,t,21.35,GJ/t,0.02648,98%
        C-HALF,F1,stationary_combustion,原煤,1000,t,21.35,GJ/t,,
    """, report={"options": {"combustion_non_co2": False}})
    t = comp.trace.set_index("line_id")
    assert t.loc["C-MEAS", "precedence"] == "measured"
    assert t.loc["C-MEAS", "factor_dataset"] == "measured+cn-fuel-gbt32150@1"
    assert t.loc["C-MEAS", "co2e"] == pytest.approx(1000 * 21.35 * 0.02648 * 0.98 * 44 / 12)
    # a measured NCV with the default CC and OF
    assert t.loc["C-HALF", "co2e"] == pytest.approx(1000 * 21.35 * 0.02637 * 0.94 * 44 / 12)


# --- 2. location-based electricity and unit slips ----------------------------------------------------

def test_electricity_national_2023_in_mwh_kwh_and_wan_kwh(tmp_path: Path) -> None:
    """MEE/NBS 2023 national average grid factor 0.5306 tCO2/MWh; the reporting period 2025 takes
    the latest published year not after it (2023). 1,000 MWh = 1,000,000 kWh = 100 万kWh."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        E-MWH,F1,purchased_electricity,电网电力,1000,MWh
        E-KWH,F1,purchased_electricity,电网电力,1000000,kWh
        E-WAN,F1,purchased_electricity,电网电力,100,万kWh
    """)
    assert comp.results["settings"]["grid_year"] == 2023
    for lid in ("E-MWH", "E-KWH", "E-WAN"):
        e = line(comp, lid)
        assert e["converted_quantity"] == pytest.approx(1000.0) and e["converted_unit"] == "MWh"
        assert e["factor_value"] == 0.5306 and e["factor_dataset"] == "cn-grid-2023@1"
        assert e["co2e"] == pytest.approx(530.6, rel=1e-12)
        assert e["grid_level"] == "national" and not e["grid_fallback"]
    assert comp.results["totals"]["scope2_location"] == pytest.approx(3 * 530.6)


# --- 3. grid year and level --------------------------------------------------------------------------

MWH = """
    record_id,facility_id,source,activity,quantity,unit
    E1,F1,purchased_electricity,电力,1000,MWh
"""
GUANGDONG = """
    facility_id,entity_id,name,province
    F1,E1,广州工厂,广东
"""
PERIOD_2022 = {"start": "2022-01-01", "end": "2022-12-31"}


def test_grid_year_follows_the_reporting_year(tmp_path: Path) -> None:
    """MEE/NBS national averages: 2022 0.5366, 2021 0.5568 tCO2/MWh."""
    comp = run(tmp_path, MWH, report={"period": PERIOD_2022})
    assert comp.results["settings"]["grid_year"] == 2022
    assert line(comp, "E1")["co2e"] == pytest.approx(536.6)
    assert line(comp, "E1")["factor_dataset"] == "cn-grid-2022@1"


def test_grid_year_set_in_report(tmp_path: Path) -> None:
    comp = run(tmp_path, MWH, report={"factors": {"grid_year": 2021}})
    assert comp.results["settings"]["grid_year"] == 2021
    assert line(comp, "E1")["co2e"] == pytest.approx(556.8)
    assert line(comp, "E1")["factor_dataset"] == "cn-grid-2021@1"


def test_province_level_2023_falls_back_to_region(tmp_path: Path) -> None:
    """No provincial factors are shipped for 2023: 广东 takes the 南方 regional grid, 0.4042."""
    comp = run(tmp_path, MWH, report={"grid_factor_level": "province"}, facilities=GUANGDONG)
    e = line(comp, "E1")
    assert (e["grid_level"], bool(e["grid_fallback"])) == ("region", True)
    assert e["factor_value"] == 0.4042 and e["co2e"] == pytest.approx(404.2)
    notices = [i for i in comp.issues if i.code == "grid-fallback"]
    assert len(notices) == 1 and notices[0].severity is Severity.NOTICE
    assert notices[0].location.row == 2
    assert dict(notices[0].params)["year"] == 2023


def test_province_level_2022_uses_the_province(tmp_path: Path) -> None:
    """MEE/NBS 2022 provincial factor of 广东: 0.4403 tCO2/MWh."""
    comp = run(tmp_path, MWH, report={"grid_factor_level": "province", "period": PERIOD_2022},
               facilities=GUANGDONG)
    e = line(comp, "E1")
    assert (e["grid_level"], bool(e["grid_fallback"])) == ("province", False)
    assert e["co2e"] == pytest.approx(440.3)
    assert "grid-fallback" not in codes(comp.issues)


# --- 4. GHG Protocol Scope 3 Technical Guidance worked examples -------------------------------------
# Inputs are written as activity rows with row-level factors (ef_value/ef_unit) or the inventory's
# factors table, in the example's own units (kg CO2e); results are in tCO2e, hence the /1000.

S3_HEADER = "record_id,facility_id,source,scope3_category,activity,quantity,unit,ef_value,ef_unit,method"


def test_tg_example_1_1_supplier_specific(tmp_path: Path) -> None:
    """TG Example [1.1], p. 25: (200,000 × 0.15) + (600,000 × 0.1) + (200,000 × 0.1)
    + (100,000 × 0.25) + (50,000 × 0.2) = 145,000 kg CO2e. Supplier factors via the factors table."""
    comp = run(tmp_path, S3_HEADER + """
        P1,F1,scope3,1,Cement,200000,kg,,,supplier_specific
        P2,F1,scope3,1,Plaster,600000,kg,,,supplier_specific
        P3,F1,scope3,1,Paint,200000,kg,,,supplier_specific
        P4,F1,scope3,1,Timber,100000,kg,,,supplier_specific
        P5,F1,scope3,1,Concrete,50000,kg,,,supplier_specific
    """, factors="""
        factor_id,activity,unit,gas,value,value_unit,source
        SUP-C,Cement,kg,CO2e,0.15,kgCO2e/kg,Supplier C
        SUP-D,Plaster,kg,CO2e,0.10,kgCO2e/kg,Supplier D
        SUP-E,Paint,kg,CO2e,0.10,kgCO2e/kg,Supplier E
        SUP-F,Timber,kg,CO2e,0.25,kgCO2e/kg,Supplier F
        SUP-G,Concrete,kg,CO2e,0.20,kgCO2e/kg,Supplier G
    """)
    assert category(comp, 1) == pytest.approx(145_000 / 1000)
    assert line(comp, "P1")["co2e"] == pytest.approx(30.0)
    assert set(comp.trace["precedence"]) == {"user_factor"}
    assert line(comp, "P4")["factor_id"] == "SUP-F"


def test_tg_example_1_2_hybrid_transport_term_misprint(tmp_path: Path) -> None:
    """TG Example [1.2], pp. 27-29, hybrid method. Printed: supplier scope 1+2 3,000, material inputs
    49,250, transport of inputs 20,500, waste 50, total 72,800 kg CO2e. The transport term's own
    inputs give (5,000 × 1,000 × 0.01) + (2,500 × 2,500 × 0.02) + (500 × 800 × 0.05)
    + (500 × 200 × 0.1) = 205,000 (misprint, see domain.md), so the total is 257,300 kg CO2e."""
    comp = run(tmp_path, S3_HEADER + """
        S12-EL,F1,scope3,1,supplier B electricity,5000,kWh,0.5,kgCO2e/kWh,hybrid
        S12-NG,F1,scope3,1,supplier B natural gas,2500,kWh,0.2,kgCO2e/kWh,hybrid
        M-COT,F1,scope3,1,cotton,5000,kg,7.0,kgCO2e/kg,hybrid
        M-POL,F1,scope3,1,polymer,2500,kg,5.0,kgCO2e/kg,hybrid
        M-CHA,F1,scope3,1,chemical A,500,kg,2.0,kgCO2e/kg,hybrid
        M-CHB,F1,scope3,1,chemical B,500,kg,1.5,kgCO2e/kg,hybrid
        T-COT,F1,scope3,1,cotton transport,5000000,kg*km,0.01,kgCO2e/kg/km,hybrid
        T-POL,F1,scope3,1,polymer transport,6250000,kg*km,0.02,kgCO2e/kg/km,hybrid
        T-CHA,F1,scope3,1,chemical A transport,400000,kg*km,0.05,kgCO2e/kg/km,hybrid
        T-CHB,F1,scope3,1,chemical B transport,100000,kg*km,0.10,kgCO2e/kg/km,hybrid
        W-LF,F1,scope3,1,waste to landfill,100,kg,0.5,kgCO2e/kg,hybrid
    """)
    t = comp.trace.set_index("line_id")["co2e"] * 1000   # kg CO2e
    assert t[["S12-EL", "S12-NG"]].sum() == pytest.approx(3_000)                    # as printed
    assert t[["M-COT", "M-POL", "M-CHA", "M-CHB"]].sum() == pytest.approx(49_250)   # as printed
    assert t[["T-COT", "T-POL", "T-CHA", "T-CHB"]].sum() == pytest.approx(205_000)  # printed 20,500
    assert t["W-LF"] == pytest.approx(50)                                            # as printed
    assert category(comp, 1) * 1000 == pytest.approx(257_300)                        # printed 72,800


def test_tg_example_1_4_average_data_and_spend(tmp_path: Path) -> None:
    """TG Example [1.4], pp. 34-35: components by mass (kg × kg CO2e/kg) and raw materials by spend
    ($ × kg CO2e/$) = 54,100 kg CO2e. The report currency is USD so the spend needs no rate."""
    comp = run(tmp_path, S3_HEADER + """
        HD,F1,scope3,1,Hard drive,400,kg,20,kgCO2e/kg,average_data
        IC,F1,scope3,1,Integrated circuits,200,kg,10,kgCO2e/kg,average_data
        LCD,F1,scope3,1,Liquid Crystal Display,500,kg,40,kgCO2e/kg,average_data
        SEMI,F1,scope3,1,Semiconductors,100,kg,70,kgCO2e/kg,average_data
        BAT,F1,scope3,1,Battery,1500,kg,3,kgCO2e/kg,average_data
        KB,F1,scope3,1,Keyboard,300,kg,3,kgCO2e/kg,average_data
        PS,F1,scope3,1,Plastic (PS),5000,USD,0.3,kgCO2e/USD,spend_based
        ABS,F1,scope3,1,Plastic (ABS),3000,USD,0.3,kgCO2e/USD,spend_based
        PET,F1,scope3,1,PET (film),4000,USD,0.3,kgCO2e/USD,spend_based
        AL,F1,scope3,1,Aluminum,6000,USD,0.5,kgCO2e/USD,spend_based
        ST,F1,scope3,1,Steel,1500,USD,0.2,kgCO2e/USD,spend_based
        CH,F1,scope3,1,Cyclohexane,5000,USD,0.2,kgCO2e/USD,spend_based
        EP,F1,scope3,1,Epoxy resin,5000,USD,0.3,kgCO2e/USD,spend_based
        CU,F1,scope3,1,Copper,1000,USD,0.3,kgCO2e/USD,spend_based
        GL,F1,scope3,1,Glass,5000,USD,0.4,kgCO2e/USD,spend_based
    """, report={"currency": "USD"})
    assert category(comp, 1) * 1000 == pytest.approx(54_100)
    cat1 = next(c for c in comp.results["scope3_categories"] if c["category"] == 1)
    assert cat1["methods"] == ["average_data", "spend_based"] and cat1["lines"] == 15


def test_tg_example_4_1_fuel_based_transport(tmp_path: Path) -> None:
    """TG Example [4.1], p. 56: diesel (50,000 + 80,000 + 90,000 L) × 3 kg CO2e/L = 660,000 and
    50 kg R410a × 2,000 (the example's illustrative GWP, given as a row factor) = 100,000:
    760,000 kg CO2e."""
    comp = run(tmp_path, S3_HEADER + """
        B,F1,scope3,4,diesel supplier B,50000,L,3,kgCO2e/L,fuel_based
        C,F1,scope3,4,diesel supplier C,80000,L,3,kgCO2e/L,fuel_based
        D,F1,scope3,4,diesel supplier D,90000,L,3,kgCO2e/L,fuel_based
        D-REF,F1,scope3,4,refrigerant R410a supplier D,50,kg,2000,kgCO2e/kg,fuel_based
    """)
    assert comp.trace.loc[comp.trace["line_id"].isin(["B", "C", "D"]), "co2e"].sum() * 1000 == pytest.approx(660_000)
    assert line(comp, "D-REF")["co2e"] * 1000 == pytest.approx(100_000)
    assert category(comp, 4) * 1000 == pytest.approx(760_000)


def test_tg_example_4_2_distance_based_transport(tmp_path: Path) -> None:
    """TG Example [4.2], p. 62: 2 t × 2,000 km × 0.2 + 1 t × 3,000 km × 1.0 + 6 t × 4,000 km × 0.05
    kg CO2e/tonne-km = 800 + 3,000 + 1,200 = 5,000 kg CO2e (quantities written as tonne-km)."""
    comp = run(tmp_path, S3_HEADER + """
        ROAD,F1,scope3,4,truck rigid 3.5-7.5t,4000,tkm,0.2,kgCO2e/tkm,distance_based
        AIR,F1,scope3,4,air long haul,3000,tkm,1.0,kgCO2e/tkm,distance_based
        SEA,F1,scope3,4,container 2000-2999 TEU,24000,tkm,0.05,kgCO2e/tkm,distance_based
    """)
    kg = comp.trace.set_index("line_id")["co2e"] * 1000
    assert (kg["ROAD"], kg["AIR"], kg["SEA"]) == (pytest.approx(800), pytest.approx(3_000), pytest.approx(1_200))
    assert category(comp, 4) * 1000 == pytest.approx(5_000)


def test_tg_example_5_1_waste_type_specific(tmp_path: Path) -> None:
    """TG Example [5.1], p. 75: (2,000 × 40) + (5,000 × 2) + (4,000 × 10) kg CO2e/t and
    5,000 m3 wastewater × 0.5 kg CO2e/m3 = 132,500 kg CO2e (factors from the factors table)."""
    comp = run(tmp_path, S3_HEADER + """
        W1,F1,scope3,5,plastic landfill,2000,t,,,average_data
        W2,F1,scope3,5,plastic incinerated with energy recovery,5000,t,,,average_data
        W3,F1,scope3,5,plastic recycled,4000,t,,,average_data
        W4,F1,scope3,5,wastewater,5000,m3,,,average_data
    """, factors="""
        factor_id,activity,unit,gas,value,value_unit,source
        WL,plastic landfill,t,CO2e,40,kgCO2e/t,TG Example 5.1
        WI,plastic incinerated with energy recovery,t,CO2e,2,kgCO2e/t,TG Example 5.1
        WR,plastic recycled,t,CO2e,10,kgCO2e/t,TG Example 5.1
        WW,wastewater,m3,CO2e,0.5,kgCO2e/m3,TG Example 5.1
    """)
    assert category(comp, 5) * 1000 == pytest.approx(132_500)


def test_tg_example_6_1_business_travel_distance_based(tmp_path: Path) -> None:
    """TG Example [6.1], pp. 85-86. Road, in vehicle-km (employees / employees per vehicle × km):
    10/2 × 50 × 1 + 20/2 × 200 × 2 + 100/3 × 100 × 4 = 17,583.33 kg CO2e. Air, in passenger-km:
    10 × 10,000 × 5 + 20 × 15,000 × 6 + 100 × 12,000 × 5 = 8,300,000. Total 8,317,583.33 kg CO2e."""
    comp = run(tmp_path, S3_HEADER + f"""
        R1,F1,scope3,6,hybrid car US,250,km,1,kgCO2e/km,distance_based
        R2,F1,scope3,6,average gasoline car AU,2000,km,2,kgCO2e/km,distance_based
        R3,F1,scope3,6,four wheel drive US,{100 / 3 * 100!r},km,4,kgCO2e/km,distance_based
        A1,F1,scope3,6,long haul flight,100000,pkm,5,kgCO2e/pkm,distance_based
        A2,F1,scope3,6,short haul flight,300000,pkm,6,kgCO2e/pkm,distance_based
        A3,F1,scope3,6,long haul flight,1200000,pkm,5,kgCO2e/pkm,distance_based
    """)
    kg = comp.trace.set_index("line_id")["co2e"] * 1000
    assert kg[["R1", "R2", "R3"]].sum() == pytest.approx(17_583.33, abs=0.005)
    assert kg[["A1", "A2", "A3"]].sum() == pytest.approx(8_300_000)
    assert category(comp, 6) * 1000 == pytest.approx(8_317_583.33, abs=0.005)


def test_tg_example_7_1_commuting_distance_based(tmp_path: Path) -> None:
    """TG Example [7.1], p. 90: rail (10 × 2 × 5 × 48) + (10 × 2 × 4 × 48) = 8,640 passenger-km
    × 0.1; car (15 × 2 × 1 × 48) + (20 × 2 × 5 × 48) = 11,040 vehicle-km × 0.2; 3,072 kg CO2e."""
    comp = run(tmp_path, S3_HEADER + """
        RAIL,F1,scope3,7,rail commute,8640,pkm,0.1,kgCO2e/pkm,distance_based
        CAR,F1,scope3,7,car commute,11040,km,0.2,kgCO2e/km,distance_based
    """)
    assert category(comp, 7) * 1000 == pytest.approx(3_072)


def test_tg_example_8_1_leased_asset_rounding_misprint(tmp_path: Path) -> None:
    """TG Example [8.1], pp. 97-98: the leased share 200 / (2,000 × 0.75) of the building's 1,500 kWh
    gas, 3,000 kWh electricity and 5 kg refrigerant = 200 kWh, 400 kWh and 2/3 kg;
    (200 × 0.2) + (400 × 0.7) + (2/3 × 1,500) = 1,320 kg CO2e. The guidance rounds 2/3 to 0.67
    before multiplying and prints 1,325 (see domain.md): the exact inputs give 1,320."""
    comp = run(tmp_path, S3_HEADER + f"""
        NG,F1,scope3,8,leased floor natural gas,200,kWh,0.2,kgCO2e/kWh,average_data
        EL,F1,scope3,8,leased floor electricity,400,kWh,0.7,kgCO2e/kWh,average_data
        REF,F1,scope3,8,leased floor refrigerant,{2 / 3!r},kg,1500,kgCO2e/kg,average_data
    """)
    assert category(comp, 8) * 1000 == pytest.approx(1_320)   # printed 1,325


INVESTEES_ENTITIES = """
    entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated
    A,Company A,,100%,yes,yes,yes
    I1,Investment 1 subsidiary,A,40%,no,no,no
    I2,Investment 2 subsidiary,A,15%,no,no,no
    I3,Investment 3 joint venture,A,25%,no,no,no
    I4,Investment 4 joint venture,A,25%,no,no,no
"""
INVESTEES_FACILITIES = """
    facility_id,entity_id,name,province
    FA,A,head office,北京
    F1,I1,investee 1,上海
    F2,I2,investee 2,上海
    F3,I3,investee 3,上海
    F4,I4,investee 4,上海
"""


def test_tg_example_15_1_investment_specific_through_category15_lines(tmp_path: Path) -> None:
    """TG Example [15.1], pp. 142-143: a control-approach company with four investees outside its
    boundary; (120,000 × 40%) + (200,000 × 15%) + (1,600,000 × 25%) + (60,000 × 25%) = 493,000
    tCO2e. Each investee's reported scope 1 + 2 is one line of its facility (a row factor of
    1 tCO2e per unit), and the engine derives the category 15 lines at the equity share
    (options.category15_investees)."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,ef_value,ef_unit
        I1-S12,F1,process,investee reported scope 1+2,120000,t,1,tCO2e/t
        I2-S12,F2,process,investee reported scope 1+2,200000,t,1,tCO2e/t
        I3-S12,F3,process,investee reported scope 1+2,1600000,t,1,tCO2e/t
        I4-S12,F4,process,investee reported scope 1+2,60000,t,1,tCO2e/t
    """, report={"options": {"category15_investees": True}}, entities=INVESTEES_ENTITIES,
        facilities=INVESTEES_FACILITIES)
    assert comp.results["totals"]["scope1"] == 0.0
    assert set(comp.trace.loc[comp.trace["derived_from"].isna(), "status"]) == {"outside_boundary"}
    c15 = comp.trace.loc[comp.trace["scope3_category"].eq(15)].set_index("derived_from")["co2e"]
    assert c15.to_dict() == pytest.approx({"I1-S12": 48_000, "I2-S12": 30_000, "I3-S12": 400_000,
                                           "I4-S12": 15_000})
    assert category(comp, 15) == pytest.approx(493_000)
    assert comp.results["totals"]["scope3"] == pytest.approx(493_000)


def test_tg_example_15_2_average_data_misprint(tmp_path: Path) -> None:
    """TG Example [15.2], p. 145: Σ revenue × sector share × EEIO factor × equity share. Printed:
    90,000 + 562,500 + 690,000 + 900,000 = 2,242,500 "tonnes CO2e"; the fourth investee's inputs give
    (5,500,000 × 0.6 × 2 + 5,500,000 × 0.4 × 1.5) × 0.10 = (6,600,000 + 3,300,000) × 0.10 = 990,000,
    and the factors are kg CO2e/$, so the result is 2,332,500 kg CO2e (see domain.md). Each row's
    quantity is the investor's share of the investee's revenue in the sector (revenue × sector
    share × equity share), in USD."""
    comp = run(tmp_path, S3_HEADER + f"""
        INV1,F1,scope3,15,telecommunication,{3_000_000 * 1.0 * 0.05!r},USD,0.6,kgCO2e/USD,average_data
        INV2,F1,scope3,15,pharmaceutical,{7_500_000 * 1.0 * 0.15!r},USD,0.5,kgCO2e/USD,average_data
        INV3,F1,scope3,15,energy generation,{1_150_000 * 1.0 * 0.20!r},USD,3.0,kgCO2e/USD,average_data
        INV4-FB,F1,scope3,15,food and beverage,{5_500_000 * 0.6 * 0.10!r},USD,2.0,kgCO2e/USD,average_data
        INV4-AP,F1,scope3,15,apparel,{5_500_000 * 0.4 * 0.10!r},USD,1.5,kgCO2e/USD,average_data
    """, report={"currency": "USD"})
    kg = comp.trace.set_index("line_id")["co2e"] * 1000
    assert kg["INV1"] == pytest.approx(90_000)
    assert kg["INV2"] == pytest.approx(562_500)
    assert kg["INV3"] == pytest.approx(690_000)
    assert kg["INV4-FB"] + kg["INV4-AP"] == pytest.approx(990_000)   # printed 900,000
    assert category(comp, 15) * 1000 == pytest.approx(2_332_500)     # printed 2,242,500 "tonnes"


# --- 5. GWP ------------------------------------------------------------------------------------------

R410A = """
    record_id,facility_id,source,activity,quantity,unit,gas
    R1,F1,fugitive,空调制冷剂补充,10,kg,R-410A
    S1,F1,fugitive,断路器补气,1,t,SF6
"""


def test_refrigerant_blend_and_sf6_under_ar6(tmp_path: Path) -> None:
    """R-410A = 50 % HFC-32 + 50 % HFC-125 (ASHRAE 34); GWP100 AR6 (IPCC AR6 WGI Table 7.SM.7)
    HFC-32 771, HFC-125 3,740, SF6 25,200 (ghgp-gwp100@2; the GHG Protocol's 24,300 with @1)."""
    comp = run(tmp_path, R410A)
    r1 = line(comp, "R1")
    assert r1["co2e"] == pytest.approx(10 / 1000 * (0.5 * 771 + 0.5 * 3740))   # 22.555
    assert round(r1["co2e"], 3) == 22.555
    assert r1["co2e_HFCs"] == pytest.approx(22.555) and r1["gwp_other"] == pytest.approx(2255.5)
    assert line(comp, "S1")["co2e"] == pytest.approx(25_200) and line(comp, "S1")["co2e_SF6"] == pytest.approx(25_200)
    assert comp.results["settings"]["gwp"] == "AR6"
    pinned = run(tmp_path / "v1", R410A, report={"factors": {"versions": {"ghgp-gwp100": "1"}}})
    assert line(pinned, "S1")["co2e"] == pytest.approx(24_300)


def test_refrigerant_blend_under_ar5(tmp_path: Path) -> None:
    """AR5: HFC-32 677, HFC-125 3,170 → 10 kg R-410A = 19.235 tCO2e; SF6 23,500."""
    comp = run(tmp_path, R410A, report={"gwp": "AR5"})
    assert line(comp, "R1")["co2e"] == pytest.approx(10 / 1000 * (0.5 * 677 + 0.5 * 3170))
    assert round(line(comp, "R1")["co2e"], 3) == 19.235
    assert line(comp, "S1")["co2e"] == pytest.approx(23_500)


# --- 6. boundaries on the demo group -----------------------------------------------------------------

# ownership as written in fixtures/demo-group/entities.csv (1, 100%, 60, 0.5, 30% …)
DEMO_OWNERSHIP = {"YX-HOLD": 1.0, "YX-AH": 1.0, "YX-TS": 0.60, "YX-GD": 1.0, "YX-LOG": 1.0,
                  "YX-DC": 1.0, "JV-JS": 0.50, "AS-SC": 0.30}
DEMO_FINANCIAL_CONTROL = {"YX-HOLD": 1, "YX-AH": 1, "YX-TS": 1, "YX-GD": 1, "YX-LOG": 1,
                          "YX-DC": 1, "JV-JS": 0, "AS-SC": 0}
DEMO_CONSOLIDATED = {"JV-JS": False, "AS-SC": False}   # the rest are consolidated


def demo_copy(tmp_path: Path, consolidation: str | None = None, name: str = "demo") -> Path:
    root = tmp_path / name
    shutil.copytree(DEMO, root)
    if consolidation:
        rp = root / "report.yaml"
        text = rp.read_text(encoding="utf-8")
        assert text.count("consolidation: operational_control") == 1
        rp.write_text(text.replace("consolidation: operational_control", f"consolidation: {consolidation}"),
                      encoding="utf-8")
    return root


def demo_comp(root: Path) -> tuple[Inventory, Computation]:
    inv, issues = load_inventory(root)
    assert [i for i in issues if i.severity is Severity.ERROR] == []
    return inv, compute(inv)


def gross_by_entity(trace: pd.DataFrame, scope: int, col: str = "co2e_gross") -> pd.Series:
    """The 100 % figures of the non-derived lines that were computed (in or out of the boundary)."""
    t = trace.loc[trace["derived_from"].isna() & trace["status"].isin(["included", "outside_boundary"])
                  & trace["scope"].eq(scope)]
    return t.groupby("entity_id")[col].sum()


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Inventory, Computation]]:
    base = tmp_path_factory.mktemp("demo-runs")
    return {a: demo_comp(demo_copy(base, None if a == "operational_control" else a, a))
            for a in ("operational_control", "equity_share", "financial_control")}


def test_equity_share_scope1_is_gross_times_ownership(demo_runs: dict) -> None:
    _, oc = demo_runs["operational_control"]
    _, eq = demo_runs["equity_share"]
    gross = gross_by_entity(eq.trace, 1)
    assert set(gross.index) == set(DEMO_OWNERSHIP)   # every entity has Scope 1 lines
    expected = sum(gross[e] * DEMO_OWNERSHIP[e] for e in gross.index)
    assert eq.results["totals"]["scope1"] == pytest.approx(expected, rel=1e-12)
    assert eq.results["settings"]["consolidation"] == "equity_share"
    # differs from operational control: Tangshan at 60 %, the JV at 50 % and the associate at 30 %
    gross_oc = gross_by_entity(oc.trace, 1)
    assert gross_oc.to_dict() == pytest.approx(gross.to_dict(), rel=1e-12)   # same gross figures
    assert oc.results["totals"]["scope1"] == pytest.approx(
        sum(gross_oc[e] for e in gross_oc.index if e not in DEMO_CONSOLIDATED), rel=1e-12)
    diff = (gross["YX-TS"] * (0.6 - 1.0) + gross["JV-JS"] * 0.5 + gross["AS-SC"] * 0.3)
    assert eq.results["totals"]["scope1"] - oc.results["totals"]["scope1"] == pytest.approx(diff, rel=1e-9)
    # scope 2 location-based likewise
    g2 = gross_by_entity(eq.trace, 2)
    assert eq.results["totals"]["scope2_location"] == pytest.approx(
        sum(g2[e] * DEMO_OWNERSHIP[e] for e in g2.index), rel=1e-12)


def test_equity_share_of_the_joint_venture_by_hand(demo_runs: dict) -> None:
    """JV-JS (50 %): F11-SC-NG, 421.5 万Nm3 natural gas on the facility's basis cn-fuel-mee-guidelines
    (NCV 389.31 GJ/万Nm3, CC 0.0153 tC/GJ, OF 0.99), CH4 1 and N2O 0.1 kg/TJ (IPCC 2006 Table 2.2),
    AR6 GWPs 27 and 273; its only Scope 1 line."""
    _, eq = demo_runs["equity_share"]
    gj = 421.5 * 389.31
    gross = gj * 0.0153 * 0.99 * 44 / 12 + gj * 1.0 / 1e6 * 27 + gj * 0.1 / 1e6 * 273
    jv = next(e for e in eq.results["by_entity"] if e["entity_id"] == "JV-JS")
    assert jv["scope1"] == pytest.approx(gross * 0.5, rel=1e-12)
    assert jv["share"] == 0.5 and jv["consolidated"] is False
    assert line(eq, "F11-SC-NG")["co2e"] == pytest.approx(gross * 0.5, rel=1e-12)
    assert line(eq, "F11-SC-NG")["share"] == 0.5


def test_financial_control_scope1(demo_runs: dict, tmp_path: Path) -> None:
    _, fc = demo_runs["financial_control"]
    gross = gross_by_entity(fc.trace, 1)
    assert fc.results["totals"]["scope1"] == pytest.approx(
        sum(gross[e] * DEMO_FINANCIAL_CONTROL[e] for e in gross.index), rel=1e-12)
    # in the demo the financial and operational control flags agree, so the totals do too
    _, oc = demo_runs["operational_control"]
    assert fc.results["totals"]["scope1"] == pytest.approx(oc.results["totals"]["scope1"], rel=1e-12)
    # with the JV under financial control (flag changed in a copy) it counts in full
    root = demo_copy(tmp_path, "financial_control")
    ent = root / "entities.csv"
    text = ent.read_text(encoding="utf-8")
    assert "JV-JS,江苏云岫恒泰新材料有限公司,YX-HOLD,0.5,否,no,否" in text
    ent.write_text(text.replace("JV-JS,江苏云岫恒泰新材料有限公司,YX-HOLD,0.5,否,no,否",
                                "JV-JS,江苏云岫恒泰新材料有限公司,YX-HOLD,0.5,是,no,否"), encoding="utf-8")
    _, fc2 = demo_comp(root)
    assert fc2.results["totals"]["scope1"] == pytest.approx(
        fc.results["totals"]["scope1"] + gross["JV-JS"], rel=1e-12)
    # a financially controlled JV that is not consolidated is an "other investee"
    assert fc2.results["by_basis"]["other_investees"]["scope1"] == pytest.approx(gross["JV-JS"], rel=1e-12)


@pytest.mark.parametrize("approach", ["operational_control", "equity_share", "financial_control"])
def test_by_basis_adds_up_to_totals(demo_runs: dict, approach: str) -> None:
    _, comp = demo_runs[approach]
    t, b = comp.results["totals"], comp.results["by_basis"]
    for key in ("scope1", "scope2_location", "scope2_market"):
        assert b["consolidated_group"][key] + b["other_investees"][key] == pytest.approx(t[key], rel=1e-12)
    other = b["other_investees"]
    if approach == "equity_share":   # the JV (50 %) and the associate (30 %)
        g1, g2 = gross_by_entity(comp.trace, 1), gross_by_entity(comp.trace, 2)
        assert other["scope1"] == pytest.approx(g1["JV-JS"] * 0.5 + g1["AS-SC"] * 0.3, rel=1e-12)
        assert other["scope2_location"] == pytest.approx(g2["JV-JS"] * 0.5 + g2["AS-SC"] * 0.3, rel=1e-12)
        assert other["scope2_market"] > 0
    else:                            # outside the boundary under either control approach
        assert other == {"scope1": 0.0, "scope2_location": 0.0, "scope2_market": 0.0}


# --- 7. Scope 2 market-based instruments -------------------------------------------------------------

TWO_FACILITIES = """
    facility_id,entity_id,name,province
    F1,E1,北京工厂,北京
    F2,E1,上海工厂,上海
"""
ELECTRICITY_2 = """
    record_id,facility_id,source,activity,quantity,unit
    E1,F1,purchased_electricity,电力,1000,MWh
    E2,F2,purchased_electricity,电力,500,MWh
"""
INSTRUMENTS = """
    instrument_id,type,facility_id,quantity,unit,period_start,period_end,emission_factor,retired
    GEC-0001,绿证,F1,1500,张,2025-01-01,2025-12-31,,是
    GEC-0001,绿证,F2,300,张,2025-01-01,2025-12-31,,是
    GEC-0002,绿证,F2,100,张,2025-01-01,2025-12-31,,否
"""


def test_market_based_instruments(tmp_path: Path) -> None:
    """1 GEC = 1 MWh (发改能源〔2023〕1044号); the residual proxy is the MEE 2023 national factor
    excluding market-traded non-fossil power, 0.6096 tCO2/MWh."""
    inv, issues = inventory(tmp_path, ELECTRICITY_2, facilities=TWO_FACILITIES, instruments=INSTRUMENTS)
    dup = [i for i in issues if i.code == "duplicate-id"]
    assert len(dup) == 1 and dup[0].table == "instruments" and dup[0].location.row == 3
    assert inv.counts["instruments"].rejected == 1
    comp = compute(inv)
    ins = comp.instruments.set_index("instrument_id")
    assert list(ins.index) == ["GEC-0001", "GEC-0002"]              # the second GEC-0001 is not counted
    assert ins.loc["GEC-0001", "facility_id"] == "F1"
    assert ins.loc["GEC-0001", "mwh"] == 1500 and ins.loc["GEC-0001", "mwh_used"] == 1000
    assert ins.loc["GEC-0001", "status"] == "partly_used"
    assert ins.loc["GEC-0002", "status"] == "excluded" and ins.loc["GEC-0002", "mwh_used"] == 0
    got = codes(comp.issues)
    assert got.count("instrument-exceeds-consumption") == 1 and got.count("instrument-excluded") == 1
    exceed = next(i for i in comp.issues if i.code == "instrument-exceeds-consumption")
    assert dict(exceed.params)["facility"] == "F1" and dict(exceed.params)["excess"] == 500
    assert line(comp, "E1")["co2e_market"] == 0.0 and line(comp, "E1")["mb_factor"] == 0.0
    assert line(comp, "E2")["co2e_market"] == pytest.approx(500 * 0.6096)   # uncovered: residual
    assert comp.results["settings"]["residual_factor"] == 0.6096
    assert comp.results["totals"]["scope2_market"] == pytest.approx(304.8)
    assert comp.results["totals"]["scope2_location"] == pytest.approx(1500 * 0.5306)


def test_instrument_partly_covering_a_facility(tmp_path: Path) -> None:
    """400 MWh of a 1,000 MWh facility covered at 0 → (600 × 0.6096) / 1,000 as its factor."""
    comp = run(tmp_path, ELECTRICITY_2, facilities=TWO_FACILITIES, instruments="""
        instrument_id,type,facility_id,quantity,unit,period_start,period_end,emission_factor,retired
        GP-1,green_power,F1,400000,kWh,2025-03-01,2025-12-31,0,yes
    """)
    assert line(comp, "E1")["mb_factor"] == pytest.approx(600 * 0.6096 / 1000)
    assert line(comp, "E1")["co2e_market"] == pytest.approx(600 * 0.6096)
    assert comp.instruments.loc[0, "status"] == "used"


# --- 8. reconciliation: results are sums of trace lines ----------------------------------------------

def reconcile(inv: Inventory, comp: Computation, out: Path) -> None:
    write_outputs(comp, out)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    trace = pd.read_parquet(out / "trace.parquet")
    inc = trace.loc[trace["status"] == "included"]
    t = results["totals"]
    approx = pytest.approx
    assert t["scope1"] == approx(inc.loc[inc["scope"] == 1, "co2e"].sum(), rel=1e-12, abs=1e-9)
    assert t["scope2_location"] == approx(inc.loc[inc["scope"] == 2, "co2e"].sum(), rel=1e-12, abs=1e-9)
    assert t["scope2_market"] == approx(inc.loc[inc["scope"] == 2, "co2e_market"].sum(), rel=1e-12, abs=1e-9)
    assert t["scope3"] == approx(inc.loc[inc["scope"] == 3, "co2e"].sum(), rel=1e-12, abs=1e-9)
    assert t["biogenic_co2"] == approx(inc["biogenic_co2"].sum(), abs=1e-9)
    assert t["scope1_2_3_location"] == approx(t["scope1"] + t["scope2_location"] + t["scope3"], rel=1e-12)
    for key in ("scope1", "scope2_location", "scope3"):
        assert sum(results["by_gas"][key].values()) == approx(t[key], rel=1e-12, abs=1e-9)
    assert sum(c["co2e"] for c in results["scope3_categories"]) == approx(t["scope3"], rel=1e-12, abs=1e-9)
    # every activity row read is exactly one non-derived line, whose line_id is its record_id
    read = inv.tables["activities"].frame["record_id"].astype(str)
    own = trace.loc[trace["derived_from"].isna()]
    assert len(own) == len(read) == results["inputs"]["activities"]["read"]
    assert (own["line_id"] == own["record_id"]).all()
    assert sorted(own["line_id"]) == sorted(read)
    # a derived line names a line that exists
    assert set(trace["derived_from"].dropna()) <= set(own["line_id"])
    # every line not included says why
    rest = trace.loc[trace["status"] != "included"]
    assert rest["reason"].notna().all() and (rest["reason"].astype(str).str.len() > 0).all()
    assert results["lines"]["total"] == len(trace)


@pytest.mark.parametrize("approach", ["operational_control", "equity_share", "financial_control"])
def test_results_reconcile_with_trace_on_the_demo(demo_runs: dict, approach: str, tmp_path: Path) -> None:
    inv, comp = demo_runs[approach]
    reconcile(inv, comp, tmp_path / "out")


def test_results_reconcile_with_rejected_rows(tmp_path: Path) -> None:
    """A rejected row (here a negative quantity) is in the trace as ``rejected`` with its reason, and
    the results still add up (computing with rejected rows is what ``compute --force`` does)."""
    inv, issues = inventory(tmp_path / "inv", """
        record_id,facility_id,source,activity,quantity,unit
        C1,F1,stationary_combustion,原煤,1000,t
        BAD,F1,stationary_combustion,原煤,-5,t
        E1,F1,purchased_electricity,电力,1000,MWh
    """)
    assert "negative-number" in codes(issues) and inv.counts["activities"].rejected == 1
    comp = compute(inv)
    assert line(comp, "BAD")["status"] == "rejected" and line(comp, "BAD")["co2e"] == 0.0
    assert comp.results["by_basis"]["consolidated_group"]["scope1"] == pytest.approx(
        comp.results["totals"]["scope1"])
    reconcile(inv, comp, tmp_path / "out")


def test_results_reconcile_with_excluded_lines(tmp_path: Path) -> None:
    comp_dir = tmp_path / "inv"
    inv, _ = inventory(comp_dir, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,gas
        C1,F1,stationary_combustion,,原煤,1000,t,
        X1,F1,stationary_combustion,,不存在的燃料,10,t,
        G1,F1,fugitive,,泄漏,1,kg,XYZ-999
        S1,F1,scope3,1,没有因子的采购,10,t,
    """)
    comp = compute(inv)
    assert line(comp, "X1")["reason"] == "no-factor" and line(comp, "G1")["reason"] == "gas-unknown"
    assert codes(comp.issues).count("no-factor") == 2 and "gas-unknown" in codes(comp.issues)
    reconcile(inv, comp, tmp_path / "out")


# --- 9. biogenic CO2 ---------------------------------------------------------------------------------

def test_biogenic_co2_is_outside_the_scopes(tmp_path: Path) -> None:
    """Biomass: CO2 112,000 kg/TJ and CH4 30 kg/TJ (IPCC 2006 Vol. 2 Table 2.2, wood/wood waste, as
    the demo's pellets) as row-level factors. A row carries one row-level factor, so the CO2 and
    the CH4 of the same pellets are two rows; the CO2 goes to biogenic_co2, the CH4 to Scope 1."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,gas,ef_value,ef_unit,biogenic
        BIO-CO2,F1,stationary_combustion,生物质颗粒,1000,GJ,CO2,112,kgCO2/GJ,是
        BIO-CH4,F1,stationary_combustion,生物质颗粒,1000,GJ,CH4,30,kg/TJ,是
    """)
    co2, ch4 = line(comp, "BIO-CO2"), line(comp, "BIO-CH4")
    assert co2["biogenic_co2"] == pytest.approx(112.0) and pd.isna(co2["t_CO2"]) and co2["co2e"] == 0.0
    assert ch4["t_CH4"] == pytest.approx(0.03) and ch4["co2e"] == pytest.approx(0.03 * 27)
    t = comp.results["totals"]
    assert t["biogenic_co2"] == pytest.approx(112.0)
    assert t["scope1"] == pytest.approx(0.81)
    assert comp.results["by_gas"]["scope1"]["CO2"] == 0.0


def test_biogenic_row_with_two_gas_factors(tmp_path: Path) -> None:
    """The same pellets as one row, with a CO2 and a CH4 factor in the factors table."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,biogenic
        BIO,F1,stationary_combustion,生物质颗粒,1000,GJ,yes
    """, factors="""
        factor_id,activity,unit,gas,value,value_unit,source
        BIO-CO2,生物质颗粒,GJ,CO2,112,kgCO2/GJ,IPCC 2006 Vol. 2 Table 2.2
        BIO-CH4,生物质颗粒,GJ,CH4,30,kg/TJ,IPCC 2006 Vol. 2 Table 2.2
    """)
    bio = line(comp, "BIO")
    assert bio["biogenic_co2"] == pytest.approx(112.0) and pd.isna(bio["t_CO2"])
    assert bio["t_CH4"] == pytest.approx(0.03) and bio["co2e"] == pytest.approx(0.81)
    assert bio["factor_id"] == "BIO-CH4+BIO-CO2"
    assert comp.results["totals"]["biogenic_co2"] == pytest.approx(112.0)
    assert comp.results["totals"]["scope1"] == pytest.approx(0.81)


# One factor per row and gas: the one in the row's own unit wins (once a double count).
def test_one_factor_per_gas(tmp_path: Path) -> None:
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        CL1,F1,purchased_cooling,冷量,100,GJ
    """, factors="""
        factor_id,activity,unit,gas,value,value_unit,source
        U-COOL-GJ,冷量,GJ,CO2,0.06,tCO2/GJ,supplier (illustrative)
        U-COOL-KWH,冷量,kWh,CO2,0.2,kgCO2/kWh,supplier (illustrative)
    """)
    by_gj = 100 * 0.06   # 6.0 tCO2 from the GJ factor, not the sum with the kWh one
    assert line(comp, "CL1")["co2e"] == pytest.approx(by_gj)
    assert line(comp, "CL1")["factor_id"] == "U-COOL-GJ"


# --- 10. spend: currency and price year --------------------------------------------------------------

SPEND = """
    record_id,facility_id,source,scope3_category,activity,quantity,unit,method
    SV1,F1,scope3,1,咨询服务,1000,USD,spend_based
"""
SPEND_FACTOR = """
    factor_id,activity,unit,gas,value,value_unit,source,year
    U-SVC,咨询服务,万元,CO2e,0.5,tCO2e/万元,illustrative EEIO factor,2021
"""


def test_spend_in_another_currency_is_converted(tmp_path: Path) -> None:
    comp = run(tmp_path, SPEND, factors=SPEND_FACTOR, report={"options": {"currency_rates": {"USD": 7.1}}})
    sv = line(comp, "SV1")
    assert sv["fx_rate"] == 7.1
    assert (sv["converted_quantity"], sv["converted_unit"]) == (pytest.approx(7100.0), "CNY")
    assert pd.isna(sv["deflator"])
    assert sv["co2e"] == pytest.approx(7100 / 10_000 * 0.5)   # 0.355 tCO2e


def test_spend_deflated_to_the_factor_year(tmp_path: Path) -> None:
    """Spend in 2025 prices → 2021 prices (the factor's year) with the user's index: × 100/110."""
    comp = run(tmp_path, SPEND, factors=SPEND_FACTOR, report={"options": {
        "currency_rates": {"USD": 7.1}, "price_index": {2021: 100, 2025: 110}}})
    sv = line(comp, "SV1")
    assert sv["deflator"] == pytest.approx(100 / 110)
    assert sv["converted_quantity"] == pytest.approx(7100 * 100 / 110)
    assert sv["co2e"] == pytest.approx(7100 * 100 / 110 / 10_000 * 0.5)


def test_spend_without_a_rate(tmp_path: Path) -> None:
    comp = run(tmp_path, SPEND, factors=SPEND_FACTOR)
    sv = line(comp, "SV1")
    assert (sv["status"], sv["reason"], sv["co2e"]) == ("excluded", "currency-rate-missing", 0.0)
    missing = [i for i in comp.issues if i.code == "currency-rate-missing"]
    assert len(missing) == 1 and missing[0].severity is Severity.ERROR and missing[0].location.row == 2
    assert comp.results["totals"]["scope3"] == 0.0


# --- 11. factor dataset versions -------------------------------------------------------------------

def grid_v2(folder: Path, national: float) -> None:
    """An errata of cn-grid-2023 as version 2, with another national average."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (SHIPPED / "cn-grid-2023@1.yaml").read_text(encoding="utf-8")
    assert text.count('version: "1"') == 1 and text.count("[national, 全国, average, 0.5306, tCO2/MWh]") == 1
    text = text.replace('version: "1"', 'version: "2"').replace(
        "[national, 全国, average, 0.5306, tCO2/MWh]", f"[national, 全国, average, {national}, tCO2/MWh]")
    (folder / "cn-grid-2023@2.yaml").write_text(text, encoding="utf-8")


def grid_datasets(comp: Computation) -> list[str]:
    return [f"{d['id']}@{d['version']}" for d in comp.results["factor_datasets"] if d["kind"] == "grid"]


@pytest.mark.parametrize(("pins", "expected_co2", "version"), [
    ({"versions": {"cn-grid-2023": "1"}}, 530.6, "1"),
    ({"versions": {"cn-grid-2023": "2"}}, 560.0, "2"),
    ({}, 560.0, "2"),   # unpinned: the library takes the highest version held (library.get)
])
def test_factor_dataset_versions(tmp_path: Path, pins: dict, expected_co2: float, version: str) -> None:
    grid_v2(tmp_path / "my-factors", 0.5600)
    comp = run(tmp_path, MWH, report={"factors": {"datasets": ["my-factors"], **pins}})
    e = line(comp, "E1")
    assert e["co2e"] == pytest.approx(expected_co2)
    assert e["factor_dataset"] == f"cn-grid-2023@{version}"
    assert grid_datasets(comp) == [f"cn-grid-2023@{version}"]
    assert comp.results["settings"]["factor_pins"] == pins.get("versions", {})


def test_unpinned_dataset_is_named_in_a_notice(tmp_path: Path) -> None:
    grid_v2(tmp_path / "my-factors", 0.5600)
    comp = run(tmp_path, MWH, report={"factors": {"datasets": ["my-factors"]}})
    unpinned = {dict(i.params)["id"]: dict(i.params)["version"] for i in comp.issues if i.code == "factor-unpinned"}
    assert unpinned["cn-grid-2023"] == "2"
    grid_v2(tmp_path / "pinned" / "my-factors", 0.5600)   # dataset folders lie inside the inventory
    pinned = run(tmp_path / "pinned", MWH, report={"factors": {"datasets": ["my-factors"],
                                                                "versions": {"cn-grid-2023": "2"}}})
    assert "cn-grid-2023" not in {dict(i.params)["id"] for i in pinned.issues if i.code == "factor-unpinned"}


def test_without_the_user_folder_version_1_is_used(tmp_path: Path) -> None:
    comp = run(tmp_path, MWH)
    assert grid_datasets(comp) == ["cn-grid-2023@1"]
    sha = next(d["sha256"] for d in comp.results["factor_datasets"] if d["id"] == "cn-grid-2023")
    assert len(sha) == 64


# --- 11b. the trace written while the sums are made ---------------------------------------------------

def test_the_trace_begun_before_the_sums_is_the_trace_written_after_them(tmp_path: Path) -> None:
    """compute's on_trace hands the trace over before the sums (the compute command writes it on a
    thread from there, TraceWriter): the files are those written after the whole computation."""
    from disclosure.engines.inprocess import TraceWriter

    inv, _ = load_inventory(DEMO)
    handed: list[tuple[pd.DataFrame, list[Issue]]] = []
    with TraceWriter(tmp_path / "early", None, lambda so_far: True) as early:
        def hook(trace: pd.DataFrame, so_far: list[Issue]) -> None:
            handed.append((trace, so_far))
            early(trace, so_far)

        comp = compute(inv, on_trace=hook)
        written = write_outputs(comp, tmp_path / "early", None, early)
    assert len(handed) == 1 and handed[0][0] is comp.trace and len(comp.trace) > 100
    assert all(isinstance(i, Issue) for i in handed[0][1])
    later = write_outputs(compute(inv), tmp_path / "later")
    assert [p.name for p in written] == [p.name for p in later] == [
        "results.json", "trace.parquet", "trace.csv", "instruments.csv"]
    for a, b in zip(written, later, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    # not wanted (an inventory with errors, not forced): nothing begun, write_outputs writes it
    with TraceWriter(tmp_path / "no", None, lambda so_far: False) as refused:
        comp = compute(inv, on_trace=refused)
        assert refused.paths() is None and not (tmp_path / "no").exists()
        assert write_outputs(comp, tmp_path / "no", None, refused)[1].read_bytes() == later[1].read_bytes()


def test_compute_begins_the_trace_only_when_it_will_be_published(tmp_path: Path, monkeypatch) -> None:
    """An inventory with errors: compute stops (exit 1) before writing a trace, unless forced;
    a failure writing it on its thread fails the command with nothing published."""
    from disclosure.compute import trace as trace_module

    real, calls = trace_module.write, []

    def counted(*args: Any, **kwargs: Any) -> list[Path]:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(trace_module, "write", counted)
    root = tmp_path / "inv"
    _, issues = inventory(root, """
        record_id,facility_id,source,activity,quantity,unit
        C1,F1,stationary_combustion,原煤,1000,t
        C2,F1,stationary_combustion,原煤,abc,t
    """)
    assert [i.code for i in issues if i.severity is Severity.ERROR] == ["bad-number"]
    r = CliRunner().invoke(app, ["compute", str(root), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1 and calls == [] and not (tmp_path / "out").exists(), r.output
    r = CliRunner().invoke(app, ["compute", str(root), "--out", str(tmp_path / "out"), "--force"])
    assert r.exit_code == 1 and len(calls) == 1, r.output
    assert (tmp_path / "out" / "trace.parquet").is_file()
    lines = pd.read_parquet(tmp_path / "out" / "trace.parquet")
    assert lines["record_id"].tolist() == ["C1", "C2"] and lines["status"].tolist() == ["included", "rejected"]

    def full(*args: Any, **kwargs: Any) -> list[Path]:
        raise OSError("the disk is full")

    monkeypatch.setattr(trace_module, "write", full)
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "demo")])
    # the write's own error, raised from its thread (the console script reports it and exits 3)
    assert isinstance(r.exception, OSError) and "the disk is full" in str(r.exception)
    assert r.exit_code != 0 and not (tmp_path / "demo").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".demo")] == []   # no staging left


# --- 12. determinism ---------------------------------------------------------------------------------

def test_compute_twice_gives_identical_files(tmp_path: Path) -> None:
    runner = CliRunner()
    outs = [tmp_path / "run1", tmp_path / "run2"]
    for out in outs:
        res = runner.invoke(app, ["compute", str(DEMO), "--out", str(out)])
        assert res.exit_code == 0, res.output
    for name in ("results.json", "trace.csv", "trace.parquet", "instruments.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    results = json.loads((outs[0] / "results.json").read_text(encoding="utf-8"))
    assert results["schema"] == "disclosure.results/1"
