"""Provincial-level divisions (GB/T 2260) and the regional grid each belongs to (data: provinces.csv),
and the names of the grid regions in English (grid_regions.csv)."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

import pandas as pd


@cache
def provinces() -> pd.DataFrame:
    with resources.files(__package__).joinpath("provinces.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")


@cache
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in provinces().itertuples(index=False):
        names = [r.code, r.code + "0000", r.name, r.full_name, r.name_en, *r.aliases.split("|")]
        for n in names:
            if n:
                out[_key(n)] = r.name
    return out


def province_name(text: str) -> str | None:
    """The short Chinese name (北京, 内蒙古 …) for a name, full name, English name or GB/T 2260 code
    (2 or 6 digits; a 6-digit county or city code resolves to its province)."""
    k = _key(text)
    hit = _aliases().get(k)
    if hit is None and k.isdigit() and len(k) == 6:
        hit = _aliases().get(k[:2])
    return hit


def grid_region(name: str) -> str | None:
    p = provinces()
    row = p.loc[p["name"] == name, "grid_region"]
    return (row.iloc[0] or None) if len(row) else None


@cache
def _english() -> dict[str, str]:
    with resources.files(__package__).joinpath("grid_regions.csv").open(encoding="utf-8") as fh:
        regions = pd.read_csv(fh, dtype=str, keep_default_na=False)
    p = provinces()
    return {**dict(zip(p["name"], p["name_en"], strict=True)),
            **dict(zip(regions["name"], regions["name_en"], strict=True))}


def place_label(name: object, lang: str = "zh-CN") -> str:
    """A place as the datasets name it (a province's short name, a grid region, 全国) in ``lang``:
    in English its English name (广东 → Guangdong, 华北 → North China, 全国 → national); anything
    else, and every place in Chinese, as it is."""
    text = str(name)
    if not lang.lower().startswith("en"):
        return text
    return _english().get(text.strip(), text)
