"""Problems as values.

Every stage returns its result together with a list of :class:`Issue`. An issue carries a stable
code (see ``codes.yaml``), a severity, the place in the user's input it refers to (file, sheet, row
as the user sees it, column) and the parameters of its message. The message itself is rendered in
zh-CN or English only when shown, from the catalogue, so the record stays language-free data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the user's input a value came from. ``row`` is the row number the user sees in the
    file or sheet (the header is row 1 of a CSV); ``None`` where it does not apply."""

    file: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def render(self) -> str:
        place = self.file or "-"
        if self.sheet:
            place += f"[{self.sheet}]"
        return f"{place}:{self.row if self.row is not None else ''}:{self.column or ''}"


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    severity: Severity
    location: Location = field(default_factory=Location)
    params: tuple[tuple[str, Any], ...] = ()
    table: str | None = None

    def message(self, lang: str = "zh-CN") -> str:
        template = catalogue()[self.code][_lang_key(lang)]
        try:
            return template.format(**dict(self.params))
        except (KeyError, IndexError):  # a parameter missing must not hide the problem itself
            return template

    def to_dict(self, lang: str = "zh-CN") -> dict[str, Any]:
        loc = asdict(self.location)
        return {
            "code": self.code,
            "severity": str(self.severity),
            "table": self.table,
            **loc,
            "message": self.message(lang),
            "params": {k: _jsonable(v) for k, v in self.params},
        }


def issue(code: str, location: Location | None = None, table: str | None = None, **params: Any) -> Issue:
    """Build an issue; its severity comes from the catalogue, so a code always means one thing."""
    entry = catalogue().get(code)
    if entry is None:
        raise KeyError(f"unknown issue code {code!r}")  # a programming error, not bad input
    if table is not None and "table" not in params:
        params["table"] = table  # messages may name the table too
    return Issue(
        code=code,
        severity=Severity(entry["severity"]),
        location=location or Location(),
        params=tuple(sorted(params.items())),
        table=table,
    )


@cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("codes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for code, entry in data.items():
        if set(entry) != {"severity", "zh", "en"} or entry["severity"] not in {s.value for s in Severity}:
            raise ValueError(f"codes.yaml: bad entry {code!r}")
    return data


def _lang_key(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "zh"


def _jsonable(v: Any) -> Any:
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return str(v)


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def sort_key(i: Issue) -> tuple:
    loc = i.location
    return (loc.file, loc.sheet or "", loc.row if loc.row is not None else -1, loc.column or "", i.code)


def render_text(issues: Iterable[Issue], lang: str = "zh-CN") -> str:
    """One line an issue, ``file:row:column: code message`` (the sheet in brackets after the file)."""
    lines = []
    for i in sorted(issues, key=sort_key):
        lines.append(f"{i.location.render()}: {i.code} [{i.severity}] {i.message(lang)}")
    return "\n".join(lines)


def render_json(issues: Iterable[Issue], lang: str = "zh-CN", **extra: Any) -> str:
    payload = {**extra, "issues": [i.to_dict(lang) for i in sorted(issues, key=sort_key)]}
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False)
