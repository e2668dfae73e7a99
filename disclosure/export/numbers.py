"""One rounding policy for every output.

The XBRL ``decimals`` attribute and the figures printed in the Word report both come from here, so a
number reads the same in both. Rounding is half-up on the decimal value (as accountants round),
never binary float rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# decimals per kind of figure (XBRL ``decimals``; digits after the point in the report)
DECIMALS = {
    "emissions": 2,     # tCO2e
    "intensity": 4,     # tCO2e per CNY million / per unit of output
    "share": 4,         # a fraction 0-1 (shown as a percentage with 2 decimals)
    "energy": 2,        # MWh
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


def rounded(value: float | None, kind: str = "emissions") -> Decimal | None:
    if value is None:
        return None
    q = Decimal(1).scaleb(-decimals(kind, value))
    return Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP)


def fmt(value: float | None, kind: str = "emissions", empty: str = "—") -> str:
    """Thousands separators, fixed decimals: 3125428.305 → '3,125,428.31'. Shares as percentages."""
    if value is None:
        return empty
    if kind == "share":
        d = rounded(value * 100, "money")
        return f"{d:,.2f}%"
    d = rounded(value, kind)
    return f"{d:,.{decimals(kind, value)}f}"
