"""trace.csv up to a row limit (compute.trace.CSV_MAX_LINES), and `disclosure trace DIR --csv`
exporting it from the Parquet trace, byte for byte the file the engine writes."""

from pathlib import Path

from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.compute import trace

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-group"


def test_export_is_the_written_csv_and_the_limit_drops_it(tmp_path: Path, monkeypatch) -> None:
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "a"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    written = (tmp_path / "a" / "trace.csv").read_bytes()
    lines = written.count(b"\n") - 1
    assert lines > 100 and "Parquet only" not in r.output
    r = CliRunner().invoke(app, ["trace", str(tmp_path / "a"), "--csv", "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x.csv").read_bytes() == written
    # above the limit: Parquet only, and the summary says where the trace is and how to export it
    monkeypatch.setattr(trace, "CSV_MAX_LINES", lines - 1)
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "b"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "b" / "trace.csv").exists() and (tmp_path / "b" / "trace.parquet").is_file()
    assert "Parquet only" in r.output and "--csv" in r.output
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "c"), "--trace-csv"])
    assert (tmp_path / "c" / "trace.csv").read_bytes() == written
    r = CliRunner().invoke(app, ["trace", str(tmp_path / "b"), "--csv"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "b" / "trace.csv").read_bytes() == written
    assert CliRunner().invoke(app, ["trace", str(tmp_path), "--csv"]).exit_code == 2


def test_a_report_packs_trace_is_exported_beside_it_never_into_it(tmp_path: Path) -> None:
    """verify passes only while a pack holds the files its manifest lists: the export goes beside it."""
    pack = tmp_path / "pack"
    pack.mkdir()
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "res")])
    assert r.exit_code == 0, r.output
    (pack / "trace.parquet").write_bytes((tmp_path / "res" / "trace.parquet").read_bytes())
    (pack / "manifest.json").write_text("{}", encoding="utf-8")
    r = CliRunner().invoke(app, ["trace", str(pack), "--csv", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in pack.iterdir()) == ["manifest.json", "trace.parquet"]
    assert (tmp_path / "pack-trace.csv").read_bytes() == (tmp_path / "res" / "trace.csv").read_bytes()
    r = CliRunner().invoke(app, ["trace", str(pack), "--csv", "--out", str(pack / "t.csv"), "--lang", "en"])
    assert r.exit_code == 2 and "inside the report pack" in r.output and not (pack / "t.csv").exists()
    r = CliRunner().invoke(app, ["trace", str(pack), "--csv", "--out", str(tmp_path / "no" / "such" / "t.csv"),
                                 "--lang", "en"])
    assert r.exit_code == 2 and "cannot write" in r.output and "Traceback" not in r.output


def test_trace_csv_is_honoured_by_the_chunked_engine_above_its_limit(tmp_path: Path, monkeypatch) -> None:
    """--trace-csv gives the chunked engine's result the in-process engine's trace.csv bytes."""
    from disclosure.engines import chunked

    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    monkeypatch.setattr(chunked, "CSV_TRACE_MAX_ROWS", 1)
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "b"), "--engine", "chunked",
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "b" / "trace.csv").exists() and "Parquet only" in r.output
    r = CliRunner().invoke(app, ["compute", str(DEMO), "--out", str(tmp_path / "c"), "--engine", "chunked",
                                 "--trace-csv"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c" / "trace.csv").read_bytes() == (tmp_path / "a" / "trace.csv").read_bytes()
