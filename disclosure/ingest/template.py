"""The blank input workbook: one sheet per contract table, a ``report`` sheet and instructions.

The workbook is what ``load_inventory`` reads back: each table sheet is named with the table's
English name and its header row holds the contract's English column names (the Chinese header and
the column's meaning are in the header cell's comment). Row 2 is the first data row. Required
columns are bold on a coloured fill; enumerations, yes/no columns and the Scope 3 category have
drop-down lists. The ``report`` sheet holds every setting of ``report.yaml`` as ``field``/``value``
rows, generated from the settings model (``core.settings``: its description, what it allows, its
default), which the loader reads when no ``report.yaml`` lies next to the workbook.

The file is deterministic: the same version of the tool writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ..core import disclosure_items as di
from ..core import vocabulary as vocab
from ..core.cells import neutralise
from ..core.settings import SettingInfo, catalogue
from . import disclosures as ds
from .contract import CERTIFICATE_UNITS, ENUMS, TABLES, Column, Kind, Table

LAST_ROW = 100_000  # drop-downs and formats reach this sheet row (1-based)
_CREATED = dt.datetime(2025, 1, 1)

# 是, 否, yes, no: the labels of yes and no (the loader also takes true/false and 1/0)
BOOL_CHOICES = tuple(t.label(lang) for lang in ("zh-CN", "en") for t in vocab.enumeration("boolean"))
CATEGORY_CHOICES = tuple(str(i) for i in range(1, 16))

_KIND = {
    Kind.TEXT: ("文本", "text"),
    Kind.ID: ("编号（文本）", "identifier (text)"),
    Kind.NUMBER: ("数字", "number"),
    Kind.AMOUNT: ("非负数字", "number >= 0"),
    Kind.FRACTION: ("比例：0-1 或百分数（60%、60、0.6 均为 0.6）", "share: 0-1 or percent (60%, 60 and 0.6 all mean 0.6)"),
    Kind.DATE: ("日期", "date"),
    Kind.BOOL: ("是/否", "yes/no"),
    Kind.ENUM: ("可选值之一", "one of the allowed values"),
    Kind.CATEGORY: ("范围三类别 1-15", "Scope 3 category 1-15"),
    Kind.UNIT: ("单位", "unit"),
}

_TABLE_HELP = {
    "entities": ("集团内的法人主体：股权比例与控制关系。报告主体（集团本身）的上级主体编号留空。",
                 "The legal entities of the group, with ownership and control. The reporting entity "
                 "(the group itself) has an empty parent_id."),
    "facilities": ("各主体的设施（工厂、办公楼、车队等）及其所在省份（决定所用的电网排放因子）。",
                   "The facilities of each entity (plants, offices, fleets …) and their province "
                   "(which selects the grid emission factor)."),
    "activities": ("活动数据：每行一条记录，如一种燃料的消耗量、外购电力或热力、一项范围三活动。",
                   "Activity data: one record a row, e.g. the use of one fuel, purchased electricity "
                   "or heat, one Scope 3 activity."),
    "instruments": ("可选。能源属性凭证（绿证、绿电交易、购电协议等），用于基于市场的范围二。",
                    "Optional. Energy attribute certificates (green certificates, green power "
                    "trades, PPAs …) for the Scope 2 market-based method."),
    "carbon_ledger": ("可选。碳排放权交易台账：每行一笔变动（期初、免费分配、购入、出售、清缴、期末）或一个设施经核查的排放量。",
                      "Optional. The carbon-market ledger: one movement a row (opening, free allocation, bought, "
                      "sold, surrendered, closing) or one facility's verified emissions."),
    "factors": ("可选。自定义排放因子，优先于内置因子库。",
                "Optional. Custom emission factors; they take precedence over the built-in library."),
    "exposures": ("可选。金融机构的投融资敞口（PCAF 资产类别），用于计算投融资排放（范围三类别 15）。",
                  "Optional. A financial institution's exposures (PCAF asset classes), for its financed "
                  "emissions (Scope 3 category 15)."),
}

# Short descriptions for the columns whose contract entry has no help text.
_COLUMN_HELP: dict[tuple[str, str], tuple[str, str]] = {
    ("entities", "entity_id"): ("主体的唯一编号", "unique id of the entity"),
    ("entities", "name"): ("主体名称", "name of the entity"),
    ("entities", "parent_id"): ("上级主体的编号；报告主体留空", "id of the parent entity; empty for the reporting entity"),
    ("entities", "financial_control"): ("集团是否对该主体拥有财务控制权", "whether the group has financial control over the entity"),
    ("entities", "operational_control"): ("集团是否对该主体拥有运营控制权", "whether the group has operational control over the entity"),
    ("entities", "consolidated"): ("是否纳入集团合并财务报表", "whether the entity is consolidated in the group's financial statements"),
    ("facilities", "facility_id"): ("设施的唯一编号", "unique id of the facility"),
    ("facilities", "entity_id"): ("设施所属主体的编号（须在主体表中）", "the entity the facility belongs to (must be in entities)"),
    ("facilities", "name"): ("设施名称", "name of the facility"),
    ("facilities", "sector"): ("所属行业（可选；写国民经济行业分类代码，如 D4411、C3011：决定固定燃烧 CH4、N2O 按 IPCC 2006 表2.2 或表2.3）",
                               "industry (optional; a GB/T 4754 code such as D4411 or C3011 decides whether stationary "
                               "CH4 and N2O follow IPCC 2006 Table 2.2 or Table 2.3)"),
    ("activities", "record_id"): ("记录的唯一编号", "unique id of the record"),
    ("activities", "facility_id"): ("设施编号（须在设施表中）", "facility id (must be in facilities)"),
    ("activities", "period_start"): ("数据所属期间的第一天", "first day of the period the data covers"),
    ("activities", "period_end"): ("数据所属期间的最后一天", "last day of the period the data covers"),
    ("activities", "source"): ("排放源类别", "emission source category"),
    ("activities", "scope3_category"): ("范围三类别 1-15；仅排放源为 scope3 时填写", "Scope 3 category 1-15; only for source scope3"),
    ("activities", "activity"): ("燃料、物料或活动名称，如 天然气、电力、柴油", "fuel, material or activity, e.g. natural gas, electricity, diesel"),
    ("activities", "quantity"): ("活动数据的数量（不可为负）", "quantity of the activity (not negative)"),
    ("activities", "unit"): ("数量的单位", "unit of the quantity"),
    ("activities", "ncv"): ("实测低位发热量（可选；须同时填写其单位）", "measured net calorific value (optional; give its unit too)"),
    ("activities", "ncv_unit"): ("低位发热量的单位，如 GJ/t", "unit of the net calorific value, e.g. GJ/t"),
    ("activities", "oxidation_rate"): ("实测碳氧化率（可选），0-1 或百分数", "measured oxidation rate (optional), 0-1 or percent"),
    ("activities", "gas"): ("排放因子对应的气体，如 CO2、CH4、N2O、HFC-134a", "gas of the emission factor, e.g. CO2, CH4, N2O, HFC-134a"),
    ("activities", "ef_value"): ("自定义排放因子数值（可选；须同时填写其单位）", "own emission factor (optional; give its unit too)"),
    ("activities", "ef_source"): ("排放因子来源（标准、文献、供应商）", "where the emission factor comes from (standard, literature, supplier)"),
    ("activities", "method"): ("范围三核算方法（可选）", "Scope 3 calculation method (optional)"),
    ("activities", "biogenic"): ("是否为生物质燃料（生物源二氧化碳单独报告）", "whether the fuel is biomass (biogenic CO2 is reported apart)"),
    ("activities", "data_quality"): ("数据质量：一手或二手数据", "data quality: primary or secondary data"),
    ("activities", "verified"): ("数据是否经第三方核查", "whether the data was verified by a third party"),
    ("activities", "evidence"): ("证据或凭证编号（发票、抄表记录等）", "evidence or voucher number (invoice, meter reading …)"),
    ("instruments", "instrument_id"): ("凭证的唯一编号", "unique id of the instrument"),
    ("instruments", "type"): ("凭证类型", "type of instrument"),
    ("instruments", "facility_id"): ("使用凭证的设施编号", "facility the instrument is applied to"),
    ("instruments", "quantity"): ("凭证对应的电量或张数", "electricity covered, or the number of certificates"),
    ("instruments", "period_start"): ("凭证对应期间的第一天", "first day of the period the instrument covers"),
    ("instruments", "period_end"): ("凭证对应期间的最后一天", "last day of the period the instrument covers"),
    ("instruments", "retired"): ("是否已为本报告主体注销", "whether retired (cancelled) for the reporting entity"),
    ("carbon_ledger", "entry_id"): ("台账行的唯一编号", "unique id of the ledger row"),
    ("carbon_ledger", "entity_id"): ("重点排放单位（法人主体）编号", "the key emitting unit (legal entity)"),
    ("carbon_ledger", "movement"): ("变动类型", "kind of row"),
    ("carbon_ledger", "evidence"): ("凭证编号（交易单、清缴通知、核查报告）", "voucher (trade note, surrender notice, verification report)"),
    ("factors", "factor_id"): ("因子的唯一编号", "unique id of the factor"),
    ("factors", "activity"): ("适用的活动（与活动数据表的 activity 对应）", "the activity it applies to (as in activities.activity)"),
    ("factors", "unit"): ("活动数据的单位", "unit of the activity data"),
    ("factors", "gas"): ("气体，如 CO2、CH4、N2O", "gas, e.g. CO2, CH4, N2O"),
    ("factors", "value"): ("因子数值", "factor value"),
    ("factors", "value_unit"): ("因子单位，如 tCO2/t、kgCO2/kWh", "unit of the factor, e.g. tCO2/t, kgCO2/kWh"),
    ("factors", "source"): ("因子来源（标准、文献）", "source of the factor (standard, literature)"),
    ("factors", "year"): ("因子适用年份", "year the factor applies to"),
    ("factors", "region"): ("适用地区", "region it applies to"),
}

_UNITS = (
    ("t、吨、kg、千克、公斤、万吨", "t, 吨, kg, 千克, 公斤, 万吨", "质量", "mass"),
    ("kWh、度、千瓦时、万kWh、万度、MWh、GWh", "kWh, 度, 千瓦时, 万kWh (= 10 MWh), 万度, MWh, GWh", "电量", "electricity"),
    ("GJ、吉焦、MJ、TJ、tce、吨标准煤（1 tce = 29.3076 GJ）", "GJ, MJ, TJ, tce, 吨标准煤 (1 tce = 29.3076 GJ)", "能量", "energy"),
    ("Nm3、标立方米、万Nm3、m3、立方米、万m3、L、升", "Nm3, 万Nm3 (= 10,000 m3), m3, 万m3, L", "体积", "volume"),
    ("元、万元、千元、百万元、亿元、CNY、USD", "元, 万元, 千元, 百万元, 亿元, CNY, USD", "金额（范围三支出法）", "money (Scope 3 spend-based)"),
    ("tkm、吨公里", "tkm", "货运周转量", "freight transport"),
    ("pkm、人公里", "pkm", "客运周转量", "passenger transport"),
    ("km、公里", "km", "距离", "distance"),
    ("张（绿证，1 张 = 1 MWh）", "张 / certificate (green certificates, 1 = 1 MWh)", "凭证数量", "certificates"),
)


# --- helpers ----------------------------------------------------------------------------------------

def _width(text: str) -> int:
    """Display width of the longest line: East Asian wide characters take two cells."""
    best = 0
    for line in str(text).split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
        best = max(best, w)
    return best


def _safe(text: str) -> str:
    """Text never starts with a character a spreadsheet reads as a formula (``core.cells``)."""
    return neutralise(str(text))


def _bi(zh: str, en: str, lang: str) -> str:
    if not zh:
        return en
    if not en:
        return zh
    return f"{en} / {zh}" if lang == "en" else f"{zh} / {en}"


def column_help(table: str, c: Column) -> tuple[str, str]:
    """(zh, en) description of a column: the contract's help, else the template's own text."""
    base = _COLUMN_HELP.get((table, c.name), ("", ""))
    zh = c.help_zh or base[0]
    en = c.help_en or base[1]
    if c.help_zh and base[0] and c.help_zh != base[0]:
        zh = f"{base[0]}（{c.help_zh}）"
    return zh, en


def allowed_values(c: Column) -> tuple[tuple[str, ...], str]:
    """The drop-down choices of a column and a bilingual description of what is allowed."""
    if c.kind is Kind.ENUM:
        e = ENUMS[c.enum or ""]
        desc = "; ".join(f"{v} ({e.labels_zh[v]})" if v in e.labels_zh else v for v in e.values)
        return e.values, desc
    if c.kind is Kind.BOOL:
        return BOOL_CHOICES, "是, 否, yes, no, true, false, 1, 0"
    if c.kind is Kind.CATEGORY:
        return CATEGORY_CHOICES, "1-15"
    if c.kind is Kind.UNIT:
        return (), "见上方“单位” / see 'Units' above"
    if c.kind is Kind.DATE:
        return (), "2025-01-31, 2025/1/31, 2025年1月31日, 20250131"
    return (), ""


def _required(c: Column) -> bool:
    return c.required or c.nonempty


# --- the workbook -------------------------------------------------------------------------------------

def write_template(path: Path, lang: str = "zh-CN") -> None:
    """Write the blank input workbook to ``path`` (``lang``: ``zh-CN`` or ``en``, which language
    comes first in the bilingual texts and the report language preset)."""
    lang = "en" if str(lang).lower().startswith("en") else "zh-CN"
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    try:
        wb.set_properties({
            "title": "企业温室气体清单输入模板 / GHG inventory input template",
            "subject": "disclosure input workbook",
            "author": "disclosure",
            "created": _CREATED,
        })
        wb.set_custom_property("disclosure-template", "1")
        fmt = _Formats(wb)
        _instructions(wb, fmt, lang)
        for spec in TABLES.values():
            _table_sheet(wb, fmt, spec, lang)
        _report_sheet(wb, fmt, lang)
        lists = _Lists(wb, lang)
        placed = [_pillar_sheet(wb, fmt, sheet, lang, lists) for sheet in ds.sheets()]
        _completeness_sheet(wb, fmt, lang, placed)
        lists.write()
    finally:
        wb.close()


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.header = wb.add_format({"bold": False, "bg_color": "#DDEBF7", "border": 1, "valign": "top"})
        self.header_req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "valign": "top"})
        self.text = wb.add_format({"num_format": "@"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.section = wb.add_format({"bold": True, "font_size": 12, "bg_color": "#DDEBF7"})
        self.bold = wb.add_format({"bold": True, "valign": "top", "text_wrap": True})
        self.key = wb.add_format({"bold": True})
        self.second = wb.add_format({"font_color": "#595959"})
        self.field = wb.add_format({"font_color": "#595959", "valign": "top", "num_format": "@"})
        self.group = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "valign": "top", "text_wrap": True})
        self.group_field = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "font_color": "#595959",
                                          "valign": "top"})
        self.input = wb.add_format({"text_wrap": True, "valign": "top", "num_format": "@", "border": 1,
                                    "border_color": "#BFBFBF"})
        self.number = wb.add_format({"valign": "top", "border": 1, "border_color": "#BFBFBF"})
        self.unused = wb.add_format({"bg_color": "#F2F2F2", "valign": "top"})
        self.note = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#595959"})
        self.state = wb.add_format({"bold": True, "valign": "top"})


def _table_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, spec: Table, lang: str) -> None:
    ws = wb.add_worksheet(spec.name)
    ws.set_comments_author("disclosure")
    for j, c in enumerate(spec.columns):
        req = _required(c)
        ws.write_string(0, j, c.name, fmt.header_req if req else fmt.header)
        zh_help, en_help = column_help(spec.name, c)
        choices, allowed = allowed_values(c)
        lines = [
            f"{c.zh[0]} / {c.name}",
            ("必填 / required" if lang != "en" else "required / 必填") if req else
            ("选填 / optional" if lang != "en" else "optional / 选填"),
        ]
        if zh_help or en_help:
            lines.append(_bi(zh_help, en_help, lang))
        if allowed:
            lines.append(("可选值 / allowed: " if lang != "en" else "allowed / 可选值: ") + allowed)
        if len(c.zh) > 1:
            lines.append("中文列名亦可 / Chinese headers: " + "、".join(c.zh))
        ws.write_comment(0, j, "\n".join(_safe(x) for x in lines),
                         {"x_scale": 2.2, "y_scale": 1.6 + 0.3 * len(lines), "author": "disclosure"})
        cell = fmt.date if c.kind is Kind.DATE else fmt.text if c.kind in (Kind.ID, Kind.UNIT) else None
        width = max(_width(c.name) + 3, 12 if c.kind is Kind.DATE else 10)
        if c.kind is Kind.ENUM:
            width = max(width, max(_width(v) for v in choices) + 3)
        ws.set_column(j, j, min(width, 40), cell)
        if choices:
            dv = {
                "validate": "list",
                "source": list(choices),
                "error_type": "warning",  # the loader also takes Chinese spellings: warn, don't block
                "error_title": c.name[:32],
                "error_message": _safe(("请从列表中选择 / choose from the list: " if lang != "en" else
                                        "choose from the list / 请从列表中选择: ") + ", ".join(choices))[:255],
                "input_title": c.name[:32],
            }
            msg = _bi(zh_help, en_help, lang)
            if msg and len(msg) <= 255:
                dv["input_message"] = _safe(msg)
            ws.data_validation(1, j, LAST_ROW - 1, j, dv)
    ws.freeze_panes(1, 0)
    ws.set_row(0, 20)


def _report_note(s: SettingInfo, lang: str) -> tuple[str, str]:
    """(zh, en) note of a setting in the report sheet: what it is, what it allows, its default."""
    default_zh, default_en = s.default_text("zh-CN"), s.default_text("en")
    zh = s.zh + ("（必填）" if s.required else "") + f"。可填：{s.allowed_zh}" + (f"；默认：{default_zh}" if default_zh else "")
    en = s.en + (" (required)" if s.required else "") + f". Allowed: {s.allowed_en}" + (
        f"; default: {default_en}" if default_en else "")
    if s.example:   # a mapping: a row per key, written for the sheet (not YAML's "key: value")
        zh = s.zh + f"。每项一行：A 列写 {s.path}. 加{s.key_zh}（如 {s.sheet_field}），B 列写{s.value_zh}"
        en = s.en + f". A row each: {s.path}. and the {s.key_en} in column A (e.g. {s.sheet_field}), the {s.value_en} in column B"
    return zh, en


def _report_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, lang: str) -> None:
    """Every setting of the model, one row each (a mapping: one example row), field / value / note."""
    ws = wb.add_worksheet("report")
    ws.set_comments_author("disclosure")
    ws.write_string(0, 0, _bi("字段", "field", lang), fmt.header_req)
    ws.write_string(0, 1, _bi("值", "value", lang), fmt.header_req)
    ws.write_string(0, 2, _bi("说明", "note", lang), fmt.header)
    fields = catalogue()
    notes = []
    for i, s in enumerate(fields, start=1):
        ws.write_string(i, 0, s.sheet_field)
        value = "en" if s.path == "language" and lang == "en" else s.default_text(lang)
        cell = fmt.date if s.kind == "date" else fmt.text if s.kind == "identifier" else None
        if value:
            ws.write_string(i, 1, _safe(value), cell)
        else:
            ws.write_blank(i, 1, None, cell)
        if s.choices:
            ws.data_validation(i, 1, i, 1, {
                "validate": "list", "source": list(s.choices),
                # a choice must be one of the list; yes/no also takes true, false, 1, 0 …: warn only
                "error_type": "stop" if s.kind == "choice" else "warning",
                "error_title": s.path[:32],
                "error_message": ("可选 / allowed: " + ", ".join(s.choices))[:255],
            })
        notes.append(_bi(*_report_note(s, lang), lang))
        ws.write_string(i, 2, _safe(notes[-1]))
    ws.set_column(0, 0, max(_width(s.sheet_field) for s in fields) + 3)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, min(110, max(_width(n) for n in notes) + 12))
    ws.freeze_panes(1, 0)


def _instructions(wb: xlsxwriter.Workbook, fmt: _Formats, lang: str) -> None:
    ws = wb.add_worksheet("instructions")
    en_first = lang == "en"
    r = 0

    def line(text_zh: str, text_en: str, style: object = None) -> None:
        """The two languages on consecutive rows (long text runs over the empty cells to the right)."""
        nonlocal r
        first, second = (text_en, text_zh) if en_first else (text_zh, text_en)
        ws.write_string(r, 0, _safe(first), style)
        r += 1
        if second:
            ws.write_string(r, 0, _safe(second), fmt.second if style is None else style)
            r += 1

    def head(text_zh: str, text_en: str, style: object) -> None:
        nonlocal r
        ws.write_string(r, 0, _bi(text_zh, text_en, lang), style)
        r += 1

    head("企业温室气体清单输入模板（说明）", "GHG inventory input template (instructions)", fmt.title)
    line("每张工作表是一张输入表，表名和第一行的英文列名不可更改；数据从第 2 行开始，每行一条记录。",
         "Each sheet is one input table; keep the sheet names and the English headers in row 1. "
         "Data starts on row 2, one record a row.")
    line("加粗且有底色的列为必填列。把鼠标移到列名上可查看中文列名和说明。",
         "Bold columns on a coloured fill are required. Hover over a header for its Chinese name and meaning.")
    line("也可以用中文列名代替英文列名；未知的列会被保留并给出提示，但不参与计算。",
         "Chinese headers may replace the English ones; unknown columns are kept with a notice but not used.")
    line("同样的表也可以是文件夹中的 CSV（UTF-8 或 GB18030）、XLSX 或 Parquet 文件，"
         "文件名为表名（如 activities.csv），报告设置写在 report.yaml 中。",
         "The same tables can be files in a folder: CSV (UTF-8 or GB18030), XLSX or Parquet, "
         "named after the table (activities.csv …), with the report settings in report.yaml.")
    line("检查：disclosure check 本文件.xlsx", "Check it with: disclosure check this-file.xlsx")
    r += 1

    head("表", "Tables", fmt.section)
    for spec in TABLES.values():
        zh, en = _TABLE_HELP.get(spec.name, ("", ""))
        req_zh = "必需" if spec.required else "可选"
        req_en = "required" if spec.required else "optional"
        line(f"{spec.name}（{spec.zh}，{req_zh}）：{zh}", f"{spec.name} ({spec.zh}, {req_en}): {en}")
    line("report（报告设置）：报告主体、报告期与计算设置，每行一个字段及其值。",
         "report (settings): the reporting entity, the period and the calculation settings, one field "
         "and its value a row.")
    r += 1

    head("披露信息", "Disclosures", fmt.section)
    for sheet in ds.sheets():
        section = di.section(sheet.section)
        what_zh = sheet.node.label("zh-CN") if sheet.node is not None else section.label("zh-CN")
        what_en = sheet.node.label("en") if sheet.node is not None else section.label("en")
        kind_zh, kind_en = (("每行一项", "one record a row") if sheet.kind == "list" else
                            ("每行一个披露项目", "one item a row"))
        line(f"{sheet.name('zh-CN')}：{what_zh}（{kind_zh}）", f"{sheet.name('en')}: {what_en} ({kind_en})")
    line("不披露或不适用的项目：在其“状态”单元格选择“未披露”或“不适用”，并填写原因（报告中打印该原因）；"
         "整组一行（或列表工作表上方）的状态适用于其中全部项目。",
         "An item not disclosed or not applicable: choose that status in its status cell and give the reason "
         "(the report prints it); the status of a group's row (or above a list) applies to all of it.")
    line(f"{ds.COMPLETENESS_SHEETS[1]}（{ds.COMPLETENESS_SHEETS[0]}）：由公式显示每个必填项目的状态，随填写即时更新。",
         f"{ds.COMPLETENESS_SHEETS[0]} ({ds.COMPLETENESS_SHEETS[1]}): formulas show the state of each required item "
         "as you type.")
    line("披露信息也可以写在 report.yaml 旁的 disclosures.yaml 中（有该文件时，以文件为准）。",
         "The disclosures may instead be written in disclosures.yaml beside report.yaml (which then prevails).")
    r += 1

    head("值的写法", "How to write values", fmt.section)
    line("日期：2025-01-31、2025/1/31、2025.1.31、2025年1月31日、20250131，或 Excel 日期。",
         "Dates: 2025-01-31, 2025/1/31, 2025.1.31, 2025年1月31日, 20250131, or an Excel date.")
    line("数字：可带千分位分隔符（1,234.5）或全角数字（１２３）。",
         "Numbers: thousands separators (1,234.5) and full-width digits (１２３) are accepted.")
    line("是/否：是、否、yes、no、true、false、1、0。", "Yes/no: 是, 否, yes, no, true, false, 1, 0.")
    line("比例：60%、60 和 0.6 都表示 0.6。", "Shares: 60%, 60 and 0.6 all mean 0.6.")
    line("可选值：下拉列表中的英文值，或括号中的中文写法。",
         "Choices: the English values in the drop-down list, or the Chinese spelling in brackets.")
    r += 1

    head("单位", "Units", fmt.section)
    for zh, en, dim_zh, dim_en in _UNITS:
        line(f"{dim_zh}：{zh}", f"{dim_en}: {en}")
    cert = "、".join(sorted(u for u in CERTIFICATE_UNITS if not u.isascii()))
    line(f"能源属性凭证可按张计（{cert}），1 张绿证 = 1 MWh。",
         "Instruments may be counted in certificates (张); one green certificate (GEC) = 1 MWh.")
    line("每类排放源只接受相应量纲的单位：如外购电力须为能量单位，逸散排放须为质量单位。",
         "Each source takes units of its own dimension: purchased electricity an energy, fugitive "
         "emissions a mass.")
    r += 1

    # one table of every column
    head("各列说明", "Columns", fmt.section)
    heads = ("表 / table", "列 / column", "中文列名 / Chinese header", "必填 / required",
             "类型 / kind", "说明", "description", "可选值 / allowed values")
    for j, h in enumerate(heads):
        ws.write_string(r, j, h, fmt.bold)
    r += 1
    widths = [_width(h) for h in heads]
    for spec in TABLES.values():
        for c in spec.columns:
            zh, en = column_help(spec.name, c)
            kind_zh, kind_en = _KIND[c.kind]
            _, allowed = allowed_values(c)
            row = (spec.name, c.name, "、".join(c.zh), "是 / yes" if _required(c) else "否 / no",
                   f"{kind_zh} / {kind_en}", zh, en, allowed)
            for j, v in enumerate(row):
                ws.write_string(r, j, _safe(v), fmt.wrap)
                widths[j] = max(widths[j], _width(v))
            r += 1
    r += 1
    head("report 工作表的字段", "Fields of the report sheet", fmt.section)
    for s in catalogue():
        zh, en = _report_note(s, lang)
        ws.write_string(r, 0, s.sheet_field, fmt.key)
        ws.write_string(r, 5, _safe(zh), fmt.wrap)
        ws.write_string(r, 6, _safe(en), fmt.wrap)
        r += 1

    caps = (14, 24, 26, 14, 30, 40, 48, 48)
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(max(w + 2, 10), caps[j]))
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.activate()


# --- the disclosures: a sheet per pillar, a table-shaped sheet per list, the completeness view ------------------

LIST_ROWS = 200        # the data rows a list sheet prepares (drop-downs, formats); more rows are read too
_ITEM_WIDTHS = {"field": 34, "item": 30, "value": 60, "value_en": 60, "status": 12, "reason": 36, "help": 56}


@dataclass(frozen=True)
class _Placed:
    """Where the template put a pillar sheet's cells, for the completeness formulas."""

    spec: ds.Sheet
    name: str
    rows: dict[str, int]                 # an item sheet: path → sheet row (1-based)
    data: str = ""                       # a list sheet: its data cells ("A5:R204")


def _q(sheet: str) -> str:
    """A sheet name as a formula reference: quoted, quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def _choices_of(node: di.Node, lang: str) -> list[str]:
    """The drop-down choices of an enum item: its values' labels in ``lang`` (the reader takes any
    spelling of the vocabulary)."""
    return [vocab.label(node.enum, k, lang) for k in vocab.values(node.enum)]


def _state_choices(lang: str) -> list[str]:
    return [di.state_label(s, lang) for s in di.DECLARED]


class _Lists:
    """A hidden sheet, written last, holding the long drop-down lists (a list typed into a
    validation is at most 255 characters): one column per enumeration."""

    def __init__(self, wb: xlsxwriter.Workbook, lang: str):
        self.wb = wb
        self.name = ds.LISTS_SHEETS[0 if lang == "en" else 1]
        self.cols: dict[str, list[str]] = {}

    def source(self, enum: str, values: list[str]) -> list[str] | str:
        if len(",".join(values)) <= 255:
            return values
        self.cols.setdefault(enum, values)
        letter = xl_col_to_name(list(self.cols).index(enum))
        return f"={_q(self.name)}!${letter}$2:${letter}${len(values) + 1}"

    def write(self) -> None:
        if not self.cols:
            return
        ws = self.wb.add_worksheet(self.name)
        for j, (enum, values) in enumerate(self.cols.items()):
            ws.write_string(0, j, enum)
            for i, v in enumerate(values, start=1):
                ws.write_string(i, j, _safe(v))
        ws.hide()


def _dropdown(ws: Any, first: int, col: int, last: int, source: list[str] | str, title: str, lang: str,
              message: str = "") -> None:
    dv: dict[str, Any] = {
        "validate": "list", "source": source, "error_type": "warning",   # other spellings are read too
        "error_title": title[:32],
        "error_message": _safe("请从列表中选择 / choose from the list" if lang != "en" else
                                "choose from the list / 请从列表中选择")[:255],
    }
    if message and len(message) <= 255:
        dv["input_title"], dv["input_message"] = title[:32], _safe(message)
    ws.data_validation(first, col, last, col, dv)


def _pillar_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, spec: ds.Sheet, lang: str, lists: _Lists) -> _Placed:
    ws = wb.add_worksheet(spec.name(lang))
    ws.set_comments_author("disclosure")
    section = di.section(spec.section)
    if spec.kind == "items":
        return _item_sheet(ws, fmt, spec, section, lang, lists)
    return _list_sheet(ws, fmt, spec, lang, lists)


def _item_sheet(ws: Any, fmt: _Formats, spec: ds.Sheet, section: di.Section, lang: str, lists: _Lists) -> _Placed:
    top = next(n for n in section.nodes if n.is_group)
    ws.write_string(0, 0, _bi(section.label("zh-CN"), section.label("en", capital=True), lang), fmt.title)
    ws.write_string(1, 0, _safe(_bi(top.help_zh, top.help_en, lang)), fmt.second)
    ws.write_string(2, 0, _safe(_bi(
        "每行一个披露项目：文本在“中文内容”和“英文内容”两列分别填写中文和英文（只填一种语言，两份报告都用它）；"
        "数值、比例和选项填在“中文内容或数值”列。不披露或不适用时，在“状态”列选择并填写原因；"
        "整组一行的状态适用于组内全部项目。",
        "One disclosure item a row: a text in Chinese and in English in the two text columns (one "
        "language alone serves both reports); a number, a share or a choice in the first of them. "
        "For an item not disclosed or not applicable, choose the status and give the reason; the "
        "status of a group's row applies to every item in it.", lang)), fmt.second)
    head = 3
    for j, c in enumerate(ds.ITEM_COLUMNS):
        ws.write_string(head, j, c.header(lang), fmt.header_req if c.key in ("value", "value_en") else fmt.header)
        ws.set_column(j, j, _ITEM_WIDTHS[c.key])
    col = {c.key: j for j, c in enumerate(ds.ITEM_COLUMNS)}
    rows: dict[str, int] = {}
    r = head + 1
    for n in spec.rows:
        depth = n.path.count(".") - top.path.count(".")
        label = ("　" * depth) + (n.label(lang, capital=lang == "en"))
        if n.is_group:
            label += "（整组）" if lang != "en" else " (whole group)"
            ws.write_string(r, col["field"], n.path, fmt.group_field)
            ws.write_string(r, col["item"], label, fmt.group)
            for k in ("value", "value_en"):
                ws.write_blank(r, col[k], None, fmt.unused)
            if n.help(lang):
                ws.write_string(r, col["help"], _safe(n.help(lang)), fmt.note)
        else:
            ws.write_string(r, col["field"], n.path, fmt.field)
            ws.write_string(r, col["item"], label + ("" if not n.optional else
                                                     ("（可选）" if lang != "en" else " (optional)")), fmt.bold)
            ws.write_blank(r, col["value"], None, fmt.input if n.kind in ("text", "str") else fmt.number)
            ws.write_blank(r, col["value_en"], None, fmt.input if n.kind == "text" else fmt.unused)
            helptext = n.help(lang)
            if n.kind == "enum":
                choices = _choices_of(n, lang)
                _dropdown(ws, r, col["value"], r, lists.source(n.enum, choices), n.key, lang)
                helptext += ("（可选：" if lang != "en" else " (one of: ") + ("、" if lang != "en" else ", ").join(
                    choices) + ("）" if lang != "en" else ")")
            elif n.kind == "share":
                helptext += "（0.25 或 25%）" if lang != "en" else " (0.25 or 25%)"
            ws.write_string(r, col["help"], _safe(helptext), fmt.note)
        ws.write_blank(r, col["status"], None, fmt.input)
        ws.write_blank(r, col["reason"], None, fmt.input)
        _dropdown(ws, r, col["status"], r, _state_choices(lang), "status", lang)
        rows[n.path] = r + 1
        r += 1
    ws.freeze_panes(head + 1, 2)
    return _Placed(spec, ws.name, rows)


def _list_sheet(ws: Any, fmt: _Formats, spec: ds.Sheet, lang: str, lists: _Lists) -> _Placed:
    node = spec.node
    assert node is not None
    ws.write_string(0, 0, _bi(node.label("zh-CN"), node.label("en", capital=True), lang), fmt.title)
    ws.write_string(1, 0, ds.STATUS_LABEL.header(lang), fmt.key)
    ws.write_blank(1, 1, None, fmt.input)
    _dropdown(ws, 1, 1, 1, _state_choices(lang), "status", lang)
    ws.write_string(1, 2, ds.REASON_LABEL.header(lang), fmt.key)
    ws.write_blank(1, 3, None, fmt.input)
    ws.write_string(2, 0, _safe(_bi(
        node.help_zh + "“（中文）”“（英文）”两列分别填写中文和英文；加粗的列为必填。不披露或不适用时，在上方选择状态并填写原因。",
        node.help_en + " The (Chinese) and (English) columns take the text in each language; bold "
        "columns are required. If not disclosed or not applicable, choose the status above and give the reason.",
        lang)), fmt.second)
    head = 3
    cols = ds.list_columns(node)
    for j, c in enumerate(cols):
        leaf = c.leaf
        assert leaf is not None
        ws.write_string(head, j, c.header(lang), fmt.header if leaf.optional else fmt.header_req)
        text = leaf.help(lang)
        if leaf.kind == "enum":
            choices = _choices_of(leaf, lang)
            _dropdown(ws, head + 1, j, head + LIST_ROWS, lists.source(leaf.enum, choices), leaf.key, lang)
            text += ("（可选：" if lang != "en" else " (one of: ") + ("、" if lang != "en" else ", ").join(
                choices) + ("）" if lang != "en" else ")")
        if text:
            ws.write_comment(head, j, _safe(text), {"x_scale": 2.0, "y_scale": 1.2, "author": "disclosure"})
        width = 40 if leaf.kind == "text" and c.lang else max(12, _width(c.header(lang)) + 2)
        ws.set_column(j, j, min(width, 44), fmt.input if leaf.kind in ("text", "str") else None)
    ws.set_row(head, 32)
    ws.freeze_panes(head + 1, 0)
    last = xl_col_to_name(len(cols) - 1)
    return _Placed(spec, ws.name, {node.path: 2}, f"A{head + 2}:{last}{head + 1 + LIST_ROWS}")


def _state_formula(own: tuple[str, str], groups: list[tuple[str, str]], filled: str, lang: str) -> tuple[str, str]:
    """The formulas of an item's state and reason: its own status, else its nearest group's, else
    filled or missing by whether its cells hold anything. ``own`` and ``groups``: (status cell,
    reason cell) references; ``filled``: the condition that the item is filled."""
    def label(cell: str) -> str:
        """The status as the template's language names it (either language's label is read)."""
        out = cell + '&""'
        for st in reversed(di.DECLARED):
            names = ",".join(f'{cell}="{di.state_label(st, x)}"' for x in ("zh-CN", "en"))
            out = f'IF(OR({names}),"{di.state_label(st, lang)}",{out})'
        return out

    state = f'IF({filled},"{di.state_label("filled", lang)}","{di.state_label("missing", lang)}")'
    reason = '""'
    for status, why in reversed([own, *groups]):
        state = f'IF({status}<>"",{label(status)},{state})'
        reason = f'IF({status}<>"",{why}&"",{reason})'
    return "=" + state, "=" + reason


def _completeness_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, lang: str, placed: list[_Placed]) -> None:
    """Each item's state as the user types, by formulas over the pillar sheets (no macros):
    filled, missing, not disclosed or not applicable (with the reason), and a count per pillar."""
    ws = wb.add_worksheet(ds.COMPLETENESS_SHEETS[0 if lang == "en" else 1])
    en = lang == "en"
    ws.write_string(0, 0, _bi("披露完整性", "Completeness of the disclosures", lang), fmt.title)
    ws.write_string(1, 0, _safe(_bi(
        "本表由公式根据各披露工作表自动计算，无需填写：每个必填项目为“已填写”“未填写”“未披露”或“不适用”（后两者附原因）。"
        "disclosure check 还会检查所填内容的格式。",
        "This sheet computes itself from the disclosure sheets (nothing to fill in): each required item is "
        "filled, missing, not disclosed or not applicable (the last two with the reason). disclosure check "
        "also checks what was written.", lang)), fmt.second)
    heads = [("方面", "pillar"), ("披露项目", "item"), ("状态", "state"), ("原因", "reason"), ("所在工作表", "sheet"),
             ("字段", "field")]
    head = 3
    for j, (zh, en_) in enumerate(heads):
        ws.write_string(head, j, _bi(zh, en_, lang), fmt.header_req if j < 3 else fmt.header)
    for j, w in enumerate((20, 56, 12, 40, 16, 40)):
        ws.set_column(j, j, w)
    by_path: dict[str, _Placed] = {}
    for p in placed:
        for path in p.rows:
            by_path[path] = p
    r = head + 1
    summary: list[tuple[int, int, int]] = []
    for s in di.sections():
        items = s.items()
        if not items:
            continue
        top = r
        ws.write_string(r, 0, s.label(lang, capital=en), fmt.state)
        r += 1
        for n in items:
            p = by_path[n.path]
            q = _q(p.name)
            if n.is_list:
                own = (f"{q}!$B$2", f"{q}!$D$2")
                filled = f"COUNTA({q}!{p.data})>0"
                groups: list[tuple[str, str]] = []
            else:
                row = p.rows[n.path]
                own = (f"{q}!$E${row}", f"{q}!$F${row}")
                cells = f"{q}!$C${row}&{q}!$D${row}" if n.kind == "text" else f"{q}!$C${row}&\"\""
                filled = f"LEN(TRIM({cells}))>0"
                parts = n.path.split(".")
                groups = []
                for k in range(len(parts) - 1, 0, -1):
                    g = ".".join(parts[:k])
                    if g in p.rows:
                        groups.append((f"{q}!$E${p.rows[g]}", f"{q}!$F${p.rows[g]}"))
            state, reason = _state_formula(own, groups, filled, lang)
            label = (di.label(n.path, lang).split(di.SEP, 1)[-1] if n.path.count(".") or n.is_list
                     else n.label(lang, capital=en))
            ws.write_string(r, 1, label[:1].upper() + label[1:] if en else label, fmt.wrap)
            ws.write_formula(r, 2, state, fmt.state, di.state_label("missing", lang))
            ws.write_formula(r, 3, reason, fmt.wrap, "")
            ws.write_string(r, 4, p.name)
            ws.write_string(r, 5, n.path, fmt.field)
            r += 1
        summary.append((top, top + 2, r))
    # each pillar's counts on its heading row: 已填写 4，未填写 0，…
    sep = '&", "&' if en else '&"，"&'
    for top, first, last in summary:
        rng = f"$C${first}:$C${last}"
        parts = [f'"{di.state_label(st, lang)} "&COUNTIF({rng},"{di.state_label(st, lang)}")' for st in di.STATES]
        blank = ("，" if not en else ", ").join(f"{di.state_label(st, lang)} " + ("0" if st != "missing" else
                                                str(last - first + 1)) for st in di.STATES)
        ws.write_formula(top, 1, "=" + sep.join(parts), fmt.second, blank)
    ws.freeze_panes(head + 1, 0)
