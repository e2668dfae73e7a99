"""The extension's formula linkbase: XBRL Formula 1.0 value assertions, from ``concepts.yaml``.

- ``nonNegativeEmissions``: every fact of the emission concepts (``assertions.non_negative``), in any
  context, is zero or more;
- one assertion per breakdown and concept (``assertions.breakdowns``): the fact without the axis
  (a total) equals the sum of the facts on the axis's members, all other aspects equal (implicit
  filtering), within the rounding: each of the n + 1 figures may be off by half a unit of its last
  digit (the rounding policy's decimals for emissions).

Arelle finds the linkbase in the DTS (the extension schema's linkbaseRef) and runs it; an
unsatisfied assertion is an error when the run asks so (``formulaUnsatisfiedAsserError``).
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from ...core.rounding import DECIMALS
from .taxonomy import GEN, LINK, LINK_ROLE, LINKBASE_XSD, XLINK, XSI, Spec, linkbase, q

VA = "http://xbrl.org/2008/assertion/value"
VARIABLE = "http://xbrl.org/2008/variable"
CF = "http://xbrl.org/2008/filter/concept"
DF = "http://xbrl.org/2008/filter/dimension"
VARIABLE_SET = "http://xbrl.org/arcrole/2008/variable-set"
VARIABLE_FILTER = "http://xbrl.org/arcrole/2008/variable-filter"
SCHEMAS = {GEN: "http://www.xbrl.org/2008/generic-link.xsd", VA: "http://www.xbrl.org/2008/value-assertion.xsd",
           VARIABLE: "http://www.xbrl.org/2008/variable.xsd", CF: "http://www.xbrl.org/2008/concept-filter.xsd",
           DF: "http://www.xbrl.org/2008/dimension-filter.xsd"}


def tolerance() -> Decimal:
    """Half a unit of the last digit of an emissions figure (0.005 tCO2e)."""
    return Decimal("0.5").scaleb(-DECIMALS["emissions"])


class _Writer:
    def __init__(self, link: etree._Element):
        self.link = link

    def resource(self, ns: str, tag: str, label: str, **attrib: str) -> etree._Element:
        return etree.SubElement(self.link, q(ns, tag), attrib={q(XLINK, "type"): "resource",
                                                                q(XLINK, "label"): label, **attrib})

    def arc(self, ns: str, tag: str, arcrole: str, frm: str, to: str, **attrib: str) -> None:
        etree.SubElement(self.link, q(ns, tag), attrib={q(XLINK, "type"): "arc", q(XLINK, "arcrole"): arcrole,
                                                         q(XLINK, "from"): frm, q(XLINK, "to"): to, **attrib})

    def variable(self, assertion: str, label: str, name: str, sequence: bool = False) -> None:
        # a sequence takes its facts as they are (``matches``, Variables 1.0 errata 4.1): without it
        # a processor first sorts them into classes of facts equal in every aspect, comparing each
        # fact with every class (500 facilities: 125,000 comparisons per assertion); a duplicate
        # part then counts twice and fails the assertion, a duplicate being a defect of its own
        extra = {"matches": "true"} if sequence else {}
        self.resource(VARIABLE, "factVariable", label, bindAsSequence="true" if sequence else "false", **extra)
        self.arc(VARIABLE, "variableArc", VARIABLE_SET, assertion, label, name=name)

    def filter(self, variable: str, label: str, complement: bool = False) -> None:
        self.arc(VARIABLE, "variableFilterArc", VARIABLE_FILTER, variable, label,
                 complement="true" if complement else "false", cover="true")

    def concepts(self, label: str, qnames: list[str]) -> None:
        f = self.resource(CF, "conceptName", label)
        for qn in qnames:
            etree.SubElement(etree.SubElement(f, q(CF, "concept")), q(CF, "qname")).text = qn

    def explicit(self, label: str, axis: str, members: list[str]) -> None:
        f = self.resource(DF, "explicitDimension", label)
        etree.SubElement(etree.SubElement(f, q(DF, "dimension")), q(DF, "qname")).text = axis
        for m in members:
            etree.SubElement(etree.SubElement(f, q(DF, "member")), q(DF, "qname")).text = m

    def typed(self, label: str, axis: str) -> None:
        f = self.resource(DF, "typedDimension", label)
        etree.SubElement(etree.SubElement(f, q(DF, "dimension")), q(DF, "qname")).text = axis


def axis_members(s: Spec, axis: str) -> tuple[str | None, list[str]]:
    """The domain (the axis's default) and the members the tables give an explicit axis."""
    domain, members = None, []
    for t in s.tables():
        for a in t.axes:
            if a["axis"] == axis and "domain" in a:
                domain = a["domain"]
                members += [m for m in a["members"] if m not in members]
    return domain, members


def lone_axes(s: Spec, concept: str, axis: str) -> list[str]:
    """The axes the tables give ``concept`` that no table gives it together with ``axis``: a fact
    of ``concept`` on one of them has no parts on ``axis`` (the tables are closed), so a total of
    the breakdown on ``axis`` has each of them at its default."""
    tables = [t for t in s.tables() if concept in t.items]
    beside = {a["axis"] for t in tables if any(x["axis"] == axis for x in t.axes) for a in t.axes}
    return sorted({a["axis"] for t in tables for a in t.axes} - beside)


def formula_linkbase(s: Spec) -> etree._Element:
    nsmap = {"gen": GEN, "va": VA, "variable": VARIABLE, "cf": CF, "df": DF, "xsi": XSI, **s.prefixes()}
    root = linkbase(s, [], [], nsmap=nsmap,
                    schema_location=" ".join([LINK, LINKBASE_XSD, *(f"{k} {v}" for k, v in SCHEMAS.items())]))
    for arcrole in (VARIABLE_SET, VARIABLE_FILTER):
        etree.SubElement(root, q(LINK, "arcroleRef"), attrib={
            "arcroleURI": arcrole, q(XLINK, "type"): "simple",
            q(XLINK, "href"): f"{SCHEMAS[VARIABLE]}#{arcrole.rsplit('/', 1)[1]}"})
    w = _Writer(etree.SubElement(root, q(GEN, "link"), attrib={q(XLINK, "type"): "extended",
                                                               q(XLINK, "role"): LINK_ROLE}))
    # emissions are never negative
    w.resource(VA, "valueAssertion", "nonNegativeEmissions", id=f"{s.prefix}_nonNegativeEmissions",
               aspectModel="dimensional", implicitFiltering="true", test="$emissions ge 0")
    w.variable("nonNegativeEmissions", "v_emissions", "emissions")
    w.concepts("f_emissions", list(s.non_negative))
    w.filter("v_emissions", "f_emissions")
    # each breakdown adds up to its total, within the rounding of the figures
    half = tolerance()
    for b in s.breakdowns:
        axis = b["axis"]
        typed = s.concept(axis).kind == "typed-axis"
        domain, members = (None, []) if typed else axis_members(s, axis)
        for concept in b["concepts"]:
            name = f"{b['id']}_{concept.split(':')[1]}"
            a = f"a_{name}"
            w.resource(VA, "valueAssertion", a, id=f"{s.prefix}_{name}", aspectModel="dimensional",
                       implicitFiltering="true",
                       test=f"abs($total - sum($parts)) le {half} * (count($parts) + 1)")
            w.variable(a, f"v_{name}_total", "total")
            w.variable(a, f"v_{name}_parts", "parts", sequence=True)
            w.concepts(f"f_{name}_concept", [concept])
            w.filter(f"v_{name}_total", f"f_{name}_concept")
            w.filter(f"v_{name}_parts", f"f_{name}_concept")
            if typed:   # the total has no value for the typed axis, the parts one each
                w.typed(f"f_{name}_axis", axis)
                w.filter(f"v_{name}_total", f"f_{name}_axis", complement=True)
                w.filter(f"v_{name}_parts", f"f_{name}_axis")
            else:       # the total is on the axis's default (its domain), the parts on its members
                w.explicit(f"f_{name}_default", axis, [domain])
                w.explicit(f"f_{name}_members", axis, members)
                w.filter(f"v_{name}_total", f"f_{name}_default")
                w.filter(f"v_{name}_parts", f"f_{name}_members")
            # the total only where parts can be: without the axes that never come with this one
            # (the same evaluations as without this filter; without it, every fact of the concept
            # on another axis, a facility's say, is a candidate total whose parts are sought among
            # all the concept's facts: a cost that grows with the square of the facts)
            for other in lone_axes(s, concept, axis):
                label = f"f_{name}_without_{other.split(':')[1]}"
                if s.concept(other).kind == "typed-axis":
                    w.typed(label, other)
                    w.filter(f"v_{name}_total", label, complement=True)
                else:
                    w.explicit(label, other, [axis_members(s, other)[0]])
                    w.filter(f"v_{name}_total", label)
    return root
