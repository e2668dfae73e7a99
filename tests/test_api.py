"""The small things a user expects of the command and the Python API: --version, the help, `view`,
frames with the issues located by the DataFrame's index, and `disclosure.report` for the whole pack."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import webbrowser
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

import disclosure
from disclosure.cli import app
from disclosure.ingest.readers import detect_encoding

REPO = Path(__file__).resolve().parents[1]
DEMO_2024 = REPO / "fixtures" / "demo-group-2024"
TABLES = ("activities", "facilities", "entities", "factors", "instruments")


def demo_frames() -> tuple[dict, dict[str, pd.DataFrame]]:
    report = yaml.safe_load((DEMO_2024 / "report.yaml").read_text(encoding="utf-8"))
    frames = {n: pd.read_csv(DEMO_2024 / f"{n}.csv", dtype=str, keep_default_na=False,
                             encoding=detect_encoding(DEMO_2024 / f"{n}.csv")) for n in TABLES}
    return report, frames


def test_version() -> None:
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.strip() == f"disclosure {disclosure.__version__}"


def _command_line(*args: str, code: str = "from disclosure.cli import main; main()") -> str:
    """The command run in a fresh interpreter 60 columns wide (rich reads the width when it starts)."""
    env = {**os.environ, "COLUMNS": "60", "NO_COLOR": "1"}
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    return res.stdout + res.stderr


@pytest.mark.parametrize("args", [("--help",), ("report", "--help"), ()])
def test_help_folds_chinese_text_instead_of_cutting_it(args: tuple[str, ...]) -> None:
    # 60 columns: the Chinese help texts are wider than their column; rich would cut them with "…"
    out = _command_line(*args)
    assert "Usage:" in out
    assert "…" not in out
    assert ("--prior" if args[:1] == ("report",) else "企业气候信息披露工具") in out   # the help asked for


def test_the_command_imports_typers_rich_formatting_only_for_a_help() -> None:
    # typer.rich_utils (with rich's markdown and traceback) costs about 0.08 s a run: only a help needs it
    code = "import sys; import disclosure.cli; print('typer.rich_utils' in sys.modules)"
    assert _command_line(code=code).strip() == "False"


def test_the_command_does_not_import_dask_through_pint() -> None:
    # pint imports dask.base when dask is installed (about 0.1 s a run): the project hides it from
    # pint's look; units still convert, and dask (the Dask engine's) imports afterwards
    code = ("import sys; import disclosure.cli; from disclosure.core import units; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dask'), "
            "units.registry().Quantity(2, 'tonne').to('kg').magnitude); "
            "import dask.dataframe; print(type(sys.modules['dask']).__name__)")
    assert _command_line(code=code).split() == ["[]", "2000.0", "module"]


def test_frames_with_a_date_column_mixing_timestamps_and_text_give_located_issues() -> None:
    report, frames = demo_frames()
    plain, plain_issues = disclosure.inventory_from_frames(report, frames)
    assert not [i for i in plain_issues if i.severity is disclosure.Severity.ERROR]
    a = frames["activities"].copy()
    a.index = a.index + 1000  # an ERP extract's own row ids
    start = a["period_start"].astype(object)
    start.iloc[0] = pd.Timestamp(start.iloc[0])   # a timestamp, as read from a database
    start.iloc[3] = "Q2"                         # text in the same column
    start.iloc[5] = pd.Timestamp("2024-07-01 08:30")
    a["period_start"] = start
    with pytest.raises(pa.ArrowTypeError):  # what writing the frame as it is raises
        a.to_parquet(io.BytesIO())
    inv, issues = disclosure.inventory_from_frames(report, {**frames, "activities": a})
    errors = [i for i in issues if i.severity is disclosure.Severity.ERROR]
    assert [(i.code, i.location.file, i.location.row, i.location.column) for i in errors] == [
        ("bad-date", "activities", 1003, "period_start")]
    # the timestamp at midnight reads as the date it was; the rest of the frame as without the mix
    assert inv.counts["activities"].rejected == 1
    assert inv.counts["activities"].accepted == plain.counts["activities"].accepted - 1


def test_a_frame_with_another_index_is_located_by_position() -> None:
    report, frames = demo_frames()
    a = frames["activities"].copy()
    a.index = [f"erp-{k}" for k in range(len(a))]
    a.loc["erp-2", "quantity"] = "lots"
    _, issues = disclosure.inventory_from_frames(report, {**frames, "activities": a})
    bad = [i for i in issues if i.location.column == "quantity"]
    assert [(i.location.file, i.location.row) for i in bad] == [("activities", 2)]
    assert a.iloc[bad[0].location.row]["quantity"] == "lots"


def test_view_opens_the_viewer_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "viewer" / "xbrlviewer.html"
    page.parent.mkdir()
    page.write_text("<html></html>", encoding="utf-8")
    (tmp_path / "x-climate.xhtml").write_text("<html/>", encoding="utf-8")
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    res = CliRunner().invoke(app, ["view", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert opened == [page.resolve().as_uri()]
    # --print-path: the path, no browser (a server)
    res = CliRunner().invoke(app, ["view", str(tmp_path), "--print-path"])
    assert res.exit_code == 0 and res.stdout.strip() == str(page) and len(opened) == 1
    # a pack written without the IFRS package has no viewer: its Inline XBRL report is opened
    page.unlink()
    res = CliRunner().invoke(app, ["view", str(tmp_path)])
    assert res.exit_code == 0 and opened[-1] == (tmp_path / "x-climate.xhtml").resolve().as_uri()
    # no browser: say so, exit 1
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    assert CliRunner().invoke(app, ["view", str(tmp_path)]).exit_code == 1
    # not a pack: a usage error
    assert CliRunner().invoke(app, ["view", str(tmp_path / "nowhere")]).exit_code == 2


def test_report_is_the_whole_pack_from_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCLOSURE_IFRS_PACKAGE", raising=False)
    run = disclosure.report(DEMO_2024, tmp_path / "pack", langs=("en",))
    assert isinstance(run, disclosure.ReportRun)
    assert run.exit_code == 0 and not run.stopped
    comp = disclosure.compute(disclosure.load_inventory(DEMO_2024)[0])
    assert run.results is not None
    assert run.results["totals"] == comp.results["totals"]
    assert (tmp_path / "pack" / "manifest.json").is_file() and run.paths["workpapers.xlsx"].is_file()
    assert len(run.pack_digest) == 64
    with pytest.raises(disclosure.ReportUsageError):
        disclosure.report(DEMO_2024, tmp_path / "pack", engine="nope")
