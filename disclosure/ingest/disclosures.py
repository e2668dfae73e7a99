"""The disclosures: what a climate report says beyond the GHG numbers, read from ``disclosures.yaml``
or from a workbook's pillar sheets, through the one declaration of the items
(:mod:`disclosure.core.disclosure_items`).

Three ways of writing the same content, read into one normalised shape:

- ``disclosures.yaml`` beside ``report.yaml`` (or beside the workbook): the tree of the declaration;
  a text is a string (the same in both languages) or ``{zh: …, en: …}``;
- a workbook's pillar sheets, which ``disclosure template`` writes (:data:`SHEETS`): one sheet per
  pillar with a row per item (the Chinese text or the value, the English text, a status and a
  reason), and a table-shaped sheet per list (risks and opportunities, scenarios, targets, prior
  years), a row per record;
- a workbook's ``disclosures`` sheet of ``field``/``value`` rows (dotted paths, list items
  numbered from 1: ``targets.1.name.zh``), as earlier versions read.

Any item, or any group of items, may instead be declared *not disclosed* (未披露) or *not
applicable* (不适用), with the reason: in YAML ``{status: not_applicable, reason: …}`` in place of
its value (``carbon_market: {status: 不适用, reason: 本集团未纳入碳排放权交易市场}``), in the workbook
the status and reason cells of its row (or, for a list, of the sheet's status line).

``load_disclosures`` returns every field of the declaration (``None`` when not given; text as
``{"zh": …, "en": …}``; numbers as floats; shares as fractions 0-1), ``missing`` (the dotted paths
not given, that no status covers), ``states`` (each item's state: filled, missing, not_disclosed,
not_applicable), ``status`` (the statuses as declared, with their reasons) and ``source`` (None when
nothing was written). Each missing item is a ``disclosures-missing`` warning with its human label;
a pillar with nothing at all is not listed item by item: one ``disclosures-empty`` warning names
every empty pillar. An inventory with no disclosures at all raises no issue (it may be checked or
computed for its numbers alone): ``check`` states it once in its summary of the pillars.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import disclosure_items as di
from ..core import vocabulary as vocab
from ..core import yamlfile
from ..core.issues import Issue, Location, issue
from ..core.text import split as split_bilingual

FILE = "disclosures.yaml"
LEGACY_SHEETS = ("disclosures", "披露信息")     # the field/value sheet of earlier versions
INSTRUCTIONS_SHEETS = ("instructions", "说明")
COMPLETENESS_SHEETS = ("completeness", "披露完整性")
LISTS_SHEETS = ("lists", "选项列表")          # the template's hidden sheet of long drop-down lists
STATUS_KEYS = ("status", "reason")

Where = dict[str, tuple[str | None, int]]      # dotted path → (sheet, row) where it was written


# --- the sheets, declared once: the template writes them, the reader reads them ---------------------------

@dataclass(frozen=True)
class Col:
    """A column of a pillar sheet: its key, its header in each language."""

    key: str
    zh: str
    en: str
    leaf: di.Node | None = None     # a list sheet's column: the leaf it holds
    lang: str = ""                  # a text leaf's column: "zh" or "en"

    def header(self, lang: str) -> str:
        return f"{self.en} / {self.zh}" if vocab.lang_key(lang) == "en" else f"{self.zh} / {self.en}"

    def spellings(self) -> set[str]:
        return {_norm(s) for s in (self.key, self.zh, self.en, self.header("zh-CN"), self.header("en"))}


# an item sheet: a row per item (and per group, for its status), these columns
ITEM_COLUMNS = (
    Col("field", "字段", "field"),
    Col("item", "披露项目", "item"),
    Col("value", "中文内容或数值", "Chinese text, or the value"),
    Col("value_en", "英文内容", "English text"),
    Col("status", "状态", "status"),
    Col("reason", "未披露或不适用的原因", "reason, if not disclosed or not applicable"),
    Col("help", "填写说明", "what to write"),
)
STATUS_LABEL = Col("status", "状态", "status")
REASON_LABEL = Col("reason", "原因", "reason")


@dataclass(frozen=True)
class Sheet:
    """A pillar sheet: ``items`` (one row per node of ``rows``) or ``list`` (the records of ``node``)."""

    kind: str
    zh: str
    en: str
    section: str
    rows: tuple[di.Node, ...] = ()
    node: di.Node | None = None

    def name(self, lang: str) -> str:
        return self.en if vocab.lang_key(lang) == "en" else self.zh

    def names(self) -> set[str]:
        return {self.zh.strip().lower(), self.en.strip().lower()}

    def columns(self) -> tuple[Col, ...]:
        if self.kind == "items":
            return ITEM_COLUMNS
        return list_columns(self.node)


def list_columns(node: di.Node | None) -> tuple[Col, ...]:
    """A list sheet's columns: one per column of the list, two (中文, English) for a text."""
    out: list[Col] = []
    for c in node.children if node else ():
        if c.kind == "text":
            out.append(Col(f"{c.key}_zh", f"{c.zh}（中文）", f"{c.en} (Chinese)", c, "zh"))
            out.append(Col(f"{c.key}_en", f"{c.zh}（英文）", f"{c.en} (English)", c, "en"))
        else:
            out.append(Col(c.key, c.zh, c.en, c))
    return tuple(out)


def _item_rows(n: di.Node) -> list[di.Node]:
    """The rows of an item sheet below (and including) ``n``: groups and leaves, lists left out."""
    if n.is_list:
        return []
    if n.is_group:
        return [n] + [r for c in n.children for r in _item_rows(c)]
    return [n]


def _lists(n: di.Node) -> list[di.Node]:
    return [x for x in n.walk() if x.is_list]


def sheets() -> tuple[Sheet, ...]:
    """The pillar sheets in the workbook's order: each section's item sheet, then its list sheets."""
    out: list[Sheet] = []
    for s in di.sections():
        rows = [r for top in s.nodes for r in _item_rows(top)]
        named = next((n for n in s.nodes if n.sheet_zh and not n.is_list), None)
        if rows and named is not None:
            out.append(Sheet("items", named.sheet_zh, named.sheet_en, s.key, rows=tuple(rows)))
        for top in s.nodes:
            for lst in _lists(top):
                out.append(Sheet("list", lst.sheet_zh, lst.sheet_en, s.key, node=lst))
    return tuple(out)


def sheet_names() -> set[str]:
    """Every name (lower case) a sheet of the disclosures may have, the field/value sheet included."""
    names = {n for s in sheets() for n in s.names()}
    return names | set(LEGACY_SHEETS) | set(LISTS_SHEETS)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text)).lower().split())


# --- reading ------------------------------------------------------------------------------------------------

def load_disclosures(folder: Path, workbook: Path | None = None) -> tuple[dict[str, Any], list[Issue]]:
    """``disclosures.yaml`` in ``folder``, else the workbook's pillar sheets (and its field/value
    sheet); neither (or only blank sheets): the empty shape and no issue."""
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
        where = {p: (None, r) for p, r in lines.items()}
        out, issues = _from_data(data, where, FILE, FILE, in_yaml=True)
        if workbook is not None and _from_workbook(workbook)[3] is not None:   # nothing lost unseen
            issues.append(issue("disclosures-sheets-ignored", Location(workbook.name), file=FILE))
        return out, issues
    if workbook is not None:
        data, where, issues, source = _from_workbook(workbook)
        out, more = _from_data(data, where, workbook.name, source, in_yaml=False)
        return out, issues + more
    return _from_data({}, {}, FILE, None, in_yaml=True)


def empty() -> dict[str, Any]:
    """The disclosures of an inventory that gives none (every item missing), as read from nothing."""
    return _from_data({}, {}, FILE, None, in_yaml=True)[0]


def _failed(display: str, row: int | None, reason: str) -> tuple[dict[str, Any], list[Issue]]:
    out, _ = _normalised({}, lambda *_: None)
    out["source"] = display
    return out, [issue("disclosures-syntax", Location(display, row=row), reason=reason)]


def _from_workbook(workbook: Path) -> tuple[dict[str, Any], Where, list[Issue], str | None]:
    """The content of the workbook's pillar sheets and field/value sheet as the nested data a YAML
    file gives, where each path was written, the issues of reading, and the source to name."""
    from . import readers

    names = readers.sheet_names(workbook)
    data: dict[str, Any] = {}
    where: Where = {}
    issues: list[Issue] = []
    source = None
    for spec in sheets():
        name = next((s for s in names if s.strip().lower() in spec.names()), None)
        if name is None:
            continue
        grid, more = readers.read_grid(workbook, name, workbook.name)
        issues += more
        if grid is None:
            continue
        read = _item_sheet if spec.kind == "items" else _list_sheet
        if read(grid, spec, name, workbook.name, data, where, issues):
            source = workbook.name
    legacy = next((s for s in names if s.strip().lower() in LEGACY_SHEETS), None)
    if legacy is not None:
        n = _field_value_sheet(workbook, legacy, data, where, issues)
        if n and source is None:
            source = f"{workbook.name}[{legacy}]"
    return data, where, issues, source


def _header(grid: list[list[str]], cols: tuple[Col, ...], at_least: int) -> tuple[int, dict[int, Col], list[int]] | None:
    """The header row (0-based) among the first 20: the first with ``at_least`` known headers; the
    column index of each known header, and the indexes of unknown non-blank header cells."""
    for r, cells in enumerate(grid[:20]):
        known: dict[int, Col] = {}
        unknown: list[int] = []
        for j, cell in enumerate(cells):
            if not cell.strip():
                continue
            col = next((c for c in cols if _norm(cell) in c.spellings()), None)
            if col is None:
                unknown.append(j)
            elif col.key not in {k.key for k in known.values()}:
                known[j] = col
        if len(known) >= at_least:
            return r, known, unknown
    return None


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = data
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = cur[p] = {}
        cur = nxt
    cur[parts[-1]] = value


def _get(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for p in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(p)
    return cur


def _item_sheet(grid: list[list[str]], spec: Sheet, name: str, display: str, data: dict[str, Any],
                where: Where, issues: list[Issue]) -> bool:
    """An item sheet: each row names its item in ``field``; True if anything was written."""
    found = _header(grid, ITEM_COLUMNS, 3)
    if found is None:
        return False
    head, cols, _ = found
    at = {c.key: j for j, c in cols.items()}
    if "field" not in at:
        return False
    allowed = {n.path: n for n in spec.rows}
    wrote = False

    def cell(row: list[str], key: str) -> str:
        j = at.get(key)
        return row[j].strip() if j is not None and j < len(row) else ""

    for r in range(head + 1, len(grid)):
        row = grid[r]
        path = cell(row, "field")
        if not path:
            continue
        value, value_en, status, reason = (cell(row, k) for k in ("value", "value_en", "status", "reason"))
        loc = Location(display, name, r + 1, path)
        node = allowed.get(path)
        if node is None:
            if value or value_en or status or reason:
                issues.append(issue("disclosures-unknown-key", loc, field=path,
                                    known=_nearest(path, [n.path for n in spec.rows if not n.is_group])))
            continue
        where[path] = (name, r + 1)
        if not (value or value_en or status or reason):
            continue
        wrote = True
        if node.is_group:
            if value or value_en:
                issues.append(issue("disclosures-bad-value", loc, field=path, value=_short(value or value_en),
                                    reason="整组一行只填状态和原因 / a group's row takes a status and a reason only"))
            entry: dict[str, Any] = _get(data, path) if isinstance(_get(data, path), dict) else {}
            if status:
                entry["status"] = status
            if reason:
                entry["reason"] = reason
            _put(data, path, entry)
            continue
        if node.kind == "text":
            v: Any = {"zh": value or None, "en": value_en or None} if (value or value_en) else None
        else:
            if value_en:
                issues.append(issue("disclosures-bad-value", loc, field=path, value=_short(value_en),
                                    reason="英文内容只用于文本项目 / the English column is for texts only"))
            v = value or None
        if status or reason:
            v = {"status": status or None, "reason": reason or None, **({"value": v} if v is not None else {})}
        if v is not None:
            _put(data, path, v)
    return wrote


def _list_sheet(grid: list[list[str]], spec: Sheet, name: str, display: str, data: dict[str, Any],
                where: Where, issues: list[Issue]) -> bool:
    """A list sheet: the status line above the table, then a record a row."""
    assert spec.node is not None
    path = spec.node.path
    status = reason = ""
    status_row = None
    found = _header(grid, spec.columns(), 2)
    head = found[0] if found is not None else len(grid)
    for r in range(min(head, 10)):
        cells = [c.strip() for c in grid[r]]
        for j, c in enumerate(cells[:-1]):
            if _norm(c) in STATUS_LABEL.spellings():
                status, status_row = cells[j + 1], r + 1
            elif _norm(c) in REASON_LABEL.spellings():
                reason = cells[j + 1]
    where[path] = (name, status_row or (head + 1))
    records: list[dict[str, Any]] = []
    if found is not None:
        _, cols, unknown = found
        for j in unknown:
            issues.append(issue("disclosures-unknown-key", Location(display, name, head + 1, grid[head][j].strip()),
                                field=f"{path}.{grid[head][j].strip()}",
                                known=_nearest(grid[head][j].strip(), [c.key for c in spec.columns()])))
        for r in range(head + 1, len(grid)):
            row = grid[r]
            rec: dict[str, Any] = {}
            for j, col in cols.items():
                v = row[j].strip() if j < len(row) else ""
                if not v or col.leaf is None:
                    continue
                if col.lang:
                    rec.setdefault(col.leaf.key, {})[col.lang] = v
                else:
                    rec[col.leaf.key] = v
            if not rec:
                continue
            records.append(rec)
            n = len(records)
            where[f"{path}.{n}"] = (name, r + 1)
            for k in rec:
                where[f"{path}.{n}.{k}"] = (name, r + 1)
    if status or reason:
        _put(data, path, {"status": status or None, "reason": reason or None,
                          **({"rows": records} if records else {})})
    elif records:
        _put(data, path, records)
    return bool(status or reason or records)


def _field_value_sheet(workbook: Path, sheet: str, data: dict[str, Any], where: Where, issues: list[Issue]) -> int:
    """The field/value sheet of earlier versions: dotted paths, numbered segments make lists."""
    from . import readers

    raw, more = readers.read_sheet(workbook, sheet, workbook.name)
    issues += more
    if raw is None or raw.frame.shape[1] < 2:
        return 0
    own: dict[str, Any] = {}
    n = 0
    for (key, value), row in zip(raw.frame.iloc[:, :2].itertuples(index=False), raw.rows, strict=True):
        key = str(key).strip()
        if not key or str(value).strip() == "":
            continue
        parts = key.split(".")
        cur = own
        for i, part in enumerate(parts[:-1]):
            nxt = cur.setdefault(part, {})
            p = ".".join(parts[: i + 1])
            where.setdefault(p, (sheet, int(row)))
            if not isinstance(nxt, dict):
                issues.append(issue("disclosures-syntax", Location(workbook.name, sheet, int(row), key),
                                    reason=f"“{p}” 已是单个值 / is already a value"))
                break
            cur = nxt
        else:
            cur[parts[-1]] = value
            where[key] = (sheet, int(row))
            n += 1
    for k, v in _numbered_lists(own).items():
        data.setdefault(k, v)
    return n


def _numbered_lists(v: Any) -> Any:
    """Mappings whose keys are all numbers (``targets.1``, ``targets.2``) become lists, in order."""
    if not isinstance(v, dict):
        return v
    v = {k: _numbered_lists(x) for k, x in v.items()}
    if v and all(str(k).isdecimal() for k in v):   # isdigit() takes "²", which int() refuses
        return [v[k] for k in sorted(v, key=lambda k: int(k))]
    return v


# --- the normalised shape and its issues --------------------------------------------------------------------

def _from_data(data: dict[str, Any], where: Where, display: str, source: str | None, in_yaml: bool
               ) -> tuple[dict[str, Any], list[Issue]]:
    issues: list[Issue] = []

    def loc(path: str) -> Location:
        parts = path.split(".")
        while parts and ".".join(parts) not in where:
            parts.pop()
        sheet, row = where.get(".".join(parts), (None, None))
        return Location(display, sheet, row, path)

    def report(code: str, path: str, **params: Any) -> None:
        issues.append(issue(code, loc(path), field=path, item=di.bilingual_label(path), **params))

    for key in data:
        if di.node(str(key)) is None:
            issues.append(issue("disclosures-unknown-key", loc(str(key)), field=str(key),
                                known=_nearest(str(key), [n.key for n in di.roots()])))
    out, walked = _normalised(data, report)
    empty = [s for s in di.sections() if s.items() and all(walked.states[n.path] == "missing" for n in s.items())
             and not any(p.split(".")[0] in {n.key for n in s.nodes} for p in walked.given)]
    empty_keys = {n.key for s in empty for n in s.nodes}
    for path in walked.missing if source is not None else ():
        if path.split(".")[0] not in empty_keys:
            report("disclosures-missing", path)
    if empty and source is not None:   # nothing written at all is no issue: ``check`` says so in its summary
        zh = "、".join(s.label("zh-CN") for s in empty)
        en = ", ".join(s.label("en") for s in empty)
        place = (("disclosures.yaml（与 report.yaml 同一文件夹）", "disclosures.yaml beside report.yaml") if in_yaml else
                 ("工作簿的“" + "”“".join(sh.name("zh-CN") for sh in sheets() if sh.section in {s.key for s in empty})
                  + "”工作表（disclosure template 生成的模板中有这些工作表）",
                  "the workbook's sheets " + ", ".join(sh.name("en") for sh in sheets() if sh.section in {s.key for s in empty})
                  + " (the template disclosure template writes has them)"))
        issues.append(issue("disclosures-empty", Location(display), sections=f"{zh} / {en}",
                            where=f"{place[0]} / {place[1]}", count=len(empty)))
    out["missing"] = walked.missing
    out["states"] = walked.states
    out["status"] = walked.status
    out["source"] = source
    return out, issues


@dataclass
class _Walk:
    missing: list[str]
    states: dict[str, str]
    status: dict[str, dict[str, Any]]
    given: list[str]            # the leaves with a value (for telling an empty pillar)


def _normalised(data: Any, report: Callable[..., None]) -> tuple[dict[str, Any], _Walk]:
    """Every node of the declaration with the value written (None when not), walking the tree once;
    ``report(code, path, **params)`` takes each problem."""
    w = _Walk([], {}, {}, [])

    def bad(path: str, value: Any, reason: str) -> None:
        report("disclosures-bad-value", path, value=_short(value), reason=reason)

    def declared(n: di.Node, value: Any, path: str) -> tuple[str | None, Any]:
        """A ``{status, reason}`` written in place of a value: the state, and what else was written."""
        if not isinstance(value, dict) or "status" not in value:
            return None, value
        raw = value.get("status")
        state = vocab.parse("disclosure_state", raw) if isinstance(raw, str) else None
        rest = {k: v for k, v in value.items() if k not in STATUS_KEYS and _content(v)}
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if value.get("reason") is not None:
                bad(path, value.get("reason"), "填写了原因但没有状态 / a reason is given without a status")
            return None, _remainder(n, rest)
        if state not in di.DECLARED:
            keys = di.DECLARED
            bad(path, raw, f"状态可选：{vocab.labels_of('disclosure_state', keys, 'zh-CN')} / status allowed: "
                           f"{vocab.labels_of('disclosure_state', keys, 'en')}")
            return None, _remainder(n, rest)
        reason = _reason(value.get("reason"))
        w.status[path] = {"state": state, "reason": reason}
        if rest:
            report("disclosures-status-conflict", path, state=state)
        if reason is None:
            report("disclosures-no-reason", path, state=state)
        return state, None

    def walk(n: di.Node, value: Any, path: str, inherited: str | None) -> Any:
        state, value = declared(n, value, path)
        state = state or inherited
        if n.is_group:
            if value is not None and not isinstance(value, dict):
                bad(path, value, "应为一组项目（键: 值）/ should be a mapping of fields")
                value = None
            value = value or {}
            for k in value:
                if k not in STATUS_KEYS and n.child(str(k)) is None:
                    report("disclosures-unknown-key", f"{path}.{k}",
                           known=_nearest(str(k), [c.key for c in n.children]))
            return {c.key: walk(c, value.get(c.key), c.path, state) for c in n.children}
        if n.is_list:
            rows: list[Any] = []
            if value is not None and value != [] and not isinstance(value, list):
                bad(path, value, "应为列表 / should be a list")
            elif isinstance(value, list):
                rows = [row(n, item, f"{path}.{i}") for i, item in enumerate(value, 1)]
            if not n.optional:
                w.states[path] = "filled" if rows else (state or "missing")
                if not rows and state is None:
                    w.missing.append(path)
            return rows
        v = _leaf(n, value, path, bad)
        if v is not None:
            w.given.append(path)
        if not n.optional:
            w.states[path] = "filled" if v is not None else (state or "missing")
            if v is None and state is None:
                w.missing.append(path)
        return v

    def row(n: di.Node, item: Any, path: str) -> dict[str, Any]:
        if not isinstance(item, dict):
            bad(path, item, "每项应为一组字段（键: 值）/ each item is a mapping of fields")
            item = {}
        for k in item:
            if n.child(str(k)) is None:
                report("disclosures-unknown-key", f"{path}.{k}", known=_nearest(str(k), [c.key for c in n.children]))
        out = {}
        for c in n.children:
            v = _leaf(c, item.get(c.key), f"{path}.{c.key}", bad)
            if v is None and not c.optional:
                w.missing.append(f"{path}.{c.key}")
            out[c.key] = v
        return out

    if not isinstance(data, dict):
        data = {}
    out = {r.key: walk(r, data.get(r.key), r.path, None) for r in di.roots()}
    return out, w


def _remainder(n: di.Node, rest: dict[str, Any]) -> Any:
    """What was written beside a status that is not read as one: the value it stands beside."""
    if n.is_list:
        return rest.get("rows")
    if n.is_leaf:
        return rest.get("value", rest or None)
    return rest or None


def _content(v: Any) -> bool:
    """Whether a value written holds anything (blank strings, empty mappings and lists do not)."""
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    if isinstance(v, dict | list):
        return any(_content(x) for x in (v.values() if isinstance(v, dict) else v))
    return True


def _reason(v: Any) -> dict[str, str | None] | None:
    """A status's reason: ``{zh, en}``, a "中文 / English" text, or one text for both languages."""
    if isinstance(v, dict):
        zh, en = v.get("zh"), v.get("en")
        zh = clean_text(zh) if zh is not None else None
        en = clean_text(en) if en is not None else None
        return {"zh": zh, "en": en} if (zh or en) else None
    if v is None or isinstance(v, list):
        return None
    t = clean_text(v)
    if not t:
        return None
    parts = split_bilingual(t)
    return {"zh": parts[0], "en": parts[1]} if parts else {"zh": t, "en": t}


def _nearest(key: str, known: list[str]) -> str:
    """The known keys beside an unknown one: the nearest alone when one is close, else all."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return " | ".join(close or known)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(v: Any) -> str | None:
    """User text as the report prints it: control characters (which XML cannot hold) removed,
    line ends unified, trailing blanks stripped; empty → None."""
    t = _CONTROL.sub("", str(v).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return t or None


def _leaf(spec: di.Node, value: Any, path: str, bad: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"value"}:   # an item sheet's value with a status
        value = value["value"]
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
        key = vocab.parse(spec.enum, value) if not isinstance(value, dict | list | bool) else None
        if key is None:
            keys = vocab.values(spec.enum)
            bad(path, value, f"可选：{_choices(spec.enum, keys, 'zh-CN')} / allowed: {_choices(spec.enum, keys, 'en')}")
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


def _choices(enum: str, keys: Any, lang: str) -> str:
    """The accepted values of an enumeration in ``lang``: each label with its key."""
    if vocab.lang_key(lang) == "en":
        return ", ".join(f"{k} ({vocab.label(enum, k, 'en')})" for k in keys)
    return "、".join(f"{vocab.label(enum, k, 'zh-CN')}（{k}）" for k in keys)


def _short(v: Any) -> str:
    t = str(v)
    return t if len(t) <= 60 else t[:57] + "…"
