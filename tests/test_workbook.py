"""The workbook as the only input, as a sustainability team uses it: the blank template filled in
with openpyxl (tables, settings and narrative; no YAML) gives the report the same inventory written
as CSV and YAML gives; its completeness sheet computes in LibreOffice and agrees with ``check``; every
setting is listed, with hints for where it lives; one language per run in every line printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner
from workbook_fill import fill_template

from disclosure.cli import app
from disclosure.core import disclosure_items as di
from disclosure.core import settings as settings_model
from disclosure.ingest.contract import TABLES
from disclosure.ingest.disclosures import COMPLETENESS_SHEETS, ITEM_COLUMNS, sheets
from disclosure.ingest.template import write_template
from disclosure.loader import load_inventory

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo-group"
BROKEN = ROOT / "fixtures" / "broken-inventory"
runner = CliRunner()


def _copy_tables(src: Path, dest: Path, *, disclosures: bool) -> Path:
    dest.mkdir()
    for p in src.iterdir():
        if p.suffix in (".csv", ".yaml", ".xlsx") and (disclosures or p.name != "disclosures.yaml"):
            shutil.copyfile(p, dest / p.name)
    return dest


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo group typed into the blank template: its tables, report.yaml's settings and
    disclosures.yaml's narrative, cell by cell."""
    book = tmp_path_factory.mktemp("book") / "云岫集团2025.xlsx"
    write_template(book)
    fill_template(book, DEMO)
    return book


# --- the same report from the workbook as from CSV and YAML ---------------------------------------------

def test_filled_template_reads_as_the_yaml_inventory(filled: Path) -> None:
    a, issues_a = load_inventory(DEMO)
    b, issues_b = load_inventory(filled)
    assert issues_a == [] and issues_b == []
    da, db = dict(a.disclosures), dict(b.disclosures)
    assert (da.pop("source"), db.pop("source")) == ("disclosures.yaml", filled.name)
    assert da == db and da["missing"] == []
    assert a.settings == b.settings
    for name in TABLES:
        ta, tb = a.table(name).reset_index(drop=True), b.table(name).reset_index(drop=True)
        if ta.empty and tb.empty:   # a table the demo does not have (exposures): absent = an empty sheet
            assert list(ta.columns) == list(tb.columns), name
            continue
        assert ta.equals(tb), name


def _docx_text(path: Path) -> list[str]:
    d = docx.Document(str(path))
    out = [p.text for p in d.paragraphs]
    out += [" | ".join(c.text for c in row.cells) for t in d.tables for row in t.rows]
    return out


@pytest.fixture(scope="module")
def packs(filled: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """``report`` on the demo folder and on the filled workbook (no IFRS package: both unvalidated
    alike), in the report's language, zh-CN: each pack and what the command printed."""
    out: dict[str, tuple[Path, str]] = {}
    env = {k: v for k, v in os.environ.items() if k != "DISCLOSURE_IFRS_PACKAGE"}
    for key, src in (("yaml", DEMO), ("workbook", filled)):
        pack = tmp_path_factory.mktemp(f"pack-{key}") / "pack"
        r = runner.invoke(app, ["report", str(src), "--out", str(pack)], env=env)
        assert r.exit_code == 0, r.output
        out[key] = (pack, r.output)
    return out


def test_filled_template_gives_the_yaml_report(packs: dict[str, tuple[Path, str]]) -> None:
    (a, _), (b, _) = packs["yaml"], packs["workbook"]
    ra, rb = (json.loads((p / "results.json").read_text(encoding="utf-8")) for p in (a, b))
    # what differs is where the inputs were read (files and sheets) and the input digest, nothing else
    assert ra["inputs"]["activities"]["file"] == "activities.csv"
    assert rb["inputs"]["activities"] == {**ra["inputs"]["activities"], "file": "云岫集团2025.xlsx",
                                          "sheet": "activities"}
    for r in (ra, rb):
        del r["inputs"], r["disclosures"]["source"]
    assert ra == rb
    assert ra["disclosures"]["assurance"]["provider"]["zh"] == "中衡碳数（北京）认证有限公司（虚构）"

    digests = [json.loads((p / "manifest.json").read_text(encoding="utf-8"))["input_digest"] for p in (a, b)]
    assert digests[0] != digests[1]

    def same(text: str, digest: str) -> str:
        assert digest in text
        return text.replace(digest, "INPUT-DIGEST")

    ta = [same("\n".join(_docx_text(a / "report.zh-CN.docx")), digests[0])]
    tb = [same("\n".join(_docx_text(b / "report.zh-CN.docx")), digests[1])]
    assert ta == tb
    assert "中衡碳数（北京）认证有限公司（虚构）" in ta[0]
    [xa] = a.glob("*.xhtml")
    [xb] = b.glob("*.xhtml")
    assert same(xa.read_text(encoding="utf-8"), digests[0]) == same(xb.read_text(encoding="utf-8"), digests[1])
    # every line traces to the same row number, of the sheet instead of the CSV file
    ta_, tb_ = (pd.read_csv(p / "trace.csv", dtype=str, keep_default_na=False) for p in (a, b))
    assert [c for c in ta_.columns if not ta_[c].equals(tb_[c])] == ["file", "sheet"]
    assert set(tb_["file"]) == {"云岫集团2025.xlsx"} and set(ta_["file"]) <= {f"{t}.csv" for t in TABLES}
    assert (tb_["sheet"] + ".csv").equals(ta_["file"])


def test_workbook_pack_verifies(packs: dict[str, tuple[Path, str]]) -> None:
    """The pack of a workbook re-renders from its copy of the workbook, byte for byte."""
    pack, _ = packs["workbook"]
    env = {k: v for k, v in os.environ.items() if k != "DISCLOSURE_IFRS_PACKAGE"}
    r = runner.invoke(app, ["verify", str(pack)], env=env)
    assert r.exit_code == 0, r.output


def test_english_template_filled_reads_the_same(tmp_path: Path) -> None:
    """The English template (its sheet names, headers and drop-downs in English) filled with the
    same content reads as the Chinese one does."""
    book = tmp_path / "en.xlsx"
    write_template(book, "en")
    fill_template(book, DEMO, lang="en")
    a, _ = load_inventory(DEMO)
    b, issues = load_inventory(book)
    assert issues == []
    da, db = dict(a.disclosures), dict(b.disclosures)
    da.pop("source"), db.pop("source")
    assert da == db


def test_invalid_value_lists_the_accepted_values_in_the_messages_language() -> None:
    out = {lang: runner.invoke(app, ["check", str(BROKEN), "--lang", lang]).output for lang in ("zh-CN", "en")}
    [zh] = [x for x in out["zh-CN"].splitlines() if ":consolidation: report-bad-value" in x]
    [en] = [x for x in out["en"].splitlines() if ":consolidation: report-bad-value" in x]
    assert zh.endswith("可选：运营控制权法（operational_control）、财务控制权法（financial_control）、股权比例法（equity_share）")
    assert en.endswith("allowed: operational_control (operational control approach), financial_control "
                       "(financial control approach), equity_share (equity share approach)")


def test_yaml_beside_filled_sheets_is_said(filled: Path, tmp_path: Path) -> None:
    """A disclosures.yaml beside a workbook whose pillar sheets are filled prevails; the sheets not
    read are named, not dropped unseen. Beside the blank template's sheets it is no issue."""
    folder = tmp_path / "inv"
    folder.mkdir()
    shutil.copyfile(filled, folder / "book.xlsx")
    shutil.copyfile(DEMO / "disclosures.yaml", folder / "disclosures.yaml")
    inv, issues = load_inventory(folder / "book.xlsx")
    assert [(i.code, i.location.file) for i in issues] == [("disclosures-sheets-ignored", "book.xlsx")]
    assert "disclosures.yaml" in issues[0].message("zh-CN") and "prevails" in issues[0].message("en")
    assert inv.disclosures["source"] == "disclosures.yaml"

    blank = tmp_path / "blank"
    blank.mkdir()
    write_template(blank / "book.xlsx")
    shutil.copyfile(DEMO / "disclosures.yaml", blank / "disclosures.yaml")
    _, issues = load_inventory(blank / "book.xlsx")
    assert "disclosures-sheets-ignored" not in {i.code for i in issues}


def test_unknown_sheets_fields_and_keys_are_reported(tmp_path: Path) -> None:
    """Nothing written is ignored silently: an unknown sheet, an unknown field row of a pillar sheet,
    an unknown column of a list sheet, an unknown key of disclosures.yaml; each with the nearest
    known name."""
    book = tmp_path / "book.xlsx"
    _partial(book, "zh-CN")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("治理（旧）").append(["旧的说明"])
    gov = wb["治理"]
    gov.cell(row=gov.max_row + 1, column=1, value="governance.board")
    gov.cell(row=gov.max_row, column=3, value="董事会每季度审阅")
    tg = wb["目标"]
    col = tg.max_column + 1
    tg.cell(row=4, column=col, value="备注")
    tg.cell(row=5, column=col, value="内部目标")
    wb.save(book)
    _, issues = load_inventory(book)
    found = {(i.code, i.location.sheet, i.location.row, i.location.column): i for i in issues
             if i.code in ("unknown-sheet", "disclosures-unknown-key")}
    assert set(found) == {("unknown-sheet", "治理（旧）", None, None),
                          ("disclosures-unknown-key", "治理", gov.max_row, "governance.board"),
                          ("disclosures-unknown-key", "目标", 4, "备注")}
    assert found["disclosures-unknown-key", "治理", gov.max_row, "governance.board"].message("zh-CN").endswith(
        "可用：governance.board_oversight")

    folder = _copy_tables(DEMO, tmp_path / "yaml", disclosures=True)
    with (folder / "disclosures.yaml").open("a", encoding="utf-8") as f:
        f.write("\ngovernence: {board_oversight: 董事会每季度审阅}\n")
    _, issues = load_inventory(folder)
    [i] = issues
    assert (i.code, i.location.file, i.location.column) == ("disclosures-unknown-key", "disclosures.yaml", "governence")
    assert i.message("en") == "unknown field 'governence' in the disclosures is ignored; known: governance"


# --- the completeness sheet, computed by LibreOffice --------------------------------------------------------

def _cell(ws: Any, field: str) -> int:
    """The row of a field in an item sheet (the field column holds the key path)."""
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == field:
            return r
    raise AssertionError(field)


STATUS, REASON = (next(j for j, c in enumerate(ITEM_COLUMNS, 1) if c.key == k) for k in ("status", "reason"))


def _partial(book: Path, lang: str) -> dict[str, tuple[str, str]]:
    """A template in ``lang`` with part of the narrative typed in: a governance text in Chinese
    only, another in English only, a group declared not disclosed, a list declared not applicable,
    a list with one record, an item not applicable. What check should make of each item: (state,
    reason)."""
    write_template(book, lang)
    wb = openpyxl.load_workbook(book)
    name = {s.node.path if s.kind == "list" else s.section: s.name(lang) for s in sheets()}
    gov = wb[name["governance"]]
    gov.cell(row=_cell(gov, "governance.board_oversight"), column=3, value="董事会审计与风险委员会每季度审阅气候风险")
    gov.cell(row=_cell(gov, "governance.management_role"), column=4, value="The CFO leads the climate working group.")
    nd, na = di.state_label("not_disclosed", lang), di.state_label("not_applicable", "en")   # either language is read
    r = _cell(gov, "governance.remuneration")
    gov.cell(row=r, column=STATUS, value=na)
    gov.cell(row=r, column=REASON, value="薪酬与气候目标无关联 / pay is not linked to climate targets")
    met = wb[name["metrics"]]
    r = _cell(met, "metrics.physical_risk")
    met.cell(row=r, column=STATUS, value=nd)
    met.cell(row=r, column=REASON, value="物理风险评估进行中 / the physical-risk assessment is under way")
    met.cell(row=_cell(met, "metrics.transition_risk.share"), column=3, value="12%")
    cm = wb[name["carbon_market"]]
    r = _cell(cm, "carbon_market")
    cm.cell(row=r, column=STATUS, value=di.state_label("not_applicable", lang))
    cm.cell(row=r, column=REASON, value="本集团未纳入全国碳排放权交易市场 / the group is outside the national carbon market")
    sc = wb[name["strategy.scenario_analysis.scenarios"]]   # a list's status line
    sc.cell(row=2, column=2, value=nd)
    sc.cell(row=2, column=4, value="情景分析将于 2026 年完成")
    tg = wb[name["targets"]]
    header = [c.value for c in tg[4]]
    tg.cell(row=5, column=1, value="T1")
    tg.cell(row=5, column=header.index(next(h for h in header if "Chinese" in h or "中文" in h)) + 1,
            value="2030 年范围一和范围二排放较 2020 年下降 30%")
    wb.save(book)
    reason_na = "薪酬与气候目标无关联 / pay is not linked to climate targets"
    reason_nd = "物理风险评估进行中 / the physical-risk assessment is under way"
    reason_cm = "本集团未纳入全国碳排放权交易市场 / the group is outside the national carbon market"
    expect = {
        "governance.board_oversight": ("filled", ""),
        "governance.management_role": ("filled", ""),
        "governance.skills": ("missing", ""),
        "governance.remuneration": ("not_applicable", reason_na),
        "metrics.transition_risk.share": ("filled", ""),
        "metrics.transition_risk.amount": ("missing", ""),
        "targets": ("filled", ""),
        "strategy.risks_opportunities": ("missing", ""),
        "strategy.scenario_analysis.scenarios": ("not_disclosed", "情景分析将于 2026 年完成"),
        "carbon_market_accounting": ("missing", ""),
    }
    expect.update({n.path: ("not_disclosed", reason_nd) for n in di.section("metrics").items()
                   if n.path.startswith("metrics.physical_risk.")})
    expect.update({n.path: ("not_applicable", reason_cm) for n in di.section("carbon_market").items()
                   if n.path.startswith("carbon_market.")})
    return expect


def _recalculated(book: Path, out: Path) -> Path:
    """The workbook opened, recalculated and saved again by LibreOffice headless, set to recalculate
    every formula of an OOXML file on loading (not to trust values a file may cache)."""
    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice Calc is required in CI")
        pytest.skip("LibreOffice not installed")
    profile = out / f"lo-{uuid.uuid4().hex}"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        "<value>0</value></prop></item>\n</oor:items>\n", encoding="utf-8")
    done = out / "recalculated"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "xlsx",
                    "--outdir", str(done), str(book)], check=True, capture_output=True, timeout=300)
    shutil.rmtree(profile, ignore_errors=True)
    assert (done / book.name).exists(), "LibreOffice wrote no workbook"
    return done / book.name


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_completeness_sheet_computes_in_libreoffice_as_check_sees_it(lang: str, tmp_path: Path) -> None:
    book = tmp_path / "partial.xlsx"
    expect = _partial(book, lang)
    # the states the reader gives (what check prints, results.json carries)
    inv, _ = load_inventory(book)
    states = inv.disclosures["states"]
    for path, (state, _) in expect.items():
        assert states[path] == state, path

    wb = openpyxl.load_workbook(_recalculated(book, tmp_path), data_only=True)
    ws = wb[COMPLETENESS_SHEETS[0 if lang == "en" else 1]]
    rows = {r[5]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[5]}
    # every required item has its row, and LibreOffice's state is the reader's, for every item
    assert set(rows) == set(states)
    label = {di.state_label(s, lang): s for s in di.STATES}
    computed = {path: label[r[2]] for path, r in rows.items()}
    assert computed == states
    for path, (state, reason) in expect.items():
        assert (computed[path], rows[path][3] or "") == (state, reason), path
    # the item's label in the sheet's language, and each pillar's counts on its heading row
    assert rows["governance.skills"][1] == di.node("governance.skills").label(lang, capital=lang == "en")
    heads = {r[0]: r[1] for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    gov = di.section("governance").label(lang, capital=lang == "en")
    sep = ", " if lang == "en" else "，"
    assert heads[gov] == sep.join(f"{di.state_label(s, lang)} {n}" for s, n in
                                  zip(di.STATES, (2, 1, 0, 1), strict=True))


# --- every setting listed, hints for where it lives ---------------------------------------------------------

def _flat(data: Any, prefix: str = "") -> list[str]:
    out: list[str] = []
    for k, v in data.items():
        out += _flat(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"]
    return out


def test_every_setting_is_listed_in_the_report_sheet(tmp_path: Path) -> None:
    """Every setting the demo inventories write (mapping entries by their mapping) has its row in the
    blank template's report sheet, the newer ones included, and its note is written for the sheet,
    not in YAML syntax."""
    book = tmp_path / "t.xlsx"
    write_template(book)
    ws = openpyxl.load_workbook(book)["report"]
    fields = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    for folder in (DEMO, ROOT / "fixtures" / "demo-group-2024"):
        for path in _flat(yaml.safe_load((folder / "report.yaml").read_text(encoding="utf-8"))):
            info = settings_model.info(path)
            assert info is not None, path
            listed = path if path in fields else next((f for f in fields if f.rpartition(".")[0] == info.path), None)
            assert listed is not None, f"{path} is not listed in the report sheet"
    assert {"factors.versions.cn-grid-2023", "options.scope3_exclusions.8", "options.currency_rates.USD",
            "options.price_index.2020", "factors.datasets", "xbrl.ifrs_package"} <= set(fields)
    for field, note in fields.items():
        assert not re.search(r"\w: \{|\{\w+: ", note), (field, note)   # no "key: {sub: …}"
    assert "A 列写 factors.versions." in fields["factors.versions.cn-grid-2023"]
    assert "in column A" in fields["options.scope3_exclusions.8"]


def _unpinned(inventory: Path, out: Path, lang: str) -> str:
    """The line of ``compute`` that says the grid dataset is not pinned."""
    r = runner.invoke(app, ["compute", str(inventory), "--out", str(out), "--lang", lang])
    assert r.exit_code == 0, r.output
    [line] = [x for x in r.output.splitlines() if "factor-unpinned" in x and "cn-grid-2023" in x]
    return line


def test_hints_name_the_cell_in_a_workbook_and_the_key_in_yaml(tmp_path: Path) -> None:
    """A factor dataset left unpinned: the notice says how to pin it where the settings live."""
    folder = _copy_tables(DEMO, tmp_path / "yaml", disclosures=True)
    report = yaml.safe_load((folder / "report.yaml").read_text(encoding="utf-8"))
    del report["factors"]["versions"]["cn-grid-2023"]
    (folder / "report.yaml").write_text(yaml.safe_dump(report, allow_unicode=True), encoding="utf-8")
    zh = _unpinned(folder, tmp_path / "o1", "zh-CN")
    assert "在 report.yaml 中写 factors: {versions: {cn-grid-2023:" in zh, zh
    assert "工作表" not in zh

    book = tmp_path / "book.xlsx"
    write_template(book)
    fill_template(book, folder)
    zh, en = _unpinned(book, tmp_path / "o2", "zh-CN"), _unpinned(book, tmp_path / "o3", "en")
    # the template's example row for factors.versions is that very dataset, left blank: its cell is named
    ws = openpyxl.load_workbook(book)["report"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "factors.versions.cn-grid-2023")
    assert f"在工作表“report”的 B{row} 单元格（factors.versions.cn-grid-2023）填写" in zh, zh
    assert f"in cell B{row} (factors.versions.cn-grid-2023) of the sheet 'report'" in en, en
    assert "{" not in zh.split("[notice]")[1] and "report.yaml" not in zh + en


# --- one language per run ----------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u3011]")
WORD = re.compile(r"(?<![\w.\-/])[A-Za-z]{2,}(?![\w.\-/])")
# names that stay as they are in either language: units, standards, products, the tool and its commands
ALLOWED = {
    "tCO2e", "CO2e", "tCO2", "CO2", "CH4", "N2O", "SF6", "NF3", "HFCs", "PFCs", "GWP", "AR6", "AR5", "AR4", "SAR",
    "XBRL", "Inline", "Word", "SHA", "Arelle", "IFRS", "ISSB", "CSDS", "GB", "ISO", "ISAE", "CCER", "USCC",
    "CNY", "USD", "MWh", "kWh", "GJ", "TJ", "kg", "Nm", "tce", "CSV", "XLSX", "YAML", "JSON", "Parquet",
    "IPCC", "vi", "disclosure", "check", "compute", "report", "verify", "template", "force", "lang", "out", "prior",
    "ifrs", "package", "DISCLOSURE_IFRS_PACKAGE", "yes", "no", "true", "false", "Scope",
}


def _identifiers() -> set[str]:
    """Names that messages print as the user writes them: the tables (the workbook's sheets of the
    same names). Columns and settings are quoted (“quantity”) or dotted (entity.name_zh); an
    enumeration's values are translated, so their keys are not here."""
    return set(TABLES)


def _strip(line: str) -> str:
    """A line without what is quoted from the input (values and names the user wrote), file names,
    paths, YAML to type, keys to choose from and the location prefix of an issue (file:row:column: code [severity])."""
    line = re.sub(r"^\S*:\d*:[^:]*: [a-z0-9-]+ \[(error|warning|notice)\] ", "", line)
    line = re.sub(r"“[^”]*”|'[^']*'|\"[^\"]*\"", "", line)
    line = re.sub(r"\S+\.(csv|xlsx|yaml|docx|json|zip|parquet|xhtml|xbrl)\b", "", line)
    line = re.sub(r"(/[\w.\-]+)+/?", "", line)
    line = re.sub(r"[\w.-]+: \{[^\u3000-\u303f\uff00-\uffef]*\}", "", line)   # YAML to type: xbrl: {ifrs_package: …}
    line = re.sub(r"[\w.-]+( \| [\w.-]+)+", "", line)   # the keys to choose from: entity | period | …
    return line


# Chinese an English message may quote as input it accepts: dates (2025年1月31日), yes/no (是, 否)
ACCEPTED_CJK = set("年月日是否")


def _names() -> list[str]:
    """The names of the demo's entities and facilities: the user's own text, which messages in
    either language print as it is written."""
    out: list[str] = []
    for table in ("entities", "facilities"):
        frame = pd.read_csv(DEMO / f"{table}.csv", dtype=str)
        out += frame[next(c for c in ("name", "设施名称") if c in frame.columns)].dropna().tolist()
    return sorted(out, key=len, reverse=True)


def mixed(output: str, lang: str, allowed: set[str]) -> list[str]:
    """The lines of ``output`` in the other language too: in a zh-CN run, a line with Chinese and a
    whole English word that is no identifier or name; in an English run, a line with Chinese. The
    reason of an unreadable file is the reading library's own text, quoted as it is."""
    bad = []
    for raw in output.splitlines():
        if " unreadable-file [" in raw:
            continue
        # known and left open: the grid region (华东 …) has no English label yet (no region vocabulary)
        if lang == "en" and " scope2-market-above-location [" in raw:
            continue
        line = _strip(raw)
        for name in _names():
            line = line.replace(name, "")
        if lang == "en":
            if set(CJK.findall(line)) - ACCEPTED_CJK:
                bad.append(raw)
        elif CJK.search(line) and set(WORD.findall(line)) - allowed:
            bad.append(raw)
    return bad


@pytest.fixture(scope="module")
def allowed() -> set[str]:
    return ALLOWED | _identifiers()


def _partial_book(tmp: Path, lang: str) -> Path:
    """The demo's tables and settings in the template, a third of the narrative typed in."""
    book = tmp / f"partial-{lang}.xlsx"
    _partial(book, lang)
    fill_template(book, DEMO, narrative=False)
    return book


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_check_speaks_one_language_on_a_partial_workbook(lang: str, tmp_path: Path, allowed: set[str]) -> None:
    book = _partial_book(tmp_path, lang)
    out = {}
    for run in ("zh-CN", "en"):
        r = runner.invoke(app, ["check", str(book), "--lang", run])
        assert r.exit_code == 0, r.output
        assert mixed(r.output, run, allowed) == [], run
        out[run] = r.output
    # the completeness per pillar, with the items' labels, in each language
    assert "治理：4 项，已填写 2，未填写 1，未披露 0，不适用 1" in out["zh-CN"]
    assert "  未填写：能力和专业知识" in out["zh-CN"].splitlines()
    assert "Governance: 4 items, 2 filled, 1 missing, 0 not disclosed, 1 not applicable" in out["en"].splitlines()
    assert "  missing: skills and competencies" in out["en"].splitlines()
    # a message names the item by its label; the raw key path is the location's column alone
    [zh] = [x for x in out["zh-CN"].splitlines() if x.startswith(f"{book.name}[") and ":governance.skills:" in x]
    assert zh.endswith("未填写“治理 › 能力和专业知识”：报告中显示为“未披露”；确不披露或不适用时，请在其状态中注明并说明原因")
    assert re.fullmatch(r"错误 0 个，警告 \d+ 个，提示 \d+ 个；活动数据 135 行：.*", out["zh-CN"].splitlines()[-1])
    assert re.fullmatch(r"0 errors, \d+ warnings, \d+ notices; activity rows: 135 read, .*", out["en"].splitlines()[-1])


def test_check_json_gives_each_items_state_label_and_reason(tmp_path: Path) -> None:
    book = _partial_book(tmp_path, "zh-CN")
    r = runner.invoke(app, ["check", str(book), "--format", "json", "--lang", "zh-CN"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)["disclosures"]
    assert d["given"] is True
    gov = next(p for p in d["pillars"] if p["pillar"] == "governance")
    assert gov["label"] == "治理"
    assert gov["items"][2:] == [
        {"field": "governance.skills", "label": "治理 › 能力和专业知识", "state": "missing", "reason": None},
        {"field": "governance.remuneration", "label": "治理 › 薪酬政策", "state": "not_applicable",
         "reason": "薪酬与气候目标无关联"}]
    met = next(p for p in d["pillars"] if p["pillar"] == "metrics")
    assert {i["state"] for i in met["items"] if i["field"].startswith("metrics.physical_risk.")} == {"not_disclosed"}


def test_no_narrative_is_said_once(tmp_path: Path) -> None:
    """Tables and settings without any narrative: no warning per item, one line naming the pillars."""
    for lang, start in (("zh-CN", "披露信息：未提供；治理、战略"), ("en", "disclosures: none given; governance, strategy")):
        folder = _copy_tables(DEMO, tmp_path / lang, disclosures=False)
        r = runner.invoke(app, ["check", str(folder), "--lang", lang])
        assert r.exit_code == 0, r.output
        assert not [x for x in r.output.splitlines() if " disclosures-" in x]
        [line] = [x for x in r.output.splitlines() if x.startswith(start)]
        assert "disclosures.yaml" in line


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_check_and_compute_speak_one_language_on_the_demo_and_a_broken_inventory(
        lang: str, tmp_path: Path, allowed: set[str]) -> None:
    for folder in (DEMO, BROKEN):
        r = runner.invoke(app, ["check", str(folder), "--lang", lang])
        assert r.exit_code == (0 if folder == DEMO else 1)
        assert mixed(r.output, lang, allowed) == [], folder.name
        r = runner.invoke(app, ["compute", str(folder), "--out", str(tmp_path / folder.name), "--lang", lang])
        assert mixed(r.output, lang, allowed) == [], folder.name
        r = runner.invoke(app, ["report", str(folder), "--out", str(tmp_path / f"r-{folder.name}"), "--lang", lang]
                          ) if folder == BROKEN else None
        if r is not None:
            assert r.exit_code == 1
            assert mixed(r.output, lang, allowed) == []


def test_the_mixed_language_detector_finds_what_the_issue_found(allowed: set[str]) -> None:
    """The lines the issue quoted are found; their corrected forms are not."""
    for line in ("基准年：结构变化占上一年度排放的 3.2%；REQUIRED", "F1 的证书未注销 not retired",
                 "单位“kg”的量纲不适用于“外购电力”；应为：energy 能量", "省级因子缺失，改用 region 级",
                 "[2/6 计算] trace rows 190", "请在 report.yaml 中写 xbrl: {ifrs_package: PATH}（相对路径 relative）"):
        assert mixed(line, "zh-CN", allowed) == [line], line
    assert mixed("1 warnings, 证书", "en", allowed) == ["1 warnings, 证书"]
    for line in ("单位“kg”的量纲不适用于“外购电力”；应为：能量", "activities.csv：读取 3 行", "[3/6 XBRL] 事实 393 个",
                 "范围一 3,125,428.3 tCO2e", "请在 report.yaml 中写 xbrl: {ifrs_package: ifrs_sds_2024-04-26.zip}"):
        assert mixed(line, "zh-CN", allowed) == [], line
    assert mixed("'2025-13-45' is not a recognised date (for example 2025年1月31日)", "en", allowed) == []


def test_report_speaks_one_language(packs: dict[str, tuple[Path, str]], allowed: set[str]) -> None:
    """The whole report run in zh-CN (the demo's language): progress lines, issues, summary."""
    for _, output in packs.values():
        assert "[1/6 检查]" in output and "范围一" in output
        assert mixed(output, "zh-CN", allowed) == []


def test_template_refuses_to_overwrite(tmp_path: Path) -> None:
    book = tmp_path / "t.xlsx"
    book.write_bytes(b"a filled workbook")
    for lang, says in (("zh-CN", "已存在，未覆盖"), ("en", "exists and was not overwritten")):
        r = runner.invoke(app, ["template", str(book), "--lang", lang])
        assert r.exit_code == 2 and says in r.output
        assert book.read_bytes() == b"a filled workbook"
    r = runner.invoke(app, ["template", str(book), "--force"])
    assert r.exit_code == 0 and openpyxl.load_workbook(book)["report"]["A2"].value == "entity.name_zh"


def test_help_folds_chinese_text_at_80_columns() -> None:
    r = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert r.exit_code == 0
    text = re.sub(r"[│╭╮╰╯─\s]", "", r.output)
    assert "报告与消息的语言" in text and "默认：report.yaml的language" in text
    assert "…" not in r.output
