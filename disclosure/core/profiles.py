"""The exchange profiles (settings ``profile``: csds, sse, szse, bse), declared once in
``profiles.yaml``: the items each guideline asks for on climate and energy, with the article of the
guideline where it is confirmed, what the inventory must give for it, and where the report
discloses it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from . import yamlfile

PROFILES = ("csds", "sse", "szse", "bse")


@dataclass(frozen=True)
class Item:
    key: str
    article: str | None
    level: str              # required | encouraged
    needs: tuple[str, ...]
    where: str              # the Word report's heading key that discloses it
    zh: str
    en: str


@cache
def _data() -> dict[str, Any]:
    return yamlfile.load_package(resources.files(__package__).joinpath("profiles.yaml").read_text(encoding="utf-8"))


def items(profile: str) -> list[Item]:
    """The items of ``profile``, in the order profiles.yaml declares them (none for csds)."""
    d = _data()
    chosen = d["profiles"].get(profile) or {}
    return [Item(k, chosen[k], v["level"], tuple(v["needs"]), v["where"], v["zh"], v["en"])
            for k, v in d["items"].items() if k in chosen]


def has(results: dict[str, Any], need: str) -> bool:
    """Whether the results hold what an item needs."""
    totals = results.get("totals") or {}
    en = results.get("energy") if isinstance(results.get("energy"), dict) else {}
    disc = results.get("disclosures") or {}
    if need in ("scope1", "scope2", "scope3"):
        return bool(totals.get({"scope1": "scope1", "scope2": "scope2_location", "scope3": "scope3"}[need]))
    if need == "method":
        return bool((results.get("settings") or {}).get("consolidation"))
    if need == "energy":
        return bool(en.get("total_tce"))
    if need == "energy_intensity":
        return bool(en.get("intensity_per_revenue") or en.get("intensity_per_output"))
    if need == "clean_energy":
        return en.get("clean_share") is not None
    if need == "carbon_credits":
        cm = disc.get("carbon_market")
        return isinstance(cm, dict) and any(v not in (None, "", [], {}) for v in cm.values())
    if need == "reduction":
        return bool(disc.get("targets"))
    raise ValueError(f"unknown need {need!r}")


def missing(results: dict[str, Any], profile: str) -> list[Item]:
    """The items of ``profile`` whose needs the results lack."""
    return [i for i in items(profile) if not all(has(results, n) for n in i.needs)]


_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def article_number(article: str) -> int:
    """第三十五条 → 35 (Chinese numerals up to 99), for the English text."""
    t = article.strip("第条")
    if "十" in t:
        tens, _, ones = t.partition("十")
        return _DIGITS.get(tens, 1) * 10 + _DIGITS.get(ones, 0)
    return _DIGITS[t]
