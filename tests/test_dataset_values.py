"""Dataset values (issue 12, item 7) as the calculation applies them: SF6 under AR6 from the IPCC
table, and stationary CH4/N2O by the facility's source category (IPCC 2006 Vol. 2 Ch. 2: Table 2.2
energy industries, Table 2.3 manufacturing industries and construction), the table on the line.

Raw coal: NCV 20.908 GJ/t (GB/T 2589-2020), so 1,000 t is 20.908 TJ; Table 2.2 CH4 1 kg/TJ,
Table 2.3 CH4 10 kg/TJ, both N2O 1.5 kg/TJ; GWP100 AR6 CH4 (non-fossil) 27.0, N2O 273 (IPCC AR6 WGI
Table 7.15).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_compute import COAL, line, run

from disclosure.core.issues import Severity
from disclosure.core.sectors import ipcc_category

TJ = 20.908
T22 = "IPCC 2006 Vol. 2 Table 2.2 (energy industries)"
T23 = "IPCC 2006 Vol. 2 Table 2.3 (manufacturing industries and construction)"


def facility(sector: str) -> str:
    return f"""
        facility_id,entity_id,name,province,sector
        F1,E1,一号工厂,北京,{sector}
    """


def test_a_manufacturing_facilitys_coal_ch4_is_table_2_3(tmp_path: Path) -> None:
    """A cement plant (GB/T 4754 C3011, manufacturing): 20.908 TJ × 10 kg/TJ = 209.08 kg CH4
    (5.645 tCO2e), ten times Table 2.2's; N2O 31.362 kg as in Table 2.2."""
    comp = run(tmp_path, COAL, facilities=facility("C3011 水泥制造"))
    c1 = line(comp, "C1")
    assert c1["t_CH4"] == pytest.approx(TJ * 10 / 1000, rel=1e-12)      # 0.20908 t
    assert c1["t_N2O"] == pytest.approx(TJ * 1.5 / 1000, rel=1e-12)
    assert c1["co2e_CH4"] == pytest.approx(TJ * 10 / 1000 * 27, rel=1e-12)  # 5.64516 t
    assert c1["non_co2_table"] == T23
    assert c1["factor_dataset"] == "cn-fuel-gbt32150@1 + ipcc2006-combustion-ch4-n2o@2"
    assert not [i for i in comp.issues if i.code == "combustion-sector-default"]


def test_an_energy_industry_facilitys_coal_ch4_is_table_2_2(tmp_path: Path) -> None:
    """A thermal power plant (D4411): 20.908 TJ × 1 kg/TJ = 20.908 kg CH4."""
    comp = run(tmp_path, COAL, facilities=facility("D4411 火力发电"))
    c1 = line(comp, "C1")
    assert c1["t_CH4"] == pytest.approx(TJ * 1 / 1000, rel=1e-12)
    assert c1["non_co2_table"] == T22


def test_the_difference_is_the_research_notes_5_1_tco2e(tmp_path: Path) -> None:
    """1,000 t raw coal: Table 2.3 gives 5.6 tCO2e of CH4 where Table 2.2 gives 0.56: +5.08 tCO2e,
    0.27 % of its 1,900.3 tCO2."""
    m = line(run(tmp_path / "m", COAL, facilities=facility("C3011")), "C1")
    e = line(run(tmp_path / "e", COAL, facilities=facility("D4411")), "C1")
    assert m["co2e"] - e["co2e"] == pytest.approx(TJ * 9 / 1000 * 27, rel=1e-9)   # 5.08064
    assert round(m["co2e"] - e["co2e"], 2) == 5.08
    assert round((m["co2e"] - e["co2e"]) / m["t_CO2"] * 100, 2) == 0.27


def test_oil_and_gas_are_the_same_in_both_tables(tmp_path: Path) -> None:
    rows = """
        record_id,facility_id,source,activity,quantity,unit
        D1,F1,stationary_combustion,柴油,10,t
        N1,F1,stationary_combustion,天然气,10,万Nm3
    """
    m = run(tmp_path / "m", rows, facilities=facility("C3011"))
    e = run(tmp_path / "e", rows, facilities=facility("D4411"))
    for lid in ("D1", "N1"):
        assert line(m, lid)["t_CH4"] == pytest.approx(line(e, lid)["t_CH4"], rel=1e-15)
        assert line(m, lid)["t_N2O"] == pytest.approx(line(e, lid)["t_N2O"], rel=1e-15)


@pytest.mark.parametrize(("sector", "default", "table", "notice"), [
    ("", "manufacturing", T23, True),                       # no sector: the setting's default
    ("办公", "manufacturing", T23, True),                     # a sector that does not say which
    ("L7211 企业总部管理", "manufacturing", T23, True),         # commercial (Tables 2.4/2.5 not held)
    ("", "energy_industries", T22, True),
    ("C3011 水泥制造", "energy_industries", T23, False),        # the sector decides, not the default
])
def test_a_facility_without_a_sector_takes_the_default(tmp_path: Path, sector: str, default: str, table: str,
                                                       notice: bool) -> None:
    comp = run(tmp_path, COAL, facilities=facility(sector),
               report={"options": {"combustion_sector_default": default}})
    c1 = line(comp, "C1")
    assert c1["non_co2_table"] == table
    assert c1["t_CH4"] == pytest.approx(TJ * (10 if table == T23 else 1) / 1000, rel=1e-12)
    assert comp.results["settings"]["combustion_sector_default"] == default
    found = [i for i in comp.issues if i.code == "combustion-sector-default"]
    assert len(found) == (1 if notice else 0)
    if notice:
        n = found[0]
        assert n.severity is Severity.NOTICE and (n.location.row, n.location.column) == (2, "facility_id")
        assert dict(n.params)["facility"] == "F1" and dict(n.params)["used"] == default
        assert "GB/T 4754" in n.message("en") and "国民经济行业分类" in n.message("zh-CN")


def test_no_notice_where_the_tables_agree(tmp_path: Path) -> None:
    """Diesel has the same defaults in both tables: the default changes nothing, no notice."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        D1,F1,stationary_combustion,柴油,10,t
    """)
    assert line(comp, "D1")["non_co2_table"] == T23
    assert not [i for i in comp.issues if i.code == "combustion-sector-default"]


def test_mobile_combustion_keeps_the_road_transport_table(tmp_path: Path) -> None:
    """Table 3.2.2: road diesel CH4 3.9, N2O 3.9 kg/TJ, whatever the facility's sector."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit
        M1,F1,mobile_combustion,柴油,10,t
    """, facilities=facility("C3011"))
    m1 = line(comp, "M1")
    assert m1["non_co2_table"] == "IPCC 2006 Vol. 2 Table 3.2.2 (road transport)"
    assert m1["t_CH4"] == pytest.approx(m1["energy_gj"] / 1000 * 3.9 / 1000, rel=1e-12)


def test_pinned_to_version_1_every_stationary_line_is_table_2_2(tmp_path: Path) -> None:
    """A report pinned to ipcc2006-combustion-ch4-n2o@1 computes as before: Table 2.2's 1 kg/TJ at
    a cement plant, no table on the line."""
    comp = run(tmp_path, COAL, facilities=facility("C3011"),
               report={"factors": {"versions": {"ipcc2006-combustion-ch4-n2o": "1"}}})
    c1 = line(comp, "C1")
    assert c1["t_CH4"] == pytest.approx(TJ / 1000, rel=1e-12)
    assert c1["factor_dataset"] == "cn-fuel-gbt32150@1 + ipcc2006-combustion-ch4-n2o@1"
    assert c1["non_co2_table"] is None or c1["non_co2_table"] != c1["non_co2_table"]


@pytest.mark.parametrize(("sector", "category"), [
    ("C3011 水泥制造", "manufacturing"), ("c3011", "manufacturing"), ("C3024 轻质建筑材料制造", "manufacturing"),
    ("B1011 石灰石、石膏开采", "manufacturing"),        # mining other than fuels, quarrying: 1.A.2.i
    ("E4710", "manufacturing"),                       # construction: 1.A.2.k
    ("D4411 火力发电", "energy_industries"), ("D4412 热电联产", "energy_industries"),   # 1.A.1.a
    ("C2511 原油加工及石油制品制造", "energy_industries"),   # petroleum refining: 1.A.1.b
    ("C2521 炼焦", "energy_industries"),                  # manufacture of solid fuels: 1.A.1.c.i
    ("B0610 烟煤和无烟煤开采洗选", "energy_industries"),     # coal mining's own use: 1.A.1.c.ii
    ("B0711", "energy_industries"),                       # oil and gas extraction
    ("D4610 自来水生产和供应", "other"), ("L7211 企业总部管理", "other"), ("G5431", "other"),
    ("制造业", "manufacturing"), ("电力、热力生产和供应业", "energy_industries"),
    ("energy industries", "energy_industries"), ("1.A.2", "manufacturing"), ("能源工业", "energy_industries"),
    ("水泥制造", None), ("办公", None), ("", None), ("Coal plant", None), ("X1234", None),
])
def test_sectors_as_ipcc_source_categories(sector: str, category: str | None) -> None:
    assert ipcc_category(sector) == category
