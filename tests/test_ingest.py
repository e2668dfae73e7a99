"""The ingest layer: readers (CSV in three encodings, XLSX, Parquet), value parsers, the unit
registry, report settings, the blank template and the ``check`` command.

Each test writes its tiny inventory into ``tmp_path`` right next to what it asserts.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path
from textwrap import dedent

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.core import units
from disclosure.core.issues import Issue, Severity, calculation_codes
from disclosure.core.settings import catalogue
from disclosure.ingest import parse, readers
from disclosure.ingest.contract import ENUMS, TABLES, Kind
from disclosure.ingest.disclosures import sheets as disclosure_sheets
from disclosure.ingest.inventory import ROW
from disclosure.ingest.report import load_report
from disclosure.ingest.template import LAST_ROW, write_template
from disclosure.loader import load_inventory

# --- helpers -------------------------------------------------------------------------------------


def make(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    """Write ``files`` (name → text, dedented) into ``folder``; tables in ``encoding``, YAML in UTF-8."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        enc = "utf-8" if name.endswith(".yaml") else encoding
        (folder / name).write_bytes(dedent(text).lstrip("\n").encode(enc))
    return folder


def found(issues: list[Issue], code: str | None = None) -> list[tuple]:
    """(code, file, sheet, row, column) of the issues, optionally of one code only."""
    return [(i.code, i.location.file, i.location.sheet, i.location.row, i.location.column)
            for i in issues if code is None or i.code == code]


def errors(issues: list[Issue]) -> list[tuple]:
    return [t for i, t in zip(issues, found(issues), strict=True) if i.severity is Severity.ERROR]


REPORT_YAML = """
    entity:
      name_zh: 示例集团
      name_en: Example Group
      identifier: 91350100M000100Y43
    period:
      start: 2025-01-01
      end: 2025-12-31
    """

# The same small group in Chinese headers and Chinese values, with the value forms users type:
# ownership as 100%, 60%, 60 and 0.6; yes/no as 是/否/yes/no/TRUE/false; numbers with a thousands
# separator and in full-width digits; dates in four forms.
ENTITIES = """
    主体编号,主体名称,上级主体编号,持股比例,财务控制,运营控制,是否并表
    G,示例集团,,100%,是,是,是
    S1,华东子公司,G,60%,否,yes,TRUE
    S2,华南子公司,G,60,no,否,false
    S3,合营公司,G,0.6,是,No,否
    """
FACILITIES = """
    设施编号,主体编号,设施名称,省份,行业
    F1,G,苏州工厂,江苏,制造业
    F2,S1,广州工厂,广东省,制造业
    """
ACTIVITIES = """
    记录编号,设施编号,开始日期,结束日期,排放源类别,范围三类别,活动,活动数据,单位
    A1,F1,2025-01-01,2025-01-31,固定燃烧,,天然气,"1,234.5",万Nm3
    A2,F2,2025/1/1,2025年1月31日,外购电力,,电力,１２３,万kWh
    A3,F2,20250101,2025-01-31,scope3,6,商务差旅,1000,pkm
    """
GROUP = {"entities.csv": ENTITIES, "facilities.csv": FACILITIES, "activities.csv": ACTIVITIES,
         "report.yaml": REPORT_YAML}


# --- CSV encodings and value forms -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    folder = make(tmp_path / encoding, GROUP, encoding)
    raw = (folder / "activities.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):  # the file really is not UTF-8
            raw.decode("utf-8")
    assert readers.detect_encoding(folder / "activities.csv") == encoding

    inv, issues = load_inventory(folder)

    assert issues == []
    a = inv.table("activities")
    assert a.columns[:9].tolist() == TABLES["activities"].names[:9]  # Chinese headers → contract names
    assert a["record_id"].tolist() == ["A1", "A2", "A3"]
    assert a["activity"].tolist() == ["天然气", "电力", "商务差旅"]
    assert a["unit"].tolist() == ["万Nm3", "万kWh", "pkm"]
    assert a["source"].tolist() == ["stationary_combustion", "purchased_electricity", "scope3"]
    assert inv.table("facilities")["name"].tolist() == ["苏州工厂", "广州工厂"]


def test_csv_encodings_load_identically(tmp_path: Path) -> None:
    loaded = {}
    for enc in ("utf-8", "utf-8-sig", "gb18030"):
        inv, issues = load_inventory(make(tmp_path / enc, GROUP, enc))
        assert issues == []
        loaded[enc] = inv
    for enc in ("utf-8-sig", "gb18030"):
        for name in ("entities", "facilities", "activities"):
            pd.testing.assert_frame_equal(loaded[enc].tables[name].frame, loaded["utf-8"].tables[name].frame)
        assert loaded[enc].settings == loaded["utf-8"].settings


def test_value_forms(tmp_path: Path) -> None:
    inv, issues = load_inventory(make(tmp_path, GROUP))
    assert issues == []

    e = inv.table("entities")
    assert e["ownership"].tolist() == pytest.approx([1.0, 0.6, 0.6, 0.6])  # 100%, 60%, 60, 0.6
    assert e["financial_control"].tolist() == [True, False, False, True]  # 是 否 no 是
    assert e["operational_control"].tolist() == [True, True, False, False]  # 是 yes 否 No
    assert e["consolidated"].tolist() == [True, True, False, False]  # 是 TRUE false 否
    assert e["parent_id"].isna().tolist() == [True, False, False, False]

    a = inv.table("activities")
    assert a["quantity"].tolist() == [1234.5, 123.0, 1000.0]  # "1,234.5", "１２３", "1000"
    assert a["quantity"].dtype == "float64"
    jan1, jan31 = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-31")
    assert a["period_start"].tolist() == [jan1] * 3  # 2025-01-01, 2025/1/1, 20250101
    assert a["period_end"].tolist() == [jan31] * 3  # 2025-01-31, 2025年1月31日
    assert a["scope3_category"].tolist()[2] == 6
    assert a[ROW].tolist() == [2, 3, 4]


def test_parsers_directly() -> None:
    v, bad = parse.number(pd.Series(["1,234.5", "１２３", "１，２３４．５", " 12 ", "-5", "1e3", "abc", ""]))
    assert v.tolist()[:6] == [1234.5, 123.0, 1234.5, 12.0, -5.0, 1000.0]
    assert bad.tolist() == [False] * 6 + [True, False]  # an empty cell is not "bad"

    v, bad, outside = parse.date(pd.Series(["2025-01-31", "2025/1/31", "2025年1月31日", "20250131", "2025.1.31",
                                            "2025-02-30", "31/01/2025", "", "9999-12-31"]))
    assert v.tolist()[:5] == [pd.Timestamp("2025-01-31")] * 5
    assert bad.tolist() == [False] * 5 + [True, True, False, False]
    assert outside.tolist() == [False] * 8 + [True]   # a date, but beyond what a date column holds

    v, bad = parse.boolean(pd.Series(["是", "否", "yes", "no", "TRUE", "False", "1", "0", "maybe", ""]))
    assert v.tolist()[:8] == [True, False, True, False, True, False, True, False]
    assert bad.tolist() == [False] * 8 + [True, False]

    v, bad = parse.fraction(pd.Series(["60%", "60", "0.6", "６０％", "100", "1", "150%"]))
    assert v.tolist() == pytest.approx([0.6, 0.6, 0.6, 0.6, 1.0, 1.0, 1.5])  # range is checked later
    assert not bad.any()

    e = ENUMS["source"]
    v, bad = parse.enum(pd.Series(["外购电力", "Purchased Electricity", "purchased-electricity", "电"]),
                        e.values, e.aliases)
    assert v.tolist()[:3] == ["purchased_electricity"] * 3
    assert bad.tolist() == [False, False, False, True]

    v, bad, out = parse.category(pd.Series(["3", "C3", "类别3", "第3类", "3.0", "16", "x"]))
    assert v.tolist()[:5] == [3] * 5
    assert bad.tolist() == [False] * 6 + [True]
    assert out.tolist() == [False] * 5 + [True, False]


def test_bad_values_point_at_their_cells(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "activities.csv": """
        record_id,facility_id,period_start,period_end,source,activity,quantity,unit,remark
        A1,F1,2025-01-01,2025-01-31,stationary_combustion,natural_gas,abc,t,
        A2,F1,2025-13-01,2025-01-31,stationary_combustion,natural_gas,5,t,
        A3,F1,2025-01-01,2025-01-31,burning,natural_gas,-5,t,
        A4,F9,2025-01-01,2025-01-31,stationary_combustion,natural_gas,5,箱,
        A1,F1,2025-01-01,2025-01-31,stationary_combustion,natural_gas,5,t,ok
        """})
    inv, issues = load_inventory(folder)
    assert sorted(errors(issues)) == sorted([
        ("bad-number", "activities.csv", None, 2, "quantity"),
        ("bad-date", "activities.csv", None, 3, "period_start"),
        ("bad-enum", "activities.csv", None, 4, "source"),
        ("negative-number", "activities.csv", None, 4, "quantity"),
        ("unknown-facility", "activities.csv", None, 5, "facility_id"),
        ("unknown-unit", "activities.csv", None, 5, "unit"),
        ("duplicate-id", "activities.csv", None, 6, "record_id"),
    ])
    assert found(issues, "unknown-column") == [("unknown-column", "activities.csv", None, 1, "remark")]
    counts = inv.counts["activities"]
    assert (counts.read, counts.accepted, counts.rejected) == (5, 0, 5)
    assert inv.tables["activities"].frame["extra:remark"].tolist() == ["", "", "", "", "ok"]  # kept


def test_blank_lines_in_a_csv_are_skipped_but_rows_keep_their_numbers(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "activities.csv": (
        "record_id,facility_id,period_start,period_end,source,activity,quantity,unit\n"
        "A1,F1,2025-01-01,2025-01-31,stationary_combustion,coal,5,t\n"
        "\n"
        "A2,F1,2025-01-01,2025-01-31,stationary_combustion,coal,x,t\n"
        ",,,,,,,\n"
    )})
    inv, issues = load_inventory(folder)
    assert inv.counts["activities"].read == 2
    assert found(issues) == [("bad-number", "activities.csv", None, 4, "quantity")]


# --- XLSX ------------------------------------------------------------------------------------------


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(dedent(text).lstrip("\n"))))


def test_xlsx_workbook_loads_like_the_csv_folder(tmp_path: Path) -> None:
    bad_row = "A4,F2,2025-01-01,2025-01-31,外购电力,,电力,很多,kWh"
    csv_inv, csv_issues = load_inventory(make(tmp_path / "csv", {**GROUP, "activities.csv": ACTIVITIES + "    " + bad_row}))

    # The same inventory as one workbook. Cells may be typed (numbers, dates, booleans) as Excel
    # users leave them; the activities sheet has two empty rows above its header.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "entities"
    for r in _rows(ENTITIES):
        ws.append(r)
    ws["G3"] = True  # TRUE as an Excel boolean
    ws = wb.create_sheet("facilities")
    for r in _rows(FACILITIES):
        ws.append(r)
    ws = wb.create_sheet("activities")
    ws.append([])
    ws.append([])
    for r in [*_rows(ACTIVITIES), bad_row.split(",")]:
        ws.append(r)
    ws["C4"] = dt.datetime(2025, 1, 1)  # a real date cell
    ws["H4"] = 1234.5                   # a real number
    ws["F6"] = 6
    ws = wb.create_sheet("report")
    for r in [("field", "value"), ("entity.name_zh", "示例集团"), ("entity.name_en", "Example Group"),
              ("entity.identifier", "91350100M000100Y43"), ("period.start", dt.datetime(2025, 1, 1)),
              ("period.end", "2025-12-31")]:
        ws.append(r)
    book = tmp_path / "inventory.xlsx"
    wb.save(book)

    inv, issues = load_inventory(book)

    # the one bad cell, at the row the sheet shows (header on row 3, so A4 is on row 7)
    assert found(issues) == [("bad-number", "inventory.xlsx", "activities", 7, "quantity")]
    assert found(csv_issues) == [("bad-number", "activities.csv", None, 5, "quantity")]
    assert inv.tables["activities"].frame[ROW].tolist() == [4, 5, 6, 7]
    assert inv.counts["activities"].accepted == 3
    for name in ("entities", "facilities", "activities"):
        pd.testing.assert_frame_equal(inv.tables[name].frame.drop(columns=ROW),
                                      csv_inv.tables[name].frame.drop(columns=ROW))
    assert inv.settings == csv_inv.settings  # the report sheet reads like report.yaml
    assert inv.settings.period.start == dt.date(2025, 1, 1)


def test_xlsx_report_sheet_problem_points_at_its_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "entities"
    ws = wb.create_sheet("report")
    for r in [("field", "value"), ("entity.name_zh", "示例集团"), ("entity.identifier", "91350100M000100Y44"),
              ("period.start", "2025-01-01"), ("period.end", "2025-12-31")]:
        ws.append(r)
    wb.save(tmp_path / "inv.xlsx")
    _, issues = load_inventory(tmp_path / "inv.xlsx")
    assert ("bad-identifier", "inv.xlsx", "report", 3, "entity.identifier") in found(issues)


# --- Parquet ---------------------------------------------------------------------------------------


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    make(tmp_path, {"report.yaml": REPORT_YAML})
    pd.DataFrame({
        "entity_id": ["G", "S1"], "name": ["示例集团", "华东子公司"], "parent_id": [None, "G"],
        "ownership": [1.0, 0.6], "financial_control": [True, False], "operational_control": [True, True],
        "consolidated": [True, True],
    }).to_parquet(tmp_path / "entities.parquet")
    pd.DataFrame({"facility_id": ["F1"], "entity_id": ["S1"], "name": ["广州工厂"], "province": ["440000"]}) \
        .to_parquet(tmp_path / "facilities.parquet")
    pd.DataFrame({
        "record_id": ["A1", "A2"], "facility_id": ["F1", "F1"],
        "period_start": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        "period_end": pd.to_datetime(["2025-01-31", "2025-02-28"]),
        "source": ["purchased_electricity", "scope3"], "scope3_category": pd.array([None, 6], dtype="Int64"),
        "activity": ["electricity", "air_travel"], "quantity": np.array([1234.5, 80.0]),
        "unit": ["MWh", "pkm"], "oxidation_rate": [None, 0.98], "verified": [True, False],
    }).to_parquet(tmp_path / "activities.parquet")

    inv, issues = load_inventory(tmp_path)

    assert issues == []
    a = inv.table("activities")
    assert a["quantity"].tolist() == [1234.5, 80.0]
    assert a["period_end"].tolist() == [pd.Timestamp("2025-01-31"), pd.Timestamp("2025-02-28")]
    assert a["scope3_category"].tolist()[1] == 6
    assert a["verified"].tolist() == [True, False]
    assert a["oxidation_rate"].tolist()[1] == 0.98
    assert a[ROW].tolist() == [2, 3]
    assert inv.table("entities")["ownership"].tolist() == [1.0, 0.6]
    assert inv.tables["facilities"].frame["province_name"].tolist() == ["广东"]


def test_parquet_whole_number_ids_written_as_floats_read_as_integers(tmp_path: Path) -> None:
    """pandas writes an integer column with a gap as float64: ids 1001.0 must read as "1001"."""
    make(tmp_path, {"report.yaml": REPORT_YAML})
    pd.DataFrame({"entity_id": [7.0], "name": ["示例集团"], "ownership": [1.0], "consolidated": [True],
                  "financial_control": [True], "operational_control": [True]}).to_parquet(tmp_path / "entities.parquet")
    pd.DataFrame({"facility_id": [1001.0, 1002.0], "entity_id": [7.0, 7.0], "name": ["甲", "乙"],
                  "province": ["440000", "440000"]}).to_parquet(tmp_path / "facilities.parquet")
    pd.DataFrame({"record_id": [1.0, 2.0], "facility_id": [1001.0, np.nan], "period_start": ["2025-01-01"] * 2,
                  "period_end": ["2025-12-31"] * 2, "source": ["purchased_electricity"] * 2,
                  "activity": ["electricity"] * 2, "quantity": [10.5, 3.0], "unit": ["MWh"] * 2}
                 ).to_parquet(tmp_path / "activities.parquet")
    inv, issues = load_inventory(tmp_path)
    assert inv.table("facilities")["facility_id"].tolist() == ["1001", "1002"]
    assert inv.table("activities")["record_id"].tolist() == ["1"]
    assert inv.table("activities")["facility_id"].tolist() == ["1001"]
    assert found(issues) == [("missing-value", "activities.parquet", None, 3, "facility_id")]


# --- units -----------------------------------------------------------------------------------------


def test_unit_registry() -> None:
    assert units.factor("万kWh", "MWh") == pytest.approx(10)
    assert units.factor("tce", "GJ") == pytest.approx(29.3076)
    assert units.factor("万Nm3", "m3") == pytest.approx(10_000)
    assert units.factor("吨", "t") == 1
    assert units.factor("度", "kWh") == 1
    assert units.factor("万元", "元") == pytest.approx(10_000)
    assert units.factor("ｋＷｈ", "kWh") == 1  # full-width spelling
    assert units.lookup("万kWh").dimension == "energy"
    assert units.lookup("吨公里").dimension == "mass_distance"
    assert units.lookup("furlongs per fortnight") is None
    assert not units.convertible("GJ", "kg")


def test_convert_a_series_of_mixed_units() -> None:
    values = pd.Series([1.0, 2.0, 3000.0, 500.0, 7.0], index=[10, 11, 12, 13, 14])
    given = pd.Series(["万kWh", "MWh", "kWh", "度", "kg"], index=values.index)
    out = units.convert(values, given, "MWh")
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert out.tolist()[:4] == pytest.approx([10.0, 2.0, 3.0, 0.5])
    assert np.isnan(out.iloc[4])  # kg is no energy


def test_wrong_dimension_for_the_source(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "activities.csv": """
        record_id,facility_id,period_start,period_end,source,activity,quantity,unit
        A1,F1,2025-01-01,2025-01-31,fugitive,HFC-134a,5,GJ
        A2,F1,2025-01-01,2025-01-31,purchased_electricity,electricity,100,kg
        A3,F1,2025-01-01,2025-01-31,fugitive,HFC-134a,5,千克
        A4,F1,2025-01-01,2025-01-31,purchased_electricity,electricity,100,万度
        A5,F1,2025-01-01,2025-01-31,stationary_combustion,coal,2,吨标准煤
        """})
    inv, issues = load_inventory(folder)
    assert sorted(found(issues)) == [("wrong-dimension", "activities.csv", None, 2, "unit"),
                                     ("wrong-dimension", "activities.csv", None, 3, "unit")]
    assert inv.table("activities")["record_id"].tolist() == ["A3", "A4", "A5"]


# --- report.yaml -----------------------------------------------------------------------------------


def test_report_bad_uscc_points_at_the_identifier_line(tmp_path: Path) -> None:
    make(tmp_path, {"report.yaml": """
        entity:
          name_zh: 示例集团
          identifier: 91350100M000100Y44
        period:
          start: 2025-01-01
          end: 2025-12-31
        """})
    settings, issues = load_report(tmp_path / "report.yaml")
    assert found(issues) == [("bad-identifier", "report.yaml", None, 3, "entity.identifier")]
    assert "3" in dict(issues[0].params)["reason"]  # the right check character is 3
    assert settings.entity.identifier_scheme == ""


def test_report_lei_is_accepted_and_unknown_keys_are_noticed(tmp_path: Path) -> None:
    make(tmp_path, {"report.yaml": """
        entity:
          name_zh: 示例集团
          identifier: HWUPKR0MPOU8FGXBT394
        period:
          start: 2025/1/1
          end: 2025年12月31日
        targets:
          net_zero: 2060
        """})
    settings, issues = load_report(tmp_path / "report.yaml")
    assert found(issues) == [("report-unknown-key", "report.yaml", None, 7, "targets")]
    assert issues[0].severity is Severity.NOTICE
    assert settings.entity.identifier_scheme == "lei"
    assert (settings.period.start, settings.period.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert "targets" not in settings.model_dump()   # reported, then ignored


def test_report_missing_fields_and_bad_choices(tmp_path: Path) -> None:
    make(tmp_path, {"report.yaml": """
        entity:
          name_en: Example Group
        gwp: AR7
        """})
    settings, issues = load_report(tmp_path / "report.yaml")
    assert set(found(issues)) == {
        ("report-bad-value", "report.yaml", None, 3, "gwp"),
        ("report-missing-field", "report.yaml", None, 1, "entity.identifier"),  # the line of entity:
        ("report-missing-field", "report.yaml", None, 1, "entity.name_zh"),
        ("report-missing-field", "report.yaml", None, None, "period.end"),
        ("report-missing-field", "report.yaml", None, None, "period.start"),
    }
    assert settings.gwp == "AR6"  # the default stands in for the bad value


# --- the template ----------------------------------------------------------------------------------


def test_template_loads_back_blank(tmp_path: Path) -> None:
    book = tmp_path / "template.xlsx"
    write_template(book)
    inv, issues = load_inventory(book)
    assert sorted(found(issues)) == [
        # optional tables (instruments, factors) left blank are fine: no warning for them
        ("empty-table", "template.xlsx", name, None, None) for name in sorted(TABLES) if TABLES[name].required
    ] + [
        ("report-missing-field", "template.xlsx", "report", 2, "entity.name_zh"),
        ("report-missing-field", "template.xlsx", "report", 4, "entity.identifier"),
        ("report-missing-field", "template.xlsx", "report", 5, "period.start"),
        ("report-missing-field", "template.xlsx", "report", 6, "period.end"),
    ]
    assert all(i.severity is Severity.ERROR for i in issues if i.code == "empty-table")   # issue 13: an error
    assert all(i.severity is Severity.ERROR for i in issues if i.code == "report-missing-field")
    assert {n: c.read for n, c in inv.counts.items()} == dict.fromkeys(TABLES, 0)
    # the presets of the report sheet are read
    s = inv.settings
    assert (s.currency, s.consolidation, s.gwp, s.grid_factor_level, s.language) == (
        "CNY", "operational_control", "AR6", "province", "zh-CN")


def test_template_sheets_headers_and_drop_downs(tmp_path: Path) -> None:
    book = tmp_path / "template.xlsx"
    write_template(book)
    wb = openpyxl.load_workbook(book)
    # the tables, the settings, a sheet per pillar and per list of the disclosures, the completeness view
    assert wb.sheetnames == ["instructions", *TABLES, "report", *(s.name("zh-CN") for s in disclosure_sheets()),
                             "披露完整性"]

    for name, spec in TABLES.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == spec.names  # the loader matches the English names
        assert ws.max_row == 1  # row 2 onwards is left for data
        lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation
                 if dv.type == "list"}
        for j, col in enumerate(spec.columns):
            cell = ws.cell(row=1, column=j + 1)
            assert col.zh[0] in cell.comment.text
            assert bool(cell.font.b) == (col.required or col.nonempty)
            letter = cell.column_letter
            where = f"{letter}2:{letter}{LAST_ROW}"
            if col.kind is Kind.ENUM:
                assert lists[where] == '"' + ",".join(ENUMS[col.enum].values) + '"'
            elif col.kind is Kind.BOOL:
                assert lists[where] == '"是,否,yes,no"'
            elif col.kind is Kind.CATEGORY:
                assert lists[where] == '"' + ",".join(str(i) for i in range(1, 16)) + '"'
            else:
                assert where not in lists

    ws = wb["report"]
    rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    # every setting of the model, in its order (a mapping by an example key), the first ten as always
    assert list(rows) == [s.sheet_field for s in catalogue()]
    assert list(rows)[:10] == ["entity.name_zh", "entity.name_en", "entity.identifier", "period.start",
                               "period.end", "currency", "consolidation", "gwp", "grid_factor_level", "language"]
    assert {"options.combustion_non_co2", "options.currency_rates.USD", "options.scope3_exclusions.8",
            "options.base_year_threshold", "factors.grid_year", "xbrl.ifrs_package"} <= set(rows)
    # category15_investees has no one default: yes under the control approaches (its note says so)
    assert (rows["options.combustion_non_co2"], rows["options.category15_investees"]) == ("是", None)
    notes = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "5%" in notes["options.base_year_threshold"] and "ISO 4217" in notes["options.currency_rates.USD"]
    assert (rows["currency"], rows["consolidation"], rows["gwp"]) == ("CNY", "operational_control", "AR6")
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["B8"] == '"operational_control,financial_control,equity_share"'
    assert lists["B9"] == '"SAR,AR4,AR5,AR6"'
    assert lists["B10"] == '"province,region,national"'

    text = "\n".join(str(v) for v in wb["instructions"].iter_rows(values_only=True) for v in v if v)
    for needle in ("万kWh", "tce", "29.3076", "万Nm3", "张", "2025年1月31日", "2025/1/31", "未知的列"):
        assert needle in text
    # nothing a spreadsheet would take for a formula; the formulas are the completeness sheet's alone
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert ws.title == "披露完整性", (ws.title, c.coordinate)
                else:
                    assert not (isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))), c.value


def test_template_is_deterministic(tmp_path: Path) -> None:
    write_template(tmp_path / "a.xlsx")
    write_template(tmp_path / "b.xlsx")
    digest = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("a.xlsx", "b.xlsx")]
    assert digest[0] == digest[1]
    write_template(tmp_path / "en.xlsx", lang="en")
    assert openpyxl.load_workbook(tmp_path / "en.xlsx")["report"]["B11"].value == "en"


def test_template_filled_in_loads_clean(tmp_path: Path) -> None:
    book = tmp_path / "filled.xlsx"
    write_template(book)
    wb = openpyxl.load_workbook(book)
    for name, text in (("entities", ENTITIES), ("facilities", FACILITIES), ("activities", ACTIVITIES)):
        header, *data = _rows(text)
        columns = [TABLES[name].names.index(c) + 1 for c in
                   [next(c.name for c in TABLES[name].columns if h in (c.name, *c.zh)) for h in header]]
        for i, r in enumerate(data, start=2):
            for col, v in zip(columns, r, strict=True):
                if v:
                    wb[name].cell(row=i, column=col, value=v)
    ws = wb["report"]
    for row, v in ((2, "示例集团"), (4, "91350100M000100Y43"), (5, "2025-01-01"), (6, "2025-12-31")):
        ws.cell(row=row, column=2, value=v)
    wb.save(book)

    inv, issues = load_inventory(book)
    assert [t for t in found(issues) if t[0] != "empty-table"] == []  # instruments, factors stay empty
    assert inv.table("activities")["quantity"].tolist() == [1234.5, 123.0, 1000.0]
    assert inv.settings.entity.name_zh == "示例集团"


# --- the command line ------------------------------------------------------------------------------

runner = CliRunner()
LINE = re.compile(r"^(?P<file>[^:\[]+)(\[[^\]]+\])?:(?P<row>\d*):(?P<column>[^:]*): (?P<code>[a-z0-9-]+) \[(error|warning|notice)\] .+$")


def test_cli_check_clean(tmp_path: Path) -> None:
    """GROUP loads without an issue, but its business travel has no factor: check runs the
    calculation, so it says so (an error at the row); with a factor for it, check is clean."""
    folder = make(tmp_path, GROUP)
    r = runner.invoke(app, ["check", str(folder)])
    assert r.exit_code == 1, r.output
    assert "activities.csv:4:activity: no-factor [error]" in r.stdout
    assert "activities.csv：读取 3 行 = 接受 3 行 + 拒绝 0 行" in r.stdout
    assert "活动数据 3 行：计入 2 行，边界外 0 行，未计入 1 行（no-factor 1）" in r.stdout
    (folder / "factors.csv").write_text("factor_id,activity,unit,gas,value,value_unit,source\n"
                                        "T1,商务差旅,pkm,CO2e,0.15,kgCO2e/pkm,test\n", encoding="utf-8")
    r = runner.invoke(app, ["check", str(folder)])
    assert r.exit_code == 0, r.output
    assert "活动数据 3 行：计入 3 行，边界外 0 行，未计入 0 行" in r.stdout


def test_cli_check_with_errors_text(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "activities.csv": """
        record_id,facility_id,period_start,period_end,source,activity,quantity,unit
        A1,F1,2025-01-01,2025-01-31,stationary_combustion,coal,abc,t
        A2,F1,2025-01-01,2025-01-31,stationary_combustion,coal,5,t
        """})
    r = runner.invoke(app, ["check", str(folder), "--lang", "en"])
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    m = LINE.match(lines[0])
    assert m, lines[0]
    assert m.groupdict() == {"file": "activities.csv", "row": "2", "column": "quantity", "code": "bad-number"}
    assert lines[0].endswith("'abc' is not a valid number")
    assert "activities.csv: 2 rows read = 1 accepted + 1 rejected" in lines
    # the summary: the issues (English plurals; the calculation's warnings and notices among them), then the rows
    assert lines[-1].startswith("1 error, ")
    assert lines[-1].endswith("; activity rows: 2 read, 1 counted, 0 outside the boundary, 1 left out (bad-number 1)")

    zh = runner.invoke(app, ["check", str(folder)])
    assert "“abc”不是有效的数字" in zh.stdout


def test_cli_check_json(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "activities.csv": """
        record_id,facility_id,period_start,period_end,source,activity,quantity,unit
        A1,F1,2025-01-01,2025-01-31,stationary_combustion,coal,abc,t
        A2,F1,2025-01-01,2025-01-31,stationary_combustion,coal,5,t
        """})
    r = runner.invoke(app, ["check", str(folder), "--format", "json", "--lang", "en"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert set(data) >= {"issues", "tables", "rows", "counts"}
    assert data["counts"]["error"] == 1
    for t in data["tables"].values():
        assert t["read"] == t["accepted"] + t["rejected"]
    assert data["tables"]["activities"] == {"file": "activities.csv", "sheet": None, "read": 2,
                                            "accepted": 1, "rejected": 1}
    [i] = [i for i in data["issues"] if i["code"] not in calculation_codes()]   # the loader's
    assert (i["code"], i["severity"], i["file"], i["row"], i["column"]) == (
        "bad-number", "error", "activities.csv", 2, "quantity")
    assert i["message"] == "'abc' is not a valid number"


def test_cli_usage_error_exits_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["check", str(make(tmp_path, GROUP)), "--no-such-option"])
    assert r.exit_code == 2
    assert runner.invoke(app, ["check", str(tmp_path), "--format", "yaml"]).exit_code == 2


def test_cli_template(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    r = runner.invoke(app, ["template", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(out)["report"]["B11"].value == "en"
    r = runner.invoke(app, ["check", str(out)])
    assert r.exit_code == 1  # a blank template lacks the required report fields


# --- edge cases found in review (each once a defect, now fixed) ---------------------------------


def test_messages_naming_the_table_are_formatted(tmp_path: Path) -> None:
    _, issues = load_inventory(make(tmp_path, {"report.yaml": REPORT_YAML}))
    msgs = sorted(i.message("en") for i in issues if i.code == "missing-file")
    assert msgs == [f"required input table '{t}' is missing (a CSV, XLSX or Parquet file, or a sheet of "
                    "that name in the workbook)" for t in ("activities", "entities", "facilities")]


def test_missing_inventory_path_is_an_issue(tmp_path: Path) -> None:
    inv, issues = load_inventory(tmp_path / "nowhere")
    assert [(i.code, i.location.file) for i in issues] == [("missing-file", str(tmp_path / "nowhere"))]
    assert inv.tables == {}
    r = runner.invoke(app, ["check", str(tmp_path / "nowhere")])
    assert r.exit_code == 1


def test_check_on_a_csv_file_is_an_issue(tmp_path: Path) -> None:
    folder = make(tmp_path, GROUP)
    _, issues = load_inventory(folder / "activities.csv")
    assert found(issues) == [("unreadable-file", "activities.csv", None, None, None)]


def test_csv_with_a_blank_first_line(tmp_path: Path) -> None:
    folder = make(tmp_path, GROUP)
    (folder / "facilities.csv").write_text("\n" + dedent(FACILITIES).lstrip("\n"), encoding="utf-8")
    inv, issues = load_inventory(folder)
    assert issues == []
    assert inv.table("facilities")["facility_id"].tolist() == ["F1", "F2"]
    assert inv.table("facilities")[ROW].tolist() == [3, 4]  # the header is on line 2


def test_header_issue_row_in_a_sheet_with_rows_above_the_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "facilities"
    ws.append([])
    ws.append(["facility_id", "entity_id", "name", "province", "remark"])
    wb.save(tmp_path / "inv.xlsx")
    _, issues = load_inventory(tmp_path / "inv.xlsx")
    assert ("unknown-column", "inv.xlsx", "facilities", 2, "remark") in found(issues)


def test_title_row_above_the_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "facilities"
    ws.append(["2025 年设施清单"])
    for r in _rows(FACILITIES):
        ws.append(r)
    wb.save(tmp_path / "inv.xlsx")
    inv, issues = load_inventory(tmp_path / "inv.xlsx")
    assert found(issues, "missing-column") == []
    assert found(issues, "unknown-column") == []
    assert inv.table("facilities")["name"].tolist() == ["苏州工厂", "广州工厂"]
    assert inv.table("facilities")[ROW].tolist() == [3, 4]


def test_category_spelled_out() -> None:
    v, bad, _ = parse.category(pd.Series(["cat3", "Category 3", "c 3"]))
    assert v.tolist() == [3, 3, 3]
    assert not bad.any()


def test_upper_case_units() -> None:
    for u, to in (("KWH", "kWh"), ("MWH", "MWh"), ("TCE", "tce"), ("NM3", "Nm3"), ("T", "t")):
        assert units.factor(u, to) == 1
    assert units.lookup("T").dimension == "mass"  # a tonne, not a tesla


def test_certificates_are_no_activity_unit(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "activities.csv": """
        record_id,facility_id,period_start,period_end,source,activity,quantity,unit
        A1,F1,2025-01-01,2025-01-31,purchased_electricity,electricity,5,张
        """})
    _, issues = load_inventory(folder)
    assert found(issues) == [("unknown-unit", "activities.csv", None, 2, "unit")]


def test_certificates_count_for_instruments(tmp_path: Path) -> None:
    folder = make(tmp_path, {**GROUP, "instruments.csv": """
        instrument_id,type,facility_id,quantity,unit,period_start,period_end,retired
        G1,绿证,F2,100,张,2025-01-01,2025-12-31,是
        G2,green_power,F2,250,MWh,2025-01-01,2025-12-31,yes
        G3,ppa,F2,250,kg,2025-01-01,2025-12-31,yes
        """})
    inv, issues = load_inventory(folder)
    assert found(issues) == [("wrong-dimension", "instruments.csv", None, 4, "unit")]
    assert inv.table("instruments")["type"].tolist() == ["gec", "green_power"]
