"""``workpapers.xlsx``: the assurer's view of a run.

Sheets: ``Summary`` (each reported total beside a SUMIFS over the trace and the figure as disclosed,
rounded by the project's rounding policy), ``Trace`` (every trace line: source file and row, factor,
conversion, gas masses, CO2e; split into Trace, Trace (2), … past Excel's row limit, with the
Summary's sums over every part), ``Excluded`` (the lines not counted, with the reason), ``Issues``
(every issue of the run, as issues.json holds them), ``Settings`` (a row a setting: its key, value
and the settings model's description), ``Factors`` (the datasets used, with version and sha256),
``Base year`` (with --prior). Numbers are formatted by unit (:func:`number_format`); the trace and
exclusion sheets have a filter, widths and frozen headers.
Deterministic: a fixed creation date, no volatile metadata. User text that begins like a formula
(= + - @) is written as text, prefixed with an apostrophe.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

try:  # xlsxwriter >= 3.2.1 counts Excel's text limit in UTF-16 units
    from xlsxwriter.utility import _utf16_len, _utf16_truncate
except ImportError:  # pragma: no cover - older xlsxwriter
    def _utf16_len(string: str) -> int:
        return len(string)

    def _utf16_truncate(string: str, max_len: int) -> str:
        return string[:max_len]

from ..core import vocabulary as vocab
from ..core.cells import FORMULA_CLASS, neutralise
from ..core.settings import info
from .numbers import rounded

EXCEL_ROWS = 1_048_576
FIXED_DATE = dt.datetime(2000, 1, 1)



def _selection(key: str) -> list[tuple[int, str]]:
    """The trace lines a total adds up: (scope, column) for each scope it covers (core/vocabulary.yaml:
    a total's ``scopes``, and ``co2e_market`` for Scope 2 when it is market-based)."""
    t = vocab.term("total", key)
    return [(n, "co2e_market" if n == 2 and t.get("scope2") == "market" else "co2e") for n in t.get("scopes")]


# label ("English / 中文"), results.json total, trace selection (scope, column)
TOTALS = [(" / ".join(reversed(vocab.pair("total", k))), k, _selection(k)) for k in vocab.TOTALS]


def trace_sums(trace: pd.DataFrame) -> dict[str, float]:
    """Each total as the sum of the included trace lines it selects (what the SUMIFS computes)."""
    inc = trace.loc[trace["status"].astype(object).eq("included")]
    scope = pd.to_numeric(inc["scope"], errors="coerce")
    out = {}
    for _, key, sel in TOTALS:
        out[key] = float(sum(float(inc.loc[scope == s, col].astype("float64").fillna(0).sum()) for s, col in sel))
    return out


def _cell(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int):
        return v
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    if isinstance(v, str):
        return neutralise(v)
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return neutralise(str(v))


def _column(s: pd.Series) -> tuple[str, list[Any]]:
    """A column prepared once for writing: ('n', floats or None) or ('x', cells)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "x", [None if pd.isna(v) else bool(v) for v in s.to_numpy(dtype=object)]
    if pd.api.types.is_numeric_dtype(s.dtype):
        a = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isfinite(a)
        return "n", [float(v) if k else None for v, k in zip(a.tolist(), ok.tolist(), strict=True)]
    return "x", [_cell(v) for v in s.to_numpy(dtype=object)]


BLOCK_ROWS = 50_000   # rows prepared as Python values at a time (a million lines × 60 columns would be 3 GB)
FAST_BLOCK_ROWS = 10_000  # rows formatted as XML at a time by _write_frame_fast


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


def _formats(wb: Any, frame: pd.DataFrame, made: dict[str, Any]) -> dict[int, Any]:
    """The number format of each numeric column of ``frame`` that has one, by position; ``made``: the
    workbook's formats by number format, one object each (xlsxwriter gives a style index to the
    first object of equal properties only)."""
    out = {}
    for j, c in enumerate(frame.columns):
        f = number_format(str(c))
        if f and pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype):
            out[j] = made.setdefault(f, wb.add_format({"num_format": f}))
    return out


def _layout(ws: Any, frame: pd.DataFrame, start: int = 0) -> None:
    """Widths, the header frozen (and the first column), a filter over the header row."""
    for j, c in enumerate(frame.columns):
        kind = "n" if pd.api.types.is_numeric_dtype(frame[c].dtype) else "x"
        ws.set_column(j, j, column_width(str(c), kind))
    ws.freeze_panes(start + 1, 1 if len(frame.columns) > 4 else 0)
    if len(frame.columns):
        ws.autofilter(start, 0, start + max(len(frame), 1), len(frame.columns) - 1)


def _write_rows(ws: Any, frame: pd.DataFrame, formats: dict[int, Any], first: int) -> None:
    """``frame``'s rows from sheet row ``first`` (0-based), cell by cell through xlsxwriter. An empty
    cell of a formatted column in the frame's first row is written as a blank with its format, so
    that every format has its style index once the row is written (``_write_frame_fast`` reads it)."""
    write_number, write_string, write_boolean = ws.write_number, ws.write_string, ws.write_boolean
    if len(frame):
        first_row = frame.iloc[0]
        for j, f in formats.items():
            v = first_row.iloc[j]
            if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NA:
                ws.write_blank(first, j, None, f)
    for b in range(0, len(frame), BLOCK_ROWS):
        block = frame.iloc[b:b + BLOCK_ROWS]
        columns = [_column(block[c]) for c in block.columns]
        for i in range(len(block)):  # row by row: constant_memory mode writes rows in order
            r = first + b + i
            for j, (kind, values) in enumerate(columns):
                x = values[i]
                if x is None:
                    continue
                if kind == "n":
                    write_number(r, j, x, formats.get(j))
                elif isinstance(x, bool):
                    write_boolean(r, j, x)
                elif isinstance(x, int | float):
                    write_number(r, j, x)
                else:
                    write_string(r, j, x)


def _write_frame(ws: Any, frame: pd.DataFrame, header_fmt: Any, formats: dict[int, Any] | None = None,
                 start: int = 0) -> None:
    for j, c in enumerate(frame.columns):
        ws.write_string(start, j, str(c), header_fmt)
    _write_rows(ws, frame, formats or {}, start + 1)
    _layout(ws, frame, start)


_STRMAX = 32767  # xlsxwriter's xls_strmax (Excel's cell text limit, in UTF-16 units)
_escape_data = XMLwriter()._escape_data
# text that needs more than the plain inline-string form: XML escapes, control characters, _xHHHH_,
# leading/trailing whitespace (xml:space), a formula-like start (neutralise)
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$|^" + FORMULA_CLASS)


def _fragment(x: Any) -> str | None:
    """The XML of one cell after its ``<c r="A1"`` (what xlsxwriter writes in constant_memory mode)."""
    if x is None:
        return None
    if isinstance(x, bool):
        return f' t="b"><v>{int(x)}</v></c>'
    if isinstance(x, int | float):
        return f"><v>{x:.16G}</v></c>"
    if len(x) > _STRMAX // 2 and _utf16_len(x) > _STRMAX:
        x = _utf16_truncate(x, _STRMAX)
    x = XMLwriter._escape_control_characters(x)
    space = ' xml:space="preserve"' if _preserve_whitespace(x) else ""
    return f' t="inlineStr"><is><t{space}>{_escape_data(x)}</t></is></c>'


def _fragments(s: pd.Series, style: str = "") -> list[str | None]:
    """A column's cell fragments (None for an empty cell), each distinct value formatted once;
    ``style`` (`` s="N"``) goes on a numeric column's cells."""
    if pd.api.types.is_bool_dtype(s.dtype):
        yes, no = _fragment(True), _fragment(False)
        return [None if v is None else yes if v else no
                for v in s.astype("boolean").to_numpy(dtype=object, na_value=None)]
    if pd.api.types.is_numeric_dtype(s.dtype):
        a = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isfinite(a)
        out = np.full(len(a), None, dtype=object)
        if ok.any():
            # distinct by bit pattern, so -0.0 stays "-0" as xlsxwriter writes it
            bits, inverse = np.unique(a[ok].view(np.int64), return_inverse=True)
            out[ok] = np.array([f"{style}><v>{v:.16G}</v></c>" for v in bits.view(np.float64).tolist()],
                               dtype=object)[inverse]
        return out.tolist()
    if isinstance(s.dtype, pd.CategoricalDtype) and pd.api.types.infer_dtype(s.cat.categories) in ("string", "empty"):
        codes, uniques = s.cat.codes.to_numpy(), s.cat.categories   # the in-process trace's text
    elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    else:
        return [_fragment(_cell(v)) for v in s.to_numpy(dtype=object)]
    search = _SPECIAL.search
    table = np.array([f' t="inlineStr"><is><t>{v}</t></is></c>'
                      if type(v) is str and len(v) <= _STRMAX // 2 and not search(v) else _fragment(_cell(v))
                      for v in uniques] + [None], dtype=object)
    return table[codes].tolist()  # code -1 (missing) picks the trailing None


def _write_frame_fast(ws: Any, frame: pd.DataFrame, header_fmt: Any, formats: dict[int, Any] | None = None) -> None:
    """As :func:`_write_frame` (same bytes), but each block of rows is formatted column by column and
    written to the worksheet's constant_memory row file as XML, not cell by cell through xlsxwriter.
    The first data row goes through xlsxwriter, which gives each number format its style index
    (``Format.xf_index``), written on the fast rows' numeric cells."""
    formats = formats or {}
    if (len(frame) < 2 or not getattr(ws, "constant_memory", False) or len(frame) >= ws.xls_rowmax
            or getattr(ws, "row_data_fh", None) is None or not hasattr(ws, "_write_single_row")):
        _write_frame(ws, frame, header_fmt, formats=formats)
        return
    for j, c in enumerate(frame.columns):
        ws.write_string(0, j, str(c), header_fmt)
    _write_rows(ws, frame.iloc[:1], formats, 1)
    ws._write_single_row(2)  # flush the header and first rows; the other rows follow them in the row file
    styles = {j: f' s="{f.xf_index}"' for j, f in formats.items()}
    letters = [xl_col_to_name(j) for j in range(frame.shape[1])]
    last = None
    for b in range(1, len(frame), FAST_BLOCK_ROWS):
        block = frame.iloc[b:b + FAST_BLOCK_ROWS]
        numbers = [str(b + 2 + i) for i in range(len(block))]  # 1-based row numbers (header is row 1)
        cells = []
        for j, (L, c) in enumerate(zip(letters, block.columns, strict=True)):
            ref = f'<c r="{L}'
            frags = _fragments(block[c], styles.get(j, ""))
            present = [i for i, f in enumerate(frags) if f is not None]
            if len(present) == len(frags):
                cells.append([ref + r + '"' + f for r, f in zip(numbers, frags, strict=True)])
            else:  # sparse columns: touch only the filled cells
                col = [""] * len(frags)
                for i in present:
                    col[i] = ref + numbers[i] + '"' + frags[i]
                cells.append(col)
        out = []
        for r, row in zip(numbers, zip(*cells, strict=True), strict=True):
            xml = "".join(row)
            if xml:  # xlsxwriter writes no <row> for a row without cells
                out.append(f'<row r="{r}">{xml}</row>')
                last = r
        ws.fh.write("".join(out))
    if last is not None:
        ws._check_dimensions(int(last) - 1, 0)
    _layout(ws, frame)


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
                     issues: list[dict[str, Any]] | None = None, max_rows: int = EXCEL_ROWS - 1) -> Path:
    """Write the workpapers; ``issues``: the entries of issues.json (the ``Issues`` sheet);
    ``max_rows`` data rows per trace sheet (tests lower it)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": "Workpapers / 工作底稿", "author": "disclosure",
                       "created": FIXED_DATE, "comments": f"disclosure {results.get('tool', {}).get('version', '')}"})
    bold = wb.add_format({"bold": True})
    t2 = wb.add_format({"num_format": TONNES_CO2E})
    made = {TONNES_CO2E: t2}
    n = len(trace)
    parts = max(1, math.ceil(n / max_rows))
    names = ["Trace" if k == 0 else f"Trace ({k + 1})" for k in range(parts)]
    cols = list(trace.columns)
    status_col, scope_col = xl_col_to_name(cols.index("status")), xl_col_to_name(cols.index("scope"))

    # Summary first (constant_memory writes rows in order, sheet by sheet)
    ws = wb.add_worksheet("Summary")
    ws.write_row(0, 0, ["Figure / 指标", "results.json (tCO2e)", "Sum of trace lines (tCO2e)",
                        "Difference", "As disclosed (rounded)"], bold)
    sums = trace_sums(trace)
    totals = results.get("totals") or {}
    # as disclosed: the published figure (a total of several scopes is the sum of its rounded parts)
    published = (results.get("published") or {}).get("totals") or {}
    for r, (label, key, sel) in enumerate(TOTALS, start=1):
        terms = []
        for s, c in sel:
            vc = xl_col_to_name(cols.index(c))
            for nm in names:
                q = f"'{nm}'"
                terms.append(f'SUMIFS({q}!{vc}:{vc},{q}!{status_col}:{status_col},"included",'
                             f'{q}!{scope_col}:{scope_col},{s})')
        reported = float(totals.get(key) or 0.0)
        ws.write_string(r, 0, label)
        ws.write_number(r, 1, reported, t2)
        ws.write_formula(r, 2, "=" + "+".join(terms), t2, sums[key])
        ws.write_formula(r, 3, f"=B{r + 1}-C{r + 1}", t2, reported - sums[key])
        ws.write_number(r, 4, float(published.get(key, rounded(reported, "emissions"))), t2)
    r = len(TOTALS) + 2
    ws.write_string(r, 0, "Trace lines / 追溯行", bold)
    ws.write_number(r, 1, n)
    ws.write_string(r + 1, 0, "Trace sheets / 追溯表")
    ws.write_string(r + 1, 1, ", ".join(names))
    ws.write_string(r + 2, 0, "Lines by status / 按状态")
    by_status = (results.get("lines") or {}).get("by_status") or {}
    ws.write_string(r + 2, 1, ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items())))
    ws.set_column(0, 0, 44)
    ws.set_column(1, 4, 22)

    trace_formats = _formats(wb, trace, made)
    for k, nm in enumerate(names):
        ws = wb.add_worksheet(nm)
        _write_frame_fast(ws, trace.iloc[k * max_rows:(k + 1) * max_rows], bold, trace_formats)

    ws = wb.add_worksheet("Excluded")
    excl = trace.loc[~trace["status"].astype(object).eq("included"),
                     ["line_id", "file", "sheet", "row", "facility_id", "source", "activity", "quantity", "unit",
                      "status", "reason", "co2e_gross"]]
    _write_frame_fast(ws, excl.iloc[:max_rows], bold, _formats(wb, excl, made))

    # every issue of the run, as issues.json holds it (its two messages side by side)
    ws = wb.add_worksheet("Issues")
    entries = (issues or [])[:max_rows]
    frame = pd.DataFrame({**{c: [e.get(c) for e in entries] for c in ISSUE_COLUMNS},
                          "message_zh": [e["message"]["zh-CN"] for e in entries],
                          "message_en": [e["message"]["en"] for e in entries],
                          "params": [e.get("params") or {} for e in entries]},
                         columns=[*ISSUE_COLUMNS, "message_zh", "message_en", "params"])
    _write_frame(ws, frame, bold)

    ws = wb.add_worksheet("Settings")
    _write_frame(ws, settings_rows(results), bold)
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 100)

    ws = wb.add_worksheet("Factors")
    ds = pd.DataFrame(results.get("factor_datasets") or [])
    if not ds.empty:
        first = [c for c in ("id", "version", "kind", "sha256", "file", "title_en", "title_zh", "publisher",
                             "publisher_zh", "publisher_en", "document", "document_zh", "document_en", "year")
                 if c in ds.columns]
        ds = ds[first + [c for c in ds.columns if c not in first]]
    _write_frame(ws, ds, bold)

    by = results.get("base_year")
    if by:
        ws = wb.add_worksheet("Base year")
        log = pd.DataFrame(by.get("log") or [])
        head = pd.DataFrame({"setting": ["base_period", "threshold", "structural_change_share",
                                         "recalculation_required"],
                             "value": [by.get("base_period"), by.get("threshold"),
                                       by.get("structural_change_share"), by.get("recalculation_required")]})
        _write_frame(ws, pd.concat([head, log], axis=0, ignore_index=True) if not log.empty else head, bold)
    wb.close()
    return path
