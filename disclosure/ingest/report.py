"""Report settings read from ``report.yaml`` or from a workbook's ``report`` sheet into the one
settings model (:mod:`disclosure.core.settings`).

Both forms become the same nested plain data (the sheet's dotted fields, ``options.currency_rates.USD``,
nest as YAML would), read by :func:`~disclosure.core.settings.read_settings`; only the places
differ: a problem points at the YAML line of its key, or at the sheet row of its field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..core.issues import Issue, Location, issue
from ..core.settings import Place, Settings, read_settings, resolve_path
from . import readers

SHEET_NAMES = ("report", "报告设置")   # the sheet of a workbook that holds the settings


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


def _row_of(lines: dict[str, int], path: str) -> int | None:
    """The line (row) of a dotted path, else of its nearest parent written (a missing field points
    at its section), else None."""
    parts = path.split(".")
    while parts and ".".join(parts) not in lines:
        parts.pop()
    return lines.get(".".join(parts))


def load_report(path: Path, display: str = "report.yaml") -> tuple[Settings, list[Issue]]:
    """``report.yaml``: the settings and their issues, each at the line of its key (the place of
    these settings is ``Place(display)``)."""
    if not path.exists():
        return Settings(), [issue("report-missing", Location(display))]
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        row = mark.line + 1 if mark else None
        return Settings(), [issue("report-syntax", Location(display, row=row), reason=str(e).split("\n")[0])]
    if not isinstance(data, dict):
        return Settings(), [issue("report-syntax", Location(display, row=1), reason="not a mapping")]
    lines = yaml_lines(node)
    return read_settings(data, lambda p: Location(display, row=_row_of(lines, p), column=p))


def configured_ifrs_package(folder: Path) -> Path | None:
    """``xbrl.ifrs_package`` of the report.yaml in ``folder`` (a results folder given to ``disclosure
    xbrl``, or a report pack's ``inputs/``), resolved against that folder; None when there is none.
    The file's other settings and issues are not this caller's concern (``check`` reports them)."""
    report = folder / "report.yaml"
    if not report.is_file():
        return None
    settings, _ = load_report(report)
    return resolve_path(settings.xbrl.ifrs_package, folder)


def report_sheet(workbook: Path) -> str | None:
    """The workbook's settings sheet, if it has one."""
    return next((s for s in readers.sheet_names(workbook) if s.strip().lower() in SHEET_NAMES), None)


def settings_from_sheet(workbook: Path, sheet: str) -> tuple[Settings, list[Issue]]:
    """A ``report`` sheet of two columns, field (dotted path, e.g. ``entity.name_zh``) and value;
    every cell is text (``readers.read_sheet``), which the settings model reads as YAML's values."""
    settings, issues, _ = settings_and_place(workbook, sheet)
    return settings, issues


def settings_and_place(workbook: Path, sheet: str) -> tuple[Settings, list[Issue], Place]:
    """:func:`settings_from_sheet`, with the place of the settings: the sheet and each field's row."""
    raw, issues = readers.read_sheet(workbook, sheet, workbook.name)
    if raw is None or raw.frame.shape[1] < 2:
        return Settings(), issues or [issue("report-missing", Location(workbook.name, sheet))], Place(workbook.name, sheet)
    data: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for (key, value), row in zip(raw.frame.iloc[:, :2].itertuples(index=False), raw.rows, strict=True):
        key = str(key).strip()
        if not key:
            continue
        cur: Any = data
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            cur = cur.setdefault(part, {})
            rows.setdefault(".".join(parts[: i + 1]), int(row))
            if not isinstance(cur, dict):
                issues.append(issue("report-bad-value", Location(workbook.name, sheet, int(row), key), field=key,
                                    value=str(value), reason=f"“{'.'.join(parts[: i + 1])}” 已是单个值 / is already a value"))
                break
        else:
            cur[parts[-1]] = value if str(value).strip() != "" else None
        rows[key] = int(row)
    settings, more = read_settings(data, lambda p: Location(workbook.name, sheet, _row_of(rows, p), p))
    return settings, issues + more, Place(workbook.name, sheet, tuple(sorted(rows.items())))
