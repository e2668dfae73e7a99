"""``report.yaml``: the reporting entity and the settings of one report.

The file is read into plain data with the line number of every key kept, so a problem points at the
line the user wrote. Sections this version does not know are kept (``ReportSettings.extra``) and
reported as a notice: later versions add sections (narratives, targets …) without breaking older
files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.issues import Issue, Location, issue

CONSOLIDATION = ("operational_control", "financial_control", "equity_share")
GWP_SETS = ("SAR", "AR4", "AR5", "AR6")
GRID_LEVELS = ("province", "region", "national")
LANGUAGES = ("zh-CN", "en")

KNOWN_KEYS = {
    "entity", "period", "currency", "consolidation", "gwp", "grid_factor_level", "language",
    "revenue", "output", "factors", "options", "xbrl",
}


@dataclass(frozen=True)
class ReportSettings:
    name_zh: str = ""
    name_en: str = ""
    identifier: str = ""
    identifier_scheme: str = ""         # "uscc" or "lei"
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    currency: str = "CNY"
    consolidation: str = "operational_control"
    gwp: str = "AR6"
    grid_factor_level: str = "province"
    language: str = "zh-CN"
    revenue: float | None = None        # in ``currency``
    output_value: float | None = None
    output_unit: str | None = None
    output_label_zh: str | None = None
    output_label_en: str | None = None
    grid_year: int | None = None        # None: the latest published year not after the period
    factor_pins: dict[str, str] = field(default_factory=dict)   # dataset id → version
    factor_dirs: tuple[str, ...] = ()   # extra dataset folders, relative to the inventory
    options: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


# --- entity identifiers ------------------------------------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str | None:
    """The check character of a unified social credit code (GB 32100-2015, 统一社会信用代码)."""
    try:
        total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    except (ValueError, IndexError):
        return None
    return _USCC_CHARS[(31 - total % 31) % 31]


def check_identifier(value: str) -> tuple[str | None, str | None]:
    """Returns (scheme, None) when valid, or (None, reason)."""
    v = value.strip().upper()
    if len(v) == 18:
        if any(c not in _USCC_CHARS for c in v):
            return None, "统一社会信用代码含非法字符 / USCC has an invalid character (I, O, S, V, Z are not used)"
        if uscc_check_char(v[:17]) != v[17]:
            return None, (f"校验码应为 {uscc_check_char(v[:17])} / check digit should be "
                          f"{uscc_check_char(v[:17])} (GB 32100-2015)")
        return "uscc", None
    if len(v) == 20 and v.isalnum():
        # ISO 17442 LEI: ISO 7064 MOD 97-10 over the digits with letters A=10 … Z=35
        digits = "".join(str(int(c, 36)) for c in v)
        if int(digits) % 97 != 1:
            return None, "LEI 校验位错误 / LEI check digits are wrong (ISO 17442)"
        return "lei", None
    return None, "应为18位统一社会信用代码或20位LEI / expected an 18-character USCC or a 20-character LEI"


# --- reading ---------------------------------------------------------------------------------------

def yaml_lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Dotted path → line of its key (list items numbered from 1, at the line of the item): where an
    issue about a YAML setting points. Shared by report.yaml and disclosures.yaml."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = f"{prefix}{k.value}"
            out[path] = k.start_mark.line + 1
            out.update(yaml_lines(v, path + "."))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value, 1):
            path = f"{prefix}{i}"
            out[path] = v.start_mark.line + 1
            out.update(yaml_lines(v, path + "."))
    return out


def load_report(path: Path, display: str = "report.yaml") -> tuple[ReportSettings, list[Issue]]:
    if not path.exists():
        return ReportSettings(), [issue("report-missing", Location(display))]
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        row = mark.line + 1 if mark else None
        return ReportSettings(), [issue("report-syntax", Location(display, row=row), reason=str(e).split("\n")[0])]
    if not isinstance(data, dict):
        return ReportSettings(), [issue("report-syntax", Location(display, row=1), reason="not a mapping")]
    lines = yaml_lines(node)
    return _settings(data, lines, display)


def _settings(data: dict[str, Any], lines: dict[str, int], display: str) -> tuple[ReportSettings, list[Issue]]:
    issues: list[Issue] = []

    def loc(field_path: str) -> Location:
        parts = field_path.split(".")
        while parts and ".".join(parts) not in lines:
            parts.pop()
        return Location(display, row=lines.get(".".join(parts)), column=field_path)

    def get(path: str, required: bool = False) -> Any:
        cur: Any = data
        for part in path.split("."):
            if not isinstance(cur, dict) or part not in cur or cur[part] is None:
                if required:
                    issues.append(issue("report-missing-field", loc(path), field=path))
                return None
            cur = cur[part]
        return cur

    def bad(path: str, value: Any, reason: str) -> None:
        issues.append(issue("report-bad-value", loc(path), field=path, value=str(value), reason=reason))

    def choice(path: str, allowed: tuple[str, ...], default: str) -> str:
        v = get(path)
        if v is None:
            return default
        if str(v) not in allowed:
            bad(path, v, "可选 / allowed: " + ", ".join(allowed))
            return default
        return str(v)

    def date_of(path: str) -> dt.date | None:
        v = get(path, required=True)
        if v is None or isinstance(v, dt.date):
            return v
        from ..core.values import one_date as _one_date

        ts = _one_date(str(v))
        if ts is None:
            bad(path, v, "不是日期 / not a date")
            return None
        return ts.date()

    def number_of(path: str) -> float | None:
        v = get(path)
        if v is None:
            return None
        from ..core.values import clean_number_text

        try:
            f = float(clean_number_text(str(v)))
        except ValueError:
            bad(path, v, "不是数字 / not a number")
            return None
        if f < 0:
            bad(path, v, "不能为负数 / must not be negative")
            return None
        return f

    for key in data:
        if key not in KNOWN_KEYS:
            issues.append(issue("report-unknown-key", loc(str(key)), field=str(key)))

    name_zh = get("entity.name_zh", required=True)
    name_en = get("entity.name_en")
    ident = get("entity.identifier", required=True)
    scheme = ""
    if ident is not None:
        scheme_found, reason = check_identifier(str(ident))
        if scheme_found is None:
            issues.append(issue("bad-identifier", loc("entity.identifier"), value=str(ident), reason=reason))
        else:
            scheme = scheme_found
    start, end = date_of("period.start"), date_of("period.end")
    if start and end and end < start:
        bad("period.end", end, "早于开始日期 / before the start")

    grid_year = get("factors.grid_year")
    if grid_year is not None and not (isinstance(grid_year, int) and 2000 <= grid_year <= 2100):
        bad("factors.grid_year", grid_year, "应为年份 / should be a year")
        grid_year = None
    pins = get("factors.versions") or {}
    if not isinstance(pins, dict):
        bad("factors.versions", pins, "应为“数据集编号: 版本”的映射 / should map dataset id to version")
        pins = {}
    dirs = get("factors.datasets") or []
    if isinstance(dirs, str):
        dirs = [dirs]
    currency = str(get("currency") or "CNY").upper()
    output_unit = get("output.unit")
    if output_unit is not None:
        from ..core.units import lookup

        if lookup(str(output_unit)) is None:
            bad("output.unit", output_unit, "无法识别的单位 / unknown unit")

    settings = ReportSettings(
        name_zh=str(name_zh or ""), name_en=str(name_en or ""),
        identifier=str(ident or "").strip().upper(), identifier_scheme=scheme,
        period_start=start, period_end=end, currency=currency,
        consolidation=choice("consolidation", CONSOLIDATION, "operational_control"),
        gwp=choice("gwp", GWP_SETS, "AR6"),
        grid_factor_level=choice("grid_factor_level", GRID_LEVELS, "province"),
        language=choice("language", LANGUAGES, "zh-CN"),
        revenue=number_of("revenue.value"),
        output_value=number_of("output.value"),
        output_unit=None if output_unit is None else str(output_unit),
        output_label_zh=get("output.label_zh"), output_label_en=get("output.label_en"),
        grid_year=grid_year,
        factor_pins={str(k): str(v) for k, v in pins.items()},
        factor_dirs=tuple(str(d) for d in dirs),
        options=dict(get("options") or {}),
        extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
        lines=lines,
    )
    return settings, issues
