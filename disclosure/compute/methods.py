"""The Scope 3 method columns as numbers: each row's chain (quantity × multipliers ÷ divisor), its
allocation share and its scenario weight, computed on whole columns.

The GHG Protocol Scope 3 Technical Guidance (2013) writes its methods as products of the inputs a
company holds: mass × distance (Example 4.2), units sold × lifetime uses × energy per use (Example
11.1), employees ÷ car occupancy × distance (Example 6.1), a supplier's or a building's figure × the
company's share by mass, revenue, floor area or tonne-km (Examples 4.3, 4.5, 8.1, 13.1), weighted use
scenarios (Example 11.2). The product is the activity the factor applies to (``method_quantity`` in
``method_unit``, the units combined by ``core.chain``); every factor of it stays on the trace line
(``METHOD_TRACE``). A row without any method column keeps its quantity as it is (``method_quantity``
missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import chain
from .trace import METHOD_NUMBERS, METHOD_TRACE, MULTIPLIER_COLUMNS, MULTIPLIER_UNITS

__all__ = ["METHOD_NUMBERS", "METHOD_TRACE", "product", "shares"]

# input text columns carried to the trace as they are
CARRIED_TEXT = ("allocation_basis", *MULTIPLIER_UNITS, "divisor_unit", "scenario_group", "reported_scopes")


def _f(acts: pd.DataFrame, c: str) -> np.ndarray:
    if c not in acts:
        return np.full(len(acts), np.nan)
    return acts[c].to_numpy(dtype="float64", na_value=np.nan)


def shares(acts: pd.DataFrame) -> np.ndarray:
    """Each row's allocation share: ``allocation_share``, else part / (total × occupancy) (formula
    8.2 of the Technical Guidance), else missing."""
    occ = _f(acts, "allocation_occupancy")
    occ = np.where(np.isnan(occ), 1.0, occ)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = _f(acts, "allocation_part") / (_f(acts, "allocation_total") * occ)
    given = _f(acts, "allocation_share")
    return np.where(np.isnan(given), derived, given)


def product(acts: pd.DataFrame, quantity: np.ndarray, unit_columns: list[object]) -> dict[str, object]:
    """The method numbers of each row: ``allocation_share``, each multiplier, the divisor, the
    scenario weight, and ``method_quantity`` (quantity × multipliers ÷ divisor × share × weight,
    missing on a row with none of them); ``method_unit`` as (codes, spellings): the unit of the
    chain, one spelling per distinct combination of units. ``unit_columns``: each row's unit, its
    multipliers' units (``MULTIPLIER_UNITS``) and its divisor's unit, each a column of text or
    (codes, distinct values) (``chain.spell_columns``)."""
    share = shares(acts)
    weight = _f(acts, "scenario_weight")
    divisor = _f(acts, "divisor")
    mults = [_f(acts, c) for c in MULTIPLIER_COLUMNS]
    used = ~np.isnan(share) | ~np.isnan(weight) | ~np.isnan(divisor)
    q = quantity.astype("float64").copy()
    for m in mults:
        used |= ~np.isnan(m)
        q *= np.where(np.isnan(m), 1.0, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        q /= np.where(np.isnan(divisor), 1.0, divisor)
    q *= np.where(np.isnan(share), 1.0, share)
    q *= np.where(np.isnan(weight), 1.0, weight)
    out: dict[str, object] = {"allocation_share": share, "divisor": divisor, "scenario_weight": weight,
                              "reported_year": _f(acts, "reported_year")}
    for c, m in zip(MULTIPLIER_COLUMNS, mults, strict=True):
        out[c] = m
    out["method_quantity"] = np.where(used, q, np.nan)
    # the chain's unit: one spelling per distinct (unit, multiplier units, divisor unit)
    unit, *multiplier_units, divisor_unit = unit_columns
    codes, spelled = chain.spell_columns(unit, multiplier_units, divisor_unit)
    codes = np.where(used & (codes >= 0), codes, -1).astype(np.int32)
    out["method_unit"] = (codes, spelled)
    out["used"] = used
    return out
