"""Energy use in tonnes of standard coal (compute/energy.py), checked by hand.

Coefficients: GB/T 2589-2020《综合能耗计算通则》Appendix A (reference coefficients to standard
coal): raw coal 0.7143 kgce/kg, natural gas 1.2143 kgce/m³ (the 8,500 kcal/m³ gas-field row; the
2020 edition's range 1.1000-1.3300 as quoted), diesel 1.4571 kgce/kg, electricity at its equivalent
calorific value 0.1229 kgce/kWh, heat 0.03412 kgce/MJ; 1 kgce = 29,307.6 kJ. The GJ of the fuels are
the NCVs of GB/T 2589 in the shipped fuel dataset (raw coal 20.908 GJ/t, natural gas 389.31 GJ per
10⁴ Nm³, diesel 42.652 GJ/t); electricity 3.6 GJ/MWh.
"""

from __future__ import annotations

import io
from pathlib import Path
from textwrap import dedent
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compute import line  # the one trace line of an id

from disclosure import compute, load_inventory
from disclosure.compute.results import check as check_results
from disclosure.core.issues import Severity
from disclosure.engines.inprocess import Computation

REPORT: dict[str, Any] = {
    "entity": {"name_zh": "测试集团股份有限公司", "identifier": "91110000710938466P"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
    "consolidation": "operational_control",
    "gwp": "AR6",
    "grid_factor_level": "national",
    "revenue": {"value": 100_000_000, "unit": "CNY"},
    "output": {"value": 10_000, "unit": "t"},
}
ENTITIES = """
    entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated
    E1,测试母公司,,100%,yes,yes,yes
"""
FACILITIES = """
    facility_id,entity_id,name,province
    F1,E1,一号工厂,北京
"""
# coal, gas, diesel and electricity: the four carriers of the issue's "done when"
FOUR = """
    record_id,facility_id,source,activity,quantity,unit,ncv,ncv_unit,gas,ef_value,ef_unit
    C1,F1,stationary_combustion,原煤,1000,t,,,,,
    G1,F1,stationary_combustion,天然气,10,万Nm3,,,,,
    D1,F1,mobile_combustion,柴油,50,t,,,,,
    E1,F1,purchased_electricity,电网电力,2000,MWh,,,,,
"""
# by hand (kgce = physical quantity in the coefficient's unit × coefficient)
COAL_TCE = 1000 * 1000 * 0.7143 / 1000        # 714.3
GAS_TCE = 10 * 10_000 * 1.2143 / 1000         # 121.43
DIESEL_TCE = 50 * 1000 * 1.4571 / 1000        # 72.855
ELEC_TCE = 2000 * 1000 * 0.1229 / 1000        # 245.8
TOTAL_TCE = COAL_TCE + GAS_TCE + DIESEL_TCE + ELEC_TCE   # 1,154.385
TOTAL_GJ = 1000 * 20.908 + 10 * 389.31 + 50 * 42.652 + 2000 * 3.6   # 34,133.7


def _table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(dedent(text).strip()), dtype=str, keep_default_na=False)


def run(root: Path, activities: str, *, report: dict[str, Any] | None = None, instruments: str | None = None,
        facilities: str = FACILITIES, entities: str = ENTITIES) -> Computation:
    root.mkdir(parents=True, exist_ok=True)
    rep = {**REPORT, **(report or {})}
    (root / "report.yaml").write_text(yaml.safe_dump(rep, allow_unicode=True), encoding="utf-8")
    acts = _table(activities)
    acts["period_start"], acts["period_end"] = "2025-01-01", "2025-12-31"
    acts.to_csv(root / "activities.csv", index=False)
    _table(entities).to_csv(root / "entities.csv", index=False)
    _table(facilities).to_csv(root / "facilities.csv", index=False)
    if instruments is not None:
        _table(instruments).to_csv(root / "instruments.csv", index=False)
    inv, issues = load_inventory(root)
    assert [i for i in issues if i.severity is Severity.ERROR] == []
    return compute(inv)


def carrier(comp: Computation, name: str) -> dict[str, Any]:
    return next(c for c in comp.results["energy"]["by_carrier"] if c["carrier"] == name)


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> Computation:
    return run(tmp_path_factory.mktemp("four") / "inv", FOUR)


def test_coal_gas_diesel_and_electricity_by_hand(four: Computation) -> None:
    """Each line's tce is its quantity × the GB/T 2589-2020 coefficient, recorded with its unit and
    dataset; the total is their sum."""
    for lid, tce, coef, unit, name in (("C1", COAL_TCE, 0.7143, "kgce/kg", "raw_coal"),
                                       ("G1", GAS_TCE, 1.2143, "kgce/Nm3", "natural_gas"),
                                       ("D1", DIESEL_TCE, 1.4571, "kgce/kg", "diesel"),
                                       ("E1", ELEC_TCE, 0.1229, "kgce/kWh", "electricity")):
        ln = line(four, lid)
        assert ln["energy_tce"] == pytest.approx(tce, rel=1e-12), lid
        assert ln["energy_coefficient"] == coef and ln["energy_coefficient_unit"] == unit
        assert ln["energy_carrier"] == name and ln["energy_basis"] == "reference"
        assert ln["energy_dataset"] == "cn-energy-gbt2589-2020@1"
    e = four.results["energy"]
    assert e["total_tce"] == pytest.approx(1154.385, rel=1e-12) == pytest.approx(TOTAL_TCE)
    assert e["direct_tce"] == pytest.approx(COAL_TCE + GAS_TCE + DIESEL_TCE)
    assert e["indirect_tce"] == pytest.approx(ELEC_TCE)
    assert e["by_group"] == pytest.approx({"coal": COAL_TCE, "gas": GAS_TCE, "oil": DIESEL_TCE, "electricity": ELEC_TCE})
    assert e["consumed_gj"] == pytest.approx(TOTAL_GJ)
    assert e["grid_electricity_share"] == pytest.approx(7200 / TOTAL_GJ)
    assert carrier(four, "natural_gas")["range"] == [1.1, 1.33]
    assert e["electricity_method"] == "equivalent" and e["electricity_coefficient"] == pytest.approx(0.1229)
    # the clean energy of the exchanges' guidelines (SSE art. 35) counts natural gas; renewable does not
    assert e["clean_tce"] == pytest.approx(GAS_TCE) and e["renewable_tce"] == 0
    assert "cn-energy-gbt2589-2020" in {d["id"] for d in four.results["factor_datasets"]}
    check_results(four.results)


def test_the_intensities_by_hand(four: Computation) -> None:
    """Revenue CNY 100 m = 10,000 × CNY 10,000: 1,154.385 / 10,000 = 0.1154385 tce per CNY 10,000;
    output 10,000 t: 1,154,385 kgce / 10,000 t = 115.4385 kgce/t."""
    e = four.results["energy"]
    assert e["intensity_per_revenue"]["value"] == pytest.approx(0.1154385)
    assert e["intensity_per_revenue"]["unit"] == "tce/万元"
    assert e["intensity_per_output"] == {"value": pytest.approx(115.4385), "unit": "kgce/t"}


def test_a_measured_ncv_takes_precedence_over_the_reference_coefficient(tmp_path: Path) -> None:
    """1,000 t of coal at a measured 25 GJ/t: 25,000 GJ / 29.3076 GJ/tce = 853.0211 tce, not the
    reference 714.3 (GB/T 2589: a fuel converts at its own low calorific value)."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,ncv,ncv_unit
        C1,F1,stationary_combustion,原煤,1000,t,25,GJ/t
        C2,F1,stationary_combustion,原煤,1000,t,,
    """)
    c1, c2 = line(comp, "C1"), line(comp, "C2")
    assert c1["energy_basis"] == "measured_ncv" and c1["energy_tce"] == pytest.approx(853.021059, rel=1e-8)
    assert c1["energy_coefficient_unit"] == "kgce/GJ" and c1["energy_coefficient"] == pytest.approx(34.12084)
    assert c2["energy_basis"] == "reference" and c2["energy_tce"] == pytest.approx(714.3)
    coal = carrier(comp, "raw_coal")
    assert coal["measured_tce"] == pytest.approx(853.021059, rel=1e-8)
    assert coal["tce"] == pytest.approx(853.021059 + 714.3, rel=1e-8)
    assert coal["bases"] == ["measured_ncv", "reference"]


def test_the_coal_equivalent_method_is_a_setting_recorded(tmp_path: Path) -> None:
    """2,000 MWh at a user-given 0.300 kgce/kWh (等价值) = 600 tce, with its source on the line."""
    src = "测试用发电煤耗 / a test coal rate"
    comp = run(tmp_path, FOUR, report={"energy": {"electricity_method": "coal_equivalent", "coal_equivalent": 0.3,
                                                  "coal_equivalent_source": src}})
    e1 = line(comp, "E1")
    assert e1["energy_basis"] == "coal_equivalent" and e1["energy_tce"] == pytest.approx(600.0)
    assert e1["energy_dataset"] == src and e1["energy_coefficient"] == 0.3
    e = comp.results["energy"]
    assert e["electricity_method"] == "coal_equivalent" and e["electricity_source"] == src
    assert e["total_tce"] == pytest.approx(COAL_TCE + GAS_TCE + DIESEL_TCE + 600.0)
    # GJ stay the energy content: the method changes the tce only
    assert e["consumed_gj"] == pytest.approx(TOTAL_GJ)


def test_the_coal_equivalent_method_without_its_value_falls_back_with_a_warning(tmp_path: Path) -> None:
    comp = run(tmp_path, FOUR, report={"energy": {"electricity_method": "coal_equivalent"}})
    assert "energy-coal-equivalent-missing" in [i.code for i in comp.issues]
    assert line(comp, "E1")["energy_basis"] == "reference"
    assert comp.results["energy"]["electricity_method"] == "equivalent"


def test_renewable_share_from_gecs_capped_at_consumption(tmp_path: Path) -> None:
    """500 GECs on F1's 2,000 MWh: renewable electricity 25 %, its tce 0.25 × 245.8 = 61.45 of
    1,154.385; on GJ 500 × 3.6 / 34,133.7. 3,000 GECs are capped at the 2,000 MWh used (100 %)."""
    y = "2025-01-01,2025-12-31"
    head = "instrument_id,type,facility_id,quantity,unit,period_start,period_end,emission_factor,retired\n"
    comp = run(tmp_path / "a", FOUR, instruments=head + f"GEC-1,gec,F1,500,张,{y},,是\n")
    e = comp.results["energy"]
    assert e["renewable_electricity_mwh"] == pytest.approx(500)
    assert e["renewable_electricity_share"] == pytest.approx(0.25)
    assert e["renewable_tce"] == pytest.approx(61.45)
    assert e["renewable_tce_share"] == pytest.approx(61.45 / 1154.385)
    assert e["renewable_share"] == pytest.approx(1800 / TOTAL_GJ)
    assert e["clean_tce"] == pytest.approx(GAS_TCE + 61.45)
    capped = run(tmp_path / "b", FOUR, instruments=head + f"GEC-1,gec,F1,3000,张,{y},,是\n").results["energy"]
    assert capped["renewable_electricity_mwh"] == pytest.approx(2000)
    assert capped["renewable_electricity_share"] == pytest.approx(1.0)


def test_a_fuel_given_per_gas_counts_its_energy_once(tmp_path: Path) -> None:
    """Biomass given as 194,400 GJ on a CO2, a CH4 and an N2O row (the demo's pellets): 194,400 GJ ×
    34.12 kgce/GJ = 6,632.928 tce, once, on the CO2 row; renewable and alternative on GJ."""
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,gas,ef_value,ef_unit,biogenic
        B1,F1,stationary_combustion,生物质颗粒,194400,GJ,CO2,100000,kg/TJ,是
        B2,F1,stationary_combustion,生物质颗粒,194400,GJ,CH4,30,kg/TJ,
        B3,F1,stationary_combustion,生物质颗粒,194400,GJ,N2O,4,kg/TJ,
    """)
    assert line(comp, "B1")["energy_tce"] == pytest.approx(6632.928)
    for lid in ("B2", "B3"):
        assert line(comp, lid)["energy_basis"] == "gas_row" and pd.isna(line(comp, lid)["energy_tce"])
    e = comp.results["energy"]
    assert e["total_tce"] == pytest.approx(6632.928)
    assert e["renewable_share"] == pytest.approx(1.0) and e["alternative_share"] == pytest.approx(1.0)
    assert carrier(comp, "biomass")["lines"] == 1


def test_energy_follows_the_boundary_share_and_leaves_scope3_out(tmp_path: Path) -> None:
    """Under equity share a 40 % entity counts 40 % of its energy: 0.4 × 714.3 = 285.72 tce; a Scope 3
    row and the derived category 3 line of electricity carry no energy."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit
        C1,F2,stationary_combustion,,原煤,1000,t
        S1,F1,scope3,6,差旅,100,万元
    """, report={"consolidation": "equity_share"},
        entities="""
        entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated
        E1,测试母公司,,100%,yes,yes,yes
        E2,联营公司,E1,40%,no,no,no
        """,
        facilities="""
        facility_id,entity_id,name,province
        F1,E1,一号工厂,北京
        F2,E2,联营工厂,北京
        """)
    assert line(comp, "C1")["energy_tce"] == pytest.approx(285.72)
    assert pd.isna(line(comp, "S1")["energy_tce"])
    assert comp.results["energy"]["total_tce"] == pytest.approx(285.72)


def test_a_carrier_without_coefficient_or_calorific_value_is_a_notice(tmp_path: Path) -> None:
    comp = run(tmp_path, """
        record_id,facility_id,source,activity,quantity,unit,ef_value,ef_unit
        W1,F1,stationary_combustion,废轮胎,100,t,2.5,tCO2/t
    """)
    found = [i for i in comp.issues if i.code == "energy-not-converted"]
    assert len(found) == 1 and found[0].location.row == 2 and found[0].severity is Severity.NOTICE
    assert line(comp, "W1")["energy_basis"] == "not_converted"
    assert comp.results["energy"]["total_tce"] == 0


def test_the_shipped_coefficients_are_the_standards_table() -> None:
    """GB/T 2589-2020 Appendix A as transcribed (research note §1.3): the kgce values of the table,
    natural gas with its range."""
    from disclosure.factors import load_library

    lib, issues = load_library([])
    assert issues == []
    rows = lib.get("cn-energy-gbt2589-2020", "1").rows.set_index("carrier")
    expected = {"raw_coal": (0.7143, "kgce/kg"), "washed_coal": (0.9000, "kgce/kg"), "coke": (0.9714, "kgce/kg"),
                "crude_oil": (1.4286, "kgce/kg"), "fuel_oil": (1.4286, "kgce/kg"), "gasoline": (1.4714, "kgce/kg"),
                "kerosene": (1.4714, "kgce/kg"), "diesel": (1.4571, "kgce/kg"), "lpg": (1.7143, "kgce/kg"),
                "refinery_gas": (1.5714, "kgce/kg"), "natural_gas": (1.2143, "kgce/Nm3"),
                "blast_furnace_gas": (0.1286, "kgce/Nm3"), "electricity": (0.1229, "kgce/kWh"),
                "heat": (0.03412, "kgce/MJ"), "steam": (0.1286, "kgce/kg"), "biomass": (0.03412, "kgce/MJ")}
    assert {c: (r.value, r.unit) for c, r in rows.iterrows()} == expected
    assert (rows.at["natural_gas", "min"], rows.at["natural_gas", "max"]) == (1.1, 1.33)
    # the kcal-based table: 10,200 / 7,000 = 1.4571 (diesel), 5,000 / 7,000 = 0.7143 (raw coal)
    assert round(10_200 / 7_000, 4) == rows.at["diesel", "value"] and round(5_000 / 7_000, 4) == rows.at["raw_coal", "value"]


# --- the exchange profile (settings profile; core/profiles.yaml) -------------------------------------------

def test_the_sse_profile_lists_what_the_inventory_lacks_at_the_setting(four: Computation, tmp_path: Path) -> None:
    """FOUR has no disclosures.yaml (no targets, no carbon market): under the SSE profile check names
    those items (art. 24 and 27 of the SSE text), at the profile setting; Scope 3 is there (category 3
    of its electricity), and so are the energy items (art. 35). Under csds, nothing."""
    from disclosure.export.word.context import build

    assert [i for i in four.issues if i.code == "profile-item-missing"] == []
    comp = run(tmp_path, FOUR, report={"profile": "sse"})
    gaps = [i for i in comp.issues if i.code == "profile-item-missing"]
    items = {dict(i.params)["item"].split(" / ")[0]: dict(i.params) for i in gaps}
    assert set(items) == {"碳信用的来源和数量；参与碳排放权交易的，是否完成清缴", "减排目标、措施及其成效"}
    assert items["减排目标、措施及其成效"]["needs"] == "reduction"
    assert items["减排目标、措施及其成效"]["article"].startswith("第二十七条")
    assert all(i.location.file == "report.yaml" and i.location.column == "profile" for i in gaps)
    assert "SSE 指引第二十七条要求披露（应当披露）“减排目标、措施及其成效”" in next(
        i.message("zh-CN") for i in gaps if "reduction" in str(i.params))
    # the Word report's index: each item with its article, where disclosed or why not
    idx = build(comp.results, "zh-CN")["m"]["profile_index"]
    rows = {r["item"]: r for r in idx["rows"]}
    assert rows["按品种的直接和间接能源消耗总量（吨标准煤）及能源结构"]["where"] == "（十三）能源消耗"
    assert rows["按品种的直接和间接能源消耗总量（吨标准煤）及能源结构"]["article"] == "第三十五条"
    assert rows["减排目标、措施及其成效"]["where"] == "未披露：清单缺少所需数据（reduction）"
    assert rows["范围三排放"]["where"] == "（四）范围三：按类别"
    # SZSE: the same items without article numbers (unconfirmed numbering)
    szse = run(tmp_path / "szse", FOUR, report={"profile": "szse"})
    assert {r["article"] for r in build(szse.results, "en")["m"]["profile_index"]["rows"]} == {"—"}


_TEXTS = st.sampled_from(["kgce/kg", "kgce/GJ", "GB/T 2589", "b", "a", "", "热力", None, float("nan"), pd.NA])


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.lists(st.booleans(), min_size=12, max_size=12), _TEXTS), max_size=6),
       st.sampled_from([None, "not_converted"]), st.lists(st.booleans(), min_size=20, max_size=20))
def test_coded_energy_text_is_the_categorical_of_its_values(puts, first, where) -> None:
    """The energy columns' text (basis, coefficient unit, dataset) is kept as codes while the lines
    are set a mask at a time; its categorical is the one ``pd.Categorical`` makes of the same values
    held as Python objects, the way annotate built it before: the same categories, their order, the
    codes; None, NaN and NA no value."""
    from disclosure.compute.energy import _Coded

    m = 12
    pos = np.flatnonzero(where)[:m]
    m = len(pos)
    coded, objects = _Coded(m, first), np.full(m, first, dtype=object)
    for mask, value in puts:
        mask = np.array(mask[:m], dtype=bool)
        coded.put(mask, value)
        objects[mask] = value
    got = coded.spread(pos, 20)
    codes, uniques = pd.factorize(objects, use_na_sentinel=True)
    small = pd.Categorical(uniques)
    want = np.full(20, -1, dtype=small.codes.dtype)
    want[pos] = np.append(small.codes, -1)[codes]
    assert got.dtype == small.dtype
    assert got.codes.tolist() == want.tolist()
