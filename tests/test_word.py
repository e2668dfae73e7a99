"""The Word report: structure, figures, fonts, escaping, templates, and the pages as a reader sees them.

One computation of the demo group and one rendering of each language are shared by the module. The
rendered tests convert both reports to PDF with LibreOffice (one call) and read the pages back with
poppler (``pdftotext``, ``pdftoppm``); they are skipped where LibreOffice is missing, except under CI
(``CI`` set), where they fail instead.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.core import vocabulary as vocab
from disclosure.export.numbers import fmt
from disclosure.export.word import ReportError, base, charts, missing_variables, render
from disclosure.export.word.context import texts
from disclosure.ingest.disclosures import load_disclosures

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo-group"
PRIOR_DEMO = ROOT / "fixtures" / "demo-group-2024"
ZH, EN = texts("zh-CN"), texts("en")


def ROW(key: str, lang: str = "zh-CN") -> str:
    """A total's row label in the report's tables (the vocabulary's long label)."""
    return vocab.label("total", key, lang, long=True, capital=True)
CHAPTERS = ("h_about", "h_governance", "h_strategy", "h_risk", "h_metrics", "h_method", "h_app_factors",
            "h_app_glossary")
METRIC_SECTIONS = ("h2_totals", "h2_basis_split", "h2_scope2", "h2_scope3", "h2_gas", "h2_breakdown",
                   "h2_biogenic", "h2_intensity", "h2_trend", "h2_targets", "h2_cross", "h2_market",
                   "h2_energy")


# --- shared fixtures ----------------------------------------------------------------------------------

def _computed(inventory: Path, out: Path) -> Path:
    """``disclosure compute inventory --out out``, as a folder of results."""
    from disclosure import compute, load_inventory
    from disclosure.engines.inprocess import write_outputs

    inv, _ = load_inventory(inventory)
    write_outputs(compute(inv), out)
    return out


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _computed(DEMO, tmp_path_factory.mktemp("results"))


@pytest.fixture(scope="module")
def results(results_dir: Path) -> dict[str, Any]:
    return json.loads((results_dir / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("word")
    return {lang: render(results_dir, out / f"report-{lang}.docx", lang) for lang in ("zh-CN", "en")}


@pytest.fixture(scope="module")
def zh_doc(reports: dict[str, Path]) -> Any:
    return Document(str(reports["zh-CN"]))


@pytest.fixture(scope="module")
def prior_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The results.json of the prior year's demo (2024), as ``report --prior`` reads it."""
    out = _computed(PRIOR_DEMO, tmp_path_factory.mktemp("prior-results"))
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compared_dir(results_dir: Path, prior_results: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's results folder with ``prior``, ``change`` and ``base_year`` as ``report --prior`` adds them."""
    from disclosure.compute import years
    from disclosure.core.settings import Options

    folder = tmp_path_factory.mktemp("compared") / "results"
    shutil.copytree(results_dir, folder)
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    data.update(years.compare(data, prior_results, Options().base_year_threshold))
    (folder / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def compared(compared_dir: Path) -> dict[str, Any]:
    return json.loads((compared_dir / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def prior_reports(compared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("word-prior")
    return {lang: render(compared_dir, out / f"report-prior-{lang}.docx", lang) for lang in ("zh-CN", "en")}


@pytest.fixture(scope="module")
def pages(reports: dict[str, Path], prior_reports: dict[str, Path],
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each report (and each report with the prior year, as "zh-CN-prior" and "en-prior") converted to
    PDF (one LibreOffice call) and to PNG pages: the text of every page."""
    reports = {**reports, **{f"{lang}-prior": path for lang, path in prior_reports.items()}}
    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice and poppler are required in CI (libreoffice-writer-nogui, poppler-utils)")
        pytest.skip("LibreOffice or poppler not installed")
    out = tmp_path_factory.mktemp("pdf")
    profile = f"file:///tmp/lo_{uuid.uuid4().hex}"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
                    "--outdir", str(out), *[str(p) for p in reports.values()]],
                   check=True, capture_output=True, timeout=300)
    shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
    text: dict[str, list[str]] = {}
    for lang, docx in reports.items():
        pdf = out / (docx.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice wrote no PDF for {docx.name}"
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / f"{lang}-page")], check=True,
                       timeout=300)
        raw = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                             timeout=120).stdout.decode("utf-8")
        text[lang] = raw.split("\f")[:-1] if raw.endswith("\f") else raw.split("\f")
        assert len(list(out.glob(f"{lang}-page-*.png"))) == len(text[lang])
    return text


# --- helpers -------------------------------------------------------------------------------------------

def cap(caption: str) -> str:
    """A table caption without its number ("表 5-3 …", "Table 5.{n} …" → "…"): the tables of
    chapter 5 are numbered by the tables shown, which test_tables_are_numbered_without_gaps checks."""
    return re.sub(r"^(表 [0-9A-Z]+-(\d+|\{n\})|Table [0-9A-Z]+\.(\d+|\{n\})) ", "", caption)


def captions(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Caption"]


def tables_by_caption(doc: Any) -> dict[str | None, list[list[str]]]:
    """Every table of the document under the caption paragraph just before it (without its number)."""
    out: dict[str | None, list[list[str]]] = {}
    caption = None
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            p = Paragraph(el, doc)
            if p.style.name == "Caption":
                caption = cap(p.text)
        elif el.tag == qn("w:tbl"):
            out[caption] = [[c.text for c in row.cells] for row in Table(el, doc).rows]
            caption = None
    return out


def rows_by_label(table: list[list[str]]) -> dict[str, list[str]]:
    return {r[0]: r[1:] for r in table[1:]}


def headings(doc: Any, style: str) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == style]


def all_text(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def contents(doc: Any) -> list[tuple[int, str, str, str]]:
    """The entries of the contents page: (level, text, PAGEREF bookmark, link anchor) each."""
    out = []
    for p in doc.paragraphs:
        if p.style.name in ("Contents Entry", "Contents Entry 2"):
            codes = [t.text.split() for t in p._p.iter(qn("w:instrText"))]
            assert len(codes) == 1 and codes[0][0] == "PAGEREF" and codes[0][2:] == ["\\h"], codes
            anchors = [h.get(qn("w:anchor")) for h in p._p.iter(qn("w:hyperlink"))]
            assert len(anchors) == 1, anchors
            out.append((1 if p.style.name == "Contents Entry" else 2, p.text, codes[0][1], anchors[0]))
    return out


def bookmarked(doc: Any) -> dict[str, list[tuple[str, str]]]:
    """Each bookmark of the body: the (style, text) of every paragraph it starts in."""
    out: dict[str, list[tuple[str, str]]] = {}
    for p in doc.paragraphs:
        for b in p._p.iter(qn("w:bookmarkStart")):
            out.setdefault(b.get(qn("w:name")), []).append((p.style.name, p.text))
    return out


NO_LEDGER = {"scope1_covered_share": None, "covered": False, "not_covered_reason": None}


def with_disclosures(results_dir: Path, tmp: Path, disclosures: dict[str, Any],
                     carbon_market: dict[str, Any] | None = None) -> Path:
    """A copy of the results folder whose results.json carries other disclosures (and, given, other
    carbon-market results: the demo's are computed from its ledger)."""
    folder = tmp / "results"
    shutil.copytree(results_dir, folder)
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    data["disclosures"] = disclosures
    if carbon_market is not None:
        data["carbon_market"] = carbon_market
    # the targets' progress is computed from the disclosures (compute.targets), as compute does
    from disclosure.compute import targets

    data["targets"] = targets.progress(disclosures, data["published"]["totals"], data["intensity"])
    (folder / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


# --- the base template ----------------------------------------------------------------------------------

def test_base_template_is_deterministic_and_committed() -> None:
    built = base.build.__wrapped__()          # a fresh build, not the cached one
    assert built == base.build.__wrapped__()
    assert (ROOT / "templates" / "report.docx").read_bytes() == built, \
        "templates/report.docx is stale: run .venv/bin/python templates/build_base.py"


def test_base_template_reads_only_what_the_context_provides(results_dir: Path) -> None:
    assert missing_variables(None, results_dir) == []
    assert missing_variables(ROOT / "templates" / "report.docx") == []


# --- structure -----------------------------------------------------------------------------------------

def test_headings_in_the_order_of_the_standard(zh_doc: Any, reports: dict[str, Path]) -> None:
    assert headings(zh_doc, "Heading 1") == [ZH[k] for k in CHAPTERS]
    h2 = headings(zh_doc, "Heading 2")
    metrics = [ZH[k] for k in METRIC_SECTIONS]
    i = h2.index(metrics[0])
    assert h2[i:i + len(metrics)] == metrics
    for key in ("gov_board_oversight", "gov_management_role", "h2_horizons", "h2_ro", "h2_scenarios",
                "rm_identification", "rm_integration", "h2_standards", "h2_datasets", "h2_exclusions",
                "h2_assurance", "h2_not_disclosed"):
        assert ZH[key] in h2, key
    en = Document(str(reports["en"]))
    assert headings(en, "Heading 1") == [EN[k] for k in CHAPTERS]
    assert all(not re.search(r"[\u4e00-\u9fff]", h) for h in headings(en, "Heading 1") + headings(en, "Heading 2"))


def test_the_contents_refer_to_the_headings_by_page(reports: dict[str, Path], prior_reports: dict[str, Path],
                                                  results_dir: Path, tmp_path: Path) -> None:
    """Every chapter and section heading is in the contents, in order, as its text (readable before any
    field is updated), a tab and a PAGEREF field to a bookmark that is on that heading and nowhere else."""
    no_disclosures = render(with_disclosures(results_dir, tmp_path, {}), tmp_path / "none.docx", "en")
    for name, path in [*reports.items(), *((f"{k}-prior", v) for k, v in prior_reports.items()),
                       ("en-none", no_disclosures)]:
        doc = Document(str(path))
        texts_ = ZH if name.startswith("zh") else EN
        entries = contents(doc)
        heads = [(int(p.style.name[-1]), p.text) for p in doc.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
        assert [(level, text) for level, text, _, _ in entries] == [(level, text + "\t") for level, text in heads], name
        assert [text for level, text, _, _ in entries if level == 1] == [texts_[k] + "\t" for k in CHAPTERS]
        marks = bookmarked(doc)
        for level, text, mark, anchor in entries:
            assert anchor == mark and mark.startswith(base.BOOKMARK_PREFIX)
            assert marks[mark] == [(f"Heading {level}", text.removesuffix("\t"))], (name, mark)
        assert len({b.get(qn("w:id")) for b in doc.element.body.iter(qn("w:bookmarkStart"))}) == len(marks)
        # the base template's own page references make Word ask nothing on opening
        assert doc.settings.element.find(qn("w:updateFields")) is None, name
    zh = contents(Document(str(reports["zh-CN"])))
    i = [mark for _, _, mark, _ in zh].index(base.BOOKMARK_PREFIX + "h_metrics")
    assert zh[i][:2] == (1, ZH["h_metrics"] + "\t")
    assert [e[:2] for e in zh[i + 1:i + 1 + len(METRIC_SECTIONS)]] == [(2, ZH[k] + "\t") for k in METRIC_SECTIONS]
    assert zh[i + 1 + len(METRIC_SECTIONS)][2] == base.BOOKMARK_PREFIX + "h_method"
    assert (2, ZH["gov_skills"] + "\t", base.BOOKMARK_PREFIX + "gov_skills", base.BOOKMARK_PREFIX + "gov_skills") in zh


def test_every_figure_in_the_tables_is_from_results(zh_doc: Any, results: dict[str, Any]) -> None:
    tables = tables_by_caption(zh_doc)
    totals = results["published"]["totals"]   # as published: a total of scopes = the sum of its rounded parts

    t = rows_by_label(tables[cap(ZH["cap_totals"])])
    for key in ("scope1", "scope2_location", "scope2_market", "scope3", "scope1_2_location", "scope1_2_market",
                "scope1_2_3_location", "scope1_2_3_market"):
        assert t[ROW(key)][0] == fmt(totals[key]), key
    # the report prints the figure that adds up: the sum of the printed parts (where the unrounded
    # sum rounds differently, see test_xbrl's test_published_totals_are_the_sums_of_the_rounded_parts)
    printed = {k: Decimal(t[ROW(k)][0].replace(",", "")) for k in ("scope1", "scope2_location", "scope3",
                                                                    "scope1_2_3_location")}
    assert printed["scope1_2_3_location"] == printed["scope1"] + printed["scope2_location"] + printed["scope3"]
    # 3,127,772.06 + 188,810.91 + 399,825.14 (the demo 2025, with its investees in category 15)
    assert t[ROW("scope1_2_3_location")][0] == "3,716,408.11"
    assert t[ROW("scope1")][1] == fmt(totals["scope1"] / totals["scope1_2_3_location"], "share")

    b = rows_by_label(tables[cap(ZH["cap_basis"])])
    for key in ("scope1", "scope2_location", "scope2_market"):
        assert b[ROW(key)] == [fmt(results["by_basis"]["consolidated_group"][key]),
                                       fmt(results["by_basis"]["other_investees"][key]), fmt(totals[key])]

    s3 = tables[cap(ZH["cap_scope3"])]
    for row, cat in zip(s3[1:16], results["scope3_categories"], strict=True):
        assert row[0].startswith(f"{cat['category']}. {cat['name_zh']}")
        assert row[3] == (fmt(cat["co2e"]) if cat["included"] else "—")
        if not cat["included"]:
            assert row[4] == cat["reason"].split(" / ")[0]
    assert s3[-1][3] == fmt(totals["scope3"])
    dq = rows_by_label(tables[cap(ZH["cap_dq"])])
    assert list(dq.values()) == [[fmt(results["scope3_data_quality"]["primary_share"], "share")],
                                 [fmt(results["scope3_data_quality"]["verified_share"], "share")]]

    gas = rows_by_label(tables[cap(ZH["cap_gas"])])
    for g in ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"):   # a gas not measured is a dash, not 0.00
        assert gas[vocab.label("gas", g, long=True)] == [fmt(results["by_gas"][s].get(g), empty=ZH["dash"])
                                                         for s in ("scope1", "scope2_location", "scope3")]
    # the grid factors are CO2-only: Scope 2's other gases were not measured
    assert gas[vocab.label("gas", "CH4", long=True)][1] == ZH["dash"] and "CH4" not in results["by_gas"]["scope2_location"]

    ent = rows_by_label(tables[cap(ZH["cap_entity"])])
    for e in results["by_entity"]:
        assert ent[e["name"]] == [fmt(e[k]) for k in ("scope1", "scope2_location", "scope2_market", "scope3")]
    assert ent[ZH["col_total"]] == [fmt(totals[k]) for k in ("scope1", "scope2_location", "scope2_market", "scope3")]
    prov = rows_by_label(tables[cap(ZH["cap_province"])])
    for p in results["by_province"]:
        assert prov[p["province"]] == [fmt(p[k]) for k in ("scope1", "scope2_location", "scope2_market", "scope3")]
    fac = tables[cap(ZH["cap_facility"])][1:]
    assert len(fac) == min(10, len(results["by_facility"]))
    for row, f in zip(fac, results["by_facility"], strict=False):
        assert row[1].startswith(f["facility_id"])
        assert row[3:] == [fmt(f[k]) for k in ("scope1", "scope2_location", "scope2_market")]

    ins = tables[cap(ZH["cap_instruments"])][1:]
    for row, x in zip(ins, results["scope2_instruments"], strict=True):
        assert (row[0], row[3], row[4]) == (x["instrument_id"], fmt(x["mwh"], "energy"), fmt(x["mwh_used"], "energy"))

    assert tables[cap(ZH["cap_biogenic"])][1][1] == fmt(totals["biogenic_co2"])
    intensity = [r[2] for r in tables[cap(ZH["cap_intensity"])][1:]]
    rev, out = results["intensity"]["per_revenue"], results["intensity"]["per_output"]
    assert intensity == [fmt(rev[k], "intensity") for k in ("scope1_2_location", "scope1_2_market", "scope1_2_3_location")] \
        + [fmt(out[k], "intensity") for k in ("scope1_2_location", "scope1_2_market")]

    d = results["disclosures"]
    # the demo keeps a carbon-market ledger: its tables replace the disclosed positions (issue 16)
    cm = results["carbon_market"]
    assert cap(ZH["cap_market"]) not in tables
    money = rows_by_label(tables[cap(ZH["cap_cm_money"])])
    assert money[ZH["cm_carrying_amount"]] == [fmt(cm["accounting"]["carrying_amount"], "money")]
    assert money[ZH["cm_surrender_cost"]] == [fmt(cm["accounting"]["surrender_cost"], "money")]
    moves = rows_by_label(tables[cap(ZH["cap_cm_movements"])])
    assert moves[vocab.label("carbon_movement", "surrendered", "zh-CN")] == [fmt(cm["movements"][u]["surrendered"]) for u in ("allowance", "ccer")]
    assert [r[1] for r in tables[cap(ZH["cap_cm_recon"])][1:]] == [fmt(x["verified"]) for x in cm["reconciliation"]]
    cross = tables[cap(ZH["cap_cross"])][1:]
    m = d["metrics"]
    assert cross[0][1:3] == [fmt(m["transition_risk"]["amount"], "money"), fmt(m["transition_risk"]["share"], "share")]
    assert cross[4][1] == fmt(m["internal_carbon_price"]["price"], "money")
    assert cross[5][2] == fmt(m["remuneration"]["share"], "share")
    targets = tables[cap(ZH["cap_targets"])][1:]
    for row, tg in zip(targets, d["targets"], strict=True):
        kind = "intensity" if tg["type"] == "intensity" else "emissions"
        assert row[1] == f"{tg['base_year']}年\n{fmt(tg['base_value'], kind)}"
        assert row[2] == f"{tg['target_year']}年\n{fmt(tg['target_value'], kind)}"
    t1 = d["targets"][0]   # scope1_2_market: its current value and progress come from the results
    assert targets[0][3] == fmt(totals["scope1_2_market"])
    assert targets[0][4] == fmt((t1["base_value"] - totals["scope1_2_market"]) / (t1["base_value"] - t1["target_value"]),
                                "share") == fmt(results["targets"][0]["progress"], "share")
    trend = tables[cap(ZH["cap_trend"])][1:]
    assert [r[1] for r in trend] == [fmt(h["scope1"]) for h in d["history"]] + [fmt(totals["scope1"])]


def test_no_figure_in_the_report_comes_from_elsewhere(zh_doc: Any, results: dict[str, Any]) -> None:
    """Every figure printed in the report's tables (the factor appendix aside, which shows inputs as
    published) is a value of results.json formatted by numbers.fmt, or a share computed from two."""
    allowed: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, bool):
            return
        if isinstance(v, int | float):
            for kind in ("emissions", "intensity", "share", "money", "energy"):
                allowed.add(fmt(v, kind))
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(results)
    totals = results["totals"]
    for k in ("scope1", "scope2_location", "scope3"):
        allowed.add(fmt(totals[k] / totals["scope1_2_3_location"], "share"))
    for tg in results["disclosures"]["targets"]:
        cur = totals.get(tg["metric"]) if tg["metric"] in totals else results["intensity"]["per_output"][
            tg["metric"].removeprefix("intensity_output_")]
        allowed.add(fmt((tg["base_value"] - cur) / (tg["base_value"] - tg["target_value"]), "share"))
    number = re.compile(r"-?\d{1,3}(,\d{3})*\.\d+%?")
    skip = {cap(ZH[k]) for k in ("cap_app_factors", "cap_app_datasets", "cap_datasets", "cap_instruments")}
    found = 0
    for caption, table in tables_by_caption(zh_doc).items():
        if caption in skip:
            continue
        for row in table[1:]:
            for cell in row:
                for part in cell.split("\n"):
                    part = part.strip()
                    if number.fullmatch(part):
                        found += 1
                        assert part in allowed, f"{caption}: {part} is not a figure of results.json"
    assert found > 150


def test_east_asian_fonts_and_language(reports: dict[str, Path]) -> None:
    doc = Document(str(reports["zh-CN"]))
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    for name, cjk in (("Normal", "宋体"), ("Heading 1", "黑体"), ("Heading 2", "黑体"), ("Title", "黑体"),
                      ("Table Text", "宋体"), ("Caption", "黑体")):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == cjk, name
    xml = styles.xml
    for attr in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme"):   # a theme font would override the names
        assert attr not in xml
    assert "ja-JP" not in xml
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    import zipfile

    with zipfile.ZipFile(reports["zh-CN"]) as z:
        names = z.namelist()
        font_table = z.read("word/fontTable.xml").decode("utf-8")
        theme = z.read("word/theme/theme1.xml").decode("utf-8")
    assert "word/stylesWithEffects.xml" not in names and "docProps/thumbnail.jpeg" not in names
    assert 'w:name="宋体"' in font_table and 'w:name="黑体"' in font_table and "明朝" not in font_table
    assert '<a:font script="Hans" typeface="黑体"/>' in theme


def test_same_results_give_the_same_bytes(results_dir: Path, reports: dict[str, Path], tmp_path: Path) -> None:
    again = render(results_dir, tmp_path / "again.docx", "zh-CN")
    assert again.read_bytes() == reports["zh-CN"].read_bytes()
    doc = Document(str(again))
    assert doc.core_properties.created.date().isoformat() == "2025-12-31"
    assert doc.core_properties.title == ZH["report_title"].format(year="2025")


def test_charts_are_deterministic_and_use_a_cjk_font_list() -> None:
    a = charts.hbar(["范围一", "范围二"], [3.0, 1.0], ["3.00", "1.00"], "排放量（tCO₂e）")
    assert a == charts.hbar(["范围一", "范围二"], [3.0, 1.0], ["3.00", "1.00"], "排放量（tCO₂e）")
    assert a.startswith(b"\x89PNG") and b"Software" not in a
    families = charts.font_families()
    assert families[0] == charts.FONT_FAMILY and families[-1] == "DejaVu Sans"
    if shutil.which("fc-list") and "Noto Sans CJK SC" in subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True).stdout:
        assert families[1] == "Noto Sans CJK SC"   # for a character outside the package's subset


def test_cjk_fonts_installed_after_matplotlibs_font_cache_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib lists the system's fonts once per user, in a cache; a CJK font installed after a
    first run (seen here: the report run before fonts-noto-cjk was installed) was then never used,
    and the font list depended on when the cache was written."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    charts.font_families.cache_clear()
    families = charts.font_families()
    if not any(f.name in charts.CJK_FAMILIES for f in fm.ttflist):
        pytest.skip("no CJK font installed")
    files = {f.fname for f in fm.ttflist if f.name in charts.CJK_FAMILIES}   # a cache from before their install
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if f.fname not in files])
    charts.font_families.cache_clear()
    try:
        assert charts.font_families() == families and len(families) > 2
    finally:
        charts.font_families.cache_clear()


# run in a fresh interpreter with a fresh matplotlib cache, the font manager limited to matplotlib's own
# fonts (DejaVu: no CJK), as on a server without CJK fonts; prints what a test needs as JSON
_NO_SYSTEM_FONTS = r"""
import json, sys, warnings
import numpy as np
from matplotlib import font_manager
fm = font_manager.fontManager
fm.ttflist = [f for f in fm.ttflist if "mpl-data" in f.fname]
font_manager.findSystemFonts = lambda *args, **kwargs: []   # and none on the system either
assert not any("CJK" in f.name for f in fm.ttflist)
from disclosure.export.word import charts
from matplotlib.ft2font import FT2Font
import io
from PIL import Image

def png(labels):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        data = charts.hbar(labels, [3.0, 1.0], ["3.00", "1.00"], "排放量（tCO₂e）")
    return data, [str(x.message) for x in w]

a, wa = png(["范围一", "范围二"])
b, wb = png(["外购电力", "固定燃烧"])
img = lambda d: np.asarray(Image.open(io.BytesIO(d)).convert("L"))
ia, ib = img(a), img(b)
left = slice(0, ia.shape[1] // 5)          # the y tick labels' column
font = FT2Font(str(charts.FONT))
print(json.dumps({
    "families": list(charts.font_families()),
    "found": font_manager.findfont(font_manager.FontProperties(family=charts.font_families()[0])),
    "warnings": wa + wb,
    "dark_a": int((ia[:, left] < 128).sum()), "same_size": ia.shape == ib.shape,
    "labels_differ": bool(ia.shape == ib.shape and (ia[:, left] != ib[:, left]).any()),
    "missing": [c for c in "范围一二外购电力固定燃烧排放量（）氢氟碳化物六氟化硫" if font.get_char_index(ord(c)) == 0],
}))
"""


def test_charts_have_cjk_glyphs_with_the_system_fonts_hidden(tmp_path: Path) -> None:
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    res = subprocess.run([sys.executable, "-c", _NO_SYSTEM_FONTS], capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["families"] == [charts.FONT_FAMILY, "DejaVu Sans"]
    assert Path(got["found"]) == charts.FONT      # from the package, not the system
    assert not [w for w in got["warnings"] if "missing from" in w], got["warnings"]
    assert got["missing"] == []                  # (the ₂ of tCO₂e comes from DejaVu, without a warning)
    assert got["dark_a"] > 200                   # the labels are drawn ...
    assert got["labels_differ"]                  # ... as glyphs: two boxes of tofu would look the same
    assert charts.FONT.stat().st_size < 2_000_000


def test_the_report_has_its_charts(zh_doc: Any) -> None:
    pictures = [p for p in zh_doc.paragraphs if p.style.name == "Figure" and p._p.xpath(".//pic:pic")]
    assert len(pictures) == 4   # scopes, Scope 3 categories, facilities, trend (prior years are given)
    assert [p.text for p in zh_doc.paragraphs if p.style.name == "Figure Caption"] == \
        [ZH[k] for k in ("fig_scopes", "fig_scope3", "fig_facilities", "fig_trend")]


# --- the prior year and the base-year check (report --prior) --------------------------------------------------

TOTAL_KEYS = ("scope1", "scope2_location", "scope2_market", "scope3", "scope1_2_location", "scope1_2_market",
              "scope1_2_3_location", "scope1_2_3_market")


def _paragraphs(doc: Any) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs]


def test_year_over_year_table(prior_reports: dict[str, Path], compared: dict[str, Any],
                              prior_results: dict[str, Any]) -> None:
    doc = Document(str(prior_reports["zh-CN"]))
    tables = tables_by_caption(doc)
    yoy = tables[cap(ZH["cap_yoy"])]
    assert yoy[0] == [ZH["col_item"], "2024年度（tCO₂e）", "2025年度（tCO₂e）", ZH["col_change"], ZH["col_change_pct"]]
    rows = rows_by_label(yoy)
    assert list(rows) == [ROW(k) for k in TOTAL_KEYS]
    before, now = prior_results["totals"], compared["totals"]
    s1 = rows[ROW("scope1")]
    # the prior year as its own report states it, this year as table 5-1, the change as numbers.fmt rounds it
    assert s1 == [fmt(before["scope1"]), fmt(now["scope1"]), fmt(now["scope1"] - before["scope1"]),
                  fmt((now["scope1"] - before["scope1"]) / before["scope1"], "share")]
    assert s1[0] != fmt(now["scope1"]) and s1[3].endswith("%") and float(s1[3].rstrip("%")) > 20
    totals = rows_by_label(tables[cap(ZH["cap_totals"])])
    was, now_pub = compared["prior"]["published"], compared["published"]["totals"]
    for key in TOTAL_KEYS:
        c = compared["change"][key]
        # the published figures of both years (a total = the sum of its rounded parts) and their difference
        assert rows[ROW(key)] == [fmt(was[key]), fmt(now_pub[key]), fmt(now_pub[key] - was[key]),
                                  fmt(c["relative"], "share")], key
        assert abs(now_pub[key] - was[key] - c["absolute"]) <= 0.03, key
        assert rows[ROW(key)][1] == totals[ROW(key)][0]
    paras = _paragraphs(doc)
    i = paras.index(("Heading 3", ZH["h3_yoy"]))
    assert paras[i - 1] == ("Figure Caption", ZH["fig_scopes"])          # under the totals, after figure 5-1
    assert ("Note", ZH["yoy_not_restated"]) in paras                      # recalculation required, not restated
    assert ("Note", ZH["yoy_none"]) not in paras


def test_a_relative_change_from_zero_is_a_dash(compared: dict[str, Any]) -> None:
    from disclosure.export.word import context

    r = copy.deepcopy(compared)
    r["change"]["scope3"].update(prior=0.0, absolute=r["totals"]["scope3"], relative=None)
    r["prior"]["published"]["scope3"] = 0.0
    m = context.build(r, "en")["m"]
    row = next(x for x in m["yoy"] if x["key"] == "scope3")
    assert row == {"key": "scope3", "label": ROW("scope3", "en"), "prior": "0.00", "current": fmt(r["totals"]["scope3"]),
                   "absolute": fmt(r["totals"]["scope3"]), "relative": "—"}
    assert EN["yoy_relative_na"] in m["yoy_notes"]


def test_base_year_subsection(prior_reports: dict[str, Path], compared: dict[str, Any]) -> None:
    by = compared["base_year"]
    doc = Document(str(prior_reports["zh-CN"]))
    paras = _paragraphs(doc)
    i = paras.index(("Heading 3", ZH["h3_base_year"]))
    text = paras[i + 1][1] + paras[i + 2][1]
    assert "2024年1月1日至2024年12月31日" in text
    assert f"{fmt(by['threshold'], 'share')}" == "5.00%" and "5.00%" in text
    assert fmt(by["structural_change_scope1_2_location"]) in text and fmt(by["structural_change_share"], "share") in text
    assert paras[i + 2][1].endswith(ZH["base_year_required_structural"])
    log = tables_by_caption(doc)[cap(ZH["cap_base_year"])]
    assert log[0] == [ZH[k] for k in ("col_change_kind", "col_item", "col_name", "col_s12", "col_share_of_base",
                                      "col_base_period", "col_this_period")]
    tangshan = next(x for x in by["log"] if x["change"] == "entity_added")
    assert 0.2 < tangshan["share_of_prior"] < 0.3                         # the acquisition of 2025, ≈ 23.7 %
    assert [vocab.label("change_kind", "entity_added"), tangshan["item"], tangshan["name"], fmt(tangshan["scope1_2_location"]),
            fmt(tangshan["share_of_prior"], "share"), "—", "—"] in log[1:]
    assert [r[0] for r in log[1:]] == [vocab.label("change_kind", x["change"]) for x in by["log"]]


def test_base_year_log_of_method_and_factor_changes() -> None:
    from disclosure.export.word import context

    r = {"schema": "disclosure.results/1", "period": {"start": "2025-01-01", "end": "2025-12-31"},
         "factor_datasets": [{"id": "cn-grid-2024", "version": "2", "title_zh": "2024年电力排放因子",
                              "title_en": "Grid factors 2024"}],
         "base_year": {"base_period": {"start": "2024-01-01", "end": "2024-12-31"}, "threshold": 0.05,
                       "structural_change_scope1_2_location": 10.0, "structural_change_share": 0.01,
                       "recalculation_required": True, "log": [
                           {"change": "method_changed", "item": "grid_factor_level", "prior": "province",
                            "current": "region"},
                           {"change": "method_changed", "item": "consolidation", "prior": "equity_share",
                            "current": "operational_control"},
                           {"change": "factor_changed", "item": "cn-grid-2024", "prior": "1", "current": "2"},
                           {"change": "factor_changed", "item": "cn-grid-2023", "prior": "1", "current": None}]}}
    zh = context.build(r, "zh-CN")["m"]["base_year"]
    assert [list(x.values()) for x in zh["log"]] == [
        ["方法变更", "电网排放因子层级", "—", "—", "—", "省级", "区域"],
        ["方法变更", "合并方法", "—", "—", "—", "股权比例法", "运营控制权法"],
        ["排放因子变更", "cn-grid-2024", "2024年电力排放因子", "—", "—", "1", "2"],
        ["排放因子变更", "cn-grid-2023", "—", "—", "—", "1", "—"]]
    assert zh["conclusion"] == ZH["base_year_required_method"]          # 1 % structural: the method made it
    en = context.build(r, "en")["m"]["base_year"]
    assert [x["kind"] for x in en["log"]] == ["Method changed", "Method changed", "Emission factor changed",
                                              "Emission factor changed"]
    assert (en["log"][0]["item"], en["log"][0]["prior"], en["log"][0]["current"]) == \
        ("Level of grid emission factors", "Provincial", "Regional")
    assert en["log"][2]["name"] == "Grid factors 2024"
    r["base_year"]["recalculation_required"] = False
    assert context.build(r, "en")["m"]["base_year"]["conclusion"] == EN["base_year_not_required"]
    assert context.build(r, "en")["m"]["yoy"] == []                     # a base year without change: no table


def test_without_a_prior_year_there_is_no_comparison(zh_doc: Any) -> None:
    tables = tables_by_caption(zh_doc)
    assert cap(ZH["cap_yoy"]) not in tables and cap(ZH["cap_base_year"]) not in tables
    paras = _paragraphs(zh_doc)
    assert ("Note", ZH["yoy_none"]) in paras
    assert ZH["h3_yoy"] not in [t for _, t in paras] and ZH["h3_base_year"] not in [t for _, t in paras]
    assert not any("2024年度（tCO₂e）" in c for row in tables[cap(ZH["cap_totals"])] for c in row)


def test_tables_are_numbered_without_gaps(zh_doc: Any, prior_reports: dict[str, Path]) -> None:
    # every table of chapter 5 but financed emissions (shown only with exposures: tests/test_financed.py) and
    # the disclosed carbon-market positions (the demo keeps a carbon-market ledger: its tables instead)
    keys = [k for k in ZH if k.startswith("cap_") and ZH[k].startswith("表 5-{n} ") and k not in ("cap_financed", "cap_market")]
    shown = [c for c in captions(zh_doc) if c.startswith("表 5-")]
    assert shown == [ZH[k].format(n=i) for i, k in enumerate(
        [k for k in keys if k not in ("cap_yoy", "cap_base_year", "cap_profile_index")], 1)]  # index: sse, szse, bse
    en = Document(str(prior_reports["en"]))
    shown = [c for c in captions(en) if c.startswith("Table 5.")]
    assert shown == [EN[k].format(n=i) for i, k in enumerate([k for k in keys if k != "cap_profile_index"], 1)]
    assert shown[1] == EN["cap_yoy"].format(n=2)
    # the methodology points to the instruments' table by its number
    assert "supplier-specific emission factor; Table 5.5)" in all_text(en)
    assert "供应商特定排放因子，见表 5-3）" in all_text(zh_doc)


def test_the_english_comparison(prior_reports: dict[str, Path], compared: dict[str, Any]) -> None:
    doc = Document(str(prior_reports["en"]))
    tables = tables_by_caption(doc)
    yoy = tables[cap(EN["cap_yoy"])]
    assert yoy[0] == ["Item", "2024 (tCO₂e)", "2025 (tCO₂e)", "Change (tCO₂e)", "Change (%)"]
    assert [r[0] for r in yoy[1:]] == [ROW(k, "en") for k in TOTAL_KEYS]
    log = tables[cap(EN["cap_base_year"])]
    assert log[0][:2] == ["Change", "Item"] and log[1][0] == "Entity added"
    paras = _paragraphs(doc)
    assert ("Heading 3", "Comparison with the prior year") in paras
    assert ("Heading 3", "Base-year recalculation check") in paras
    assert any(t.endswith("so the base-year emissions must be recalculated.") for _, t in paras)
    h3 = [t for style, t in paras if style == "Heading 3"]
    assert all(not re.search(r"[\u4e00-\u9fff]", h) for h in h3 if h in (EN["h3_yoy"], EN["h3_base_year"]))


def test_the_prior_year_supplies_the_trend(compared: dict[str, Any], prior_reports: dict[str, Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from disclosure.export.word import context

    before = compared["prior"]["totals"]
    history = {h["year"]: h for h in compared["disclosures"]["history"]}
    assert fmt(history[2024]["scope1"]) != fmt(before["scope1"])       # the history says otherwise of 2024
    doc = Document(str(prior_reports["zh-CN"]))
    trend = rows_by_label(tables_by_caption(doc)[cap(ZH["cap_trend"])])
    assert trend["2024"] == [fmt(before[k]) for k in ("scope1", "scope2_location", "scope2_market", "scope3")]
    assert trend["2023"][0] == fmt(history[2023]["scope1"])
    assert ZH["trend_prior_note"].format(year="2024", start="2024年1月1日", end="2024年12月31日",
                                         table="表 5-2") in [t for _, t in _paragraphs(doc)]
    drawn: dict[str, Any] = {}
    monkeypatch.setattr(charts, "stacked_columns", lambda *a: drawn.setdefault("trend", a) and b"")
    monkeypatch.setattr(charts, "hbar", lambda *a, **k: b"")
    monkeypatch.setattr(charts, "stacked_hbar", lambda *a, **k: b"")
    context.build(compared, "zh-CN", picture=lambda draw: draw())
    years, series, labels, _ = drawn["trend"]
    assert list(years) == ["2022", "2023", "2024", "2025"]
    assert dict(series)[vocab.label("total", "scope1")][2] == before["scope1"]
    assert labels[2] == fmt(before["scope1"] + before["scope2_location"] + before["scope3"])
    # without history, the prior year alone makes the trend
    r = copy.deepcopy(compared)
    r["disclosures"]["history"] = []
    trend = context.build(r, "en")["m"]["trend"]
    assert [x["year"] for x in trend] == ["2024", "2025 (this period)"] and trend[0]["s1"] == fmt(before["scope1"])


def test_a_template_reading_the_comparison_works_without_a_prior(results_dir: Path, compared_dir: Path,
                                                                  tmp_path: Path) -> None:
    lines = ("{{ m.yoy_head.prior }}|{{ m.yoy_head.current }}|{{ m.yoy_p }}|{{ m.base_year.conclusion }}",
             "{{ m.base_year.period }} {{ m.base_year.threshold }} {{ m.base_year.structural }} "
             "{{ m.base_year.share }} {{ m.base_year.required }} {{ m.trend_note }}",
             "{%p for r in m.yoy %}", "{{ r.label }} {{ r.prior }} {{ r.current }} {{ r.absolute }} {{ r.relative }}",
             "{%p endfor %}", "{%p for x in m.yoy_notes %}", "{{ x }}", "{%p endfor %}",
             "{%p for x in m.base_year.paras %}", "{{ x }}", "{%p endfor %}", "{%p for r in m.base_year.log %}",
             "{{ r.kind }} {{ r.item }} {{ r.name }} {{ r.emissions }} {{ r.share }} {{ r.prior }} {{ r.current }}",
             "{%p endfor %}")
    tpl = _template(tmp_path, *lines)
    assert missing_variables(tpl) == []
    assert missing_variables(tpl, results_dir) == []
    assert missing_variables(tpl, compared_dir) == []
    assert missing_variables(None, compared_dir) == []
    none = [p.text for p in Document(str(render(results_dir, tmp_path / "none.docx", "zh-CN", tpl))).paragraphs]
    assert none[0] == "|2025年度（tCO₂e）||"
    with_prior = [p.text for p in Document(str(render(compared_dir, tmp_path / "prior.docx", "zh-CN", tpl))).paragraphs]
    assert with_prior[0].startswith("2024年度（tCO₂e）|2025年度（tCO₂e）|")
    assert any(t.startswith(ROW("scope1")) for t in with_prior)
    typo = _template(tmp_path, "{%p for r in m.base_year.log %}", "{{ r.sahre }}", "{%p endfor %}")
    assert missing_variables(typo, compared_dir) == ["r.sahre"]


def test_the_comparison_is_deterministic(compared_dir: Path, prior_reports: dict[str, Path], tmp_path: Path) -> None:
    again = render(compared_dir, tmp_path / "again.docx", "en")
    assert again.read_bytes() == prior_reports["en"].read_bytes()


# --- user text ---------------------------------------------------------------------------------------------

TRICKY = "A&B 公司 <b>不是标签</b> {{ t.report_title }} {% if true %}不执行{% endif %} {# 注释 #} 100% & 更多"


def test_text_with_markup_and_template_syntax_comes_out_intact(results_dir: Path, results: dict[str, Any],
                                                               tmp_path: Path) -> None:
    d = copy.deepcopy(results["disclosures"])
    d["governance"]["board_oversight"] = {"zh": TRICKY + "\n第二段 R&D <研发>", "en": TRICKY}
    d["strategy"]["risks_opportunities"][0]["title"] = {"zh": "风险 <1> & {{ x }}", "en": "risk <1>"}
    folder = with_disclosures(results_dir, tmp_path, d)
    out = render(folder, tmp_path / "tricky.docx")
    doc = Document(str(out))
    paras = [p.text for p in doc.paragraphs]
    assert TRICKY in paras
    assert "第二段 R&D <研发>" in paras                 # one line, one paragraph
    assert "风险 <1> & {{ x }}" in all_text(doc)
    en = Document(str(render(folder, tmp_path / "tricky-en.docx", "en")))
    assert TRICKY in [p.text for p in en.paragraphs]


def test_partial_disclosures_are_warned_about_and_shown_as_not_disclosed(results_dir: Path, tmp_path: Path) -> None:
    """A company that has written only part of its disclosures: every missing item is a warning at
    its dotted path (on the line of the nearest key written) and "未披露" in the report."""
    from disclosure import load_inventory

    inv_dir = tmp_path / "inventory"
    shutil.copytree(DEMO, inv_dir)
    partial = """\
governance:
  board_oversight: 董事会战略委员会每年审议一次气候议题。
strategy:
  transition_plan: {zh: 2030 年前达峰。, en: Peak before 2030.}
targets:
  - id: T1
    name: 范围一下降 10%
    metric: scope1
    type: absolute
    base_year: 2020
    base_value: 3,500,000
    target_year: 2030
    target_value: "3,150,000"
carbon_market:
  allowances_allocated: 1000
  ccer_used: 12%
"""
    (inv_dir / "disclosures.yaml").write_text(partial, encoding="utf-8")
    inv, issues = load_inventory(inv_dir)
    missing = {i.location.column: i.location.row for i in issues if i.code == "disclosures-missing"}
    assert all(i.location.file == "disclosures.yaml" for i in issues if i.code.startswith("disclosures"))
    assert missing["governance.management_role"] == 1            # the line of governance:
    assert missing["strategy.risks_opportunities"] == 3          # the line of strategy:
    assert missing["targets.1.scope"] == 6                       # the line of the item
    # the pillars with nothing written: one warning naming them, not one per item
    assert "risk_management.identification" not in missing and "assurance.provider" not in missing
    [empty] = [i for i in issues if i.code == "disclosures-empty"]
    assert empty.location.row is None and "风险和机遇管理、跨行业指标、第三方鉴证" in empty.message("zh-CN")
    assert "governance.board_oversight" not in missing and "targets.1.base_value" not in missing
    bad = [(i.location.column, i.location.row) for i in issues if i.code == "disclosures-bad-value"]
    assert bad == [("carbon_market.ccer_used", 16)]               # a percentage is not an amount
    assert "carbon_market.ccer_used" in missing
    assert inv.disclosures["targets"][0]["base_value"] == 3500000.0
    assert inv.disclosures["carbon_market"]["allowances_allocated"] == 1000.0
    assert not [i for i in issues if i.severity.value == "error"]

    folder = with_disclosures(results_dir, tmp_path, inv.disclosures, NO_LEDGER)
    doc = Document(str(render(folder, tmp_path / "partial.docx")))
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    nd = [i for i, (style, _) in enumerate(paras) if style == "Not Disclosed"]
    assert len(nd) >= 12
    # governance: the board paragraph is there; management's role says not disclosed under its heading
    i = paras.index(("Heading 2", ZH["gov_management_role"]))
    assert paras[i + 1] == ("Not Disclosed", ZH["not_disclosed"])
    assert ("Normal", "董事会战略委员会每年审议一次气候议题。") in paras
    listed = [text for style, text in paras if style == "List Item"]
    assert "治理 › 管理层的职责" in listed and "目标 › 第 1 项 › 覆盖范围" in listed
    tables = tables_by_caption(doc)
    market = rows_by_label(tables[cap(ZH["cap_market"])])
    assert market[vocab.label("carbon_market_item", "allowances_allocated")][0] == fmt(1000.0)
    assert market[vocab.label("carbon_market_item", "ccer_used")][0] == ZH["not_disclosed"]
    cross = tables[cap(ZH["cap_cross"])]
    assert all(r[1] == ZH["not_disclosed"] for r in cross[1:4])
    target = tables[cap(ZH["cap_targets"])][1]
    assert target[3] == fmt(json.loads((folder / "results.json").read_text())["totals"]["scope1"])
    assert (ZH["h2_assurance"] in [t for _, t in paras])


def test_no_disclosures_at_all(results_dir: Path, tmp_path: Path) -> None:
    folder = with_disclosures(results_dir, tmp_path, {})
    doc = Document(str(render(folder, tmp_path / "none.docx", "en")))
    text = [p.text for p in doc.paragraphs]
    assert EN["not_disclosed_all"] in text
    assert text.count(EN["not_disclosed"]) >= 15


# --- the disclosures loader ------------------------------------------------------------------------------

def test_demo_disclosures_are_complete() -> None:
    d, issues = load_disclosures(DEMO)
    assert issues == [] and d["missing"] == [] and d["source"] == "disclosures.yaml"
    cm = d["carbon_market"]
    assert set(cm) == {"compliance_period", "allowances_allocated", "allowances_surrendered", "allowances_bought",
                       "allowances_sold", "ccer_used"}
    assert all(isinstance(cm[k], float) for k in cm if k != "compliance_period")
    assert cm["allowances_allocated"] == 2_909_800.0
    assert d["metrics"]["transition_risk"]["share"] == pytest.approx(0.62)
    assert d["governance"]["board_oversight"]["zh"] and d["governance"]["board_oversight"]["en"]


def test_disclosures_syntax_and_values(tmp_path: Path) -> None:
    (tmp_path / "disclosures.yaml").write_text("governance:\n  board_oversight: [unclosed\n", encoding="utf-8")
    d, issues = load_disclosures(tmp_path)
    assert [(i.code, i.severity.value, i.location.file) for i in issues] == [
        ("disclosures-syntax", "error", "disclosures.yaml")]
    assert d["governance"]["board_oversight"] is None

    (tmp_path / "disclosures.yaml").write_text(
        "governance: 不是映射\nmetrics:\n  remuneration: {share: 150%}\n  physical_risk: {share: '7.5%', amount: -3}\n"
        "targets:\n  - {type: relative, base_year: 二〇二〇}\nextra_section: 1\n", encoding="utf-8")
    d, issues = load_disclosures(tmp_path)
    got = {(i.code, i.location.column) for i in issues if i.code != "disclosures-missing"}
    assert got == {("disclosures-bad-value", "governance"), ("disclosures-bad-value", "metrics.remuneration.share"),
                   ("disclosures-bad-value", "metrics.physical_risk.amount"),
                   ("disclosures-bad-value", "targets.1.type"), ("disclosures-bad-value", "targets.1.base_year"),
                   ("disclosures-unknown-key", "extra_section"), ("disclosures-empty", None)}
    assert d["metrics"]["physical_risk"]["share"] == pytest.approx(0.075)
    assert {i.severity.value for i in issues if i.code == "disclosures-unknown-key"} == {"notice"}


def test_no_disclosures_file_is_not_an_issue(tmp_path: Path) -> None:
    d, issues = load_disclosures(tmp_path)
    assert issues == [] and d["source"] is None
    assert d["carbon_market"]["ccer_used"] is None and d["targets"] == []


def test_disclosures_sheet_of_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "disclosures"
    for row in [("field", "value"), ("governance.board_oversight.zh", "董事会监督"),
                ("governance.board_oversight.en", "Board oversight"), ("targets.1.id", "T1"),
                ("targets.1.base_value", "1,000"), ("targets.2.id", "T2"), ("carbon_market.ccer_used", 5)]:
        ws.append(row)
    wb.save(tmp_path / "inventory.xlsx")
    d, issues = load_disclosures(tmp_path, tmp_path / "inventory.xlsx")
    assert d["source"] == "inventory.xlsx[disclosures]"
    assert d["governance"]["board_oversight"] == {"zh": "董事会监督", "en": "Board oversight"}
    assert [t["id"] for t in d["targets"]] == ["T1", "T2"] and d["targets"][0]["base_value"] == 1000.0
    assert d["carbon_market"]["ccer_used"] == 5.0
    rows = {i.location.column: i.location.row for i in issues if i.code == "disclosures-missing"}
    assert rows["targets.1.name"] == 4 and rows["governance.skills"] == 2   # the first row of the item, of the section
    # every issue on the sheet but the empty pillars' one and carbon_market_accounting's (a key of its
    # own, nothing of it written: the file is its place)
    assert {(i.code, i.location.column) for i in issues if i.location.sheet != "disclosures"} == {
        ("disclosures-empty", None), ("disclosures-missing", "carbon_market_accounting")}


# --- templates: a company's own, the variables command, the sandbox ---------------------------------------

def _template(tmp: Path, *lines: str) -> Path:
    doc = Document(io.BytesIO(base.build()))
    body = doc.element.body
    for el in list(body):
        if el.tag != qn("w:sectPr"):
            body.remove(el)
    for line in lines:
        doc.add_paragraph(line)
    path = tmp / "company.docx"
    doc.save(str(path))
    return path


def test_a_company_template(results_dir: Path, results: dict[str, Any], tmp_path: Path) -> None:
    tpl = _template(tmp_path, "{{ report.entity_name }}：{{ report.title }}",
                    "{%p for r in m.totals %}", "{{ r.label }} {{ r.value }}", "{%p endfor %}")
    doc = Document(str(render(results_dir, tmp_path / "out.docx", "zh-CN", tpl)))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == f"{results['entity']['name_zh']}：{ZH['report_title'].format(year='2025')}"
    assert f"{ROW('scope1')} {fmt(results['totals']['scope1'])}" in text
    assert doc.settings.element.find(qn("w:updateFields")) is None     # no fields to update: Word asks nothing


def test_a_company_template_with_its_own_contents_field(results_dir: Path, tmp_path: Path) -> None:
    """A company template with a Word TOC field (and a bookmark): the report asks Word to update the
    fields on opening, as it does for the base template's page references."""
    tpl = _template(tmp_path, "{{ report.title }}")
    doc = Document(str(tpl))
    para = doc.paragraphs[0]._p
    for xml in ('<w:r %s><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r %s><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>',
                '<w:r %s><w:fldChar w:fldCharType="separate"/></w:r>', '<w:r %s><w:t>{{ t.contents }}</w:t></w:r>',
                '<w:r %s><w:fldChar w:fldCharType="end"/></w:r>'):
        para.append(parse_xml(xml % nsdecls("w")))
    doc.save(str(tpl))
    out = Document(str(render(results_dir, tmp_path / "out.docx", "en", tpl)))
    assert out.paragraphs[0].text == "Climate-related Disclosures 2025" + EN["contents"]
    update = out.settings.element.find(qn("w:updateFields"))
    assert update.get(qn("w:val")) == "true"
    assert update.getnext().tag == qn("w:compat")                  # where the settings schema puts it
    # a template that says not to is left as it says
    doc.settings.element.find(qn("w:compat")).addprevious(parse_xml(f'<w:updateFields {nsdecls("w")} w:val="false"/>'))
    doc.save(str(tpl))
    out = Document(str(render(results_dir, tmp_path / "out.docx", "en", tpl)))
    assert [el.get(qn("w:val")) for el in out.settings.element.iter(qn("w:updateFields"))] == ["false"]


def test_word_vars_lists_what_the_context_lacks(results_dir: Path, tmp_path: Path) -> None:
    tpl = _template(tmp_path, "{{ report.titel }} {{ brand_colour }}", "{%p for r in m.totals %}",
                    "{{ r.label }} {{ r.valeu }} {{ loop.index }}", "{%p endfor %}", "{% set x = 1 %}{{ x }}",
                    "{{ t.report_title }} {{ m.facilities[0].name }}")
    assert missing_variables(tpl, results_dir) == ["brand_colour", "r.valeu", "report.titel"]
    r = CliRunner().invoke(app, ["word-vars", str(tpl), "--results", str(results_dir)])
    assert r.exit_code == 1 and r.stdout.split() == ["brand_colour", "r.valeu", "report.titel"]
    with pytest.raises(ReportError, match="titel"):
        render(results_dir, tmp_path / "x.docx", "zh-CN", tpl)


@pytest.mark.parametrize("expr", ["{{ charts.scopes._image }}", "{{ ''.__class__.__mro__ }}",
                                  "{{ m.totals.append(1) }}", "{{ report.title.__class__ }}"])
def test_a_template_runs_in_the_sandbox(results_dir: Path, tmp_path: Path, expr: str) -> None:
    tpl = _template(tmp_path, expr)
    with pytest.raises(ReportError):
        render(results_dir, tmp_path / "x.docx", "zh-CN", tpl)


def test_cli_word(results_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["word", str(results_dir), "--out", str(tmp_path / "r.docx"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert Document(str(tmp_path / "r.docx")).paragraphs[0].text == "Yunxiu Building Materials Holdings Group Co., Ltd."
    r = CliRunner().invoke(app, ["word", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.docx")])
    assert r.exit_code == 1 and "results.json" in r.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text('{"schema": "other/9"}', encoding="utf-8")
    r = CliRunner().invoke(app, ["word", str(tmp_path / "bad"), "--out", str(tmp_path / "x.docx")])
    assert r.exit_code == 1 and "disclosure.results/1" in r.output


# --- as a reader sees it --------------------------------------------------------------------------------------

def _flat(page: str) -> str:
    return re.sub(r"\s+", "", page)


def test_pages_rendered_zh(pages: dict[str, list[str]], results: dict[str, Any]) -> None:
    zh = pages["zh-CN"]
    assert 8 <= len(zh) <= 60
    text = _flat("".join(zh))
    for key in CHAPTERS:
        assert _flat(ZH[key]) in text, ZH[key]
    for key in METRIC_SECTIONS:
        assert _flat(ZH[key]) in text, ZH[key]
    scope1 = fmt(results["totals"]["scope1"])
    assert scope1 in text
    assert fmt(results["totals"]["scope2_location"]) in text and fmt(results["totals"]["scope3"]) in text
    assert _flat(ZH["report_title"].format(year="2025")) in _flat(zh[0])          # the cover
    assert "R&D" in text                                                          # & kept in the demo text
    assert "□" not in text and "\ufffd" not in text                               # no replacement boxes
    metrics_page = next(p for p in zh if _flat(ZH["cap_totals"].format(n=1)) in _flat(p))
    assert scope1 in metrics_page


def test_pages_rendered_en(pages: dict[str, list[str]], results: dict[str, Any]) -> None:
    en = pages["en"]
    assert 8 <= len(en) <= 60
    text = " ".join(re.sub(r"\s+", " ", p) for p in en)
    for key in CHAPTERS + METRIC_SECTIONS:
        assert EN[key] in text, EN[key]
    assert fmt(results["totals"]["scope1"]) in text
    assert "Climate-related Disclosures 2025" in re.sub(r"\s+", " ", en[0])


def test_contents_page_numbers_as_printed(pages: dict[str, list[str]], reports: dict[str, Path],
                                           prior_reports: dict[str, Path]) -> None:
    """The page number the contents page prints for each entry (LibreOffice computes the PAGEREF
    fields as it lays the pages out) is the page its heading is printed on, and the number in that
    page's footer: chapter 5 in each language, and every other entry."""
    docx = {**reports, **{f"{lang}-prior": path for lang, path in prior_reports.items()}}
    entry = re.compile(r"\s*(\S.*?)\s*\.{4,}\s*(\d+)\s*$")     # a title, a dotted leader, a number
    for lang, texts_ in (("zh-CN", ZH), ("en", EN), ("zh-CN-prior", ZH), ("en-prior", EN)):
        doc = pages[lang]
        assert _flat(texts_["contents"]) in _flat(doc[1])
        listed: dict[str, int] = {}
        last = 1                                                  # the contents start on page 2
        while m := [entry.match(line) for line in doc[last].splitlines() if entry.match(line)]:
            listed.update((_flat(x.group(1)), int(x.group(2))) for x in m)
            last += 1
        assert len(listed) == len(contents(Document(str(docx[lang])))), lang

        first_on: dict[str, int] = {}                             # each line after the contents: its first page
        for n, page in enumerate(doc[last:], start=last + 1):
            for line in page.splitlines():
                first_on.setdefault(_flat(line), n)
        chapter5 = listed[_flat(texts_["h_metrics"])]
        assert chapter5 > last and first_on[_flat(texts_["h_metrics"])] == chapter5, lang
        assert doc[chapter5 - 1].rstrip().splitlines()[-1].strip() == str(chapter5)   # the footer's PAGE field
        for title, n in listed.items():
            assert first_on.get(title) == n, (lang, title, n)
        assert sorted(listed.values()) == list(listed.values())


def test_pages_rendered_with_the_prior_year(pages: dict[str, list[str]], compared: dict[str, Any]) -> None:
    c = compared["change"]
    for lang, texts_ in (("zh-CN-prior", ZH), ("en-prior", EN)):
        page = next(p for p in pages[lang] if _flat(texts_["cap_yoy"].format(n=2)) in _flat(p))
        # the whole table on one page, each row's figures on one line as printed
        lines = [re.sub(r"\s+", " ", x).strip() for x in page.splitlines()]
        was, now = compared["prior"]["published"], compared["published"]["totals"]
        for key in TOTAL_KEYS:   # the published figures of both years and their difference
            figures = " ".join([fmt(was[key]), fmt(now[key]), fmt(now[key] - was[key]),
                                fmt(c[key]["relative"], "share")])
            assert any(line.endswith(figures) for line in lines), (lang, key, figures)
        log = next(p for p in pages[lang] if _flat(texts_["cap_base_year"].format(n=3)) in _flat(p))
        tangshan = compared["base_year"]["log"][0]
        assert fmt(tangshan["share_of_prior"], "share") in log and "YX-TS" in log
    assert _flat(ZH["h3_base_year"]) in _flat("".join(pages["zh-CN-prior"]))
    assert _flat(ZH["yoy_none"]) in _flat("".join(pages["zh-CN"]))


def test_demo_disclosures_yaml_is_written_by_the_fixture_script() -> None:
    text = (DEMO / "disclosures.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert set(data) >= {"governance", "strategy", "risk_management", "targets", "metrics", "carbon_market",
                         "carbon_market_accounting", "assurance", "history"}
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_fixtures", ROOT / "fixtures" / "build_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert text == mod.DISCLOSURES_YAML


def test_no_machine_strings_in_the_rendered_pages(pages: dict[str, list[str]], results: dict[str, Any]) -> None:
    """What a CFO signs names datasets by their titles, never by the tool's ids, versions written
    ``@``, file names or the trace's ``inventory:`` references — in either language, with or without
    the prior year."""
    ids = sorted({str(x["id"]) for x in results["factor_datasets"]}, key=len, reverse=True)
    machine = re.compile("|".join([r"@", r"\.yaml\b", r"inventory:", r"\.csv\b", r"\.parquet\b",
                                   *[re.escape(i) for i in ids]]))
    for name, text in pages.items():
        flat = "".join(text)
        # a dataset id may be cut at a hyphen at the end of a line: read the lines joined too
        joined = re.sub(r"-\s*\n\s*", "-", flat)
        found = sorted({m.group(0) for m in machine.finditer(flat)} | {m.group(0) for m in machine.finditer(joined)})
        assert not found, (name, found)
    # the stamp of the tool is not on the cover (options.tool_stamp is off by default)
    assert "disclosure 0.1.0" not in pages["zh-CN"][0] and ZH["cover_generated"].split("{")[0] not in pages["zh-CN"][0]
    # category 3's derivation names the two datasets by their titles
    titles = {x["id"]: x["title_zh"] for x in results["factor_datasets"]}
    method = _flat("".join(pages["zh-CN"]))
    assert _flat(titles["cn-electricity-footprint-2023"]) in method and _flat(titles["cn-grid-2023"]) in method


def test_the_contents_fit_one_page_and_word_is_not_asked_to_update(pages: dict[str, list[str]],
                                                                   reports: dict[str, Path]) -> None:
    for lang in ("zh-CN", "en"):
        texts_ = ZH if lang == "zh-CN" else EN
        contents_page = next(i for i, p in enumerate(pages[lang]) if _flat(texts_["contents"]) in _flat(p))
        # the next page opens chapter 1: no spill page of a few entries
        assert _flat(texts_["h_about"]) in _flat(pages[lang][contents_page + 1].split("\n", 3)[-1][:400]), lang
        assert Document(str(reports[lang])).settings.element.find(qn("w:updateFields")) is None


def test_a_company_without_biomass_says_so_in_one_sentence(results_dir: Path, zh_doc: Any, tmp_path: Path) -> None:
    folder = tmp_path / "no-biomass"
    shutil.copytree(results_dir, folder)
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    data["totals"]["biogenic_co2"] = 0.0
    data["published"]["totals"]["biogenic_co2"] = 0.0   # the figure as published, which the report prints
    (folder / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    doc = Document(str(render(folder, tmp_path / "r.docx", "zh-CN")))
    assert ZH["biogenic_none"] in [p.text for p in doc.paragraphs]
    assert not [c for c in captions(doc) if cap(c) == cap(ZH["cap_biogenic"])]
    # the table after it takes its number: no gap
    number = {cap(c): c.split(" ")[1] for c in captions(zh_doc)}
    assert {cap(c): c.split(" ")[1] for c in captions(doc)}[cap(ZH["cap_intensity"])] == number[cap(ZH["cap_biogenic"])]


def test_the_tool_stamp_only_where_asked(results_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "stamped"
    shutil.copytree(results_dir, folder)
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    data["settings"]["tool_stamp"] = True
    (folder / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    doc = Document(str(render(folder, tmp_path / "r.docx", "zh-CN")))
    assert ZH["cover_generated"].format(version=data["tool"]["version"]) in [p.text for p in doc.paragraphs]


def test_the_dataset_table_names_publishers_and_documents_in_the_readers_language(
        zh_doc: Any, reports: dict[str, Path], results: dict[str, Any]) -> None:
    """Table 6-1 in the Chinese report names every publisher and document in Chinese (the datasets'
    ``publisher_zh``/``document_zh``), the English report in English: no "(MEE, NBS)", "IPCC Task
    Force" or "Announcement on" in the Chinese table, no Chinese character in the English one."""
    en_doc = Document(str(reports["en"]))
    zh_rows = tables_by_caption(zh_doc)[cap(ZH["cap_datasets"])][1:]
    en_rows = tables_by_caption(en_doc)[cap(EN["cap_datasets"])][1:]
    assert len(zh_rows) == len(en_rows) == len(results["factor_datasets"])
    by_id = {x["id"]: x for x in results["factor_datasets"]}
    assert by_id["cn-grid-2023"]["publisher_zh"] == "生态环境部、国家统计局"
    for row in zh_rows:
        publisher_doc = row[1]
        assert not re.search(r"\((MEE|NBS|NDRC)|Task Force|Announcement|Guidelines for", publisher_doc), row
    zh_cells = "\n".join(r[1] for r in zh_rows)
    assert "生态环境部、国家统计局\n关于发布2023年电力二氧化碳排放因子的公告" in zh_cells
    assert "政府间气候变化专门委员会（IPCC）国家温室气体清单专题组" in zh_cells
    for row in en_rows:
        assert not re.search(r"[\u3400-\u9fff]", row[0] + row[1]), row
    en_cells = "\n".join(r[1] for r in en_rows)
    assert ("Ministry of Ecology and Environment (MEE); National Bureau of Statistics (NBS)\n"
            "Announcement on the 2023 electricity CO2 emission factors") in en_cells


def _factor_groups_by_pandas(tr: Any) -> Any:
    """The factor appendix's groups as pandas' groupby gives them (the rule ``_factor_groups``
    computes on codes): the included lines, their gas label and user factor id, grouped."""
    import pandas as pd

    tr = tr.loc[tr["status"] == "included"].astype({c: "str" for c in tr.columns
                                                   if isinstance(tr[c].dtype, pd.CategoricalDtype)})
    has = tr[["t_CO2", "t_CH4", "t_N2O"]].notna()
    one = has.sum(axis=1) == 1
    tr["gas_label"] = ""
    for col, name in {"t_CO2": "CO₂", "t_CH4": "CH₄", "t_N2O": "N₂O"}.items():
        tr.loc[one & has[col], "gas_label"] = name
    tr.loc[~has.any(axis=1) & tr["biogenic_co2"].notna(), "gas_label"] = "CO₂"
    user = tr["factor_dataset"].astype("str").str.startswith("inventory:")
    tr["user_factor_id"] = tr["factor_id"].where(user, "")
    from disclosure.export.word.context import _FACTOR_KEYS

    return tr.groupby(list(_FACTOR_KEYS), dropna=False, sort=False).size().reset_index(name="lines")


def _drawn_trace(draw: Any, n: int) -> Any:
    import numpy as np
    import pandas as pd
    from hypothesis import strategies as st

    def text(values: list[str | None]) -> Any:
        return pd.Series(draw(st.lists(st.sampled_from(values), min_size=n, max_size=n)), dtype="str")

    def number(values: list[float]) -> Any:
        return pd.Series(draw(st.lists(st.sampled_from(values), min_size=n, max_size=n)), dtype="float64")

    return pd.DataFrame({
        "status": text(["included", "excluded", None]),
        "scope": pd.array(draw(st.lists(st.sampled_from([1, 2, 3, None]), min_size=n, max_size=n)), dtype="Int64"),
        "source": text(["stationary_combustion", "scope3", None]),
        "activity": text(["柴油", "", "diesel", None]),
        "factor_dataset": text(["inventory:factors", "cn-grid-2023@1", "row", None]),
        "factor_id": text(["U-1", "", "diesel", None]),
        "factor_value": number([0.5, 0.0, -0.0, np.nan, 1e-300]),
        "factor_unit": text(["tCO2/MWh", None]),
        "precedence": text(["row", "default", None]),
        "ncv": number([np.nan, 43.3]), "ncv_unit": text(["GJ/t", None]),
        "carbon_content": number([np.nan, 0.0202]), "oxidation_rate": number([np.nan, 0.98]),
        "gas_other": text(["SF6", None]), "gwp_other": number([np.nan, 23500.0]),
        "t_CO2": number([np.nan, 1.0]), "t_CH4": number([np.nan, 0.1]), "t_N2O": number([np.nan, 0.01]),
        "biogenic_co2": number([np.nan, 2.0]),
    })


@given(st.data(), st.integers(0, 60), st.booleans())
@settings(max_examples=150, deadline=None, derandomize=True)
def test_the_factor_appendix_groups_are_pandas_groupby_on_codes(data: Any, n: int, categorical: bool) -> None:
    """``_factor_groups`` (integer codes over the whole trace, no copy of its lines) gives the rows,
    values, order and counts that pandas' groupby of the included lines gives, from text read as
    categoricals (as the report reads its trace) or as text; -0.0, NaN and empty text included."""
    import pandas as pd

    from disclosure.export.word.context import _factor_groups

    tr = _drawn_trace(data.draw, n)
    given_tr = tr.astype({c: "category" for c in tr.columns if tr[c].dtype == "str"}) if categorical else tr
    got, want = _factor_groups(given_tr), _factor_groups_by_pandas(tr)
    pd.testing.assert_frame_equal(got.astype({"gas_label": "str"}), want.astype({"gas_label": "str"}),
                                  check_index_type=False)
    for c in ("factor_value",):   # the sign of a zero as the group's first value has it
        assert [repr(v) for v in got[c]] == [repr(v) for v in want[c]]
