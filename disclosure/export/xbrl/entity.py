"""A report's own extension: the members only the report knows (its entity extension).

The IFRS axes of risks and opportunities, targets and carbon credits have no members: the filer
declares one per risk or opportunity (disclosures.yaml ``strategy.risks_opportunities[].id``), per
target (``targets[].id``, plus the gross target IFRS S2 36(c) associates with a net target that
plans carbon credits) and per planned use of carbon credits. This module declares them in a small
taxonomy of the report (namespace and URL under the project's taxonomy address, by the entity's
identifier and the period's end), which imports the project's extension and adds, in the IFRS
roles, the members under the domains of the tables the project's taxonomy defines (risks under
``ClimaterelatedRiskMember`` or ``ClimaterelatedOpportunityMember``), their presentation and their
labels (the titles and names of disclosures.yaml, zh-CN and English).

The report package holds these files under ``taxonomy/`` beside the project's extension (its
catalog maps both); the report folder has them as a taxonomy package of their own
(``taxonomy/<stem>-entity.zip``) for validating the loose ``.xbrl``, ``.xhtml`` and ``.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree

from ...core import vocabulary as vocab
from .taxonomy import (
    DTR22,
    LABEL_ROLE,
    LINK,
    LINK_ROLE,
    TP,
    XBRLI,
    XLINK,
    XML_NS,
    XSD,
    Link,
    Spec,
    catalog,
    linkbase,
    linkbase_ref,
    q,
    spec,
    xml_bytes,
    zip_bytes,
)

PREFIX = "ent"
RISK_PARENTS = {"transition_risk": "ifrs-sds:ClimaterelatedRiskMember",
                "physical_risk": "ifrs-sds:ClimaterelatedRiskMember",
                "opportunity": "ifrs-sds:ClimaterelatedOpportunityMember"}
RISK_ROLES = ("210000b", "210000f", "210000n")
TARGET_ROLES = ("210000h", "210000i")
CREDIT_ROLES = ("210000i",)


@dataclass(frozen=True)
class Member:
    qname: str
    zh: str
    en: str
    parent: str                  # the domain or member it sits under
    roles: tuple[str, ...]       # the IFRS roles whose tables admit it


def _text(v: Any, lang: str) -> str:
    if isinstance(v, dict):
        return str(v.get("zh" if lang == "zh" else "en") or v.get("en" if lang == "zh" else "zh") or "").strip()
    return str(v or "").strip()


def _name(ident: str, taken: set[str], stem: str, n: int) -> str:
    """A member's local name from an id of disclosures.yaml (letters and digits kept)."""
    safe = re.sub(r"[^A-Za-z0-9]", "", ident)
    name = f"{stem}{safe}Member" if safe else f"{stem}{n}Member"
    if name in taken:
        name = f"{stem}{n}{safe}Member"
    taken.add(name)
    return name


@dataclass(frozen=True)
class EntityExtension:
    identifier: str
    end: str
    stem: str                    # the report's file stem
    members: tuple[Member, ...]
    risks: dict[str, str]        # risk or opportunity id → member
    targets: dict[str, str]      # target id → member
    gross_targets: dict[str, str]   # net target id → the member of its gross target
    credits: dict[str, str]      # target id → the member of its planned carbon credits

    @property
    def s(self) -> Spec:
        return spec()

    @property
    def prefix(self) -> str:
        return PREFIX

    @cached_property
    def folder(self) -> str:
        """The folder of the files, under the project's taxonomy address."""
        ident = re.sub(r"[^A-Za-z0-9]", "", self.identifier) or "entity"
        return f"entity/{ident}/{self.end or 'period'}"

    @property
    def namespace(self) -> str:
        return f"{self.s.base_url}{self.folder}"

    @property
    def entry_point(self) -> str:
        return f"{self.s.base_url}{self.folder}/{self.stem}.xsd"

    def href(self, qname: str) -> str:
        prefix, name = qname.split(":")
        if prefix == PREFIX:
            return f"{self.stem}.xsd#{prefix}_{name}"
        return self.s.href(qname, absolute=True)

    def label(self, qname: str, lang: str) -> str | None:
        m = next((m for m in self.members if m.qname == qname), None)
        return None if m is None else (m.zh if lang == "zh" else m.en)

    # --- the files ---------------------------------------------------------------------------------
    def _schema(self) -> etree._Element:
        s = self.s
        root = etree.Element(q(XSD, "schema"), nsmap={"xs": XSD, "xbrli": XBRLI, "link": LINK, "xlink": XLINK,
                                                      "dtr-2022": DTR22, PREFIX: self.namespace},
                             attrib={"targetNamespace": self.namespace, "elementFormDefault": "qualified",
                                     "attributeFormDefault": "unqualified"})
        app = etree.SubElement(etree.SubElement(root, q(XSD, "annotation")), q(XSD, "appinfo"))
        for suffix, role in (("lab-zh.xml", "labelLinkbaseRef"), ("lab-en.xml", "labelLinkbaseRef"),
                             ("pre.xml", "presentationLinkbaseRef"), ("def.xml", "definitionLinkbaseRef")):
            linkbase_ref(app, f"{self.stem}_{suffix}", role)
        etree.SubElement(root, q(XSD, "import"), namespace=XBRLI,
                         schemaLocation="http://www.xbrl.org/2003/xbrl-instance-2003-12-31.xsd")
        etree.SubElement(root, q(XSD, "import"), namespace=DTR22,
                         schemaLocation="https://www.xbrl.org/dtr/type/2022-03-31/types.xsd")
        etree.SubElement(root, q(XSD, "import"), namespace=s.namespace, schemaLocation=s.entry_point)
        for m in self.members:
            name = m.qname.split(":")[1]
            etree.SubElement(root, q(XSD, "element"), attrib={
                "name": name, "id": f"{PREFIX}_{name}", "substitutionGroup": "xbrli:item",
                "type": "dtr-2022:domainItemType", "abstract": "true", "nillable": "true",
                q(XBRLI, "periodType"): "duration"})
        return root

    def _labels(self, lang: str) -> etree._Element:
        root = linkbase(self.s, [], [])
        link = Link(root, "labelLink", LINK_ROLE, self.s, href=self.href)
        for m in self.members:
            lab = f"label_{m.qname.split(':')[1]}"
            el = etree.SubElement(link.el, q(LINK, "label"), attrib={
                q(XLINK, "type"): "resource", q(XLINK, "label"): lab, q(XLINK, "role"): LABEL_ROLE,
                q(XML_NS, "lang"): lang})
            el.text = m.zh if lang == "zh-CN" else m.en
            link.arc("labelArc", "concept-label", m.qname, "", to_label=lab)
        return root

    def _presentation(self) -> etree._Element:
        root = linkbase(self.s, ["210000"], [], absolute=True)
        link = Link(root, "presentationLink", self.s.role_uri("210000"), self.s, href=self.href)
        order: dict[str, int] = {}
        for m in self.members:
            order[m.parent] = order.get(m.parent, 0) + 1
            link.arc("presentationArc", "parent-child", m.parent, m.qname, order[m.parent])
        return root

    def _definition(self) -> etree._Element:
        roles = sorted({r for m in self.members for r in m.roles})
        root = linkbase(self.s, roles, ["domain-member"], absolute=True)
        for rid in roles:
            link = Link(root, "definitionLink", self.s.role_uri(rid), self.s, href=self.href)
            order: dict[str, int] = {}
            for m in self.members:
                if rid in m.roles:
                    order[m.parent] = order.get(m.parent, 0) + 1
                    link.arc("definitionArc", "domain-member", m.parent, m.qname, order[m.parent])
        return root

    def files(self) -> dict[str, bytes]:
        """The files, by their path under the project's taxonomy address (``entity/…``)."""
        d = f"{self.folder}/{self.stem}"
        return {f"{d}.xsd": xml_bytes(self._schema()), f"{d}_lab-zh.xml": xml_bytes(self._labels("zh-CN")),
                f"{d}_lab-en.xml": xml_bytes(self._labels("en")), f"{d}_pre.xml": xml_bytes(self._presentation()),
                f"{d}_def.xml": xml_bytes(self._definition())}

    def package_name(self) -> str:
        return f"{self.stem}-entity.zip"

    def package_bytes(self, name_zh: str = "", name_en: str = "") -> bytes:
        """The files as a taxonomy package of their own (for the report folder's loose documents)."""
        tp = etree.Element(q(TP, "taxonomyPackage"), nsmap={"tp": TP}, attrib={q(XML_NS, "lang"): "en"})
        etree.SubElement(tp, q(TP, "identifier")).text = self.namespace
        etree.SubElement(tp, q(TP, "name")).text = f"{name_en or name_zh} - climate-related disclosures {self.end}: entity extension"
        etree.SubElement(tp, q(TP, "name"), attrib={q(XML_NS, "lang"): "zh-CN"}).text = \
            f"{name_zh or name_en} {self.end} 气候相关披露：主体扩展分类标准"
        etree.SubElement(tp, q(TP, "version")).text = self.end
        eps = etree.SubElement(etree.SubElement(tp, q(TP, "entryPoints")), q(TP, "entryPoint"))
        etree.SubElement(eps, q(TP, "name")).text = "Entity extension"
        etree.SubElement(eps, q(TP, "entryPointDocument"), href=self.entry_point)
        files = {"META-INF/taxonomyPackage.xml": xml_bytes(tp),
                 "META-INF/catalog.xml": catalog([(f"{self.s.base_url}entity/", "../entity/")])}
        files.update(self.files())
        return zip_bytes(files, f"{self.stem}-entity")


def entity_extension(results: dict[str, Any], stem: str) -> EntityExtension:
    """The members of a report, from results.json (disclosures.yaml and the targets' progress)."""
    disc = results.get("disclosures") if isinstance(results.get("disclosures"), dict) else {}
    members: list[Member] = []
    taken: set[str] = set()
    risks: dict[str, str] = {}
    ro = ((disc.get("strategy") or {}).get("risks_opportunities") or []) if isinstance(disc.get("strategy"), dict) else []
    for n, r in enumerate(ro, 1):
        if not isinstance(r, dict) or not r.get("id") or str(r["id"]) in risks:
            continue
        rid = str(r["id"])
        qn = f"{PREFIX}:{_name(rid, taken, 'RiskOrOpportunity', n)}"
        parent = RISK_PARENTS.get(str(r.get("kind")), "ifrs-sds:RisksAndOpportunitiesDomain")
        title_zh, title_en = _text(r.get("title"), "zh"), _text(r.get("title"), "en")
        members.append(Member(qn, f"{rid} {title_zh}".strip(), f"{rid} {title_en}".strip() + " [member]",
                              parent, RISK_ROLES))
        risks[rid] = qn
    targets: dict[str, str] = {}
    gross: dict[str, str] = {}
    credits: dict[str, str] = {}
    progress = {str(x.get("id")): x for x in results.get("targets") or [] if isinstance(x, dict)}
    for n, t in enumerate(disc.get("targets") or [], 1):
        if not isinstance(t, dict) or not t.get("id") or str(t["id"]) in targets:
            continue
        tid = str(t["id"])
        qn = f"{PREFIX}:{_name(tid, taken, 'Target', n)}"
        name_zh, name_en = _text(t.get("name"), "zh"), _text(t.get("name"), "en")
        members.append(Member(qn, f"{tid} {name_zh}".strip(), f"{tid} {name_en}".strip() + " [member]",
                              "ifrs-sds:TargetsDomain", TARGET_ROLES))
        targets[tid] = qn
        if (progress.get(tid) or {}).get("gross_target_value") is not None:
            g = f"{PREFIX}:{qn.split(':')[1][:-len('Member')]}GrossMember"
            members.append(Member(g, f"{tid} 对应的总排放目标", f"{tid} associated gross emissions target [member]",
                                  "ifrs-sds:TargetsDomain", TARGET_ROLES))
            gross[tid] = g
        if t.get("basis") == "net" and isinstance(t.get("carbon_credits"), int | float) and t["carbon_credits"] > 0:
            c = f"{PREFIX}:PlannedCarbonCreditsFor{qn.split(':')[1]}"
            members.append(Member(c, f"{tid} 计划使用的碳信用", f"{tid} planned carbon credits [member]",
                                  "ifrs-sds:CarbonCreditDomain", CREDIT_ROLES))
            credits[tid] = c
    ent = results.get("entity") or {}
    return EntityExtension(str(ent.get("identifier") or ""), str((results.get("period") or {}).get("end") or ""),
                           stem, tuple(members), risks, targets, gross, credits)


def kind_member(kind: Any) -> str | None:
    """The IFRS category member of a risk's kind (transition or physical), None for an opportunity."""
    return vocab.member("ro_kind", kind) if kind in vocab.enumeration("ro_kind") else None
