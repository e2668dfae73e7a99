"""Name matching for activities, fuels and gases: one normal form, applied per distinct value."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

_DROP = re.compile(r"[\s\-_·()（）]+")


def key(text: object) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text)).strip().lower())


def keys(s: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([key(u) for u in uniques] + [""], dtype=object)
    return pd.Series(mapped[np.where(codes < 0, len(uniques), codes)], index=s.index, dtype="str")


def alias_map(frame: pd.DataFrame, id_col: str, *name_cols: str, alias_col: str | None = "aliases") -> dict[str, str]:
    """normalised spelling → id, from an id column, name columns and a '|'-separated alias column."""
    out: dict[str, str] = {}
    for row in frame.itertuples(index=False):
        ident = getattr(row, id_col)
        names = [ident, *(getattr(row, c) for c in name_cols)]
        if alias_col and alias_col in frame.columns:
            names += str(getattr(row, alias_col) or "").split("|")
        for n in names:
            k = key(n)
            if k:
                out.setdefault(k, ident)
    return out
