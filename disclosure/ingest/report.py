"""Report settings read from ``report.yaml`` or from a workbook's ``report`` sheet into the one
settings model (:mod:`disclosure.core.settings`).

Both forms become the same nested plain data (the sheet's dotted fields, ``options.currency_rates.USD``,
nest as YAML would), read by :func:`~disclosure.core.settings.read_settings`; only the places
differ: a problem points at the YAML line of its key, or at the sheet row of its field.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core import yamlfile
from ..core.issues import Issue, Location, issue
from ..core.settings import Place, Settings, read_settings, resolve_path
from . import readers

SHEET_NAMES = ("report", "报告设置")   # the sheet of a workbook that holds the settings


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
        data, lines = yamlfile.load(text)
    except yamlfile.YamlError as e:
        return Settings(), [issue("report-syntax", Location(display, row=e.line), reason=e.reason)]
    data = data or {}
    if not isinstance(data, dict):
        return Settings(), [issue("report-syntax", Location(display, row=1), reason="not a mapping")]
    where = lambda p: Location(display, row=_row_of(lines, p), column=p)  # noqa: E731
    settings, issues = read_settings(data, where)
    return dataset_folders(settings, path.parent, where, issues)


def dataset_folders(settings: Settings, folder: Path, where: Any, issues: list[Issue]
                    ) -> tuple[Settings, list[Issue]]:
    """``factors.datasets`` checked where the settings are read, so that ``check``, ``compute`` and
    ``report`` see the same folders: each is relative to the inventory folder and inside it (then
    copied into a report pack with the inventory), and an existing folder; any other is refused
    (``dataset-folder``, at its setting) and left out of the settings, so no stage looks for it."""
    from pathlib import PurePosixPath, PureWindowsPath

    kept: list[str] = []
    found: list[Issue] = []
    root = folder.resolve() if folder.exists() else folder
    for n, d in enumerate(settings.factors.datasets, 1):
        why = None
        if d.startswith("~") or PurePosixPath(d).is_absolute() or PureWindowsPath(d).drive:
            why = ("是绝对路径；请写相对于清单文件夹的路径（文件夹放在清单文件夹内） / is an absolute path; give it "
                   "relative to the inventory folder, with the folder inside it")
        else:
            try:
                target = (folder / d).resolve()
                if not target.is_relative_to(root):
                    why = ("在清单文件夹之外；请把它移进清单文件夹 / lies outside the inventory folder; "
                           "move it inside")
                elif not target.is_dir():
                    why = "不存在（相对于清单文件夹） / does not exist (relative to the inventory folder)"
            except (OSError, RuntimeError, ValueError) as e:   # a name too long, a loop of links
                why = f"无法打开 / cannot be opened: {getattr(e, 'strerror', None) or type(e).__name__}"
        if why is None:
            kept.append(d)
            continue
        loc = replace(where(f"factors.datasets.{n}"), column="factors.datasets")
        found.append(issue("dataset-folder", loc, value=d if len(d) <= 80 else d[:77] + "…", reason=why))
    if not found:
        return settings, issues
    factors = settings.factors.model_copy(update={"datasets": tuple(kept)})
    return settings.model_copy(update={"factors": factors}), issues + found


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
    where = lambda p: Location(workbook.name, sheet, _row_of(rows, p), p)  # noqa: E731
    settings, more = read_settings(data, where)
    settings, issues = dataset_folders(settings, workbook.parent, where, issues + more)
    return settings, issues, Place(workbook.name, sheet, tuple(sorted(rows.items())))
