"""The project's extension taxonomy, built from ``concepts.yaml``, and where the IFRS package is.

The extension (namespace in ``concepts.yaml``) imports the IFRS Sustainability Disclosure Taxonomy's
essential entry point by its official URL and adds:

- the concepts the IFRS taxonomy lacks (no ``balance``: the IFRS taxonomy gives its own monetary
  concepts none; carrying amounts ``instant``), each with documentation labels in zh-CN and English,
  references to the IFRS S2 paragraph and the CSDS No. 1 chapter it serves (reference linkbase), and
  an anchoring arc from the IFRS concept of wider meaning it narrows (role 990200);
- one zh-CN and one English standard label for every concept it uses (the IFRS concepts' English
  labels are the IFRS taxonomy's own);
- a presentation and a definition: the project's roles for the metrics it computes, and the IFRS
  roles of IFRS S2 for the pillars (210000 for the presentation of the whole climate report, its
  letter roles for the hypercubes of risks and opportunities, time horizons, targets and carbon
  credits), which the essential entry point does not load;
- the calculation 1.1 relationships of the totals and the formula assertions (``formulas``) that
  check emissions are not negative and that each breakdown adds up to its total;
- the role labels in zh-CN and English as generic labels (the roleType definition is English).

It ships as a taxonomy package (``META-INF/taxonomyPackage.xml``, with its name and description in
zh-CN and English, and ``catalog.xml``) so Arelle resolves it with no network. The files are
generated (deterministically) from the data file: ``build_files()`` returns them,
``write_taxonomy()`` writes the published copy (``taxonomies/`` in the repository:
``python -m disclosure.export.xbrl taxonomies``), ``package_bytes()`` zips them. A report's own
members (its risks, targets, carbon credits) are in the report's entity extension (``entity``).

The IFRS taxonomy itself is never copied into the project (its terms forbid it): a user supplies
the package downloaded from the IFRS Foundation (``ifrs_package()``).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from ...core import vocabulary as vocab
from ...core import yamlfile

# --- namespaces ------------------------------------------------------------------------------------
XBRLI = "http://www.xbrl.org/2003/instance"
LINK = "http://www.xbrl.org/2003/linkbase"
XLINK = "http://www.w3.org/1999/xlink"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XBRLDT = "http://xbrl.org/2005/xbrldt"
XBRLDI = "http://xbrl.org/2006/xbrldi"
ENUM2 = "http://xbrl.org/2020/extensible-enumerations-2.0"
DTR22 = "http://www.xbrl.org/dtr/type/2022-03-31"
DTR24 = "http://www.xbrl.org/dtr/type/2024-01-31"
UTR = "http://www.xbrl.org/2009/utr"
ISO4217 = "http://www.xbrl.org/2003/iso4217"
TP = "http://xbrl.org/2016/taxonomy-package"
CATALOG = "urn:oasis:names:tc:entity:xmlns:xml:catalog"
XML_NS = "http://www.w3.org/XML/1998/namespace"
GEN = "http://xbrl.org/2008/generic"
GLABEL = "http://xbrl.org/2008/label"
REF = "http://www.xbrl.org/2006/ref"

SCHEMA_LOCATIONS = {
    XBRLI: "http://www.xbrl.org/2003/xbrl-instance-2003-12-31.xsd",
    XBRLDT: "http://www.xbrl.org/2005/xbrldt-2005.xsd",
    DTR22: "https://www.xbrl.org/dtr/type/2022-03-31/types.xsd",
    DTR24: "https://www.xbrl.org/dtr/type/2024-01-31/types.xsd",
    ENUM2: "https://www.xbrl.org/2020/extensible-enumerations-2.0.xsd",
}
LINKBASE_XSD = "http://www.xbrl.org/2003/xbrl-linkbase-2003-12-31.xsd"
# the target namespace of the IFRS essential entry point (ifrs_sds_ext_2024-04-26.xsd)
IFRS_ENTRY_NAMESPACE = "http://xbrl.ifrs.org/taxonomy/ifrs_sds/2024-04-26/ifrs_sds/ifrs_sds"

ARCROLE = {
    "all": "http://xbrl.org/int/dim/arcrole/all",
    "hypercube-dimension": "http://xbrl.org/int/dim/arcrole/hypercube-dimension",
    "dimension-domain": "http://xbrl.org/int/dim/arcrole/dimension-domain",
    "domain-member": "http://xbrl.org/int/dim/arcrole/domain-member",
    "dimension-default": "http://xbrl.org/int/dim/arcrole/dimension-default",
    "parent-child": "http://www.xbrl.org/2003/arcrole/parent-child",
    "concept-label": "http://www.xbrl.org/2003/arcrole/concept-label",
    "concept-reference": "http://www.xbrl.org/2003/arcrole/concept-reference",
    "summation-item": "https://xbrl.org/2023/arcrole/summation-item",
    "element-label": "http://xbrl.org/arcrole/2008/element-label",
}
ARCROLE_SCHEMA = {
    **{k: f"http://www.xbrl.org/2005/xbrldt-2005.xsd#{k}" for k in
       ("all", "hypercube-dimension", "dimension-domain", "domain-member", "dimension-default")},
    "summation-item": "https://www.xbrl.org/2023/calculation-1.1.xsd#summation-item",
    "element-label": "http://www.xbrl.org/2008/generic-label.xsd#element-label",
}
LABEL_ROLE = "http://www.xbrl.org/2003/role/label"
DOCUMENTATION_ROLE = "http://www.xbrl.org/2003/role/documentation"
DISCLOSURE_REF_ROLE = "http://www.xbrl.org/2003/role/disclosureRef"
GENERIC_LABEL_ROLE = "http://www.xbrl.org/2008/role/label"
GENERIC_LINK_ROLE = "http://www.xbrl.org/2008/role/link"
LINK_ROLE = "http://www.xbrl.org/2003/role/link"

# short type names of concepts.yaml → (namespace, local name)
TYPES = {
    "ghg": (DTR22, "ghgEmissionsItemType"),
    "ghgPerMonetary": (DTR24, "ghgEmissionsPerMonetaryItemType"),
    "decimal": (XBRLI, "decimalItemType"),
    "percent": (DTR22, "percentItemType"),
    "monetary": (XBRLI, "monetaryItemType"),
    "energy": (DTR22, "energyItemType"),
    "mass": (DTR22, "massItemType"),
    "string": (XBRLI, "stringItemType"),
    "text": (DTR22, "textBlockItemType"),
    "boolean": (XBRLI, "booleanItemType"),
    "gYear": (XBRLI, "gYearItemType"),
    "date": (XBRLI, "dateItemType"),
    "enum": (ENUM2, "enumerationItemType"),
    "enumSet": (ENUM2, "enumerationSetItemType"),
    "domain": (DTR22, "domainItemType"),
}
NUMERIC_TYPES = {"ghg", "ghgPerMonetary", "decimal", "percent", "monetary", "energy", "mass"}
# the types whose facts carry a language (text): other strings (codes, digests, identifiers) do not
LANGUAGE_TYPES = {"string", "text"}

# CSDS No. 1 — Climate: its chapters, as the reference linkbase cites them (the articles are not:
# see ``about`` in concepts.yaml)
CSDS = {"publisher": "财政部", "name": "企业可持续披露准则第1号——气候（试行）"}
IFRS_S2 = {"name": "IFRS", "number": "S2", "issue_date": "2023-06-26"}


@dataclass(frozen=True)
class Concept:
    """One concept the project uses: its qualified name, kind and type (short name)."""

    prefix: str
    name: str
    kind: str            # item | abstract | axis | typed-axis | typed-domain | domain | member | table
    type: str | None     # short type name (items only)
    period: str = "duration"
    zh: str | None = None
    en: str | None = None       # the English label (an IFRS concept: the page's English heading)
    domain: str | None = None   # enum domain, or the typed domain element of a typed axis
    anchor: str | None = None   # the IFRS concept of wider meaning this extension concept narrows
    ifrs_ref: str | None = None     # the IFRS S2 paragraph it serves, e.g. 29(a)(v)
    csds_chapter: int | None = None
    doc_zh: str | None = None   # documentation labels
    doc_en: str | None = None

    @property
    def qname(self) -> str:
        return f"{self.prefix}:{self.name}"

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def has_language(self) -> bool:
        return self.type in LANGUAGE_TYPES


@dataclass(frozen=True)
class Table:
    """A hypercube: its table and line-items abstracts, its axes (each with its domain and the
    members the project's taxonomy declares under it) and the line items it admits."""

    role: str                    # the role id (an extension role id, or an IFRS role id: 210000h)
    table: str
    line_items: str
    axes: tuple[dict[str, Any], ...]
    items: tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    prefix: str
    namespace: str
    date: str
    base_url: str
    folder: str
    stem: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    publisher: str
    publisher_url: str
    role_base: str
    ifrs: dict[str, Any]
    ibg: dict[str, str]
    identifier_schemes: dict[str, str]
    concepts: dict[str, Concept]     # by qname, extension and IFRS
    roles: list[dict[str, Any]]
    province_members: dict[str, str]  # short Chinese province name → member qname
    ifrs_presentation: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # role id → (depth, qname)
    ifrs_tables: tuple[Table, ...] = ()
    metrics_domain: tuple[str, ...] = ()
    calculations: tuple[tuple[str, tuple[str, ...]], ...] = ()
    non_negative: tuple[str, ...] = ()
    breakdowns: tuple[dict[str, Any], ...] = ()

    @property
    def entry_point(self) -> str:
        """The official URL of the extension's schema (resolved offline through the package catalog)."""
        return f"{self.base_url}{self.folder}/{self.stem}.xsd"

    @property
    def ifrs_prefix(self) -> str:
        return self.ifrs["prefix"]

    def ns(self, prefix: str) -> str:
        return {self.prefix: self.namespace, self.ifrs_prefix: self.ifrs["namespace"],
                self.ibg["prefix"]: self.ibg["namespace"]}[prefix]

    def prefixes(self) -> dict[str, str]:
        return {self.ifrs_prefix: self.ifrs["namespace"], self.ibg["prefix"]: self.ibg["namespace"],
                self.prefix: self.namespace}

    def role_uri(self, role_id: str) -> str:
        """An extension role's URI, or an IFRS role's (``210000``, ``210000h``, ``995000``)."""
        if role_id in self.ifrs_role_ids():
            return f"{self.ifrs['role_base']}{self.ifrs_role_type(role_id)}"
        return f"{self.role_base}{role_id}"

    def ifrs_role_ids(self) -> set[str]:
        return {*self.ifrs_presentation, *(t.role for t in self.ifrs_tables), "995000"}

    def ifrs_role_type(self, role_id: str) -> str:
        """The id of an IFRS role's roleType (its schema is named in concepts.yaml)."""
        return self.ifrs["enum_role"] if role_id == "995000" else f"ifrs_s2_2024-04-26_role-{role_id}"

    def role_ref_href(self, role_id: str, absolute: bool = False) -> str:
        """Where a role's roleType is: an IFRS role schema by URL, the extension's schema by file
        (``absolute``: by its URL, for the linkbases of another taxonomy)."""
        if role_id in self.ifrs_role_ids():
            rt = self.ifrs_role_type(role_id)
            return f"{self.ifrs['role_schemas'][rt.rsplit('_role-', 1)[0]]}#{rt}"
        return f"{self.entry_point if absolute else self.stem + '.xsd'}#role-{role_id}"

    @property
    def enum_role(self) -> str:
        return self.role_uri("990100")

    @property
    def defaults_role(self) -> str:
        return self.role_uri("990000")

    @property
    def anchoring_role(self) -> str:
        return self.role_uri("990200")

    @property
    def wider_narrower(self) -> str:
        """The anchoring arcrole (declared by the extension, as ESEF's wider-narrower)."""
        return f"{self.base_url}{self.folder}/arcrole/wider-narrower"

    def concept(self, qname: str) -> Concept:
        return self.concepts[qname]

    def href(self, qname: str, absolute: bool = False) -> str:
        """A locator's href for a concept: the IFRS core schemas by URL, the extension by file
        (``absolute``: by its URL, for the linkbases of another taxonomy)."""
        prefix, name = qname.split(":")
        if prefix == self.ifrs_prefix:
            return f"{self.ifrs['core_schema']}#{prefix}_{name}"
        if prefix == self.ibg["prefix"]:
            return f"{self.ibg['core_schema']}#{prefix}_{name}"
        return f"{self.entry_point if absolute else self.stem + '.xsd'}#{prefix}_{name}"

    def expanded(self, qname: str) -> str:
        """The expanded URI of a member, as enumeration facts hold it (namespace#localName)."""
        prefix, name = qname.split(":")
        return f"{self.ns(prefix)}#{name}"

    def tables(self) -> list[Table]:
        """Every hypercube: the extension roles' and the IFRS roles'."""
        out = [Table(r["id"], t["table"], t["line_items"], tuple(t["axes"]), tuple(t["items"]))
               for r in self.roles for t in r["tables"]]
        return out + list(self.ifrs_tables)

    @property
    def language_neutral(self) -> frozenset[str]:
        """The string concepts whose facts carry no language (codes, digests, identifiers)."""
        return frozenset(q for q, c in self.concepts.items() if c.type == "string" and c.prefix == self.prefix
                         and q in _NEUTRAL)


# string concepts whose values are codes, not words: their facts have no xml:lang
_NEUTRAL = {"csdsx:VersionOfEmissionFactorDataset", "csdsx:DigestOfEmissionFactorDataset",
            "csdsx:DefaultFuelParameterDataset", "csdsx:EntityOperatingFacility",
            "csdsx:CompliancePeriodOfEmissionAllowances", "csdsx:AssuranceStandardApplied",
            "csdsx:InputDigestOfReport"}


def _ifrs_kind(name: str, given: str | None) -> tuple[str, str | None]:
    """Kind and short type of an IFRS concept the project uses (all of them are duration)."""
    if name.endswith("Member"):
        return "member", "domain"
    if name.endswith("Domain"):
        return "domain", "domain"
    if name.endswith("Axis"):
        return "axis", None
    if name.endswith("Table"):
        return "table", None
    if name.endswith(("Abstract", "LineItems")):
        return "abstract", None
    if given:
        return "item", given
    if name.startswith("AbsoluteGross"):
        return "item", "ghg"
    if name.endswith("Explanatory"):
        return "item", "text"
    raise ValueError(f"concepts.yaml: say what type the IFRS concept {name} is")


def member_labels(qname: str) -> tuple[str, str]:
    """The zh-CN and English labels of a member that is a value of the vocabulary: its long label
    (a Scope 3 category's with its number, as the IFRS taxonomy names them: 类别3 …), the English
    one marked ``[member]``."""
    t = vocab.vocabulary().by_xbrl(qname)
    if t is None:
        raise ValueError(f"concepts.yaml: {qname} has no labels and is no value of core/vocabulary.yaml")
    zh, en = t.label("zh-CN", long=True), t.label("en", long=True, capital=True)
    if t.enumeration == "scope3_category":
        zh = f"类别{t.key} {zh}"
    return zh, f"{en} [member]"


def _tree(text: str) -> list[tuple[int, str]]:
    """An indented list (". " per level) of concepts → [(depth, qname)]."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = 0
        while line.startswith(". "):
            depth, line = depth + 1, line[2:]
        out.append((depth, line.strip()))
    return out


@cache
def spec() -> Spec:
    data = yamlfile.load_package(resources.files(__package__).joinpath("concepts.yaml").read_text(encoding="utf-8"))
    t = data["taxonomy"]
    prefix = t["prefix"]
    ifrs, ibg = data["ifrs"], data["ibg"]
    about = data.get("about") or {}
    concepts: dict[str, Concept] = {}
    for c in data["concepts"]:
        kind = c.get("kind", "item")
        ctype = c.get("type") if kind == "item" else ("domain" if kind in ("domain", "member") else None)
        dom = c.get("domain")
        if dom and ":" not in dom:
            dom = f"{prefix}:{dom}"
        zh, en = c.get("zh"), c.get("en")
        if kind == "member" and zh is None and en is None:   # a value of the vocabulary
            zh, en = member_labels(f"{prefix}:{c['name']}")
        a = about.get(c["name"]) or {}
        concepts[f"{prefix}:{c['name']}"] = Concept(
            prefix, c["name"], kind, ctype, c.get("period", "duration"), zh, en, dom, a.get("anchor"),
            str(a["ifrs"]) if a.get("ifrs") else None, a.get("csds"), a.get("zh"), a.get("en"))
    # one member per province-level division (GB/T 2260 code), labels from core/provinces.csv
    from ...core.geo import provinces

    province_members: dict[str, str] = {}
    for r in provinces().itertuples(index=False):
        q = f"{prefix}:Province{r.code}Member"
        concepts[q] = Concept(prefix, f"Province{r.code}Member", "member", "domain", "duration",
                              r.full_name, f"{r.name_en} [member]")
        province_members[r.name] = q
    for key, v in data["ifrs_labels"].items():
        p, name = key.split(":") if ":" in key else (ifrs["prefix"], key)
        v = v if isinstance(v, dict) else {"zh": v}
        kind, ctype = _ifrs_kind(name, v.get("type"))
        zh = v.get("zh")
        if zh is None:   # a value of the vocabulary (the English label is the IFRS taxonomy's own)
            zh = member_labels(f"{p}:{name}")[0]
        concepts[f"{p}:{name}"] = Concept(p, name, kind, ctype, "duration", zh, v.get("en"))
    roles = data["roles"]
    for role in roles:
        for table in role["tables"]:
            for axis in table["axes"]:
                if axis.get("members") == "provinces":
                    axis["members"] = list(province_members.values())
    ir = data["ifrs_roles"]
    a = data["assertions"]
    return Spec(prefix=prefix, namespace=t["namespace"], date=str(t["date"]), base_url=t["base_url"],
                folder=str(t["folder"]), stem=t["stem"], name=t["name"], name_zh=t["name_zh"],
                description=" ".join(t["description"].split()), description_zh="".join(line.strip() for line in t["description_zh"].splitlines()),
                publisher=t["publisher"], publisher_url=t["publisher_url"], role_base=t["role_base"],
                ifrs=ifrs, ibg=ibg, identifier_schemes=data["identifier_schemes"], concepts=concepts,
                roles=roles, province_members=province_members,
                ifrs_presentation={str(k): _tree(v) for k, v in ir["presentation"].items()},
                ifrs_tables=tuple(Table(str(x["role"]), x["table"], x["line_items"], tuple(x["axes"]),
                                        tuple(x["items"])) for x in ir["tables"]),
                metrics_domain=tuple(ir["metrics_domain"]),
                calculations=tuple((c["total"], tuple(c["parts"])) for c in data["calculations"]),
                non_negative=tuple(a["non_negative"]), breakdowns=tuple(a["breakdowns"]))


# --- writing the files -------------------------------------------------------------------------------

def q(ns: str, local: str) -> str:
    """Clark notation: {namespace}local."""
    return f"{{{ns}}}{local}"


def xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _role_type(parent: etree._Element, uri: str, ident: str, definition: str, used_on: tuple[str, ...]) -> None:
    rt = etree.SubElement(parent, q(LINK, "roleType"), roleURI=uri, id=ident)
    etree.SubElement(rt, q(LINK, "definition")).text = definition
    for u in used_on:
        etree.SubElement(rt, q(LINK, "usedOn")).text = u


def linkbase_ref(app: etree._Element, href: str, role: str | None) -> None:
    attrib = {q(XLINK, "type"): "simple", q(XLINK, "href"): href,
              q(XLINK, "arcrole"): "http://www.w3.org/1999/xlink/properties/linkbase"}
    if role:
        attrib[q(XLINK, "role")] = f"http://www.xbrl.org/2003/role/{role}"
    etree.SubElement(app, q(LINK, "linkbaseRef"), attrib=attrib)


# the linkbases of the extension schema: file suffix → linkbaseRef role (None: a generic linkbase)
LINKBASES = (("lab-zh.xml", "labelLinkbaseRef"), ("lab-en.xml", "labelLinkbaseRef"),
             ("pre.xml", "presentationLinkbaseRef"), ("def.xml", "definitionLinkbaseRef"),
             ("cal.xml", "calculationLinkbaseRef"), ("ref.xml", "referenceLinkbaseRef"),
             ("gla.xml", None), ("for.xml", None))


def _schema(s: Spec) -> etree._Element:
    nsmap = {"xs": XSD, "xbrli": XBRLI, "link": LINK, "xlink": XLINK, "xbrldt": XBRLDT, "enum2": ENUM2,
             "dtr-2022": DTR22, "dtr-2024": DTR24, **s.prefixes()}
    root = etree.Element(q(XSD, "schema"), nsmap=nsmap, attrib={
        "targetNamespace": s.namespace, "elementFormDefault": "qualified", "attributeFormDefault": "unqualified"})
    ann = etree.SubElement(root, q(XSD, "annotation"))
    app = etree.SubElement(ann, q(XSD, "appinfo"))
    for suffix, role in LINKBASES:
        linkbase_ref(app, f"{s.stem}_{suffix}", role)
    for role in s.roles:
        used = ("link:presentationLink", "link:definitionLink") + (("link:calculationLink",) if role.get("calculation")
                                                                 else ())
        _role_type(app, s.role_uri(role["id"]), f"role-{role['id']}", role["en"], used)
    _role_type(app, s.defaults_role, "role-990000", "[990000] Axis defaults", ("link:definitionLink",))
    _role_type(app, s.enum_role, "role-990100", "[990100] Enumeration domains", ("link:definitionLink",))
    _role_type(app, s.anchoring_role, "role-990200", "[990200] Anchoring of the extension concepts",
               ("link:definitionLink",))
    art = etree.SubElement(app, q(LINK, "arcroleType"), arcroleURI=s.wider_narrower, id="wider-narrower",
                           cyclesAllowed="undirected")
    etree.SubElement(art, q(LINK, "definition")).text = (
        "The concept of wider meaning (an IFRS concept) to the extension concept that narrows it "
        "(anchoring, as the ESEF wider-narrower arcrole)")
    etree.SubElement(art, q(LINK, "usedOn")).text = "link:definitionArc"
    for ns, loc in SCHEMA_LOCATIONS.items():
        etree.SubElement(root, q(XSD, "import"), namespace=ns, schemaLocation=loc)
    etree.SubElement(root, q(XSD, "import"), namespace=IFRS_ENTRY_NAMESPACE, schemaLocation=s.ifrs["entry_point"])
    for c in s.concepts.values():
        if c.prefix != s.prefix:
            continue
        element(root, c)
    return root


def element(root: etree._Element, c: Concept) -> etree._Element:
    """The xs:element of a concept (no ``balance``, as the IFRS taxonomy's concepts)."""
    attrib = {"name": c.name, "id": f"{c.prefix}_{c.name}"}
    if c.kind == "typed-domain":
        attrib["type"] = "xs:string"
        return etree.SubElement(root, q(XSD, "element"), attrib=attrib)
    abstract = c.kind != "item"
    if c.kind in ("axis", "typed-axis"):
        attrib.update(substitutionGroup="xbrldt:dimensionItem", type="xbrli:stringItemType")
        if c.kind == "typed-axis":
            attrib[q(XBRLDT, "typedDomainRef")] = f"#{c.prefix}_{c.domain.split(':')[1]}"
    elif c.kind == "table":
        attrib.update(substitutionGroup="xbrldt:hypercubeItem", type="xbrli:stringItemType")
    elif c.kind == "abstract":
        attrib.update(substitutionGroup="xbrli:item", type="xbrli:stringItemType")
    else:
        ns, local = TYPES[c.type]
        tprefix = {XBRLI: "xbrli", DTR22: "dtr-2022", DTR24: "dtr-2024", ENUM2: "enum2"}[ns]
        attrib.update(substitutionGroup="xbrli:item", type=f"{tprefix}:{local}")
        if c.type in ("enum", "enumSet"):
            attrib[q(ENUM2, "domain")] = c.domain
            attrib[q(ENUM2, "linkrole")] = spec().enum_role
            attrib[q(ENUM2, "headUsable")] = "false"
    attrib["abstract"] = "true" if abstract else "false"
    attrib["nillable"] = "true"
    attrib[q(XBRLI, "periodType")] = c.period
    return etree.SubElement(root, q(XSD, "element"), attrib=attrib)


class Link:
    """An extended link with one locator per concept (or per roleType, for generic labels)."""

    def __init__(self, parent: etree._Element, tag: str, role: str, s: Spec, ns: str = LINK,
                 href: Any = None):
        self.el = etree.SubElement(parent, q(ns, tag), attrib={q(XLINK, "type"): "extended",
                                                              q(XLINK, "role"): role})
        self.s = s
        self.href = href or s.href
        self.locs: dict[str, str] = {}

    def loc(self, qname: str) -> str:
        if qname not in self.locs:
            label = "loc_" + re.sub(r"[^\w.-]", "_", qname)
            etree.SubElement(self.el, q(LINK, "loc"), attrib={
                q(XLINK, "type"): "locator", q(XLINK, "href"): self.href(qname), q(XLINK, "label"): label})
            self.locs[qname] = label
        return self.locs[qname]

    def arc(self, tag: str, arcrole: str, frm: str, to: str, order: int | None = None, ns: str = LINK,
            to_label: str | None = None, **extra: str) -> None:
        attrib = {q(XLINK, "type"): "arc", q(XLINK, "arcrole"): ARCROLE.get(arcrole, arcrole),
                  q(XLINK, "from"): self.loc(frm), q(XLINK, "to"): to_label or self.loc(to)}
        if order is not None:
            attrib["order"] = f"{order}.0"
        attrib.update(extra)
        etree.SubElement(self.el, q(ns, tag), attrib=attrib)


def linkbase(s: Spec, roles: list[str], arcroles: list[str], nsmap: dict[str, str] | None = None,
             schema_location: str | None = None, arcrole_hrefs: dict[str, str] | None = None,
             absolute: bool = False) -> etree._Element:
    """A linkbase with the roleRefs of ``roles`` (role ids) and the arcroleRefs of ``arcroles``
    (``absolute``: the extension's roles by its schema's URL)."""
    root = etree.Element(q(LINK, "linkbase"), nsmap={"link": LINK, "xlink": XLINK, "xbrldt": XBRLDT,
                                                     **(nsmap or {})})
    if schema_location:
        root.set(q(XSI, "schemaLocation"), schema_location)
    for rid in roles:
        etree.SubElement(root, q(LINK, "roleRef"), attrib={
            "roleURI": s.role_uri(rid), q(XLINK, "type"): "simple", q(XLINK, "href"): s.role_ref_href(rid, absolute)})
    hrefs = {**ARCROLE_SCHEMA, **(arcrole_hrefs or {})}
    for name in arcroles:
        etree.SubElement(root, q(LINK, "arcroleRef"), attrib={
            "arcroleURI": ARCROLE.get(name, name), q(XLINK, "type"): "simple", q(XLINK, "href"): hrefs[name]})
    return root


def _labels(s: Spec, lang: str) -> etree._Element:
    """The standard labels (zh-CN: every concept used; English: the extension's) and the
    documentation labels of the extension concepts."""
    root = linkbase(s, [], [])
    link = Link(root, "labelLink", LINK_ROLE, s)
    zh = lang == "zh-CN"
    for c in s.concepts.values():
        if c.kind == "typed-domain":
            continue
        text = c.zh if zh else (c.en if c.prefix == s.prefix else None)
        for role, value, suffix in ((LABEL_ROLE, text, ""), (DOCUMENTATION_ROLE, c.doc_zh if zh else c.doc_en, "_doc")):
            if not value:
                continue
            lab = f"label_{c.prefix}_{c.name}{suffix}"
            el = etree.SubElement(link.el, q(LINK, "label"), attrib={
                q(XLINK, "type"): "resource", q(XLINK, "label"): lab, q(XLINK, "role"): role,
                q(XML_NS, "lang"): lang})
            el.text = value
            etree.SubElement(link.el, q(LINK, "labelArc"), attrib={
                q(XLINK, "type"): "arc", q(XLINK, "arcrole"): ARCROLE["concept-label"],
                q(XLINK, "from"): link.loc(c.qname), q(XLINK, "to"): lab})
    return root


def presentation_tree(link: Link, tree: list[tuple[int, str]]) -> None:
    """Parent-child arcs of an indented tree [(depth, qname)], ordered as listed (an arc that
    appears twice, as an axis and its domain under two tables, is written once)."""
    stack: list[str] = []
    order: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for depth, qname in tree:
        del stack[depth:]
        if stack and (stack[-1], qname) not in seen:
            parent = stack[-1]
            seen.add((parent, qname))
            order[parent] = order.get(parent, 0) + 1
            link.arc("presentationArc", "parent-child", parent, qname, order[parent])
        stack.append(qname)


def _presentation(s: Spec) -> etree._Element:
    root = linkbase(s, [*(r["id"] for r in s.roles), *s.ifrs_presentation], [])
    for role in s.roles:
        link = Link(root, "presentationLink", s.role_uri(role["id"]), s)
        for i, table in enumerate(role["tables"], 1):
            link.arc("presentationArc", "parent-child", role["heading"], table["table"], i)
            n = 1
            for axis in table["axes"]:
                link.arc("presentationArc", "parent-child", table["table"], axis["axis"], n)
                n += 1
                if "domain" in axis:
                    link.arc("presentationArc", "parent-child", axis["axis"], axis["domain"], 1)
                    for j, m in enumerate(axis["members"], 1):
                        link.arc("presentationArc", "parent-child", axis["domain"], m, j)
            link.arc("presentationArc", "parent-child", table["table"], table["line_items"], n)
            for j, item in enumerate(table["items"], 1):
                link.arc("presentationArc", "parent-child", table["line_items"], item, j)
    for rid, tree in s.ifrs_presentation.items():
        presentation_tree(Link(root, "presentationLink", s.role_uri(rid), s), tree)
    return root


def hypercube(link: Link, t: Table) -> None:
    """A table's definition arcs: line items -all-> table (closed, scenario), its axes, domains and
    members, and the line items."""
    link.arc("definitionArc", "all", t.line_items, t.table, 1,
             **{q(XBRLDT, "closed"): "true", q(XBRLDT, "contextElement"): "scenario"})
    for i, axis in enumerate(t.axes, 1):
        link.arc("definitionArc", "hypercube-dimension", t.table, axis["axis"], i)
        if "domain" in axis:
            link.arc("definitionArc", "dimension-domain", axis["axis"], axis["domain"], 1)
            for j, m in enumerate(axis["members"], 1):
                link.arc("definitionArc", "domain-member", axis["domain"], m, j)
    for j, item in enumerate(t.items, 1):
        link.arc("definitionArc", "domain-member", t.line_items, item, j)


def _definition(s: Spec) -> etree._Element:
    ifrs_def = list(dict.fromkeys(t.role for t in s.ifrs_tables))
    root = linkbase(s, [*(r["id"] for r in s.roles), *ifrs_def, "990000", "990100", "990200", "995000"],
                    ["all", "hypercube-dimension", "dimension-domain", "domain-member", "dimension-default",
                     s.wider_narrower], arcrole_hrefs={s.wider_narrower: f"{s.stem}.xsd#wider-narrower"})
    for role in s.roles:
        link = Link(root, "definitionLink", s.role_uri(role["id"]), s)
        for t in s.tables():
            if t.role == role["id"]:
                hypercube(link, t)
    for rid in ifrs_def:
        link = Link(root, "definitionLink", s.role_uri(rid), s)
        for t in s.ifrs_tables:
            if t.role == rid:
                hypercube(link, t)
    # defaults of the extension's explicit axes (the IFRS axes have theirs in the IFRS taxonomy)
    link = Link(root, "definitionLink", s.defaults_role, s)
    seen = set()
    for t in s.tables():
        for axis in t.axes:
            if "domain" in axis and axis["axis"].startswith(s.prefix + ":") and axis["axis"] not in seen:
                seen.add(axis["axis"])
                link.arc("definitionArc", "dimension-default", axis["axis"], axis["domain"], 1)
    # the domains of the extension's enumerations
    link = Link(root, "definitionLink", s.enum_role, s)
    domains: dict[str, list[str]] = {}
    current = None
    for c in s.concepts.values():
        if c.prefix != s.prefix:
            continue
        if c.kind == "domain":
            current = c.qname
            domains[current] = []
        elif c.kind == "member" and current is not None and not c.name.startswith("Province"):
            domains[current].append(c.qname)
        elif c.kind != "member":
            current = None
    used = {c.domain for c in s.concepts.values() if c.type in ("enum", "enumSet") and c.prefix == s.prefix}
    for dom in sorted(used):
        for j, m in enumerate(domains.get(dom, []), 1):
            link.arc("definitionArc", "domain-member", dom, m, j)
    # the project's metrics in the IFRS domain of metrics a target may be set on (role 995000)
    link = Link(root, "definitionLink", s.role_uri("995000"), s)
    for j, m in enumerate(s.metrics_domain, 1):
        link.arc("definitionArc", "domain-member", f"{s.ifrs_prefix}:SustainabilityMetricsDomain", m, 1000 + j)
    # anchoring: the IFRS concept of wider meaning → the extension concept narrowing it
    link = Link(root, "definitionLink", s.anchoring_role, s)
    for c in s.concepts.values():
        if c.prefix == s.prefix and c.anchor:
            link.arc("definitionArc", s.wider_narrower, c.anchor, c.qname, 1)
    return root


def _calculation(s: Spec) -> etree._Element:
    roles = [r["id"] for r in s.roles if r.get("calculation")]
    root = linkbase(s, roles, ["summation-item"])
    for rid in roles:
        link = Link(root, "calculationLink", s.role_uri(rid), s)
        for total, parts in s.calculations:
            for j, part in enumerate(parts, 1):
                link.arc("calculationArc", "summation-item", total, part, j, weight="1.0")
    return root


def paragraph_parts(para: str) -> list[tuple[str, str]]:
    """"29(a)(vi)(1)" → [(Paragraph, 29), (Subparagraph, a), (Clause, vi), (Subclause, 1)]."""
    m = re.fullmatch(r"([A-Z]?\d+)((?:\([0-9a-z]+\))*)", para)
    if not m:
        raise ValueError(f"concepts.yaml: not a paragraph of IFRS S2: {para!r}")
    subs = re.findall(r"\(([0-9a-z]+)\)", m.group(2))
    return list(zip(("Paragraph", "Subparagraph", "Clause", "Subclause"), (m.group(1), *subs), strict=False))


def _references(s: Spec) -> etree._Element:
    root = linkbase(s, [], [], nsmap={"ref": REF, "xsi": XSI},
                    schema_location=f"{REF} http://www.xbrl.org/2006/ref-2006-02-27.xsd {LINK} {LINKBASE_XSD}")
    link = Link(root, "referenceLink", LINK_ROLE, s)
    for c in s.concepts.values():
        if c.prefix != s.prefix or not (c.ifrs_ref or c.csds_chapter):
            continue
        refs = []
        if c.ifrs_ref:
            refs.append(("ifrs", [("Name", IFRS_S2["name"]), ("Number", IFRS_S2["number"]),
                                  ("IssueDate", IFRS_S2["issue_date"]), *paragraph_parts(c.ifrs_ref)]))
        if c.csds_chapter:
            refs.append(("csds", [("Publisher", CSDS["publisher"]), ("Name", CSDS["name"]),
                                  ("Chapter", str(c.csds_chapter))]))
        for key, parts in refs:
            lab = f"ref_{c.name}_{key}"
            res = etree.SubElement(link.el, q(LINK, "reference"), attrib={
                q(XLINK, "type"): "resource", q(XLINK, "label"): lab, q(XLINK, "role"): DISCLOSURE_REF_ROLE})
            for part, value in parts:
                etree.SubElement(res, q(REF, part)).text = value
            link.arc("referenceArc", "concept-reference", c.qname, "", to_label=lab)
    return root


def _role_labels(s: Spec) -> etree._Element:
    """The extension roles' labels, zh-CN and English (generic labels on the roleTypes)."""
    root = linkbase(s, [], ["element-label"], nsmap={"gen": GEN, "label": GLABEL, "xsi": XSI},
                    schema_location=(f"{LINK} {LINKBASE_XSD} {GEN} http://www.xbrl.org/2008/generic-link.xsd "
                                     f"{GLABEL} http://www.xbrl.org/2008/generic-label.xsd"))
    for uri, href in ((GENERIC_LINK_ROLE, "http://www.xbrl.org/2008/generic-link.xsd#standard-link-role"),
                      (GENERIC_LABEL_ROLE, "http://www.xbrl.org/2008/generic-label.xsd#standard-label")):
        root.insert(0, etree.Element(q(LINK, "roleRef"), attrib={"roleURI": uri, q(XLINK, "type"): "simple",
                                                                 q(XLINK, "href"): href}))
    link = Link(root, "link", GENERIC_LINK_ROLE, s, ns=GEN, href=lambda rid: f"{s.stem}.xsd#role-{rid}")
    labels = [(r["id"], r["zh"], r["en"]) for r in s.roles] + [
        ("990000", "[990000] 维度默认值", "[990000] Axis defaults"),
        ("990100", "[990100] 枚举值域", "[990100] Enumeration domains"),
        ("990200", "[990200] 扩展元素的锚定", "[990200] Anchoring of the extension concepts")]
    for rid, zh, en in labels:
        for lang, text in (("zh-CN", zh), ("en", en)):
            lab = f"label_role-{rid}_{lang}"
            el = etree.SubElement(link.el, q(GLABEL, "label"), attrib={
                q(XLINK, "type"): "resource", q(XLINK, "label"): lab, q(XLINK, "role"): GENERIC_LABEL_ROLE,
                q(XML_NS, "lang"): lang})
            el.text = text
            link.arc("arc", "element-label", rid, "", ns=GEN, to_label=lab)
    return root


def _package_xml(s: Spec) -> etree._Element:
    root = etree.Element(q(TP, "taxonomyPackage"), nsmap={"tp": TP}, attrib={q(XML_NS, "lang"): "en"})
    etree.SubElement(root, q(TP, "identifier")).text = s.namespace
    etree.SubElement(root, q(TP, "name")).text = s.name
    etree.SubElement(root, q(TP, "name"), attrib={q(XML_NS, "lang"): "zh-CN"}).text = s.name_zh
    etree.SubElement(root, q(TP, "description")).text = s.description
    etree.SubElement(root, q(TP, "description"), attrib={q(XML_NS, "lang"): "zh-CN"}).text = s.description_zh
    etree.SubElement(root, q(TP, "version")).text = s.date
    etree.SubElement(root, q(TP, "license"), href="https://www.apache.org/licenses/LICENSE-2.0",
                     name="Apache License 2.0")
    etree.SubElement(root, q(TP, "publisher")).text = s.publisher
    etree.SubElement(root, q(TP, "publisherURL")).text = s.publisher_url
    etree.SubElement(root, q(TP, "publicationDate")).text = s.date
    eps = etree.SubElement(root, q(TP, "entryPoints"))
    ep = etree.SubElement(eps, q(TP, "entryPoint"))
    etree.SubElement(ep, q(TP, "name")).text = "CSDS No. 1 (Climate) extension, with the IFRS essential entry point"
    etree.SubElement(ep, q(TP, "name"), attrib={q(XML_NS, "lang"): "zh-CN"}).text = \
        "CSDS 第1号（气候）扩展分类标准（含 IFRS 基本入口）"
    etree.SubElement(ep, q(TP, "entryPointDocument"), href=s.entry_point)
    return root


def catalog(rewrites: list[tuple[str, str]]) -> bytes:
    root = etree.Element(q(CATALOG, "catalog"), nsmap={None: CATALOG})
    for start, prefix in rewrites:
        etree.SubElement(root, q(CATALOG, "rewriteURI"), uriStartString=start, rewritePrefix=prefix)
    return xml_bytes(root)


@cache
def build_files() -> dict[str, bytes]:
    """The taxonomy package's files, path (inside the package folder) → bytes, sorted by path."""
    from .formulas import formula_linkbase

    s = spec()
    d = f"{s.folder}/{s.stem}"
    files = {
        # the version's folder only: a report's entity extension (``entity/…``) is a package of its own
        "META-INF/catalog.xml": catalog([(f"{s.base_url}{s.folder}/", f"../{s.folder}/")]),
        "META-INF/taxonomyPackage.xml": xml_bytes(_package_xml(s)),
        f"{d}.xsd": xml_bytes(_schema(s)),
        f"{d}_lab-zh.xml": xml_bytes(_labels(s, "zh-CN")),
        f"{d}_lab-en.xml": xml_bytes(_labels(s, "en")),
        f"{d}_pre.xml": xml_bytes(_presentation(s)),
        f"{d}_def.xml": xml_bytes(_definition(s)),
        f"{d}_cal.xml": xml_bytes(_calculation(s)),
        f"{d}_ref.xml": xml_bytes(_references(s)),
        f"{d}_gla.xml": xml_bytes(_role_labels(s)),
        f"{d}_for.xml": xml_bytes(formula_linkbase(s)),
    }
    return dict(sorted(files.items()))


PACKAGE_DIR = "csds"   # the folder of the published copy under taxonomies/, and the zip's top folder

ZIP_DATE = (2000, 1, 1, 0, 0, 0)   # a fixed timestamp: identical bytes on every run


def zip_bytes(files: dict[str, bytes], top: str) -> bytes:
    """A deterministic zip: sorted entries, fixed timestamps and permissions, one top folder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{path}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, files[path])
    return buf.getvalue()


def package_bytes() -> bytes:
    return zip_bytes(build_files(), PACKAGE_DIR)


def package_name() -> str:
    return f"{spec().stem}.zip"


def write_taxonomy(root: Path) -> list[Path]:
    """Write the published copy of the taxonomy package as a folder (``taxonomies/csds``)."""
    out = []
    for rel, data in build_files().items():
        p = Path(root) / PACKAGE_DIR / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        out.append(p)
    return out


# --- the IFRS package ----------------------------------------------------------------------------------

ENV_IFRS_PACKAGE = "DISCLOSURE_IFRS_PACKAGE"


def ifrs_package(explicit: str | Path | None = None, configured: Path | None = None,
                 search: list[Path] | None = None) -> tuple[Path | None, str]:
    """Where the IFRS taxonomy package is: the option (``--ifrs-package``), else
    ``DISCLOSURE_IFRS_PACKAGE``, else the report settings' ``xbrl.ifrs_package`` (``configured``,
    already resolved against the inventory folder), else a copy found in ``search``. Returns the
    path (or None) and where it came from."""
    given: list[tuple[str | Path | None, str]] = [
        (explicit, "--ifrs-package"),
        (os.environ.get(ENV_IFRS_PACKAGE), ENV_IFRS_PACKAGE),
        (configured, "report.yaml xbrl.ifrs_package"),
    ]
    for value, origin in given:
        if value:   # the first place the user named decides: a wrong path is reported, not skipped
            p = Path(value).expanduser()
            return (p, origin) if p.is_file() else (None, f"{origin} {p}")
    for p in search or []:
        if Path(p).is_file():
            return Path(p), str(p)
    return None, ""


def shared_ifrs_package(repo_root: Path) -> Path:
    """The copy the project's tests and CI use: ``../shared/taxonomies/`` beside the repository."""
    return Path(repo_root).resolve().parent / "shared" / "taxonomies" / spec().ifrs["package_file"]
