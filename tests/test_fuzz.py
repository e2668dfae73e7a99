"""Property-based tests (issue 13): generated inventories through the readers, the settings model and
the calculation. Small tables are written to a temporary folder as CSV, XLSX or Parquet, their cells
drawn from values of the right kind and of every wrong kind a spreadsheet or an ERP export holds
(hostile strings, huge and odd numbers, odd dates, random units and sources). Whatever is drawn:

- nothing raises (no exit 3) and every issue is a catalogued code rendering in both languages;
- every row read is accepted or rejected, and every row written with content is read (nothing lost);
- every number read, and every number of results.json, is finite; the issues' JSON is strict JSON;
- results.json parses against its definition, and the trace has one line per activity row read
  plus the lines derived from them;
- the command line (``check --format json``, ``compute --force``) exits 0, 1 or 2 with strict JSON;
- the chunked engine reports what the in-process engine reports and gives the same results.

The suite runs a derandomised profile (``ci``: the same cases every run, no example database, no
deadline): 305 cases (40 inventories through the loader, 10 through the command line, 150 settings,
60 report.yaml texts, 25 calculations, 20 inventories through both engines), about 2 min 5 s on two
cores shared with other work.
The cases depend on each test's source (hypothesis seeds a derandomised run from the test's code), so
they change when a test is edited. ``DISCLOSURE_FUZZ=explore`` draws ten times as many cases, at
random, to hunt for new failures.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from disclosure.core.issues import Severity, catalogue, render_json
from disclosure.ingest.contract import SOURCES, TABLES, Kind

_common = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                      HealthCheck.filter_too_much])
settings.register_profile("ci", derandomize=True, print_blob=True, **_common)
settings.register_profile("explore", derandomize=False, **_common)
PROFILE = os.environ.get("DISCLOSURE_FUZZ", "ci")
SCALE = 10 if PROFILE == "explore" else 1


def fuzz(examples: int) -> Any:
    return settings(settings.get_profile(PROFILE), max_examples=examples * SCALE)


# --- the cells ---------------------------------------------------------------------------------------

HOSTILE = [
    "", " ", "inf", "-inf", "Infinity", "nan", "NaN", "1e309", "-1e309", "１e３０９", "1e-320", "-0", "0",
    "9" * 40, "0x1F", "1_000", "1,234.5", "12%", "150%", "-5", "=1+2", "@SUM(A1)", "+86", "-2+3", "\t=x",
    "\x00", "\x01", "a\x0bb", "\x1b[31m", "\u2028", "\u2029", "\ufeff", "\ufffe", "\u202e右到左", "😀", "null",
    "None", "N/A", "—", "是", "否", "yes", "TRUE", "2025-13-45", "1600-01-01", "9999-12-31", "0000-00-00",
    "2025年1月31日", "20250101", "45000", "99999", "2025-01-01T08:00:00+08:00", "x" * 2000, '"', "a,b",
    "a\nb", "a\r\nb", "'", "\\", "Ⅻ", "统一社会信用代码", "类别3", "C16", "3.5", "t", "吨", "MWh", "万元",
]
IDS = ["E1", "E2", "E3", "F1", "F2", "F3", "A1", "A2", "X"]
UNITS = ["t", "kg", "MWh", "kWh", "万kWh", "GJ", "TJ", "m3", "万Nm3", "L", "万元", "CNY", "USD", "km", "tkm",
         "pkm", "张", "x", "", "吨", "千瓦时", "m2"]
ACTIVITIES = ["原煤", "天然气", "柴油", "汽油", "电网电力", "电力", "热力", "蒸汽", "石灰石", "R410A", "HFC-134a",
              "SF6", "钢材", "办公及专业服务", "外购冷量", "unknown stuff"]
DATES = ["2025-01-01", "2025-12-31", "2025/6/30", "2025-03-31", "2024-12-31", "2026-01-01", "2025年7月1日",
         "20250701", "45658"]
PROVINCES = ["北京", "上海市", "广东", "44", "440300", "内蒙古", "台湾", "Atlantis", "", "11"]


def _right(kind: Kind, name: str, enum: str | None) -> st.SearchStrategy[str]:
    """Values of a column's own kind, as users write them."""
    from disclosure.ingest.contract import ENUMS

    if name in ("facility_id", "entity_id", "parent_id", "record_id", "instrument_id", "factor_id"):
        return st.sampled_from(IDS)
    if kind in (Kind.NUMBER, Kind.AMOUNT):
        return st.one_of(st.integers(0, 10**7).map(str), st.floats(0, 1e7, allow_nan=False).map(repr),
                         st.sampled_from(["1,234.5", "１２３", "0", "0.5"]))
    if kind is Kind.FRACTION:
        return st.sampled_from(["1", "100%", "60", "0.3", "50%", "0"])
    if kind is Kind.DATE:
        return st.sampled_from(DATES)
    if kind is Kind.BOOL:
        return st.sampled_from(["是", "否", "yes", "no", "1", "0", "TRUE"])
    if kind is Kind.ENUM:
        e = ENUMS[enum or ""]
        return st.sampled_from([*e.values, *list(e.aliases)[:5]])
    if kind is Kind.CATEGORY:
        return st.sampled_from(["1", "3", "6", "15", "C4", ""])
    if kind is Kind.UNIT:
        return st.sampled_from(UNITS)
    if name == "province":
        return st.sampled_from(PROVINCES)
    if name == "activity":
        return st.sampled_from(ACTIVITIES)
    return st.text(min_size=0, max_size=12)


@cache
def cell(kind: Kind, name: str, enum: str | None) -> st.SearchStrategy[str]:
    """A cell: of its kind four times in five, else anything at all (each strategy built once)."""
    wrong = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20),
                      st.floats(allow_nan=True, allow_infinity=True).map(repr),
                      st.integers(-(10**40), 10**40).map(str))
    return st.one_of(_right(kind, name, enum), _right(kind, name, enum), _right(kind, name, enum),
                     _right(kind, name, enum), wrong)


@st.composite
def table(draw: Any, name: str, max_rows: int = 6) -> tuple[list[str], list[list[str]]]:
    """A header (the contract's columns, in any order, Chinese or English, one sometimes missing,
    an unknown one sometimes added) and rows of cells."""
    spec = TABLES[name]
    cols = list(spec.columns)
    if draw(st.booleans()):
        cols = draw(st.permutations(cols))
    if draw(st.integers(0, 9)) == 0 and cols:
        cols.pop(draw(st.integers(0, len(cols) - 1)))
    header = [c.zh[0] if draw(st.integers(0, 4)) == 0 else c.name for c in cols]
    kinds = [(c.kind, c.name, c.enum) for c in cols]
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from(["备注", "notes", "", "quantity", "=x"])))
        kinds.append((Kind.TEXT, "notes", None))
    rows = draw(st.lists(st.tuples(*[cell(*k) for k in kinds]).map(list), min_size=0, max_size=max_rows))
    return header, rows


# --- writing the inventory ------------------------------------------------------------------------------

def write_table(folder: Path, name: str, header: list[str], rows: list[list[str]], fmt: str) -> tuple[str, int]:
    """The table as ``fmt`` (csv, gb18030, xlsx, parquet); returns its file name and the rows that
    a reader must read (a spreadsheet's rows of nothing at all are not data)."""
    content = [r for r in rows if fmt == "parquet" or any(c != "" for c in r)]
    if fmt in ("csv", "gb18030"):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")   # a cell holding \r or \n is then quoted, as Excel writes it
        w.writerow(header)
        w.writerows(rows)
        text = buf.getvalue()
        data = text.encode("gb18030" if fmt == "gb18030" else "utf-8", errors="replace")
        (folder / f"{name}.csv").write_bytes(data)
        return f"{name}.csv", len(content)
    if fmt == "xlsx":
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(folder / f"{name}.xlsx"), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                                 "strings_to_urls": False})
        ws = wb.add_worksheet(name)
        for r, row in enumerate([header, *rows]):
            for c, v in enumerate(row):
                ws.write_string(r, c, v)
        wb.close()
        return f"{name}.xlsx", len(content)
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {}
    for j, h in enumerate(header):
        values = [r[j] for r in rows]
        cols[h if h not in cols else f"{h}_{j}"] = pa.array(values, pa.string())
    pq.write_table(pa.table(cols) if cols else pa.table({"x": pa.array([], pa.string())}), folder / f"{name}.parquet")
    return f"{name}.parquet", len(rows)


REPORT = {
    "entity": {"name_zh": "样例集团", "identifier": "91110000710938466P"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}


def write_report(folder: Path, report: Any) -> None:
    import yaml

    text = report if isinstance(report, str) else yaml.safe_dump(report, allow_unicode=True)
    (folder / "report.yaml").write_text(text, encoding="utf-8")


# --- the checks every run must pass -------------------------------------------------------------------

def _strict(text: str) -> Any:
    def bad(c: str) -> Any:
        raise AssertionError(f"{c} in JSON")
    return json.loads(text, parse_constant=bad)


def check_issues(issues: list[Any]) -> None:
    for i in issues:
        assert i.code in catalogue()
        assert i.message("zh-CN") and i.message("en")
    _strict(render_json(issues, "en"))


def check_finite_frame(frame: Any) -> None:
    import numpy as np
    import pandas as pd

    for c in frame.columns:
        if pd.api.types.is_float_dtype(frame[c].dtype):
            a = frame[c].to_numpy(dtype="float64", na_value=np.nan)
            assert not np.isinf(a).any(), c


def finite_numbers(v: Any, path: str = "") -> None:
    if isinstance(v, float):
        assert math.isfinite(v), path
    elif isinstance(v, dict):
        for k, x in v.items():
            finite_numbers(x, f"{path}.{k}")
    elif isinstance(v, list):
        for n, x in enumerate(v):
            finite_numbers(x, f"{path}[{n}]")


def check_loaded(inv: Any, issues: list[Any], written: dict[str, tuple[str, int]]) -> None:
    """Every row read is accepted or rejected; every row written with content is read, unless the
    table was refused whole (an error at its file says so)."""
    check_issues(issues)
    for name, (file, n) in written.items():
        t = inv.tables.get(name)
        if t is None:
            assert any(i.location.file == file and i.severity is Severity.ERROR for i in issues), (name, file)
            continue
        c = inv.counts[name]
        assert c.read == c.accepted + c.rejected
        assert c.read == n, (name, file, c.read, n)
        check_finite_frame(t.frame)


FORMATS = st.sampled_from(["csv", "csv", "gb18030", "xlsx", "parquet"])


@fuzz(40)
@given(tables=st.fixed_dictionaries({n: table(n) for n in TABLES}), fmts=st.fixed_dictionaries({n: FORMATS for n in TABLES}),
       drop=st.sets(st.sampled_from(list(TABLES)), max_size=2))
def test_fuzz_readers_and_the_loader(tables: dict[str, Any], fmts: dict[str, str], drop: set[str]) -> None:
    from disclosure.loader import load_inventory

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_report(folder, REPORT)
        written = {name: write_table(folder, name, *tables[name], fmts[name]) for name in TABLES if name not in drop}
        inv, issues = load_inventory(folder)
        check_loaded(inv, issues, written)


@fuzz(10)
@given(tables=st.fixed_dictionaries({n: table(n, max_rows=4) for n in TABLES}),
       fmts=st.fixed_dictionaries({n: FORMATS for n in TABLES}), report=st.sampled_from(["good", "drawn"]),
       data=st.data())
def test_fuzz_the_command_line(tables: dict[str, Any], fmts: dict[str, str], report: str, data: Any) -> None:
    """``check --format json`` and ``compute --force`` on a drawn inventory: exit 0, 1 or 2 (never
    3, never an exception), strict JSON on stdout, and results.json strict JSON when written."""
    from typer.testing import CliRunner

    from disclosure.cli import app

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inv"
        folder.mkdir()
        write_report(folder, REPORT if report == "good" else {**REPORT, **data.draw(report_data())})
        for name in TABLES:
            write_table(folder, name, *tables[name], fmts[name])
        res = runner.invoke(app, ["check", str(folder), "--format", "json", "--lang", "en"])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        assert res.exit_code in (0, 1, 2)
        doc = _strict(res.stdout)
        assert all(i["code"] in catalogue() for i in doc["issues"])
        out = Path(tmp) / "out"
        res = runner.invoke(app, ["compute", str(folder), "--out", str(out), "--force"])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        assert res.exit_code in (0, 1, 2)
        event(f"compute --force exits {res.exit_code}")
        if (out / "results.json").is_file():
            finite_numbers(_strict((out / "results.json").read_text(encoding="utf-8")))


# --- the settings model ---------------------------------------------------------------------------------

def _setting_value() -> st.SearchStrategy[Any]:
    import datetime as dt

    scalars = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=10), st.integers(-(10**30), 10**30),
                        st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                        st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30)))
    keys = st.one_of(st.sampled_from(["USD", "EUR", "cny", "2020", "8", "x", "", "cn-grid-2023"]), st.integers(0, 3000))
    return st.one_of(scalars, scalars, st.lists(scalars, max_size=3), st.dictionaries(keys, scalars, max_size=3),
                     st.dictionaries(keys, st.lists(scalars, max_size=2), max_size=2))


SETTING_VALUE = _setting_value()   # built once: a strategy is costly to build, cheap to draw from


@st.composite
def report_data(draw: Any) -> dict[str, Any]:
    """report.yaml as data: each setting absent, right or anything; unknown keys sometimes."""
    from disclosure.core.settings import catalogue as settings_catalogue

    data: dict[str, Any] = {}
    for s in settings_catalogue():
        choice = draw(st.integers(0, 3))
        if choice == 0:
            continue
        value = s.default if choice == 1 else draw(SETTING_VALUE)
        if s.path in ("period.start", "period.end", "entity.name_zh", "entity.identifier") and choice == 1:
            head, _, key = s.path.partition(".")
            value = REPORT[head][key]
        cur = data
        *parents, last = s.path.split(".")
        for part in parents:
            if not isinstance(cur.get(part), dict):
                cur[part] = {}
            cur = cur[part]
        cur[last] = value
    if draw(st.booleans()):
        data[draw(st.sampled_from(["reporting_year", "options", "factors", "zz"]))] = draw(SETTING_VALUE)
    return data


def _check_settings(settings_: Any) -> None:
    """Every value of the model is of its declared type, every number finite."""
    from disclosure.core.settings import catalogue as settings_catalogue

    for s in settings_catalogue():
        v: Any = settings_
        for part in s.path.split("."):
            v = getattr(v, part)
        finite_numbers(v if not isinstance(v, dict) else dict(v), s.path)
        if s.kind in ("amount", "positive", "share") and v is not None:
            assert isinstance(v, float) and math.isfinite(v), (s.path, v)
        if s.kind in ("text", "choice", "currency") and v is not None:
            assert isinstance(v, str), (s.path, v)
        if s.kind == "mapping":
            assert isinstance(v, dict), (s.path, v)
            finite_numbers(list(v.values()), s.path)


@fuzz(150)
@given(data=report_data())
def test_fuzz_the_settings_model(data: dict[str, Any]) -> None:
    from disclosure.core.issues import Location
    from disclosure.core.settings import read_settings

    s, issues = read_settings(data, lambda p: Location("report.yaml", None, None, p))
    check_issues(issues)
    _check_settings(s)


YAML_SNIPPETS = ["zz: &a [*a]", "zz: " + "[" * 200 + "]" * 200, "!!python/object:os.system x", "a: !!binary AAAA",
                 "a: &x 1\nb: *y", "? [1]\n: 2", "a: {b: 1, b: 2}", "%YAML 9.9\n---\na: 1", "a: 1\n---\nb: 2",
                 "\t- x", "a: b: c", "\x00", "a: '\\x01'", 'a: "\\x01"', "a: .inf", "period: 2025", "options: x"]


@fuzz(60)
@given(data=report_data(), snippet=st.sampled_from(YAML_SNIPPETS), where=st.sampled_from(["end", "start", "alone"]))
def test_fuzz_report_yaml_text(data: dict[str, Any], snippet: str, where: str) -> None:
    import yaml

    from disclosure.ingest.report import load_report

    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        text = ""
    text = {"end": text + "\n" + snippet + "\n", "start": snippet + "\n" + text, "alone": snippet}[where]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "report.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        s, issues = load_report(Path(tmp) / "report.yaml")
    check_issues(issues)
    _check_settings(s)


# --- the calculation ------------------------------------------------------------------------------------

ENTITIES = [["E1", "样例母公司", "", "100%", "是", "是", "是"], ["E2", "样例子公司", "E1", "60%", "是", "是", "是"],
            ["E3", "样例联营", "E1", "30%", "否", "否", "否"]]


def _often(right: list[Any], wrong: list[Any]) -> st.SearchStrategy[Any]:
    """A value of ``right`` three times in four, else one of ``wrong``."""
    return st.one_of(st.sampled_from(right), st.sampled_from(right), st.sampled_from(right), st.sampled_from(wrong))


# rows the calculation knows, one per kind of source (a drawn row starts from one and is then bent)
KNOWN_ROWS = [
    {"source": "stationary_combustion", "activity": "原煤", "quantity": "1200", "unit": "t"},
    {"source": "mobile_combustion", "activity": "柴油", "quantity": "35", "unit": "t"},
    {"source": "stationary_combustion", "activity": "天然气", "quantity": "12", "unit": "万Nm3"},
    {"source": "purchased_electricity", "activity": "电网电力", "quantity": "3500", "unit": "MWh"},
    {"source": "purchased_heat", "activity": "热力", "quantity": "900", "unit": "GJ"},
    {"source": "fugitive", "activity": "R410A", "quantity": "12", "unit": "kg", "gas": "R410A"},
    {"source": "process", "activity": "石灰石", "quantity": "5000", "unit": "t"},
    {"source": "scope3", "activity": "钢材", "quantity": "400", "unit": "t", "scope3_category": "1",
     "ef_value": "1.9", "ef_unit": "tCO2e/t", "ef_source": "示例", "method": "average_data"},
    {"source": "scope3", "activity": "办公及专业服务", "quantity": "120", "unit": "万元", "scope3_category": "1",
     "ef_value": "0.35", "ef_unit": "tCO2e/万元", "ef_source": "示例", "method": "spend_based"},
    {"source": "scope3", "activity": "差旅", "quantity": "20000", "unit": "USD", "scope3_category": "6",
     "ef_value": "0.2", "ef_unit": "tCO2e/万元", "ef_source": "示例", "method": "spend_based"},
]
NUMBERS = ["1e18", "1e300", "1e-300", "0", "5e15", "inf", "-1", "1,000", "１e３０９", "0.000001", "1e308"]


@st.composite
def calc_inventory(draw: Any) -> dict[str, Any]:
    """Inventories that mostly load, so that the calculation runs: three entities; facilities and
    activity rows that are right three times in four, with huge, tiny and wrong numbers, dates,
    units, sources and factors among them; settings with extreme rates, index values and revenue."""
    n_fac = draw(st.integers(1, 3))
    # F1 is always a good facility of the parent, so that most inventories reach the calculation
    facilities = [["F1", "E1", "一号厂", "北京", "", ""]] + [
        [f"F{k}", draw(_often(["E1", "E2", "E3"], ["E9"])), draw(_often(["一号厂", "二号厂"], ["=x", "厂\x01"])),
         draw(_often(["北京", "上海市", "广东", "44", "440300", "内蒙古"], ["台湾", "Atlantis", ""])), "",
         draw(_often(["", "cn-fuel-gbt32150", "cn-fuel-mee-guidelines"], ["nope"]))] for k in range(2, n_fac + 1)]
    rows = []
    for k in range(draw(st.integers(0, 7))):
        row = dict(draw(st.sampled_from(KNOWN_ROWS)))
        row.update(record_id=f"A{k}", facility_id=draw(_often([f"F{j}" for j in range(1, n_fac + 1)], ["F9"])),
                   period_start=draw(_often(["2025-01-01", "2025-04-01"], ["1600-01-01", "2024-06-01", "x"])),
                   period_end=draw(_often(["2025-12-31", "2025-06-30"], ["9999-12-31", "2026-03-31"])),
                   quantity=draw(st.one_of(st.sampled_from([row["quantity"], "1,000", "0.5"]), st.sampled_from(NUMBERS))))
        for col, values in (("unit", UNITS), ("source", [*SOURCES, "nonsense"]), ("activity", ACTIVITIES),
                            ("scope3_category", ["", "3", "4", "15", "16"]), ("ncv", ["20", "1e300", "inf", "0"]),
                            ("ncv_unit", ["GJ/t", "MJ/kg", "kJ"]), ("ef_value", ["1e300", "0", "1e-300", "5e15"]),
                            ("ef_unit", ["kgCO2/kWh", "tCO2e/tkm", "x"]), ("gas", ["CH4", "SF6", "CO2e", "xx"]),
                            ("method", ["distance_based", "supplier_specific", "hybrid"])):
            if draw(st.integers(0, 7)) == 0:
                row[col] = draw(st.sampled_from(values))
        rows.append(row)
    # the first row is of a known kind at the good facility F1, in the period, with a finite
    # quantity of any size: the calculation runs on it (or excludes it as beyond the floats)
    first = dict(draw(st.sampled_from(KNOWN_ROWS)))
    first.update(record_id="A-first", facility_id="F1", period_start="2025-01-01", period_end="2025-12-31",
                 quantity=draw(st.sampled_from([first["quantity"], "1e18", "1e300", "1e308", "1e-300", "0"])))
    rows.insert(0, first)
    instruments = draw(st.lists(st.tuples(st.sampled_from(["I1", "I2"]), st.sampled_from(["gec", "ppa", "green_power"]),
                                          st.sampled_from(["F1", "F2"]), _often(["500", "20"], NUMBERS),
                                          st.sampled_from(["MWh", "张", "kWh"]), st.just("2025-01-01"),
                                          st.just("2025-12-31"), st.sampled_from(["", "0", "0.3"]), st.just("是")
                                          ).map(list), max_size=2, unique_by=lambda r: r[0]))
    report = {**REPORT, "consolidation": draw(st.sampled_from(["operational_control", "financial_control",
                                                               "equity_share"])),
              "gwp": draw(st.sampled_from(["AR4", "AR5", "AR6"])),
              "grid_factor_level": draw(st.sampled_from(["province", "region", "national"])),
              "revenue": {"value": draw(st.sampled_from([0, 1e-300, 1.0, 5e9, 1e300])), "unit": "CNY"},
              "output": {"value": draw(st.sampled_from([0, 1e-300, 3.0, 1e300])), "unit": "t"},
              "options": {"currency_rates": {"USD": draw(st.sampled_from([7.1, 1e-300, 1e300]))},
                          "price_index": {2020: draw(st.sampled_from([100, 1e-300, 1e300])), 2025: 110},
                          "category15_investees": draw(st.booleans())}}
    return {"facilities": facilities, "activities": rows, "instruments": instruments, "report": report}


@pytest.fixture(scope="module")
def library() -> Any:
    from disclosure.factors import load_library

    lib, issues = load_library()
    assert not issues
    return lib


@fuzz(25)
@given(case=calc_inventory())
def test_fuzz_the_calculation(case: dict[str, Any], library: Any) -> None:
    import pandas as pd

    from disclosure.compute import results as results_file
    from disclosure.compute import trace as trace_file
    from disclosure.engines.inprocess import compute
    from disclosure.loader import inventory_blockers, load_inventory

    cols = [c.name for c in TABLES["activities"].columns]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_report(folder, case["report"])
        write_table(folder, "entities", [c.name for c in TABLES["entities"].columns], ENTITIES, "csv")
        write_table(folder, "facilities", [c.name for c in TABLES["facilities"].columns], case["facilities"], "csv")
        acts = [[r.get(c, "") for c in cols] for r in case["activities"]]
        _, n_acts = write_table(folder, "activities", cols, acts, "csv")
        if case["instruments"]:
            write_table(folder, "instruments", [c.name for c in TABLES["instruments"].columns], case["instruments"], "csv")
        inv, issues = load_inventory(folder)
        check_issues(issues)
        assert all(c.read == c.accepted + c.rejected for c in inv.counts.values())
        blockers = inventory_blockers(inv)   # what --force cannot pass: the run stops there, with issues
        if blockers:
            event(f"stopped before the calculation: {blockers[0].message('en').split(' nothing')[0]}")
            return
        comp = compute(inv, library)     # as --force computes: without the rejected rows
        check_issues(comp.issues)
        res = comp.results
        finite_numbers(res)
        out = folder / "out"
        out.mkdir()
        results_file.write_results(res, out / results_file.FILE)
        _strict((out / results_file.FILE).read_text(encoding="utf-8"))
        assert results_file.read_results(out / results_file.FILE) == json.loads((out / results_file.FILE).read_text())
        t = comp.trace
        for status in sorted(set(t["status"])):
            event(f"a line {status}")
        for reason in sorted(set(t["reason"].dropna())):
            event(f"a line excluded: {reason}")
        derived = int(t["derived_from"].notna().sum())
        read = inv.counts["activities"].read if "activities" in inv.counts else 0
        assert read == n_acts
        assert len(t) == read + derived
        assert pd.Series(t.loc[t["derived_from"].isna(), "row"]).is_unique
        check_finite_frame(t)
        trace_file.write(t, out)
        assert len(trace_file.read_trace(out)) == len(t)


@fuzz(20)
@given(acts=table("activities", max_rows=8), fmt=st.sampled_from(["csv", "gb18030", "parquet", "xlsx"]),
       chunk_rows=st.integers(1, 4))
def test_fuzz_the_chunked_engine_against_the_in_process_one(acts: tuple[list[str], list[list[str]]], fmt: str,
                                                            chunk_rows: int) -> None:
    """Drawn activities in the demo group, a few rows a chunk: the chunked engine reports the issues
    the in-process engine reports, at the same places, stops where ``--force`` stops, and otherwise
    gives the same results. (It found a first chunk of blank record ids crashing the chunked
    engine's duplicate check.)"""
    import shutil

    from test_engines import DEMO, places, same

    from disclosure.engines.chunked import compute_chunked
    from disclosure.engines.inprocess import compute
    from disclosure.loader import inventory_blockers, load_inventory

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "inv"
        shutil.copytree(DEMO, root)
        for p in root.glob("activities.*"):
            p.unlink()
        write_table(root, "activities", *acts, fmt)
        inv, loaded = load_inventory(root)
        errors = any(i.severity is Severity.ERROR for i in loaded)
        blocked = inventory_blockers(inv) if errors else []
        comp = None if blocked else compute(inv)
        run = compute_chunked(root, Path(tmp) / "out", chunk_rows=chunk_rows, force=True, progress=False)
        assert places(run.issues) == places(loaded + (blocked if comp is None else comp.issues))
        assert (run.results is None) == (comp is None)
        if comp is not None:
            event("both engines calculated")
            assert same(comp.results, run.results) == []

