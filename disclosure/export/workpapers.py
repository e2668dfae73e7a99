"""``workpapers.xlsx``: the assurer's view of a run.

Sheets: ``Summary`` (each reported total beside a SUMIFS over the trace and the figure as disclosed,
rounded by the project's rounding policy), ``Trace`` (every trace line: source file and row, factor,
conversion, gas masses, CO2e; split into Trace, Trace (2), … past Excel's row limit, with the
Summary's sums over every part), ``Excluded`` (the lines not counted, with the reason), ``Issues``
(every issue of the run, as issues.json holds them), ``Settings`` (a row a setting: its key, value
and the settings model's description), ``Factors`` (the datasets used, with version and sha256),
``Base year`` (with --prior). Numbers are formatted by unit (:func:`number_format`); the trace and
exclusion sheets have a filter, widths and frozen headers.
Written by :mod:`.xlsx`, the project's own OOXML writer. Deterministic: a fixed
creation date, no volatile metadata. User text that begins like a formula
(= + - @) is written as text, prefixed with an apostrophe.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import vocabulary as vocab
from ..core.settings import info
from . import xlsx
from .numbers import rounded
from .xlsx import Formula, column_letter

EXCEL_ROWS = xlsx.MAX_ROWS


def _selection(key: str) -> list[tuple[int, str]]:
    """The trace lines a total adds up: (scope, column) for each scope it covers (core/vocabulary.yaml:
    a total's ``scopes``, and ``co2e_market`` for Scope 2 when it is market-based)."""
    t = vocab.term("total", key)
    return [(n, "co2e_market" if n == 2 and t.get("scope2") == "market" else "co2e") for n in t.get("scopes")]


# label ("English / 中文"), results.json total, trace selection (scope, column)
TOTALS = [(" / ".join(reversed(vocab.pair("total", k))), k, _selection(k)) for k in vocab.TOTALS]


def trace_sums(trace: pd.DataFrame) -> dict[str, float]:
    """Each total as the sum of the included trace lines it selects (what the SUMIFS computes)."""
    inc = _included(trace)
    scope = pd.to_numeric(trace["scope"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    def total(s: int, col: str) -> float:   # the lines' values in their order, summed as a Series sums them
        at = inc & (scope == s)
        return float(pd.Series(trace[col].to_numpy(dtype="float64", na_value=np.nan)[at]).fillna(0).sum())

    return {key: float(sum(total(s, col) for s, col in sel)) for _, key, sel in TOTALS}


def _included(trace: pd.DataFrame) -> np.ndarray:
    """Which trace lines are included (status ``included``; a line without a status is not)."""
    return trace["status"].eq("included").to_numpy(dtype=bool, na_value=False)


# number formats by what a column holds (the trace's columns; the rest keep Excel's General, which
# shows a factor, a quantity or a GWP with the significant digits it has)
TONNES_CO2E = "#,##0.00"           # tCO2e (and tonnes of CO2), 2 decimals with thousands separators
TONNES_GAS = "#,##0.000000"        # tonnes of CH4, N2O and other gases: small masses, 6 decimals
SHARE = "0.00%"


def number_format(column: str) -> str | None:
    """The number format of a trace column (None: General)."""
    if column.startswith("co2e") or column in ("t_CO2", "biogenic_co2"):
        return TONNES_CO2E
    if column in ("t_CH4", "t_N2O", "t_other"):
        return TONNES_GAS
    if column == "share":
        return SHARE
    return None


def column_width(column: str, kind: str) -> float:
    """A column's width in characters: the header's, at least a number's, at most 48 (reasons wrap)."""
    return float(min(48, max(len(column) + 3, 14 if kind == "n" else 10)))


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _formats(wb: xlsx.Workbook, frame: pd.DataFrame) -> dict[int, int]:
    """The style of each numeric column of ``frame`` that has a number format, by position."""
    return {j: wb.style(f) for j, c in enumerate(frame.columns)
            if (f := number_format(str(c))) and _is_number(frame[c])}


def _layout(ws: xlsx.Sheet, frame: pd.DataFrame, start: int = 0) -> None:
    """Widths, the header frozen (and the first column), a filter over the header row."""
    for j, c in enumerate(frame.columns):
        kind = "n" if pd.api.types.is_numeric_dtype(frame[c].dtype) else "x"
        ws.set_width(j, j, column_width(str(c), kind))
    ws.freeze_panes(start + 1, 1 if len(frame.columns) > 4 else 0)
    if len(frame.columns):
        ws.autofilter(start, 0, start + max(len(frame), 1), len(frame.columns) - 1)


def _write_frame(ws: xlsx.Sheet, frame: pd.DataFrame, header_style: int, styles: dict[int, int] | None = None,
                 start: int = 0) -> None:
    """``frame`` with its header (bold) from row ``start``, then its layout."""
    ws.write_frame(frame, start, header_style, styles)
    _layout(ws, frame, start)


# what results.json records beside the settings of report.yaml (those take their label from the
# settings model, core/settings.py): (English, 中文)
APPLIED = {
    "reporting_year": ("reporting year", "报告年度"),
    "residual_factor": ("residual factor of the market-based method (tCO2/MWh)", "基于市场的剩余电量排放因子（tCO2/MWh）"),
    "residual_factor_basis": ("basis of the residual factor", "剩余电量排放因子的依据"),
    "category3_electricity": ("category 3 upstream electricity factor, as derived", "范围三类别 3 上游电力因子的推导"),
    "precedence": ("factor precedence, highest first", "排放因子优先级（由高到低）"),
    "identifier_scheme": ("scheme of the identifier", "标识符类型"),
    "name": ("tool", "工具"),
    "version": ("tool version", "工具版本"),
}
SETTING_PATHS = {"factor_pins": "factors.versions", "grid_year": "factors.grid_year"}


def _flat(prefix: str, v: Any) -> list[tuple[str, Any]]:
    if isinstance(v, dict):
        return [kv for k, x in sorted(v.items()) for kv in _flat(f"{prefix}.{k}", x)]
    if isinstance(v, list | tuple):
        return [(prefix, " > ".join(str(x) for x in v))] if all(not isinstance(x, dict | list) for x in v) \
            else [kv for i, x in enumerate(v) for kv in _flat(f"{prefix}.{i + 1}", x)]
    return [(prefix, v)]


def settings_rows(results: dict[str, Any]) -> pd.DataFrame:
    """The Settings sheet: a row a setting (a mapping's entries a row each) with its label, value,
    dotted key and description (the settings model's, else :data:`APPLIED`), then the entity, the
    period, the tool and the inputs read."""
    rows = []
    sections = [("", results.get("settings") or {}), ("entity", results.get("entity") or {}),
                ("period", results.get("period") or {}), ("tool", results.get("tool") or {})]
    for section, values in sections:
        for key, value in values.items():
            path = f"{section}.{key}" if section else key
            model = SETTING_PATHS.get(path, path)
            s = info(model) or info(f"options.{model}")
            if s is not None:
                model = s.path
            for sub, v in _flat(path, value):
                if s is not None:
                    label, desc = model + sub[len(path):], f"{s.en} / {s.zh}"
                elif key in APPLIED:
                    label, desc = sub, " / ".join(APPLIED[key])
                else:
                    label, desc = sub, ""
                if isinstance(v, bool):
                    v = "yes / 是" if v else "no / 否"
                rows.append((label, "" if v is None else v, desc))
    for table, c in (results.get("inputs") or {}).items():
        where = str(c.get("file") or "") + (f"[{c['sheet']}]" if c.get("sheet") else "")
        rows.append((f"inputs.{table}", f"{where}: {c.get('read')} = {c.get('accepted')} + {c.get('rejected')}",
                     "input table: rows read = accepted + rejected / 输入表：读取行数 = 接受 + 拒绝"))
    frame = pd.DataFrame(rows, columns=["Setting / 设置", "Value / 值", "Description / 说明"])
    frame["Value / 值"] = frame["Value / 值"].astype(object)
    return frame


ISSUE_COLUMNS = ("code", "severity", "stage", "table", "file", "sheet", "row", "column")


def write_workpapers(path: Path, trace: pd.DataFrame, results: dict[str, Any],
                     issues: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]] | None = None,
                     max_rows: int = EXCEL_ROWS - 1, stop: Callable[[], bool] | None = None) -> Path:
    """Write the workpapers; ``issues``: the entries of issues.json (the ``Issues`` sheet), or what
    returns them, called once the other sheets are written (a report's issues are known at its
    end: the trace sheets are written meanwhile); ``max_rows`` data rows per trace sheet (tests
    lower it). The Summary and Issues sheets, which show the issues, are written last. ``stop``:
    asked between blocks of rows, stops the writing when it says so (``xlsx.Stopped``)."""
    wb = xlsx.Workbook(title="Workpapers / 工作底稿", author="disclosure",
                       comments=f"disclosure {results.get('tool', {}).get('version', '')}")
    # the styles in a fixed order: 1 bold (headers), then the number formats
    bold = wb.style(bold=True)
    t2 = wb.style(TONNES_CO2E)
    wb.style(SHARE)
    wb.style(TONNES_GAS)
    n = len(trace)
    parts = max(1, math.ceil(n / max_rows))
    names = ["Trace" if k == 0 else f"Trace ({k + 1})" for k in range(parts)]
    cols = list(trace.columns)
    status_col, scope_col = column_letter(cols.index("status")), column_letter(cols.index("scope"))

    # the issues are taken when the Summary and Issues sheets are filled: after the other sheets
    once: list[list[dict[str, Any]]] = []

    def entries() -> list[dict[str, Any]]:
        if not once:
            once.append(list((issues() if callable(issues) else issues) or []))
        return once[0]

    excl = trace.loc[~_included(trace),
                     ["line_id", "file", "sheet", "row", "facility_id", "source", "activity", "quantity", "unit",
                      "status", "reason", "co2e_gross"]]

    def summary(ws: xlsx.Sheet) -> None:
        ws.write_row(0, 0, ["Figure / 指标", "results.json (tCO2e)", "Sum of trace lines (tCO2e)",
                            "Difference", "As disclosed (rounded)"], bold)
        sums = trace_sums(trace)
        totals = results.get("totals") or {}
        # as disclosed: the published figure (a total of several scopes is the sum of its rounded parts)
        published = (results.get("published") or {}).get("totals") or {}
        for r, (label, key, sel) in enumerate(TOTALS, start=1):
            terms = []
            for s, c in sel:
                vc = column_letter(cols.index(c))
                for nm in names:
                    q = f"'{nm}'"
                    terms.append(f'SUMIFS({q}!{vc}:{vc},{q}!{status_col}:{status_col},"included",'
                                 f'{q}!{scope_col}:{scope_col},{s})')
            reported = float(totals.get(key) or 0.0)
            ws.write(r, 0, label)
            ws.write(r, 1, reported, t2)
            ws.write(r, 2, Formula("+".join(terms), sums[key]), t2)
            ws.write(r, 3, Formula(f"B{r + 1}-C{r + 1}", reported - sums[key]), t2)
            ws.write(r, 4, float(published.get(key, rounded(reported, "emissions"))), t2)
        r = len(TOTALS) + 2
        ws.write(r, 0, "Trace lines / 追溯行", bold)
        ws.write(r, 1, n)
        ws.write(r + 1, 0, "Trace sheets / 追溯表")
        ws.write(r + 1, 1, ", ".join(names))
        ws.write(r + 2, 0, "Lines by status / 按状态")
        by_status = (results.get("lines") or {}).get("by_status") or {}
        ws.write(r + 2, 1, ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items())))
        # a list longer than a sheet holds is cut, and says so here (the Trace sheets are split instead)
        cut = [(label, len(rows), en, zh) for label, rows, en, zh in (
            ("Excluded sheet / 排除表", excl, "every line is in the Trace sheets and trace.parquet",
             "每一行均在追溯表和 trace.parquet 中"),
            ("Issues sheet / 问题表", entries(), "every issue is in issues.json", "每个问题均在 issues.json 中"))
            if len(rows) > max_rows]
        for k, (label, total, en, zh) in enumerate(cut, start=r + 3):
            ws.write(k, 0, label)
            ws.write(k, 1, f"the first {max_rows:,} of {total:,} rows; {en} / 仅列前 {max_rows:,} 行（共 {total:,} 行）；{zh}")
        ws.set_width(0, 0, 44)
        ws.set_width(1, 4, 22)

    wb.add_sheet("Summary", fill=summary)

    trace_formats = _formats(wb, trace)
    for k, nm in enumerate(names):
        _write_frame(wb.add_sheet(nm), trace.iloc[k * max_rows:(k + 1) * max_rows], bold, trace_formats)

    _write_frame(wb.add_sheet("Excluded"), excl.iloc[:max_rows], bold, _formats(wb, excl))

    def issues_sheet(ws: xlsx.Sheet) -> None:
        """Every issue of the run, as issues.json holds it (its two messages side by side)."""
        rows = entries()[:max_rows]
        frame = pd.DataFrame({**{c: [e.get(c) for e in rows] for c in ISSUE_COLUMNS},
                              "message_zh": [e["message"]["zh-CN"] for e in rows],
                              "message_en": [e["message"]["en"] for e in rows],
                              "params": [e.get("params") or {} for e in rows]},
                             columns=[*ISSUE_COLUMNS, "message_zh", "message_en", "params"])
        _write_frame(ws, frame, bold)

    wb.add_sheet("Issues", fill=issues_sheet)

    ws = wb.add_sheet("Settings")
    _write_frame(ws, settings_rows(results), bold)
    ws.set_width(0, 0, 40)
    ws.set_width(1, 1, 44)
    ws.set_width(2, 2, 100)

    ds = pd.DataFrame(results.get("factor_datasets") or [])
    if not ds.empty:
        first = [c for c in ("id", "version", "kind", "sha256", "file", "title_en", "title_zh", "publisher",
                             "publisher_zh", "publisher_en", "document", "document_zh", "document_en", "year")
                 if c in ds.columns]
        ds = ds[first + [c for c in ds.columns if c not in first]]
    _write_frame(wb.add_sheet("Factors"), ds, bold)

    _carbon_market_sheet(wb, results, bold)

    by = results.get("base_year")
    if by:
        log = pd.DataFrame(by.get("log") or [])
        head = pd.DataFrame({"setting": ["base_period", "threshold", "structural_change_share",
                                         "recalculation_required"],
                             "value": [by.get("base_period"), by.get("threshold"),
                                       by.get("structural_change_share"), by.get("recalculation_required")]})
        _write_frame(wb.add_sheet("Base year"), pd.concat([head, log], axis=0, ignore_index=True)
                     if not log.empty else head, bold)
    return wb.save(path, stop)


def _carbon_market_sheet(wb: xlsx.Workbook, results: dict[str, Any], bold: int) -> None:
    """The ETS sheet (issue 16), with a carbon-market ledger: per facility, the verified ETS
    emissions against the disclosed Scope 1, the gap in its named parts (they add up to it: the
    check column is the sum of the parts less the gap, zero), then the year's money side."""
    cm = results.get("carbon_market") or {}
    if "accounting" not in cm:
        return
    ws = wb.add_sheet("ETS")
    rec = pd.DataFrame(cm.get("reconciliation") or [], columns=[
        "facility_id", "name", "entity_id", "verified", "non_co2_gases", "sources_outside_ets",
        "boundary_and_factors", "difference", "scope1"])
    rec["check"] = (rec["non_co2_gases"] + rec["sources_outside_ets"] + rec["boundary_and_factors"]
                    - rec["difference"]).round(6) + 0.0
    _write_frame(ws, rec, bold)
    acc = cm["accounting"]
    money = pd.DataFrame({"item": [k for k in acc if k != "by_unit"],
                          "allowance": [(acc["by_unit"].get("allowance") or {}).get(k) for k in acc if k != "by_unit"],
                          "ccer": [(acc["by_unit"].get("ccer") or {}).get(k) for k in acc if k != "by_unit"],
                          "total": [acc[k] for k in acc if k != "by_unit"]})
    start = len(rec) + 2
    ws.write_row(start, 0, list(money.columns), bold)
    for i, row in enumerate(money.itertuples(index=False), start=start + 1):
        ws.write_row(i, 0, row)
    ws.set_width(0, 0, 24)
    ws.set_width(1, 1, 36)
