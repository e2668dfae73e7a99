"""The statements the XBRL adds to the narrative of disclosures.yaml, in zh-CN and English, each
stating only what results.json records: the statement of compliance, the reason for and the
changes of the measurement approach, the methods other than the GHG Protocol, the scenario
analysis with its scenarios, the risk-management processes, and, per target, the performance
against it, its gross counterpart and the planned carbon credits.

Each function returns an XHTML fragment (a ``div`` in the XHTML namespace, as text) or None: the
value of a text-block fact, as ``narrative``'s functions do.
"""

from __future__ import annotations

from typing import Any

from ...core import vocabulary as vocab
from .. import methods
from ..numbers import fmt
from .narrative import fragment as _div
from .narrative import para as _p
from .narrative import serialise as _text
from .narrative import table as _table


def _zh(lang: str) -> bool:
    return not lang.lower().startswith("en")


def _pick(v: Any, lang: str) -> str:
    """A disclosures.yaml text ({zh, en}) in ``lang``, else in the other language."""
    if isinstance(v, dict):
        a, b = ("zh", "en") if _zh(lang) else ("en", "zh")
        return str(v.get(a) or v.get(b) or "").strip()
    return str(v or "").strip()


def _paras(div: Any, text: str) -> None:
    for para in text.split("\n"):
        if para.strip():
            _p(div, para.strip())


def compliance(r: dict[str, Any], lang: str) -> str | None:
    """The statement of compliance with CSDS No. 1, naming how many items are not disclosed."""
    disc = r.get("disclosures") if isinstance(r.get("disclosures"), dict) else {}
    missing = [m for m in disc.get("missing") or [] if not str(m).startswith("history")]
    ent = r.get("entity") or {}
    div = _div()
    if _zh(lang):
        name = ent.get("name_zh") or ent.get("name_en") or "本主体"
        _p(div, f"{name}按照《企业可持续披露准则第1号——气候（试行）》编制本气候相关披露；该准则与国际可持续准则理事会"
                "《国际财务报告可持续披露准则第2号——气候相关披露》（IFRS S2）趋同。")
        _p(div, f"有 {len(missing)} 项要求的信息未披露，已在报告中逐项标明“未披露”。" if missing
           else "准则要求的各项信息均已披露。")
    else:
        name = ent.get("name_en") or ent.get("name_zh") or "The entity"
        _p(div, f"{name} prepared these climate-related disclosures in accordance with CSDS No. 1 - Climate "
                "(China's Corporate Sustainability Disclosure Standard No. 1), which is converged with IFRS S2 "
                "Climate-related Disclosures.")
        _p(div, f"{len(missing)} required items are not disclosed; the report marks each as not disclosed." if missing
           else "Every item the standard requires is disclosed.")
    return _text(div)


def measurement_reason(r: dict[str, Any], lang: str) -> str | None:
    """Why the approach, inputs and assumptions were chosen (IFRS S2 29(a)(iii)(2)): the rules the
    calculation applies, as results.json records them."""
    st = r.get("settings") or {}
    if not st.get("consolidation"):
        return None
    approach = vocab.label("consolidation", st["consolidation"], lang)
    order = " > ".join(vocab.label("precedence", p, lang) for p in st.get("precedence") or [])
    div = _div()
    if _zh(lang):
        _p(div, f"组织边界采用{approach}，与报告设置一致，并按 IFRS S2 第29(a)(iv)段区分合并会计集团与其他被投资单位。")
        if order:
            _p(div, f"排放因子按由具体到一般的顺序选用（{order}），使每一行采用可获得的最具体的数据。")
        _p(div, "中国境内设施的燃料燃烧和电网排放因子采用国家标准和主管部门发布的数据集，与全国碳排放权交易市场的核算规则一致。")
    else:
        _p(div, f"The organisational boundary follows the {approach} set for the report, and Scope 1 and 2 are split "
                "between the consolidated accounting group and other investees as IFRS S2 29(a)(iv) requires.")
        if order:
            _p(div, f"Emission factors are chosen from the most specific to the most general ({order}), so that each "
                    "line uses the most specific data available.")
        _p(div, "For facilities in China, fuel combustion and grid factors come from the national standards and the "
                "datasets the authorities publish, consistent with the accounting rules of the national carbon market.")
    return _text(div)


def measurement_changes(r: dict[str, Any], lang: str) -> tuple[bool, str] | None:
    """Changes to the approach, inputs and assumptions since the prior period (the base-year
    check's method and factor changes), and whether there were any; None without a prior period."""
    by = r.get("base_year") if isinstance(r.get("base_year"), dict) else None
    if by is None:
        return None
    changes = [x for x in by.get("log") or [] if x.get("change") in ("method_changed", "factor_changed")]
    div = _div()
    zh = _zh(lang)
    if not changes:
        _p(div, "与上一报告期相比，计量方法、输入值和假设未发生变更。" if zh else
           "The measurement approach, inputs and assumptions did not change from the prior period.")
    else:
        _p(div, "与上一报告期相比，以下计量方法或排放因子数据集发生了变更：" if zh else
           "The following methods or emission factor datasets changed from the prior period:")
        rows = [[vocab.label("change_kind", x["change"], lang, capital=not zh),
                 vocab.label("setting", x["item"], lang) if x["change"] == "method_changed" else str(x["item"]),
                 str(x.get("prior") if x.get("prior") is not None else "—"),
                 str(x.get("current") if x.get("current") is not None else "—")] for x in changes]
        _table(div, ["变更", "项目", "上期", "本期"] if zh else ["Change", "Item", "Prior period", "This period"], rows)
    return bool(changes), _text(div) or ""


def other_methods(r: dict[str, Any], lang: str) -> str | None:
    """The Chinese methods applied beside the GHG Protocol (B26(b), B28(a)): the national
    datasets the calculation used, by their documents."""
    ds = [d for d in r.get("factor_datasets") or [] if str(d.get("region") or "").upper() == "CN"
          and d.get("kind") in ("fuel", "grid", "heat", "electricity_footprint")]
    if not ds:
        return None
    zh = _zh(lang)
    div = _div()
    _p(div, "除温室气体核算体系外，以下中国标准和主管部门发布的方法与数据用于计量相应排放：" if zh else
       "Besides the GHG Protocol, these Chinese standards and official methods and data measure the emissions concerned:")
    rows = [[methods.dataset_title(d, lang), methods.dataset_text(d, "document", lang) or "",
             methods.dataset_text(d, "publisher", lang) or ""] for d in ds]
    _table(div, ["数据集", "依据文件", "发布机构"] if zh else ["Dataset", "Document", "Publisher"], rows)
    return _text(div)


def scenario_analysis(disc: dict[str, Any], lang: str) -> str | None:
    """How and when the scenario analysis was carried out (IFRS S2 22(b)): the method of
    disclosures.yaml and its scenarios as a table."""
    sa = ((disc.get("strategy") or {}).get("scenario_analysis") or {}) if isinstance(disc.get("strategy"), dict) else {}
    method = _pick(sa.get("method"), lang)
    scenarios = [x for x in sa.get("scenarios") or [] if isinstance(x, dict)]
    if not method and not scenarios:
        return None
    zh = _zh(lang)
    div = _div()
    _paras(div, method)
    if scenarios:
        rows = [[_pick(x.get("name"), lang), vocab.label("scenario_kind", x.get("kind"), lang),
                 str(x.get("temperature") or "—"), _pick(x.get("source"), lang) or "—"] for x in scenarios]
        _table(div, ["情景", "类型", "温升", "来源"] if zh else ["Scenario", "Kind", "Warming", "Source"], rows)
    return _text(div)


def risk_processes(disc: dict[str, Any], lang: str) -> str | None:
    """The processes to identify, assess, prioritise and monitor risks (IFRS S2 25(a)): the
    identification and the monitoring of disclosures.yaml, one after the other."""
    rm = disc.get("risk_management") if isinstance(disc.get("risk_management"), dict) else {}
    div = _div()
    for key in ("identification", "monitoring"):
        _paras(div, _pick(rm.get(key), lang))
    return _text(div)


def target_performance(t: dict[str, Any], done: dict[str, Any], year: str, lang: str) -> str | None:
    """Performance against a target (IFRS S2 35), from the progress the calculation computed."""
    cur, prog = done.get("current_value"), done.get("progress")
    if cur is None:
        return None
    kind = "intensity" if t.get("type") == "intensity" else "emissions"
    unit = str(t.get("unit") or "")
    zh = _zh(lang)
    metric = (vocab.label("target_metric", t.get("metric"), lang, capital=not zh)
              if t.get("metric") in vocab.enumeration("target_metric") else "")
    div = _div()
    if zh:
        text = f"{year} 年{metric}为 {fmt(cur, kind)} {unit}"
        if t.get("base_value") is not None:
            text += f"，基准年（{t.get('base_year')} 年）为 {fmt(t['base_value'], kind)} {unit}"
        if done.get("achieved_reduction") is not None:
            text += f"，较基准年下降 {fmt(done['achieved_reduction'], 'share')}"
        text += "。"
        if prog is not None:
            text += f"已完成目标计划降幅的 {fmt(prog, 'share')}。"
    else:
        text = f"{metric or 'The metric'} was {fmt(cur, kind)} {unit} in {year}"
        if t.get("base_value") is not None:
            text += f" against {fmt(t['base_value'], kind)} {unit} in the base year {t.get('base_year')}"
        if done.get("achieved_reduction") is not None:
            text += f", a reduction of {fmt(done['achieved_reduction'], 'share')}"
        text += "."
        if prog is not None:
            text += f" {fmt(prog, 'share')} of the planned reduction has been achieved."
    _p(div, text)
    return _text(div)


def gross_target(t: dict[str, Any], done: dict[str, Any], lang: str) -> str | None:
    """The gross target associated with a net target (IFRS S2 36(c))."""
    g = done.get("gross_target_value")
    if g is None:
        return None
    unit = str(t.get("unit") or "")
    div = _div()
    if _zh(lang):
        _p(div, f"与净排放目标 {t['id']} 对应的总排放目标：{t.get('target_year')} 年排放不超过 {fmt(g)} {unit}"
                f"（净目标值 {fmt(t.get('target_value'))} 加计划使用的碳信用 {fmt(t.get('carbon_credits'))}）。")
    else:
        _p(div, f"The gross emissions target associated with the net target {t['id']}: emissions of at most "
                f"{fmt(g)} {unit} in {t.get('target_year')} (the net target value {fmt(t.get('target_value'))} plus the "
                f"carbon credits planned, {fmt(t.get('carbon_credits'))}).")
    return _text(div)


def planned_credits(t: dict[str, Any], lang: str) -> str | None:
    """The planned use of carbon credits for a net target (IFRS S2 36(e))."""
    c = t.get("carbon_credits")
    if not isinstance(c, int | float) or not c:
        return None
    div = _div()
    if _zh(lang):
        _p(div, f"为实现净排放目标 {t['id']}，计划每年使用不超过 {fmt(c)} tCO2e 的碳信用抵销剩余排放。")
    else:
        _p(div, f"To meet the net emissions target {t['id']}, carbon credits of at most {fmt(c)} tCO2e a year are "
                "planned to balance the residual emissions.")
    return _text(div)
