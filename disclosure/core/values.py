"""How a user writes one value: a number, a date, yes/no, a share, a Scope 3 category.

The rules live here once. The loader applies them to whole columns (``ingest.parse``, once per
distinct value where values repeat), the settings model (``core.settings``) to the values of
report.yaml and of a workbook's ``report`` sheet, where every cell is text. Each function takes a
value as written and returns it read, or None when it cannot be read.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from . import vocabulary as vocab

# --- numbers ---------------------------------------------------------------------------------------

_NUM_JUNK = re.compile(r"[,\s，_']")


def clean_number_text(t: str) -> str:
    """A number as typed, without thousands separators and with full-width digits made ASCII."""
    return _NUM_JUNK.sub("", unicodedata.normalize("NFKC", t))


def one_number(value: object) -> float | None:
    """A real and finite number: 1234.5, "1,234.5", "１２３"; a yes/no value is not a number, nor
    are ``inf``, ``1e309`` (beyond a float) or ``nan``."""
    if isinstance(value, bool | np.bool_):
        return None
    try:
        v = float(value) if isinstance(value, int | float | np.integer | np.floating) else \
            float(clean_number_text(str(value)))
    except (ValueError, OverflowError):   # OverflowError: an integer beyond a float (10**400)
        return None
    return v if np.isfinite(v) else None


def one_share(value: object) -> float | None:
    """A share: 0-1, or a percentage ("5%", or a number above 1, read as percent: 60 means 0.6).
    The same rule as the fraction columns of the inventory (``parse.fraction``)."""
    text = None if isinstance(value, int | float | np.integer | np.floating) else str(value).strip()
    pct = text is not None and text.endswith(("%", "％"))
    v = one_number(text.rstrip("%％") if pct and text is not None else value)
    if v is None:
        return None
    return v / 100.0 if pct or v > 1 else v


# --- dates -----------------------------------------------------------------------------------------

_DATE_FORMS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


# The dates a column of dates holds (numpy's datetime64[ns], as pandas keeps dates): 1677-09-22 to
# 2262-04-11. A date a user can type outside them (1600-01-01, 9999-12-31) is read (``one_date``)
# and reported as outside this range, with its place (``date-out-of-range``), never cast.
DATE_MIN = pd.Timestamp.min.ceil("D")
DATE_MAX = pd.Timestamp.max.floor("D")


def in_date_range(ts: object) -> bool:
    """Whether a date read (a Timestamp, a datetime or a date) is within DATE_MIN … DATE_MAX."""
    import datetime as dt

    if isinstance(ts, dt.datetime):
        ts = ts.replace(tzinfo=None).date()
    if isinstance(ts, dt.date):
        return DATE_MIN.date() <= ts <= DATE_MAX.date()
    return False


def one_date(text: object) -> pd.Timestamp | None:
    """A calendar date: ISO, 2025/1/31, 2025.1.31, 2025年1月31日, 20250131, an Excel serial day.
    Any date of the calendar is read (years 1-9999); whether it is in the range a date column
    holds is :func:`in_date_range`'s question."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    for form in _DATE_FORMS:
        m = form.match(t)
        if m:
            try:
                return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    # Excel serial day numbers (1900 system), as some exports leave them
    if re.fullmatch(r"\d{5}(\.0+)?", t):
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(t)))
    return None


# --- yes/no ----------------------------------------------------------------------------------------

# the spellings of yes and no (vocabulary.yaml ``boolean``): yes, y, true, t, 1, 是, 对, √, ✓, 有 …
TRUE = frozenset(k for k, v in vocab.enumeration("boolean").spellings().items() if v is True)
FALSE = frozenset(k for k, v in vocab.enumeration("boolean").spellings().items() if v is False)


def one_bool(text: object) -> bool | None:
    """Yes or no: 是/否, yes/no, true/false (any case: FALSE is false), 1/0, √/×, 有/无."""
    if isinstance(text, bool | np.bool_):
        return bool(text)
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if t.endswith(".0"):
        t = t[:-2]
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    return None


# --- Scope 3 categories ------------------------------------------------------------------------------

def one_category(text: object) -> float | None:
    """A Scope 3 category number as written: 3, "3.0", "C3", "类别3", "第3类" (the range, 1-15, is
    the caller's check). None when it is not a whole number."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = re.sub(r"^(category|cat|c|类别|第)", "", t).rstrip("类").strip()
    try:
        f = float(t)
    except ValueError:
        return None
    return f if np.isfinite(f) and f == int(f) else None
