"""The xBRL-JSON report (OIM, https://xbrl.org/2021/xbrl-json): the same facts as the xBRL-XML
instance, written from the fact records, deterministically (sorted keys, the instance's fact ids).

What OIM writes differently from XML: periods as ``start/end`` date-times (an XBRL end date is the
end of that day: 2025-12-31 → 2026-01-01T00:00:00), the entity as ``scheme:identifier`` with the
scheme declared as a prefix, units as ``utr:tCO2e`` or ``utr:tCO2e/iso4217:CNY``, enumeration values
as QNames, and languages in lower case (``zh-cn``: the JSON loader refuses ``zh-CN``). A fact with no
language in XML (a code, a digest) has none here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .facts import Fact, FactSet, Unit
from .instance import lexical, nsmap
from .taxonomy import spec

DOCUMENT_TYPE = "https://xbrl.org/2021/xbrl-json"
XBRL_NS = "https://xbrl.org/2021"


def _next_day(d: str) -> str:
    return (dt.date.fromisoformat(d) + dt.timedelta(days=1)).isoformat() + "T00:00:00"


def _period(fs: FactSet, f: Fact) -> str:
    p = fs.period_of(f)
    if p[0] == "instant":
        return _next_day(p[1])
    return f"{p[1]}T00:00:00/{_next_day(p[2])}"


def _unit(u: Unit) -> str:
    num, den = u
    text = "*".join(num)
    return f"{text}/{'*'.join(den)}" if den else text


def _value(f: Fact, s: Any, qnames: dict[str, str]) -> str:
    c = s.concepts.get(f.concept)
    if c is not None and c.type in ("enum", "enumSet"):   # expanded names → QNames
        return " ".join(sorted(qnames[v] for v in str(f.value).split()))
    return lexical(f.value)


def json_bytes(fs: FactSet) -> bytes:
    s = spec()
    ns = {k: v for k, v in nsmap(s, fs).items() if k not in ("link", "xlink", "xbrldi")}
    ns["xbrl"] = XBRL_NS
    ns["scheme"] = fs.entity["scheme"]
    qnames = {}
    for prefix, uri in ns.items():
        for name, c in s.concepts.items():
            if c.prefix == prefix:
                qnames[f"{uri}#{c.name}"] = name
    if fs.ext is not None:
        for m in fs.ext.members:
            qnames[f"{fs.ext.namespace}#{m.qname.split(':')[1]}"] = m.qname
    facts: dict[str, Any] = {}
    for i, f in enumerate(fs.facts):
        dims: dict[str, Any] = {"concept": f.concept, "entity": f"scheme:{fs.entity['identifier']}",
                                "period": _period(fs, f)}
        if f.unit is not None and f.unit != (("xbrli:pure",), ()):   # OIM: a pure number has no unit
            dims["unit"] = _unit(f.unit)
        if f.lang:
            dims["language"] = f.lang.lower()
        for axis, member in f.dims:
            dims[axis] = member
        fact: dict[str, Any] = {"value": _value(f, s, qnames), "dimensions": dims}
        if f.unit is not None:
            fact["decimals"] = f.decimals
        facts[f"f{i + 1}"] = fact
    doc = {"documentInfo": {"documentType": DOCUMENT_TYPE, "namespaces": dict(sorted(ns.items())),
                            "taxonomy": [fs.schema]},
           "facts": facts}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")
