"""The input contract: which tables an inventory holds, their columns, and what each column takes.

The English column names are the contract. Chinese headers are aliases. This module only
*declares*; ``parse`` and ``inventory`` apply it. Later issues extend the contract by adding
columns or tables here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..core import vocabulary as vocab


class Kind(StrEnum):
    TEXT = "text"          # free text, kept as is (stripped)
    ID = "id"              # an identifier: stripped text
    NUMBER = "number"      # any real number
    AMOUNT = "amount"      # a number >= 0
    FRACTION = "fraction"  # 0-1 or a percentage (51 or 51%): stored as 0-1
    DATE = "date"
    BOOL = "bool"
    ENUM = "enum"
    CATEGORY = "category"  # Scope 3 category, 1-15
    UNIT = "unit"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    zh: tuple[str, ...]             # Chinese headers accepted; the first is the template's header
    required: bool = False          # the column must be present
    nonempty: bool = False          # every cell must be filled (implies required)
    enum: str | None = None         # name of the enumeration (in the vocabulary and ENUMS)
    help_zh: str = ""
    help_en: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = True
    key: str | None = None          # the id column that must be unique

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Enum:
    """An enumeration a column takes, as the loader and the template need it: its values, every
    other accepted spelling (→ value) and the Chinese label of each value. Derived from the one
    vocabulary (``disclosure/core/vocabulary.yaml``), never written here."""

    name: str
    values: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings (labels, Chinese) → value
    labels_zh: dict[str, str] = field(default_factory=dict)


def _enum(name: str) -> Enum:
    e = vocab.enumeration(name)
    aliases = {s: str(t.key) for t in e for s in t.spellings if s != str(t.key)}
    return Enum(name, tuple(str(k) for k in vocab.values(name)), aliases, {str(t.key): t.zh for t in e})


# the enumerations columns take (Column.enum), by their name in the vocabulary
ENUMS: dict[str, Enum] = {name: _enum(name) for name in ("source", "scope3_method", "data_quality", "instrument_type",
                                                         "carbon_movement", "carbon_unit")}
SOURCES = ENUMS["source"].values

C = Column

TABLES: dict[str, Table] = {
    "entities": Table("entities", vocab.label("table", "entities"), key="entity_id", columns=(
        C("entity_id", Kind.ID, ("主体编号",), nonempty=True),
        C("name", Kind.TEXT, ("主体名称", "名称"), nonempty=True),
        C("parent_id", Kind.ID, ("上级主体编号", "母公司编号")),
        C("ownership", Kind.FRACTION, ("持股比例",), nonempty=True,
          help_en="equity share held by the group, 0-1 or percent", help_zh="集团持股比例，0-1 或百分数"),
        C("financial_control", Kind.BOOL, ("财务控制",), nonempty=True),
        C("operational_control", Kind.BOOL, ("运营控制",), nonempty=True),
        C("consolidated", Kind.BOOL, ("是否并表", "纳入合并报表"), nonempty=True),
    )),
    "facilities": Table("facilities", vocab.label("table", "facilities"), key="facility_id", columns=(
        C("facility_id", Kind.ID, ("设施编号",), nonempty=True),
        C("entity_id", Kind.ID, ("主体编号",), nonempty=True),
        C("name", Kind.TEXT, ("设施名称", "名称"), nonempty=True),
        C("province", Kind.TEXT, ("省份", "所在省份", "省级行政区"), nonempty=True,
          help_en="province name or GB/T 2260 code", help_zh="省份名称或 GB/T 2260 代码"),
        C("sector", Kind.TEXT, ("行业",)),
        C("basis", Kind.ID, ("核算依据",), help_en="accounting basis (a factor dataset id)",
          help_zh="核算依据（因子数据集编号）"),
    )),
    "activities": Table("activities", vocab.label("table", "activities"), key="record_id", columns=(
        C("record_id", Kind.ID, ("记录编号",), nonempty=True),
        C("facility_id", Kind.ID, ("设施编号",), nonempty=True),
        C("period_start", Kind.DATE, ("开始日期", "期间开始"), nonempty=True),
        C("period_end", Kind.DATE, ("结束日期", "期间结束"), nonempty=True),
        C("source", Kind.ENUM, ("排放源类别", "排放源"), nonempty=True, enum="source"),
        C("scope3_category", Kind.CATEGORY, ("范围三类别",)),
        C("activity", Kind.TEXT, ("活动", "燃料或物料"), nonempty=True),
        C("quantity", Kind.AMOUNT, ("活动数据", "数量"), nonempty=True),
        C("unit", Kind.UNIT, ("单位",), nonempty=True),
        C("ncv", Kind.AMOUNT, ("实测低位发热量", "低位发热量")),
        C("ncv_unit", Kind.UNIT, ("低位发热量单位",)),
        C("carbon_content", Kind.AMOUNT, ("实测单位热值含碳量", "单位热值含碳量"),
          help_en="tC/GJ", help_zh="tC/GJ"),
        C("oxidation_rate", Kind.FRACTION, ("实测碳氧化率", "碳氧化率")),
        C("gas", Kind.TEXT, ("气体",)),
        C("ef_value", Kind.AMOUNT, ("排放因子",)),
        C("ef_unit", Kind.TEXT, ("排放因子单位",), help_en="e.g. tCO2e/t, kgCO2/kWh",
          help_zh="例如 tCO2e/t、kgCO2/kWh"),
        C("ef_source", Kind.TEXT, ("排放因子来源",)),
        C("method", Kind.ENUM, ("核算方法",), enum="scope3_method"),
        C("biogenic", Kind.BOOL, ("生物质",)),
        C("data_quality", Kind.ENUM, ("数据质量",), enum="data_quality"),
        C("verified", Kind.BOOL, ("已核查", "经核查")),
        C("evidence", Kind.TEXT, ("证据", "凭证编号")),
    )),
    "instruments": Table("instruments", vocab.label("table", "instruments"), required=False, key="instrument_id", columns=(
        C("instrument_id", Kind.ID, ("凭证编号", "证书编号"), nonempty=True),
        C("type", Kind.ENUM, ("类型",), nonempty=True, enum="instrument_type"),
        C("facility_id", Kind.ID, ("设施编号",), nonempty=True),
        C("quantity", Kind.AMOUNT, ("数量",), nonempty=True),
        C("unit", Kind.UNIT, ("单位",), nonempty=True,
          help_en="MWh, kWh or certificates (1 GEC = 1 MWh)", help_zh="MWh、kWh 或张（1 张绿证 = 1 MWh）"),
        C("period_start", Kind.DATE, ("开始日期",), nonempty=True),
        C("period_end", Kind.DATE, ("结束日期",), nonempty=True),
        C("emission_factor", Kind.AMOUNT, ("排放因子",), help_en="tCO2/MWh", help_zh="tCO2/MWh"),
        C("retired", Kind.BOOL, ("已注销",), nonempty=True),
    )),
    "factors": Table("factors", vocab.label("table", "factors"), required=False, key="factor_id", columns=(
        C("factor_id", Kind.ID, ("因子编号",), nonempty=True),
        C("activity", Kind.TEXT, ("活动",), nonempty=True),
        C("unit", Kind.UNIT, ("活动单位",), nonempty=True),
        C("gas", Kind.TEXT, ("气体",), nonempty=True),
        C("value", Kind.AMOUNT, ("因子值",), nonempty=True),
        C("value_unit", Kind.TEXT, ("因子单位",), nonempty=True),
        C("source", Kind.TEXT, ("来源",), nonempty=True),
        C("year", Kind.NUMBER, ("年份",)),
        C("region", Kind.TEXT, ("地区",)),
    )),
    # the carbon-market ledger (issue 16): one row per movement, as an accountant keeps the 台账 of
    # allowances and CCERs, so that each purchase, sale and surrender keeps its date, cost and serials
    # (the cost formula needs each lot) and a balance is a sum of rows, not a figure typed twice
    "carbon_ledger": Table("carbon_ledger", vocab.label("table", "carbon_ledger"), required=False, key="entry_id",
                           columns=(
        C("entry_id", Kind.ID, ("台账编号", "记录编号"), nonempty=True),
        C("entity_id", Kind.ID, ("主体编号", "重点排放单位"), nonempty=True),
        C("facility_id", Kind.ID, ("设施编号",), help_en="the ETS facility (required for verified emissions)",
          help_zh="纳入碳市场的设施（经核查排放量必填）"),
        C("year", Kind.NUMBER, ("台账年度", "年度"), nonempty=True,
          help_en="the ledger year: opening at its start, closing at its end, movements during it",
          help_zh="台账年度：期初为年初、期末为年末，变动发生在年内"),
        C("compliance_year", Kind.NUMBER, ("履约年度",),
          help_en="the emission year a surrender settles or a verified figure belongs to (default: the ledger year)",
          help_zh="清缴所履约、核查排放量所属的排放年度（缺省为台账年度）"),
        C("movement", Kind.ENUM, ("变动类型", "类型"), nonempty=True, enum="carbon_movement"),
        C("unit_type", Kind.ENUM, ("品种",), enum="carbon_unit",
          help_en="allowance (CEA) or CCER; default allowance", help_zh="碳排放配额或 CCER；缺省为配额"),
        C("date", Kind.DATE, ("日期", "交易日期")),
        C("quantity", Kind.AMOUNT, ("数量", "数量（吨）"), nonempty=True, help_en="t (1 unit = 1 tCO2e)",
          help_zh="吨（1 个配额或 CCER = 1 tCO2e）"),
        C("amount", Kind.AMOUNT, ("金额", "金额（元）"),
          help_en="bought: cost incl. fees; sold: proceeds net of fees; opening/closing: carrying amount",
          help_zh="购入：成本（含交易手续费）；出售：扣除手续费后的价款；期初、期末：账面余额"),
        C("serials", Kind.TEXT, ("注册登记序列号", "序列号"),
          help_en="CCER registry serials, separated by ; (each used once)", help_zh="CCER 注册登记序列号，以 ; 分隔（每个只能使用一次）"),
        C("evidence", Kind.TEXT, ("凭证", "凭证编号")),
    )),
}

# Units of the dimension each source takes (names from core.units.DIMENSIONS).
SOURCE_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "stationary_combustion": ("mass", "volume", "energy"),
    "mobile_combustion": ("mass", "volume", "energy"),
    "process": ("mass",),
    "fugitive": ("mass",),
    "purchased_electricity": ("energy",),
    "purchased_heat": ("energy",),
    "purchased_steam": ("energy",),
    "purchased_cooling": ("energy",),
    "scope3": ("mass", "volume", "energy", "currency", "mass_distance", "passenger_distance",
               "distance", "count", "items", "area", "storage"),
}

# Certificates count as energy: one green electricity certificate (GEC, 绿证) = 1 MWh
# (国家发展改革委 财政部 国家能源局 发改能源〔2023〕1044号).
CERTIFICATE_UNITS = {"张", "certificate", "certificates", "GEC", "gec", "个", "张绿证"}


def header_aliases(table: Table) -> dict[str, str]:
    """Every accepted header spelling (normalised) → contract column name."""
    out: dict[str, str] = {}
    for c in table.columns:
        out[norm_header(c.name)] = c.name
        for z in c.zh:
            out[norm_header(z)] = c.name
    return out


def norm_header(h: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKC", str(h)).strip().lower()
    return t.replace(" ", "_").replace("-", "_")
