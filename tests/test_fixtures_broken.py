"""The fixture inventories under ``fixtures/``.

The broken folders must report every issue their ``expected.csv`` lists, at the place it lists, and
together they must exercise every inventory issue code of ``codes.yaml`` (all but ``factor-*``). The
demo group must load clean: no error and no warning.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
DEMO = FIXTURES / "demo-group"
BROKEN = ("broken-inventory", "broken-missing", "broken-noreport", "broken-yaml")
# the hostile inventories (fixtures/build_hostile.py): their issues count towards the coverage of the codes
HOSTILE = tuple(f"hostile/{p.name}" for p in sorted((FIXTURES / "hostile").iterdir()) if (p / "expected.csv").is_file())
CODES = ROOT / "disclosure" / "core" / "codes.yaml"

Key = tuple[str, str, str | None, int | None, str | None]   # code, file, sheet, row, column


# The sections of codes.yaml whose codes concern the inventory files (what ``load_inventory`` reports);
# the factor-library and calculation sections are reported by later stages.
INVENTORY_SECTIONS = ("files and tables", "cell values", "references and structure", "report.yaml")


def codes_by_section() -> dict[str, set[str]]:
    """codes.yaml's top-level codes grouped under its ``# --- <section> ---`` comment lines."""
    out: dict[str, set[str]] = {}
    section = ""
    for line in CODES.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ---"):
            section = line.strip("#- ").strip()
            out.setdefault(section, set())
        elif line and not line[0].isspace() and not line.startswith("#") and line.rstrip().endswith(":"):
            out.setdefault(section, set()).add(line.rstrip()[:-1])
    return out


# Inventory codes no committed folder can carry, each with the test that makes its case on the spot:
# a link out of the inventory points at a path of the machine the test runs on.
MADE_IN_TESTS = {"outside-inventory": "test_hostile.py::test_symlink_out_of_the_inventory_is_refused_and_not_copied"}


def inventory_codes() -> set[str]:
    sections = codes_by_section()
    missing = [s for s in INVENTORY_SECTIONS if s not in sections]
    assert not missing, f"codes.yaml sections not found (renamed?): {missing}"
    return {c for s in INVENTORY_SECTIONS for c in sections[s] if not c.startswith("factor-") and c not in MADE_IN_TESTS}


def expected(folder: str) -> list[Key]:
    with open(FIXTURES / folder / "expected.csv", encoding="utf-8", newline="") as fh:
        return [
            (r["code"], r["file"], r["sheet"] or None, int(r["row"]) if r["row"] else None, r["column"] or None)
            for r in csv.DictReader(fh)
        ]


@cache
def load(folder: str):
    from disclosure.loader import load_inventory

    return load_inventory(FIXTURES / folder)


def key(i) -> Key:
    loc = i.location
    return (i.code, loc.file, loc.sheet, loc.row, loc.column)


def render(keys) -> str:
    return "\n".join(f"  {c} {f}[{s or ''}]:{r if r is not None else ''}:{col or ''}"
                     for c, f, s, r, col in sorted(keys, key=str))


# --- the fixtures themselves (no loader needed) ------------------------------------------------------

def test_code_sections_parse_as_the_catalogue():
    parsed = set().union(*codes_by_section().values())
    assert parsed == set(yaml.safe_load(CODES.read_text(encoding="utf-8")))


def test_expected_files_cover_every_inventory_code():
    listed = {k[0] for folder in BROKEN + HOSTILE for k in expected(folder)}
    all_codes = set(yaml.safe_load(CODES.read_text(encoding="utf-8")))
    assert listed <= all_codes, f"expected.csv names codes not in codes.yaml: {sorted(listed - all_codes)}"
    assert inventory_codes() <= listed, f"codes no broken fixture exercises: {sorted(inventory_codes() - listed)}"


_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_ok(code: str) -> bool:
    """GB 32100-2015, computed independently of the package."""
    if len(code) != 18 or any(c not in _USCC for c in code):
        return False
    total = sum(_USCC.index(c) * w for c, w in zip(code[:17], _W, strict=True))
    return _USCC[(31 - total % 31) % 31] == code[17]


def test_fixture_identifiers():
    demo = yaml.safe_load((DEMO / "report.yaml").read_text(encoding="utf-8"))
    broken = yaml.safe_load((FIXTURES / "broken-inventory" / "report.yaml").read_text(encoding="utf-8"))
    assert _uscc_ok(demo["entity"]["identifier"])
    assert not _uscc_ok(broken["entity"]["identifier"])
    assert len(broken["entity"]["identifier"]) == 18   # only the check character is wrong


def test_demo_files_use_the_forms_they_are_meant_to_exercise():
    # facilities: Chinese header aliases
    assert (DEMO / "facilities.csv").read_text(encoding="utf-8").startswith("设施编号,主体编号,设施名称,省份")
    # activities: UTF-8 with a BOM
    assert (DEMO / "activities.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # instruments: GB18030, not decodable as UTF-8
    raw = (DEMO / "instruments.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "绿证" in raw.decode("gb18030")
    for name in ("entities", "factors"):
        assert not (DEMO / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")


# --- the broken folders ------------------------------------------------------------------------------

@pytest.mark.parametrize("folder", BROKEN)
def test_broken_folder_reports_every_expected_issue(folder):
    _, issues = load(folder)
    got = {key(i) for i in issues}
    missing = set(expected(folder)) - got
    assert not missing, (f"{folder}: issues expected but not reported:\n{render(missing)}\n"
                         f"reported:\n{render(got)}")


def test_every_inventory_code_is_reported_by_some_broken_folder():
    reported = {i.code for folder in BROKEN + HOSTILE for i in load(folder)[1]}
    assert inventory_codes() <= reported, f"never reported: {sorted(inventory_codes() - reported)}"


# Rows of broken-inventory written with odd-looking but valid values (thousands separators, full-width
# digits, 2025/4/1, 2025年6月30日, 20250701, ５１％, a city code, 类别6): nothing may point at them.
VALID_ROWS = {
    "entities.csv": {2, 3, 8},
    "facilities.csv": {2, 3, 7},
    "activities.csv": {2, 3, 4, 23},
    "instruments.csv": {2},
}


def test_valid_spellings_in_broken_inventory_raise_nothing():
    _, issues = load("broken-inventory")
    wrong = [key(i) for i in issues if i.location.row in VALID_ROWS.get(i.location.file, ())]
    assert not wrong, f"issues on rows that are valid:\n{render(wrong)}"


# --- the demo group ----------------------------------------------------------------------------------

def test_demo_group_loads_clean():
    inv, issues = load("demo-group")
    serious = [key(i) for i in issues if str(i.severity) in ("error", "warning")]
    assert not serious, f"demo-group should have no errors or warnings:\n{render(serious)}"
    for name in ("entities", "facilities", "activities", "instruments", "factors"):
        assert name in inv.tables, name
        c = inv.counts[name]
        assert c.read > 0 and c.rejected == 0, (name, c)


def test_demo_group_content():
    inv, _ = load("demo-group")
    ent, fac, act = inv.table("entities"), inv.table("facilities"), inv.table("activities")
    # a parent, subsidiaries (one partly owned), a joint venture and an associate
    assert ent["parent_id"].isna().sum() == 1
    assert ((ent["ownership"] > 0.5) & (ent["ownership"] < 1) & ent["consolidated"].astype(bool)).any()
    assert ((ent["ownership"] == 0.5) & ~ent["consolidated"].astype(bool)).any()
    assert ((ent["ownership"] < 0.5) & ~ent["consolidated"].astype(bool)).any()
    # at least 12 facilities in at least 6 provinces
    from disclosure.core.geo import province_name

    assert len(fac) >= 12
    assert len({province_name(p) for p in fac["province"]}) >= 6
    # every source, Scope 3 in at least six categories and none in category 3 (derived by the engine)
    from disclosure.ingest.contract import SOURCES

    assert set(act["source"]) == set(SOURCES)
    cats = set(act.loc[act["source"] == "scope3", "scope3_category"].dropna().astype(int))
    assert len(cats) >= 6 and 3 not in cats
    start, end = inv.settings.period.start, inv.settings.period.end
    assert (act["period_start"].dt.date >= start).all() and (act["period_end"].dt.date <= end).all()


def test_demo_instruments_do_not_exceed_consumption():
    from disclosure.core.units import factor
    from disclosure.ingest.contract import CERTIFICATE_UNITS

    inv, _ = load("demo-group")
    act, ins = inv.table("activities"), inv.table("instruments")
    el = act[act["source"] == "purchased_electricity"]
    mwh = el["quantity"] * el["unit"].map(lambda u: factor(u, "MWh"))
    used = mwh.groupby(el["facility_id"]).sum()
    for r in ins.itertuples():
        q = r.quantity if r.unit in CERTIFICATE_UNITS else r.quantity * factor(r.unit, "MWh")
        assert q <= used[r.facility_id], (r.instrument_id, q, used[r.facility_id])
        assert bool(r.retired)


def test_demo_group_computes_every_row():
    """Every activity row finds its factor (the ``factors`` table, a row factor or a shipped dataset):
    the calculation reports no error and no warning (notices such as grid-fallback are fine)."""
    from disclosure.engines.inprocess import compute

    inv, _ = load("demo-group")
    comp = compute(inv)
    serious = [key(i) for i in comp.issues if str(i.severity) in ("error", "warning")]
    assert not serious, f"demo-group calculation issues:\n{render(serious)}"
    totals = comp.results["totals"]
    assert 2.5e6 < totals["scope1"] < 4e6          # dominated by the clinker kiln and the coal CHP
    assert 1e5 < totals["scope2_location"] < 4e5
    assert totals["biogenic_co2"] > 0
