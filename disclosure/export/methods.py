"""The sentences that describe the method, written from what the trace lines used.

results.json ``methods`` records, per facility, what its lines took: the grid factor of its
electricity (level, value, dataset, whether it fell back to a wider area than the one asked for),
its market-based factor, and the fuel parameter datasets of its combustion lines. The Word report
and the XBRL narrative print these sentences, so neither can say "provincial factors" where the
lines took regional ones. zh-CN or English; ``None`` or ``[]`` where there is nothing to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..core import geo
from ..core import vocabulary as vocab
from .numbers import fmt


def _zh(lang: str) -> bool:
    return not lang.lower().startswith("en")


# a dataset reference as results.json and the trace write it: ``cn-grid-2023@1``
DATASET_REF = re.compile(r"(?<![\w.-])([a-z0-9][a-z0-9.-]*[a-z0-9])@([0-9A-Za-z.]+)")


def dataset_title(x: dict[str, Any], lang: str) -> str:
    """A dataset (an entry of results.json ``factor_datasets``) named as a reader knows it: its
    title in the reader's language."""
    first, other = ("title_zh", "title_en") if _zh(lang) else ("title_en", "title_zh")
    return str(x.get(first) or x.get(other) or x.get("id"))


def dataset_text(x: dict[str, Any], field: str, lang: str) -> str | None:
    """A dataset's ``publisher``, ``document`` or ``announcement`` in the reader's language
    (``publisher_zh`` …, ``announcement_en``), else as the dataset cites it."""
    v = x.get(f"{field}_{'zh' if _zh(lang) else 'en'}") or x.get(field)
    return None if v is None else str(v)


def dataset_names(text: str, results: dict[str, Any], lang: str,
                  shorten: Callable[[str], str] | None = None) -> str:
    """``text`` with every dataset reference (``cn-grid-2023@1``) replaced by the dataset's title
    (passed through ``shorten`` where given), the way a writer names a source; an unknown reference
    is left as it is."""
    by_id = {str(x.get("id")): x for x in results.get("factor_datasets") or []}

    def title(m: re.Match[str]) -> str:
        x = by_id.get(m.group(1))
        if x is None:
            return m.group(0)
        name = dataset_title(x, lang)
        return shorten(name) if shorten else name

    return DATASET_REF.sub(title, text)


def named(sentences: list[str], results: dict[str, Any], lang: str) -> list[str]:
    """Method sentences with their datasets named by title."""
    return [dataset_names(x, results, lang) for x in sentences]


def raw(v: Any) -> str:
    """A factor as published: its digits, no rounding to the disclosure's digits."""
    return "—" if v is None else f"{float(v):.10g}"


def _facilities(ms: list[dict[str, Any]], lang: str) -> str:
    names = [f"{m['facility_id']} {m['name']}" if m.get("name") else str(m["facility_id"]) for m in ms]
    return ("、" if _zh(lang) else ", ").join(names)


def area(m: dict[str, Any], lang: str = "zh-CN") -> str:
    """Where a facility's grid factor is published for: its province, its grid region, or 全国, named
    in ``lang``."""
    level = m.get("grid_level")
    place = (m.get("province") if level == "province" else m.get("grid_region") if level == "region"
             else "全国") or "—"
    return geo.place_label(place, lang)


def grid(results: dict[str, Any], lang: str) -> list[str]:
    """Location-based Scope 2: the level asked for and the year, then one sentence per grid factor
    the lines took, naming the facilities that took it (and, where it is a wider area than asked,
    that no factor of the level asked for was published for that year)."""
    st = results.get("settings") or {}
    used = [m for m in results.get("methods") or [] if m.get("grid_level")]
    if not used:
        return []
    asked = st.get("grid_factor_level") or "province"
    year = st.get("grid_year")
    zh = _zh(lang)
    asked_l = vocab.label("grid_level", asked, lang)
    out = [f"基于位置的范围二按用电所在地电网平均排放因子计算，设定为{asked_l}因子，采用 {year} 年的因子：" if zh else
           f"Location-based Scope 2 uses the average grid emission factor where the electricity is consumed, "
           f"{asked_l} factors asked for, of {year}:"]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for m in used:
        groups.setdefault((m["grid_level"], area(m, lang), m["grid_factor"], m["grid_dataset"], bool(m["grid_fallback"])),
                          []).append(m)
    for (level, place, value, dataset, fallback), ms in groups.items():
        long = vocab.label("grid_level", level, lang, long=True)
        level_l = vocab.label("grid_level", level, lang)
        if zh:
            text = f"{_facilities(ms, lang)}：{long}（{place}）{raw(value)} tCO2/MWh（{dataset}）"
            if fallback:
                text += f"；{year} 年未发布所在地的{asked_l}因子，改用{level_l}因子"
            out.append(text + "。")
        else:
            text = f"{_facilities(ms, lang)}: the {long} ({place}), {raw(value)} tCO2/MWh ({dataset})"
            if fallback:
                text += f"; no {asked_l} factor was published for {year} for their place, so the {level_l} factor is used"
            out.append(text + ".")
    return out


def market_above_location(results: dict[str, Any], lang: str) -> list[str]:
    """Why market-based Scope 2 is above location-based where it is: per facility, its market-based
    average factor (instruments and the residual factor for the rest) against its grid factor."""
    st = results.get("settings") or {}
    above = [m for m in results.get("methods") or [] if m.get("market_above_location")]
    totals = results.get("totals") or {}
    lb, mb = totals.get("scope2_location") or 0.0, totals.get("scope2_market") or 0.0
    if not above and not (lb and mb > lb):
        return []
    zh = _zh(lang)
    residual = raw(st.get("residual_factor"))
    out = []
    if lb and mb > lb:
        out.append(f"合计基于市场的范围二（{fmt(mb)} tCO2e）高于基于位置的范围二（{fmt(lb)} tCO2e）。" if zh else
                   f"In total, market-based Scope 2 ({fmt(mb)} tCO2e) is above location-based ({fmt(lb)} tCO2e).")
    if above:
        if zh:
            each = "；".join(f"{m['facility_id']} {m.get('name') or ''}：基于市场的平均因子 {_four(m['market_factor'])}，"
                            f"电网因子 {raw(m['grid_factor'])}（{area(m, lang)}）" for m in above)
            out.append(f"以下设施基于市场的范围二高于基于位置的范围二：{each}（tCO2/MWh）。原因是未被能源属性凭证覆盖的电量采用"
                       f"全国电力平均二氧化碳排放因子（不包括市场化交易的非化石能源电量）{residual} tCO2/MWh"
                       "作为剩余组合因子的替代，高于这些设施所在地的电网平均排放因子。")
        else:
            each = "; ".join(f"{m['facility_id']} {m.get('name') or ''}: market-based average "
                             f"{_four(m['market_factor'])} against the grid factor {raw(m['grid_factor'])} "
                             f"({area(m, lang)})" for m in above)
            out.append(f"Market-based Scope 2 is above location-based at these facilities: {each} (tCO2/MWh). "
                       "Their electricity not covered by contractual instruments takes the national average "
                       f"electricity CO2 factor excluding market-traded non-fossil power, {residual} tCO2/MWh, in "
                       "place of a residual mix, which is above the average grid factors where they are.")
    return out


def _four(v: Any) -> str:
    """A computed factor (a facility's market-based average) to four decimals, as the grid factors."""
    return "—" if v is None else f"{float(v):.4f}"


def _fuel_key(dataset: str, lang: str) -> tuple[str, str | None]:
    """What a combustion line's ``factor_dataset`` says supplied its parameters, and the dataset of
    its CH4 and N2O factors if any ("measured+cn-fuel-gbt32150@1 + ipcc2006-…@1")."""
    main, _, non_co2 = dataset.partition(" + ")
    if main == "row":
        return vocab.label("precedence", "row", lang), non_co2 or None
    if main.startswith("inventory:"):
        return vocab.label("precedence", "user_factor", lang), non_co2 or None
    if main.startswith("measured+"):
        what = main[len("measured+"):]
        label = vocab.label("precedence", "measured", lang)
        return (f"{label}（{what}）" if _zh(lang) else f"{label} ({what})"), non_co2 or None
    return main, non_co2 or None


def combustion(results: dict[str, Any], lang: str) -> list[str]:
    """Fuel combustion: which parameter dataset (or measured parameters, or a row factor) the
    combustion lines of each facility took, and the dataset of their CH4 and N2O factors."""
    groups: dict[str, list[dict[str, Any]]] = {}
    non_co2: set[str] = set()
    for m in results.get("methods") or []:
        for d in m.get("combustion_datasets") or []:
            key, extra = _fuel_key(d, lang)
            if m not in groups.setdefault(key, []):
                groups[key].append(m)
            if extra:
                non_co2.add(extra)
    if not groups:
        return []
    zh = _zh(lang)
    parts = [f"{key}：{_facilities(ms, lang)}" if zh else f"{key} for {_facilities(ms, lang)}"
             for key, ms in sorted(groups.items())]
    text = ("燃料燃烧的参数来源：" + "；".join(parts) + "。") if zh else \
        ("Fuel combustion parameters came from " + "; ".join(parts) + ".")
    if non_co2:
        text += (f"甲烷和氧化亚氮采用 {'、'.join(sorted(non_co2))}。" if zh else
                 f" Methane and nitrous oxide use {', '.join(sorted(non_co2))}.")
    return [text]
