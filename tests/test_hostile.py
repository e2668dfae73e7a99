"""Hostile and broken input (issue 13): what a spreadsheet, an ERP export or a careless command line
may throw at the tool gives located issues and exit codes 0-2, never a traceback (exit 3), a hang
or a lost file. The fixture inventories of ``fixtures/hostile/`` (each with the issues it must give)
are checked in ``test_fixtures_broken.py`` and below; the cases that need a file made on the spot
(a spreadsheet bomb, symlinks, output folders) are made here."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.core import yamlfile
from disclosure.core.settings import check_identifier
from disclosure.ingest import parse
from disclosure.loader import load_inventory

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo-group"
runner = CliRunner()


def invoke(*args: str):
    """The command line in process; an exception that escapes it is what `main` turns into exit 3."""
    res = runner.invoke(app, [str(a) for a in args])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"internal error (exit 3) on {args}: {res.exception!r}") from res.exception
    return res


def demo_copy(tmp_path: Path, name: str = "inv") -> Path:
    dst = tmp_path / name
    shutil.copytree(DEMO, dst)
    return dst


def codes(issues) -> list[str]:
    return [i.code for i in issues]


# --- the hostile fixtures: exactly their errors, and report --force never exit 3 --------------------

HOSTILE = sorted(p for p in (ROOT / "fixtures" / "hostile").iterdir() if (p / "expected.csv").is_file())


def _key(i) -> tuple:
    return (i.code, i.location.file, i.location.sheet, i.location.row, i.location.column)


def _expected(folder: Path) -> set[tuple]:
    import csv

    with open(folder / "expected.csv", encoding="utf-8", newline="") as fh:
        return {(r["code"], r["file"], r["sheet"] or None, int(r["row"]) if r["row"] else None, r["column"] or None)
                for r in csv.DictReader(fh)}


def _errors(keys: set[tuple]) -> set[tuple]:
    from disclosure.core.issues import catalogue

    return {k for k in keys if catalogue()[k[0]]["severity"] == "error"}


@pytest.mark.parametrize("folder", HOSTILE, ids=[p.name for p in HOSTILE])
def test_hostile_fixture_gives_exactly_its_errors(folder: Path) -> None:
    from disclosure.engines.inprocess import compute

    inv, issues = load_inventory(folder)
    if not any(i.code in ("missing-file", "empty-table") for i in issues):
        issues = issues + compute(inv).issues        # the calculation's own (a pin it cannot honour)
    got = {_key(i) for i in issues if str(i.severity) == "error"}
    want = _errors(_expected(folder))
    assert got == want, f"missing: {sorted(want - got, key=str)}\nunexpected: {sorted(got - want, key=str)}"
    others = _expected(folder) - want          # warnings and notices: reported (among others)
    assert others <= {_key(i) for i in issues}, sorted(others - {_key(i) for i in issues}, key=str)


@pytest.mark.parametrize("folder", HOSTILE, ids=[p.name for p in HOSTILE])
def test_hostile_fixture_report_force_never_exits_3(folder: Path, tmp_path: Path) -> None:
    res = invoke("report", folder, "--out", tmp_path / "pack", "--force", "--lang", "en")
    assert res.exit_code == (1 if _errors(_expected(folder)) else 0), res.output
    assert "failed" not in res.output.lower(), res.output     # no stage failed (the Word report, say)
    assert [p.name for p in tmp_path.iterdir()] in (["pack"], [])    # nothing left beside it


# --- YAML: one loader, bounded ------------------------------------------------------------------

def _bomb(levels: int = 8, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_is_refused_within_a_second() -> None:
    text = _bomb()                        # 9**9 = 387,420,489 nodes once expanded, 900 bytes written
    t = time.perf_counter()
    with pytest.raises(yamlfile.YamlError, match="aliases here expand to"):
        yamlfile.load(text)
    assert time.perf_counter() - t < 1.0


def test_yaml_self_reference_and_deep_nesting_are_refused() -> None:
    with pytest.raises(yamlfile.YamlError, match="anchor it is inside") as e:
        yamlfile.load("a: 1\nzz: &a [*a]\n")
    assert e.value.line == 2
    with pytest.raises(yamlfile.YamlError, match="nested deeper"):
        yamlfile.load("zz: " + "[" * 1000 + "]" * 1000)
    with pytest.raises(yamlfile.YamlError, match="nested deeper"):
        yamlfile.load("zz: " + "{a: " * 1000 + "1" + "}" * 1000)
    # a chain of anchors, each one level deeper than the last, is deep only once expanded
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    with pytest.raises(yamlfile.YamlError, match="aliases expanded"):
        yamlfile.load(chain)


def test_yaml_within_bounds_reads_as_pyyaml_does() -> None:
    import yaml

    text = "a: &x {b: [1, 2.5, '3'], c: 2025-01-01}\nd: *x\ne: [" + ", ".join(["*x"] * 50) + "]\n"
    data, lines = yamlfile.load(text)
    assert data == yaml.safe_load(text)
    assert lines["a"] == 1 and lines["a.b"] == 1 and lines["d"] == 2 and lines["e"] == 3
    assert lines["e.50"] == 1   # an alias points at its anchor (the node it stands for)
    assert yamlfile.load("") == (None, {})
    with pytest.raises(yamlfile.YamlError) as e:
        yamlfile.load("a: [1\nb: 2\n")
    assert e.value.line is not None


@pytest.mark.parametrize("char", ["\x00", "\x07", "\ufffe"])
def test_yaml_with_a_character_yaml_refuses_is_a_located_error(char: str) -> None:
    """PyYAML's reader refuses some characters when the loader is made, before parsing (a NUL byte,
    found by the fuzz test): a YamlError at its line, not a ReaderError escaping."""
    with pytest.raises(yamlfile.YamlError, match="special characters are not allowed") as e:
        yamlfile.load(f"a: 1\nb: x{char}y\n")
    assert e.value.line == 2


@pytest.mark.parametrize("where", ["report.yaml", "disclosures.yaml"])
def test_yaml_bomb_in_an_inventory_is_a_syntax_error(tmp_path: Path, where: str) -> None:
    inv = demo_copy(tmp_path)
    p = inv / where
    p.write_text(p.read_text(encoding="utf-8") + "\n" + _bomb(), encoding="utf-8")
    t = time.perf_counter()
    _, issues = load_inventory(inv)
    assert time.perf_counter() - t < 10   # the whole demo loaded, the bomb refused at once
    code = "report-syntax" if where == "report.yaml" else "disclosures-syntax"
    hit = [i for i in issues if i.code == code]
    assert hit and "aliases here expand" in dict(hit[0].params)["reason"]
    res = invoke("check", inv)
    assert res.exit_code == 1


def test_factor_dataset_bomb_is_an_invalid_dataset(tmp_path: Path) -> None:
    from disclosure.factors import load_library

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "bomb@1.yaml").write_text(_bomb(), encoding="utf-8")
    _, issues = load_library([tmp_path / "mine"])
    assert [i.code for i in issues] == ["factor-dataset-invalid"]
    assert "aliases here expand" in dict(issues[0].params)["reason"]


# --- numbers: finite or an error at their place ---------------------------------------------------

INFINITE = ["inf", "Infinity", "1e309", "１e３０９", "-inf", "nan", "-1e400", "INF"]


def test_number_parser_refuses_every_infinite_spelling() -> None:
    v, bad = parse.number(pd.Series([*INFINITE, "1,234.5", ""]))
    assert bad.tolist() == [True] * len(INFINITE) + [False, False]
    assert v.iloc[-2] == 1234.5 and v.iloc[:-2].isna().all()
    # Parquet floats: NaN is a missing value, an infinity is bad
    v, bad = parse.number(pd.Series([1.0, float("inf"), float("nan"), float("-inf")]))
    assert bad.tolist() == [False, True, False, True]
    v, bad = parse.fraction(pd.Series(["inf", "50%", "1e309%"]), parse.is_empty(pd.Series(["inf", "50%", "1e309%"])))
    assert bad.tolist() == [True, False, True]


@pytest.mark.parametrize("value", ["inf", "Infinity", "1e309", "１e３０９", "-inf", "nan"])
def test_infinite_quantity_is_a_located_error_and_json_stays_json(tmp_path: Path, value: str) -> None:
    inv = demo_copy(tmp_path)
    p = inv / "activities.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace('"88,150.0"', value, 1), encoding="utf-8")
    res = invoke("check", inv, "--format", "json", "--lang", "en")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)        # strict JSON: no Infinity, no NaN
    hit = [i for i in doc["issues"] if i["row"] == 2 and i["column"] == "quantity"]
    assert [i["code"] for i in hit] == ["bad-number"], hit
    assert hit[0]["params"]["value"] == value


@pytest.mark.parametrize(("cells", "column"), [("inf,GJ/t,,", "ncv"), ("1e309,GJ/t,,", "ncv"),
                                              (",,Infinity,", "carbon_content"), (",,,-inf", "oxidation_rate")])
def test_infinite_parameters_of_a_row_are_located_errors(tmp_path: Path, cells: str, column: str) -> None:
    """ncv, ncv_unit, carbon_content, oxidation_rate of the demo's first row."""
    inv = demo_copy(tmp_path)
    p = inv / "activities.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace('"88,150.0",t,,,,,', f'"88,150.0",t,{cells},', 1),
                 encoding="utf-8")
    _, issues = load_inventory(inv)
    hit = [i for i in issues if i.location.row == 2 and i.location.file == "activities.csv"]
    assert ("bad-number", column) in [(i.code, i.location.column) for i in hit], hit


def test_issue_json_never_writes_infinity() -> None:
    from disclosure.core.issues import Location, issue, render_json

    text = render_json([issue("negative-number", Location("a.csv", None, 2, "quantity"), value=float("-inf"))])
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert '"value": "-inf"' in text


@pytest.mark.parametrize("setting", [
    "revenue: {value: .inf, unit: CNY}", "revenue: {value: '1e309', unit: CNY}",
    "options: {currency_rates: {USD: .inf}}", "options: {price_index: {2020: .nan}}",
    "options: {base_year_threshold: -.inf}", "output: {value: Infinity, unit: t}",
])
def test_infinite_settings_are_bad_values(tmp_path: Path, setting: str) -> None:
    inv = demo_copy(tmp_path)
    text = (inv / "report.yaml").read_text(encoding="utf-8")
    key = setting.split(":")[0]
    text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key}:"))
    if key == "options":   # the demo's own options block goes; scope3 exclusions are then warned of
        text = text.split("\noptions:")[0]
    (inv / "report.yaml").write_text(text + "\n" + setting + "\n", encoding="utf-8")
    _, issues = load_inventory(inv)
    bad = [i for i in issues if i.code == "report-bad-value"]
    assert len(bad) == 1 and bad[0].location.file == "report.yaml" and bad[0].location.row is not None, bad


@pytest.mark.parametrize("cells", ['1e300,t,,', '1e300,t,1e300,GJ/t', '"1,000",t,1e308,GJ/t'])
def test_a_line_beyond_the_range_of_numbers_is_excluded_and_the_results_stay_finite(tmp_path: Path, cells: str
                                                                                     ) -> None:
    """Finite inputs whose product is no number (1e300 t of coal at 1e300 GJ/t) or no figure
    (2e300 tCO2e): the row is excluded with ``value-overflow`` at its location, the totals are the
    other rows' sums, results.json and the trace hold finite numbers only (xlsxwriter refuses INF)."""
    from disclosure.compute import trace as trace_file

    inv = demo_copy(tmp_path)
    p = inv / "activities.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace('"88,150.0",t,,', cells, 1), encoding="utf-8")
    res = invoke("compute", inv, "--out", tmp_path / "out", "--force", "--lang", "en")
    assert res.exit_code == 1, res.stdout
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"),
                     parse_constant=lambda c: pytest.fail(f"{c} in results.json"))
    t = trace_file.read_trace(tmp_path / "out")
    line = t[t["row"] == 2]
    assert line["status"].tolist() == ["excluded"] and line["reason"].tolist() == ["value-overflow"]
    assert line["co2e"].tolist() == [0.0]
    numbers = t.select_dtypes("float64").to_numpy()
    assert not (numbers == float("inf")).any() and not (numbers == float("-inf")).any()
    assert doc["totals"]["scope1"] == pytest.approx(t.loc[t["scope"] == 1, "co2e"].sum(), rel=1e-12)
    assert 0 < doc["totals"]["scope1"] < 1e8


def test_an_intensity_beyond_the_range_of_numbers_is_left_out_with_an_issue(tmp_path: Path) -> None:
    """A revenue of 1e-300 CNY is a positive number, but the totals per CNY million overflow."""
    from disclosure.engines.inprocess import compute

    inv = demo_copy(tmp_path)
    p = inv / "report.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("value: 4860000000", "value: 1.0e-300"), encoding="utf-8")
    loaded, issues = load_inventory(inv)
    assert not [i for i in issues if i.code == "report-bad-value"]
    comp = compute(loaded)
    hit = [i for i in comp.issues if i.code == "intensity-overflow"]
    assert [(i.location.file, i.location.column, dict(i.params)["metric"]) for i in hit] == [
        ("report.yaml", "revenue.value", "per_revenue")]
    assert "per_revenue" not in comp.results["intensity"]
    assert comp.results["intensity"]["per_output"]["scope1_2_location"] > 0   # the other metric stays


def test_a_huge_whole_category_is_out_of_range_not_a_cast_error() -> None:
    """Found by the fuzz test: ``3e24`` is a whole number but no int64 (``TypeError`` on the cast)."""
    v, bad, out = parse.category(pd.Series(["3e24", "1", "", "C16"]))
    assert v.tolist() == [pd.NA, 1, pd.NA, 16]      # 16 is kept: out of range, reported once as such
    assert bad.tolist() == [False, False, False, False] and out.tolist() == [True, False, False, True]


def test_first_uses_of_a_column_without_any_id() -> None:
    """Found by the fuzz test: a table whose every id is missing (each reported) has no first use
    (``IndexError`` on the empty array before)."""
    from disclosure.validate.rules import first_uses

    assert first_uses(pd.Series([None, None], dtype=object)).tolist() == [-1, -1]
    assert first_uses(pd.Series(["a", None, "a", "b"], dtype=object)).tolist() == [0, -1, 0, 3]


# --- dates beyond pandas' range --------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "column"), [
    ("2025-01-01,2025-03-31", "1600-01-01,2025-03-31", "period_start"),
    ("2025-01-01,2025-03-31", "2025-01-01,9999-12-31", "period_end"),
])
def test_dates_outside_pandas_range_are_located_errors(tmp_path: Path, old: str, new: str, column: str) -> None:
    inv = demo_copy(tmp_path)
    p = inv / "activities.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace(old, new, 1), encoding="utf-8")
    _, issues = load_inventory(inv)
    hit = [i for i in issues if i.code == "date-out-of-range"]
    assert [(i.location.file, i.location.row, i.location.column) for i in hit] == [("activities.csv", 2, column)]
    assert "1677-09-22" in hit[0].message("en") and "2262-04-11" in hit[0].message("en")
    assert invoke("compute", inv, "--out", tmp_path / "out", "--force").exit_code == 1


@pytest.mark.parametrize("period", ["{start: 1600-01-01, end: 2025-12-31}", "{start: 2025-01-01, end: 9999-12-31}"])
def test_period_outside_the_range_is_a_bad_setting(tmp_path: Path, period: str) -> None:
    inv = demo_copy(tmp_path)
    p = inv / "report.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("{start: 2025-01-01, end: 2025-12-31}", period),
                 encoding="utf-8")
    _, issues = load_inventory(inv)
    bad = [i for i in issues if i.code == "report-bad-value"]
    assert len(bad) == 1 and "outside the supported range" in bad[0].message("en")


@pytest.mark.parametrize("start", ["2025-01-01 08:00:00", "2025-01-01T08:00:00+08:00", "2025-01-01T23:30:00-10:00"])
def test_period_start_as_a_datetime_is_its_date(tmp_path: Path, start: str) -> None:
    import datetime as dt

    inv = demo_copy(tmp_path)
    p = inv / "report.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("start: 2025-01-01", f"start: {start}"), encoding="utf-8")
    loaded, issues = load_inventory(inv)
    assert loaded.settings.period.start == dt.date(2025, 1, 1)
    assert not [i for i in issues if str(i.severity) == "error"]


def test_timestamps_of_parquet_any_unit_or_zone() -> None:
    import datetime as dt

    import numpy as np

    tz = pd.Series(pd.to_datetime(["2025-01-01 08:00", "2025-06-30 23:00"]).tz_localize("Asia/Shanghai"))
    v, bad, outside = parse.date(tz)
    assert v.tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30")] and not bad.any() and not outside.any()
    us = pd.Series(np.array(["9999-12-31", "2025-03-01", "NaT"], dtype="datetime64[us]"))
    v, bad, outside = parse.date(us)
    assert outside.tolist() == [True, False, False] and v.iloc[1] == pd.Timestamp("2025-03-01")
    objs = pd.Series([dt.date(9999, 12, 31), dt.date(2025, 1, 1), None], dtype=object)
    v, bad, outside = parse.date(objs)
    assert outside.tolist() == [True, False, False] and not bad.any()


# --- identifiers that are not ASCII -------------------------------------------------------------

@pytest.mark.parametrize("value", ["Ⅻ" * 20, "统一社会信用代码统一社会信用代码统一社会", "Ⅻ" * 18, "１" * 20])
def test_non_ascii_identifiers_are_invalid_not_a_crash(value: str) -> None:
    scheme, why = check_identifier(value)
    assert scheme is None and why


def test_version_and_list_keys_with_unicode_digits() -> None:
    from disclosure.factors.library import version_key

    assert version_key("²") == ((1, "²"),)          # "²".isdigit() is True, int("²") fails
    assert version_key("1.10") > version_key("1.9")


# --- a pinned dataset version that does not exist -----------------------------------------------

def test_pin_to_a_missing_version_is_an_error_not_a_key_error(tmp_path: Path) -> None:
    inv = demo_copy(tmp_path)
    p = inv / "report.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace('cn-grid-2023: "1"', 'cn-grid-2023: "7"'), encoding="utf-8")
    res = invoke("compute", inv, "--out", tmp_path / "out", "--lang", "en")
    assert res.exit_code == 1
    assert "factor-pin-missing" in res.output and "versions held: 1" in res.output
    res = invoke("report", inv, "--out", tmp_path / "pack", "--force", "--lang", "en")
    assert res.exit_code == 1 and (tmp_path / "pack" / "results.json").is_file()


# --- spreadsheets far larger than their data ------------------------------------------------------

def _stray_cell_workbook(path: Path) -> None:
    """A 6 KB workbook: a factors table of one row, and one cell at XFD1048576 (the last of a sheet)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("factors")
    for j, h in enumerate(["factor_id", "activity", "unit", "gas", "value", "value_unit", "source"]):
        ws.write_string(0, j, h)
    for j, v in enumerate(["U1", "钢材", "t", "CO2e", "1.9", "tCO2e/t", "示例"]):
        ws.write_string(1, j, v)
    ws.write_string(1048575, 16383, "x")
    wb.close()


def test_xlsx_with_a_cell_at_xfd1048576_is_refused_not_an_abort(tmp_path: Path) -> None:
    """calamine would size the sheet at 16,384 x 1,048,576 cells (549 GB) and abort the process
    (SIGABRT); the reader measures the used range from the sheet's XML first."""
    from disclosure.ingest import readers

    inv = demo_copy(tmp_path)
    (inv / "factors.csv").unlink()
    _stray_cell_workbook(inv / "factors.xlsx")
    assert (inv / "factors.xlsx").stat().st_size < 10_000
    assert readers.sheet_extent(inv / "factors.xlsx", "factors") == (15, 1048576, 16384)
    t = time.perf_counter()
    _, issues = load_inventory(inv)
    assert time.perf_counter() - t < 10
    hit = [i for i in issues if i.location.file == "factors.xlsx"]
    assert [i.code for i in hit] == ["unreadable-file"] and "XFD1048576" in hit[0].message("en")
    assert invoke("check", inv).exit_code == 1


def test_sparse_but_small_and_dense_sheets_are_read(tmp_path: Path) -> None:
    import xlsxwriter

    from disclosure.ingest import readers

    p = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("factors")
    ws.write_string(0, 0, "factor_id")
    ws.write_string(999, 99, "far but small")          # 100 x 1,000 cells: read
    ws.write_blank(1048575, 16383, None, wb.add_format({"bold": True}))   # a format, no value: not a cell
    wb.close()
    assert readers.oversized(p, "factors") is None
    raw, issues = readers.read_sheet(p, "factors", "x.xlsx")
    assert not issues and raw is not None and raw.frame.shape == (1, 100)   # blank rows are not data
    assert raw.rows.tolist() == [1000] and raw.frame.iloc[0, 99] == "far but small"


# --- files inside the inventory only -------------------------------------------------------------

def test_symlink_out_of_the_inventory_is_refused_and_not_copied(tmp_path: Path) -> None:
    import os

    secret = tmp_path / "secret.csv"
    secret.write_text("factor_id,activity\nSECRET,not the inventory's\n", encoding="utf-8")
    inv = demo_copy(tmp_path)
    (inv / "factors.csv").unlink()
    os.symlink(secret, inv / "factors.csv")
    (inv / "sub").mkdir()
    os.symlink(secret, inv / "sub" / "leak.csv")
    os.symlink(tmp_path, inv / "up")                   # a folder link out (and a loop back in)
    os.symlink(inv / "entities.csv", inv / "sub" / "same.csv")   # a link inside: followed
    _, issues = load_inventory(inv)
    outside = sorted(i.location.file for i in issues if i.code == "outside-inventory")
    assert outside == ["factors.csv", "up"]
    res = invoke("report", inv, "--out", tmp_path / "pack", "--force", "--lang", "en")
    assert res.exit_code == 1
    inputs = tmp_path / "pack" / "inputs"
    copied = sorted(p.relative_to(inputs).as_posix() for p in inputs.rglob("*") if p.is_file())
    assert "factors.csv" not in copied and "sub/leak.csv" not in copied and not any(c.startswith("up") for c in copied)
    assert "sub/same.csv" in copied
    assert not any(b"SECRET" in p.read_bytes() for p in (tmp_path / "pack").rglob("*") if p.is_file())
    for name in ("factors.csv", "sub/leak.csv", "up"):
        assert f"{name}::: outside-inventory" in res.output


def test_report_yaml_linked_from_outside_is_not_read(tmp_path: Path) -> None:
    import os

    inv = demo_copy(tmp_path)
    (inv / "report.yaml").rename(tmp_path / "elsewhere.yaml")
    os.symlink(tmp_path / "elsewhere.yaml", inv / "report.yaml")
    loaded, issues = load_inventory(inv)
    assert "outside-inventory" in codes(issues) and loaded.settings.entity.name_zh == ""
    res = invoke("compute", inv, "--out", tmp_path / "out", "--force")
    assert res.exit_code == 1 and "force-blocked" in res.output


HOSTILE_DIR = ROOT / "fixtures" / "hostile"


@pytest.mark.parametrize("case", ["facilities-missing", "facilities-empty"])
def test_report_force_without_facilities_stops_with_an_issue_and_writes_nothing(tmp_path: Path, case: str) -> None:
    res = invoke("report", HOSTILE_DIR / case, "--out", tmp_path / "pack", "--force", "--lang", "en")
    assert res.exit_code == 1 and "force-blocked" in res.output and "facilities" in res.output, res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["dataset-folder-outside", "dataset-folder-absolute", "dataset-folder-long-name"])
def test_dataset_folders_are_refused_alike_by_check_compute_and_report(tmp_path: Path, case: str) -> None:
    inv = tmp_path / "inv"
    shutil.copytree(HOSTILE_DIR / case, inv)
    (tmp_path / "shared-factors").mkdir()     # it exists, beside the inventory: still outside it
    lines = {}
    for cmd, extra in (("check", []), ("compute", ["--out", tmp_path / "c", "--force"]),
                       ("report", ["--out", tmp_path / "r", "--force"])):
        res = invoke(cmd, inv, "--lang", "en", *extra)
        assert res.exit_code == 1, (cmd, res.output)
        lines[cmd] = sorted({ln for ln in res.output.splitlines() if "dataset-folder" in ln})
        assert lines[cmd], (cmd, res.output)
    assert lines["check"] == lines["compute"] == lines["report"]
    # the pack holds the shipped datasets only: nothing was looked up under the pack's own copy
    shipped = sorted(p.name for p in (ROOT / "disclosure" / "factors" / "datasets").glob("*.yaml"))
    assert sorted(p.name for p in (tmp_path / "r" / "factors").iterdir()) == shipped


def test_dataset_folder_inside_the_inventory_is_read_and_copied(tmp_path: Path) -> None:
    inv = demo_copy(tmp_path)
    (inv / "my-factors").mkdir()
    src = ROOT / "disclosure" / "factors" / "datasets" / "cn-grid-2023@1.yaml"
    text = src.read_text(encoding="utf-8").replace("version: '1'", "version: '2'").replace('version: "1"', 'version: "2"')
    (inv / "my-factors" / "cn-grid-2023@2.yaml").write_text(text, encoding="utf-8")
    p = inv / "report.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("factors:\n  versions:", "factors:\n  datasets: [my-factors]\n  versions:"),
                 encoding="utf-8")
    _, issues = load_inventory(inv)
    assert "dataset-folder" not in codes(issues)
    assert invoke("report", inv, "--out", tmp_path / "pack").exit_code == 0
    assert (tmp_path / "pack" / "inputs" / "my-factors" / "cn-grid-2023@2.yaml").is_file()
    assert (tmp_path / "pack" / "factors" / "cn-grid-2023@2.yaml").is_file()
    assert invoke("verify", tmp_path / "pack").exit_code == 0


def test_unknown_table_files_name_the_nearest_table() -> None:
    _, issues = load_inventory(HOSTILE_DIR / "unknown-table-files")
    hits = {i.location.file: i for i in issues if i.code == "unknown-file"}
    assert dict(hits["factor.csv"].params)["nearest"] == "factors"
    assert "did you mean factors.csv" in hits["factor.csv"].message("en")
    assert "是否应为 factors.csv" in hits["factor.csv"].message("zh-CN")
    assert "save it as instruments.csv" in hits["instruments.txt"].message("en")


def test_empty_required_table_is_an_error() -> None:
    _, issues = load_inventory(HOSTILE_DIR / "facilities-empty")
    empty = [i for i in issues if i.code == "empty-table"]
    assert [(i.location.file, str(i.severity)) for i in empty] == [("facilities.csv", "error")]


# --- what reaches files other programs open --------------------------------------------------------

def test_formula_like_text_is_neutralised_in_every_csv_and_spreadsheet_of_the_pack(tmp_path: Path) -> None:
    import csv

    import openpyxl

    pack = tmp_path / "pack"
    assert invoke("report", HOSTILE_DIR / "formula-text", "--out", pack).exit_code == 0
    with open(pack / "instruments.csv", encoding="utf-8-sig", newline="") as fh:
        ids = [r["instrument_id"] for r in csv.DictReader(fh)]
    assert ids == ["'=1+2"]
    with open(pack / "trace.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["record_id"] for r in rows} >= {"'=1+2", "'@SUM(1+1)", "'+A3"}
    wb = openpyxl.load_workbook(pack / "workpapers.xlsx", read_only=True)
    texts = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    starts = {t for t in texts if t[:1] in "=+-@"}
    assert not starts & {"=1+2", "@SUM(1+1)", "+A3"}, starts
    assert {"'=1+2", "'@SUM(1+1)", "'+A3"} <= texts
    # every text cell of every CSV written: none begins like a formula
    for f in pack.rglob("*.csv"):
        if f.parent.name == "inputs":
            continue
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    try:
                        float(cell)
                        continue          # a number (-5) is a number
                    except ValueError:
                        assert cell[:1] not in "=+-@\t\r" or cell == "", (f.name, cell)


def test_control_characters_never_reach_the_xml_of_the_pack(tmp_path: Path) -> None:
    """The control-characters fixture forced through report: the names refused at input, the
    rejected line's text (in the trace) escaped in the workpapers, every XML part well-formed."""
    import zipfile

    from lxml import etree

    pack = tmp_path / "pack"
    res = invoke("report", HOSTILE_DIR / "control-characters", "--out", pack, "--force", "--lang", "en")
    assert res.exit_code == 1 and "failed" not in res.output.lower()
    xml_files = [p for p in pack.rglob("*") if p.suffix in (".xbrl", ".xhtml")]
    assert xml_files
    for p in xml_files:
        etree.parse(str(p))
    for p in [*pack.glob("*.docx"), pack / "workpapers.xlsx"]:
        with zipfile.ZipFile(p) as z:
            for name in z.namelist():
                if name.endswith(".xml"):
                    data = z.read(name)
                    etree.fromstring(data)
                    assert not any(b in data for b in (b"\x01", b"\x02", b"\x0c", b"\x1b"))


# --- output folders are never lost ----------------------------------------------------------------

SMALL = HOSTILE_DIR / "period-datetime"      # a small valid inventory: a report in a few seconds


def _digest(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (hidden ones too) with its content's sha256."""
    import hashlib

    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def test_report_refuses_a_folder_with_a_users_file_and_leaves_it_byte_identical(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "thesis.docx").write_bytes(b"PK\x03\x04 my thesis, three years of work")
    (user / "results.json").write_text("{}", encoding="utf-8")          # a stray results.json
    before = _digest(tmp_path)
    for cmd in ("report", "compute"):
        res = invoke(cmd, SMALL, "--out", user, "--force")
        assert res.exit_code == 2, res.output
        assert "不是本工具写出的文件夹" in res.output and "未作任何改动" in res.output
    assert _digest(tmp_path) == before


def test_report_refuses_a_home_like_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("key", encoding="utf-8")
    (home / "manifest.json").write_text('{"files": {}}', encoding="utf-8")
    before = _digest(tmp_path)
    assert invoke("report", SMALL, "--out", home).exit_code == 2
    assert _digest(tmp_path) == before


def test_a_pack_with_a_file_added_is_refused_then_replaced_once_it_is_gone(tmp_path: Path) -> None:
    from disclosure.core.outdir import MARKER

    pack = tmp_path / "pack"
    assert invoke("report", SMALL, "--out", pack).exit_code == 0
    marker = json.loads((pack / MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == "report" and "manifest.json" in marker["files"]
    assert sorted(marker["files"]) == sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*")
                                             if p.is_file() and p.name != MARKER)
    (pack / "notes.txt").write_text("mine", encoding="utf-8")
    res = invoke("report", SMALL, "--out", pack)
    assert res.exit_code == 2 and "notes.txt" in res.output
    (pack / "notes.txt").unlink()
    first = _digest(pack)
    assert invoke("report", SMALL, "--out", pack).exit_code == 0
    assert _digest(pack) == first                    # replaced by the same pack, byte for byte
    assert invoke("verify", pack).exit_code == 0     # the marker is not a file added to the pack
    # compute and report replace each other's folders
    assert invoke("compute", SMALL, "--out", pack).exit_code == 0
    assert sorted(p.name for p in pack.iterdir()) == [MARKER, "instruments.csv", "results.json", "trace.csv",
                                                      "trace.parquet"]
    assert invoke("report", SMALL, "--out", pack).exit_code == 0 and _digest(pack) == first
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]       # no staging folder left beside it


def test_an_old_staging_folder_is_never_deleted(tmp_path: Path) -> None:
    old = tmp_path / ".pack.partial"          # where the staging folder used to be
    old.mkdir()
    (old / "keep.txt").write_text("someone's", encoding="utf-8")
    assert invoke("report", SMALL, "--out", tmp_path / "pack").exit_code == 0
    assert (old / "keep.txt").read_text(encoding="utf-8") == "someone's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pack.partial", "pack"]


def test_out_dot_and_out_through_a_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from disclosure.core.outdir import MARKER

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert invoke("report", SMALL, "--out", ".").exit_code == 0
    assert (here / MARKER).is_file() and (here / "manifest.json").is_file()
    assert invoke("report", SMALL, "--out", ".").exit_code == 0      # again: its own pack
    assert Path.cwd() == here and (here / "results.json").is_file()  # the folder itself stays
    monkeypatch.chdir(tmp_path)
    os.symlink(here, tmp_path / "link")
    assert invoke("report", SMALL, "--out", tmp_path / "link").exit_code == 0
    assert (tmp_path / "link").is_symlink() and (tmp_path / "link" / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here", "link"]      # no .partial left behind
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    assert invoke("report", SMALL, "--out", tmp_path / "dangling").exit_code == 2


def test_out_inside_the_inventory_is_refused(tmp_path: Path) -> None:
    inv = tmp_path / "inv"
    shutil.copytree(SMALL, inv)
    before = _digest(tmp_path)
    for cmd in ("report", "compute"):
        for out in (inv / "out", inv, inv / "a" / "b"):
            res = invoke(cmd, inv, "--out", out)
            assert res.exit_code == 2 and "位于清单文件夹" in res.output, (cmd, out, res.output)
    assert _digest(tmp_path) == before


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_staging_is_removed_on_an_interruption_and_the_earlier_pack_kept(tmp_path: Path, exc: type,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from disclosure import pipeline

    pack = tmp_path / "pack"
    assert pipeline.run_report(SMALL, pack).exit_code == 0
    before = _digest(tmp_path)

    def interrupted(*args, **kw):
        raise exc("stopped half-way")

    monkeypatch.setattr(pipeline.workpapers, "write_workpapers", interrupted)
    with pytest.raises(exc):
        pipeline.run_report(SMALL, pack)
    assert _digest(tmp_path) == before          # the earlier pack as it was, no staging folder left


def test_a_stage_failing_while_the_workpapers_wait_for_the_issues_stops_them_too(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The workpapers are written on a thread during XBRL and Word, their last sheets waiting for
    the run's issues: an XBRL stage that fails instead stops that thread too (the run raises, it
    does not hang), and the earlier pack is kept."""
    from disclosure import pipeline
    from disclosure.export import xbrl

    pack = tmp_path / "pack"
    assert pipeline.run_report(SMALL, pack).exit_code == 0
    before = _digest(tmp_path)

    def broken(*args, **kw):
        raise RuntimeError("the XBRL stage broke")

    monkeypatch.setattr(xbrl, "export_xbrl", broken)
    _raises_without_hanging(pack, "the XBRL stage broke")
    assert _digest(tmp_path) == before


def test_writing_the_computation_failing_while_the_workpapers_are_written_stops_them_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workpapers begin as soon as the computation is checked, before its files are written:
    writing those failing stops the workpapers' thread too, and the earlier pack is kept."""
    from disclosure import pipeline

    pack = tmp_path / "pack"
    assert pipeline.run_report(SMALL, pack).exit_code == 0
    before = _digest(tmp_path)
    begun: list[bool] = []
    real = pipeline._Workpapers.__init__

    def watched(self, *args, **kw):
        real(self, *args, **kw)
        begun.append(True)

    def broken(*args, **kw):
        assert begun, "the workpapers begin before the computation's files are written"
        raise OSError("the disk is full")

    monkeypatch.setattr(pipeline._Workpapers, "__init__", watched)
    monkeypatch.setattr(pipeline.inprocess, "write_outputs", broken)
    _raises_without_hanging(pack, "the disk is full")
    assert _digest(tmp_path) == before


def _raises_without_hanging(pack: Path, message: str) -> None:
    import threading

    from disclosure import pipeline

    raised: list[BaseException] = []

    def run() -> None:
        try:
            pipeline.run_report(SMALL, pack)
        except BaseException as e:   # what the run raised is the point
            raised.append(e)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the report hung"
    assert [str(e) for e in raised] == [message]


def test_the_out_refusal_is_said_in_the_runs_one_language(tmp_path: Path) -> None:
    """The reason --out is refused reads in the run's language, in report and compute alike (the
    marker's file name and the paths aside)."""
    user = tmp_path / "user"
    user.mkdir()
    (user / "a.txt").write_text("mine", encoding="utf-8")
    for cmd in ("report", "compute"):
        zh = invoke(cmd, SMALL, "--out", user)
        assert zh.exit_code == 2 and "不是本工具写出的文件夹（没有 .disclosure-output.json）；未作任何改动" in zh.output
        words = re.sub(r"\.disclosure-output\.json|--out|disclosure (report|compute)", "", zh.output.replace(str(user), ""))
        assert not re.search(r"[A-Za-z]{3,}", words), zh.output
        en = invoke(cmd, SMALL, "--out", user, "--lang", "en")
        assert en.exit_code == 2 and "(it holds no .disclosure-output.json); nothing was touched" in en.output
        assert not re.search(r"[\u3400-\u9fff]", en.output), en.output
    many = tmp_path / "many"
    many.mkdir()
    (many / ".disclosure-output.json").write_text('{"schema": "disclosure.output/1", "kind": "compute", "files": []}',
                                                  encoding="utf-8")
    for k in range(7):
        (many / f"f{k}.txt").write_text("x", encoding="utf-8")
    zh = invoke("compute", SMALL, "--out", many)
    assert zh.exit_code == 2 and "（f0.txt、f1.txt、f2.txt、f3.txt、f4.txt 等另 2 个）" in zh.output, zh.output
