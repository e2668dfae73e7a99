"""Problems as values.

Every stage returns its result together with a list of :class:`Issue`. An issue carries a stable
code (see ``codes.yaml``), a severity, the place in the user's input it refers to (file, sheet, row
as the user sees it, column) and the parameters of its message. The message itself is rendered in
zh-CN or English only when shown, from the catalogue, so the record stays language-free data.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from typing import Any, TextIO

from . import geo, vocabulary, yamlfile
from .cells import visible
from .text import pick


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
        return render(self.code, self.params, lang)

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


STAGES = ("calculation",)   # the values of an entry's ``stage`` in codes.yaml


@cache
def calculation_codes() -> frozenset[str]:
    """The codes the calculation raises (``stage: calculation`` in codes.yaml): ``check`` raises
    each of them too, since it runs the calculation."""
    return frozenset(c for c, e in catalogue().items() if e.get("stage") == "calculation")


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    text = resources.files(__package__).joinpath("codes.yaml").read_text(encoding="utf-8")
    data = yamlfile.load_package(text)
    for code, entry in data.items():
        if not {"severity", "zh", "en"} <= set(entry) <= {"severity", "zh", "en", "labels", "stage"} \
                or entry["severity"] not in {s.value for s in Severity} or entry.get("stage", STAGES[0]) not in STAGES:
            raise ValueError(f"codes.yaml: bad entry {code!r}")
        for param, how in (entry.get("labels") or {}).items():
            names = how if isinstance(how, list) else [how]
            for name in names:
                if name not in ("bilingual", "place") and not str(name).startswith("@") and name not in vocabulary.vocabulary().enumerations:
                    raise ValueError(f"codes.yaml {code}: {param} names no enumeration of the vocabulary: {name!r}")
    return data


def render(code: str, params: tuple[tuple[str, Any], ...], lang: str = "zh-CN") -> str:
    """The message of an issue in ``lang``: its template filled with the parameters, each parameter
    that ``labels`` in codes.yaml names printed in that language (an enumeration's values as their
    labels, a "中文 / English" text as its part in ``lang``)."""
    entry = catalogue()[code]
    return _format(entry[_lang_key(lang)], _localise(entry.get("labels"), params, lang))


def _localise(how: dict[str, Any] | None, params: tuple[tuple[str, Any], ...], lang: str
              ) -> tuple[tuple[str, Any], ...]:
    if not how:
        return params
    given = dict(params)
    out = dict(given)
    for name, spec in how.items():
        if name not in given:
            continue
        v = given[name]
        if spec == "bilingual":
            out[name] = pick(str(v), lang)
            continue
        if spec == "place":
            out[name] = geo.place_label(v, lang)
            continue
        names = tuple(given.get(n[1:]) if str(n).startswith("@") else n
                      for n in (spec if isinstance(spec, list) else [spec]))
        try:
            out[name] = _labels(names, v, lang)
        except TypeError:   # an unhashable value (a list): the same, uncached
            out[name] = _labels.__wrapped__(names, v, lang)
    return tuple(out.items())


@lru_cache(maxsize=4096)
def _labels(enums: tuple[Any, ...], v: Any, lang: str) -> str:
    """A value (or a list of values) as the label(s) of the first enumeration that knows it.
    Cached: a run's issues print the same few values many times."""
    known = [e for e in enums if e in vocabulary.vocabulary().enumerations]

    def one(x: Any) -> str:
        for e in known:
            if x in vocabulary.enumeration(e):
                return vocabulary.label(e, x, lang)
        return str(x)

    if isinstance(v, list | tuple):
        return (", " if _lang_key(lang) == "en" else "、").join(one(x) for x in v)
    return one(v)


def _format(template: str, params: tuple[tuple[str, Any], ...]) -> str:
    try:
        return template.format(**dict(params))
    except (KeyError, IndexError):  # a parameter missing must not hide the problem itself
        return template


def _lang_key(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "zh"


def _jsonable(v: Any) -> Any:
    """A parameter as JSON holds it: a float that is not finite as its text ("inf", "nan"), for
    JSON has no infinity (``json.dumps`` would write ``Infinity``, which no JSON parser reads)."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
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
        # a control character of a value (a terminal escape) shown as \x1b, never sent as is
        lines.append(visible(f"{i.location.render()}: {i.code} [{i.severity}] {i.message(lang)}"))
    return "\n".join(lines)


def render_json(issues: Iterable[Issue], lang: str = "zh-CN", **extra: Any) -> str:
    """The issues (sorted) after the ``extra`` keys, as one JSON document: the text of
    ``json.dumps({**extra, "issues": [i.to_dict(lang) for i in sorted(issues)]}, ensure_ascii=False,
    indent=2)``. For many issues prefer :func:`write_json`, which writes the same text piecewise."""
    buf = io.StringIO()
    write_json(issues, buf, lang, **extra)
    return buf.getvalue()


def write_json(issues: Iterable[Issue], out: TextIO, lang: str = "zh-CN", **extra: Any) -> None:
    """Write to ``out`` exactly the text :func:`render_json` returns (no newline after it), an issue
    at a time: no dict per issue and no string of the whole document are ever held, so half a million
    issues cost little more than the issues themselves. Each issue is encoded by hand with the same
    pieces ``json.dumps(..., ensure_ascii=False, indent=2)`` uses (its string encoder, ``int`` and
    ``float`` reprs); any value other than a plain string, integer, boolean or ``None`` goes through
    ``json.dumps`` itself, so the text stays byte-identical to the one-shot document."""
    ordered = sorted(issues, key=sort_key)
    if not ordered:
        out.write(json.dumps({**extra, "issues": [i.to_dict(lang) for i in ordered]},
                             ensure_ascii=False, indent=2))
        return
    head = json.dumps({**extra, "issues": []}, ensure_ascii=False, indent=2)
    assert head.endswith("[]\n}")
    out.write(head[:-4] + "[\n")
    buf: list[str] = []
    for n, i in enumerate(ordered):
        if n:
            buf.append(",\n")
        buf.append(_issue_json(i, render(i.code, i.params, lang)))
        if len(buf) >= 4096:
            out.write("".join(buf))
            buf.clear()
    buf.append("\n  ]\n}")
    out.write("".join(buf))


# The pieces of ``json.dumps(..., ensure_ascii=False, indent=2)`` for an issue at depth 2 (the items
# of the document's "issues" list): its keys at 6 spaces, those of its params at 8.
_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) encodes strings with
_ISSUE_KEYS = tuple(f',\n      {_str(k)}: ' for k in
                    ("severity", "table", "file", "sheet", "row", "column", "message", "params"))


def _strings(v: Any) -> bool:
    return (type(v) is tuple or type(v) is list) and bool(v) and all(type(x) is str for x in v)


def _value(v: Any, indent: str) -> str:
    """``v`` as json.dumps(indent=2) writes it where a key's line is indented by ``indent``."""
    t = type(v)
    if t is str:
        return _str(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return int.__repr__(v)
    if _strings(v):   # a list of plain strings (the allowed values …), as json.dumps lays it out
        item = ",\n" + indent + "  "
        return "[\n" + indent + "  " + item.join(map(_str, v)) + "\n" + indent + "]"
    # floats (NaN, Infinity), subclasses, lists, anything else: json itself, re-indented (a JSON
    # text has no raw newline inside a string, so every newline starts a line of the layout)
    return json.dumps(v, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)


def _issue_json(i: Issue, message: str) -> str:
    loc = i.location
    k = _ISSUE_KEYS
    parts = ['    {\n      "code": ', _value(i.code, "      "),
             k[0], _str(str(i.severity)),
             k[1], _value(i.table, "      "),
             k[2], _value(loc.file, "      "),
             k[3], _value(loc.sheet, "      "),
             k[4], _value(loc.row, "      "),
             k[5], _value(loc.column, "      "),
             k[6], _value(message, "      "),
             k[7]]
    names = [name for name, _ in i.params]
    if names and len(set(names)) == len(names) and all(type(name) is str for name in names):
        sep = "{\n        "
        for name, v in i.params:
            if type(v) is tuple or type(v) is list:
                v = v if _strings(v) else _jsonable(v)
            elif not (type(v) is str or type(v) is int or v is None or type(v) is bool):
                v = _jsonable(v)
            parts += (sep, _str(name), ": ", _value(v, "        "))
            sep = ",\n        "
        parts.append("\n      }\n    }")
    else:  # none, or not the plain distinct names issue() makes: the dict to_dict would build
        parts += (_value({name: _jsonable(v) for name, v in i.params}, "      "), "\n    }")
    return "".join(parts)


# --- issues.json: every issue of a report run, in the pack ---------------------------------------------

ISSUES_FILE = "issues.json"
ISSUES_SCHEMA = "disclosure.issues/1"


def pack_entry(stage: str, i: Issue) -> dict[str, Any]:
    """An issue as issues.json holds it: its code, severity, the stage that found it, where (table,
    file, sheet, row, column), its message in both languages and its parameters."""
    loc = i.location
    return {"code": i.code, "severity": str(i.severity), "stage": stage, "table": i.table, "file": loc.file,
            "sheet": loc.sheet, "row": loc.row, "column": loc.column,
            "message": {"zh-CN": i.message("zh-CN"), "en": i.message("en")},
            "params": {k: _finite(_jsonable(v)) for k, v in i.params}}


def _finite(v: Any) -> Any:
    """NaN and infinities (which JSON has no words for) as null."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    return [_finite(x) for x in v] if isinstance(v, list) else v


def _entry_key(e: dict[str, Any]) -> tuple:
    return (e["file"] or "", e["sheet"] or "", e["row"] if e["row"] is not None else -1, e["column"] or "",
            e["code"], e["stage"], json.dumps(e["params"], ensure_ascii=False, sort_keys=True))


def pack_entries(staged: Iterable[tuple[str, Issue]], carried: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The entries of issues.json, in one order whatever the order found (by place, then code);
    ``carried``: entries as an earlier run wrote them (``pipeline.render``)."""
    return sorted([*(pack_entry(stage, i) for stage, i in staged), *carried], key=_entry_key)


def pack_json(entries: list[dict[str, Any]]) -> str:
    """The text of issues.json: its schema id, the counts by severity and the entries (as
    ``pack_entries`` orders them), one JSON object a line inside the list."""
    counts = {s.value: sum(1 for e in entries if e["severity"] == s.value) for s in Severity}
    head = json.dumps({"schema": ISSUES_SCHEMA, "counts": counts}, ensure_ascii=False, indent=2)
    body = ",\n".join("    " + json.dumps(e, ensure_ascii=False, sort_keys=False) for e in entries)
    return head[:-2] + ',\n  "issues": [' + ("\n" + body + "\n  " if entries else "") + "]\n}\n"


def write_pack(entries: list[dict[str, Any]], path: Any) -> Any:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(pack_json(entries))
    return path


def read_pack(path: Any) -> dict[str, Any]:
    """issues.json as read; ``ValueError`` when it is not JSON or not of this schema."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("schema") != ISSUES_SCHEMA or not isinstance(data.get("issues"), list):
        raise ValueError(f"not {ISSUES_SCHEMA}")
    return data
