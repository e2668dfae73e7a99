"""The inventory as records: each table typed (:class:`TableData`) and the whole (:class:`Inventory`).

Records are immutable once built: the loader (:mod:`disclosure.loader`) builds them stage by stage,
each stage returning new records (the reject stage, say, a table with its rejected rows marked).
Every row read is accepted or rejected, and a rejected row is rejected because an error issue points
at it, so ``read == accepted + rejected`` per table by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.issues import Location
from ..core.settings import Place, Settings
from .contract import TABLES

ROW = "_row"  # the column holding each row's user-visible row number
_REASON_SEP = "; "


def reason_text(codes: Iterable[str]) -> str:
    """A rejected row's reason as ``TableData.reasons`` and the trace hold it: the codes of the
    errors that rejected it, sorted, once each ("bad-number; unknown-unit")."""
    return _REASON_SEP.join(sorted(set(codes)))


def reason_codes(text: str) -> list[str]:
    """The codes of a reason written by ``reason_text``."""
    return text.split(_REASON_SEP)


@dataclass(frozen=True)
class TableData:
    name: str
    frame: pd.DataFrame              # typed contract columns, extra columns (text), ``_row``
    file: str = ""
    sheet: str | None = None
    extra_columns: tuple[str, ...] = ()
    rejected: np.ndarray | None = None   # bool per frame row (None: not yet checked)
    reasons: np.ndarray | None = None    # per frame row: the codes of the errors that rejected it
                                         # ("bad-number; unknown-unit"), None where accepted

    @property
    def accepted(self) -> pd.DataFrame:
        if self.rejected is None:
            return self.frame
        return self.frame.loc[~self.rejected]

    def location(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.file, self.sheet, row, column)


@dataclass(frozen=True)
class Counts:
    read: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class Inventory:
    root: Path
    settings: Settings
    tables: Mapping[str, TableData]
    disclosures: Mapping[str, Any] = field(default_factory=dict)  # disclosures.yaml, see disclosures.py
    settings_place: Place = field(default_factory=Place)          # where the settings are written

    def setting_location(self, path: str) -> Location:
        """Where a setting is (its dotted path as the column; its row in the report sheet), for an
        issue about it."""
        return self.settings_place.location(path)

    @property
    def folder(self) -> Path:
        """The inventory folder: the folder itself, or the folder holding the workbook. Paths in the
        settings (factor dataset folders, the IFRS package) are relative to it."""
        return self.root if self.root.is_dir() else self.root.parent

    def table(self, name: str) -> pd.DataFrame:
        """The accepted rows of a table (an empty frame with the contract's columns if absent)."""
        t = self.tables.get(name)
        if t is None:
            return pd.DataFrame(columns=[*TABLES[name].names, ROW])
        return t.accepted

    @property
    def counts(self) -> dict[str, Counts]:
        out = {}
        for name, t in self.tables.items():
            n = len(t.frame)
            rej = int(t.rejected.sum()) if t.rejected is not None else 0
            out[name] = Counts(n, n - rej, rej)
        return out
