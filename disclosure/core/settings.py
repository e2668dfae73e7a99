"""The settings of one report, each declared once.

Everything ``report.yaml`` (or a workbook's ``report`` sheet) may say is a field of :class:`Settings`
or of one of its sections, declared with its type, its default and a description in zh-CN and
English (:func:`setting`). The type of a value is a :class:`Kind`: it reads the value as YAML gives it
or as a sheet's text cell holds it (是/否 and FALSE are no; "2023" is a year; "5%" is 0.05; a date as
text or as an Excel date), and says in both languages what it allows. From these declarations come
the reading (:func:`read_settings`, which turns every bad value into an issue), the template's
``report`` sheet, the README's table of settings and the hints of messages that name a setting
(:func:`catalogue`). A later issue adds a setting by adding a field.

Every setting has a default, so a report whose settings are broken still loads (with issues) and
the later checks still run; required settings (the entity, the period) are reported when missing.
The model is frozen: code reads ``settings.options.category15_investees``, never a raw mapping.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError, core_schema

from . import units
from . import vocabulary as vocab
from .cells import visible, xml_forbidden
from .issues import Issue, Location, issue
from .values import (
    DATE_MAX,
    DATE_MIN,
    in_date_range,
    one_bool,
    one_category,
    one_date,
    one_number,
    one_share,
)

# --- kinds of value ---------------------------------------------------------------------------------


class Bad(Exception):
    """A value a kind cannot read; ``zh`` / ``en`` say why (and what is allowed)."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True, eq=False)
class Kind:
    """A kind of setting value: how it is read (``read`` returns the value or raises :class:`Bad`)
    and what it allows, in zh-CN and English. Used as ``Annotated[type, KIND]`` in the model."""

    name: str
    zh: str
    en: str
    read: Callable[[Any], Any]
    choices: tuple[str, ...] = ()      # a drop-down in the template

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        def validate(value: Any) -> Any:
            try:
                return self.read(value)
            except Bad as e:
                raise PydanticCustomError("setting", "{en}", {"zh": e.zh, "en": e.en}) from None
        return core_schema.no_info_before_validator_function(validate, handler(source))


def _scalar(v: Any) -> Any:
    if isinstance(v, Mapping | list | tuple | set):
        raise Bad("应为单个值，不是一组值", "should be a single value, not a group of values")
    return v


def _text(v: Any) -> str:
    v = _scalar(v)
    if isinstance(v, bool):
        raise Bad("应为文本", "should be text")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    t = str(v).strip()
    ch = xml_forbidden(t)
    if ch:   # the XBRL and the Word report could not hold it
        raise Bad(f"含控制字符 {ch}，XML（XBRL、Word 报告）无法容纳", f"holds the control character {ch}, which XML "
                  "(the XBRL, the Word report) cannot hold")
    return t


def _bool(v: Any) -> bool:
    b = one_bool(_scalar(v))
    if b is None:
        raise Bad("应为“是/否”（是、否、true、false、yes、no、1、0）",
                  "should be yes or no (是, 否, true, false, yes, no, 1, 0)")
    return b


def _date(v: Any) -> dt.date:
    v = _scalar(v)
    if isinstance(v, dt.datetime):
        d = v.date()
    elif isinstance(v, dt.date):
        d = v
    else:
        ts = None if isinstance(v, bool) else one_date(v)
        if ts is None:
            raise Bad("不是日期", "not a date")
        d = ts.date()
    if not in_date_range(d):   # the range the inventory's date columns hold, so that they compare
        first, last = DATE_MIN.date().isoformat(), DATE_MAX.date().isoformat()
        raise Bad(f"超出支持的日期范围（{first} 至 {last}）", f"outside the supported range ({first} to {last})")
    return d


def _number(v: Any) -> float:
    f = one_number(_scalar(v))
    if f is None:
        raise Bad("不是数字", "not a number")
    return f


def _amount(v: Any) -> float:
    f = _number(v)
    if f < 0:
        raise Bad("不能为负数", "must not be negative")
    return f


def _positive(v: Any) -> float:
    f = _number(v)
    if not f > 0:
        raise Bad("应为正数", "must be a positive number")
    return f


def _share(v: Any) -> float:
    f = None if isinstance(_scalar(v), bool) else one_share(v)
    if f is None or not 0 <= f <= 1:
        raise Bad("应为 0 到 1 之间的比例或百分数（如 0.05 或 5%）",
                  "should be a share from 0 to 1 or a percentage (0.05 or 5%)")
    return f


def _year(v: Any) -> int:
    f = one_number(_scalar(v))
    if f is None or not f.is_integer() or not 2000 <= f <= 2100:
        raise Bad("应为年份（2000-2100）", "should be a year (2000-2100)")
    return int(f)


def _category(v: Any) -> int:
    f = None if isinstance(_scalar(v), bool) else one_category(v)
    if f is None or not 1 <= f <= 15:
        raise Bad("应为范围三类别 1-15", "should be a Scope 3 category, 1-15")
    return int(f)


def _currency(v: Any) -> str:
    t = _text(v).upper()
    if len(t) != 3 or not t.isascii() or not t.isalpha():
        raise Bad("应为三个字母的货币代码（ISO 4217，如 CNY、USD）",
                  "should be a three-letter currency code (ISO 4217, e.g. CNY, USD)")
    return t


def _unit(v: Any) -> str:
    t = _text(v)
    if units.lookup(t) is None:
        a = units.ambiguity(t)
        if a is not None:
            raise Bad("单位有多种含义：" + a.text("zh-CN"), "the unit has more than one meaning: " + a.text("en"))
        raise Bad("无法识别的单位", "unknown unit")
    return t


def _zip(v: Any) -> str:
    t = _text(v)
    if not t or PurePath(t).suffix.lower() != ".zip":
        raise Bad("应为 .zip 文件的路径", "should be the path of a .zip file")
    return t


def _folders(v: Any) -> tuple[str, ...]:
    items = v if isinstance(v, list | tuple) else v.split(";") if isinstance(v, str) else None
    if items is None or not all(isinstance(x, str) for x in items):
        raise Bad("应为文件夹路径（文本，多个以 ; 分隔）或其列表",
                  "should be a folder path (text; several separated by ;) or a list of them")
    return tuple(t for t in (x.strip() for x in items) if t)


def _choice(*values: str) -> Callable[[Any], str]:
    def read(v: Any) -> str:
        t = _text(v)
        if t not in values:
            raise Bad("可选：" + ", ".join(values), "allowed: " + ", ".join(values))
        return t
    return read


def _mapping(v: Any) -> Any:
    if not isinstance(v, Mapping):
        raise Bad("应为“键: 值”的映射", "should be a mapping of key: value")
    return v


TEXT = Kind("text", "文本", "text", _text)
DATE = Kind("date", "日期（2025-01-31、2025/1/31、2025年1月31日 或 Excel 日期）",
            "date (2025-01-31, 2025/1/31, 2025年1月31日 or an Excel date)", _date)
BOOL = Kind("bool", "是/否（是、否、true、false、yes、no、1、0）", "yes/no (是, 否, true, false, yes, no, 1, 0)",
            _bool, choices=("是", "否", "yes", "no"))
AMOUNT = Kind("amount", "非负数字", "number >= 0", _amount)
POSITIVE = Kind("positive", "正数", "positive number", _positive)
SHARE = Kind("share", "比例 0-1 或百分数（5% 即 0.05）", "share 0-1 or percent (5% means 0.05)", _share)
YEAR = Kind("year", "年份（2000-2100）", "year (2000-2100)", _year)
CATEGORY = Kind("category", "范围三类别 1-15", "Scope 3 category 1-15", _category)
CURRENCY = Kind("currency", "货币代码（ISO 4217）", "currency code (ISO 4217)", _currency)
UNIT = Kind("unit", "单位（如 t、MWh）", "unit (e.g. t, MWh)", _unit)
ZIP = Kind("path", ".zip 文件的路径（相对于清单文件夹）", "path of a .zip file (relative to the inventory folder)",
           _zip)
FOLDERS = Kind("folders", "文件夹（相对于清单文件夹；多个以 ; 分隔）",
               "folders (relative to the inventory folder; several separated by ;)", _folders)
MAPPING = Kind("mapping", "映射", "mapping", _mapping)
IDENTIFIER = Kind("identifier", "统一社会信用代码或 LEI", "USCC or LEI", lambda v: _text(v).upper())
DATASET = Kind("dataset", "数据集编号", "dataset id", _text)
VERSION = Kind("version", "版本", "version", _text)


def choice(*values: str) -> Kind:
    return Kind("choice", "可选：" + ", ".join(values), "one of: " + ", ".join(values), _choice(*values),
                choices=values)


def vocab_choice(name: str) -> Kind:
    """A choice among the values of a vocabulary enumeration: its key, or any of its labels and
    aliases (运营控制权法 is operational_control), listed in each language with its label."""
    keys = tuple(str(k) for k in vocab.values(name))
    zh = "、".join(f"{vocab.label(name, k, 'zh-CN')}（{k}）" for k in keys)
    en = ", ".join(f"{k} ({vocab.label(name, k, 'en')})" for k in keys)

    def read(v: Any) -> str:
        key = vocab.parse(name, _text(v))
        if key is None:
            raise Bad("可选：" + zh, "allowed: " + en)
        return str(key)
    return Kind("choice", "可选：" + zh, "one of: " + en, read, choices=keys)


CONSOLIDATION = tuple(str(k) for k in vocab.values("consolidation"))
GWP_SETS = tuple(str(k) for k in vocab.values("gwp"))
GRID_LEVELS = tuple(str(k) for k in vocab.values("grid_level"))
LANGUAGES = ("zh-CN", "en")
COMBUSTION_SECTORS = ("energy_industries", "manufacturing")    # vocabulary: combustion_sector

# types of the model's fields: the kind of each value, and of each key and value of a mapping
Text = Annotated[str, TEXT]
Date = Annotated[dt.date | None, DATE]


def setting(default: Any, zh: str, en: str, *, required: bool = False, example: str | None = None) -> Any:
    """A field of the model: its default and its description in zh-CN and English; ``required``
    settings are reported when missing; ``example`` is the key a mapping's template row shows."""
    extra = {"zh": zh, "en": en, "required": required, "example": example}
    if isinstance(default, dict | list | tuple):
        return Field(default_factory=lambda: copy.deepcopy(default), description=en, json_schema_extra=extra)
    return Field(default, description=en, json_schema_extra=extra)


class Section(BaseModel):
    """A group of settings (``entity``, ``options`` …). Unknown keys are refused (then reported)."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)


# --- the model ----------------------------------------------------------------------------------------

class Entity(Section):
    name_zh: Text = setting("", "报告主体中文名称", "name of the reporting entity in Chinese", required=True)
    name_en: Text = setting("", "报告主体英文名称", "name of the reporting entity in English")
    identifier: Annotated[str, IDENTIFIER] = setting(
        "", "18 位统一社会信用代码（GB 32100-2015）或 20 位 LEI（ISO 17442），校验位须正确",
        "18-character unified social credit code (GB 32100-2015) or 20-character LEI (ISO 17442), "
        "with a valid check character", required=True)

    @property
    def identifier_scheme(self) -> str:
        """``uscc`` or ``lei`` when the identifier is valid, else empty."""
        return (check_identifier(self.identifier)[0] or "") if self.identifier else ""


class Period(Section):
    start: Date = setting(None, "报告期开始日期", "first day of the reporting period", required=True)
    end: Date = setting(None, "报告期结束日期（不早于开始日期）", "last day of the reporting period (not before the start)",
                        required=True)


class Revenue(Section):
    value: Annotated[float | None, AMOUNT] = setting(
        None, "营业收入（列报货币，用于强度指标）", "revenue, in the presentation currency (for intensity metrics)")
    unit: Annotated[str | None, CURRENCY] = setting(
        None, "营业收入的货币，须与 currency 相同", "currency of the revenue; must be the presentation currency")


class Output(Section):
    value: Annotated[float | None, AMOUNT] = setting(None, "产量（用于强度指标）", "output (for intensity metrics)")
    unit: Annotated[str | None, UNIT] = setting(None, "产量单位，如 t、MWh", "unit of the output, e.g. t, MWh")
    label_zh: Annotated[str | None, TEXT] = setting(None, "产品的中文名称", "name of the product in Chinese")
    label_en: Annotated[str | None, TEXT] = setting(None, "产品的英文名称", "name of the product in English")


class Factors(Section):
    grid_year: Annotated[int | None, YEAR] = setting(
        None, "电网排放因子的年份；默认取不晚于报告年度的最新年份",
        "vintage of the grid emission factors; default: the latest published year not after the reporting year")
    versions: Annotated[dict[Annotated[str, DATASET], Annotated[str, VERSION]], MAPPING] = setting(
        {}, "锁定因子数据集的版本，每个数据集编号一个版本（锁定后，新版本不改变本报告）",
        "factor dataset versions pinned, a version per dataset id (a newer version then changes nothing)",
        example="cn-grid-2023")
    datasets: Annotated[tuple[str, ...], FOLDERS] = setting(
        (), "自定义因子数据集所在的文件夹", "folders holding your own factor datasets")


class Options(Section):
    combustion_non_co2: Annotated[bool, BOOL] = setting(
        True, "燃烧排放是否计入 CH4 和 N2O（IPCC 2006 缺省值）",
        "whether combustion counts CH4 and N2O (IPCC 2006 defaults)")
    combustion_sector_default: Annotated[str, choice(*COMBUSTION_SECTORS)] = setting(
        "manufacturing", "行业未写明属于能源工业（表2.2）还是制造业和建筑业（表2.3）的设施，其固定燃烧 CH4、N2O 缺省值"
        "所用的 IPCC 2006 第2卷表",
        "the IPCC 2006 Vol. 2 table of stationary CH4 and N2O defaults for a facility whose sector does not say "
        "energy industries (Table 2.2) or manufacturing industries and construction (Table 2.3)")
    category15_investees: Annotated[bool | None, BOOL] = setting(
        None, "控制权法下，是否把未纳入边界的被投资单位（合营、联营企业）的范围一和范围二按持股比例计入范围三类别 15；"
              "默认：是（温室气体核算体系范围三标准第 5 章）；选“否”须在 category15_investees_reason 中说明原因",
        "under a control approach, whether the Scope 1 and 2 of investees outside the boundary (joint ventures, "
        "associates) count in Scope 3 category 15 at the equity share; default: yes (GHG Protocol Scope 3 "
        "Standard, ch. 5); no needs its reason in category15_investees_reason")
    category15_investees_reason: Annotated[str | None, TEXT] = setting(
        None, "控制权法下不把被投资单位计入范围三类别 15 的原因（“中文 / English”）",
        "why, under a control approach, the investees are not counted in Scope 3 category 15 (\"中文 / English\")")
    default_fuel_basis: Text = setting(
        "cn-fuel-gbt32150", "设施未指定核算依据时所用的燃料参数数据集",
        "the fuel parameter dataset of facilities that name no accounting basis")
    currency_rates: Annotated[dict[Annotated[str, CURRENCY], Annotated[float, POSITIVE]], MAPPING] = setting(
        {}, "外币汇率：1 单位外币折合的列报货币（如 1 USD = 7.1 CNY 写 7.1）；支出按其排放因子的货币换算",
        "exchange rates: the presentation currency per unit of a currency (1 USD = 7.1 CNY is 7.1); spend is "
        "converted to the currency of its factor", example="USD")
    price_index: Annotated[dict[Annotated[int, YEAR], Annotated[float, POSITIVE]], MAPPING] = setting(
        {}, "价格指数：每个年份的指数值，用于把支出（先换算为排放因子的货币）折算到排放因子的价格年份",
        "price index: an index value per year, to deflate spend (first converted to its factor's currency) to "
        "the price year of its factor", example="2020")
    scope3_exclusions: Annotated[dict[Annotated[int, CATEGORY], Text], MAPPING] = setting(
        {}, "未纳入范围三的类别及其原因（“中文 / English”）",
        "Scope 3 categories left out, each with the reason (\"中文 / English\")", example="8")
    scope3_first_year_relief: Annotated[bool, BOOL] = setting(
        False, "是否适用 IFRS S2 C4(b) 的过渡豁免：首个年度报告期不披露范围三（C5：比较期亦可）；报告说明此豁免，"
               "且不再要求说明未纳入的范围三类别",
        "whether the transition relief of IFRS S2 C4(b) applies: no Scope 3 in the first annual reporting period "
        "(C5: nor for its comparative); the report states it, and categories left out need no reason")
    scope3_value_chain_period: Annotated[str | None, TEXT] = setting(
        None, "范围三使用了与报告期不同期间的价值链数据时的说明（IFRS S2 B19-B20，“中文 / English”）；报告予以说明，"
              "对方报告年度不同的行不再警告",
        "how value-chain data from a period other than the reporting period are used in Scope 3 (IFRS S2 B19-B20, "
        "\"中文 / English\"); the report states it, and rows whose counterparty figure is for another year are not warned")
    tool_stamp: Annotated[bool, BOOL] = setting(
        False, "是否在 Word 报告封面注明排放数据由本工具计算生成",
        "whether the Word report's cover says the figures were computed by this tool")
    base_year_threshold: Annotated[float, SHARE] = setting(
        0.05, "需要重新计算基准年的阈值：结构变化占上一年度范围一和范围二（基于位置）的比例",
        "the share of the prior year's Scope 1 and 2 (location-based) above which structural changes "
        "require a base-year recalculation")


    def investees_in_category15(self, consolidation: str) -> bool:
        """Whether investees outside the boundary count in category 15: the setting, else yes under
        the control approaches (under equity share they are in Scope 1 and 2 at their share)."""
        if consolidation == "equity_share":
            return False
        return True if self.category15_investees is None else self.category15_investees


class CarbonMarket(Section):
    """The carbon-market ledger's rules (issue 16): the CCER offset cap and the cost formula."""

    ccer_cap: Annotated[float, SHARE] = setting(
        0.05, "CCER 抵销比例上限：占应清缴碳排放配额的比例（《碳排放权交易管理办法（试行）》生态环境部令第19号：不得超过 5%）",
        "the CCER offset cap, as a share of the allowances to be surrendered (Measures for the Administration of "
        "Carbon Emission Trading (Trial), MEE Order No. 19: at most 5 %)")
    cost_formula: Annotated[str, vocab_choice("cost_formula")] = setting(
        "fifo", "碳排放权资产的成本计价方法（财会〔2019〕22号 按成本计量，未规定计价方法）",
        "the cost formula of the carbon-emission assets (财会〔2019〕22号 measures them at cost and fixes no formula)")
    covered: Annotated[bool | None, BOOL] = setting(
        None, "是否纳入碳排放权交易市场（缺省：有碳排放权交易台账即为是）；选“否”时报告的碳排放权交易一节为“不适用”",
        "whether the entity is covered by an emissions trading scheme (default: yes when there is a carbon-market "
        "ledger); no makes the report's carbon-market section not applicable")
    not_covered_reason: Annotated[str | None, TEXT] = setting(
        None, "未纳入碳排放权交易市场的原因（“中文 / English”）",
        "why the entity is not covered by an emissions trading scheme (\"中文 / English\")")
class Energy(Section):
    """Energy use in tonnes of standard coal (GB/T 2589-2020; compute/energy.py)."""
    electricity_method: Annotated[str, choice("equivalent", "coal_equivalent")] = setting(
        "equivalent", "电力折标准煤的方法：equivalent 当量值（0.1229 kgce/kWh，GB/T 2589-2020）或 coal_equivalent "
        "等价值（当年火电发电标准煤耗，须在 coal_equivalent 中给出数值与来源）",
        "how electricity converts to standard coal: equivalent, its equivalent calorific value (0.1229 kgce/kWh, "
        "GB/T 2589-2020), or coal_equivalent, the year's thermal generation coal rate (its value and source in "
        "coal_equivalent)")
    coal_equivalent: Annotated[float | None, POSITIVE] = setting(
        None, "等价值法所用的火电发电标准煤耗（kgce/kWh，如 0.300）", "the thermal generation coal rate of the "
        "coal-equivalent method (kgce/kWh, e.g. 0.300)")
    coal_equivalent_source: Annotated[str | None, TEXT] = setting(
        None, "该煤耗数值的来源（发布机构、文件与年份）", "the source of that coal rate (publisher, document, year)")
    coefficients: Annotated[str, DATASET] = setting(
        "cn-energy-gbt2589-2020", "折标准煤系数数据集", "the dataset of coefficients to standard coal")


class Xbrl(Section):
    ifrs_package: Annotated[str | None, ZIP] = setting(
        None, "IFRS 可持续披露分类标准包（ifrs_sds_2024-04-26.zip）的路径，用于校验 XBRL",
        "path of the IFRS Sustainability Disclosure Taxonomy package (ifrs_sds_2024-04-26.zip), to "
        "validate the XBRL")


class Settings(Section):
    """Everything report.yaml may say (see the README's table of settings)."""

    entity: Entity = setting(Entity(), "报告主体", "the reporting entity")
    period: Period = setting(Period(), "报告期", "the reporting period")
    currency: Annotated[str, CURRENCY] = setting("CNY", "列报货币", "presentation currency")
    consolidation: Annotated[str, vocab_choice("consolidation")] = setting(
        "operational_control", "合并方法（组织边界）：运营控制、财务控制或股权比例",
        "consolidation approach: operational control, financial control or equity share")
    gwp: Annotated[str, vocab_choice("gwp")] = setting(
        "AR6", "全球增温潜势（GWP100）所依据的 IPCC 评估报告", "IPCC assessment report of the GWP100 values")
    grid_factor_level: Annotated[str, vocab_choice("grid_level")] = setting(
        "province", "电网排放因子的层级：省级、区域或全国", "level of the grid emission factor: province, region or national")
    language: Annotated[str, choice(*LANGUAGES)] = setting(
        "zh-CN", "报告与消息的语言（命令的 --lang 优先）", "language of the report and the messages (--lang overrides)")
    revenue: Revenue = setting(Revenue(), "营业收入", "revenue")
    output: Output = setting(Output(), "产量", "output")
    factors: Factors = setting(Factors(), "排放因子数据集", "factor datasets")
    options: Options = setting(Options(), "计算选项", "calculation options")
    carbon_market: CarbonMarket = setting(CarbonMarket(), "碳排放权交易", "carbon-emission trading")
    energy: Energy = setting(Energy(), "能源消耗", "energy use")
    profile: Annotated[str, choice("csds", "sse", "szse", "bse")] = setting(
        "csds", "交易所可持续发展报告指引的披露口径：csds（仅 CSDS 第1号）、sse（上交所）、szse（深交所）、bse（北交所）；"
        "check 列出该指引要求而清单缺少的项目（core/profiles.yaml）",
        "the exchange's sustainability reporting guideline to disclose for: csds (CSDS No. 1 only), sse, szse or bse; "
        "check lists what it asks for and the inventory lacks (core/profiles.yaml)")
    xbrl: Xbrl = setting(Xbrl(), "XBRL", "XBRL")


def resolve_path(value: str | None, folder: Path) -> Path | None:
    """A path setting as a path: ``~`` expanded, a relative path taken from the inventory folder
    (the folder of report.yaml, or of the workbook whose report sheet holds the settings)."""
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else folder / p


# --- entity identifiers ---------------------------------------------------------------------------------

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
    if len(v) == 20 and v.isascii() and v.isalnum():   # ASCII: "Ⅻ" and "统" are alphanumeric too
        # ISO 17442 LEI: ISO 7064 MOD 97-10 over the digits with letters A=10 … Z=35
        digits = "".join(str(int(c, 36)) for c in v)
        if int(digits) % 97 != 1:
            return None, "LEI 校验位错误 / LEI check digits are wrong (ISO 17442)"
        return "lei", None
    if len(v) == 20:
        return None, "LEI 只含数字和拉丁字母 / an LEI holds digits and Latin letters only (ISO 17442)"
    return None, "应为18位统一社会信用代码或20位LEI / expected an 18-character USCC or a 20-character LEI"


# --- the catalogue: every setting, for the template, the README and messages -------------------------------

@dataclass(frozen=True)
class SettingInfo:
    path: str                 # dotted, as report.yaml nests it: ``options.currency_rates``
    kind: str                 # the kind's name (``bool``, ``choice``, ``mapping`` …)
    allowed_zh: str
    allowed_en: str
    default: Any
    zh: str
    en: str
    required: bool = False
    choices: tuple[str, ...] = ()
    example: str | None = None      # a mapping's example key: the template's row ``path.example``
    key_zh: str = ""                # a mapping: what its keys and values are (the template's note)
    key_en: str = ""
    value_zh: str = ""
    value_en: str = ""

    @property
    def sheet_field(self) -> str:
        """The field as a report sheet writes it (a mapping: one row per key)."""
        return f"{self.path}.{self.example}" if self.example else self.path

    def default_text(self, lang: str = "en") -> str:
        """The default as a person writes it ("" when there is none)."""
        v = self.default
        if isinstance(v, bool):
            return ("yes" if v else "no") if lang == "en" else ("是" if v else "否")
        if isinstance(v, float) and self.kind == "share":
            return f"{v:.0%}"
        if v is None or v == {} or v == ():
            return ""
        return str(v)


def _kind_of(meta: list[Any]) -> Kind | None:
    return next((m for m in meta if isinstance(m, Kind)), None)


def _describe(annotation: Any, meta: list[Any]) -> tuple[Kind, str, str, tuple[Kind, Kind] | None]:
    """A field's kind and what it allows (a mapping: key kind: value kind, and the two kinds)."""
    kind = _kind_of(meta) or TEXT
    if kind is MAPPING:
        key, value = (_kind_of(list(getattr(a, "__metadata__", ()))) or TEXT for a in typing.get_args(annotation))
        return kind, f"{key.zh}: {value.zh}", f"{key.en}: {value.en}", (key, value)
    return kind, kind.zh, kind.en, None


def _leaves(model: type[Section], prefix: str = "") -> list[SettingInfo]:
    out: list[SettingInfo] = []
    for name, f in model.model_fields.items():
        extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
        path = prefix + name
        if isinstance(f.annotation, type) and issubclass(f.annotation, Section):
            out += _leaves(f.annotation, path + ".")
            continue
        kind, zh, en, kv = _describe(f.annotation, f.metadata)
        words = (kv[0].zh, kv[0].en, kv[1].zh, kv[1].en) if kv else ("", "", "", "")
        out.append(SettingInfo(path, kind.name, zh, en, f.get_default(call_default_factory=True),
                               str(extra.get("zh", "")), str(extra.get("en", "")), bool(extra.get("required")),
                               kind.choices, extra.get("example"), *words))  # type: ignore[arg-type]
    return out


_CATALOGUE: list[SettingInfo] | None = None


def catalogue() -> list[SettingInfo]:
    """Every setting, in the order the model declares them."""
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = _leaves(Settings)
    return _CATALOGUE


def info(path: str) -> SettingInfo | None:
    """The setting at a dotted path, or the mapping setting holding it (``options.currency_rates.USD``)."""
    for s in catalogue():
        if path == s.path or (s.kind == "mapping" and path.startswith(s.path + ".")):
            return s
    return None


def hint(path: str, value: str = "…") -> str:
    """How report.yaml writes a setting, for a message that names it: ``hint("xbrl.ifrs_package",
    "PATH")`` is ``xbrl: {ifrs_package: PATH}``, an entry of a mapping ``hint("factors.versions.x",
    '"1"')`` is ``factors: {versions: {x: "1"}}``. A path that is no setting raises KeyError: a
    message cannot name a setting the model does not declare."""
    if info(path) is None:
        raise KeyError(f"no setting {path!r}")
    head, *rest = path.split(".")
    for part in reversed(rest):
        value = f"{{{part}: {value}}}"
    return f"{head}: {value}"


@dataclass(frozen=True)
class Place:
    """Where a run's settings are written: a YAML file (``sheet`` None), or a workbook's settings
    sheet, with the row of each field written there. The loader knows which; messages that tell
    the user to change a setting say it for that place (:meth:`hint`)."""

    file: str = "report.yaml"
    sheet: str | None = None
    rows: tuple[tuple[str, int], ...] = ()      # a sheet's field → its row

    def row(self, path: str) -> int | None:
        return dict(self.rows).get(path)

    def location(self, path: str) -> Location:
        """Where a message about the setting at ``path`` points: its row in the sheet (else the
        sheet), or the YAML file."""
        if self.sheet is None:
            return Location(self.file, None, None, path)
        return Location(self.file, self.sheet, self.row(path), path)

    def hint(self, path: str, value: str = "…") -> str:
        """How to write the setting at ``path`` here, as a "中文 / English" text (a message
        parameter printed in its language): a YAML key in report.yaml, or a cell of the sheet (a
        row to add when the field has none)."""
        yaml_text = hint(path, value)
        if self.sheet is None:
            return f"在 {self.file} 中写 {yaml_text} / write {yaml_text} in {self.file}"
        row = self.row(path)
        if row is not None:
            return (f"在工作表“{self.sheet}”的 B{row} 单元格（{path}）填写 {value} / "
                    f"fill in {value} in cell B{row} ({path}) of the sheet '{self.sheet}'")
        return (f"在工作表“{self.sheet}”中加一行：A 列写 {path}，B 列写 {value} / "
                f"add a row to the sheet '{self.sheet}': {path} in column A, {value} in column B")


def any_place_hint(path: str, value: str = "…") -> str:
    """The hint of a message whose writer does not know where the settings are (an exporter): both
    places, as a "中文 / English" text."""
    yaml_text = hint(path, value)
    return (f"在 report.yaml 中写 {yaml_text}，或在工作簿的 report 工作表中加一行 {path} / "
            f"write {yaml_text} in report.yaml, or add a row {path} to the workbook's report sheet")


def _known_keys(section_path: str) -> list[str]:
    """The keys a section declares (``""``: the top level)."""
    model: type[Section] = Settings
    for part in [p for p in section_path.split(".") if p]:
        f = model.model_fields.get(part)
        if f is None or not (isinstance(f.annotation, type) and issubclass(f.annotation, Section)):
            return []
        model = f.annotation
    return list(model.model_fields)


# --- reading -------------------------------------------------------------------------------------------

def _prune(v: Any) -> Any:
    """None (an empty YAML value or a blank sheet cell) means "not given": left out."""
    if isinstance(v, Mapping):
        return {k: _prune(x) for k, x in v.items() if x is not None}
    return v


def _given(data: Any, path: str) -> tuple[bool, bool]:
    """(present, its parent is a mapping or absent) for a dotted path."""
    cur = data
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return False, False
        if part not in cur:
            return False, True
        cur = cur[part]
    return True, True


def _drop(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the value at ``loc`` (so that the next pass takes the default); False if not there."""
    cur: Any = data
    for part in loc[:-1]:
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    if isinstance(cur, dict) and loc and loc[-1] in cur:
        del cur[loc[-1]]
        return True
    return False


def _shown(v: Any) -> str:
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_shown(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_shown(x) for x in v) + "]"
    return visible(str(v))   # a control character shown as \x01, not sent to the terminal


def _reason(err: Mapping[str, Any]) -> str:
    """The bilingual reason of one validation error (every error of a field comes from a Kind; the
    model's own errors are of structure)."""
    if err["type"] == "setting":
        ctx = err.get("ctx") or {}
        return f"{ctx.get('zh')} / {ctx.get('en')}"
    if err["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "应为一组设置（键: 值） / should be a group of settings (key: value)"
    return f"{err['type']} / {err.get('msg', '')}"  # a defect of the model, shown rather than hidden


def read_settings(data: Mapping[str, Any], where: Callable[[str], Location]) -> tuple[Settings, list[Issue]]:
    """Read report settings given as nested plain data (YAML's, or a sheet's text cells), returning
    the settings and every problem as an issue located by ``where(dotted path)``. A bad value is
    reported and its default taken; a required setting missing is reported; an unknown key is a
    notice (with the known keys of its section, the nearest first)."""
    raw = _prune(dict(data))
    issues: list[Issue] = []
    for s in catalogue():
        present, parent_ok = _given(raw, s.path)
        if s.required and not present and parent_ok:
            issues.append(issue("report-missing-field", where(s.path), field=s.path))
    work = copy.deepcopy(raw)
    settings: Settings | None = None
    for _ in range(100):   # each pass drops at least one bad value; a model has fewer than 100 settings
        try:
            settings = Settings.model_validate(work)
            break
        except ValidationError as e:
            dropped = False
            for err in e.errors():
                loc = tuple(err["loc"])
                if loc and loc[-1] == "[key]":          # a mapping's key
                    loc = loc[:-1]
                path = ".".join(str(p) for p in loc)
                if err["type"] == "extra_forbidden":
                    issues.append(issue("report-unknown-key", where(path), field=path,
                                        known=_nearest(path)))
                else:
                    issues.append(issue("report-bad-value", where(path), field=path,
                                        value=_shown(err.get("input")), reason=_reason(err)))
                dropped |= _drop(work, loc)
            if not dropped:
                break
    if settings is None:   # nothing more could be dropped: a defect, reported as the whole settings
        settings = Settings()
    return settings, sorted(issues + _cross_checks(settings, where), key=_in_order)


def _in_order(i: Issue) -> tuple[int, int]:
    """Unknown keys first, then the settings in the order the model declares them."""
    path = str(dict(i.params).get("field") or "entity.identifier")   # bad-identifier names no field
    rank = next((n for n, s in enumerate(catalogue()) if s.path == path or s.path.startswith(path + ".")
                 or path.startswith(s.path + ".")), len(catalogue()))
    return (0 if i.code == "report-unknown-key" else 1, rank)


def _nearest(path: str) -> str:
    """The known keys beside an unknown one: the nearest alone when one is close, else all."""
    section, _, key = path.rpartition(".")
    known = _known_keys(section)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    keys = close or known
    return " | ".join(f"{section}.{k}" if section else k for k in keys)


def _cross_checks(s: Settings, where: Callable[[str], Location]) -> list[Issue]:
    """Checks across settings: reported, the value kept (as written)."""
    out: list[Issue] = []
    if s.entity.identifier:
        scheme, why = check_identifier(s.entity.identifier)
        if scheme is None:
            out.append(issue("bad-identifier", where("entity.identifier"), value=s.entity.identifier,
                             reason=why))
    if s.period.start and s.period.end and s.period.end < s.period.start:
        out.append(issue("report-bad-value", where("period.end"), field="period.end", value=str(s.period.end),
                         reason="早于开始日期 / before the start"))
    if s.revenue.unit is not None and s.revenue.unit != s.currency:
        out.append(issue("report-bad-value", where("revenue.unit"), field="revenue.unit", value=s.revenue.unit,
                         reason=f"应与列报货币 {s.currency} 相同 / should be the presentation currency {s.currency}"))
    return out


def settings_table(lang: str = "en") -> str:
    """The README's table of settings (Markdown), generated from the model."""
    en = lang == "en"
    head = ("| setting | kind, allowed values | default | description |" if en else
            "| 设置 | 类型、可选值 | 默认值 | 说明 |")
    rows = [head, "| --- | --- | --- | --- |"]
    for s in catalogue():
        allowed = s.allowed_en if en else s.allowed_zh
        desc = (s.en if en else s.zh) + ((" (required)" if en else "（必填）") if s.required else "")
        default = s.default_text("en" if en else "zh-CN")
        cells = (f"`{s.path}`", allowed, f"`{default}`" if default else "—", desc)
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


__all__ = [
    "COMBUSTION_SECTORS", "CONSOLIDATION", "GRID_LEVELS", "GWP_SETS", "LANGUAGES", "Entity", "Factors", "Kind",
    "Options", "Output", "Period", "Place", "Revenue", "SettingInfo", "Settings", "Xbrl", "any_place_hint",
    "catalogue", "check_identifier", "hint", "info", "read_settings", "resolve_path", "settings_table",
    "uscc_check_char",
]
