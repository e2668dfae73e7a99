"""The xBRL-XML instance: contexts, units and facts written with lxml, deterministically.

Contexts and units are numbered in the order the facts first use them, so the same results give
the same bytes. Dimensions go in ``xbrli:scenario`` (where the tables of the taxonomy check them).
The Inline XBRL writer shares this module's contexts and units.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from .facts import Fact, FactSet, Unit
from .taxonomy import ISO4217, LINK, UTR, XBRLDI, XBRLI, XLINK, XML_NS, Spec, spec


def nsmap(s: Spec | None = None, fs: FactSet | None = None) -> dict[str, str]:
    """The prefixes of a report: XBRL's, the IFRS taxonomies', the extension's and the report's own
    members' (its entity extension)."""
    s = s or spec()
    out = {"xbrli": XBRLI, "link": LINK, "xlink": XLINK, "xbrldi": XBRLDI, "iso4217": ISO4217, "utr": UTR,
           **s.prefixes()}
    if fs is not None and fs.ext is not None:
        out[fs.ext.prefix] = fs.ext.namespace
    return out


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def qname(name: str, s: Spec | None = None) -> str:
    """'ifrs-sds:Foo' → '{namespace}Foo' (Clark notation)."""
    prefix, local = name.split(":")
    return _q(nsmap(s)[prefix] if prefix != "xbrli" else XBRLI, local)




@dataclass(frozen=True)
class ContextKey:
    period: tuple[str, ...]              # ("duration", start, end) or ("instant", date)
    dims: tuple[tuple[str, str], ...]


class Registry:
    """Contexts and units in order of first use, with stable ids."""

    def __init__(self, fs: FactSet):
        self.fs = fs
        self.s = spec()
        self.contexts: dict[ContextKey, str] = {}
        self.units: dict[Unit, str] = {}
        self.context_of: list[str] = []
        self.unit_of: list[str | None] = []
        for f in fs.facts:
            key = ContextKey(fs.period_of(f), f.dims)
            if key not in self.contexts:
                self.contexts[key] = f"c{len(self.contexts) + 1}"
            self.context_of.append(self.contexts[key])
            if f.unit is not None and f.unit not in self.units:
                self.units[f.unit] = unit_id(f.unit)
            self.unit_of.append(None if f.unit is None else self.units[f.unit])

    def context_elements(self) -> list[etree._Element]:
        out = []
        for key, cid in self.contexts.items():
            c = etree.Element(_q(XBRLI, "context"), id=cid)
            ent = etree.SubElement(c, _q(XBRLI, "entity"))
            etree.SubElement(ent, _q(XBRLI, "identifier"), scheme=self.fs.entity["scheme"]).text = \
                self.fs.entity["identifier"]
            per = etree.SubElement(c, _q(XBRLI, "period"))
            if key.period[0] == "instant":
                etree.SubElement(per, _q(XBRLI, "instant")).text = key.period[1]
            else:
                etree.SubElement(per, _q(XBRLI, "startDate")).text = key.period[1]
                etree.SubElement(per, _q(XBRLI, "endDate")).text = key.period[2]
            if key.dims:
                sc = etree.SubElement(c, _q(XBRLI, "scenario"))
                for axis, member in key.dims:
                    # an axis the extension does not declare (the IFRS financed-emissions axis) is explicit
                    if axis in self.s.concepts and self.s.concept(axis).kind == "typed-axis":
                        tm = etree.SubElement(sc, _q(XBRLDI, "typedMember"), dimension=axis)
                        etree.SubElement(tm, qname(self.s.concept(axis).domain, self.s)).text = member
                    else:
                        etree.SubElement(sc, _q(XBRLDI, "explicitMember"), dimension=axis).text = member
            out.append(c)
        return out

    def unit_elements(self) -> list[etree._Element]:
        out = []
        for unit, uid in self.units.items():
            u = etree.Element(_q(XBRLI, "unit"), id=uid)
            num, den = unit
            if den:
                div = etree.SubElement(u, _q(XBRLI, "divide"))
                for tag, measures in (("unitNumerator", num), ("unitDenominator", den)):
                    part = etree.SubElement(div, _q(XBRLI, tag))
                    for m in measures:
                        etree.SubElement(part, _q(XBRLI, "measure")).text = m
            else:
                for m in num:
                    etree.SubElement(u, _q(XBRLI, "measure")).text = m
            out.append(u)
        return out


def unit_id(unit: Unit) -> str:
    num, den = unit
    name = "_".join(m.split(":")[1] for m in num)
    if den:
        name += "_per_" + "_".join(m.split(":")[1] for m in den)
    return "u_" + name


def lexical(value: Any) -> str:
    """The XBRL lexical form of a fact value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def fact_element(f: Fact, context: str, unit: str | None, s: Spec, fid: str | None = None) -> etree._Element:
    el = etree.Element(qname(f.concept, s), contextRef=context)
    if unit is not None:
        el.set("unitRef", unit)
        el.set("decimals", str(f.decimals))
    if f.lang:
        el.set(_q(XML_NS, "lang"), f.lang)
    if fid:
        el.set("id", fid)
    el.text = lexical(f.value)
    return el


def instance_tree(fs: FactSet, reg: Registry | None = None) -> etree._ElementTree:
    s = spec()
    reg = reg or Registry(fs)
    root = etree.Element(_q(XBRLI, "xbrl"), nsmap=nsmap(s, fs))
    etree.SubElement(root, _q(LINK, "schemaRef"), attrib={_q(XLINK, "type"): "simple",
                                                          _q(XLINK, "href"): fs.schema})
    for c in reg.context_elements():
        root.append(c)
    for u in reg.unit_elements():
        root.append(u)
    for i, f in enumerate(fs.facts):
        root.append(fact_element(f, reg.context_of[i], reg.unit_of[i], s, f"f{i + 1}"))
    return etree.ElementTree(root)


def instance_bytes(fs: FactSet) -> bytes:
    return etree.tostring(instance_tree(fs), xml_declaration=True, encoding="UTF-8", pretty_print=True)
