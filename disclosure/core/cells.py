"""Text as it goes into a file other programs open: the one rule for each hazard.

- **Formula-like text** (:func:`neutralise`): a spreadsheet takes a cell beginning with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return for a formula (``=HYPERLINK(…)``, ``=1+2``); every CSV and
  spreadsheet this project writes (trace.csv, instruments.csv, the workpapers, the input template)
  writes such text with a leading apostrophe, through this function (:func:`neutralise_array` for
  Arrow text, :func:`neutralise_frame` for a table's text columns).
- **Characters XML cannot hold** (:func:`xml_forbidden`): U+0000-U+0008, U+000B, U+000C,
  U+000E-U+001F, U+FFFE, U+FFFF and lone surrogates (XML 1.0, section 2.2) make the XBRL, the Inline
  XBRL and the Word report unwritable. Text holding one is refused where it is read (an issue at its
  cell or setting); :func:`visible` shows such text in a message without the characters themselves.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# --- formula-like text --------------------------------------------------------------------------

FORMULA_START = "=+-@\t\r"   # a cell beginning with one of these is a formula to a spreadsheet
# the same characters as a regular expression class (for Python's re and Arrow's RE2 alike)
FORMULA_CLASS = "[" + "".join({"-": "\\-", "\t": "\\t", "\r": "\\r"}.get(ch, ch) for ch in FORMULA_START) + "]"


def neutralise(v: Any) -> Any:
    """Text that a spreadsheet would take for a formula, made text by a leading apostrophe (other
    values as they are)."""
    if isinstance(v, str) and v[:1] and v[0] in FORMULA_START:
        return "'" + v
    return v


def neutralise_array(a: Any) -> Any:
    """:func:`neutralise` of every value of an Arrow text array."""
    import pyarrow.compute as pc

    if not pc.any(pc.match_substring_regex(a, "^" + FORMULA_CLASS)).as_py():
        return a
    return pc.replace_substring_regex(a, pattern=f"^({FORMULA_CLASS})", replacement="'\\1")


def neutralise_frame(frame: Any) -> Any:
    """A DataFrame with :func:`neutralise` applied to the text of its object and string columns
    (numbers, dates and flags as they are); the frame itself when no cell needs it."""
    import pandas as pd

    out = frame
    for c in frame.columns:
        s = frame[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        if s.map(lambda v: neutralise(v) is not v).any():
            if out is frame:
                out = frame.copy()
            out[c] = s.astype(object).map(neutralise)
    return out


# --- spreadsheet columns -----------------------------------------------------------------------------

def column_letter(j: int) -> str:
    """The letters of 0-based spreadsheet column ``j`` (0 → A, 25 → Z, 26 → AA)."""
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


# --- characters XML cannot hold ----------------------------------------------------------------------

XML_FORBIDDEN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]"   # for Python's re
# for Arrow's RE2 (pandas' text columns): UTF-8 text holds no lone surrogate
XML_FORBIDDEN_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
_FORBIDDEN = re.compile(XML_FORBIDDEN)


def xml_forbidden(text: str) -> str | None:
    """The first character of ``text`` that XML cannot hold, as ``U+0001``; None when there is none."""
    m = _FORBIDDEN.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def visible(text: str) -> str:
    """``text`` with each character XML cannot hold written as ``\\x01`` (or ``\\ud800``), so that a
    message can show the value without the character itself (a terminal escape, say)."""
    return _FORBIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                          else f"\\u{ord(m.group()):04x}", text)


def _may_hold_forbidden(arr: Any) -> bool:
    """Whether the UTF-8 bytes behind an Arrow text array hold a control character XML cannot hold
    or the start of U+FFFE/U+FFFF (EF BF BE, EF BF BF): one pass over the bytes, so that the
    regular expression runs only on the rare column that may hold one. (The bytes may include text
    outside the array's slice: a false alarm only sends the column to the regular expression.)"""
    import numpy as np
    import pyarrow as pa

    for chunk in getattr(arr, "chunks", [arr]):
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is None:
            continue
        b = np.frombuffer(data, dtype=np.uint8)
        low = b < 0x20
        if low.any() and _control_bytes()[b[low]].any():
            return True
        lead = np.flatnonzero(b[:-2] == 0xEF)
        if len(lead) and ((b[lead + 1] == 0xBF) & (b[lead + 2] >= 0xBE)).any():
            return True
    return False


@functools.cache
def _control_bytes() -> Any:
    """A table of the 256 byte values: True for the control characters XML cannot hold."""
    import numpy as np

    lut = np.zeros(256, dtype=bool)
    lut[[c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]] = True
    return lut


def xml_forbidden_mask(s: Any) -> Any:
    """For a pandas text column, whether each value holds a character XML cannot hold (missing
    values: False); on whole columns (RE2 for Arrow text)."""
    import numpy as np
    import pandas as pd

    if isinstance(s.dtype, pd.ArrowDtype) or (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)   # the column's own Arrow data (__arrow_array__)
        if not _may_hold_forbidden(arr):
            return pd.Series(np.zeros(len(s), dtype=bool), index=s.index)
        hit = pc.match_substring_regex(arr, XML_FORBIDDEN_RE2).to_numpy(zero_copy_only=False)
        return pd.Series(np.asarray(pd.array(hit, dtype="boolean").fillna(False), dtype=bool), index=s.index)
    return s.map(lambda v: isinstance(v, str) and _FORBIDDEN.search(v) is not None).astype(bool)


__all__ = [
    "FORMULA_CLASS",
    "FORMULA_START",
    "XML_FORBIDDEN",
    "XML_FORBIDDEN_RE2",
    "column_letter",
    "neutralise",
    "neutralise_array",
    "neutralise_frame",
    "visible",
    "xml_forbidden",
    "xml_forbidden_mask",
]
