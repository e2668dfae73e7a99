"""The XBRL report package: one zip with the Inline XBRL report, the xBRL-XML instance and the
project's extension taxonomy (with its catalog, so the package resolves offline).

It follows the XBRL Report Package 1.0 layout for an unconstrained package (``.zip``): a single top
folder holding ``META-INF/reportPackage.json`` and ``reports/``, one report per sub-folder. The zip
is deterministic: sorted entries, fixed timestamps and permissions.
"""

from __future__ import annotations

import json

from lxml import etree

from .taxonomy import CATALOG, build_files, spec, zip_bytes

REPORT_PACKAGE_TYPE = "https://xbrl.org/report-package/2023"
INLINE_DIR = "reports/inline"
XML_DIR = "reports/xbrl"
TAXONOMY_DIR = "taxonomy"


def _catalog() -> bytes:
    s = spec()
    root = etree.Element(f"{{{CATALOG}}}catalog", nsmap={None: CATALOG})
    etree.SubElement(root, f"{{{CATALOG}}}rewriteURI", uriStartString=s.base_url,
                     rewritePrefix=f"../{TAXONOMY_DIR}/")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def package_files(stem: str, inline: bytes, instance: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {
        "META-INF/reportPackage.json": (json.dumps({"documentInfo": {"documentType": REPORT_PACKAGE_TYPE}},
                                                   indent=2) + "\n").encode("utf-8"),
        "META-INF/catalog.xml": _catalog(),
        f"{INLINE_DIR}/{stem}.xhtml": inline,
        f"{XML_DIR}/{stem}.xbrl": instance,
    }
    for rel, data in build_files().items():
        if rel == "META-INF/taxonomyPackage.xml":
            files[rel] = data
        elif not rel.startswith("META-INF/"):
            files[f"{TAXONOMY_DIR}/{rel}"] = data
    return files


def report_package_bytes(stem: str, inline: bytes, instance: bytes) -> bytes:
    return zip_bytes(package_files(stem, inline, instance), stem)
