"""The one rounding policy, and the figures as published.

Every output rounds here: the XBRL ``decimals`` and the digits the Word report prints
(``export.numbers`` formats them), and the published totals of results.json. Rounding is half-up
on the decimal value (as accountants round), never binary float rounding.

A total of several scopes is published as the sum of its rounded parts (Scope 1 + 2 + 3 = the
three figures printed above it, to the cent), so that every published total adds up in the Word
report, in XBRL (where a calculation linkbase checks it) and in results.json's ``published``;
``totals`` keeps the unrounded sums of the trace lines. The difference is at most half a unit of the
last digit per part (one or two cents).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from . import vocabulary as vocab

# decimals per kind of figure (XBRL ``decimals``; digits after the point in the report)
DECIMALS = {
    "emissions": 2,     # tCO2e
    "intensity": 4,     # tCO2e per CNY million / per unit of output
    "share": 4,         # a fraction 0-1 (shown as a percentage with 2 decimals)
    "energy": 2,        # MWh, GJ
    "money": 2,
    "quantity": 2,      # physical output (t, MWh …) used as the denominator of an intensity
}


# an intensity keeps at least this many significant digits: per item or per m² it may be far below
# one tCO2e (0.000123 tCO2e/件 shows as 0.0001230, not 0.0001), up to MAX_DECIMALS decimals
INTENSITY_DIGITS = 4
MAX_DECIMALS = 12


def decimals(kind: str, value: float | None = None) -> int:
    """Digits after the point for a figure of ``kind`` (the XBRL ``decimals`` of its fact): the
    kind's, or for an intensity below 0.001 as many as show INTENSITY_DIGITS significant digits."""
    d = DECIMALS[kind]
    if kind == "intensity" and value is not None and value == value and 0 < abs(float(value)) < 1e-3:
        exponent = Decimal(repr(float(abs(value)))).adjusted()      # 0.000123 → -4
        d = min(max(d, INTENSITY_DIGITS - 1 - exponent), MAX_DECIMALS)
    return d


_WIDE = Context(prec=400)


def rounded(value: float | None, kind: str = "emissions") -> Decimal | None:
    if value is None:
        return None
    q = Decimal(1).scaleb(-decimals(kind, value))
    # precision for any finite float at any of the decimals used (the default 28 digits refuse 1e29 to
    # two decimals: the fuzz test's large but finite figures)
    return Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP, context=_WIDE)


def parts_of(total: str) -> tuple[str, ...]:
    """The scope figures a total of results.json adds up (``scope1_2_market`` → scope1,
    scope2_market), from the vocabulary's ``scopes`` and ``scope2`` of the total."""
    t = vocab.term("total", total)
    scopes = t.get("scopes") or []
    if len(scopes) < 2:
        return ()
    method = t.get("scope2") or "location"
    names = {1: "scope1", 2: f"scope2_{method}", 3: "scope3"}
    return tuple(names[s] for s in scopes)


def published_totals(totals: dict[str, Any]) -> dict[str, float]:
    """The totals as published: each scope (and biogenic CO2) rounded, each total of several scopes
    the sum of its rounded parts. Keys as in ``totals``; a figure missing there is missing here."""
    out: dict[str, float] = {}
    for key, value in totals.items():
        if value is None:
            continue
        parts = parts_of(key) if key in vocab.TOTALS else ()
        if parts and all(totals.get(p) is not None for p in parts):
            d = sum((rounded(totals[p]) for p in parts), Decimal(0))
        else:
            d = rounded(value)
        out[key] = float(d)
    return out
