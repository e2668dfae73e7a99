"""The two file formats every engine writes and every exporter reads: the trace (compute/trace.py)
and results.json (compute/results.py), and the rules the engines share (one duplicate-id rule, one
empty-table rule, the context that is never changed)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from disclosure import (
    compute,
    load_inventory,
    read_results,
    read_trace,
    results_json,
    write_outputs,
)
from disclosure.cli import app
from disclosure.compute import calculation, results, trace
from disclosure.core.issues import Location
from disclosure.validate import rules

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-group"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    inv, _ = load_inventory(DEMO)
    comp = compute(inv)
    out = tmp_path_factory.mktemp("demo")
    write_outputs(comp, out)
    return comp, out


# --- results.json -----------------------------------------------------------------------------------

def test_results_json_round_trips_byte_for_byte(demo: tuple[Any, Path]) -> None:
    comp, out = demo
    text = (out / "results.json").read_text(encoding="utf-8")
    back = read_results(out)
    assert back == json.loads(text)
    assert results_json(back) == text            # checking never converts a value (1 stays 1, not 1.0)
    assert isinstance(back["lines"]["total"], int) and back["lines"]["total"] == len(comp.trace)


def test_results_json_cleans_numpy_and_nan(demo: tuple[Any, Path]) -> None:
    r = copy.deepcopy(demo[0].results)
    r["totals"]["scope1"] = np.float64(1.5)
    r["scope3_data_quality"]["primary_share"] = float("nan")     # a nullable figure: null
    back = json.loads(results_json(r))
    assert back["totals"]["scope1"] == 1.5 and back["scope3_data_quality"]["primary_share"] is None


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(surprise=1), "surprise: Extra inputs are not permitted"),
    (lambda r: r["totals"].update(scope1="3125428"), "totals.scope1: Input should be a valid number"),
    (lambda r: r["totals"].pop("scope3"), "totals.scope3: Field required"),
    (lambda r: r["lines"].update(total=190.0), "lines.total: Input should be a valid integer"),
    (lambda r: r["by_facility"][0].update(zone="x"), "by_facility.0.zone: Extra inputs are not permitted"),
    (lambda r: r["boundary"][0].update(role="partner"), "boundary.0.role: Input should be"),
    (lambda r: r.update(schema="disclosure.results/2"), "expected schema disclosure.results/1"),
])
def test_the_one_definition_refuses_another_structure(demo: tuple[Any, Path], tmp_path: Path, change: Any,
                                                      message: str) -> None:
    r = copy.deepcopy(demo[0].results)
    change(r)
    with pytest.raises(results.ResultsError, match=message.replace(".", r"\.")):
        results_json(r)                                      # the writer
    (tmp_path / "results.json").write_text(json.dumps(r, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        read_results(tmp_path)                               # every reader


def test_a_bad_results_json_is_an_error_not_a_crash(demo: tuple[Any, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "results.json").write_text('{"schema": "disclosure.results/1", "totals": {}}', encoding="utf-8")
    r = CliRunner().invoke(app, ["xbrl", str(bad), "--out", str(tmp_path / "x")])
    assert r.exit_code == 1 and "not the structure of disclosure.results/1" in r.output
    (bad / "results.json").write_text("{not json", encoding="utf-8")
    r = CliRunner().invoke(app, ["report", str(DEMO), "--out", str(tmp_path / "p"), "--prior", str(bad)])
    assert r.exit_code == 2 and "--prior" in r.output and "not readable as JSON" in r.output


# --- the trace ---------------------------------------------------------------------------------------

def test_every_way_of_writing_the_trace_reads_back_the_same(demo: tuple[Any, Path], tmp_path: Path) -> None:
    """One file (in process), a file of row groups (chunked) and a folder of parts (Dask): the same
    lines in the types of trace.DTYPES."""
    comp, out = demo
    tr = comp.trace
    half = len(tr) // 2
    w = trace.Writer(tmp_path, csv=True)
    w.write(tr.iloc[:half])
    w.write(tr.iloc[half:])
    w.close()
    assert pq.ParquetFile(tmp_path / "trace.parquet").num_row_groups == 2
    parts = tmp_path / "d" / trace.PARTS
    parts.mkdir(parents=True)
    trace.write_part(tr.iloc[half:], trace.part_path(parts, 1))
    trace.write_part(tr.iloc[:half], trace.part_path(parts, 0))
    one, chunked, dask = read_trace(out), read_trace(tmp_path), read_trace(tmp_path / "d")
    assert {c: str(t) for c, t in one.dtypes.items()} == {
        c: str(pd.Series([], dtype=trace.DTYPES[c]).dtype) for c in trace.COLUMNS}
    pd.testing.assert_frame_equal(chunked, one, check_exact=True)
    pd.testing.assert_frame_equal(dask, one, check_exact=True)
    pd.testing.assert_frame_equal(trace.normalise(tr), one, check_exact=True)
    # the file holds grid_fallback as text; read back, it is the in-process trace's booleans
    assert pq.read_schema(out / "trace.parquet").field("grid_fallback").type == pa.large_string()
    assert one["grid_fallback"].map(repr).tolist() == tr["grid_fallback"].map(repr).tolist()
    assert {"True", "None"} <= set(one["grid_fallback"].map(repr))   # demo: grid factors by region
    # trace.csv written a chunk at a time is the file written whole
    assert (tmp_path / "trace.csv").read_bytes() == (out / "trace.csv").read_bytes()
    # only some columns, in the trace's order
    assert list(read_trace(tmp_path / "d", ["co2e", "row"]).columns) == ["row", "co2e"]
    # text as categoricals (what the Word report groups on), from each of the three: the same values
    # (the demo's single file has text columns of nulls only: those stay text; parts of other
    # categories are concatenated as text)
    assert pq.read_schema(out / "trace.parquet").field("sheet").type == pa.null()
    for path in (out, tmp_path, tmp_path / "d"):
        cats = read_trace(path, categories=True)
        if path != tmp_path / "d":
            assert {c for c in cats if isinstance(cats[c].dtype, pd.CategoricalDtype)} >= {"source", "unit", "status"}
        text = cats.astype({c: "str" for c in cats if isinstance(cats[c].dtype, pd.CategoricalDtype)})
        pd.testing.assert_frame_equal(text, one, check_exact=True)


def test_one_schema(demo: tuple[Any, Path]) -> None:
    """The single file's schema is the declared one, but for the computed text columns no line
    filled in (null columns, as pandas wrote an object column of None)."""
    written = pq.read_schema(demo[1] / "trace.parquet")
    declared = trace.schema()
    assert written.names == declared.names == trace.COLUMNS
    null = {f.name for f in written if f.type == pa.null()}
    assert "sheet" in null                       # the demo is CSV files: no line names a sheet
    for c in null:                               # text that no line has
        assert trace.DTYPES[c] == "str" and demo[0].trace[c].isna().all(), c
    for f in written:
        assert f.type == (pa.null() if f.name in null else declared.field(f.name).type), f.name
    assert trace.schema(null).field(sorted(null)[0]).type == pa.null()


@pytest.mark.parametrize(("text", "expected"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+86 10", "'+86 10"), ("-5", "'-5"), ("@x", "'@x"), ("\tq", "'\tq"),
    ("\rq", "'\rq"), ("a=b", "a=b"), ("", ""), ("柴油", "柴油"), (" =x", " =x"),
])
def test_formula_like_text_is_neutralised_by_one_rule(text: str, expected: str) -> None:
    from disclosure.core.cells import neutralise, neutralise_array, neutralise_frame

    assert neutralise(text) == expected
    assert neutralise_array(pa.array([text], type=pa.large_string())).to_pylist() == [expected]
    assert neutralise(3.5) == 3.5 and neutralise(None) is None
    frame = pd.DataFrame({"t": [text, None], "n": [-5.0, 1.0]})
    t = neutralise_frame(frame)["t"]
    assert t.iloc[0] == expected and pd.isna(t.iloc[1])
    assert neutralise_frame(frame)["n"].tolist() == [-5.0, 1.0]   # numbers are not text


def test_the_trace_refuses_frames_that_are_not_traces(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not the trace's columns"):
        trace.write(pd.DataFrame({"a": [1]}), tmp_path)
    with pytest.raises(FileNotFoundError):
        read_trace(tmp_path)


# --- the rules the engines share --------------------------------------------------------------------

def test_first_uses_matches_a_plain_reading() -> None:
    rng = np.random.default_rng(7)
    values = np.array([f"R{i}" for i in rng.integers(0, 40, 300)], dtype=object)
    values[rng.random(300) < 0.1] = None
    ids = pd.Series(values, dtype="str")
    first: dict[str, int] = {}
    expected = []
    for i, v in enumerate(values):
        expected.append(-1 if v is None else first.setdefault(v, i))
    assert rules.first_uses(ids).tolist() == expected
    assert rules.first_uses(pd.Series([], dtype="str")).tolist() == []


def test_one_duplicate_id_rule(demo: tuple[Any, Path]) -> None:
    inv, _ = load_inventory(DEMO)
    t = inv.tables["activities"]
    first = rules.first_uses(t.frame["record_id"])
    assert (first == np.arange(len(first))).all()        # the demo's ids are unique
    repeated = np.zeros(len(first), dtype=bool)
    repeated[[3, 7]] = True
    found = rules.duplicate_ids(t, "record_id", repeated, np.array([2] * len(first)))
    assert [(i.code, i.location.row, dict(i.params)["first_row"]) for i in found] == [
        ("duplicate-id", int(t.frame["_row"].iloc[3]), 2), ("duplicate-id", int(t.frame["_row"].iloc[7]), 2)]
    assert rules.empty_table("activities", 0, Location("a.csv"))[0].code == "empty-table"
    assert rules.empty_table("activities", 5, Location("a.csv")) == []
    assert rules.empty_table("instruments", 0, Location("i.csv")) == []   # optional: may be blank


def test_the_context_is_never_changed(demo: tuple[Any, Path]) -> None:
    inv, _ = load_inventory(DEMO)
    ctx, _, _ = calculation.context_of(inv)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.mb_factor = None  # type: ignore[misc]
    mwh = calculation.electricity_mwh(inv.table("activities"))
    after, instruments, _ = calculation.allocate(inv, ctx, mwh)
    assert set(instruments["status"]) <= {"used", "partly_used", "excluded"} and len(instruments) == 4
    assert ctx.mb_factor is None and after is not ctx
    assert after.mb_factor is not None and set(after.mb_factor.index) == set(mwh.index)
    # a facility covered by green certificates (F10 in the demo) gets a lower factor than the residual
    assert after.mb_factor["F10"] < after.residual_factor
