"""One rounding policy for every output (``core.rounding``), and how figures are printed.

The XBRL ``decimals`` attribute and the figures printed in the Word report both come from here, so a
number reads the same in both. Rounding is half-up on the decimal value (as accountants round),
never binary float rounding; totals of several scopes are published as the sum of their rounded
parts (results.json ``published``, see ``core.rounding``).
"""

from __future__ import annotations

from ..core.rounding import DECIMALS, decimals, parts_of, published_totals, rounded

__all__ = ["DECIMALS", "decimals", "fmt", "parts_of", "published_totals", "rounded"]


def fmt(value: float | None, kind: str = "emissions", empty: str = "—") -> str:
    """Thousands separators, fixed decimals: 3125428.305 → '3,125,428.31'. Shares as percentages."""
    if value is None:
        return empty
    if kind == "share":
        d = rounded(value * 100, "money")
        return f"{d:,.2f}%"
    d = rounded(value, kind)
    return f"{d:,.{decimals(kind, value)}f}"
