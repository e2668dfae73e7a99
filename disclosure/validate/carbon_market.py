"""The checks of the carbon-market ledger (table ``carbon_ledger``, issue 16).

The ledger has one row per movement (``movement``: opening, allocated, issued, bought, sold,
surrendered, closing) or per facility's verified emissions of a compliance year (``verified``). Its
checks, each a located issue with its own code:

- the entity and the facility of each row are known (``carbon-ledger-unknown-entity``,
  ``carbon-ledger-unknown-facility``); verified emissions name their facility
  (``carbon-ledger-facility-missing``);
- quantities balance per entity, ledger year and kind of unit: opening + allocated + issued +
  bought − sold − surrendered = closing, where a closing row is given (``carbon-ledger-unbalanced``),
  and no sale or surrender takes more units than are held at its date (``carbon-ledger-oversold``);
- the CCERs surrendered for a compliance year stay within the cap, a share of the allowances to be
  surrendered, i.e. of the verified emissions (``carbon_market.ccer_cap``, default 5 %: 碳排放权交易
  管理办法（试行）, MEE Order No. 19) (``ccer-cap-exceeded``);
- the surrender against the obligation (= verified emissions) of each compliance year: a shortfall
  (``ets-surrender-shortfall``), a surplus (``ets-surrender-surplus``) or, for a compliance year
  before the reporting year, nothing surrendered yet (``ets-surrender-pending``);
- each CCER serial is retired or sold once, across rows and years (``ccer-serial-duplicate``).

The same functions give the figures the calculation and the report use (:func:`obligations`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.issues import Issue, issue
from ..ingest.inventory import ROW, Inventory, TableData

TABLE = "carbon_ledger"
ADDS = ("allocated", "issued", "bought")       # movements that add units to the holding
TAKES = ("sold", "surrendered")                # movements that take units out of it
SERIAL_SPLIT = re.compile(r"[;；,，、\s]+")
TOLERANCE = 1e-6                               # t: quantities are whole units, sums of floats


def frame(t: TableData) -> pd.DataFrame:
    """The ledger's rows with the defaults applied: the unit type (allowance) and the compliance
    year (the ledger year)."""
    f = t.frame
    unit = f["unit_type"].where(f["unit_type"].notna(), "allowance")
    cy = f["compliance_year"].where(f["compliance_year"].notna(), f["year"])
    return f.assign(unit_type=unit, compliance_year=cy)


def _issue(t: TableData, code: str, row: int, column: str | None, **params: object) -> Issue:
    return issue(code, t.location(int(row), column), table=TABLE, **params)


def _n(v: float) -> int | float:
    """A quantity as the message prints it (whole tonnes as integers)."""
    v = float(v)
    return round(v) if abs(v - round(v)) < TOLERANCE else round(v, 6)


def references(inv: Inventory, t: TableData) -> list[Issue]:
    f = t.frame
    out: list[Issue] = []
    ent, fac = inv.tables.get("entities"), inv.tables.get("facilities")
    rows = f[ROW].to_numpy()
    if ent is not None:
        bad = f["entity_id"].notna() & ~f["entity_id"].isin(ent.frame["entity_id"])
        out += [_issue(t, "carbon-ledger-unknown-entity", rows[i], "entity_id", value=f["entity_id"].iloc[i])
                for i in np.flatnonzero(bad.to_numpy())]
    if fac is not None:
        bad = f["facility_id"].notna() & ~f["facility_id"].isin(fac.frame["facility_id"])
        out += [_issue(t, "carbon-ledger-unknown-facility", rows[i], "facility_id", value=f["facility_id"].iloc[i])
                for i in np.flatnonzero(bad.to_numpy())]
    missing = (f["movement"] == "verified") & f["facility_id"].isna()
    out += [_issue(t, "carbon-ledger-facility-missing", rows[i], "facility_id")
            for i in np.flatnonzero(missing.to_numpy())]
    return out


def balances(f: pd.DataFrame) -> pd.DataFrame:
    """Per entity, ledger year and unit type: the sums of each movement (t), and the closing balance
    the movements give (``expected``) next to the one written (``closing``, NaN when no closing row)."""
    m = f.loc[f["movement"].notna() & (f["movement"] != "verified") & f["entity_id"].notna() & f["year"].notna()]
    keys = ["entity_id", "year", "unit_type"]
    wide = m.pivot_table(index=keys, columns="movement", values="quantity", aggfunc="sum", fill_value=0.0)
    for c in ("opening", *ADDS, *TAKES, "closing"):
        if c not in wide:
            wide[c] = 0.0
    has_closing = m.loc[m["movement"] == "closing"].groupby(keys).size()
    wide["expected"] = wide["opening"] + wide[list(ADDS)].sum(axis=1) - wide[list(TAKES)].sum(axis=1)
    wide["closing"] = wide["closing"].where(wide.index.isin(has_closing.index), np.nan)
    return wide.reset_index()


def balance_issues(t: TableData, f: pd.DataFrame) -> list[Issue]:
    b = balances(f)
    bad = b.loc[b["closing"].notna() & ((b["closing"] - b["expected"]).abs() > TOLERANCE)]
    out: list[Issue] = []
    for r in bad.itertuples(index=False):
        at = f.loc[(f["movement"] == "closing") & (f["entity_id"] == r.entity_id) & (f["year"] == r.year)
                   & (f["unit_type"] == r.unit_type), ROW].iloc[0]
        out.append(_issue(t, "carbon-ledger-unbalanced", at, "quantity", entity=r.entity_id, year=_n(r.year),
                          unit=r.unit_type, opening=_n(r.opening),
                          added=_n(r.allocated + r.issued + r.bought), sold=_n(r.sold), surrendered=_n(r.surrendered),
                          expected=_n(r.expected), closing=_n(r.closing)))
    return out


ORDER = {"opening": 0, "allocated": 1, "issued": 1, "bought": 1, "sold": 2, "surrendered": 2, "closing": 3}


def in_order(f: pd.DataFrame) -> pd.DataFrame:
    """The movements of the ledger in the order they happened: per entity, ledger year and unit type,
    the opening balance first, then by date (undated rows after the dated ones), on one date the
    additions before the removals, then in the order of the rows; closing rows last."""
    m = f.loc[f["movement"].isin(list(ORDER)) & f["entity_id"].notna() & f["year"].notna()]
    order = m["movement"].map(ORDER)
    when = m["date"].where(~m["movement"].isin(("opening", "closing")))
    return m.assign(_order=order.where(order.isin((0, 3)), 1), _when=when, _kind=order) \
        .sort_values(["entity_id", "year", "unit_type", "_order", "_when", "_kind", ROW], na_position="last",
                     kind="stable")


def oversold(t: TableData, f: pd.DataFrame) -> list[Issue]:
    m = in_order(f)
    m = m.loc[m["movement"] != "closing"]
    sign = np.where(m["movement"].isin(TAKES), -1.0, 1.0)
    held = (m["quantity"].fillna(0.0) * sign).groupby([m["entity_id"], m["year"], m["unit_type"]]).cumsum()
    bad = m["movement"].isin(TAKES) & (held < -TOLERANCE)
    return [_issue(t, "carbon-ledger-oversold", r[ROW], "quantity", entity=r["entity_id"], unit=r["unit_type"],
                   value=_n(r["quantity"]), held=_n(r["quantity"] + h))
            for (_, r), h in zip(m.loc[bad].iterrows(), held[bad], strict=True)]


def obligations(f: pd.DataFrame) -> pd.DataFrame:
    """Per entity and compliance year: the verified emissions (the obligation), the allowances and the
    CCERs surrendered for it, and the difference (surrendered − verified: a surplus above 0, a
    shortfall below). Only compliance years with verified emissions."""
    keys = ["entity_id", "compliance_year"]
    v = f.loc[f["movement"] == "verified"].groupby(keys)["quantity"].sum().rename("verified")
    s = f.loc[f["movement"] == "surrendered"]
    a = s.loc[s["unit_type"] == "allowance"].groupby(keys)["quantity"].sum().rename("allowances")
    c = s.loc[s["unit_type"] == "ccer"].groupby(keys)["quantity"].sum().rename("ccers")
    n = s.groupby(keys).size().rename("surrenders")
    o = pd.concat([v, a, c, n], axis=1).loc[v.index].fillna(0.0)
    o["difference"] = o["allowances"] + o["ccers"] - o["verified"]
    return o.reset_index()


def obligation_issues(t: TableData, f: pd.DataFrame, cap: float, year: int | None) -> list[Issue]:
    """The surrender against each compliance year's obligation. Nothing surrendered is said only for
    a compliance year before the reporting year (``year``): the obligation of the reporting year itself
    is verified and surrendered after it ends."""
    out: list[Issue] = []
    for r in obligations(f).itertuples(index=False):
        mine = (f["entity_id"] == r.entity_id) & (f["compliance_year"] == r.compliance_year)
        params = {"entity": r.entity_id, "year": _n(r.compliance_year), "verified": _n(r.verified)}
        if not r.surrenders:
            if year is not None and r.compliance_year >= year:
                continue
            at = f.loc[mine & (f["movement"] == "verified"), ROW].iloc[-1]
            out.append(_issue(t, "ets-surrender-pending", at, "movement", **params))
            continue
        at = f.loc[mine & (f["movement"] == "surrendered"), ROW].iloc[-1]
        done = {"allowances": _n(r.allowances), "ccers": _n(r.ccers)}
        if r.difference < -TOLERANCE:
            out.append(_issue(t, "ets-surrender-shortfall", at, "quantity", **params, **done,
                              shortfall=_n(-r.difference)))
        elif r.difference > TOLERANCE:
            out.append(_issue(t, "ets-surrender-surplus", at, "quantity", **params, **done, surplus=_n(r.difference)))
        limit = cap * r.verified
        if r.ccers > limit + TOLERANCE:
            at = f.loc[mine & (f["movement"] == "surrendered") & (f["unit_type"] == "ccer"), ROW].iloc[-1]
            out.append(_issue(t, "ccer-cap-exceeded", at, "quantity", **params, ccers=_n(r.ccers),
                              cap=f"{cap:.0%}" if round(cap * 100, 6).is_integer() else f"{cap:.2%}",
                              limit=_n(limit)))
    return out


def serials(f: pd.DataFrame) -> pd.DataFrame:
    """One row per serial written on a row that sells or retires units (``serial``, ``row``, the
    position of the ledger row ``at``), in the order of the rows."""
    s = f.loc[f["movement"].isin(TAKES) & f["serials"].notna(), ["serials", ROW]]
    parts = s["serials"].map(lambda v: [p for p in SERIAL_SPLIT.split(v) if p])
    e = pd.DataFrame({"row": s[ROW].to_numpy(), "serial": parts.to_numpy()}).explode("serial").dropna()
    return e.sort_values("row", kind="stable").reset_index(drop=True)


def serial_issues(t: TableData, f: pd.DataFrame) -> list[Issue]:
    e = serials(f)
    if e.empty:
        return []
    first = e.groupby("serial")["row"].transform("first")
    repeated = e["serial"].duplicated(keep="first").to_numpy()
    return [_issue(t, "ccer-serial-duplicate", r, "serials", value=s, first_row=int(fr))
            for r, s, fr in zip(e["row"][repeated], e["serial"][repeated], first[repeated], strict=True)]


def finite(f: pd.DataFrame) -> bool:
    """Whether the ledger's quantities and amounts add up to finite sums (each is finite, as read;
    two near the largest float are not)."""
    with np.errstate(over="ignore"):
        return bool(np.isfinite(f[["quantity", "amount"]].abs().sum().to_numpy()).all())


def check(inv: Inventory) -> list[Issue]:
    """Every check of the ledger (none without one)."""
    t = inv.tables.get(TABLE)
    if t is None or t.frame.empty:
        return []
    f = frame(t)
    if not finite(f):   # the sums overflow: nothing can be checked, and the calculation leaves the ledger out
        return [issue("carbon-ledger-overflow", t.location(), table=TABLE)]
    cap = inv.settings.carbon_market.ccer_cap
    end = inv.settings.period.end
    return references(inv, t) + balance_issues(t, f) + oversold(t, f) \
        + obligation_issues(t, f, cap, end.year if end else None) + serial_issues(t, f)
