"""The assurance pack (issue 6): byte-identical runs, ``verify`` re-performing a pack and catching
an altered XBRL number, input file or factor file, ``diff`` naming a changed factor dataset version,
the prior year with the base-year check, the workpapers' safety and size limits. Runs without the
IFRS package (Arelle is exercised in test_report.py), one pack shared by the module."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import disclosure
import disclosure.factors
import disclosure.pipeline
from disclosure.assure.diff import explain
from disclosure.assure.verify import verify
from disclosure.cli import app
from disclosure.export import manifest, workpapers, xlsx
from disclosure.export.xbrl import stem_of
from disclosure.factors import load_library
from disclosure.pipeline import run_report

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-group"
DEMO_2024 = REPO / "fixtures" / "demo-group-2024"
GRID = REPO / "disclosure" / "factors" / "datasets" / "cn-grid-2023@1.yaml"


@pytest.fixture(autouse=True)
def _no_ifrs_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCLOSURE_IFRS_PACKAGE", raising=False)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("assure")


@pytest.fixture(scope="module")
def pack(base: Path) -> Path:
    run = run_report(DEMO, base / "a")
    assert run.exit_code == 0, run.problems
    return base / "a"


def _copy(pack: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(pack, dst)
    return dst


def test_two_runs_are_byte_identical(pack: Path, base: Path) -> None:
    again = base / "again"
    run_report(DEMO, again)
    a, b = manifest.files_of(pack), manifest.files_of(again)
    assert a == b
    differ = [rel for rel in a if (pack / rel).read_bytes() != (again / rel).read_bytes()]
    assert differ == []
    assert (pack / "manifest.json").read_bytes() == (again / "manifest.json").read_bytes()
    # a re-run into an existing report folder replaces it whole, with the same bytes
    run_report(DEMO, again)
    assert (again / "manifest.json").read_bytes() == (pack / "manifest.json").read_bytes()


def test_verify_passes_on_a_fresh_pack(pack: Path) -> None:
    v = verify(pack)
    assert v.ok, [d.render() for d in v.differences]
    assert v.compared_values > 500 and v.compared_facts > 300


def test_verify_catches_a_changed_number_in_the_xbrl(pack: Path, tmp_path: Path) -> None:
    d = _copy(pack, tmp_path)
    results = json.loads((d / "results.json").read_text(encoding="utf-8"))
    inst = d / f"{stem_of(results)}.xbrl"
    text = inst.read_text(encoding="utf-8")
    text, n = re.subn(r"(AbsoluteGrossScope1GHGEmissions[^>]*>)3127772\.06<", r"\g<1>3127772.07<", text, count=1)
    assert n == 1
    inst.write_text(text, encoding="utf-8")
    v = verify(d)
    kinds = {(x.kind, x.where.split(" ")[0]) for x in v.differences}
    assert ("altered", inst.name) in kinds and ("xbrl", inst.name) in kinds
    assert any(x.kind == "xbrl" and x.found == "3127772.07" and x.expected == "3127772.06" for x in v.differences)
    res = CliRunner().invoke(app, ["verify", str(d)])
    assert res.exit_code == 1 and "3127772.07" in res.output


def test_verify_recomputes_the_trace_even_under_a_rewritten_manifest(pack: Path, tmp_path: Path) -> None:
    """An altered trace whose manifest was written again passes the hash check; the recomputation,
    compared line by line with the trace read back, names the line and the value."""
    d = _copy(pack, tmp_path)
    tr = pd.read_parquet(d / "trace.parquet")
    line = tr.index[tr["line_id"] == "F03-SC-COAL-Q4"][0]
    tr.loc[line, "co2e"] += 1.0
    tr.to_parquet(d / "trace.parquet", index=False)
    man = manifest.read(d)
    (d / manifest.MANIFEST).unlink()
    manifest.write(d, json.loads((d / "results.json").read_text(encoding="utf-8")),
                   {k: man[k] for k in ("inventory", "langs", "prior", "xbrl_validated", "force", "engine",
                                         "input_digest")})
    v = verify(d)
    assert [(x.kind, x.where) for x in v.differences] == [("trace", "trace.parquet line F03-SC-COAL-Q4 co2e")]
    assert v.differences[0].found == pytest.approx(v.differences[0].expected + 1.0)
    assert verify(pack).compared_lines == len(pd.read_parquet(pack / "trace.parquet"))


def test_report_loads_the_inventory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack's copy of the inventory, loaded for the check, is the one computed (in process); the
    chunked engine loads the small tables once and reads the activities itself."""
    import disclosure.engines.chunked
    import disclosure.engines.inprocess

    calls: list[tuple[str, tuple[str, ...]]] = []
    real = disclosure.pipeline.load_inventory

    def counting(where: str):
        def load(path, **kw):
            calls.append((where, kw.get("skip", ())))
            return real(path, **kw)
        return load

    monkeypatch.setattr(disclosure.pipeline, "load_inventory", counting("pipeline"))
    monkeypatch.setattr(disclosure.engines.inprocess, "load_inventory", counting("inprocess"))
    monkeypatch.setattr(disclosure.engines.chunked, "load_inventory", counting("chunked"))
    assert run_report(DEMO, tmp_path / "a").exit_code == 0
    assert calls == [("pipeline", ())]
    calls.clear()
    assert run_report(DEMO, tmp_path / "b", engine="chunked", chunk_rows=50).exit_code == 0
    assert calls == [("chunked", ("activities",))]


def test_verify_catches_a_changed_input_file(pack: Path, tmp_path: Path) -> None:
    d = _copy(pack, tmp_path)
    acts = d / "inputs" / "activities.csv"
    text = acts.read_text(encoding="utf-8-sig")
    assert '"88,150.0"' in text
    acts.write_text(text.replace('"88,150.0"', '"88,160.0"', 1), encoding="utf-8-sig")
    v = verify(d)
    assert any(x.kind == "altered" and x.where == "inputs/activities.csv" for x in v.differences)
    # the recomputation from the altered input disagrees with results.json and the XBRL
    # (results.json's differences are listed totals first, then the published totals; 20 at most per file)
    assert any(x.kind == "result" and x.where == "results.json published.totals.scope1" for x in v.differences)
    assert any(x.kind == "xbrl" for x in v.differences)


def test_verify_catches_a_changed_factor_file(pack: Path, tmp_path: Path) -> None:
    d = _copy(pack, tmp_path)
    f = d / "factors" / "cn-grid-2023@1.yaml"
    text = f.read_text(encoding="utf-8")
    assert "[region, 华东, average, 0.5500, tCO2/MWh]" in text
    f.write_text(text.replace("[region, 华东, average, 0.5500,", "[region, 华东, average, 0.5600,"), encoding="utf-8")
    v = verify(d)
    assert any(x.kind == "altered" and x.where == "factors/cn-grid-2023@1.yaml" for x in v.differences)
    assert any(x.kind == "factor" and "cn-grid-2023@1" in x.where for x in v.differences)
    assert any(x.kind == "result" and x.where.startswith("results.json published.totals.scope2") for x in v.differences)


def test_verify_catches_an_added_or_missing_file(pack: Path, tmp_path: Path) -> None:
    d = _copy(pack, tmp_path)
    (d / "extra.txt").write_text("x", encoding="utf-8")
    (d / "trace.csv").unlink()
    kinds = {(x.kind, x.where) for x in verify(d).differences}
    assert ("unrecorded", "extra.txt") in kinds and ("missing", "trace.csv") in kinds


def _unpinned_grid(tmp: Path) -> Path:
    inv = tmp / "inv"
    shutil.copytree(DEMO, inv)
    y = inv / "report.yaml"
    y.write_text(y.read_text(encoding="utf-8").replace('    cn-grid-2023: "1"\n', ""), encoding="utf-8")
    return inv


def test_diff_names_the_factor_dataset_when_only_its_version_changes(base: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    inv = _unpinned_grid(tmp_path)
    a = tmp_path / "run-a"
    run_report(inv, a)
    # a newer grid dataset is installed: the unpinned report takes it
    newer = tmp_path / "newer"
    newer.mkdir()
    text = GRID.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1)
    (newer / "cn-grid-2023@2.yaml").write_text(
        text.replace("[region, 华东, average, 0.5500,", "[region, 华东, average, 0.5600,"), encoding="utf-8")

    def with_newer(dirs=()):  # type: ignore[no-untyped-def]
        return load_library([*dirs, newer])

    monkeypatch.setattr(disclosure.pipeline, "load_library", with_newer)
    monkeypatch.setattr(disclosure.factors, "load_library", with_newer)
    b = tmp_path / "run-b"
    run_report(inv, b)
    lines = explain(a, b)
    assert "factor dataset cn-grid-2023: version 1 → 2" in lines
    assert not any(line.startswith(("input ", "tool")) for line in lines), lines
    # the only setting that moves is the one quoting the grid factor (category 3's upstream note)
    assert all("cn-grid-2023@" in line for line in lines if line.startswith("setting ")), lines
    assert any(line.startswith("result totals.scope2_location") for line in lines)
    # the newer dataset never changes the existing folder: it still verifies, from its own copy
    v = verify(a)
    assert v.ok, [x.render() for x in v.differences]
    res = CliRunner().invoke(app, ["diff", str(a), str(b)])
    assert res.exit_code == 1 and "cn-grid-2023: version 1 → 2" in res.output
    assert CliRunner().invoke(app, ["diff", str(a), str(a)]).exit_code == 0


def test_diff_names_the_run_settings_of_the_manifest(pack: Path, tmp_path: Path) -> None:
    """Two packs of the same inputs, one with both Word reports: diff says how they were made."""
    d = _copy(pack, tmp_path)
    man = json.loads((d / manifest.MANIFEST).read_text(encoding="utf-8"))
    man["langs"], man["force"] = ["zh-CN", "en"], True
    (d / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")
    assert explain(pack, d) == ["run langs: ['zh-CN'] → ['zh-CN', 'en']", "run force: False → True"]


def test_prior_year_and_base_year_check(base: Path) -> None:
    prior = base / "y2024"
    assert run_report(DEMO_2024, prior).exit_code == 0
    cur = base / "y2025"
    run = run_report(DEMO, cur, prior=prior)
    assert run.exit_code == 0
    r = json.loads((cur / "results.json").read_text(encoding="utf-8"))
    p = json.loads((prior / "results.json").read_text(encoding="utf-8"))
    assert r["prior"]["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert r["change"]["scope1"]["prior"] == p["totals"]["scope1"]
    assert r["change"]["scope1"]["absolute"] == pytest.approx(r["totals"]["scope1"] - p["totals"]["scope1"])
    by = r["base_year"]
    assert by["threshold"] == 0.05 and by["recalculation_required"] is True
    assert by["structural_change_share"] > 0.05
    added = [x for x in by["log"] if x["change"] == "entity_added"]
    assert [x["item"] for x in added] == ["YX-TS"]
    assert any(i.code == "base-year-recalculation" for i in run.issues)
    assert "Base year" in openpyxl.load_workbook(cur / "workpapers.xlsx", read_only=True).sheetnames
    v = verify(cur)
    assert v.ok, [x.render() for x in v.differences]
    assert (cur / "prior" / "results.json").is_file()


def _prior_year_builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_prior_year", REPO / "fixtures" / "build_prior_year.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_prior_year_fixture_is_built_deterministically(tmp_path: Path) -> None:
    _prior_year_builder().build(tmp_path / "demo-group-2024")
    for f in sorted(DEMO_2024.iterdir()):
        assert (tmp_path / "demo-group-2024" / f.name).read_bytes() == f.read_bytes(), f.name


def test_a_recalculated_base_year_as_prior_clears_the_check(tmp_path: Path) -> None:
    """The recalculation the check asks for: the prior year reported again with the acquired entity's
    base-period data (GHG Protocol Corporate Standard, ch. 5). Against it the acquisition is no
    structural change, and the comparatives include YX-TS's 2024 emissions."""
    restated = tmp_path / "demo-group-2024-restated"
    _prior_year_builder().build(restated, restated=True)
    assert run_report(restated, tmp_path / "y2024r").exit_code == 0
    assert run_report(DEMO, tmp_path / "y2025", prior=tmp_path / "y2024r").exit_code == 0
    r = json.loads((tmp_path / "y2025" / "results.json").read_text(encoding="utf-8"))
    inv, _ = disclosure.load_inventory(DEMO_2024)
    as_reported = disclosure.compute(inv).results
    by = r["base_year"]
    assert by["recalculation_required"] is False
    assert by["structural_change_scope1_2_location"] == 0 and by["structural_change_share"] == 0
    assert [x for x in by["log"] if x["change"].startswith("entity")] == []
    ts = json.loads((tmp_path / "y2024r" / "results.json").read_text(encoding="utf-8"))
    ts_2024 = next(e for e in ts["by_entity"] if e["entity_id"] == "YX-TS")
    assert ts_2024["scope1"] > 0
    # restated = as reported + the acquired entity's 2024 emissions
    assert r["prior"]["totals"]["scope1"] == pytest.approx(as_reported["totals"]["scope1"] + ts_2024["scope1"],
                                                           rel=1e-12)


def test_workpapers_neutralise_formulas_and_split_long_traces(pack: Path, tmp_path: Path) -> None:
    trace = pd.read_parquet(pack / "trace.parquet")
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    trace.loc[0, "activity"] = "=HYPERLINK(\"http://x\")"
    trace.loc[1, "activity"] = "@SUM(A1)"
    path = workpapers.write_workpapers(tmp_path / "w.xlsx", trace, results, max_rows=50)
    book = openpyxl.load_workbook(path, read_only=True)
    parts = [n for n in book.sheetnames if n.startswith("Trace")]
    # 206 lines (the 16 of the investees' equity share in category 15 among them), 50 a sheet
    assert parts == ["Trace", "Trace (2)", "Trace (3)", "Trace (4)", "Trace (5)"]
    assert sum(book[n].max_row - 1 for n in parts) == len(trace)
    col = list(trace.columns).index("activity")
    rows = list(book["Trace"].iter_rows(min_row=2, max_row=3, values_only=True))
    assert rows[0][col] == "'=HYPERLINK(\"http://x\")" and rows[1][col] == "'@SUM(A1)"
    formula = next(book["Summary"].iter_rows(min_row=2, max_row=2, values_only=True))[2]
    assert formula.count("SUMIFS(") == 5 and "'Trace (5)'!" in formula
    # the cached sums still reconcile with results.json when split
    data = openpyxl.load_workbook(path, read_only=True, data_only=True)["Summary"]
    row = next(data.iter_rows(min_row=2, max_row=2, values_only=True))
    assert row[2] == pytest.approx(results["totals"]["scope1"], rel=1e-12)


def test_workpapers_say_where_a_list_is_cut(pack: Path, tmp_path: Path) -> None:
    """The Excluded and Issues sheets hold at most a sheet's rows; beyond, the Summary says how many
    of how many are listed and where the rest are (nothing said when nothing is cut)."""
    trace = pd.read_parquet(pack / "trace.parquet")
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    entries = json.loads((pack / "issues.json").read_text(encoding="utf-8"))["issues"]
    excluded = int((trace["status"] != "included").sum())
    assert excluded > 5 and len(entries) > 5
    issues = [*entries, *entries]   # more issues than the sheet may hold here

    def summary(path: Path) -> dict[str, str]:
        rows = openpyxl.load_workbook(path, read_only=True)["Summary"].iter_rows(values_only=True)
        return {str(r[0]): str(r[1]) for r in rows if r and r[0]}

    got = summary(workpapers.write_workpapers(tmp_path / "cut.xlsx", trace, results, issues, max_rows=5))
    assert got["Excluded sheet / 排除表"] == (
        f"the first 5 of {excluded:,} rows; every line is in the Trace sheets and trace.parquet / "
        f"仅列前 5 行（共 {excluded:,} 行）；每一行均在追溯表和 trace.parquet 中")
    assert got["Issues sheet / 问题表"].startswith(f"the first 5 of {2 * len(entries):,} rows; every issue is in issues.json")
    book = openpyxl.load_workbook(tmp_path / "cut.xlsx", read_only=True)
    assert book["Excluded"].max_row == 6 and book["Issues"].max_row == 6
    whole = summary(workpapers.write_workpapers(tmp_path / "whole.xlsx", trace, results, entries))
    assert not any(k.startswith(("Excluded", "Issues")) for k in whole)


def _odd_trace(pack: Path) -> tuple[pd.DataFrame, dict]:
    trace = pd.read_parquet(pack / "trace.parquet")
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    trace.loc[0, "activity"] = "=SUM(A1:A2)"
    trace.loc[1, "activity"] = " a<b & c>\x01 _x0041_ "
    trace.loc[2, "unit"] = None
    trace.loc[3, "quantity"] = -1.2345678901234567e-300
    trace.loc[4, "quantity"] = -0.0
    trace.loc[5, "quantity"] = float("inf")
    trace["sheet"] = trace["sheet"].astype(object)
    trace.loc[6, "sheet"] = 1.5
    trace.loc[7, "sheet"] = True
    trace.at[8, "sheet"] = {"b": 1, "a": [2]}
    return trace, results


def _expected(v: object, dtype: object) -> object:
    """What a trace value reads back as from the Trace sheet."""
    if not isinstance(v, dict | list) and pd.isna(v):
        return None
    if pd.api.types.is_bool_dtype(dtype):
        v = bool(v)
    elif pd.api.types.is_numeric_dtype(dtype):
        v = float(v)
    else:
        v = xlsx.cell_value(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str):
        return v.replace("\x01", "_x0001_").replace("_x0041_", "_x005F_x0041_")
    return v


def test_workpapers_trace_cells_read_back_as_the_trace(pack: Path, tmp_path: Path) -> None:
    trace, results = _odd_trace(pack)
    path = workpapers.write_workpapers(tmp_path / "w.xlsx", trace, results)
    sheet = openpyxl.load_workbook(path, read_only=True)["Trace"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(trace.columns)
    assert len(rows) == len(trace) + 1
    cols = list(trace.columns)
    for i, (got_row, want_row) in enumerate(zip(rows[1:], trace.itertuples(index=False, name=None), strict=True)):
        for j, (got, want) in enumerate(zip(got_row, want_row, strict=True)):
            if cols[j] in ("activity", "sheet") and i == 1:
                continue  # openpyxl does not undo the _xHHHH_ escapes; checked below
            exp = _expected(want, trace.dtypes.iloc[j])
            assert (got == exp and type(got) is type(exp)) or (
                isinstance(exp, float) and isinstance(got, int) and not isinstance(got, bool) and got == exp), \
                (i, cols[j], got, exp)
    act, q, sh, unit = (cols.index(c) for c in ("activity", "quantity", "sheet", "unit"))
    assert rows[1][act] == "'=SUM(A1:A2)" and rows[3][unit] is None
    assert rows[4][q] == -1.2345678901234567e-300 and rows[6][q] is None   # every digit (shortest round trip)
    assert rows[5][q] == 0
    assert rows[7][sh] == 1.5 and rows[8][sh] is True and rows[9][sh] == '{"a": [2], "b": 1}'
    assert isinstance(rows[1][cols.index("consolidated")], bool)


def test_workpapers_sheets_as_computed(pack: Path, tmp_path: Path) -> None:
    """Every sheet of the demo's workpapers read back with openpyxl against what was computed: the
    trace's cells (values and number formats by column), each sheet's widths, frozen panes, filter
    and order; the same inputs give the same bytes."""
    trace = pd.read_parquet(pack / "trace.parquet")
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    issues = json.loads((pack / "issues.json").read_text(encoding="utf-8"))["issues"]
    path = workpapers.write_workpapers(tmp_path / "w.xlsx", trace, results, issues)
    assert path.read_bytes() == workpapers.write_workpapers(tmp_path / "again.xlsx", trace, results,
                                                            issues).read_bytes()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Trace", "Excluded", "Issues", "Settings", "Factors", "ETS",
                               *(["Base year"] if results.get("base_year") else [])]
    ws = book["Trace"]
    cols = list(trace.columns)
    for j, c in enumerate(cols, start=1):
        kind = "n" if pd.api.types.is_numeric_dtype(trace[c].dtype) else "x"
        fmt = workpapers.number_format(c) if kind == "n" and not pd.api.types.is_bool_dtype(trace[c].dtype) else None
        for i, v in enumerate(trace[c].tolist(), start=2):
            cell = ws.cell(i, j)
            assert cell.value == _expected(v, trace[c].dtype), (c, i)
            if cell.value is not None:
                assert cell.number_format == (fmt or "General"), (c, i)
    # n characters are stored as n + 5/7 of a character, in 1/256 (Calibri 11's digit is 7 px wide)
    widths = {j: d.width for d in ws.column_dimensions.values() if d.customWidth for j in range(d.min, d.max + 1)}
    assert widths == {j: workpapers.column_width(c, "n" if pd.api.types.is_numeric_dtype(trace[c].dtype) else "x")
                      + 182 / 256 for j, c in enumerate(cols, start=1)}
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(cols))}{len(trace) + 1}"
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b
    excl = book["Excluded"]
    n_excl = int((trace["status"] != "included").sum())
    assert excl.auto_filter.ref == f"A1:L{n_excl + 1}" and excl.freeze_panes == "B2" and excl.max_row == n_excl + 1
    iss = book["Issues"]
    assert iss.max_row == len(issues) + 1 and [c.value for c in iss[1]][:2] == ["code", "severity"]
    assert next(c.value for c in iss[2]) == issues[0]["code"]
    st = book["Settings"]
    assert st.freeze_panes == "A2" and st.column_dimensions["C"].width == 100 + 182 / 256
    summary = book["Summary"]
    assert summary.freeze_panes is None and summary.column_dimensions["A"].width == 44 + 182 / 256
    assert summary["B2"].value == results["totals"]["scope1"] and summary["C2"].value.startswith("=SUMIFS(")
    cached = openpyxl.load_workbook(path, data_only=True)["Summary"]
    assert cached["C2"].value == workpapers.trace_sums(trace)["scope1"]
    assert cached["D2"].value == results["totals"]["scope1"] - workpapers.trace_sums(trace)["scope1"]


def test_workpapers_of_the_in_process_trace_equal_those_of_the_trace_file(tmp_path: Path) -> None:
    """The in-process trace holds repeated text as categoricals, the trace file as plain text: the
    workpapers are the same bytes from either (the engines' packs rely on it)."""
    inv, _ = disclosure.load_inventory(DEMO)
    comp = disclosure.compute(inv)
    cats = [c for c in comp.trace.columns if isinstance(comp.trace[c].dtype, pd.CategoricalDtype)]
    assert len(cats) > 10
    plain = comp.trace.copy()
    for c in cats:
        plain[c] = plain[c].astype(object)
    workpapers.write_workpapers(tmp_path / "a.xlsx", comp.trace, comp.results)
    workpapers.write_workpapers(tmp_path / "b.xlsx", plain, comp.results)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_diff_lists_the_changed_cells_of_a_workbook_inventory(pack: Path, tmp_path: Path) -> None:
    """A workbook inventory changed in two cells and a sheet: diff names each (sheet, cell, old → new),
    not only "input changed"."""
    def with_workbook(name: str, edit: Callable[[Any], None] | None) -> Path:
        d = tmp_path / name
        shutil.copytree(pack, d)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "activities"
        ws.append(["record_id", "facility_id", "quantity", "unit"])
        ws.append(["F03-SC-COAL-Q1", "F03", 88150.0, "t"])
        ws.append(["F03-SC-COAL-Q2", "F03", 124520.0, "t"])
        if edit:
            edit(wb)
        rel = "inputs/inventory.xlsx"
        wb.save(d / rel)
        man = json.loads((d / manifest.MANIFEST).read_text(encoding="utf-8"))
        man["files"][rel] = {"sha256": manifest.sha256(d / rel), "bytes": (d / rel).stat().st_size, "role": "input"}
        (d / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")
        return d

    def edit(wb: Any) -> None:
        ws = wb["activities"]
        ws["C3"] = 125000.5
        ws["D2"] = "吨"
        wb.create_sheet("notes")["A1"] = "x"

    a, b = with_workbook("wa", None), with_workbook("wb", edit)
    assert explain(a, b) == [
        "input changed: inputs/inventory.xlsx",
        "    sheet added: notes",
        "    activities!D2: 't' → '吨'",
        "    activities!C3: 124520 → 125000.5",
    ]


def test_workpapers_are_formatted_as_an_assurer_expects(pack: Path) -> None:
    """Number formats by unit, filters, widths, frozen headers; the settings as readable rows."""
    book = openpyxl.load_workbook(pack / "workpapers.xlsx")
    ws = book["Trace"]
    head = [c.value for c in ws[1]]
    n = ws.max_row

    def fmts(col: str) -> set[str]:
        """The number formats of a column's filled cells."""
        j = head.index(col) + 1
        return {ws.cell(r, j).number_format for r in range(2, n + 1) if ws.cell(r, j).value is not None}

    # tCO2e to 2 decimals with thousands separators, on every row
    for col in ("co2e", "co2e_market", "co2e_gross", "co2e_CO2", "t_CO2", "biogenic_co2"):
        assert fmts(col) == {"#,##0.00"}, col
    assert fmts("t_CH4") == {"#,##0.000000"} and fmts("share") == {"0.00%"}
    # factors keep their significant digits (General shows the value as stored: 0.5306, not 0.53)
    assert fmts("factor_value") == {"General"} and fmts("quantity") == {"General"}
    trace = pd.read_parquet(pack / "trace.parquet")
    values = [r[head.index("factor_value")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert values == [None if pd.isna(v) else float(v) for v in trace["factor_value"]]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(head))}{n}"
    assert ws.column_dimensions["A"].width >= 10 and ws.column_dimensions[
        openpyxl.utils.get_column_letter(head.index("reason") + 1)].width >= 9
    assert book["Excluded"].auto_filter.ref and book["Excluded"].freeze_panes == "B2"
    summary = book["Summary"]
    assert summary["B2"].number_format == "#,##0.00" and summary["E2"].number_format == "#,##0.00"
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    by_status = results["lines"]["by_status"]
    assert summary.cell(summary.max_row, 2).value == ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items()))
    assert by_status["included"] > 100
    # the settings: a row a setting, label value description, no JSON in a cell
    rows = list(book["Settings"].iter_rows(values_only=True))
    assert rows[0] == ("Setting / 设置", "Value / 值", "Description / 说明")
    by = {r[0]: r[1:] for r in rows[1:]}
    assert by["gwp"][0] == "AR6" and "GWP100" in by["gwp"][1]
    assert by["factors.versions.cn-grid-2023"][0] == "1"
    assert by["options.combustion_non_co2"][0] == "yes / 是" and "CH4" in by["options.combustion_non_co2"][1]
    assert by["precedence"][0] == "row > user_factor > measured > basis > default"
    read = results["inputs"]["activities"]
    assert by["inputs.activities"][0] == f"activities.csv: {read['read']} = {read['accepted']} + {read['rejected']}"
    assert read["read"] == 135
    assert by["reporting_year"][0] == 2025
    assert not [r for r in rows if any(isinstance(v, str) and v.startswith(("{", "[")) for v in r)]
    assert all(r[2] for r in rows[1:]), [r for r in rows if not r[2]]


def test_the_trace_sums_take_the_included_lines_of_each_scope_in_their_order() -> None:
    """``workpapers.trace_sums`` (the SUMIFS' cached values): per total, the included lines of its
    scopes, a missing value as 0, lines without a status or a scope left out, whether the status is
    text or categorical; the values summed in line order as pandas sums a Series (the same float)."""
    import numpy as np

    values = [0.1, 0.2, 0.3, np.nan, 1e16, 1.0, -1e16, 5.0, 7.0]
    frame = pd.DataFrame({
        "status": pd.Series(["included", "included", "included", "included", "included", "excluded", "included",
                             None, "included"], dtype="str"),
        "scope": pd.array([1, 1, 1, 1, 1, 1, 1, 1, None], dtype="Int64"),
        "co2e": values, "co2e_market": values,
    })
    want = float(pd.Series([0.1, 0.2, 0.3, 0.0, 1e16, -1e16]).sum())   # pairwise, not left to right
    for status in (frame["status"], frame["status"].astype("category")):
        sums = workpapers.trace_sums(frame.assign(status=status))
        assert sums["scope1"] == want
        assert sums["scope2_location"] == sums["scope3"] == 0.0
        assert sums["scope1_2_3_market"] == want
