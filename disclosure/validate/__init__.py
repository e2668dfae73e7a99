"""Validation rules: each a function ``Inventory -> list[Issue]``, run in order by ``validate``.

Rules look across rows and tables (references, uniqueness, the entity tree, periods, units against
the source). Cell-level parsing problems are found earlier, by the loader. Rules check references
against every row read, accepted or not, so one bad row does not cascade into many messages.
"""

from __future__ import annotations

from .rules import RULES, empty_table, validate

__all__ = ["RULES", "empty_table", "validate"]
