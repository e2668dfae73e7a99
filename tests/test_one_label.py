"""One label per concept per language (issue 11).

The vocabulary (disclosure/core/vocabulary.yaml) gives each value of each enumeration its label in
zh-CN and English (and a long label where a sentence needs the full name), and records under
``retired`` the other names the same concept had in the project before it had one (运营控制法 and
控制权法（运营控制） for 运营控制权法, 其他被投资方 for 其他被投资单位, 绿色电力证书 for 绿证 …).

These tests fail when a concept is spelled with another label: they read every label-bearing data
file (text.yaml, concepts.yaml, codes.yaml), the exporters' sources, and the demo pack as it is
rendered (the Word report in both languages, the Inline XBRL page, the xBRL-XML instance's text
blocks, the extension taxonomy's labels, the workpapers), and report each retired name found
outside a label that contains it (可再生能源绿色电力证书 holds 绿色电力证书 legitimately). The user's
own texts (disclosures.yaml, the Scope 3 exclusion reasons) are the user's words and are left out.

The module needs only the vocabulary *file* and the ``disclosure`` command line, so it runs against
an older tree too (that is how it was shown to fail before the vocabulary existed).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from docx import Document
from lxml import etree
from typer.testing import CliRunner

from disclosure.cli import app

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "disclosure"
VOCABULARY = PKG / "core" / "vocabulary.yaml"
DATA_FILES = [PKG / "export" / "word" / "text.yaml", PKG / "export" / "xbrl" / "concepts.yaml",
              PKG / "core" / "codes.yaml"]
DEMO = REPO / "fixtures" / "demo-group"


# --- what the vocabulary file says ------------------------------------------------------------------

def _vocabulary() -> dict[str, Any]:
    return yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))


def _terms() -> list[tuple[str, Any, dict[str, Any]]]:
    return [(name, key, t) for name, e in _vocabulary().items() for key, t in (e.get("values") or {}).items()]


def labels() -> list[tuple[str, str]]:
    """(zh | en, label) for every label and long label of the vocabulary."""
    out = set()
    for _, _, t in _terms():
        for lang in ("zh", "en"):
            out.add((lang, t[lang]))
            if (t.get("long") or {}).get(lang):
                out.add((lang, t["long"][lang]))
    return sorted(out)


def retired() -> list[tuple[str, str, str]]:
    """(zh | en, a retired name, the value it named)."""
    return [(lang, r, f"{name}.{key}") for name, key, t in _terms()
            for lang in ("zh", "en") for r in (t.get("retired") or {}).get(lang) or ()]


def _pattern(lang: str, text: str) -> re.Pattern[str]:
    if lang == "en":   # whole words, any case ("Industrial process" is not inside "industrial processes")
        return re.compile(r"(?<![A-Za-z])" + re.escape(text) + r"(?![A-Za-z])", re.I)
    return re.compile(re.escape(text))


def violations(text: str, langs: tuple[str, ...] = ("zh", "en")) -> list[str]:
    """The retired names in ``text`` that no current label around them accounts for."""
    spans = [m.span() for lang, lab in labels() if lang in langs for m in _pattern(lang, lab).finditer(text)]
    found = []
    for lang, name, owner in retired():
        if lang not in langs:
            continue
        for m in _pattern(lang, name).finditer(text):
            i, j = m.span()
            if not any(a <= i and j <= b for a, b in spans):
                found.append(f"{name!r} (now {owner}) in …{text[max(0, i - 30):j + 30]}…")
    return found


# --- the pack, rendered ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's 2025 report in both languages (no IFRS package: the words are what is tested)."""
    out = tmp_path_factory.mktemp("one-label") / "demo"
    res = CliRunner().invoke(app, ["report", str(DEMO), "--out", str(out), "--lang", "all"])
    assert (out / "results.json").is_file(), res.output
    return out


def _user_texts(results: dict[str, Any]) -> list[str]:
    """The user's own words the outputs repeat: disclosures.yaml and the Scope 3 exclusion reasons
    (each as given, each line of it, and each half of a "中文 / English" text)."""
    texts: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            texts.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(results.get("disclosures"))
    walk([c.get("reason") for c in results.get("scope3_categories") or []])
    out = set()
    for t in texts:
        for part in [t, *t.split("\n"), *t.split(" / ")]:
            if part.strip():
                out.add(part.strip())
    return sorted(out, key=len, reverse=True)


def _mask(text: str, user: list[str]) -> str:
    for u in user:
        text = text.replace(u, " ¶ ")
    return text


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def _xml_text(data: bytes) -> str:
    return "\n".join(etree.fromstring(data).itertext())


def rendered(pack: Path) -> dict[str, str]:
    """Every output of the pack that prints words, as text (the user's own words masked)."""
    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    user = _user_texts(results)
    out = {name: _docx_text(pack / name) for name in ("report.zh-CN.docx", "report.en.docx")}
    xhtml = next(pack.glob("*.xhtml"))
    out[xhtml.name] = _xml_text(xhtml.read_bytes())
    instance = etree.parse(str(next(pack.glob("*.xbrl"))))
    out["instance text blocks"] = "\n".join(
        _xml_text(el.text.encode()) for el in instance.getroot() if (el.text or "").lstrip().startswith("<div"))
    with zipfile.ZipFile(next((pack / "taxonomy").glob("*.zip"))) as z:
        out["taxonomy labels"] = "\n".join(_xml_text(z.read(n)) for n in z.namelist() if "_lab-" in n)
    wb = openpyxl.load_workbook(io.BytesIO((pack / "workpapers.xlsx").read_bytes()), read_only=True)
    out["workpapers Summary"] = "\n".join(str(c) for row in wb["Summary"].iter_rows(values_only=True)
                                          for c in row if isinstance(c, str))
    return {name: _mask(text, user) for name, text in out.items()}


# --- the tests ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_no_data_file_spells_a_concept_with_a_retired_name(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


def test_no_source_writes_a_retired_chinese_name() -> None:
    """The exporters, the loader and the messages: a Chinese label in code is a second place for it."""
    found = {str(p.relative_to(REPO)): v for p in sorted(PKG.rglob("*.py"))
             if (v := violations(p.read_text(encoding="utf-8"), ("zh",)))}
    assert found == {}


def test_the_rendered_pack_spells_each_concept_one_way(pack: Path) -> None:
    found = {name: v for name, text in rendered(pack).items() if (v := violations(text))}
    assert found == {}


def test_the_pack_prints_the_vocabularys_labels(pack: Path) -> None:
    """The words the old readers disagreed on, as the pack now prints them."""
    from disclosure.core import vocabulary as vocab

    results = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    texts = rendered(pack)
    zh_doc, en_doc, page = texts["report.zh-CN.docx"], texts["report.en.docx"], texts[next(pack.glob("*.xhtml")).name]
    cons = results["settings"]["consolidation"]
    assert f"温室气体排放按{vocab.label('consolidation', cons)}确定组织边界" in zh_doc
    assert f"follows the {vocab.label('consolidation', cons, 'en')}:" in en_doc
    assert f"组织边界采用{vocab.label('consolidation', cons)}" in texts["instance text blocks"]
    assert " / ".join(vocab.pair("consolidation", cons)) in page
    for lang, text in (("zh-CN", zh_doc), ("en", en_doc)):
        assert vocab.label("disclosure_basis", "other_investees", lang, capital=True) in text
    assert vocab.label("disclosure_basis", "other_investees") in page
    # every instrument's type, in the Word table and on the page, is its vocabulary label
    doc = Document(str(pack / "report.zh-CN.docx"))
    ins_ids = {i["instrument_id"]: i["type"] for i in results["scope2_instruments"]}
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows if r.cells[0].text in ins_ids]
    assert rows and all(r[1] == vocab.label("instrument_type", ins_ids[r[0]]) for r in rows)
    for t in set(ins_ids.values()):
        assert vocab.label("instrument_type", t) in page
    # the taxonomy's member labels are the vocabulary's long labels
    assert "可再生能源绿色电力证书" in texts["taxonomy labels"]
    assert "合并会计集团以外的其他被投资单位" in texts["taxonomy labels"]


def test_concepts_yaml_leaves_the_members_labels_to_the_vocabulary() -> None:
    """A member the vocabulary holds has no labels of its own in concepts.yaml: the taxonomy builder
    takes the vocabulary's, so the two cannot disagree."""
    from disclosure.core import vocabulary as vocab
    from disclosure.export.xbrl import taxonomy

    data = yaml.safe_load((PKG / "export" / "xbrl" / "concepts.yaml").read_text(encoding="utf-8"))
    prefix, ifrs = data["taxonomy"]["prefix"], data["ifrs"]["prefix"]
    spelled = [c["name"] for c in data["concepts"] if c.get("kind") == "member"
               and vocab.vocabulary().by_xbrl(f"{prefix}:{c['name']}") and (c.get("zh") or c.get("en"))]
    spelled += [n for n, zh in data["ifrs_labels"].items() if n.endswith("Member")
                and vocab.vocabulary().by_xbrl(f"{ifrs}:{n}") and zh]
    assert spelled == []
    s = taxonomy.spec()
    for t in vocab.vocabulary().terms():
        if t.xbrl and t.xbrl.endswith("Member") and t.xbrl in s.concepts:
            c = s.concept(t.xbrl)
            assert c.zh == taxonomy.member_labels(t.xbrl)[0]
            assert t.label("zh-CN", long=True) in c.zh
            if c.prefix == prefix:
                assert c.en == f"{t.label('en', long=True, capital=True)} [member]"


def test_text_yaml_keeps_sentences_not_enumeration_labels() -> None:
    """No entry of the Word catalogue is an enumeration value's label under a key named after it
    (``source_process``, ``instrument_gec`` …): those live in the vocabulary only."""
    cat = yaml.safe_load(DATA_FILES[0].read_text(encoding="utf-8"))
    entries = {k: v for k, v in cat.items() if isinstance(v, dict) and "zh" in v}
    entries.update({f"fields.{k}": v for k, v in cat["fields"].items()})
    found = []
    for name, key, t in _terms():
        words = {t["zh"], *((t.get("long") or {}).get("zh"),)} - {None}
        for k, v in entries.items():
            if k.split(".")[-1].endswith(str(key)) and v["zh"] in words:
                found.append(f"{k}: {v['zh']} ({name}.{key})")
    assert found == []


def test_messages_print_enumeration_values_in_their_own_language(tmp_path: Path) -> None:
    """'应为：energy 能量' mixed the languages: a message lists the allowed values and names a source in
    the language of the message."""
    from disclosure import load_inventory

    (tmp_path / "report.yaml").write_text(yaml.safe_dump({
        "entity": {"name_zh": "测试集团", "identifier": "91110000710938466P"},
        "period": {"start": "2025-01-01", "end": "2025-12-31"}}, allow_unicode=True), encoding="utf-8")
    (tmp_path / "entities.csv").write_text(
        "entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated\n"
        "E1,测试集团,,1,是,是,是\n", encoding="utf-8")
    (tmp_path / "facilities.csv").write_text("facility_id,entity_id,name,province\nF1,E1,一厂,北京\n",
                                             encoding="utf-8")
    (tmp_path / "activities.csv").write_text(
        "record_id,facility_id,period_start,period_end,source,activity,quantity,unit\n"
        "A1,F1,2025-01-01,2025-12-31,purchased_electricity,电力,100,kg\n"
        "A2,F1,2025-01-01,2025-12-31,燃烧,天然气,5,t\n", encoding="utf-8")
    _, issues = load_inventory(tmp_path)
    by = {i.code: i for i in issues}
    assert by["wrong-dimension"].message("zh-CN") == "单位“kg”的量纲不适用于“外购电力”；应为：能量"
    assert by["wrong-dimension"].message("en") == \
        "unit 'kg' has the wrong dimension for 'purchased electricity'; expected: energy"
    zh, en = by["bad-enum"].message("zh-CN"), by["bad-enum"].message("en")
    assert zh.endswith("可选：固定燃烧、移动燃烧、工业过程、逸散排放、外购电力、外购热力、外购蒸汽、外购冷量、范围三")
    assert en.endswith("choose one of: stationary combustion, mobile combustion, industrial processes, fugitive "
                       "emissions, purchased electricity, purchased heat, purchased steam, purchased cooling, Scope 3")
    # the values themselves stay in the machine-readable params
    assert dict(by["bad-enum"].params)["allowed"][:2] == ("stationary_combustion", "mobile_combustion")
