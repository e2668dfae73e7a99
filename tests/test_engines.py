"""The three engines give the same answer: in-process, chunked (a few rows a chunk, so every fixture
spans many chunks) and Dask (a real ``distributed.LocalCluster`` with two worker processes).

Same results (counts exactly, sums within 1e-9 relative), the same issues at the same places
(code, file, sheet, row, column), the same trace lines, and rows read = accepted + rejected.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from disclosure import compute, load_inventory
from disclosure.cli import app
from disclosure.compute import aggregate
from disclosure.core.issues import Issue
from disclosure.engines.chunked import SeenIds, compute_chunked, id_hashes
from disclosure.engines.dask import compute_dask
from disclosure.ingest import chunks, readers

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-group"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


# --- fixtures ----------------------------------------------------------------------------------------

def demo_copy(root: Path, consolidation: str | None = None) -> Path:
    shutil.copytree(DEMO, root)
    if consolidation:
        rep = root / "report.yaml"
        rep.write_text(rep.read_text(encoding="utf-8").replace(
            "consolidation: operational_control", f"consolidation: {consolidation}"), encoding="utf-8")
    return root


# Rows appended to the demo's activities: errors the loader rejects (a duplicate id in a later chunk,
# an id used three times, one repeated within a chunk, a negative quantity, an unknown unit, facility
# and date), a row no factor fits (excluded at calculation), a quoted line break inside a field (one
# record over two lines: row numbers count records) and a blank line (skipped, but counted).
BROKEN_ROWS = [
    ["OK-1", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "12.5", "t"],
    ["F03-SC-COAL-Q1", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "1", "t"],
    ["NEG", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "-5", "t"],
    None,  # a blank line
    ["UNIT", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "3", "bananas"],
    ["NOFAC", "F99", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "3", "t"],
    ["DATE", "F01", "2025-13-01", "2025-12-31", "stationary_combustion", "", "柴油", "3", "t"],
    ["TWICE", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "2", "t"],
    ["TWICE", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "2", "t"],
    ["NOFACTOR", "F01", "2025-01-01", "2025-12-31", "scope3", "1", "没有因子的东西", "10", "t"],
    ["F03-SC-COAL-Q1", "F02", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "1", "t"],
    ["LAST", "F01", "2025-01-01", "2025-12-31", "stationary_combustion", "", "柴油", "4", "t"],
]


def broken_copy(root: Path) -> Path:
    demo_copy(root)
    path = root / "activities.csv"
    text = path.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(",")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, r in enumerate(BROKEN_ROWS):
        if r is None:
            buf.write("\n")
            continue
        row = dict(zip(header, r + [""] * (len(header) - len(r)), strict=True))
        if i == 0:
            row["evidence"] = "凭证 A-1\n第二行"  # a line break inside a quoted field
        w.writerow([row[h] for h in header])
    path.write_text(text.rstrip("\n") + "\n" + buf.getvalue(), encoding="utf-8-sig")
    return root


def as_parquet(root: Path, row_group: int) -> Path:
    """The activities as Parquet (text columns, as an ERP export might write them), in row groups."""
    frame = pd.read_csv(root / "activities.csv", dtype=str, keep_default_na=False, skip_blank_lines=False)
    (root / "activities.csv").unlink()
    frame.to_parquet(root / "activities.parquet", index=False, row_group_size=row_group)
    return root


# --- comparing ---------------------------------------------------------------------------------------

def same(a: Any, b: Any, path: str = "") -> list[str]:
    """Differences: counts, text and flags exactly, numbers within 1e-9 relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}: keys {sorted(set(a) ^ set(b))}"] if set(a) != set(b) else []
        return out + [d for k in a.keys() & b.keys() for d in same(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{path}: {a!r} != {b!r}"]
    return [] if (type(a) is type(b) and a == b) else [f"{path}: {a!r} != {b!r}"]


def places(issues: list[Issue]) -> Counter:
    return Counter((i.code, i.location.file, i.location.sheet, i.location.row, i.location.column) for i in issues)


TRACE_TEXT = ["line_id", "record_id", "derived_from", "file", "row", "facility_id", "source", "status",
              "reason", "precedence", "factor_dataset", "factor_id"]
TRACE_NUM = ["quantity", "factor_value", "converted_quantity", "mb_factor", "t_CO2", "t_CH4", "t_N2O",
             "t_other", "biogenic_co2", "co2e_gross", "co2e", "co2e_market"]


def same_trace(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) == len(b)
    for c in TRACE_TEXT:
        x = a[c].astype(object).where(a[c].notna(), None).map(lambda v: None if v is None else str(v))
        y = b[c].astype(object).where(b[c].notna(), None).map(lambda v: None if v is None else str(v))
        assert x.tolist() == y.tolist(), c
    for c in TRACE_NUM:
        np.testing.assert_allclose(a[c].astype("float64"), b[c].astype("float64"), rtol=1e-9, atol=1e-9,
                                   equal_nan=True, err_msg=c)


def three_engines(root: Path, tmp: Path, client: Any, chunk_rows: int) -> dict[str, Any]:
    inv, loaded = load_inventory(root)
    comp = compute(inv)
    chunked = compute_chunked(root, tmp / "chunked", chunk_rows=chunk_rows, force=True)
    dask = compute_dask(root, tmp / "dask", client=client, chunk_rows=chunk_rows, force=True)
    for name, run in (("chunked", chunked), ("dask", dask)):
        assert run.results is not None
        assert same(comp.results, run.results) == [], name
        assert places(run.issues) == places(loaded + comp.issues), name
    same_trace(comp.trace, pd.read_parquet(tmp / "chunked" / "trace.parquet"))
    parts = sorted((tmp / "dask" / "trace").glob("part-*.parquet"))
    assert len(parts) > 1
    same_trace(comp.trace, pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True))
    # reconciliation: every row read is accepted or rejected, and is one line of its own in the trace
    act = comp.results["inputs"]["activities"]
    assert act["read"] == act["accepted"] + act["rejected"] == chunked.counts.read == dask.counts.read
    assert (chunked.counts.accepted, chunked.counts.rejected) == (act["accepted"], act["rejected"])
    assert comp.trace["derived_from"].isna().sum() == act["read"]
    return {"inv": inv, "comp": comp, "loaded": loaded, "chunked": chunked, "dask": dask}


# --- the engines agree ---------------------------------------------------------------------------------

def test_demo(tmp_path: Path, client: Any) -> None:
    runs = three_engines(demo_copy(tmp_path / "demo"), tmp_path, client, chunk_rows=7)
    assert runs["chunked"].stats["lines"] == len(runs["comp"].trace) == runs["dask"].stats["lines"]
    assert runs["dask"].stats["workers"] == 2
    # the chunked engine writes the CSV trace too (the same file, but for the last digit of a float)
    assert (tmp_path / "chunked" / "trace.csv").read_text(encoding="utf-8-sig").count("\n") == len(runs["comp"].trace) + 1


def test_demo_equity_share(tmp_path: Path, client: Any) -> None:
    runs = three_engines(demo_copy(tmp_path / "demo", "equity_share"), tmp_path, client, chunk_rows=30)
    assert runs["comp"].results["by_basis"]["other_investees"]["scope1"] > 0


def test_rejected_rows(tmp_path: Path, client: Any) -> None:
    runs = three_engines(broken_copy(tmp_path / "broken"), tmp_path, client, chunk_rows=7)
    found = places(runs["dask"].issues)
    # row 2's id again 136 and 145 rows later (19 and 20 chunks on), one repeated within a chunk;
    # the record over two lines (137) and the blank line (140) count one row each
    assert found[("duplicate-id", "activities.csv", None, 138, "record_id")] == 1
    assert found[("duplicate-id", "activities.csv", None, 147, "record_id")] == 1
    assert found[("duplicate-id", "activities.csv", None, 145, "record_id")] == 1
    assert found[("negative-number", "activities.csv", None, 139, "quantity")] == 1
    dup = [i for i in runs["chunked"].issues if i.code == "duplicate-id"]
    assert {dict(i.params)["first_row"] for i in dup} == {2, 144}
    for code in ("negative-number", "unknown-unit", "unknown-facility", "bad-date", "no-factor"):
        assert code in {k[0] for k in found}, code
    act = runs["comp"].results["inputs"]["activities"]
    assert (act["read"], act["rejected"]) == (135 + 11, 7)
    assert runs["comp"].results["lines"]["by_status"]["rejected"] == 7


def test_rejected_rows_parquet(tmp_path: Path, client: Any) -> None:
    """The same inventory with its activities in Parquet row groups (rows numbered from 2)."""
    runs = three_engines(as_parquet(broken_copy(tmp_path / "broken"), 20), tmp_path, client, chunk_rows=20)
    assert runs["dask"].stats["pieces"] == 8
    assert any(i.code == "duplicate-id" and i.location.file == "activities.parquet" for i in runs["dask"].issues)


def test_folder_of_parts(tmp_path: Path, client: Any) -> None:
    """Activities as a folder of Parquet parts (a data-lake export): the chunked and Dask engines read
    it, each part keeping its name and rows; totals as the in-process engine gives for one file."""
    root = demo_copy(tmp_path / "demo")
    frame = pd.read_csv(root / "activities.csv", dtype=str, keep_default_na=False)
    (root / "activities.csv").unlink()
    (root / "activities").mkdir()
    frame.iloc[:60].to_parquet(root / "activities" / "part-0.parquet", index=False, row_group_size=20)
    frame.iloc[60:].to_parquet(root / "activities" / "part-1.parquet", index=False, row_group_size=20)
    chunked = compute_chunked(root, tmp_path / "chunked", chunk_rows=20)
    dask = compute_dask(root, tmp_path / "dask", client=client, chunk_rows=20)
    assert same(chunked.results, dask.results) == []
    assert places(chunked.issues) == places(dask.issues)
    assert chunked.results["inputs"]["activities"]["file"] == "activities/"
    assert {i.location.file for i in dask.issues if i.code == "grid-fallback"} == {
        "activities/part-0.parquet", "activities/part-1.parquet"}
    inv, _ = load_inventory(DEMO)
    assert same(compute(inv).results["totals"], dask.results["totals"]) == []


def test_errors_stop_the_run_unless_forced(tmp_path: Path) -> None:
    run = compute_chunked(broken_copy(tmp_path / "broken"), tmp_path / "out", chunk_rows=50)
    assert run.results is None and not (tmp_path / "out" / "results.json").exists()
    assert run.counts.rejected == 7


# --- the command line ------------------------------------------------------------------------------------

def test_cli_engines(tmp_path: Path, client: Any) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "c"), "--engine", "chunked",
                            "--chunk-rows", "40", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c" / "trace.parquet").is_file() and "Scope 1" in r.output
    # an existing cluster, by its scheduler's address
    r = runner.invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "d"), "--engine", "dask",
                            "--chunk-rows", "40", "--scheduler", client.scheduler.address])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "d" / "trace").glob("part-*.parquet"))) == 4
    r = runner.invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "e"), "--scheduler", "tcp://x:1"])
    assert r.exit_code == 2


# --- the parts ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    'a,b\n1,2\n3,4\n',
    'a,b\n1,2\n3,4',                              # no line break at the end
    '\n\na,b\n1,2\n\n3,4\n\n',                    # blank lines before the header, between and after rows
    'a,b\n1,"x\ny"\n"3,5","""q"""\n5,6\r\n7,8\r\n',  # quoted line breaks, commas and quotes; CRLF
    'a,b\n',                                      # a header only
])
def test_csv_pieces_and_chunks_number_rows_as_the_loader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "activities.csv"
    path.write_bytes(text.encode("utf-8"))
    whole, _ = readers.read_csv(path, path.name)
    f = chunks._file(path, path.name)
    for n in (1, 2, 3, 100):
        got = [chunks.read_piece(p) for p in chunks.pieces(chunks.ActivitySource((f,), f.display), n)]
        assert np.concatenate([g.rows for g in got]).tolist() == whole.rows.tolist()
        assert pd.concat([g.frame for g in got]).to_numpy().tolist() == whole.frame.to_numpy().tolist()
        got = list(chunks.iter_chunks(f, n))
        assert np.concatenate([g.rows for g in got]).tolist() == whole.rows.tolist()
        assert got[0].header_row == whole.header_row


def test_seen_ids_across_many_chunks() -> None:
    rng = np.random.default_rng(1)
    ids = pd.Series([f"R{i}" for i in rng.integers(0, 3000, 5000)], dtype="str")
    seen, found = SeenIds(), []
    for start in range(0, len(ids), 97):
        part = ids.iloc[start:start + 97]
        part = part[~part.duplicated()]
        h1, h2 = id_hashes(part)
        before = seen.find(h1, h2)
        found += [bool(b >= 0) for b in before]
        seen.add(h1[before < 0], h2[before < 0], part.index.to_numpy()[before < 0])
    expected = [bool(ids.iloc[:s].isin([v]).any()) for s in range(0, len(ids), 97)
                for v in ids.iloc[s:s + 97][~ids.iloc[s:s + 97].duplicated()]]
    assert found == expected and len(seen) == ids.nunique()


def test_a_chunk_without_a_new_id_is_remembered_as_nothing() -> None:
    seen = SeenIds()
    none = np.array([], dtype=np.uint64)
    seen.add(none, none, np.array([], dtype=np.int64))
    h1, h2 = id_hashes(pd.Series(["A", "B"], dtype="str"))
    assert seen.find(h1, h2).tolist() == [-1, -1] and len(seen) == 0
    seen.add(h1, h2, np.array([2, 3]))
    assert seen.find(h1[::-1], h2[::-1]).tolist() == [3, 2]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_first_chunk_of_blank_record_ids_is_reported_as_in_process(tmp_path: Path, fmt: str) -> None:
    """Found by generated inventories (the in-process engine against the chunked one): a first chunk
    whose record ids were all blank left an empty run in SeenIds, and the next chunk's duplicate check
    raised IndexError (an internal error, exit 3) instead of reporting the blank ids."""
    root = demo_copy(tmp_path / "inv")
    path = root / "activities.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[:1, "record_id"] = ["", " "]   # the first chunk of two rows: no id at all
    path.unlink()
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(root / "activities.parquet", index=False)
    inv, loaded = load_inventory(root)
    comp = compute(inv)
    run = compute_chunked(root, tmp_path / "chunked", chunk_rows=2, force=True, progress=False)
    assert run.results is not None and same(comp.results, run.results) == []
    assert places(run.issues) == places(loaded + comp.issues)
    blank = [i for i in run.issues if i.location.column == "record_id"]
    assert sorted(i.location.row for i in blank) == [2, 3] and all(i.severity.value == "error" for i in blank)


def test_partials_add_up(tmp_path: Path) -> None:
    """Results from the partial sums of two halves of the trace are the results of the whole."""
    inv, _ = load_inventory(DEMO)
    comp = compute(inv)
    half = len(comp.trace) // 2
    parts = aggregate.combine([aggregate.partials(comp.trace.iloc[:half]), aggregate.partials(comp.trace.iloc[half:])])
    assert same(aggregate.summarise_partials(aggregate.partials(comp.trace), comp.context), aggregate.summarise_partials(parts, comp.context)) == []
    assert int(parts["lines"].sum()) == len(comp.trace)


# --- the whole pack with each engine ---------------------------------------------------------------------

def _files(pack: Path) -> set[str]:
    return {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}


def test_report_pack_is_the_same_with_every_engine(tmp_path: Path, client: Any) -> None:
    """`disclosure report --engine chunked|dask` checks and computes a chunk at a time and gives the
    pack of the in-process run, every file of it compared:
    - byte for byte wherever the engine cannot matter: the XBRL, Inline XBRL and report package, the
      extension taxonomy and viewer, validation.json, the Word report (its factor table and Scope 2
      method sentence come from the trace, which the Dask engine writes as parts), the workpapers,
      instruments.csv, trace.csv (chunked), the inventory and factor copies;
    - results.json numerically (1e-9): 40-row chunks add the partial sums in another order;
    - the trace read back through the trace module: the same lines, values and column types. The
      files differ as files: the chunked trace.parquet has a row group per chunk, and the Dask
      engine writes one file per partition (trace/part-NNNNN.parquet) and no trace.csv;
    - manifest.json: the same but for the ``engine`` it records, and the sha256 and size of the
      files that differ as files (above).
    Each pack is then re-performed by `verify`."""
    from disclosure.assure.verify import verify
    from disclosure.compute.trace import read_trace
    from disclosure.core.outdir import MARKER

    packs = {}
    for engine in ("inprocess", "chunked", "dask"):
        args = ["report", str(DEMO), "--out", str(tmp_path / engine), "--engine", engine, "--chunk-rows", "40"]
        if engine == "dask":
            args += ["--scheduler", client.scheduler.address]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        packs[engine] = tmp_path / engine
    ref = packs["inprocess"]
    ref_files = _files(ref)
    assert {"report.zh-CN.docx", "workpapers.xlsx", "trace.parquet", "trace.csv"} <= ref_files
    ref_trace = read_trace(ref)
    for engine in ("chunked", "dask"):
        pack = packs[engine]
        files = _files(pack)
        parts = {f for f in files if f.startswith("trace/part-")}
        as_files = {"results.json", "manifest.json", MARKER, "trace.parquet"} | (
            {"trace.csv"} if engine == "dask" else set()) | parts
        if engine == "dask":
            assert len(parts) == 4
            assert files - parts == ref_files - {"trace.parquet", "trace.csv"}
        else:
            assert files == ref_files
        for name in sorted(files - as_files):
            assert (pack / name).read_bytes() == (ref / name).read_bytes(), (engine, name)
        results = {e: json.loads((packs[e] / "results.json").read_text(encoding="utf-8")) for e in (engine, "inprocess")}
        assert same(results[engine], results["inprocess"]) == [], engine
        got = read_trace(pack)
        assert list(got.dtypes) == list(ref_trace.dtypes), engine
        # each line is calculated from its own row, whatever the chunk: equal, not only close
        pd.testing.assert_frame_equal(got, ref_trace, check_exact=True)
        man, ref_man = (json.loads((p / "manifest.json").read_text(encoding="utf-8")) for p in (pack, ref))
        assert (man.pop("engine"), ref_man.pop("engine")) == (engine, "inprocess")
        for m in (man, ref_man):
            m["files"] = {k: v for k, v in m["files"].items() if k not in as_files}
        assert man == ref_man, engine
        # the output folder's marker lists the folder's files: the trace's files are the engine's
        marker = json.loads((pack / MARKER).read_text(encoding="utf-8"))
        assert marker["files"] == sorted(files - {MARKER}), engine
        v = verify(pack)
        assert v.ok, [d.render() for d in v.differences]
    res = CliRunner().invoke(app, ["report", str(DEMO), "--out", str(tmp_path / "x"), "--scheduler", "tcp://h:1"])
    assert res.exit_code == 2 and "--scheduler" in res.output


# --- a check over the whole table, run a chunk at a time ---------------------------------------------------

SPLIT_GROUPS = """
    record_id,facility_id,source,scope3_category,activity,quantity,unit,multiplier_1,multiplier_unit_1,multiplier_2,multiplier_unit_2,scenario_group,scenario_weight,ef_value,ef_unit,gas
    W30,F1,scope3,11,wash at 30 C,2000,pcs,1000,use/pcs,0.40,kWh/use,detergent,20%,0.5,kgCO2e/kWh,CO2e
    P1,F1,scope3,1,paper,10,t,,,,,,,1,tCO2e/t,CO2e
    W40,F1,scope3,11,wash at 40 C,-2000,pcs,1000,use/pcs,0.50,kWh/use,detergent,40%,0.5,kgCO2e/kWh,CO2e
    P2,F1,scope3,1,paper,10,t,,,,,,,1,tCO2e/t,CO2e
    D1,F1,scope3,11,dry at 40 C,2000,pcs,1000,use/pcs,0.50,kWh/use,dryer,50%,0.5,kgCO2e/kWh,CO2e
    P3,F1,scope3,1,paper,10,t,,,,,,,1,tCO2e/t,CO2e
    W90,F1,scope3,11,wash at 90 C,2000,pcs,1000,use/pcs,1.20,kWh/use,detergent,30%,0.5,kgCO2e/kWh,CO2e
    D2,F1,scope3,11,dry at 60 C,2000,pcs,1000,use/pcs,0.70,kWh/use,dryer,50%,0.5,kgCO2e/kWh,CO2e
"""


def test_scenario_weights_summed_over_chunks(tmp_path: Path, client: Any) -> None:
    """A scenario group's weights sum to 1 over the whole table, wherever its rows are: chunks of two
    rows split both groups. "detergent" (20% + 40% + 30%) is flagged at each of its rows and they
    are rejected (W40 for its negative quantity too); "dryer" (50% + 50%, three chunks apart) is
    not. The engines agree with the loader, and without --force the chunked run keeps nothing."""
    from test_compute import category, inventory

    root = tmp_path / "inv"
    inventory(root, SPLIT_GROUPS)
    runs = three_engines(root, tmp_path, client, chunk_rows=2)
    for name in ("chunked", "dask"):
        flagged = sorted((i.location.row, i.location.column, dict(i.params)["value"])
                         for i in runs[name].issues if i.code == "scenario-weights-sum")
        assert flagged == [(2, "scenario_weight", 0.9), (4, "scenario_weight", 0.9),
                           (8, "scenario_weight", 0.9)], name
        assert (runs[name].counts.accepted, runs[name].counts.rejected) == (5, 3), name
    trace = pd.read_parquet(tmp_path / "chunked" / "trace.parquet").set_index("line_id")
    assert trace.loc[["W30", "W40", "W90"], "status"].tolist() == ["rejected"] * 3
    assert trace.loc[["W30", "W40", "W90"], "reason"].tolist() == [
        "scenario-weights-sum", "negative-number; scenario-weights-sum", "scenario-weights-sum"]
    assert trace.loc[["D1", "D2", "P1"], "status"].tolist() == ["included"] * 3
    # category 11: the two dryer rows only, 2000 pcs × 1000 uses × (0.5 + 0.7) kWh × 0.5 kgCO2e/kWh × 50%
    assert category(runs["comp"], 11) == category(runs["chunked"], 11) == pytest.approx(600.0)
    stopped = compute_chunked(root, tmp_path / "stopped", chunk_rows=2)
    assert stopped.results is None and not (tmp_path / "stopped").exists()
