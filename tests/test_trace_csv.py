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
