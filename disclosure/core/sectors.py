"""A facility's industry (its ``sector``) as the IPCC 2006 source category of its stationary
combustion (data: sectors.csv).

The 2006 IPCC Guidelines give stationary CH4 and N2O defaults per source category (Vol. 2, Ch. 2):
Table 2.2 for the energy industries (1.A.1: electricity and heat production, petroleum refining,
manufacture of solid fuels and other energy industries, which include the own use of coal mining and
of oil and gas extraction) and Table 2.3 for manufacturing industries and construction (1.A.2, which
includes mining other than of fuels, and quarrying). ``sectors.csv`` maps the sections and the few
divisions of the Chinese industrial classification (GB/T 4754-2017, 国民经济行业分类) that decide
between the two; every other section is ``other`` (commercial, institutional, transport …, whose
Tables 2.4 and 2.5 no shipped dataset holds).

A sector is read from a GB/T 4754 code at its start (``C3011 水泥制造`` → C → manufacturing; the
longest code in the table wins: ``D4412`` → D44 → energy industries), from a section's or
division's name as written in the table (制造业), or from the IPCC category itself as the vocabulary
spells it (``energy_industries``, 能源工业, 1.A.1 …). Anything else is not classified (None): the
setting ``options.combustion_sector_default`` then decides, and the line says which table was used.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import pandas as pd

from . import vocabulary as vocab

_CODE = re.compile(r"^([A-T])(\d{2,4})?(?![0-9A-Za-z])")


@cache
def table() -> pd.DataFrame:
    with resources.files(__package__).joinpath("sectors.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@cache
def _by_code() -> dict[str, str]:
    return dict(zip(table()["code"], table()["ipcc"], strict=True))


@cache
def _by_name() -> dict[str, str]:
    return dict(zip(table()["name"], table()["ipcc"], strict=True))


@cache
def ipcc_category(sector: str | None) -> str | None:
    """``energy_industries``, ``manufacturing``, ``other``, or None when the text does not say."""
    if not isinstance(sector, str):
        return None
    text = unicodedata.normalize("NFKC", sector).strip()
    if not text:
        return None
    key = vocab.parse("combustion_sector", text)
    if key is not None:
        return str(key)
    if text in _by_name():
        return _by_name()[text]
    m = _CODE.match(text.upper())
    if m is None:
        return None
    letter, digits = m.group(1), m.group(2) or ""
    for n in range(len(digits), -1, -1):      # the longest code the table has: C2511 → C25 → C
        if n == 1:
            continue                            # GB/T 4754 codes have 2, 3 or 4 digits
        hit = _by_code().get(letter + digits[:n])
        if hit is not None:
            return hit
    return None
