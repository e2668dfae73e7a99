"""Financed emissions (issue 17, item 3): the exposures table, PCAF Part A's attribution factors and
weighted data-quality score, the fictitious bank of ``fixtures/demo-bank`` reported end to end.

PCAF = Partnership for Carbon Accounting Financials, *The Global GHG Accounting and Reporting
Standard Part A: Financed Emissions*, second edition, December 2022.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from disclosure import api
from disclosure.cli import app
from disclosure.core.issues import Severity

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "fixtures" / "demo-bank"
HEADER = ["exposure_id", "counterparty", "asset_class", "industry", "outstanding", "currency", "evic",
          "total_equity_debt", "value_at_origination", "scope1", "scope2", "scope3", "intensity_scope1",
          "intensity_scope2", "intensity_basis", "intensity_unit", "intensity_source", "pcaf_score",
          "pcaf_score_scope3", "lifetime_emissions"]


def bank_with(tmp_path: Path, rows: list[dict[str, object]] | None) -> Path:
    """The bank fixture copied, its exposures replaced by ``rows`` (English headers), or removed."""
    inv = tmp_path / "bank"
    shutil.copytree(BANK, inv)
    (inv / "exposures.csv").unlink()
    if rows is not None:
        with (inv / "exposures.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, HEADER)
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return inv


def financed(inv: Path) -> tuple[dict, list]:
    loaded, issues = api.load_inventory(inv)
    comp = api.compute(loaded)
    return comp.results.get("financed_emissions"), issues + comp.issues


def row(ident: str, cls: str, outstanding: float, *, score: float = 2, **kw: object) -> dict[str, object]:
    r: dict[str, object] = {"exposure_id": ident, "counterparty": f"counterparty {ident}", "asset_class": cls,
                            "outstanding": outstanding, "currency": "CNY", "pcaf_score": score}
    r.update(kw)
    return r


# --- PCAF's own worked examples -----------------------------------------------------------------

def test_pcaf_tables_5_4_and_5_5(tmp_path):
    """PCAF Part A §5.1, Tables 5-4 (inputs) and 5-5 (results), 2020, tCO2e: forestry S1 1,000,
    S2 100, S3 5,000 at an attribution factor of 10 %; industrial 20,000 / 5,000 / 30,000 at 25 %;
    energy 5,000 / 0 / 10,000 at 20 %. PCAF prints financed S1 6,100, S2 1,260, S3 10,000. The
    factors are written as the outstanding amount over the EVIC (10/100, 25/100, 20/100)."""
    rows = [row("forestry", "listed_equity", 10, evic=100, scope1=1000, scope2=100, scope3=5000),
            row("industrial", "listed_equity", 25, evic=100, scope1=20000, scope2=5000, scope3=30000),
            row("energy", "listed_equity", 20, evic=100, scope1=5000, scope2=0, scope3=10000)]
    fin, _ = financed(bank_with(tmp_path, rows))
    assert fin["scope1"] == pytest.approx(6100)
    assert fin["scope2"] == pytest.approx(1260)
    assert fin["scope3"] == pytest.approx(10000)
    assert [ln["attribution_factor"] for ln in fin["lines"]] == pytest.approx([0.10, 0.25, 0.20])


def test_pcaf_box_8_weighted_score(tmp_path):
    """PCAF Part A chapter 6, Box 8: six business loans (outstanding; score) A 522,425 (3) and
    B 187,449 (5) to oil & gas, C 82,778 (1), D 108,997 (1), E 67,556 (2) and F 54,762 (5) to cattle
    farming. PCAF prints a weighted score of 3.03 for business loans and 3.53 for oil & gas
    (Σ outstanding × score / Σ outstanding: 3,105,217 / 1,023,967 and 2,504,520 / 709,874). PCAF's
    printed denominator has 108,977 for D, a misprint of the table's 108,997 that does not change
    3.03. The emissions are irrelevant to the score; each loan is given a denominator and S1."""
    loans = [("A", "Oil & Gas", 522425, 3), ("B", "Oil & Gas", 187449, 5), ("C", "Cattle farming", 82778, 1),
             ("D", "Cattle farming", 108997, 1), ("E", "Cattle farming", 67556, 2), ("F", "Cattle farming", 54762, 5)]
    rows = [row(k, "business_loans", o, score=s, industry=ind, total_equity_debt=10_000_000, scope1=1000)
            for k, ind, o, s in loans]
    fin, _ = financed(bank_with(tmp_path, rows))
    (cls,) = fin["by_asset_class"]
    assert cls["weighted_score_scope1_2"] == pytest.approx(3_105_217 / 1_023_967)
    assert round(cls["weighted_score_scope1_2"], 2) == 3.03
    oil = next(g for g in fin["by_industry"] if g["industry"] == "Oil & Gas")
    assert oil["weighted_score_scope1_2"] == pytest.approx(2_504_520 / 709_874)
    assert round(oil["weighted_score_scope1_2"], 2) == 3.53


# --- the bank fixture, by PCAF's formulas ----------------------------------------------------------

def _num(v: str) -> float | None:
    return float(v.replace(",", "")) if v.strip() else None


def _bank_rows() -> list[dict[str, str]]:
    """The fixture's exposures as written (its Chinese headers mapped to the contract's names in
    the order of HEADER, which is the order the fixture's columns are written in)."""
    with (BANK / "exposures.csv").open(encoding="utf-8-sig") as fh:
        rd = csv.reader(fh)
        next(rd)
        return [dict(zip(HEADER, r, strict=True)) for r in rd]


CLASS = {"上市股票": "listed_equity", "公司债券": "corporate_bonds", "企业贷款": "business_loans",
         "非上市股权": "unlisted_equity", "项目融资": "project_finance", "商业地产": "commercial_real_estate",
         "住房抵押贷款": "mortgages", "机动车贷款": "motor_vehicle_loans"}
USD = 7.1   # the fixture's report.yaml: options.currency_rates.USD


def expected_bank() -> dict[str, dict[str, float]]:
    """Each asset class's figures computed here from the fixture's own numbers by PCAF's formulas:
    attribution factor = outstanding / (EVIC, else total equity + debt, for listed equity, bonds and
    business loans; total equity + debt for unlisted equity and projects; value at origination for
    property and vehicles; 1 for a vehicle without its value, §5.6); financed = factor × emissions
    (reported, else intensity × basis); weighted score = Σ exposure × score / Σ exposure over the
    covered exposures (exposures in CNY: outstanding × rate)."""
    out: dict[str, dict[str, float]] = {}
    for r in _bank_rows():
        cls = CLASS[r["asset_class"]]
        o = _num(r["outstanding"])
        den = {"listed_equity": _num(r["evic"]),
               "corporate_bonds": _num(r["evic"]) or _num(r["total_equity_debt"]),
               "business_loans": _num(r["evic"]) or _num(r["total_equity_debt"]),
               "unlisted_equity": _num(r["total_equity_debt"]),
               "project_finance": _num(r["total_equity_debt"])}.get(cls, _num(r["value_at_origination"]))
        af = o / den if den else 1.0
        basis = _num(r["intensity_basis"])
        s1 = _num(r["scope1"]) if _num(r["scope1"]) is not None else (
            _num(r["intensity_scope1"]) * basis if _num(r["intensity_scope1"]) is not None else None)
        s2 = _num(r["scope2"]) if _num(r["scope2"]) is not None else (
            _num(r["intensity_scope2"]) * basis if _num(r["intensity_scope2"]) is not None else None)
        s3 = _num(r["scope3"])
        gross = o * (USD if r["currency"] == "USD" else 1.0)
        c = out.setdefault(cls, {"scope1": 0.0, "scope2": 0.0, "scope3": 0.0, "gross": 0.0, "covered": 0.0,
                                 "score_x": 0.0, "lifetime": 0.0})
        c["gross"] += gross
        if s1 is None and s2 is None:
            continue
        c["covered"] += gross
        c["scope1"] += af * (s1 or 0)
        c["scope2"] += af * (s2 or 0)
        c["scope3"] += af * (s3 or 0)
        c["score_x"] += gross * float(r["pcaf_score"])
        if cls == "project_finance" and _num(r["lifetime_emissions"]):
            c["lifetime"] += af * _num(r["lifetime_emissions"])
    return out


def test_bank_by_asset_class():
    fin, issues = financed(BANK)
    exp = expected_bank()
    assert set(exp) == set(CLASS.values())            # every asset class is in the fixture
    got = {g["asset_class"]: g for g in fin["by_asset_class"]}
    assert list(got) == list(CLASS.values())          # in the vocabulary's order
    for cls, e in exp.items():
        g = got[cls]
        assert g["scope1"] == pytest.approx(e["scope1"]), cls
        assert g["scope2"] == pytest.approx(e["scope2"]), cls
        assert g["scope3"] == pytest.approx(e["scope3"]), cls
        assert g["gross_exposure"] == pytest.approx(e["gross"]), cls
        assert g["gross_exposure_covered"] == pytest.approx(e["covered"]), cls
        assert g["covered_share"] == pytest.approx(e["covered"] / e["gross"]), cls
        assert g["weighted_score_scope1_2"] == pytest.approx(e["score_x"] / e["covered"]), cls
    total = sum(e["scope1"] + e["scope2"] for e in exp.values())
    assert fin["category15"] == pytest.approx(total)
    assert fin["covered_share"] == pytest.approx(sum(e["covered"] for e in exp.values()) /
                                                 sum(e["gross"] for e in exp.values()))
    assert fin["projected_lifetime"] == pytest.approx(exp["project_finance"]["lifetime"])
    # a few figures by hand, from the fixture's rows: LE-001 120m / 24bn = 0.5 % of 8.4 Mt; CB-002
    # USD 10m / 400m = 2.5 % of 900 kt; PF-001 600m / 2.4bn = 25 % of a 27 Mt lifetime
    assert got["listed_equity"]["scope1"] == pytest.approx(42_000)
    assert got["corporate_bonds"]["gross_exposure"] == pytest.approx(300_000_000 + 10_000_000 * 7.1)
    assert fin["projected_lifetime"] == pytest.approx(6_750_000)
    # the bank's own warnings: one exposure not covered, one vehicle assumed at 100 %; no error
    codes = sorted(i.code for i in issues if i.code.startswith("exposure-"))
    assert codes == ["exposure-attribution-assumed", "exposure-not-covered"]
    assert not [i for i in issues if i.severity is Severity.ERROR]


def test_bank_trace_lines():
    """Each exposure is one trace line with its factor, numerator, denominator, emissions and score."""
    fin, _ = financed(BANK)
    lines = {ln["exposure_id"]: ln for ln in fin["lines"]}
    assert len(lines) == len(_bank_rows())
    bl = lines["BL-001"]   # estimated from an intensity per revenue
    assert (bl["denominator_column"], bl["denominator"], bl["outstanding"]) == ("total_equity_debt", 2e9, 5e8)
    assert bl["attribution_factor"] == pytest.approx(0.25)
    assert (bl["scope1_basis"], bl["scope1"]) == ("estimated", pytest.approx(0.08 * 350_000))
    assert bl["financed_scope1"] == pytest.approx(0.25 * 0.08 * 350_000)
    assert bl["pcaf_score"] == 4
    assert lines["BL-002"]["status"] == "not_covered" and lines["BL-002"]["financed_scope1"] is None
    assert lines["MV-002"]["attribution_assumed"] and lines["MV-002"]["attribution_factor"] == 1
    assert lines["CB-002"]["fx_rate"] == 7.1 and lines["LE-001"]["scope1_basis"] == "reported"


# --- the checks -------------------------------------------------------------------------------------

def test_check_locates_bad_exposures(tmp_path):
    rows = [
        row("ok", "listed_equity", 10, evic=100, scope1=1),
        row("score", "listed_equity", 10, score=6, evic=100, scope1=1),            # row 3
        row("half", "listed_equity", 10, score=2.5, evic=100, scope1=1),           # row 4
        row("noden", "project_finance", 10, evic=100, scope1=1),                   # row 5: projects take equity + debt
        row("above", "mortgages", 200, value_at_origination=100, scope1=1),        # row 6
        row("usd", "business_loans", 10, currency="EUR", total_equity_debt=100, scope1=1),   # row 7: no EUR rate
        row("life", "business_loans", 10, total_equity_debt=100, scope1=1, lifetime_emissions=5),  # row 8
    ]
    inv = bank_with(tmp_path, rows)
    fin, issues = financed(inv)
    found = {(i.code, i.location.row, i.location.column) for i in issues if i.location.file == "exposures.csv"}
    assert ("exposure-score-range", 3, "pcaf_score") in found
    assert ("exposure-score-range", 4, "pcaf_score") in found
    assert ("exposure-denominator-missing", 5, "total_equity_debt") in found
    assert ("exposure-attribution-above-one", 6, "outstanding") in found
    assert ("currency-rate-missing", 7, "currency") in found
    assert ("exposure-lifetime-not-project", 8, "lifetime_emissions") in found
    status = {ln["exposure_id"]: (ln["status"], ln["reason"]) for ln in fin["lines"]}
    assert status["ok"] == ("included", None)
    for k, code in (("score", "exposure-score-range"), ("noden", "exposure-denominator-missing"),
                    ("above", "exposure-attribution-above-one")):
        assert status[k] == ("rejected", code)
    assert status["usd"] == ("excluded", "currency-rate-missing")
    assert fin["exposures"] == 2 and fin["covered"] == 2      # ok and life; the rest are left out
    assert CliRunner().invoke(app, ["check", str(inv)]).exit_code == 1


def test_no_exposures_no_section(tmp_path):
    fin, _ = financed(bank_with(tmp_path, None))
    assert fin is None


def test_template_has_exposures(tmp_path):
    from openpyxl import load_workbook

    """The template has an exposures sheet with the contract's columns (headers as every sheet's:
    the English names), and the Chinese headers are read: the fixture's exposures.csv is written
    with them only."""
    path = tmp_path / "t.xlsx"
    assert CliRunner().invoke(app, ["template", str(path), "--lang", "zh-CN"]).exit_code == 0
    wb = load_workbook(path, read_only=True)
    headers = next(wb["exposures"].iter_rows(min_row=1, max_row=1, values_only=True))
    assert [h for h in headers if h] == HEADER
    with (BANK / "exposures.csv").open(encoding="utf-8") as fh:
        assert fh.readline().startswith("敞口编号,交易对手,资产类别,行业,未偿金额")


# --- the bank reported end to end ------------------------------------------------------------------

PKG = ROOT.parent / "shared" / "taxonomies" / "ifrs_sds_2024-04-26.zip"


@pytest.fixture(scope="module")
def bank_pack(tmp_path_factory):
    if not PKG.is_file():
        pytest.skip("the IFRS taxonomy package is not at ../shared/taxonomies")
    from disclosure.pipeline import run_report

    out = tmp_path_factory.mktemp("bank") / "pack"
    run = run_report(BANK, out, ifrs_package=PKG, langs=("zh-CN", "en"))
    return run, out


def test_bank_report_end_to_end(bank_pack):
    """The bank's whole pack: exit 0 (warnings only), the XBRL valid by Arelle, results.json's
    financed emissions as computed."""
    import json

    run, out = bank_pack
    assert run.exit_code == 0, run.problems
    assert run.xbrl_validated
    validation = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert validation["validated"] and validation["errors"] == 0 and validation["inconsistencies"] == 0, \
        validation["issues"][:3]
    assert validation["roundtrip"]["exact"]
    res = api.read_results(out)
    assert res["financed_emissions"]["category15"] == pytest.approx(
        sum(e["scope1"] + e["scope2"] for e in expected_bank().values()))


def test_bank_word_section(bank_pack):
    """The Word report's financed-emissions part, in both languages: the table by asset class with
    the portfolio's figures as results.json holds them, the category 15 note."""
    from docx import Document

    from disclosure.export.numbers import fmt

    _, out = bank_pack
    fin = api.read_results(out)["financed_emissions"]
    for lang, heading, cls in (("zh-CN", "投融资排放（范围三类别 15）", "项目融资"),
                               ("en", "Financed emissions (Scope 3 category 15)", "project finance")):
        doc = Document(str(out / f"report.{lang}.docx"))
        paras = [p.text for p in doc.paragraphs]
        assert heading in paras, lang
        table = next(t for t in doc.tables if any(cls == c.text for c in t.columns[0].cells))
        total = [c.text for c in table.rows[-1].cells]
        assert total[1] == fmt(fin["gross_exposure"], "money") and total[3] == fmt(fin["scope1"]), lang
        assert total[6] == f"{fin['weighted_score_scope1_2']:.2f}"
        assert any(fmt(fin["category15"]) in p for p in paras), lang
    # numbered in its place among the tables of chapter 5 (the bank has no instruments' table)
    zh = [p.text for p in Document(str(out / "report.zh-CN.docx")).paragraphs]
    assert "表 5-5 投融资排放按资产类别" in zh and "表 5-6 按温室气体的排放量" in zh


def test_demo_word_has_no_financed_section(tmp_path):
    """Without exposures the part is not there (and the demo group's report is unchanged)."""
    from docx import Document

    from disclosure.export.word.render import render

    loaded, _ = api.load_inventory(ROOT / "fixtures" / "demo-group")
    comp = api.compute(loaded)
    assert "financed_emissions" not in comp.results
    folder = tmp_path / "res"
    api.write_outputs(comp, folder)
    doc = Document(str(render(folder, tmp_path / "r.docx", "zh-CN")))
    assert "投融资排放（范围三类别 15）" not in [p.text for p in doc.paragraphs]
    assert not any("投融资" in c.text for t in doc.tables for c in t.rows[0].cells)


def test_bank_xbrl_financed_facts(bank_pack):
    """The XBRL (as Arelle wrote it back, xBRL-JSON) holds the financed emissions on the IFRS
    concepts: in total, and on FinancedEmissionsAssetClassAxis with each IFRS asset class the sum of
    the PCAF classes it takes (loans: business loans, commercial real estate, mortgages, motor
    vehicle loans; equity investments: listed and unlisted equity), recomputed here by the formulas."""
    import json
    from decimal import Decimal

    _, out = bank_pack
    doc = json.loads(next(out.glob("*-climate.json")).read_text(encoding="utf-8"))
    got: dict[tuple[str, str | None], Decimal] = {}
    for f in doc["facts"].values():
        d = f["dimensions"]
        if ("Financed" in d["concept"] or d["concept"] == "ifrs-sds:GrossExposure") and "decimals" in f:
            got[(d["concept"].split(":")[1], d.get("ifrs-sds:FinancedEmissionsAssetClassAxis"))] = Decimal(f["value"])
    exp = expected_bank()
    groups = {"ifrs-sds:LoansMember": ("business_loans", "commercial_real_estate", "mortgages", "motor_vehicle_loans"),
              "ifrs-sds:EquityInvestmentsMember": ("listed_equity", "unlisted_equity"),
              "ifrs-sds:BondsMember": ("corporate_bonds",), "ifrs-sds:ProjectFinanceMember": ("project_finance",)}
    for member, classes in [(None, tuple(exp)), *groups.items()]:
        s1 = sum(exp[c]["scope1"] for c in classes)
        s2 = sum(exp[c]["scope2"] for c in classes)
        gross = sum(exp[c]["gross"] for c in classes)
        assert got[("AbsoluteGrossFinancedEmissionsScope1", member)] == Decimal(f"{s1:.2f}"), member
        assert got[("AbsoluteGrossFinancedEmissionsScope2", member)] == Decimal(f"{s2:.2f}"), member
        assert got[("GrossExposure", member)] == Decimal(f"{gross:.2f}"), member
    covered = sum(e["covered"] for e in exp.values()) / sum(e["gross"] for e in exp.values())
    assert got[("PercentageOfGrossExposureIncludedInFinancedEmissionsCalculation", None)] == Decimal(f"{covered:.4f}")
    # scope 3 only where a counterparty's scope 3 is given (listed equity: equity investments)
    assert ("AbsoluteGrossFinancedEmissionsScope3", "ifrs-sds:LoansMember") not in got
    assert got[("AbsoluteGrossFinancedEmissionsScope3", "ifrs-sds:EquityInvestmentsMember")] == Decimal("6000.00")
    method = [f for f in doc["facts"].values()
              if f["dimensions"]["concept"] == "ifrs-sds:MethodologyUsedToCalculateFinancedEmissionsExplanatory"]
    assert len(method) == 2 and all("PCAF" in f["value"] for f in method)   # zh-CN and English


def test_the_chunked_engine_gives_the_same_financed_emissions(tmp_path):
    """The exposures are a small table: every engine reads them whole and assembles the same part."""
    from disclosure.engines import chunked

    fin, _ = financed(BANK)
    r = chunked.compute_chunked(BANK, tmp_path / "out", chunk_rows=2, progress=False)
    assert r.results["financed_emissions"] == fin


def test_hostile_exposures_never_break_the_results(tmp_path):
    """Figures beyond any real emissions are excluded at their row (value-overflow), never an
    infinite sum in results.json; a zero or negative amount is refused at its cell."""
    from disclosure.compute.results import results_json

    rows = [row("a", "listed_equity", 100, evic=100, scope1=1e308), row("b", "listed_equity", 100, evic=100, scope1=1e308),
            row("c", "listed_equity", 0, evic=0, scope1=1), row("d", "listed_equity", -5, evic=10, scope1=1),
            row("e", "business_loans", 1e300, total_equity_debt=1e301),                 # not covered, huge
            row("f", "mortgages", 50, value_at_origination=100, scope2=4)]
    inv = bank_with(tmp_path, rows)
    loaded, issues = api.load_inventory(inv)
    comp = api.compute(loaded)
    results_json(comp.results)                          # finite, of the schema
    fin = comp.results["financed_emissions"]
    found = {(i.code, i.location.row) for i in issues + comp.issues if i.location.file == "exposures.csv"}
    assert {("value-overflow", 2), ("value-overflow", 3), ("value-overflow", 6),
            ("exposure-denominator-missing", 4), ("negative-number", 5)} <= found
    assert fin["scope2"] == 2 and fin["scope1"] == 0 and fin["gross_exposure"] == 50


def test_bank_pack_verifies_and_an_edited_exposure_is_caught(bank_pack, tmp_path):
    """``verify`` re-performs the bank's pack byte for byte (the financed part is deterministic), and
    an exposure's figure changed in the pack's inputs is found."""
    _, out = bank_pack
    res = CliRunner().invoke(app, ["verify", str(out)])
    assert res.exit_code == 0, res.output
    copy = tmp_path / "pack"
    shutil.copytree(out, copy)
    ex = next(copy.glob("inputs/**/exposures.csv"))
    ex.write_text(ex.read_text(encoding="utf-8").replace('"8,400,000"', '"8,400,001"'), encoding="utf-8")
    res = CliRunner().invoke(app, ["verify", str(copy)])
    assert res.exit_code == 1 and "exposures.csv" in res.output, res.output


_NUMS = ["", "0", "-1", "1e308", "1e-320", "nan", "inf", "abc", "2.5", "7", "1,000", "50%"]


def test_generated_exposures_never_raise(tmp_path):
    """Generated exposures (any cell from hostile spellings, any asset class or none) load, check and
    compute without an exception, and results.json stays of its schema (hypothesis, derandomised)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from disclosure.compute.results import results_json

    cell = st.sampled_from(_NUMS)
    one = st.fixed_dictionaries({
        "asset_class": st.sampled_from([*CLASS, *CLASS.values(), "", "gold"]),
        "currency": st.sampled_from(["CNY", "USD", "EUR", ""]),
        **{c: cell for c in ("outstanding", "evic", "total_equity_debt", "value_at_origination", "scope1", "scope2",
                             "scope3", "intensity_scope1", "intensity_basis", "pcaf_score", "lifetime_emissions")}})
    base = bank_with(tmp_path, [])

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(one, min_size=1, max_size=4))
    def run(rows):
        with (base / "exposures.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, ["exposure_id", "counterparty", *rows[0]])
            w.writeheader()
            for k, r in enumerate(rows):
                w.writerow({"exposure_id": f"X{k}", "counterparty": "c", **r})
        loaded, _ = api.load_inventory(base)
        results_json(api.compute(loaded).results)

    run()
