"""The round trip: the facts Arelle reads back from the Inline XBRL, compared with results.json.

Every fact must come back: with its concept, period, dimensions, unit, decimals and language, and a
value equal to the figure of results.json rounded by the project's rounding policy (numbers are
looked up in results.json again by their path, independently of the fact builder). Text is
compared as written (text blocks by their text content).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ...core.issues import Issue, issue
from ..numbers import decimals, rounded
from .facts import FactSet, Resolver
from .instance import lexical


@dataclass
class RoundTrip:
    expected: int
    read_back: int
    equal: int
    issues: list[Issue]

    @property
    def exact(self) -> bool:
        return not self.issues and self.expected == self.read_back == self.equal


def _text_content(value: str) -> str:
    try:
        text = "".join(etree.fromstring(value).itertext()) if value.lstrip().startswith("<") else value
    except etree.XMLSyntaxError:
        text = re.sub(r"<[^>]+>", " ", value)
    return " ".join(text.split())


def expected_value(f: Any, results: dict[str, Any] | Resolver) -> Any:
    """What a fact must read back as, from results.json (numbers) or as written (text)."""
    if f.numeric:
        raw = (results if isinstance(results, Resolver) else Resolver(results))(f.source)
        if raw is None:
            return None
        return rounded(raw, f.kind).scaleb(f.raw_scale)
    return lexical(f.value)


def compare(fs: FactSet, read: list[dict[str, Any]], results: dict[str, Any]) -> RoundTrip:
    by_id = {r["id"]: r for r in read if r.get("id")}
    look_up = Resolver(results)
    out: list[Issue] = []
    equal = 0

    def bad(f: Any, found: Any, expected: Any) -> None:
        out.append(issue("xbrl-roundtrip", concept=f.concept, key=f.key, found=str(found), expected=str(expected)))

    for i, f in enumerate(fs.facts):
        r = by_id.get(f"f{i + 1}")
        if r is None:
            bad(f, "missing", lexical(f.value))
            continue
        period = fs.period_of(f)
        checks = [
            ("concept", r["concept"], f.concept),
            ("period", tuple(r["period"]), period),
            ("dimensions", sorted(tuple(d) for d in r["dims"]), sorted(f.dims)),
        ]
        if f.lang:
            checks.append(("language", r["lang"], f.lang))
        if f.numeric:
            checks.append(("unit", _unit(r["unit"]), _unit(f.unit)))
            checks.append(("decimals", str(r["decimals"]), str(decimals(f.kind, look_up(f.source)) - f.raw_scale)))
        wrong = [(what, got, want) for what, got, want in checks if got != want]
        if wrong:
            what, got, want = wrong[0]
            bad(f, f"{what} {got}", f"{what} {want}")
            continue
        want = expected_value(f, look_up)
        if f.numeric:
            try:
                got: Any = Decimal(str(r["value"]))
            except (InvalidOperation, TypeError):
                got = r["value"]
            ok = want is not None and got == want
        elif f.text_block:
            got, want = _text_content(str(r["value"])), _text_content(str(want))
            ok = got == want
        else:
            got = str(r["value"]).strip()
            ok = got == str(want)
        if ok:
            equal += 1
        else:
            bad(f, got, want)
    ids = {f"f{i + 1}" for i in range(len(fs.facts))}
    for r in read:
        if r.get("id") not in ids:
            out.append(issue("xbrl-roundtrip", concept=r["concept"], key=str(r.get("id")), found=str(r["value"]),
                             expected="no such fact"))
    return RoundTrip(len(fs.facts), len(read), equal, out)


def _unit(u: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    if u is None:
        return None
    num, den = u
    return tuple(sorted(num)), tuple(sorted(den))
