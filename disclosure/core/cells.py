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


def xml_forbidden_mask(s: Any) -> Any:
    """For a pandas text column, whether each value holds a character XML cannot hold (missing
    values: False); on whole columns (RE2 for Arrow text)."""
    import numpy as np
    import pandas as pd

    if isinstance(s.dtype, pd.ArrowDtype) or (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)   # the column's own Arrow data (__arrow_array__)
        hit = pc.match_substring_regex(arr, XML_FORBIDDEN_RE2).to_numpy(zero_copy_only=False)
        return pd.Series(np.asarray(pd.array(hit, dtype="boolean").fillna(False), dtype=bool), index=s.index)
    return s.map(lambda v: isinstance(v, str) and _FORBIDDEN.search(v) is not None).astype(bool)


__all__ = ["FORMULA_CLASS", "FORMULA_START", "XML_FORBIDDEN", "XML_FORBIDDEN_RE2", "neutralise", "neutralise_array",
           "neutralise_frame", "visible", "xml_forbidden", "xml_forbidden_mask"]
