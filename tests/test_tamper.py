"""Tampering with a report pack (issue 13): each change an attacker could make, with the manifest's
hashes (and the input digest) made to match again as the attacker would, makes ``disclosure
verify`` exit 1 with a finding naming the file, because verify renders the whole pack again from
its inputs and compares every file byte for byte. An untouched pack verifies (exit 0), and the pack
digest ``report`` prints is the one ``verify`` prints. A malformed manifest is a finding (exit 1),
never an internal error.

One demo pack is built for the module (without the IFRS package: Arelle's part is in
test_report.py) and copied for each case.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from disclosure.assure.verify import verify
from disclosure.cli import app
from disclosure.export import manifest
from disclosure.export.xbrl import stem_of

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-group"


@pytest.fixture(autouse=True)
def _no_ifrs_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCLOSURE_IFRS_PACKAGE", raising=False)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo pack, made by the command line; and what it printed."""
    out = tmp_path_factory.mktemp("tamper") / "pack"
    res = CliRunner().invoke(app, ["report", str(DEMO), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


@pytest.fixture
def pack(made: tuple[Path, str], tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(made[0], dst)
    return dst


def rehash(d: Path) -> None:
    """What an attacker does after an edit: every file entry of the manifest made to match the
    folder again (files added or removed included), and the input digest recomputed."""
    man = json.loads((d / manifest.MANIFEST).read_text(encoding="utf-8"))
    man["files"] = {rel: {"sha256": manifest.sha256(d / rel), "bytes": (d / rel).stat().st_size,
                          "role": manifest.role_of(rel)} for rel in manifest.files_of(d)}
    man["input_digest"] = manifest.input_digest({k: v["sha256"] for k, v in man["files"].items()}, man["langs"],
                                                man["force"], man["inventory"])
    (d / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")


def scope1_shown(pack: Path) -> tuple[str, str]:
    """Scope 1 as the reports show it (two decimals, thousands separated), read from the pack's own
    results.json, and the same figure one cent higher: the tampered value."""
    scope1 = json.loads((pack / "results.json").read_text(encoding="utf-8"))["totals"]["scope1"]
    return f"{scope1:,.2f}", f"{round(scope1, 2) + 0.01:,.2f}"


def edit_zip(path: Path, member: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite one member of a zip file (a Word report, the workpapers, the report package),
    keeping the others and their order, as a tool editing the file would."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, edit(data) if info.filename == member else data)
    path.write_bytes(buf.getvalue())


def replace_once(old: str, new: str) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        assert text.count(old) >= 1, old
        return text.replace(old, new, 1).encode("utf-8")
    return edit


def run_verify(d: Path) -> tuple[int, list[str], str]:
    """verify on the command line: exit code, the finding lines, the whole output."""
    res = CliRunner().invoke(app, ["verify", str(d)])
    findings = [line for line in res.output.splitlines() if re.match(r"\[[a-z]+\] ", line)]
    return res.exit_code, findings, res.output


def instance(d: Path) -> Path:
    return d / f"{stem_of(json.loads((d / 'results.json').read_text(encoding='utf-8')))}.xbrl"


def assert_caught(d: Path, *named: str) -> list[str]:
    """verify exits 1 and a finding names each of ``named`` (a file, or a file and what in it)."""
    rehash(d)
    code, findings, output = run_verify(d)
    assert code == 1, output
    for what in named:
        assert any(what in f for f in findings), (what, findings)
    # hashes match: the findings come from re-rendering, never from the hash check
    assert not any(f.startswith(("[altered]", "[unrecorded]", "[digest]")) for f in findings), findings
    return findings


# --- the untouched pack ------------------------------------------------------------------------------------

# the line report and verify print, in the run's language (core/ui.yaml pack_digest)
INPUT_DIGEST_LINE = r"^(?:input digest \(SHA-256\): |输入摘要（SHA-256）：)([0-9a-f]{64})$"
PACK_DIGEST_LINE = r"^(?:pack digest \(SHA-256\): |报告包摘要（SHA-256）：)([0-9a-f]{64})$"


def test_an_untouched_pack_verifies_and_both_commands_print_one_pack_digest(made: tuple[Path, str]) -> None:
    out, printed = made
    code, findings, output = run_verify(out)
    assert code == 0 and findings == [], output
    digests = re.findall(PACK_DIGEST_LINE, printed, re.M)
    assert len(digests) == 1
    assert re.findall(PACK_DIGEST_LINE, output, re.M) == digests
    # the pack digest: sha256 over the lines "SHA256  PATH" of every file, manifest.json included
    lines = "".join(f"{manifest.sha256(out / rel)}  {rel}\n" for rel in sorted([*manifest.files_of(out),
                                                                                manifest.MANIFEST]))
    import hashlib

    assert digests[0] == hashlib.sha256(lines.encode("utf-8")).hexdigest()
    # the input digest is printed by both, stated in the Word report and tagged in the XBRL
    inputs = re.findall(INPUT_DIGEST_LINE, printed, re.M)
    assert inputs == re.findall(INPUT_DIGEST_LINE, output, re.M) and len(inputs) == 1
    assert manifest.read(out)["input_digest"] == inputs[0]
    assert re.search(rf'<csdsx:InputDigestOfReport contextRef="c1" id="f\d+">{inputs[0]}</csdsx:InputDigestOfReport>',
                     instance(out).read_text(encoding="utf-8"))
    doc = zipfile.ZipFile(out / "report.zh-CN.docx").read("word/document.xml").decode("utf-8")
    assert f"输入摘要（SHA-256）为 {inputs[0]}" in doc


def test_the_input_digest_is_defined_over_the_copies_and_the_run_settings(made: tuple[Path, str]) -> None:
    """The definition in export/manifest.py, computed by hand: canonical JSON of the files under
    inputs/, factors/ and prior/, the languages, --force and the inventory's path."""
    import hashlib

    out = made[0]
    files = {rel: manifest.sha256(out / rel) for rel in manifest.files_of(out)
             if rel.split("/")[0] in ("inputs", "factors", "prior")}
    assert "inputs/activities.csv" in files and "factors/cn-grid-2023@1.yaml" in files
    doc = json.dumps({"files": files, "force": False, "inventory": "inputs", "langs": ["zh-CN"],
                      "schema": "disclosure.input-digest/1"}, ensure_ascii=False, separators=(",", ":"))
    assert manifest.read(out)["input_digest"] == hashlib.sha256(doc.encode("utf-8")).hexdigest()
    # every setting in it changes it
    base = manifest.read(out)["input_digest"]
    assert manifest.input_digest(files, ["zh-CN", "en"], False, "inputs") != base
    assert manifest.input_digest(files, ["zh-CN"], True, "inputs") != base
    changed = {**files, "inputs/report.yaml": "0" * 64}
    assert manifest.input_digest(changed, ["zh-CN"], False, "inputs") != base


def test_the_pack_is_the_same_whatever_the_folder_time_zone_and_locale(made: tuple[Path, str],
                                                                        tmp_path: Path) -> None:
    """The premise of comparing byte for byte: the report in another folder (its name with a space
    and Chinese characters, at another depth), another time zone (UTC+14) and the POSIX locale
    gives the same bytes, file for file."""
    out = tmp_path / "另一个 folder" / "年报 2025"
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LC_ALL": "POSIX", "LANG": "POSIX"}
    env.pop("DISCLOSURE_IFRS_PACKAGE", None)
    res = subprocess.run([str(Path(sys.executable).with_name("disclosure")), "report", str(DEMO), "--out", str(out)], env=env,
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    ref = made[0]
    assert manifest.files_of(out) == manifest.files_of(ref)
    for rel in [*manifest.files_of(ref), manifest.MANIFEST]:
        assert (out / rel).read_bytes() == (ref / rel).read_bytes(), rel


# --- the cases of issue 13, each with the manifest's hashes updated to match ---------------------------------

def test_scope1_in_the_word_report(pack: Path) -> None:
    shown, tampered = scope1_shown(pack)
    edit_zip(pack / "report.zh-CN.docx", "word/document.xml", replace_once(f">{shown}<", f">{tampered}<"))
    findings = assert_caught(pack, "report.zh-CN.docx/word/document.xml paragraph")
    assert any(f"'{tampered}'" in f and f"'{shown}'" in f for f in findings), findings


def test_a_co2e_value_in_the_workpapers(pack: Path) -> None:
    wp = pack / "workpapers.xlsx"
    z = zipfile.ZipFile(wp)
    sheet = z.read("xl/worksheets/sheet2.xml").decode("utf-8")  # the Trace sheet
    shared = re.findall(r"<si><t[^>]*>([^<]*)</t></si>", z.read("xl/sharedStrings.xml").decode("utf-8"))
    # the line's row: its line_id (column A, a shared string) opens it
    found = re.search(rf'<row r="([0-9]+)"><c t="s"><v>{shared.index("F03-SC-COAL-Q4")}</v></c>.*?</row>', sheet)
    assert found
    row = found.group(1)
    trace = pd.read_parquet(pack / "trace.parquet")
    col = list(trace.columns).index("co2e")
    letters = ""
    n = col + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    # a cell names its column only after an empty one; otherwise it is the one after the cell before
    k, value = 0, None
    for c in re.finditer(r'<c( r="([A-Z]+)[0-9]+")?[^>]*>(?:<v>([^<]*)</v>)?</c>', found.group(0)):
        k = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(c.group(2)))) if c.group(2) else k + 1
        if k == col + 1:
            value = c
            break
    assert value is not None and value.group(3)
    line = found.group(0)
    tampered = value.group(0).replace(f"<v>{value.group(3)}<", f"<v>{value.group(3)}1<")
    edit_zip(wp, "xl/worksheets/sheet2.xml",
             replace_once(line, line[:value.start()] + tampered + line[value.end():]))
    assert_caught(pack, f"workpapers.xlsx/xl/worksheets/sheet2.xml cell {letters}{row}")


def test_a_co2e_value_in_trace_csv(pack: Path) -> None:
    import csv

    text = (pack / "trace.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith('"F03-SC-COAL-Q4"'))
    header = next(csv.reader([lines[0]]))
    cells = next(csv.reader([lines[i]]))
    cells[header.index("co2e")] = str(float(cells[header.index("co2e")]) + 1)
    buf = io.StringIO()
    csv.writer(buf, lineterminator=lines[i][len(lines[i].rstrip("\r\n")):]).writerow(cells)
    lines[i] = buf.getvalue()
    (pack / "trace.csv").write_text("".join(lines), encoding="utf-8-sig", newline="")
    assert_caught(pack, f"trace.csv line {i + 1}")


def test_a_co2e_value_in_trace_parquet(pack: Path) -> None:
    tr = pd.read_parquet(pack / "trace.parquet")
    tr.loc[tr["line_id"] == "F03-SC-COAL-Q4", "co2e"] += 1.0
    tr.to_parquet(pack / "trace.parquet", index=False)
    assert_caught(pack, "trace.parquet line F03-SC-COAL-Q4 co2e")


def test_a_trace_row_deleted(pack: Path) -> None:
    tr = pd.read_parquet(pack / "trace.parquet")
    n = len(tr)
    tr[tr["line_id"] != "F03-SC-COAL-Q4"].to_parquet(pack / "trace.parquet", index=False)
    text = (pack / "trace.csv").read_text(encoding="utf-8-sig")
    kept = [line for line in text.splitlines(keepends=True) if not line.startswith('"F03-SC-COAL-Q4"')]
    (pack / "trace.csv").write_text("".join(kept), encoding="utf-8-sig")
    findings = assert_caught(pack, "[trace] trace.parquet lines", "trace.csv line")
    assert any(f"trace.parquet lines: found {n - 1}, expected {n}" in f for f in findings), findings


def test_instruments_csv(pack: Path) -> None:
    p = pack / "instruments.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace("GP-2025-AH-0001,green_power,F03,50000.0",
                                                           "GP-2025-AH-0001,green_power,F03,60000.0"),
                 encoding="utf-8-sig")
    assert_caught(pack, "instruments.csv line 4")


def test_the_validated_flag_in_validation_json(pack: Path) -> None:
    p = pack / "validation.json"
    doc = json.loads(p.read_text(encoding="utf-8"))
    assert doc["validated"] is False
    doc["validated"] = True
    p.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    findings = assert_caught(pack, "validation.json validated")
    assert any("found True, expected False" in f for f in findings if "validation.json validated" in f)


def test_scope1_inside_the_report_package(pack: Path) -> None:
    pkg = pack / instance(pack).with_suffix(".zip").name
    stem = instance(pack).stem
    member = f"{stem}/reports/inline/{stem}.xhtml"
    assert member in zipfile.ZipFile(pkg).namelist()

    shown, tampered = scope1_shown(pack)

    def edit(data: bytes) -> bytes:
        text, n = re.subn(r'(name="ifrs-sds:AbsoluteGrossScope1GHGEmissions"[^>]*>)' + re.escape(shown) + "<",
                          lambda m: m.group(1) + tampered + "<", data.decode("utf-8"), count=1)
        assert n == 1
        return text.encode("utf-8")

    edit_zip(pkg, member, edit)
    findings = assert_caught(pack, f"{pkg.name}/{member} ifrs-sds:AbsoluteGrossScope1GHGEmissions")
    assert any(tampered in f and shown in f for f in findings), findings


def test_a_unit_in_the_xbrl(pack: Path) -> None:
    inst = instance(pack)
    text = inst.read_text(encoding="utf-8")
    text, n = re.subn(r'(<xbrli:unit id="u_tCO2e">\s*<xbrli:measure>)utr:tCO2e<', r"\g<1>utr:tCO2<", text, count=1)
    assert n == 1
    inst.write_text(text, encoding="utf-8")
    assert_caught(pack, f"{inst.name} unit u_tCO2e differs")


def test_decimals_in_the_xbrl(pack: Path) -> None:
    inst = instance(pack)
    text = inst.read_text(encoding="utf-8")
    text, n = re.subn(r'(<ifrs-sds:AbsoluteGrossScope1GHGEmissions contextRef="c1" unitRef="u_tCO2e") decimals="2"',
                      r'\g<1> decimals="-3"', text, count=1)
    assert n == 1
    inst.write_text(text, encoding="utf-8")
    findings = assert_caught(pack, f"{inst.name} ifrs-sds:AbsoluteGrossScope1GHGEmissions context c1 u_tCO2e attributes")
    assert any("decimals=-3" in f and "decimals=2" in f for f in findings), findings


def test_a_footnote_in_the_xbrl(pack: Path) -> None:
    inst = instance(pack)
    text = inst.read_text(encoding="utf-8")
    footnote = ('<link:footnoteLink xlink:type="extended" xlink:role="http://www.xbrl.org/2003/role/link">'
                '<link:loc xlink:type="locator" xlink:href="#f3" xlink:label="fact"/>'
                '<link:footnote xlink:type="resource" xlink:label="note" xml:lang="en" '
                'xlink:role="http://www.xbrl.org/2003/role/footnote">Restated: see note 7.</link:footnote>'
                '<link:footnoteArc xlink:type="arc" xlink:arcrole="http://www.xbrl.org/2003/arcrole/fact-footnote" '
                'xlink:from="fact" xlink:to="note"/></link:footnoteLink>\n')
    assert "</xbrli:xbrl>" in text
    text = text.replace("</xbrli:xbrl>", footnote + "</xbrli:xbrl>")
    if "xmlns:link=" not in text:
        text = text.replace("<xbrli:xbrl ", '<xbrli:xbrl xmlns:link="http://www.xbrl.org/2003/linkbase" ', 1)
    inst.write_text(text, encoding="utf-8")
    assert_caught(pack, f"{inst.name} footnoteLink")


@pytest.mark.parametrize("name", ["report.zh-CN.docx", "workpapers.xlsx"])
def test_the_word_report_or_the_workpapers_deleted_and_dropped_from_the_manifest(pack: Path, name: str) -> None:
    (pack / name).unlink()
    findings = assert_caught(pack, f"[missing] {name}")
    assert any("the re-rendered pack has it" in f for f in findings)


def test_the_manifest_settings_edited(pack: Path) -> None:
    man = json.loads((pack / manifest.MANIFEST).read_text(encoding="utf-8"))
    assert man["settings"]["gwp"] == "AR6"
    man["settings"]["gwp"] = "AR4"
    (pack / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")
    findings = assert_caught(pack, "[settings] manifest.json settings.gwp: found 'AR4', expected 'AR6'")
    assert findings == ["[settings] manifest.json settings.gwp: found 'AR4', expected 'AR6' (from the copied report.yaml)"]


@pytest.mark.parametrize("where", ["..", "../../etc", "/etc", "inputs/../..", "factors", "inputs/../inputs"])
def test_inventory_pointed_outside_the_pack(pack: Path, where: str) -> None:
    man = json.loads((pack / manifest.MANIFEST).read_text(encoding="utf-8"))
    man["inventory"] = where
    (pack / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")
    findings = assert_caught(pack, "[outside] manifest.json")
    assert any(f"inventory {where!r}" in f for f in findings), findings


def test_a_file_recorded_outside_the_pack(pack: Path) -> None:
    man = json.loads((pack / manifest.MANIFEST).read_text(encoding="utf-8"))
    man["files"]["../outside.txt"] = dict(man["files"]["trace.csv"])
    (pack / manifest.MANIFEST).write_text(manifest.dumps(man), encoding="utf-8")
    code, findings, output = run_verify(pack)
    assert code == 1 and findings == ["[outside] manifest.json (files '../outside.txt': not a path inside the folder)"], \
        output


def test_a_symbolic_link_in_the_pack(pack: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    shutil.copyfile(pack / "instruments.csv", outside)
    (pack / "instruments.csv").unlink()
    (pack / "instruments.csv").symlink_to(outside)
    code, findings, output = run_verify(pack)
    assert code == 1 and "[outside] instruments.csv (a symbolic link: a pack holds files only)" in findings, output


# --- a malformed manifest: a finding, exit 1 ---------------------------------------------------------------

def _set(path: list[str | int], value: object) -> Callable[[dict], None]:
    def edit(man: dict) -> None:
        node = man
        for k in path[:-1]:
            node = node[k]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return edit


MALFORMED = {
    "not JSON": b"{\"schema\": ",
    "not UTF-8": b"\xff\xfe{}",
    "a list": b"[]",
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "another schema": _set(["schema"], "disclosure.manifest/1"),
    "files missing": _set(["files"], KeyError),
    "a hash of another form": _set(["files", "trace.csv", "sha256"], "XYZ"),
    "bytes as text": _set(["files", "trace.csv", "bytes"], "88065"),
    "an unknown role": _set(["files", "trace.csv", "role"], "evidence"),
    "langs as text": _set(["langs"], "zh-CN"),
    "an unknown engine": _set(["engine"], "spark"),
    "force as text": _set(["force"], "no"),
    "an unknown key": _set(["signed_by"], "me"),
    "settings as a list": _set(["settings"], []),
}
OUTSIDE = {
    "prior elsewhere": _set(["prior"], "../prior/results.json"),
    "a dataset file outside": _set(["factor_datasets", 0, "file"], "../../x.yaml"),
}


@pytest.mark.parametrize("case", [*MALFORMED, *OUTSIDE])
def test_a_malformed_manifest_is_a_finding(pack: Path, case: str) -> None:
    edit = MALFORMED.get(case) or OUTSIDE[case]
    kind = "malformed" if case in MALFORMED else "outside"
    path = pack / manifest.MANIFEST
    if isinstance(edit, bytes):
        path.write_bytes(edit)
    else:
        man = json.loads(path.read_text(encoding="utf-8"))
        edit(man)
        path.write_text(manifest.dumps(man), encoding="utf-8")
    code, findings, output = run_verify(pack)
    assert code == 1, output
    assert len(findings) == 1 and findings[0].startswith(f"[{kind}] manifest.json"), output
    v = verify(pack)
    assert [d.kind for d in v.differences] == [kind]
    # diff says so too, as a usage error, never an internal error
    res = CliRunner().invoke(app, ["diff", str(pack), str(pack)])
    assert res.exit_code == 2 and "manifest.json" in res.output


def test_a_missing_manifest(pack: Path) -> None:
    (pack / manifest.MANIFEST).unlink()
    code, findings, _ = run_verify(pack)
    assert code == 1 and findings == ["[missing] manifest.json"]


# --- inputs changed, and the manifest made to match ---------------------------------------------------------

def test_an_inert_input_changed_shows_in_the_digest_the_reports_state(pack: Path) -> None:
    """A file of inputs/ that no figure reads (the inventory's README), edited and rehashed with
    the input digest recomputed: the Word report and the XBRL state the digest of the inputs they
    were rendered from, which is no longer the pack's."""
    readme = pack / "inputs" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nedited later\n", encoding="utf-8")
    findings = assert_caught(pack, "report.zh-CN.docx/word/document.xml paragraph",
                             f"{instance(pack).name} csdsx:InputDigestOfReport context c1")
    assert not any(f.startswith("[result]") for f in findings), findings


def test_an_input_figure_changed(pack: Path) -> None:
    acts = pack / "inputs" / "activities.csv"
    text = acts.read_text(encoding="utf-8-sig")
    assert '"88,150.0"' in text
    acts.write_text(text.replace('"88,150.0"', '"88,160.0"', 1), encoding="utf-8-sig")
    findings = assert_caught(pack, "[result] results.json published.totals.scope1", "trace.parquet line",
                             "ifrs-sds:AbsoluteGrossScope1GHGEmissions context c1")
    assert any(f.startswith("[content] report.zh-CN.docx") for f in findings), findings


def test_inputs_with_errors_that_report_would_stop_on(pack: Path) -> None:
    acts = pack / "inputs" / "activities.csv"
    text = acts.read_text(encoding="utf-8-sig")
    acts.write_text(text.replace('"88,150.0"', '"lots"', 1), encoding="utf-8-sig")
    findings = assert_caught(pack, "[rerender] inputs")
    assert "bad-number activities.csv" in findings[0] and "it was not forced" in findings[0], findings


def test_a_workbook_inventory_verifies(tmp_path: Path) -> None:
    """An inventory given as one workbook (report.yaml beside it): the manifest's inventory is the
    workbook's copy, which verify renders the pack from."""
    from disclosure.ingest.readers import detect_encoding  # the demo's CSVs are UTF-8 or GB18030

    inv = tmp_path / "inv"
    inv.mkdir()
    with pd.ExcelWriter(inv / "group.xlsx") as w:
        for t in ("entities", "facilities", "activities", "instruments", "factors"):
            path = DEMO / f"{t}.csv"
            pd.read_csv(path, dtype=str, keep_default_na=False, encoding=detect_encoding(path)).to_excel(
                w, sheet_name=t, index=False)
    for side in ("report.yaml", "disclosures.yaml"):
        shutil.copyfile(DEMO / side, inv / side)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["report", str(inv / "group.xlsx"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert manifest.read(out)["inventory"] == "inputs/group.xlsx"
    code, findings, output = run_verify(out)
    assert code == 0 and findings == [], output

