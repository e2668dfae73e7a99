"""The carbon-market ledger (issue 16): its checks in ``check`` and the money side under 财会〔2019〕22号.

Every figure below is worked by hand in the comment next to it. The rules: 财政部《碳排放权交易有关会计处理
暂行规定》(财会〔2019〕22号): purchased allowances at cost (fees included) as 碳排放权资产, free allocations
not booked; surrender at the carrying amount to 营业外支出; a sale's net proceeds less the carrying
amount to 营业外收入 or 营业外支出. The CCER cap: 《碳排放权交易管理办法（试行）》(MEE Order No. 19):
at most 5 % of the allowances to be surrendered.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from disclosure import load_inventory
from disclosure.engines.inprocess import compute

HEAD = ["entry_id", "entity_id", "facility_id", "year", "compliance_year", "movement", "unit_type", "date",
        "quantity", "amount", "serials", "evidence"]

REPORT = {
    "entity": {"name_zh": "碳市场样例有限公司", "identifier": "91110000710938466P"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}

# 60,000 t of coal and 100 t of diesel at the plant: Scope 1 is what the engine computes from it (GB/T 32150 defaults)
ACTIVITIES = """record_id,facility_id,period_start,period_end,source,activity,quantity,unit
A1,F1,2025-01-01,2025-12-31,stationary_combustion,原煤,60000,t
A2,F1,2025-01-01,2025-12-31,mobile_combustion,柴油,100,t
"""


def _csv(rows: list[list[object]], head: list[str] = HEAD) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *rows])
    return buf.getvalue()


def inventory(root: Path, ledger: list[list[object]] | None, report: dict | None = None):
    root.mkdir(parents=True, exist_ok=True)
    rep = {**REPORT, **(report or {})}
    (root / "report.yaml").write_text(yaml.safe_dump(rep, allow_unicode=True), encoding="utf-8")
    (root / "entities.csv").write_text(
        "entity_id,name,parent_id,ownership,financial_control,operational_control,consolidated\n"
        "P,碳市场样例有限公司,,100%,是,是,是\n", encoding="utf-8")
    (root / "facilities.csv").write_text(
        "facility_id,entity_id,name,province,sector,basis\nF1,P,样例电厂,河北,D4411 火力发电,\n"
        "F2,P,样例办公楼,河北,,\n", encoding="utf-8")
    (root / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    if ledger is not None:
        (root / "carbon_ledger.csv").write_text(_csv(ledger), encoding="utf-8")
    return load_inventory(root)


def ours(issues) -> list[tuple[str, int | None, str | None]]:
    return [(i.code, i.location.row, i.location.column) for i in issues if i.table == "carbon_ledger"]


# A power plant short for 2025: verified 100,000 t; free allocation 95,000; it buys 4,000 in two lots
# (1,000 at CNY 70 = 70,000, then 3,000 at CNY 80 = 240,000), sells 500 in between and surrenders
# 97,000 allowances and 3,000 CCERs (bought for 3 × 60,000 = 180,000).
#   allowances: 0 + 95,000 + 4,000 − 500 − 97,000 = 1,500 closing
#   obligation: 97,000 + 3,000 = 100,000 = verified (no surplus, no shortfall); CCER cap 5 % = 5,000 ≥ 3,000
LEDGER = [
    ["V25", "P", "F1", 2025, 2025, "verified", "", "2026-03-31", "100000", "", "", "核查报告"],
    ["L01", "P", "F1", 2025, 2025, "allocated", "allowance", "2025-03-01", "95000", "", "", ""],
    ["L02", "P", "F1", 2025, 2025, "bought", "allowance", "2025-05-10", "1000", "70000", "", ""],
    ["L03", "P", "F1", 2025, "", "sold", "allowance", "2025-06-01", "500", "45000", "", ""],
    ["L04", "P", "F1", 2025, 2025, "bought", "allowance", "2025-09-10", "3000", "240000", "", ""],
    ["L05", "P", "F1", 2025, 2025, "bought", "ccer", "2025-10-01", "3000", "180000", "S-1;S-2;S-3", ""],
    ["L06", "P", "F1", 2025, 2025, "surrendered", "allowance", "2025-12-20", "97000", "", "", ""],
    ["L07", "P", "F1", 2025, 2025, "surrendered", "ccer", "2025-12-20", "3000", "", "S-1;S-2;S-3", ""],
    ["L08", "P", "F1", 2025, "", "closing", "allowance", "2025-12-31", "1500", "", "", ""],
]


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory):
    inv, issues = inventory(tmp_path_factory.mktemp("ledger"), LEDGER)
    return inv, issues, compute(inv)


def test_a_balanced_ledger_raises_nothing(demo_ledger) -> None:
    _, issues, _ = demo_ledger
    assert ours(issues) == []


def test_fifo_money_side_by_hand(demo_ledger) -> None:
    # FIFO, the pool in the order of the rows: free 95,000 (nil), 1,000 at 70, then the sale of 500
    # takes free units (cost nil: the whole CNY 45,000 is 营业外收入); 3,000 at 80. The surrender of
    # 97,000 takes the 94,500 free units left, the 1,000 at 70 (70,000) and 1,500 at 80 (120,000):
    # 营业外支出 190,000 for allowances + 180,000 for the CCERs = 370,000. Left: 1,500 at 80 = 120,000
    # (其他流动资产). Purchases: 70,000 + 240,000 + 180,000 = 490,000.
    cm = demo_ledger[2].results["carbon_market"]
    a = cm["accounting"]
    assert a["carrying_amount"] == 120_000
    assert a["by_unit"]["allowance"]["surrender_cost"] == 190_000
    assert a["by_unit"]["ccer"]["surrender_cost"] == 180_000
    assert a["surrender_cost"] == 370_000
    assert a["sale_proceeds"] == 45_000 and a["sale_cost"] == 0 and a["sale_gains"] == 45_000
    assert a["non_operating_income"] == 45_000 and a["non_operating_expenses"] == 370_000
    assert a["bought_cost"] == 490_000
    assert cm["movements"]["allowance"] == {"opening": 0, "allocated": 95_000, "issued": 0, "bought": 4_000,
                                            "sold": 500, "surrendered": 97_000, "closing": 1_500}
    assert cm["obligations"] == [{"entity_id": "P", "compliance_year": 2025, "verified": 100_000,
                                  "allowances": 97_000, "ccers": 3_000, "difference": 0}]
    assert "先进先出法" in cm["policy"]["zh"] and "first-in first-out" in cm["policy"]["en"]


def test_weighted_average_by_hand(tmp_path: Path) -> None:
    # moving weighted average over the pool, free units at nil cost:
    #   after 95,000 free + 1,000 at 70: 96,000 units, CNY 70,000
    #   sale of 500: cost 70,000 × 500 / 96,000 = 364.583333; gain 45,000 − 364.583333 = 44,635.416667
    #   left 95,500 units, 69,635.416667; + 3,000 at 80: 98,500 units, 309,635.416667
    #   surrender 97,000: 309,635.416667 × 97,000 / 98,500 = 304,920.156514
    #   left 1,500 units: 309,635.416667 − 304,920.156514 = 4,715.260152
    inv, _ = inventory(tmp_path, LEDGER, {"carbon_market": {"cost_formula": "weighted_average"}})
    a = compute(inv).results["carbon_market"]["accounting"]
    assert a["by_unit"]["allowance"]["sale_cost"] == pytest.approx(364.583333, abs=1e-6)
    assert a["sale_gains"] == pytest.approx(44_635.416667, abs=1e-6)
    assert a["by_unit"]["allowance"]["surrender_cost"] == pytest.approx(304_920.156514, abs=1e-6)
    assert a["carrying_amount"] == pytest.approx(4_715.260152, abs=1e-6)
    assert a["by_unit"]["ccer"]["surrender_cost"] == 180_000          # one lot: the formula does not matter


def test_unbalanced_closing_is_an_error_at_its_row(tmp_path: Path) -> None:
    rows = [r[:] for r in LEDGER]
    rows[-1][8] = "2000"            # closing says 2,000; the movements give 1,500
    _, issues = inventory(tmp_path, rows)
    bad = [i for i in issues if i.code == "carbon-ledger-unbalanced"]
    assert [(i.location.row, i.location.column) for i in bad] == [(10, "quantity")]
    assert dict(bad[0].params)["expected"] == 1500 and dict(bad[0].params)["closing"] == 2000
    assert bad[0].severity.value == "error"


def test_shortfall_and_the_ccer_cap(tmp_path: Path) -> None:
    # verified 100,000; 90,000 allowances + 6,000 CCERs surrendered: 4,000 short; the CCERs exceed 5 % of
    # 100,000 = 5,000
    rows = [
        ["V25", "P", "F1", 2025, 2025, "verified", "", "", "100000", "", "", ""],
        ["L01", "P", "F1", 2025, 2025, "allocated", "allowance", "2025-03-01", "90000", "", "", ""],
        ["L02", "P", "F1", 2025, 2025, "bought", "ccer", "2025-04-01", "6000", "360000", "B-1", ""],
        ["L03", "P", "F1", 2025, 2025, "surrendered", "allowance", "2025-12-20", "90000", "", "", ""],
        ["L04", "P", "F1", 2025, 2025, "surrendered", "ccer", "2025-12-20", "6000", "", "B-1", ""],
    ]
    _, issues = inventory(tmp_path, rows)
    found = {i.code: i for i in issues if i.table == "carbon_ledger"}
    assert set(found) == {"ets-surrender-shortfall", "ccer-cap-exceeded"}
    assert dict(found["ets-surrender-shortfall"].params)["shortfall"] == 4000
    assert dict(found["ccer-cap-exceeded"].params)["limit"] == 5000
    assert found["ccer-cap-exceeded"].location.row == 6
    # the cap is a setting: at 10 % the same surrender is within it
    _, issues = inventory(tmp_path / "ten", rows, {"carbon_market": {"ccer_cap": "10%"}})
    assert [i.code for i in issues if i.table == "carbon_ledger"] == ["ets-surrender-shortfall"]


def test_surplus_pending_unknown_facility_oversold_and_serials(tmp_path: Path) -> None:
    rows = [
        ["V24", "P", "F1", 2024, 2024, "verified", "", "", "1000", "", "", ""],
        ["V25", "P", "F9", 2025, 2025, "verified", "", "", "1000", "", "", ""],     # unknown facility
        ["V26", "P", "", 2025, 2025, "verified", "", "", "10", "", "", ""],         # no facility
        ["L01", "P", "F1", 2025, 2024, "allocated", "allowance", "2025-01-10", "1200", "", "", ""],
        ["L02", "P", "F1", 2025, 2024, "surrendered", "allowance", "2025-12-01", "1100", "", "", ""],  # surplus 100
        ["L03", "P", "F1", 2025, "", "sold", "allowance", "2025-12-02", "500", "40000", "", ""],      # holds 100
        ["L04", "P", "F1", 2025, 2024, "bought", "ccer", "2025-02-01", "20", "1000", "", ""],
        ["L05", "P", "F1", 2025, 2024, "sold", "ccer", "2025-03-01", "10", "600", "X-1;X-2", ""],
        ["L06", "P", "F1", 2025, 2024, "sold", "ccer", "2025-03-02", "10", "600", "X-2", ""],        # X-2 again
        ["L07", "Q", "F1", 2025, "", "bought", "allowance", "2025-03-02", "1", "80", "", ""],       # unknown entity
        ["V23", "P", "F1", 2023, 2023, "verified", "", "", "500", "", "", ""],     # a past year, nothing surrendered
    ]
    _, issues = inventory(tmp_path, rows)
    got = sorted(ours(issues))
    assert got == sorted([
        ("carbon-ledger-unknown-facility", 3, "facility_id"),
        ("carbon-ledger-facility-missing", 4, "facility_id"),
        ("carbon-ledger-unknown-entity", 11, "entity_id"),
        ("carbon-ledger-oversold", 7, "quantity"),
        ("ets-surrender-surplus", 6, "quantity"),
        ("ets-surrender-pending", 12, "movement"),      # 2023; 2025's obligation is not due in 2025
        ("ccer-serial-duplicate", 10, "serials"),
    ])
    dup = next(i for i in issues if i.code == "ccer-serial-duplicate")
    assert dict(dup.params) == {"table": "carbon_ledger", "value": "X-2", "first_row": 9}


def test_covered_share_and_reconciliation_add_up(demo_ledger) -> None:
    _, _, comp = demo_ledger
    res = comp.results
    cm = res["carbon_market"]
    (rec,) = cm["reconciliation"]
    scope1 = next(f["scope1"] for f in res["by_facility"] if f["facility_id"] == "F1")
    assert rec["verified"] == 100_000 and rec["scope1"] == pytest.approx(scope1, abs=1e-6)
    # the differences add up to the gap between the disclosed and the verified figure
    parts = rec["non_co2_gases"] + rec["sources_outside_ets"] + rec["boundary_and_factors"]
    assert parts == pytest.approx(rec["scope1"] - rec["verified"], abs=1e-5)
    assert rec["difference"] == pytest.approx(rec["scope1"] - rec["verified"], abs=1e-6)
    # the diesel is mobile combustion, outside the ETS: its CO2 is named, not left in the remainder
    trace = comp.trace
    diesel = trace.loc[(trace["facility_id"] == "F1") & (trace["source"] == "mobile_combustion"), "co2e_CO2"].sum()
    assert diesel > 0 and rec["sources_outside_ets"] == pytest.approx(diesel, abs=1e-6)
    assert rec["non_co2_gases"] > 0           # CH4 and N2O of the coal and the diesel
    assert cm["scope1_covered_share"] == pytest.approx(100_000 / res["totals"]["scope1"], abs=1e-6)
    json.dumps(cm)                            # plain JSON


def test_without_a_ledger_nothing_is_computed(tmp_path: Path) -> None:
    inv, _ = inventory(tmp_path, None)
    cm = compute(inv).results["carbon_market"]
    assert cm == {"scope1_covered_share": None, "covered": False, "not_covered_reason": None}
    inv, _ = inventory(tmp_path / "no", None, {"carbon_market": {"covered": "否",
                                                                   "not_covered_reason": "未纳入 / not covered"}})
    cm = compute(inv).results["carbon_market"]
    assert cm["covered"] is False and cm["not_covered_reason"] == "未纳入 / not covered"


# --- the Word report's section 5.12 ----------------------------------------------------------------------

def _section(doc) -> list[str]:
    """The paragraphs of 5.12 (after its heading, up to the next heading)."""
    from disclosure.export.word.context import texts

    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    heads = {texts(lang)["h2_market"] for lang in ("zh-CN", "en")}
    start = next(i for i, (s, t) in enumerate(paras) if s.startswith("Heading") and t in heads)
    end = next(i for i in range(start + 1, len(paras)) if paras[i][0].startswith("Heading"))
    return [t for _, t in paras[start + 1:end] if t]


def _word(inv, folder: Path, lang: str):
    from docx import Document

    from disclosure.engines.inprocess import write_outputs
    from disclosure.export.word import render

    write_outputs(compute(inv), folder)
    return Document(str(render(folder, folder / "report.docx", lang)))


@pytest.mark.parametrize("how", ["setting", "disclosures", "nothing"])
def test_a_company_outside_the_market_reads_not_applicable(tmp_path: Path, how: str) -> None:
    """不适用 with one sentence of reason, never a table of 未披露 (issue 15's state model)."""
    from disclosure.export.word.context import texts

    report = {"carbon_market": {"covered": "否", "not_covered_reason": "本公司不属于重点排放单位 / the company is not "
                                                                      "a key emitting unit"}} if how == "setting" else None
    inv, _ = inventory(tmp_path / "inv", None, report)
    if how == "disclosures":
        (tmp_path / "inv" / "disclosures.yaml").write_text(
            "carbon_market: {status: 不适用, reason: {zh: 本集团无纳入碳市场的设施, en: no facility of the group is in an "
            "emissions trading scheme}}\n", encoding="utf-8")
        inv, _ = load_inventory(tmp_path / "inv")
    for lang in ("zh-CN", "en"):
        doc = _word(inv, tmp_path / f"out-{lang}", lang)
        t = texts(lang)
        reason = {"setting": {"zh-CN": "本公司不属于重点排放单位", "en": "the company is not a key emitting unit"},
                  "disclosures": {"zh-CN": "本集团无纳入碳市场的设施", "en": "no facility of the group is in an emissions "
                                                                 "trading scheme"},
                  "nothing": {"zh-CN": t["cm_na_default"], "en": t["cm_na_default"]}}[how][lang]
        assert _section(doc) == [t["cm_na"].format(reason=reason)]
        assert t["not_disclosed"] not in _section(doc)


def test_the_ledger_in_the_word_report(demo_ledger, tmp_path: Path) -> None:
    from disclosure.export.numbers import fmt
    from disclosure.export.word.context import texts

    inv, _, _ = demo_ledger
    doc = _word(inv, tmp_path / "out", "en")
    t = texts("en")
    body = _section(doc)
    assert body[0].startswith("In 2025, 1 of the group's facilities")
    cells = [c.text for tbl in doc.tables for row in tbl.rows for c in row.cells]
    assert fmt(120_000, "money") in cells and fmt(370_000, "money") in cells and fmt(45_000, "money") in cells
    assert t["fs_other_current_assets"] in cells and t["fs_non_operating_expenses"] in cells
    assert any("first-in first-out" in p for p in body)
