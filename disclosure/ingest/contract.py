"""The input contract: which tables an inventory holds, their columns, and what each column takes.

The English column names are the contract. Chinese headers are aliases. This module only
*declares*; ``parse`` and ``inventory`` apply it. Later issues extend the contract by adding
columns or tables here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..core import vocabulary as vocab
from ..core.chain import MULTIPLIERS


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
                                                             "allocation_basis", "counterparty_scopes",
                                                             "asset_class", "carbon_movement", "carbon_unit")}
SOURCES = ENUMS["source"].values

C = Column

# The Scope 3 method columns of the activities table, each optional (GHG Protocol Scope 3 Technical
# Guidance, 2013: allocation, mass × distance freight, use-phase and commuting chains, weighted
# scenarios, counterparty-reported emissions). A multiplier's unit is a unit spelling, or 1 for a
# pure number; the units of the chain combine through pint.
METHOD_COLUMNS: tuple[Column, ...] = (
    Column("allocation_share", Kind.FRACTION, ("分配比例",),
           help_en="share of the row's quantity allocated to the company, 0-1 or percent",
           help_zh="分摊给本企业的比例，0-1 或百分数"),
    Column("allocation_part", Kind.AMOUNT, ("分配分子", "本企业份额"),
           help_en="the company's part (share = part / (total × occupancy))",
           help_zh="本企业所占的量（比例 = 分子 ÷（分母 × 入住率））"),
    Column("allocation_total", Kind.AMOUNT, ("分配分母", "总量"), help_en="the total the part is of",
           help_zh="分子所占的总量"),
    Column("allocation_occupancy", Kind.FRACTION, ("入住率",),
           help_en="occupancy of the total (formula 8.2), 0-1 or percent", help_zh="总量的入住率（公式 8.2）"),
    Column("allocation_basis", Kind.ENUM, ("分配依据",), enum="allocation_basis"),
    *(c for k in range(1, MULTIPLIERS + 1) for c in (
        Column(f"multiplier_{k}", Kind.AMOUNT, (f"乘数{k}",),
               help_en="a factor of the activity (distance, uses, days …)", help_zh="活动数据的乘数（距离、使用次数、天数等）"),
        Column(f"multiplier_unit_{k}", Kind.TEXT, (f"乘数{k}单位",), help_en="e.g. km, use/pcs, kWh/use, 1",
               help_zh="例如 km、use/pcs、kWh/use、1"))),
    Column("divisor", Kind.AMOUNT, ("除数",), help_en="the chain is divided by it (e.g. 2 passenger/vehicle)",
           help_zh="活动数据除以它（例如每车 2 人）"),
    Column("divisor_unit", Kind.TEXT, ("除数单位",)),
    Column("scenario_group", Kind.ID, ("情景组",), help_en="rows of one product's weighted scenarios",
           help_zh="同一产品加权情景的各行"),
    Column("scenario_weight", Kind.FRACTION, ("情景权重",),
           help_en="weight of the scenario; the weights of a group sum to 1", help_zh="情景权重，同组合计为 1"),
    Column("reported_scopes", Kind.ENUM, ("对方报告范围",), enum="counterparty_scopes",
           help_en="scopes of the counterparty's inventory a tCO2e quantity covers",
           help_zh="以 tCO2e 填写的对方排放所涵盖的范围"),
    Column("reported_year", Kind.NUMBER, ("对方报告年份",), help_en="reporting year of the counterparty's figure",
           help_zh="对方排放数据的报告年度"),
)

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
        # Scope 3 method columns (compute/methods.py): quantity × multipliers ÷ divisor × allocation
        # share × scenario weight is the activity the factor applies to, each factor on the trace line
        *METHOD_COLUMNS,
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
    # financed emissions (PCAF Part A; compute.financed): one row an exposure, amounts in its ``currency``
    "exposures": Table("exposures", vocab.label("table", "exposures"), required=False, key="exposure_id", columns=(
        C("exposure_id", Kind.ID, ("敞口编号", "业务编号"), nonempty=True),
        C("counterparty", Kind.TEXT, ("交易对手", "融资对象", "被投资方"), nonempty=True),
        C("asset_class", Kind.ENUM, ("资产类别",), nonempty=True, enum="asset_class"),
        C("industry", Kind.TEXT, ("行业", "行业代码"), help_en="GICS 6-digit industry or GB/T 4754 code",
          help_zh="GICS 六位行业代码或《国民经济行业分类》代码"),
        C("outstanding", Kind.AMOUNT, ("未偿金额", "余额", "投资金额"), nonempty=True,
          help_en="outstanding amount at the reporting date (gross carrying amount)", help_zh="报告日未偿金额（账面余额）"),
        C("currency", Kind.TEXT, ("币种", "货币"), nonempty=True,
          help_en="ISO 4217 code of every amount on the row", help_zh="本行各金额的币种（ISO 4217）"),
        C("evic", Kind.AMOUNT, ("含现金企业价值", "EVIC"),
          help_en="enterprise value including cash (listed counterparties)", help_zh="含现金企业价值（上市交易对手）"),
        C("total_equity_debt", Kind.AMOUNT, ("权益与负债合计", "总权益加总负债"),
          help_en="total equity + debt (private companies, projects)", help_zh="权益与负债合计（非上市企业、项目）"),
        C("value_at_origination", Kind.AMOUNT, ("发放时价值", "发放时资产价值"),
          help_en="property or vehicle value at origination", help_zh="贷款发放时的房产或车辆价值"),
        C("scope1", Kind.AMOUNT, ("对手方范围一排放",), help_en="tCO2e", help_zh="tCO2e"),
        C("scope2", Kind.AMOUNT, ("对手方范围二排放",), help_en="tCO2e", help_zh="tCO2e"),
        C("scope3", Kind.AMOUNT, ("对手方范围三排放",), help_en="tCO2e", help_zh="tCO2e"),
        C("intensity_scope1", Kind.AMOUNT, ("范围一排放强度",),
          help_en="tCO2e per unit of intensity_basis (to estimate scope 1)", help_zh="每单位强度基数的 tCO2e（估算范围一）"),
        C("intensity_scope2", Kind.AMOUNT, ("范围二排放强度",),
          help_en="tCO2e per unit of intensity_basis (to estimate scope 2)", help_zh="每单位强度基数的 tCO2e（估算范围二）"),
        C("intensity_basis", Kind.AMOUNT, ("强度基数",),
          help_en="e.g. revenue or floor area", help_zh="例如营业收入或建筑面积"),
        C("intensity_unit", Kind.TEXT, ("强度基数单位",)),
        C("intensity_source", Kind.TEXT, ("强度来源",)),
        C("pcaf_score", Kind.NUMBER, ("数据质量评分", "PCAF评分"), nonempty=True,
          help_en="PCAF data-quality score 1-5 (scopes 1 and 2)", help_zh="PCAF 数据质量评分 1-5（范围一、二）"),
        C("pcaf_score_scope3", Kind.NUMBER, ("范围三数据质量评分",)),
        C("lifetime_emissions", Kind.AMOUNT, ("预计全生命周期排放",),
          help_en="project finance financed this year: projected lifetime scope 1+2, tCO2e (reported apart)",
          help_zh="本年新融资项目：预计全生命周期范围一、二排放，tCO2e（单独报告）"),
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
    "scope3": ("mass", "volume", "energy", "currency", "mass_distance", "vehicle_distance", "passenger_distance",
               "distance", "count", "items", "area", "storage", "co2e"),
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
