"""Issue 12, the gate: ``check`` says everything the calculation will say, and the pack tells the truth.

- Every issue code the calculation can raise is declared (``stage: calculation`` in codes.yaml; the
  declaration is kept complete by reading the calculation's sources) and ``check`` raises each one,
  at its place, on a small inventory written here.
- No silent omission: a row left out of the totals for a calculation reason is an error at its row;
  ``check`` exit 0 means every row is calculated; ``compute`` and ``report`` exit 1 and write nothing
  without ``--force``, and say what was left out. A workbook filled as a user would gets every
  problem from ``check``.
- The demo's joint venture and associate: in category 15 under operational control, other
  investees in Scope 1 and 2 under equity share (figures computed here from the demo's rows and the
  published factors).
- issues.json and the workpapers' Issues sheet hold every issue of the run; verify covers them.
- The sentences on method say what the trace lines used (a province that falls back).
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml
from docx import Document
from typer.testing import CliRunner

from disclosure import compute, load_inventory
from disclosure.assure.verify import verify
from disclosure.cli import app
from disclosure.core import vocabulary as vocab
from disclosure.core.issues import ISSUES_FILE, Severity, calculation_codes, catalogue
from disclosure.engines.chunked import compute_chunked
from disclosure.engines.inprocess import write_outputs
from disclosure.export import manifest
from disclosure.export.word import render
from disclosure.export.xbrl import export_xbrl, stem_of
from disclosure.ingest.template import write_template
from disclosure.pipeline import run_report

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "disclosure"
DEMO = REPO / "fixtures" / "demo-group"
runner = CliRunner()

# --- small inventories, written as a user would ------------------------------------------------------------

REPORT: dict[str, Any] = {
    "entity": {"name_zh": "测试集团股份有限公司", "identifier": "91110000710938466P"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}
ENTITIES = ("entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated\n"
            "E1,测试母公司,,100%,是,是,是\n")
FACILITIES = "facility_id,entity_id,name,province\nF1,E1,广州工厂,广东\n"
ACTIVITY_HEAD = "record_id,facility_id,period_start,period_end,source,scope3_category,activity,quantity,unit,gas,ef_value,ef_unit\n"
Y = "2025-01-01,2025-12-31"
GRID = """\
id: {id}
version: "1"
kind: grid
title_zh: 测试用电网排放因子
title_en: grid factors for a test
publisher: 测试 / test
document: 测试 / test
year: {year}
region: CN
licence: test data
url: https://example.org/
notes: test data, not published figures
columns: [level, region, variant, value, unit]
rows:
{rows}
"""


def write(root: Path, *, activities: str = "", entities: str = ENTITIES, facilities: str = FACILITIES,
          instruments: str | None = None, report: dict[str, Any] | None = None,
          datasets: dict[str, str] | None = None) -> Path:
    """An inventory folder: report.yaml (REPORT updated with ``report``), the CSV tables, and factor
    dataset files in ``my-factors/`` (named in report.yaml) when ``datasets`` are given."""
    root.mkdir(parents=True, exist_ok=True)
    rep = {**REPORT, **(report or {})}
    if datasets:
        (root / "my-factors").mkdir()
        for name, text in datasets.items():
            (root / "my-factors" / name).write_text(text, encoding="utf-8")
        rep.setdefault("factors", {})["datasets"] = ["my-factors"]
    (root / "report.yaml").write_text(yaml.safe_dump(rep, allow_unicode=True), encoding="utf-8")
    (root / "entities.csv").write_text(entities, encoding="utf-8")
    (root / "facilities.csv").write_text(facilities, encoding="utf-8")
    (root / "activities.csv").write_text(ACTIVITY_HEAD + activities, encoding="utf-8")
    if instruments is not None:
        (root / "instruments.csv").write_text(
            "instrument_id,type,facility_id,quantity,unit,period_start,period_end,emission_factor,retired\n"
            + instruments, encoding="utf-8")
    return root


def check_json(root: Path) -> tuple[int, dict[str, Any]]:
    r = runner.invoke(app, ["check", str(root), "--format", "json", "--lang", "en"])
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads(r.stdout)


# Most calculation codes at once: rows without a factor, with an unknown gas, with a factor whose unit
# does not fit, in a currency without a rate, electricity in 广东 (no 2023 provincial factor: the 南方
# regional one; at F3, without instruments, the residual factor puts market-based Scope 2 above it),
# instruments not retired and beyond F1's consumption, a facility naming an unknown basis, a joint venture left out of
# category 15 without a reason, a Scope 3 category excluded with a reason that only says "no data".
MANY = dict(
    entities=ENTITIES + "JV,合营公司,E1,50%,否,否,否\n",
    facilities="facility_id,entity_id,name,province,basis\nF1,E1,广州工厂,广东,\nF2,JV,合营工厂,江苏,no-such-basis\n"
               "F3,E1,佛山仓库,广东,\n",
    activities=(f"S1,F1,{Y},scope3,1,办公用品采购,50,万元,,,\n"                    # row 2: no-factor
                f"G1,F1,{Y},fugitive,,XYZ-999,3,kg,XYZ-999,,\n"                  # row 3: gas-unknown
                f"M1,F1,{Y},stationary_combustion,,原煤,5,t,,2,tCO2/MWh\n"      # row 4: factor-unit-mismatch
                f"U1,F1,{Y},scope3,1,进口设备,100,USD,,0.5,kgCO2e/CNY\n"         # row 5: currency-rate-missing
                f"E1,F1,{Y},purchased_electricity,,电力,2000,MWh,,,\n"          # row 6: grid-fallback
                f"J1,F2,{Y},stationary_combustion,,天然气,10,万Nm3,,,\n"        # row 7: the JV's Scope 1
                f"OK,F1,{Y},stationary_combustion,,原煤,500,t,,,\n"             # row 8: calculated
                f"E3,F3,{Y},purchased_electricity,,电力,100,MWh,,,\n"),         # row 9: no instrument
    instruments=(f"GEC-1,gec,F1,3000,张,{Y},,是\n"                              # row 2: beyond 2,000 MWh
                 f"GEC-2,gec,F1,10,张,{Y},,否\n"),                               # row 3: not retired
    report={"options": {"category15_investees": False, "scope3_exclusions": {8: "无数据 / no data"}}},
)
# the codes of the factor library and of the grid, each on its own inventory
ONE_ROW = dict(activities=f"E1,F1,{Y},purchased_electricity,,电力,2000,MWh,,,\n")
SCENARIOS: dict[str, dict[str, Any]] = {
    "many": MANY,
    "bad-dataset": {**ONE_ROW, "datasets": {"broken@1.yaml": "id: broken\nversion: '1'\n"}},
    "duplicate-dataset": {**ONE_ROW, "datasets": {
        "cn-grid-2023@1.yaml": (PKG / "factors" / "datasets" / "cn-grid-2023@1.yaml").read_text(encoding="utf-8")}},
    "unit-unknown": {**ONE_ROW, "datasets": {"my-grid-2019@1.yaml": GRID.format(
        id="my-grid-2019", year=2019, rows="  - [national, 全国, average, 0.5, bananas/MWh]")}},
    "grid-year": {**ONE_ROW, "report": {"factors": {"grid_year": 2010}}},
    "conflict": {**ONE_ROW, "datasets": {"my-grid-2023@1.yaml": GRID.format(
        id="my-grid-2023", year=2023, rows="  - [region, 南方, average, 0.5, tCO2/MWh]")}},
    # a grid year whose only factor is 上海's: a 广东 facility finds none at any level
    # a liquid fuel given as a volume whose density no dataset holds (LPG: fuel-density-bp@1 has none)
    "volume": {"activities": f"L1,F1,{Y},stationary_combustion,,液化石油气,100,L,,,\n"},
    # a pinned version the library does not hold; coal of 1e300 t (its CO2 beyond the floats); a revenue
    # so small that the intensity per CNY million overflows
    "pin": {**ONE_ROW, "report": {"factors": {"versions": {"cn-grid-2023": "7"}}}},
    "overflow": {"activities": f"OV,F1,{Y},stationary_combustion,,原煤,1e300,t,,,\n"
                               f"OK,F1,{Y},stationary_combustion,,原煤,500,t,,,\n",
                 "report": {"revenue": {"value": 1.0e-300}}},
    # energy: an unknown coefficient dataset; the coal-equivalent method without its coal rate; a fuel
    # with a factor of its own but no coefficient to standard coal and no calorific value
    "energy-dataset": {**ONE_ROW, "report": {"energy": {"coefficients": "no-such-coefficients"}}},
    "energy-method": {"activities": f"E1,F1,{Y},purchased_electricity,,电力,2000,MWh,,,\n"
                                    f"W1,F1,{Y},stationary_combustion,,废轮胎,100,t,CO2,2.5,tCO2/t\n",
                      "report": {"energy": {"electricity_method": "coal_equivalent"}}},
    # the SSE profile on an inventory of one electricity row: no targets, no carbon market, no revenue …
    "profile": {**ONE_ROW, "report": {"profile": "sse"}},
    "no-grid": {**ONE_ROW, "report": {"factors": {"grid_year": 2030}}, "datasets": {"my-grid-2030@1.yaml": GRID.format(
        id="my-grid-2030", year=2030, rows="  - [province, 上海, average, 0.5, tCO2/MWh]")}},
}
# code → (scenario, file, row, column): where check must put it
WHERE: dict[str, tuple[str, str, int | None, str | None]] = {
    "no-factor": ("many", "activities.csv", 2, "activity"),
    "gas-unknown": ("many", "activities.csv", 3, "gas"),
    "factor-unit-mismatch": ("many", "activities.csv", 4, "unit"),
    "currency-rate-missing": ("many", "activities.csv", 5, "unit"),
    "grid-fallback": ("many", "activities.csv", 6, "facility_id"),
    "instrument-exceeds-consumption": ("many", "instruments.csv", 2, "quantity"),
    "instrument-excluded": ("many", "instruments.csv", 3, "instrument_id"),
    "unknown-basis": ("many", "facilities", None, "basis"),
    "outside-boundary": ("many", "entities.csv", 3, "entity_id"),
    "investees-unreported": ("many", "entities.csv", 3, "entity_id"),
    "scope3-exclusion-unexplained": ("many", "report.yaml", None, "options.scope3_exclusions.8"),
    "scope2-market-above-location": ("many", "facilities.csv", 4, "facility_id"),
    "factor-unpinned": ("many", "report.yaml", None, "factors.versions"),
    "factor-dataset-invalid": ("bad-dataset", "broken@1.yaml", None, None),
    "factor-dataset-duplicate": ("duplicate-dataset", "cn-grid-2023@1.yaml", None, None),
    "factor-unit-unknown": ("unit-unknown", "my-grid-2019@1.yaml", 1, "unit"),
    "grid-year-missing": ("grid-year", "report.yaml", None, "factors.grid_year"),
    "factor-conflict": ("conflict", "my-grid-2023@1", None, None),
    "no-grid-factor": ("no-grid", "activities.csv", 2, "facility_id"),
    "no-density": ("volume", "activities.csv", 2, "unit"),
    "factor-pin-missing": ("pin", "report.yaml", None, "factors.versions.cn-grid-2023"),
    "value-overflow": ("overflow", "activities.csv", 2, "quantity"),
    "intensity-overflow": ("overflow", "report.yaml", None, "revenue.value"),
    "profile-item-missing": ("profile", "report.yaml", None, "profile"),
    "energy-coefficients-unknown": ("energy-dataset", "report.yaml", None, "energy.coefficients"),
    "energy-coal-equivalent-missing": ("energy-method", "report.yaml", None, "energy.coal_equivalent"),
    "energy-not-converted": ("energy-method", "activities.csv", 3, "activity"),
    # F1 has no sector: its coal (row 8, the first stationary line with CH4/N2O) takes the default table
    "combustion-sector-default": ("many", "activities.csv", 8, "facility_id"),
}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int, dict[str, Any]]]:
    out = {}
    for name, spec in SCENARIOS.items():
        root = write(tmp_path_factory.mktemp(name) / "inv", **spec)
        code, data = check_json(root)
        out[name] = (root, code, data)
    return out


# --- 1. every calculation code, declared and raised by check -----------------------------------------------

def _codes_in(paths: list[Path]) -> set[str]:
    """Every string constant of these modules that is a code of codes.yaml."""
    known = set(catalogue())
    found = set()
    for p in paths:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
                found.add(node.value)
    return found


def test_the_declared_calculation_codes_are_those_the_calculation_raises() -> None:
    """codes.yaml's ``stage: calculation`` list is the set of codes the calculation's modules
    (compute/, the factor library it loads) name: a code added there and not declared, or declared
    and raised nowhere, fails here. Every reason a trace line is left out with is such a code."""
    sources = [*sorted((PKG / "compute").glob("*.py")), PKG / "factors" / "library.py"]
    assert _codes_in(sources) == calculation_codes()


def test_every_calculation_code_has_its_case_here() -> None:
    assert set(WHERE) == calculation_codes()


@pytest.mark.parametrize("code", sorted(calculation_codes()))
def test_check_raises_every_calculation_code(code: str, checked: dict) -> None:
    scenario, file, row, column = WHERE[code]
    _, exit_code, data = checked[scenario]
    at = [(i["file"], i["row"], i["column"]) for i in data["issues"] if i["code"] == code]
    assert (file, row, column) in at, (code, at)
    # exit 1 exactly when an error is among the issues
    assert exit_code == (1 if any(i["severity"] == "error" for i in data["issues"]) else 0)


def test_check_and_the_engines_raise_the_same_issues(checked: dict, tmp_path: Path) -> None:
    """check (the in-process calculation) and the chunked engine (two rows a chunk), the same
    issues at the same places."""
    root, _, data = checked["many"]
    run = compute_chunked(root, tmp_path / "chunked", chunk_rows=2, force=True, progress=False)
    ours = sorted((i["code"], i["file"], i["row"], i["column"]) for i in data["issues"])
    theirs = sorted((i.code, i.location.file, i.location.row, i.location.column) for i in run.issues)
    assert theirs == ours


def test_dask_raises_the_same_issues(checked: dict, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    from disclosure.engines.dask import compute_dask

    root, _, data = checked["many"]
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster, Client(cluster) as client:
        run = compute_dask(root, tmp_path / "dask", client=client, chunk_rows=3, force=True, progress=False)
    ours = sorted((i["code"], i["file"], i["row"], i["column"]) for i in data["issues"])
    assert sorted((i.code, i.location.file, i.location.row, i.location.column) for i in run.issues) == ours


# --- 2. no silent omission -------------------------------------------------------------------------------

def test_every_row_left_out_is_an_error_at_its_row(checked: dict) -> None:
    """Each activity row the calculation leaves out (excluded or rejected) has an error of check at
    its row, and its trace line carries that error's code as its reason; the rows outside the
    boundary are the intended exclusion (here reported as investees-unreported)."""
    root, _, data = checked["many"]
    inv, _ = load_inventory(root)
    trace = compute(inv).trace
    errors = {(i["row"], i["code"]) for i in data["issues"] if i["severity"] == "error" and i["file"] == "activities.csv"}
    main = trace.loc[trace["derived_from"].isna()]
    left = main.loc[main["status"].isin(["excluded", "rejected"])]
    assert len(left) == 4
    for r in left.itertuples(index=False):
        assert all((r.row, code) in errors for code in str(r.reason).split("; ")), (r.row, r.reason)
    assert data["rows"] == {"read": 8, "included": 3, "outside_boundary": 1, "excluded": 4, "rejected": 0,
                            "left_out_by_reason": {"currency-rate-missing": 1, "factor-unit-mismatch": 1,
                                                   "gas-unknown": 1, "no-factor": 1}}


def test_check_exits_0_only_when_every_row_is_calculated(tmp_path: Path) -> None:
    code, data = check_json(DEMO)
    assert code == 0
    inv, _ = load_inventory(DEMO)
    trace = compute(inv).trace
    assert not trace["status"].isin(["excluded", "rejected"]).any()
    assert data["rows"]["excluded"] == data["rows"]["rejected"] == 0
    assert data["rows"]["read"] == data["rows"]["included"] + data["rows"]["outside_boundary"] == 135


def test_rejected_lines_carry_the_codes_of_their_errors(tmp_path: Path) -> None:
    root = write(tmp_path / "inv", activities=(
        f"A,F1,{Y},stationary_combustion,,原煤,约5,t,,,\n"            # row 2: bad-number
        f"B,F9,{Y},stationary_combustion,,原煤,5,桶,,,\n"             # row 3: unknown-facility, unknown-unit
        f"C,F1,{Y},stationary_combustion,,原煤,5,t,,,\n"))
    inv, _ = load_inventory(root)
    compute_chunked(root, tmp_path / "c", chunk_rows=1, force=True, progress=False)
    for trace in (compute(inv).trace, pd.read_parquet(tmp_path / "c" / "trace.parquet")):
        reasons = dict(zip(trace["record_id"], trace["reason"].astype(object), strict=True))
        assert reasons["A"] == "bad-number"
        assert reasons["B"] == "unknown-facility; unknown-unit"
        assert pd.isna(reasons["C"])


# A workbook filled as a user would, from the template: diesel in 升 and petrol in L without a density,
# spend and business travel without factors, GECs beyond the facility's consumption, a yes/no option
# written as 也许. (``tons`` is read as US short tons on this branch; the units branch makes it an
# error, and its case belongs here once it lands.)
def user_workbook(path: Path) -> Path:
    write_template(path, "zh-CN")
    wb = openpyxl.load_workbook(path)

    def fill(name: str, rows: list[dict[str, Any]]) -> None:
        ws = wb[name]
        head = [c.value for c in ws[1]]
        for r in rows:
            ws.append([r.get(h) for h in head])

    fill("entities", [{"entity_id": "E1", "name": "示例制造有限公司", "ownership": "100%", "financial_control": "是",
                       "operational_control": "是", "consolidated": "是"}])
    fill("facilities", [{"facility_id": "F1", "entity_id": "E1", "name": "广州工厂", "province": "广东"},
                        {"facility_id": "F2", "entity_id": "E1", "name": "北京办公室", "province": "北京"}])
    p = {"period_start": "2025-01-01", "period_end": "2025-12-31"}
    fill("activities", [
        {"record_id": "A1", "facility_id": "F1", "source": "固定燃烧", "activity": "原煤", "quantity": 500, "unit": "吨", **p},
        {"record_id": "A2", "facility_id": "F1", "source": "移动燃烧", "activity": "柴油", "quantity": 1200, "unit": "升", **p},
        {"record_id": "A3", "facility_id": "F2", "source": "mobile_combustion", "activity": "汽油", "quantity": 800,
         "unit": "L", **p},
        {"record_id": "A4", "facility_id": "F1", "source": "外购电力", "activity": "电力", "quantity": 2000, "unit": "MWh", **p},
        {"record_id": "A5", "facility_id": "F2", "source": "范围三", "scope3_category": 1, "activity": "办公用品采购",
         "quantity": 50, "unit": "万元", **p},
        {"record_id": "A6", "facility_id": "F2", "source": "scope3", "scope3_category": 6, "activity": "商务差旅航班",
         "quantity": 12000, "unit": "pkm", **p},
        # "tons": metric, short or long? (1,000 short tons of coal would be 1,723.9 tCO2, not 1,900.3)
        {"record_id": "A7", "facility_id": "F1", "source": "固定燃烧", "activity": "原煤", "quantity": 1000, "unit": "tons",
         **p},
    ])
    fill("instruments", [{"instrument_id": "GEC-1", "type": "gec", "facility_id": "F1", "quantity": 3000, "unit": "张",
                          "period_start": "2025-01-01", "period_end": "2025-12-31", "retired": "是"}])
    values = {"entity.name_zh": "示例制造有限公司", "entity.identifier": "91110000710938466P",
              "period.start": "2025-01-01", "period.end": "2025-12-31", "options.combustion_non_co2": "也许"}
    for row in wb["report"].iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(path)
    return path


def _report_row(path: Path, field: str) -> int:
    ws = openpyxl.load_workbook(path, read_only=True)["report"]
    return next(i for i, r in enumerate(ws.iter_rows(values_only=True), start=1) if r[0] == field)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return user_workbook(tmp_path_factory.mktemp("wb") / "清单.xlsx")


def test_a_user_workbook_gets_every_problem_from_check(workbook: Path) -> None:
    code, data = check_json(workbook)
    assert code == 1
    at = {(i["code"], i["file"], i["sheet"], i["row"], i["column"]) for i in data["issues"]}
    name = workbook.name
    expected = {
        ("no-factor", name, "activities", 6, "activity"),     # spend without a factor
        ("no-factor", name, "activities", 7, "activity"),     # business travel without a factor
        ("ambiguous-unit", name, "activities", 8, "unit"),    # tons
        ("instrument-exceeds-consumption", name, "instruments", 2, "quantity"),
        ("report-bad-value", name, "report", _report_row(workbook, "options.combustion_non_co2"),
         "options.combustion_non_co2"),
    }
    assert expected <= at, expected - at
    errors = sorted((i["sheet"], i["row"]) for i in data["issues"] if i["severity"] == "error")
    assert errors == [("activities", 6), ("activities", 7), ("activities", 8),
                      ("report", _report_row(workbook, "options.combustion_non_co2"))]
    assert data["rows"]["included"] == 4 and data["rows"]["excluded"] == 2 and data["rows"]["rejected"] == 1
    # 柴油 in 升 and 汽油 in L are calculated, their mass from the density dataset (issue 12, item 4)
    assert not {("no-factor", 3), ("no-factor", 4)} & {(i["code"], i["row"]) for i in data["issues"]}
    # the settings' issues point at the report sheet the settings came from, not at a report.yaml
    assert all(i["file"] == name for i in data["issues"] if (i["column"] or "").startswith(("options.", "factors.")))


def test_compute_and_report_stop_on_rows_left_out(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "compute"
    r = runner.invoke(app, ["compute", str(workbook), "--out", str(out), "--lang", "en"])
    assert r.exit_code == 1 and not out.exists()
    assert "7 read, 4 counted, 0 outside the boundary, 3 left out (no-factor 2, ambiguous-unit 1)" in r.output
    r = runner.invoke(app, ["report", str(workbook), "--out", str(tmp_path / "pack"), "--lang", "en"])
    assert r.exit_code == 1 and not (tmp_path / "pack").exists()
    # the check stage's progress line tells the truth (it said "0 errors" while rows were left out)
    # (10 notices: one more since energy use is computed — its coefficient dataset is not pinned either)
    assert "[1/6 check] 4 errors, 13 warnings, 10 notices; activity rows: 7 read, 4 counted" in r.output


@pytest.fixture(scope="module")
def forced(workbook: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("forced") / "pack"
    run = run_report(workbook, out, force=True)
    return out, run


def test_force_writes_the_pack_and_says_what_was_left_out(workbook: Path, tmp_path: Path, forced) -> None:
    out, run = forced
    assert run.exit_code == 1 and (out / "results.json").is_file()
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["rows"]["left_out_by_reason"] == {"no-factor": 2, "ambiguous-unit": 1}
    r = runner.invoke(app, ["compute", str(workbook), "--out", str(tmp_path / "c"), "--force"])
    assert r.exit_code == 1 and (tmp_path / "c" / "results.json").is_file()
    assert "活动数据 7 行：计入 4 行，边界外 0 行，未计入 3 行（no-factor 2，ambiguous-unit 1）" in r.output


# --- 3. issues in the pack -----------------------------------------------------------------------------

def test_issues_json_and_the_issues_sheet_hold_every_issue_of_the_run(forced) -> None:
    out, run = forced
    data = json.loads((out / ISSUES_FILE).read_text(encoding="utf-8"))
    assert data["schema"] == "disclosure.issues/1"
    entries = data["issues"]
    assert len(entries) == len(run.issues) and sorted(e["code"] for e in entries) == sorted(i.code for i in run.issues)
    assert data["counts"] == {s.value: run.count(s) for s in Severity}
    assert {e["stage"] for e in entries} == {"check", "xbrl"}
    one = next(e for e in entries if e["code"] == "no-factor" and e["row"] == 6)
    assert one["message"]["en"].startswith("no emission factor for '办公用品采购' (unit 万元")
    assert one["message"]["zh-CN"].startswith("找不到“办公用品采购”（单位 万元")
    assert (one["sheet"], one["column"], one["params"]["unit"]) == ("activities", "activity", "万元")
    # notices too
    assert any(e["severity"] == "notice" for e in entries)
    # the Issues sheet: the same entries, in the same order
    ws = openpyxl.load_workbook(out / "workpapers.xlsx", read_only=True)["Issues"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("code", "severity", "stage")
    assert [(r[0], r[6]) for r in rows[1:]] == [(e["code"], e["row"]) for e in entries]
    assert rows[1 + entries.index(one)][8] == one["message"]["zh-CN"]
    # the excluded trace lines carry their own reason
    trace = pd.read_parquet(out / "trace.parquet")
    assert sorted(trace.loc[trace["status"] == "excluded", "reason"]) == ["no-factor"] * 2


def test_verify_fails_when_issues_json_is_edited(forced, tmp_path: Path) -> None:
    out, _ = forced
    pack = tmp_path / "pack"
    shutil.copytree(out, pack)
    assert verify(pack).ok
    path = pack / ISSUES_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    dropped = next(e for e in data["issues"] if e["code"] == "no-factor")
    data["issues"].remove(dropped)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    v = verify(pack)
    # its hash, and the file rendered again from the copies has the issue
    assert (v.differences[0].kind, v.differences[0].where) == ("altered", ISSUES_FILE)
    assert any(d.where.startswith(ISSUES_FILE) and d.kind == "content" for d in v.differences[1:]), v.differences
    # with the manifest re-hashed, the issues derived again still find it
    man = json.loads((pack / manifest.MANIFEST).read_text(encoding="utf-8"))
    man["files"][ISSUES_FILE]["sha256"] = manifest.sha256(path)
    man["files"][ISSUES_FILE]["bytes"] = path.stat().st_size
    (pack / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")
    v = verify(pack)
    assert v.differences and all(d.where.startswith(ISSUES_FILE) for d in v.differences), v.differences
    assert any("no-factor" in str(d.expected) for d in v.differences), v.differences


# --- 6. the demo's investees -------------------------------------------------------------------------------

def _demo(tmp_path: Path, consolidation: str) -> Path:
    root = tmp_path / consolidation
    shutil.copytree(DEMO, root)
    rep = root / "report.yaml"
    rep.write_text(rep.read_text(encoding="utf-8").replace("consolidation: operational_control",
                                                           f"consolidation: {consolidation}"), encoding="utf-8")
    return root


def investees_by_hand(coke_ch4: float = 10) -> dict[str, tuple[float, float]]:
    """Scope 1 and 2 (location-based) at 100 % of the joint venture (F11) and the associate (F12),
    from the demo's activity rows and the published factors:

    - F11 natural gas, 421.5 万Nm3, on the facility's basis (MEE guidelines): NCV 389.31 GJ/万Nm3,
      carbon content 0.0153 tC/GJ, oxidation 0.99; CH4 1 and N2O 0.1 kg/TJ (IPCC 2006 Vol. 2
      Table 2.3, the same as Table 2.2 for natural gas; sector C3099); AR6 GWP100 27 (CH4) and 273 (N2O), IPCC AR6 WGI Table 7.15.
    - F12 coke, 27,640 t (GB/T 32150-2015 Table B.1: NCV 28.435 GJ/t, 0.0295 tC/GJ, oxidation 0.93);
      CH4 10 and N2O 1.5 kg/TJ (IPCC 2006 Vol. 2 Table 2.3, manufacturing industries and construction:
      the facility's sector is C3012, lime and gypsum manufacturing); lime, 158,000 t × 0.75 tCO2/t (IPCC 2006 Vol. 3 Table 2.4,
      high-calcium lime).
    - Electricity: MWh × the 2023 regional grid factor (MEE/NBS 2023): 华东 0.5500 (F11, 江苏),
      西南 0.2472 (F12, 四川); no provincial factor of 2023 is shipped.
    """
    acts = pd.read_csv(DEMO / "activities.csv", dtype=str, encoding="utf-8-sig")
    acts["q"] = acts["quantity"].str.replace(",", "").astype(float)

    def q(record: str) -> float:
        return float(acts.loc[acts["record_id"] == record, "q"].iloc[0])

    def combustion(gj: float, ncv_cc_of: tuple[float, float], ch4: float, n2o: float) -> float:
        cc, of = ncv_cc_of
        return gj * cc * of * 44 / 12 + gj / 1e6 * (ch4 * 27 + n2o * 273)

    f11_s1 = combustion(q("F11-SC-NG") * 389.31, (0.0153, 0.99), 1, 0.1)
    f12_s1 = combustion(q("F12-SC-COKE") * 28.435, (0.0295, 0.93), coke_ch4, 1.5) + q("F12-PR-LIME") * 0.75
    el = acts.loc[acts["source"] == "purchased_electricity"]
    f11_s2 = float(el.loc[el["facility_id"] == "F11", "q"].sum()) * 0.5500
    f12_s2 = float(el.loc[el["facility_id"] == "F12", "q"].sum()) * 0.2472
    return {"JV-JS": (f11_s1, f11_s2), "AS-SC": (f12_s1, f12_s2)}


OWNERSHIP = {"JV-JS": 0.5, "AS-SC": 0.3}


def test_the_investees_by_hand_are_the_issues_figures() -> None:
    """The issue's figures: 207,028 t Scope 1 and 32,456 t Scope 2 at 100 %, about 78,100 t at the
    equity share. The issue was written when coke took Table 2.2's CH4 (1 kg/TJ) whatever the sector;
    with Table 2.3's (10 kg/TJ, the associate being a manufacturer) its Scope 1 is 191 t higher."""
    h = investees_by_hand(coke_ch4=1)
    assert round(sum(s1 for s1, _ in h.values())) == 207_028
    assert round(sum(s2 for _, s2 in h.values())) == 32_456
    assert round(sum((s1 + s2) * OWNERSHIP[e] for e, (s1, s2) in h.items()), -2) == 78_100


def test_demo_investees_in_category15_under_operational_control(tmp_path: Path) -> None:
    inv, issues = load_inventory(DEMO)
    comp = compute(inv)
    h = investees_by_hand()
    c15 = next(c for c in comp.results["scope3_categories"] if c["category"] == 15)
    share = sum((s1 + s2) * OWNERSHIP[e] for e, (s1, s2) in h.items())
    assert c15["included"] and c15["co2e"] == pytest.approx(share, rel=1e-9)
    assert c15["lines"] == 16 and c15["reason"] is None
    # Scope 1 and 2 hold them nowhere, and nothing is reported as an error
    assert comp.results["by_basis"]["other_investees"] == {"scope1": 0.0, "scope2_location": 0.0, "scope2_market": 0.0}
    assert not [i for i in issues + comp.issues if i.severity is not Severity.NOTICE]
    assert sorted(dict(i.params)["entity"] for i in comp.issues if i.code == "outside-boundary") == ["AS-SC", "JV-JS"]
    assert comp.results["settings"]["category15_investees"] is True


def test_demo_investees_are_other_investees_under_equity_share(tmp_path: Path) -> None:
    inv, _ = load_inventory(_demo(tmp_path, "equity_share"))
    comp = compute(inv)
    h = investees_by_hand()
    other = comp.results["by_basis"]["other_investees"]
    assert other["scope1"] == pytest.approx(sum(s1 * OWNERSHIP[e] for e, (s1, _) in h.items()), rel=1e-9)
    assert other["scope2_location"] == pytest.approx(sum(s2 * OWNERSHIP[e] for e, (_, s2) in h.items()), rel=1e-9)
    c15 = next(c for c in comp.results["scope3_categories"] if c["category"] == 15)
    assert not c15["included"] and comp.results["settings"]["category15_investees"] is False
    assert "investees-unreported" not in {i.code for i in comp.issues}


def test_investees_left_out_without_a_reason_are_an_error(tmp_path: Path) -> None:
    root = _demo(tmp_path, "operational_control")
    rep = root / "report.yaml"
    rep.write_text(rep.read_text(encoding="utf-8").replace(
        "options:\n", "options:\n  category15_investees: 否\n"), encoding="utf-8")
    code, data = check_json(root)
    assert code == 1
    unreported = sorted((i["params"]["entity"], i["row"]) for i in data["issues"] if i["code"] == "investees-unreported")
    assert unreported == [("AS-SC", 9), ("JV-JS", 8)]
    # with the reason stated beside the setting, the exclusion is intended: no error
    rep.write_text(rep.read_text(encoding="utf-8").replace(
        "  category15_investees: 否\n",
        "  category15_investees: 否\n  category15_investees_reason: \"被投资单位的排放另行披露 / the investees are disclosed separately\"\n"),
        encoding="utf-8")
    code, data = check_json(root)
    assert code == 0 and "investees-unreported" not in {i["code"] for i in data["issues"]}
    c15 = next(c for c in compute(load_inventory(root)[0]).results["scope3_categories"] if c["category"] == 15)
    assert not c15["included"] and c15["reason"].startswith("被投资单位的排放另行披露")


def test_scope3_exclusions_must_say_why() -> None:
    from disclosure.compute.calculation import says_no_reason

    for text in ("", "  ", None, "无数据 / no data", "未提供活动数据 / no activity data supplied", "N/A", "数据不可得。"):
        assert says_no_reason(text), text
    for text in ("无下游租赁资产 / no downstream leased assets",
                 "下游运输数据不可得；估计低于范围三的 5% / no data; estimated below 5 % of Scope 3"):
        assert not says_no_reason(text), text


# --- 6. the sentences on method say what the lines used -------------------------------------------------------

def _sentences_of(text: str, facility: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=。)|(?<=\.)\s+", text) if f"{facility} " in s]


def test_the_narrative_on_method_follows_the_trace_lines(tmp_path: Path) -> None:
    """北京 has a 2023 provincial factor here (a dataset of the user's); 广东 has none and falls back to
    the 南方 regional one. The Word report and the XBRL say, per facility, what its lines took."""
    root = write(tmp_path / "inv", facilities="facility_id,entity_id,name,province\nF1,E1,广州工厂,广东\nF2,E1,北京工厂,北京\n",
                 activities=(f"E1,F1,{Y},purchased_electricity,,电力,2000,MWh,,,\n"
                             f"E2,F2,{Y},purchased_electricity,,电力,1000,MWh,,,\n"),
                 datasets={"my-grid-provinces-2023@1.yaml": GRID.format(
                     id="my-grid-provinces-2023", year=2023, rows="  - [province, 北京, average, 0.6, tCO2/MWh]")})
    inv, _ = load_inventory(root)
    comp = compute(inv)
    out = tmp_path / "out"
    write_outputs(comp, out)
    exp = export_xbrl(out, out, validate=False)
    assert not [i for i in exp.issues if i.severity is Severity.ERROR]
    render(out, out / "report.zh-CN.docx", "zh-CN")
    render(out, out / "report.en.docx", "en")
    trace = comp.trace.loc[comp.trace["source"] == "purchased_electricity"]
    used = {r.facility_id: (r.grid_level, r.factor_value, bool(r.grid_fallback)) for r in trace.itertuples()}
    assert used == {"F1": ("region", 0.4042, True), "F2": ("province", 0.6, False)}
    stem = stem_of(comp.results)
    from lxml import etree

    page = etree.parse(str(out / f"{stem}.xhtml"))
    ns = {"ix": "http://www.xbrl.org/2013/inlineXBRL"}
    xbrl_text = {lang: " ".join(" ".join(p.itertext()) for f in page.xpath(
        f"//ix:nonNumeric[@name='csdsx:BasisOfGHGAccountingExplanatory'][@xml:lang='{lang}']", namespaces=ns)
        for p in f.iter("{http://www.w3.org/1999/xhtml}p")) for lang in ("zh-CN", "en")}
    word = {lang: " ".join(p.text for p in Document(str(out / f"report.{lang}.docx")).paragraphs)
            for lang in ("zh-CN", "en")}
    for lang in ("zh-CN", "en"):
        texts = [word[lang], xbrl_text[lang]]
        for text in texts:
            assert text, lang
            for fid, (level, value, fallback) in used.items():
                said = [s for s in _sentences_of(text, fid) if "tCO2/MWh" in s]
                assert said, (lang, fid)
                long = vocab.label("grid_level", level, lang, long=True)
                other = vocab.label("grid_level", "province" if level == "region" else "region", lang, long=True)
                assert any(long in s and f"{value:g}" in s for s in said), (lang, fid, said)
                assert not any(other in s and f"{value:g}" in s for s in said), (lang, fid, said)
                fell_back = any(("未发布" in s) if lang == "zh-CN" else ("no provincial factor" in s) for s in said)
                assert fell_back is fallback, (lang, fid, said)


def test_market_above_location_is_explained(tmp_path: Path) -> None:
    """A 广东 plant without instruments: its electricity takes the residual factor 0.6096 (MEE 2023,
    national excluding market-traded non-fossil power) against the 南方 grid's 0.4042."""
    root = write(tmp_path / "inv", activities=f"E1,F1,{Y},purchased_electricity,,电力,2000,MWh,,,\n")
    inv, _ = load_inventory(root)
    comp = compute(inv)
    t = comp.results["totals"]
    assert t["scope2_market"] == pytest.approx(2000 * 0.6096) and t["scope2_location"] == pytest.approx(2000 * 0.4042)
    notice = next(i for i in comp.issues if i.code == "scope2-market-above-location")
    p = dict(notice.params)
    assert (p["residual"], p["grid_factor"], p["area"], p["level"]) == (0.6096, 0.4042, "南方", "region")
    from disclosure.export.xbrl import narrative

    for lang in ("zh-CN", "en"):
        text = narrative.basis(comp.results, lang)
        assert "0.6096" in text and "0.4042" in text and "F1 广州工厂" in text


def test_check_calculates_whatever_loads_without_a_traceback(tmp_path: Path) -> None:
    """check runs the calculation on whatever the loader accepts: a folder with no tables, with only
    report.yaml and entities, or no inventory at all give exit 1 with their issues, never exit 3."""
    empty = tmp_path / "empty"
    empty.mkdir()
    code, data = check_json(empty)
    assert code == 1 and "missing-file" in {i["code"] for i in data["issues"]}
    assert data["rows"] is None              # no table at all: nothing to calculate
    (empty / "report.yaml").write_text(yaml.safe_dump(REPORT, allow_unicode=True), encoding="utf-8")
    (empty / "entities.csv").write_text(ENTITIES, encoding="utf-8")
    code, data = check_json(empty)
    assert code == 1 and {"missing-file", "scope3-exclusion-unexplained"} <= {i["code"] for i in data["issues"]}
    assert data["rows"]["read"] == 0
    code, data = check_json(tmp_path / "nowhere")
    assert code == 1 and [i["code"] for i in data["issues"]] == ["missing-file"] and data["rows"] is None
