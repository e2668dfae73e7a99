"""The JSON output of ``disclosure check``: written an issue at a time (``write_json``), it must be the
very text the one-shot ``json.dumps`` of the whole document gave, byte for byte — ERP pipelines read
it as a file contract."""

from __future__ import annotations

import csv
import io
import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from disclosure.cli import _completeness_json, app
from disclosure.core.issues import (
    Issue,
    Location,
    Severity,
    calculation_codes,
    issue,
    render_json,
    sort_key,
    write_json,
)
from disclosure.engines.inprocess import compute
from disclosure.loader import load_inventory

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "fixtures" / "broken-inventory"
runner = CliRunner()


def one_shot(issues: list[Issue], lang: str = "zh-CN", **extra: Any) -> str:
    """The document as ``render_json`` built it before it streamed: one dict, one ``json.dumps``."""
    payload = {**extra, "issues": [i.to_dict(lang) for i in sorted(issues, key=sort_key)]}
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False)


def streamed(issues: list[Issue], lang: str = "zh-CN", **extra: Any) -> str:
    out = io.StringIO()
    write_json(issues, out, lang, **extra)
    return out.getvalue()


def cli_extra(folder: Path, lang: str = "en") -> tuple[list[Issue], dict[str, Any]]:
    """The issues and the keys ``disclosure check --format json`` puts before them (the
    disclosures' completeness in ``lang``)."""
    inv, issues = load_inventory(folder)
    comp = compute(inv)          # check runs the calculation: its issues come after the loader's
    issues = issues + comp.issues
    tables = {name: {"file": inv.tables[name].file, "sheet": inv.tables[name].sheet,
                     "read": c.read, "accepted": c.accepted, "rejected": c.rejected}
              for name, c in inv.counts.items()}
    counts = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    return issues, {"inventory": str(folder), "tables": tables, "rows": comp.results["rows"], "counts": counts,
                    "disclosures": _completeness_json(dict(inv.disclosures), lang)}


# --- the broken fixture -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_broken_fixture_streams_the_one_shot_document(lang: str) -> None:
    issues, extra = cli_extra(BROKEN, lang)
    expected = one_shot(issues, lang, **extra)
    assert streamed(issues, lang, **extra) == expected
    assert render_json(issues, lang, **extra) == expected

    r = runner.invoke(app, ["check", str(BROKEN), "--format", "json", "--lang", lang])
    assert r.exit_code == 1
    assert r.stdout == expected + "\n"
    data = json.loads(r.stdout)
    assert data == json.loads(expected)

    # the loader's issues, then the calculation's (check runs it on the rows accepted); among the
    # loader's, the warning that the fixture's own expected.csv is no table of the inventory (issue 13)
    loaded = [i for i in data["issues"] if i["code"] not in calculation_codes()]
    assert len(loaded) == 34
    assert {s: sum(1 for i in loaded if i["severity"] == s) for s in ("error", "warning", "notice")} == {
        "error": 29, "warning": 3, "notice": 2}
    assert data["counts"] == {s: sum(1 for i in data["issues"] if i["severity"] == s)
                              for s in ("error", "warning", "notice")}
    assert data["rows"]["read"] == 23 and data["rows"]["rejected"] == 17
    assert [(i["code"], i["file"]) for i in data["issues"] if i["code"] == "unknown-file"] == [
        ("unknown-file", "expected.csv")]
    assert data["tables"]["activities"] == {"file": "activities.csv", "sheet": None, "read": 23,
                                            "accepted": 6, "rejected": 17}
    at = {(i["code"], i["file"], i["row"], i["column"]): i for i in data["issues"]}
    bad = at[("bad-number", "activities.csv", 6, "quantity")]
    assert bad["severity"] == "error" and bad["table"] == "activities" and bad["sheet"] is None
    assert bad["params"] == {"table": "activities", "value": "12,3a"}
    assert bad["message"] == ("'12,3a' is not a valid number" if lang == "en" else "“12,3a”不是有效的数字")
    assert at[("negative-number", "activities.csv", 7, "quantity")]["params"]["value"] == -50
    assert ("unknown-facility", "activities.csv", 16, "facility_id") in at
    assert ("unreadable-file", "factors.xlsx", None, None) in at

    # every place the fixture's expected.csv lists is in the JSON
    with open(BROKEN / "expected.csv", encoding="utf-8", newline="") as fh:
        listed = [(r["code"], r["file"], int(r["row"]) if r["row"] else None, r["column"] or None)
                  for r in csv.DictReader(fh)]
    assert len(listed) == 33
    assert [k for k in listed if k not in at] == []
    # sorted as before: file, sheet, row, column, code
    rows = [(i["file"], i["sheet"] or "", -1 if i["row"] is None else i["row"], i["column"] or "", i["code"])
            for i in data["issues"]]
    assert rows == sorted(rows)


# --- many issues, and every kind of value -------------------------------------------------------------

class Colour(StrEnum):
    RED = "红"


ODD_VALUES: list[Any] = [
    "plain", "", "引号\"与\\反斜杠", "tab\tnew\nline\r", "\x00\x1f\x7f", "emoji 🌍 and \u2028\u2029",
    "ünïcödé", 0, -50, 10**30, True, False, None, 1.5, -0.0, 1e-7, 1e22, float("nan"), float("inf"),
    -math.inf, np.float64(2.25), Colour.RED, [1, "a", None, [2.5, []]], (3, "b"), [], Path("a/b.csv"),
    np.int64(7), frozenset(), Severity.WARNING,
]


def many(n: int) -> list[Issue]:
    codes = ["bad-number", "unknown-facility", "unknown-unit", "missing-value", "unknown-column",
             "bad-date", "duplicate-id"]
    out: list[Issue] = []
    for k in range(n):
        v = ODD_VALUES[k % len(ODD_VALUES)]
        loc = Location(file=["activities.csv", "数据.xlsx", ""][k % 3], sheet=[None, "活动数据", ""][k % 3],
                       row=None if k % 11 == 0 else 2 + (k * 7919) % (n + 13), column=[None, "quantity", "单位"][k % 3])
        out.append(issue(codes[k % len(codes)], loc, table=None if k % 5 == 0 else "activities", value=v,
                         column="数量", headers=("a", "b")))
    # issues not made by issue(): no params, a missing parameter, repeated and odd names, a plain
    # str severity, an unknown table name
    out.append(Issue("bad-number", Severity.ERROR, Location("x.csv", None, 3, "q")))
    out.append(Issue("unknown-unit", Severity.ERROR, Location("x.csv", None, 4, "u"), (("other", 1),)))
    out.append(Issue("bad-number", Severity.ERROR, Location("x.csv", None, 5, "q"),
                     (("value", "first"), ("table", "t"), ("value", "second"))))
    out.append(Issue("bad-date", "error", Location("x.csv", "s", 6, None), (("value", 2.0),), "表"))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_few_thousand_odd_issues_are_byte_identical(lang: str) -> None:
    issues = many(3000)
    extra = {"inventory": "清单/2025", "tables": {"activities": {"file": "a.csv", "sheet": None, "read": 3,
                                                                 "accepted": 1, "rejected": 2}},
             "counts": {"error": len(issues), "warning": 0, "notice": 0}}
    expected = one_shot(issues, lang, **extra)
    text = streamed(issues, lang, **extra)
    assert text == expected
    data = json.loads(text)  # valid JSON (NaN and Infinity as Python's json writes them)
    assert len(data["issues"]) == 3004
    assert list(data) == ["inventory", "tables", "counts", "issues"]
    assert list(data["issues"][0]) == ["code", "severity", "table", "file", "sheet", "row", "column",
                                       "message", "params"]
    assert render_json(issues, lang, **extra) == expected


def test_edge_documents() -> None:
    assert streamed([]) == one_shot([]) == '{\n  "issues": []\n}'
    assert streamed([], inventory="x") == one_shot([], inventory="x")
    issues = many(40)
    assert streamed(issues) == one_shot(issues)  # no extra keys


def test_a_value_json_cannot_write_still_fails() -> None:
    odd = Issue("bad-number", Severity.ERROR, Location("x.csv", None, np.int64(3), "q"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        one_shot([odd])
    with pytest.raises(TypeError):
        streamed([odd])


def test_written_in_pieces() -> None:
    sizes: list[int] = []

    class Recorder(io.StringIO):
        def write(self, s: str) -> int:
            sizes.append(len(s))
            return super().write(s)

    issues = many(20_000)
    out = Recorder()
    write_json(issues, out, "en", counts={"error": len(issues)})
    assert out.getvalue() == one_shot(issues, "en", counts={"error": len(issues)})
    assert len(sizes) > 5
    assert max(sizes) < len(out.getvalue()) / 4


def test_cli_json_of_thousands_of_bad_rows(tmp_path: Path) -> None:
    folder = tmp_path / "inv"
    folder.mkdir()
    (folder / "entities.csv").write_text("entity_id,name,parent_id,ownership,financial_control,operational_control,"
                                         "consolidated\nG,示例集团,,100%,是,是,是\n", encoding="utf-8")
    (folder / "facilities.csv").write_text("facility_id,entity_id,name,province,sector\nF1,G,工厂,江苏,制造业\n",
                                           encoding="utf-8")
    (folder / "report.yaml").write_text("entity:\n  name_zh: 示例集团\n  name_en: Example Group\n"
                                        "  identifier: 91350100M000100Y43\nperiod:\n  start: 2025-01-01\n"
                                        "  end: 2025-12-31\n", encoding="utf-8")
    lines = ["record_id,facility_id,period_start,period_end,source,activity,quantity,unit"]
    n = 4000
    for k in range(n):
        fac, qty, unit = "F1", "5", "t"
        if k % 2 == 0:
            fac, qty, unit = [("F9", "5", "t"), ("F1", f"约{k}", "t"), ("F1", "5", "桶")][(k // 2) % 3]
        lines.append(f"A{k},{fac},2025-01-01,2025-01-31,stationary_combustion,coal,{qty},{unit}")
    (folder / "activities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    issues, extra = cli_extra(folder)
    r = runner.invoke(app, ["check", str(folder), "--format", "json", "--lang", "en"])
    assert r.exit_code == 1
    assert r.stdout == one_shot(issues, "en", **extra) + "\n"
    data = json.loads(r.stdout)
    assert data["counts"]["error"] == n // 2
    bad = [i for i in data["issues"] if i["code"] not in calculation_codes()]
    assert len(bad) == n // 2
    assert data["tables"]["activities"]["rejected"] == n // 2
    assert {i["code"] for i in bad} == {"unknown-facility", "bad-number", "unknown-unit"}
    # the rows accepted are all calculated: the calculation adds no error, only the Scope 3
    # categories left out without a reason and its notices
    assert {i["code"] for i in data["issues"] if i["code"] in calculation_codes() and i["severity"] != "notice"} == {
        "scope3-exclusion-unexplained"}
    assert data["rows"] == {"read": n, "included": n // 2, "outside_boundary": 0, "excluded": 0, "rejected": n // 2,
                            "left_out_by_reason": {"bad-number": 667, "unknown-facility": 667, "unknown-unit": 666}}
    first = data["issues"][0]
    assert (first["code"], first["row"], first["column"], first["params"]["value"]) == (
        "unknown-facility", 2, "facility_id", "F9")


def test_places_are_named_in_the_language_of_the_message() -> None:
    """A province, a grid region and 全国 print in English in an English message (provinces.csv,
    grid_regions.csv), as the datasets name them in a Chinese one; the parameter stays the value."""
    from disclosure.core import geo

    i = issue("no-grid-factor", Location("activities.csv", None, 7, "facility_id"), table="activities",
              province="广东", region="南方", year=2023)
    assert "(Guangdong, China Southern)" in i.message("en")
    assert "（广东，南方）" in i.message("zh-CN")
    assert dict(i.params)["province"] == "广东"
    assert [geo.place_label(p, "en") for p in ("全国", "华北", "内蒙古", "新疆", "Atlantis")] == \
        ["national", "North China", "Inner Mongolia", "Xinjiang", "Atlantis"]
    assert geo.place_label("华北", "zh-CN") == "华北"
    # every grid region a province belongs to has its English name
    assert {geo.place_label(r, "en") for r in geo.provinces()["grid_region"] if r} <= \
        {"North China", "Northeast China", "East China", "Central China", "Northwest China", "Southwest China",
         "China Southern"}
