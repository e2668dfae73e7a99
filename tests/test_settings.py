"""The settings model (disclosure/core/settings.py): declared once, read from report.yaml and from a
workbook's ``report`` sheet alike, every bad value a located issue of ``check``, and the README
table, the template's report sheet and the messages' hints generated from it."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.core.issues import Location, Severity
from disclosure.core.settings import (
    Options,
    Settings,
    catalogue,
    hint,
    read_settings,
    settings_table,
)
from disclosure.engines.inprocess import compute
from disclosure.loader import load_inventory

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# A small group: the parent G (operational control) with a plant in Jiangsu, and a joint venture J
# (50 %, no operational control: outside the boundary under operational control) with one in Guangdong.
ENTITIES = [("entity_id", "name", "parent_id", "ownership", "financial_control", "operational_control",
             "consolidated"),
            ("G", "示例集团", None, "100%", "是", "是", "是"),
            ("J", "合营公司", "G", "50%", "否", "否", "否")]
FACILITIES = [("facility_id", "entity_id", "name", "province"),
              ("F1", "G", "苏州工厂", "江苏"),
              ("F2", "J", "佛山工厂", "广东")]
ACTIVITIES = [("record_id", "facility_id", "period_start", "period_end", "source", "activity", "quantity", "unit"),
              ("A1", "F1", "2025-01-01", "2025-12-31", "stationary_combustion", "天然气", 100, "万Nm3"),
              ("A2", "F1", "2025-01-01", "2025-12-31", "purchased_electricity", "电力", 1000, "MWh"),
              ("A3", "F2", "2025-01-01", "2025-12-31", "stationary_combustion", "天然气", 50, "万Nm3")]
REPORT = [("field", "value"), ("entity.name_zh", "示例集团"), ("entity.identifier", "91350100M000100Y43"),
          ("period.start", dt.datetime(2025, 1, 1)), ("period.end", "2025-12-31")]


def workbook(path: Path, report_rows: list[tuple]) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "entities"
    for name, rows in (("entities", ENTITIES), ("facilities", FACILITIES), ("activities", ACTIVITIES)):
        ws = wb["entities"] if name == "entities" else wb.create_sheet(name)
        for r in rows:
            ws.append(list(r))
    ws = wb.create_sheet("report")
    for r in [*REPORT, *report_rows]:
        ws.append(list(r))
    wb.save(path)
    return path


# --- a workbook's report sheet: every value is text (or an Excel boolean) ---------------------------------

@pytest.mark.parametrize("non_co2", [False, "FALSE", "false", "否", "no", "0"])
def test_report_sheet_no_means_no(tmp_path: Path, non_co2: object) -> None:
    book = workbook(tmp_path / "inv.xlsx", [("options.combustion_non_co2", non_co2),
                                            ("options.category15_investees", "否"),
                                            ("factors.grid_year", "2023")])
    inv, issues = load_inventory(book)
    assert [i for i in issues if i.severity is Severity.ERROR] == []
    o = inv.settings.options
    assert (o.combustion_non_co2, o.category15_investees, inv.settings.factors.grid_year) == (False, False, 2023)


def test_report_sheet_false_no_and_year_text_are_honoured_by_the_calculation(tmp_path: Path) -> None:
    """FALSE / 否 / "2023" in the report sheet: no CH4 or N2O for combustion, no category 15 lines for
    the joint venture, the grid factors of 2023; the same inventory with TRUE / 是 / "2022" shows the
    opposite of each, so the settings (not the defaults) decide."""
    off = workbook(tmp_path / "off.xlsx", [("options.combustion_non_co2", False),
                                           ("options.category15_investees", "否"), ("factors.grid_year", "2023")])
    on = workbook(tmp_path / "on.xlsx", [("options.combustion_non_co2", True),
                                         ("options.category15_investees", "是"), ("factors.grid_year", "2022")])
    comp = {}
    for name, book in (("off", off), ("on", on)):
        inv, issues = load_inventory(book)
        assert [i for i in issues if i.severity is Severity.ERROR] == [], name
        comp[name] = compute(inv)
    t_off, t_on = comp["off"].trace, comp["on"].trace
    gas = t_off.loc[t_off["record_id"] == "A1"].iloc[0]
    assert gas["t_CO2"] > 0 and pd.isna(gas["t_CH4"]) and pd.isna(gas["t_N2O"])       # no CH4/N2O computed
    assert (gas["co2e_CH4"], gas["co2e_N2O"]) == (0.0, 0.0)
    gas_on = t_on.loc[t_on["record_id"] == "A1"].iloc[0]
    assert gas_on["t_CH4"] > 0 and gas_on["t_N2O"] > 0 and gas_on["co2e_CH4"] > 0    # IPCC 2006 defaults
    assert not t_off["line_id"].str.endswith("#c15").any()
    assert t_on["line_id"].str.endswith("#c15").any()
    assert comp["off"].results["settings"]["grid_year"] == 2023
    assert comp["on"].results["settings"]["grid_year"] == 2022
    el_off = t_off.loc[t_off["record_id"] == "A2"].iloc[0]
    el_on = t_on.loc[t_on["record_id"] == "A2"].iloc[0]
    assert el_off["factor_dataset"].startswith("cn-grid-2023@") and el_on["factor_dataset"].startswith("cn-grid-2022@")
    assert comp["off"].results["settings"]["combustion_non_co2"] is False
    assert comp["off"].results["settings"]["category15_investees"] is False


@pytest.mark.parametrize(("text", "value"), [("5%", 0.05), ("0.05", 0.05), ("12.5 %", 0.125), ("20", 0.2)])
def test_a_share_as_text(text: str, value: float) -> None:
    s, issues = read_settings({"options": {"base_year_threshold": text}}, lambda p: Location("r", None, None, p))
    assert [i.code for i in issues if i.code != "report-missing-field"] == []
    assert s.options.base_year_threshold == pytest.approx(value)


def test_numbers_and_dates_as_text() -> None:
    s, issues = read_settings({
        "entity": {"name_zh": "甲", "identifier": 911100006421703519},       # YAML reads digits as a number
        "period": {"start": "2025年1月1日", "end": "45657"},                   # Excel's serial day of 2024-12-31
        "revenue": {"value": "4,860,000,000"},
        "options": {"currency_rates": {"usd": "7.1"}, "price_index": {"2021": "100", 2025: 110},
                    "scope3_exclusions": {"C8": "无", "9": "无"}},
        "factors": {"versions": {"cn-grid-2023": 1}, "datasets": "mine; theirs"},
    }, lambda p: Location("r", None, None, p))
    assert [(i.code, i.location.column) for i in issues] == [("report-bad-value", "period.end")]  # before the start
    assert s.entity.identifier == "911100006421703519" and s.entity.identifier_scheme == "uscc"
    assert (s.period.start, s.period.end) == (dt.date(2025, 1, 1), dt.date(2024, 12, 31))
    assert s.revenue.value == 4.86e9
    assert s.options.currency_rates == {"USD": 7.1}
    assert s.options.price_index == {2021: 100.0, 2025: 110.0}
    assert s.options.scope3_exclusions == {8: "无", 9: "无"}
    assert s.factors.versions == {"cn-grid-2023": "1"} and s.factors.datasets == ("mine", "theirs")


# --- every bad value: a located error of check, exit 1, never exit 3 ----------------------------------------

GOOD_YAML = """\
entity:
  name_zh: 示例集团
  identifier: 91350100M000100Y43
period:
  start: 2025-01-01
  end: 2025-12-31
"""
CSV = {
    "entities.csv": "entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated\n"
                    "G,示例集团,,100%,是,是,是\n",
    "facilities.csv": "facility_id,entity_id,name,province\nF1,G,苏州工厂,江苏\n",
    "activities.csv": "record_id,facility_id,period_start,period_end,source,activity,quantity,unit\n"
                      "A1,F1,2025-01-01,2025-12-31,stationary_combustion,天然气,100,万Nm3\n",
}

# (the YAML appended to GOOD_YAML, the field reported, its line) — one bad value of each kind
BAD_VALUES = [
    ("options:\n  combustion_non_co2: maybe\n", "options.combustion_non_co2", 8),            # bool
    ("revenue:\n  value: lots\n", "revenue.value", 8),                                       # number
    ("revenue:\n  value: -5\n", "revenue.value", 8),                                         # number >= 0
    ("options:\n  currency_rates:\n    USD: abc\n", "options.currency_rates.USD", 9),         # positive rate map
    ("options:\n  currency_rates:\n    USD: -7.1\n", "options.currency_rates.USD", 9),
    ("options:\n  currency_rates:\n    DOLLAR: 7.1\n", "options.currency_rates.DOLLAR", 9),   # its key
    ("options:\n  price_index:\n    '20x1': 100\n", "options.price_index.20x1", 9),           # year map
    ("options:\n  scope3_exclusions:\n    16: none\n", "options.scope3_exclusions.16", 9),    # category map
    ("gwp: AR7\n", "gwp", 7),                                                                # choice
    ("xbrl:\n  ifrs_package: taxonomy.txt\n", "xbrl.ifrs_package", 8),                      # path
    ("factors:\n  grid_year: 1999\n", "factors.grid_year", 8),                               # year
    ("options:\n  base_year_threshold: 150%\n", "options.base_year_threshold", 8),           # share
    # whole sections of the wrong type
    ("options: x\n", "options", 7),
    ("factors:\n  datasets: 5\n", "factors.datasets", 8),
    ("options:\n  scope3_exclusions: [8, 9]\n", "options.scope3_exclusions", 8),
]


def folder(tmp_path: Path, report_yaml: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in CSV.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "report.yaml").write_text(report_yaml, encoding="utf-8")
    return tmp_path


def check_json(path: Path) -> tuple[int, dict]:
    res = runner.invoke(app, ["check", str(path), "--format", "json", "--lang", "en"])
    return res.exit_code, json.loads(res.stdout)


def test_the_good_inventory_checks_clean(tmp_path: Path) -> None:
    code, data = check_json(folder(tmp_path, GOOD_YAML))
    assert code == 0 and data["counts"]["error"] == 0


@pytest.mark.parametrize(("extra", "field", "line"), BAD_VALUES, ids=[b[1] + ":" + b[0].split()[-1] for b in BAD_VALUES])
def test_a_bad_value_is_a_located_error_of_check(tmp_path: Path, extra: str, field: str, line: int) -> None:
    code, data = check_json(folder(tmp_path, GOOD_YAML + extra))
    assert code == 1
    [bad] = [i for i in data["issues"] if i["severity"] == "error"]
    assert (bad["code"], bad["file"], bad["row"], bad["column"]) == ("report-bad-value", "report.yaml", line, field)
    assert bad["params"]["field"] == field
    assert field.split(".")[-1] in bad["message"] and bad["params"]["value"] in bad["message"]
    # what is allowed, in both languages: the reason is "中文 / English"
    assert " / " in bad["params"]["reason"] and re.search(r"[\u4e00-\u9fff]", bad["params"]["reason"])


@pytest.mark.parametrize(("extra", "field", "line"), BAD_VALUES[:12], ids=[b[1] for b in BAD_VALUES[:12]])
def test_a_bad_value_in_a_report_sheet_points_at_its_row(tmp_path: Path, extra: str, field: str, line: int) -> None:
    import yaml

    data = yaml.safe_load(extra)
    flat: list[tuple[str, object]] = []

    def walk(prefix: str, v: object) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)
        else:
            flat.append((prefix, v if not isinstance(v, list) else str(v)))

    walk("", data)
    book = workbook(tmp_path / "inv.xlsx", flat)
    code, out = check_json(book)
    assert code == 1
    row = len(REPORT) + 1      # the first row after the good settings
    [bad] = [i for i in out["issues"] if i["severity"] == "error"]
    assert (bad["code"], bad["file"], bad["sheet"], bad["row"], bad["column"]) == (
        "report-bad-value", "inv.xlsx", "report", row, field)


def test_a_bad_rate_never_reaches_the_calculation(tmp_path: Path) -> None:
    """``options: {currency_rates: {USD: abc}}`` passed check and stopped compute with exit 3: now check
    says where, compute stops with exit 1, and with --force it computes without the rate."""
    path = folder(tmp_path / "inv", GOOD_YAML + "options:\n  currency_rates:\n    USD: abc\n")
    res = runner.invoke(app, ["compute", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "options.currency_rates.USD" in res.stdout
    res = runner.invoke(app, ["compute", str(path), "--out", str(tmp_path / "out"), "--force"])
    assert res.exit_code == 1, res.output           # computed, the error still counted
    assert (tmp_path / "out" / "results.json").is_file()


def test_unknown_keys_are_noticed_with_the_nearest_known_key(tmp_path: Path) -> None:
    code, data = check_json(folder(tmp_path, GOOD_YAML + "options:\n  combustion_nonco2: false\n  colour: blue\n"
                                   "xbrl:\n  ifrs: a.zip\n"))
    assert code == 0
    found = {i["column"]: (i["severity"], i["params"]["known"], i["row"]) for i in data["issues"]
             if i["code"] == "report-unknown-key"}
    assert found["options.combustion_nonco2"] == ("notice", "options.combustion_non_co2", 8)
    assert found["options.colour"][0] == "notice" and "options.base_year_threshold" in found["options.colour"][1]
    assert found["xbrl.ifrs"] == ("notice", "xbrl.ifrs_package", 11)


def test_required_settings_missing() -> None:
    s, issues = read_settings({"entity": {"name_en": "X"}}, lambda p: Location("r", None, None, p))
    assert sorted(i.location.column for i in issues) == ["entity.identifier", "entity.name_zh", "period.end",
                                                          "period.start"]
    assert {i.code for i in issues} == {"report-missing-field"}
    assert s.entity.name_en == "X" and s.period.start is None


# --- hostile input: whatever the data, settings and issues come back ----------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
                     st.dates())
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4), max_leaves=12)
_keys = st.sampled_from(sorted({p.split(".")[0] for p in (s.path for s in catalogue())} | {"bogus"}))
_sections = st.dictionaries(_keys, st.one_of(_values, st.dictionaries(
    st.sampled_from(sorted({s.path.split(".")[-1] for s in catalogue()} | {"x"})), _values, max_size=5)), max_size=6)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sections)
def test_any_settings_data_reads_without_raising(data: dict) -> None:
    s, issues = read_settings(data, lambda p: Location("report.yaml", None, None, p))
    assert isinstance(s, Settings)
    for i in issues:
        assert i.code in ("report-bad-value", "report-missing-field", "report-unknown-key", "bad-identifier")
        assert i.message("zh-CN") and i.message("en")


# --- generated from the model ---------------------------------------------------------------------------------

def test_readme_table_of_settings_is_the_models() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- settings-table:begin[^>]*-->\n(.*?)\n<!-- settings-table:end -->", text, re.S)
    assert m, "README.md lacks the settings-table markers"
    assert m.group(1) == settings_table(), (
        "README.md's settings table differs from the model: replace it with "
        "disclosure.core.settings.settings_table()")


def test_every_setting_is_declared_with_both_descriptions() -> None:
    for s in catalogue():
        assert s.zh and s.en and s.allowed_zh and s.allowed_en, s.path
        assert re.search(r"[\u4e00-\u9fff]", s.zh), s.path


def test_hints_name_only_declared_settings() -> None:
    assert hint("xbrl.ifrs_package", "PATH") == "xbrl: {ifrs_package: PATH}"
    assert hint("factors.versions.cn-grid-2023", '"1"') == 'factors: {versions: {cn-grid-2023: "1"}}'
    with pytest.raises(KeyError):
        hint("options.no_such_setting")
    # the messages that name a setting take it from hint(): the catalogue's templates use {setting}
    from disclosure.core.issues import catalogue as codes

    for code in ("factor-unpinned", "currency-rate-missing", "xbrl-not-validated"):
        assert "{setting}" in codes()[code]["zh"] and "{setting}" in codes()[code]["en"], code


def test_options_defaults_are_the_documented_ones() -> None:
    o = Options()
    assert (o.combustion_non_co2, o.category15_investees, o.base_year_threshold, o.default_fuel_basis) == (
        True, None, 0.05, "cn-fuel-gbt32150")
    # unset, the investees' equity share is in category 15 under the control approaches (GHG Protocol
    # Scope 3 Standard, ch. 5); under equity share they are in Scope 1 and 2 at that share instead
    assert [o.investees_in_category15(c) for c in ("operational_control", "financial_control", "equity_share")] == [
        True, True, False]
    off = Options(category15_investees=False)
    assert [off.investees_in_category15(c) for c in ("operational_control", "equity_share")] == [False, False]


# --- xbrl.ifrs_package honoured by report -------------------------------------------------------------------

def test_report_honours_xbrl_ifrs_package_in_report_yaml(tmp_path: Path, monkeypatch) -> None:
    from disclosure.export.xbrl import taxonomy

    pkg = taxonomy.shared_ifrs_package(ROOT)
    if not pkg.is_file():
        pytest.skip("the IFRS taxonomy package is not in ../shared/taxonomies")
    monkeypatch.delenv(taxonomy.ENV_IFRS_PACKAGE, raising=False)
    inv = tmp_path / "inv"
    shutil.copytree(ROOT / "fixtures" / "demo-group", inv)
    shutil.copyfile(pkg, tmp_path / "ifrs.zip")
    with open(inv / "report.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nxbrl:\n  ifrs_package: ../ifrs.zip   # relative to the inventory folder\n")
    res = runner.invoke(app, ["report", str(inv), "--out", str(tmp_path / "pack")])
    assert res.exit_code == 0, res.output
    validation = json.loads((tmp_path / "pack" / "validation.json").read_text(encoding="utf-8"))
    assert validation["validated"] is True and validation["ifrs_package"] == "ifrs.zip"


def test_report_takes_the_message_language_from_report_yaml(tmp_path: Path) -> None:
    path = folder(tmp_path / "inv", GOOD_YAML.replace("entity:", "language: en\nentity:", 1)
                  + "options:\n  combustion_non_co2: maybe\n")
    res = runner.invoke(app, ["report", str(path), "--out", str(tmp_path / "pack")])
    assert res.exit_code == 1
    assert "has an invalid value 'maybe'" in res.output and "无效" not in res.output
    res = runner.invoke(app, ["report", str(path), "--out", str(tmp_path / "pack"), "--lang", "zh-CN"])
    assert "无效" in res.output
