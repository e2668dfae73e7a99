"""The project's extension taxonomy, built from ``concepts.yaml``, and where the IFRS package is.

The extension (namespace in ``concepts.yaml``) imports the IFRS Sustainability Disclosure Taxonomy's
essential entry point by its official URL and adds the concepts the IFRS taxonomy lacks, zh-CN
labels for every concept used, a presentation in the order of the chapters of CSDS No. 1 and the
tables (hypercubes) that say which dimensions each concept takes. It ships as a taxonomy package
(``META-INF/taxonomyPackage.xml`` and ``catalog.xml``) so Arelle resolves it with no network.

The files are generated (deterministically) from the data file: ``build_files()`` returns them,
``write_taxonomy()`` writes the published copy (``taxonomies/`` in the repository:
``python -m disclosure.export.xbrl taxonomies``), ``package_bytes()`` zips them.

The IFRS taxonomy itself is never copied into the project (its terms forbid it): a user supplies
the package downloaded from the IFRS Foundation (``ifrs_package()``).
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
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

SCHEMA_LOCATIONS = {
    XBRLI: "http://www.xbrl.org/2003/xbrl-instance-2003-12-31.xsd",
    XBRLDT: "http://www.xbrl.org/2005/xbrldt-2005.xsd",
    DTR22: "https://www.xbrl.org/dtr/type/2022-03-31/types.xsd",
    DTR24: "https://www.xbrl.org/dtr/type/2024-01-31/types.xsd",
    ENUM2: "https://www.xbrl.org/2020/extensible-enumerations-2.0.xsd",
}
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
}
LABEL_ROLE = "http://www.xbrl.org/2003/role/label"
LINK_ROLE = "http://www.xbrl.org/2003/role/link"

# short type names of concepts.yaml → (namespace, local name)
TYPES = {
    "ghg": (DTR22, "ghgEmissionsItemType"),
    "ghgPerMonetary": (DTR24, "ghgEmissionsPerMonetaryItemType"),
    "decimal": (XBRLI, "decimalItemType"),
    "percent": (DTR22, "percentItemType"),
    "monetary": (XBRLI, "monetaryItemType"),
    "energy": (DTR22, "energyItemType"),
    "string": (XBRLI, "stringItemType"),
    "text": (DTR22, "textBlockItemType"),
    "boolean": (XBRLI, "booleanItemType"),
    "gYear": (XBRLI, "gYearItemType"),
    "date": (XBRLI, "dateItemType"),
    "enum": (ENUM2, "enumerationItemType"),
    "enumSet": (ENUM2, "enumerationSetItemType"),
    "domain": (DTR22, "domainItemType"),
}
NUMERIC_TYPES = {"ghg", "ghgPerMonetary", "decimal", "percent", "monetary", "energy"}


@dataclass(frozen=True)
class Concept:
    """One concept the project uses: its qualified name, kind and type (short name)."""

    prefix: str
    name: str
    kind: str            # item | abstract | axis | typed-axis | typed-domain | domain | member | table
    type: str | None     # short type name (items only)
    period: str = "duration"
    zh: str | None = None
    en: str | None = None
    domain: str | None = None   # enum domain, or the typed domain element of a typed axis

    @property
    def qname(self) -> str:
        return f"{self.prefix}:{self.name}"

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES


@dataclass(frozen=True)
class Spec:
    prefix: str
    namespace: str
    date: str
    base_url: str
    folder: str
    stem: str
    name: str
    publisher: str
    publisher_url: str
    role_base: str
    ifrs: dict[str, str]
    identifier_schemes: dict[str, str]
    concepts: dict[str, Concept]     # by qname, extension and IFRS
    roles: list[dict[str, Any]]
    province_members: dict[str, str]  # short Chinese province name → member qname

    @property
    def entry_point(self) -> str:
        """The official URL of the extension's schema (resolved offline through the package catalog)."""
        return f"{self.base_url}{self.folder}/{self.stem}.xsd"

    @property
    def ifrs_prefix(self) -> str:
        return self.ifrs["prefix"]

    def ns(self, prefix: str) -> str:
        return {self.prefix: self.namespace, self.ifrs_prefix: self.ifrs["namespace"]}[prefix]

    def role_uri(self, role_id: str) -> str:
        return f"{self.role_base}{role_id}"

    @property
    def enum_role(self) -> str:
        return self.role_uri("990100")

    @property
    def defaults_role(self) -> str:
        return self.role_uri("990000")

    def concept(self, qname: str) -> Concept:
        return self.concepts[qname]

    def href(self, qname: str) -> str:
        """A locator's href for a concept: the IFRS core schema by URL, the extension by file."""
        prefix, name = qname.split(":")
        if prefix == self.ifrs_prefix:
            return f"{self.ifrs['core_schema']}#{prefix}_{name}"
        return f"{self.stem}.xsd#{prefix}_{name}"

    def expanded(self, qname: str) -> str:
        """The expanded URI of a member, as enumeration facts hold it (namespace#localName)."""
        prefix, name = qname.split(":")
        return f"{self.ns(prefix)}#{name}"


def _ifrs_kind(name: str) -> tuple[str, str | None]:
    """Kind and short type of an IFRS concept the project uses (all of them are duration)."""
    if name.endswith("Member"):
        return "member", "domain"
    if name.endswith("Domain"):
        return "domain", "domain"
    if name.endswith("Axis"):
        return "axis", None
    if name.startswith("AbsoluteGross"):
        return "item", "ghg"
    if name.endswith("Explanatory"):
        return "item", "text"
    simple = {
        "CategoriesIncludedWithinMeasureOfScope3GHGEmissions": "enumSet",
        "EmissionsScopesCoveredByTarget": "enumSet",
        "MeasurementApproachUsedInCalculatingGHGEmissionsIfMeasuredInAccordanceWithGHGProtocol": "enum",
        "ClimaterelatedTargetIsAbsoluteTargetOrIntensityTarget": "enum",
        "GrossOrNetGHGEmissionsTarget": "enum",
        "PriceForEachMetricTonneOfGHGEmissionsUsedToAssessCostsOfGHGEmissions": "monetary",
        "PercentageOfExecutiveManagementRemunerationRecognisedInTheCurrentPeriodLinkedToClimaterelatedConsiderations":
            "percent",
        "BasePeriodFromWhichProgressForTargetIsMeasured": "gYear",
        "TargetValueNumeric": "decimal",
        "PeriodOverWhichTargetApplies": "string",
        "PartOfEntityToWhichClimaterelatedTargetApplies": "string",
    }
    if name in simple:
        return "item", simple[name]
    raise ValueError(f"concepts.yaml: say what kind the IFRS concept {name} is")


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


@cache
def spec() -> Spec:
    data = yamlfile.load_data(resources.files(__package__).joinpath("concepts.yaml").read_text(encoding="utf-8"))
    t = data["taxonomy"]
    prefix = t["prefix"]
    ifrs = data["ifrs"]
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
        concepts[f"{prefix}:{c['name']}"] = Concept(prefix, c["name"], kind, ctype, c.get("period", "duration"),
                                                    zh, en, dom)
    # one member per province-level division (GB/T 2260 code), labels from core/provinces.csv
    from ...core.geo import provinces

    province_members: dict[str, str] = {}
    for r in provinces().itertuples(index=False):
        q = f"{prefix}:Province{r.code}Member"
        concepts[q] = Concept(prefix, f"Province{r.code}Member", "member", "domain", "duration",
                              r.full_name, f"{r.name_en} [member]")
        province_members[r.name] = q
    for name, zh in data["ifrs_labels"].items():
        kind, ctype = _ifrs_kind(name)
        if zh is None:   # a value of the vocabulary (the English label is the IFRS taxonomy's own)
            zh = member_labels(f"{ifrs['prefix']}:{name}")[0]
        concepts[f"{ifrs['prefix']}:{name}"] = Concept(ifrs["prefix"], name, kind, ctype, "duration", zh, None)
    roles = data["roles"]
    for role in roles:
        for table in role["tables"]:
            for axis in table["axes"]:
                if axis.get("members") == "provinces":
                    axis["members"] = list(province_members.values())
    return Spec(prefix=prefix, namespace=t["namespace"], date=str(t["date"]), base_url=t["base_url"],
                folder=str(t["folder"]), stem=t["stem"], name=t["name"], publisher=t["publisher"],
                publisher_url=t["publisher_url"], role_base=t["role_base"], ifrs=ifrs,
                identifier_schemes=data["identifier_schemes"], concepts=concepts, roles=roles,
                province_members=province_members)


# --- writing the files -------------------------------------------------------------------------------

def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _schema(s: Spec) -> etree._Element:
    nsmap = {"xs": XSD, "xbrli": XBRLI, "link": LINK, "xlink": XLINK, "xbrldt": XBRLDT, "enum2": ENUM2,
             "dtr-2022": DTR22, "dtr-2024": DTR24, s.ifrs_prefix: s.ifrs["namespace"], s.prefix: s.namespace}
    root = etree.Element(_q(XSD, "schema"), nsmap=nsmap, attrib={
        "targetNamespace": s.namespace, "elementFormDefault": "qualified", "attributeFormDefault": "unqualified"})
    ann = etree.SubElement(root, _q(XSD, "annotation"))
    app = etree.SubElement(ann, _q(XSD, "appinfo"))
    for suffix, role in (("lab-zh.xml", "labelLinkbaseRef"), ("lab-en.xml", "labelLinkbaseRef"),
                         ("pre.xml", "presentationLinkbaseRef"), ("def.xml", "definitionLinkbaseRef")):
        etree.SubElement(app, _q(LINK, "linkbaseRef"), attrib={
            _q(XLINK, "type"): "simple", _q(XLINK, "href"): f"{s.stem}_{suffix}",
            _q(XLINK, "role"): f"http://www.xbrl.org/2003/role/{role}",
            _q(XLINK, "arcrole"): "http://www.w3.org/1999/xlink/properties/linkbase"})
    for role in s.roles:
        _role_type(app, s.role_uri(role["id"]), f"role-{role['id']}",
                   f"{role['en']} | {role['zh'].split('] ', 1)[-1]}",
                   ("link:presentationLink", "link:definitionLink"))
    _role_type(app, s.defaults_role, "role-990000", "[990000] Axis defaults | 维度默认值", ("link:definitionLink",))
    _role_type(app, s.enum_role, "role-990100", "[990100] Enumeration domains | 枚举值域", ("link:definitionLink",))
    for ns, loc in SCHEMA_LOCATIONS.items():
        etree.SubElement(root, _q(XSD, "import"), namespace=ns, schemaLocation=loc)
    etree.SubElement(root, _q(XSD, "import"), namespace=IFRS_ENTRY_NAMESPACE, schemaLocation=s.ifrs["entry_point"])
    for c in s.concepts.values():
        if c.prefix != s.prefix:
            continue
        attrib = {"name": c.name, "id": f"{c.prefix}_{c.name}"}
        if c.kind == "typed-domain":
            attrib["type"] = "xs:string"
            etree.SubElement(root, _q(XSD, "element"), attrib=attrib)
            continue
        abstract = c.kind != "item"
        if c.kind in ("axis", "typed-axis"):
            attrib.update(substitutionGroup="xbrldt:dimensionItem", type="xbrli:stringItemType")
            if c.kind == "typed-axis":
                attrib[_q(XBRLDT, "typedDomainRef")] = f"#{c.prefix}_{c.domain.split(':')[1]}"
        elif c.kind == "table":
            attrib.update(substitutionGroup="xbrldt:hypercubeItem", type="xbrli:stringItemType")
        elif c.kind == "abstract":
            attrib.update(substitutionGroup="xbrli:item", type="xbrli:stringItemType")
        else:
            ns, local = TYPES[c.type]
            tprefix = {XBRLI: "xbrli", DTR22: "dtr-2022", DTR24: "dtr-2024", ENUM2: "enum2"}[ns]
            attrib.update(substitutionGroup="xbrli:item", type=f"{tprefix}:{local}")
            if c.type in ("enum", "enumSet"):
                attrib[_q(ENUM2, "domain")] = c.domain
                attrib[_q(ENUM2, "linkrole")] = s.enum_role
                attrib[_q(ENUM2, "headUsable")] = "false"
            if c.type == "monetary":
                attrib[_q(XBRLI, "balance")] = "credit"
        attrib["abstract"] = "true" if abstract else "false"
        attrib["nillable"] = "true"
        attrib[_q(XBRLI, "periodType")] = c.period
        etree.SubElement(root, _q(XSD, "element"), attrib=attrib)
    return root


def _role_type(parent: etree._Element, uri: str, ident: str, definition: str, used_on: tuple[str, ...]) -> None:
    rt = etree.SubElement(parent, _q(LINK, "roleType"), roleURI=uri, id=ident)
    etree.SubElement(rt, _q(LINK, "definition")).text = definition
    for u in used_on:
        etree.SubElement(rt, _q(LINK, "usedOn")).text = u


class _Link:
    """An extended link with one locator per concept."""

    def __init__(self, parent: etree._Element, tag: str, role: str, s: Spec):
        self.el = etree.SubElement(parent, _q(LINK, tag), attrib={_q(XLINK, "type"): "extended",
                                                                   _q(XLINK, "role"): role})
        self.s = s
        self.locs: dict[str, str] = {}

    def loc(self, qname: str) -> str:
        if qname not in self.locs:
            label = "loc_" + qname.replace(":", "_")
            etree.SubElement(self.el, _q(LINK, "loc"), attrib={
                _q(XLINK, "type"): "locator", _q(XLINK, "href"): self.s.href(qname), _q(XLINK, "label"): label})
            self.locs[qname] = label
        return self.locs[qname]

    def arc(self, tag: str, arcrole: str, frm: str, to: str, order: int | None = None, **extra: str) -> None:
        attrib = {_q(XLINK, "type"): "arc", _q(XLINK, "arcrole"): ARCROLE[arcrole],
                  _q(XLINK, "from"): self.loc(frm), _q(XLINK, "to"): self.loc(to)}
        if order is not None:
            attrib["order"] = f"{order}.0"
        attrib.update(extra)
        etree.SubElement(self.el, _q(LINK, tag), attrib=attrib)


def _linkbase(s: Spec, roles: list[str], arcroles: list[str]) -> etree._Element:
    root = etree.Element(_q(LINK, "linkbase"), nsmap={"link": LINK, "xlink": XLINK, "xbrldt": XBRLDT})
    for uri in roles:
        etree.SubElement(root, _q(LINK, "roleRef"), attrib={
            "roleURI": uri, _q(XLINK, "type"): "simple",
            _q(XLINK, "href"): f"{s.stem}.xsd#role-{uri.rsplit('/', 1)[1]}"})
    for name in arcroles:
        etree.SubElement(root, _q(LINK, "arcroleRef"), attrib={
            "arcroleURI": ARCROLE[name], _q(XLINK, "type"): "simple",
            _q(XLINK, "href"): f"http://www.xbrl.org/2005/xbrldt-2005.xsd#{name}"})
    return root


def _labels(s: Spec, lang: str) -> etree._Element:
    root = _linkbase(s, [], [])
    link = _Link(root, "labelLink", LINK_ROLE, s)
    for c in s.concepts.values():
        text = c.zh if lang == "zh-CN" else c.en
        if c.kind == "typed-domain" or not text:
            continue
        loc = link.loc(c.qname)
        lab = f"label_{c.prefix}_{c.name}"
        el = etree.SubElement(link.el, _q(LINK, "label"), attrib={
            _q(XLINK, "type"): "resource", _q(XLINK, "label"): lab, _q(XLINK, "role"): LABEL_ROLE,
            _q(XML_NS, "lang"): lang})
        el.text = text
        etree.SubElement(link.el, _q(LINK, "labelArc"), attrib={
            _q(XLINK, "type"): "arc", _q(XLINK, "arcrole"): ARCROLE["concept-label"],
            _q(XLINK, "from"): loc, _q(XLINK, "to"): lab})
    return root


def _presentation(s: Spec) -> etree._Element:
    root = _linkbase(s, [s.role_uri(r["id"]) for r in s.roles], [])
    for role in s.roles:
        link = _Link(root, "presentationLink", s.role_uri(role["id"]), s)
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
    return root


def _definition(s: Spec) -> etree._Element:
    root = _linkbase(s, [*(s.role_uri(r["id"]) for r in s.roles), s.defaults_role, s.enum_role],
                     ["all", "hypercube-dimension", "dimension-domain", "domain-member", "dimension-default"])
    for role in s.roles:
        link = _Link(root, "definitionLink", s.role_uri(role["id"]), s)
        for table in role["tables"]:
            link.arc("definitionArc", "all", table["line_items"], table["table"], 1,
                     **{_q(XBRLDT, "closed"): "true", _q(XBRLDT, "contextElement"): "scenario"})
            for i, axis in enumerate(table["axes"], 1):
                link.arc("definitionArc", "hypercube-dimension", table["table"], axis["axis"], i)
                if "domain" in axis:
                    link.arc("definitionArc", "dimension-domain", axis["axis"], axis["domain"], 1)
                    for j, m in enumerate(axis["members"], 1):
                        link.arc("definitionArc", "domain-member", axis["domain"], m, j)
            for j, item in enumerate(table["items"], 1):
                link.arc("definitionArc", "domain-member", table["line_items"], item, j)
    # defaults of the extension's explicit axes (the IFRS axes have theirs in the IFRS taxonomy)
    link = _Link(root, "definitionLink", s.defaults_role, s)
    seen = set()
    for role in s.roles:
        for table in role["tables"]:
            for axis in table["axes"]:
                if "domain" in axis and axis["axis"].startswith(s.prefix + ":") and axis["axis"] not in seen:
                    seen.add(axis["axis"])
                    link.arc("definitionArc", "dimension-default", axis["axis"], axis["domain"], 1)
    # the domains of the extension's enumerations
    link = _Link(root, "definitionLink", s.enum_role, s)
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
    return root


def _package_xml(s: Spec) -> etree._Element:
    root = etree.Element(_q(TP, "taxonomyPackage"), nsmap={"tp": TP}, attrib={_q(XML_NS, "lang"): "en"})
    etree.SubElement(root, _q(TP, "identifier")).text = s.namespace
    etree.SubElement(root, _q(TP, "name")).text = s.name
    etree.SubElement(root, _q(TP, "description")).text = (
        "Extension of the IFRS Sustainability Disclosure Taxonomy 2024-04-26 for disclosures under "
        "China's CSDS No. 1 - Climate (企业可持续披露准则第1号——气候): concepts the IFRS taxonomy "
        "lacks, zh-CN labels and the tables used by the disclosure tool.")
    etree.SubElement(root, _q(TP, "version")).text = s.date
    etree.SubElement(root, _q(TP, "license"), href="https://www.apache.org/licenses/LICENSE-2.0",
                     name="Apache License 2.0")
    etree.SubElement(root, _q(TP, "publisher")).text = s.publisher
    etree.SubElement(root, _q(TP, "publisherURL")).text = s.publisher_url
    etree.SubElement(root, _q(TP, "publicationDate")).text = s.date
    eps = etree.SubElement(root, _q(TP, "entryPoints"))
    ep = etree.SubElement(eps, _q(TP, "entryPoint"))
    etree.SubElement(ep, _q(TP, "name")).text = "CSDS No. 1 (Climate) extension, with the IFRS essential entry point"
    etree.SubElement(ep, _q(TP, "entryPointDocument"), href=s.entry_point)
    return root


def _catalog(s: Spec) -> etree._Element:
    root = etree.Element(_q(CATALOG, "catalog"), nsmap={None: CATALOG})
    etree.SubElement(root, _q(CATALOG, "rewriteURI"), uriStartString=s.base_url, rewritePrefix="../")
    return root


@cache
def build_files() -> dict[str, bytes]:
    """The taxonomy package's files, path (inside the package folder) → bytes, sorted by path."""
    s = spec()
    d = f"{s.folder}/{s.stem}"
    files = {
        "META-INF/catalog.xml": _xml(_catalog(s)),
        "META-INF/taxonomyPackage.xml": _xml(_package_xml(s)),
        f"{d}.xsd": _xml(_schema(s)),
        f"{d}_lab-zh.xml": _xml(_labels(s, "zh-CN")),
        f"{d}_lab-en.xml": _xml(_labels(s, "en")),
        f"{d}_pre.xml": _xml(_presentation(s)),
        f"{d}_def.xml": _xml(_definition(s)),
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

