"""``disclosures.yaml``: what a climate report says beyond the GHG numbers.

Governance, strategy (risks and opportunities, time horizons, business model, financial effects,
transition plan, scenario analysis and resilience), risk and opportunity management, targets, the
cross-industry metrics, carbon-market participation, third-party assurance and, optionally, prior
years' totals. The file sits beside ``report.yaml`` (a workbook inventory may instead carry a
``disclosures`` sheet of ``field``/``value`` rows, fields as dotted paths, list items numbered from 1:
``targets.1.name.zh``).

``load_disclosures`` returns the content in one normalised shape, whatever was written: every field
of :data:`SPEC` is present, ``None`` when not disclosed; text is ``{"zh": …, "en": …}``; numbers are
floats; shares are fractions 0-1. ``missing`` lists the dotted paths not disclosed, which ``check``
reports as ``disclosures-missing`` warnings and the report shows as "未披露 / not disclosed".
An inventory without the file (and without the sheet) is not warned about: it may be checked or
computed without any narrative; the report then says every narrative item is not disclosed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import vocabulary as vocab
from ..core import yamlfile
from ..core.issues import Issue, Location, issue

FILE = "disclosures.yaml"
SHEETS = ("disclosures", "披露信息")


@dataclass(frozen=True)
class F:
    """One field: ``kind`` is text | str | number | share | year | enum; ``values`` for an enum
    (the name of its enumeration in the vocabulary); ``optional`` fields are not reported when absent."""

    kind: str
    values: str = ""
    optional: bool = False


@dataclass(frozen=True)
class L:
    """A list of records with the fields of ``item``; ``optional`` lists may be absent or empty."""

    item: dict[str, F]
    optional: bool = False


TEXT, STR, NUM, SHARE, YEAR = F("text"), F("str"), F("number"), F("share"), F("year")


def opt(f: F) -> F:
    return F(f.kind, f.values, optional=True)


# the enumerations (vocabulary names); a target's metric is a figure of results.json (its progress
# is then computed) or ``other``
CARBON_MARKET_NUMBERS = ("allowances_allocated", "allowances_surrendered", "allowances_bought",
                         "allowances_sold", "ccer_used")

# The shape of the file; the order is the order of the report and of the warnings.
SPEC: dict[str, Any] = {
    "governance": {
        "board_oversight": TEXT,      # the board's (or a committee's) oversight of climate matters
        "management_role": TEXT,      # management's role, controls and procedures
        "skills": TEXT,               # how the body ensures the skills to oversee strategy
        "remuneration": TEXT,         # whether and how climate performance is in remuneration policy
    },
    "strategy": {
        "time_horizons": {"short": TEXT, "medium": TEXT, "long": TEXT},
        "risks_opportunities": L({
            "id": STR, "kind": F("enum", "ro_kind"), "category": opt(TEXT), "title": TEXT,
            "description": TEXT, "time_horizon": F("enum", "horizon"), "financial_effect": TEXT,
            "response": TEXT,
        }),
        "business_model": TEXT,       # effects on the business model and value chain
        "financial_effects": TEXT,    # current and anticipated effects on position, performance, cash
        "transition_plan": TEXT,
        "scenario_analysis": {
            "scenarios": L({"name": TEXT, "kind": F("enum", "scenario_kind"), "temperature": opt(STR),
                            "source": opt(TEXT)}),
            "method": TEXT,           # inputs, assumptions (incl. 2030 peak / 2060 neutrality), horizon
            "resilience": TEXT,
        },
    },
    "risk_management": {
        "identification": TEXT, "assessment": TEXT, "monitoring": TEXT, "opportunities": TEXT,
        "integration": TEXT,
    },
    "targets": L({
        "id": STR, "name": TEXT, "metric": F("enum", "target_metric"), "scope": TEXT,
        "gases": opt(STR), "coverage": TEXT, "type": F("enum", "target_type"),
        "basis": F("enum", "target_basis"), "unit": STR, "base_year": YEAR, "base_value": NUM,
        "target_year": YEAR, "target_value": NUM, "carbon_credits": NUM,
        "current_value": opt(NUM),    # needed only for metric ``other``; else from results.json
        "milestones": opt(TEXT), "notes": opt(TEXT),
    }),
    "metrics": {
        "transition_risk": {"amount": NUM, "share": SHARE, "description": TEXT},
        "physical_risk": {"amount": NUM, "share": SHARE, "description": TEXT},
        "opportunities": {"amount": NUM, "share": SHARE, "description": TEXT},
        "capital_deployed": {"amount": NUM, "description": TEXT},
        "internal_carbon_price": {"price": NUM, "description": TEXT},
        "remuneration": {"share": SHARE, "description": TEXT},
    },
    # tCO2e (one allowance = 1 tCO2e; one CCER = 1 tCO2e), simple numbers for the XBRL tagger
    "carbon_market": {"compliance_period": STR, **dict.fromkeys(CARBON_MARKET_NUMBERS, NUM)},
    "carbon_market_accounting": TEXT,   # effect on the financial statements, accounting policy
    "assurance": {
        "provider": TEXT, "standard": STR, "level": F("enum", "assurance_level"), "scope": TEXT,
        "conclusion": TEXT, "date": opt(STR),
    },
    "history": L({"year": YEAR, "scope1": NUM, "scope2_location": NUM, "scope2_market": opt(NUM),
                  "scope3": opt(NUM)}, optional=True),
}


def empty() -> dict[str, Any]:
    """The normalised shape with nothing disclosed (what an inventory without the file gets)."""
    out, missing = _normalise({}, lambda *_: None)
    out["missing"] = missing
    out["source"] = None
    return out


# --- reading -----------------------------------------------------------------------------------------


def load_disclosures(folder: Path, workbook: Path | None = None) -> tuple[dict[str, Any], list[Issue]]:
    """``disclosures.yaml`` in ``folder``, else a ``disclosures`` sheet of ``workbook``; neither: the
    empty shape and no issue."""
    path = folder / FILE
    if path.exists():
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        try:
            data, lines = yamlfile.load(text)
        except yamlfile.YamlError as e:
            return _failed(FILE, e.line, e.reason)
        data = data or {}
        if not isinstance(data, dict):
            return _failed(FILE, 1, "不是映射 / not a mapping")
        return _from_data(data, lines, FILE, None)
    if workbook is not None:
        from . import readers

        sheets = [s for s in readers.sheet_names(workbook) if s.strip().lower() in SHEETS]
        if sheets:
            return _from_sheet(workbook, sheets[0])
    return empty(), []


def _failed(display: str, row: int | None, reason: str) -> tuple[dict[str, Any], list[Issue]]:
    out = empty()
    out["source"] = display
    return out, [issue("disclosures-syntax", Location(display, row=row), reason=reason)]


def _from_sheet(workbook: Path, sheet: str) -> tuple[dict[str, Any], list[Issue]]:
    """Two columns, field (dotted path) and value. Numbered segments make lists."""
    from . import readers

    raw, issues = readers.read_sheet(workbook, sheet, workbook.name)
    if raw is None or raw.frame.shape[1] < 2:
        out = empty()
        return out, issues
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for (key, value), row in zip(raw.frame.iloc[:, :2].itertuples(index=False), raw.rows, strict=True):
        key = str(key).strip()
        if not key or str(value).strip() == "":
            continue
        parts = key.split(".")
        cur = data
        for i, part in enumerate(parts[:-1]):
            nxt = cur.setdefault(part, {})
            lines.setdefault(".".join(parts[: i + 1]), int(row))
            if not isinstance(nxt, dict):
                issues.append(issue("disclosures-syntax", Location(workbook.name, sheet, int(row), key),
                                    reason=f"“{'.'.join(parts[: i + 1])}” 已是单个值 / is already a value"))
                break
            cur = nxt
        else:
            cur[parts[-1]] = value
            lines[key] = int(row)
    out, more = _from_data(_lists(data), lines, workbook.name, sheet)
    return out, issues + more


def _lists(v: Any) -> Any:
    """Mappings whose keys are all numbers (``targets.1``, ``targets.2``) become lists, in order."""
    if not isinstance(v, dict):
        return v
    v = {k: _lists(x) for k, x in v.items()}
    if v and all(str(k).isdecimal() for k in v):   # isdigit() takes "²", which int() refuses
        return [v[k] for k in sorted(v, key=lambda k: int(k))]
    return v


def _from_data(data: dict[str, Any], lines: dict[str, int], display: str, sheet: str | None
               ) -> tuple[dict[str, Any], list[Issue]]:
    issues: list[Issue] = []

    def loc(path: str) -> Location:
        parts = path.split(".")
        while parts and ".".join(parts) not in lines:
            parts.pop()
        return Location(display, sheet, lines.get(".".join(parts)), path)

    def bad(path: str, value: Any, reason: str) -> None:
        issues.append(issue("disclosures-bad-value", loc(path), field=path, value=_short(value), reason=reason))

    for key in data:
        if key not in SPEC:
            issues.append(issue("disclosures-unknown-key", loc(str(key)), field=str(key)))
    out, missing = _normalise(data, bad)
    for path in missing:
        issues.append(issue("disclosures-missing", loc(path), field=path))
    out["missing"] = missing
    out["source"] = display if sheet is None else f"{display}[{sheet}]"
    return out, issues


def _normalise(data: Any, bad: Any) -> tuple[dict[str, Any], list[str]]:
    missing: list[str] = []

    def walk(spec: Any, value: Any, path: str) -> Any:
        if isinstance(spec, dict):
            if value is not None and not isinstance(value, dict):
                bad(path, value, "应为映射（含下级项）/ should be a mapping of fields")
                value = None
            value = value or {}
            return {k: walk(s, value.get(k), f"{path}.{k}" if path else k) for k, s in spec.items()}
        if isinstance(spec, L):
            if value is None or value == []:
                if not spec.optional:
                    missing.append(path)
                return []
            if not isinstance(value, list):
                bad(path, value, "应为列表 / should be a list")
                if not spec.optional:
                    missing.append(path)
                return []
            return [walk(spec.item, item, f"{path}.{i}") for i, item in enumerate(value, 1)]
        v = _leaf(spec, value, path, bad)
        if v is None and not spec.optional:
            missing.append(path)
        return v

    return walk(SPEC, data, ""), missing


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(v: Any) -> str | None:
    """User text as the report prints it: control characters (which XML cannot hold) removed,
    line ends unified, trailing blanks stripped; empty → None."""
    t = _CONTROL.sub("", str(v).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return t or None


def _leaf(spec: F, value: Any, path: str, bad: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    k = spec.kind
    if k == "text":
        if isinstance(value, dict):
            unknown = set(map(str, value)) - {"zh", "en"}
            if unknown:
                bad(path, value, "文本应为字符串或 {zh: …, en: …} / text is a string or {zh: …, en: …}")
            zh, en = value.get("zh"), value.get("en")
            zh = clean_text(zh) if zh is not None else None
            en = clean_text(en) if en is not None else None
            return {"zh": zh, "en": en} if (zh or en) else None
        if isinstance(value, list | tuple):
            text = "\n".join(str(x) for x in value)
            t = clean_text(text)
        else:
            t = clean_text(value)
        return {"zh": t, "en": t} if t else None
    if k == "str":
        if isinstance(value, dict | list):
            bad(path, value, "应为单个值 / should be a single value")
            return None
        return clean_text(value)
    if k == "enum":
        key = vocab.parse(spec.values, value) if not isinstance(value, dict | list | bool) else None
        if key is None:
            keys = vocab.values(spec.values)
            bad(path, value, f"可选：{vocab.labels_of(spec.values, keys)} / allowed: {', '.join(map(str, keys))}")
            return None
        return key
    if k == "year":
        try:
            y = int(float(unicodedata.normalize("NFKC", str(value)).strip().rstrip("年")))
        except ValueError:
            y = None
        if y is None or not 1900 <= y <= 2100:
            bad(path, value, "应为年份 / should be a year")
            return None
        return y
    if k in ("number", "share"):
        from ..core.values import clean_number_text

        if isinstance(value, bool | dict | list):
            bad(path, value, "不是数字 / not a number")
            return None
        text = clean_number_text(str(value))
        pct = text.endswith("%") or text.endswith("％")
        try:
            f = float(text.rstrip("%％"))
        except ValueError:
            bad(path, value, "不是数字 / not a number")
            return None
        if f != f or f in (float("inf"), float("-inf")):
            bad(path, value, "不是数字 / not a number")
            return None
        if f < 0:
            bad(path, value, "不能为负数 / must not be negative")
            return None
        if k == "share":
            if pct or f > 1:
                f /= 100.0
            if f > 1:
                bad(path, value, "比例应在 0-100% 之间 / a share is 0-100%")
                return None
        elif pct:
            bad(path, value, "应为数值而非百分比 / should be an amount, not a percentage")
            return None
        return f
    raise AssertionError(k)


def _short(v: Any) -> str:
    t = str(v)
    return t if len(t) <= 60 else t[:57] + "…"
