"""Filling the blank template with openpyxl as a user would: the tables' rows typed into their sheets,
each setting into its row of the report sheet, the narrative into the pillar sheets (a text's Chinese
and English into their two cells, a list's records into the rows of its sheet). The workbook's own
labels and keys are what it goes by (the field column, the header row), not the tool's internals.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from disclosure.core import disclosure_items as di
from disclosure.ingest import readers
from disclosure.ingest.contract import TABLES, header_aliases, norm_header
from disclosure.ingest.disclosures import sheets


def fill_tables(wb: openpyxl.Workbook, folder: Path) -> None:
    """Each table file of an inventory folder typed into the sheet of that table, cell by cell."""
    for name, spec in TABLES.items():
        files = [p for p in folder.iterdir() if p.stem == name and p.suffix in (".csv", ".xlsx")]
        if not files:
            continue
        raw, issues = readers.read_table(files[0], None, spec)
        assert raw is not None and not issues
        ws = wb[name]
        header = [c.value for c in ws[1]]
        aliases = header_aliases(spec)
        for col, written in zip(raw.frame.columns, raw.headers, strict=True):
            j = header.index(aliases[norm_header(written)]) + 1
            for i, v in enumerate(raw.frame[col].tolist(), start=2):
                if v != "":
                    ws.cell(row=i, column=j, value=v)


def _flat(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict):
            out += _flat(v, path + ".")
        else:
            out.append((path, v))
    return out


def fill_report(wb: openpyxl.Workbook, report_yaml: Path) -> None:
    """Every setting of a report.yaml into the report sheet: the value beside its field, a row added
    for a field the sheet does not list (each key of a mapping)."""
    ws = wb["report"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for path, v in _flat(yaml.safe_load(report_yaml.read_text(encoding="utf-8"))):
        if isinstance(v, list):
            v = ";".join(map(str, v))
        elif isinstance(v, dt.date):
            v = v.isoformat()
        r = rows.get(path)
        if r is None:
            r = ws.max_row + 1
            ws.cell(row=r, column=1, value=path)
            rows[path] = r
        ws.cell(row=r, column=2, value=str(v))


def _cell(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def _header(ws: Any) -> tuple[int, dict[str, int]]:
    """The header row of a pillar sheet (the first of three cells or more; the status line of a
    list sheet has two labels) and the column of each header text."""
    for r in range(1, 11):
        cells = {str(c.value): c.column for c in ws[r] if c.value is not None}
        if len(cells) >= 3 and r > 2:
            return r, cells
    raise AssertionError(f"no header in {ws.title}")


def _text(v: Any) -> tuple[Any, Any]:
    """A text as the two cells take it: {zh, en}, or the same text in both."""
    if isinstance(v, dict):
        return v.get("zh"), v.get("en")
    return v, v


def _get(data: Any, path: str) -> Any:
    cur = data
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def fill_disclosures(wb: openpyxl.Workbook, disclosures: dict[str, Any], lang: str = "zh-CN") -> None:
    """The content of a disclosures.yaml typed into the pillar sheets of a template in ``lang``: an
    item's value beside its field (a text's Chinese and English in their two cells, the same text
    in both when YAML gives one), a status and its reason in their cells; a list's records a row
    each under the header, a text in its (Chinese) and (English) columns."""
    for spec in sheets():
        ws = wb[spec.name(lang)]
        head, cells = _header(ws)
        if spec.kind == "items":
            col = {c.key: cells[c.header(lang)] for c in spec.columns()}
            for r in range(head + 1, ws.max_row + 1):
                path = ws.cell(row=r, column=col["field"]).value
                v = _get(disclosures, path) if path else None
                if v is None:
                    continue
                if isinstance(v, dict) and "status" in v:
                    ws.cell(row=r, column=col["status"], value=v["status"])
                    ws.cell(row=r, column=col["reason"], value=v.get("reason"))
                    continue
                node = di.node(path)
                if node.is_group:
                    continue
                if node.kind == "text":
                    a, b = _text(v)
                    ws.cell(row=r, column=col["value"], value=_cell(a))
                    ws.cell(row=r, column=col["value_en"], value=_cell(b))
                else:
                    ws.cell(row=r, column=col["value"], value=_cell(v))
            continue
        rows = _get(disclosures, spec.node.path)
        if isinstance(rows, dict) and "status" in rows:
            ws.cell(row=2, column=2, value=rows["status"])
            ws.cell(row=2, column=4, value=rows.get("reason"))
            continue
        col = {(c.leaf.key, c.lang): cells[c.header(lang)] for c in spec.columns()}
        for i, rec in enumerate(rows or [], start=head + 1):
            for key, v in rec.items():
                if v is None:
                    continue
                if (key, "") in col:
                    ws.cell(row=i, column=col[(key, "")], value=_cell(v))
                    continue
                a, b = _text(v)
                ws.cell(row=i, column=col[(key, "zh")], value=_cell(a))
                ws.cell(row=i, column=col[(key, "en")], value=_cell(b))


def fill_template(book: Path, folder: Path, *, narrative: bool = True, lang: str = "zh-CN") -> None:
    """An inventory folder typed into the blank template at ``book`` (written before)."""
    wb = openpyxl.load_workbook(book)
    fill_tables(wb, folder)
    fill_report(wb, folder / "report.yaml")
    if narrative:
        fill_disclosures(wb, yaml.safe_load((folder / "disclosures.yaml").read_text(encoding="utf-8")), lang)
    wb.save(book)
