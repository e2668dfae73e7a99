"""The XBRL report package: one zip with the Inline XBRL report, the xBRL-XML instance and the
xBRL-JSON report, the project's extension taxonomy and the report's entity extension (with the
catalog that maps both, so the package resolves offline).

It follows the XBRL Report Package 1.0 layout for an unconstrained package (``.zip``): a single top
folder holding ``META-INF/reportPackage.json`` and ``reports/``, one report per sub-folder. The zip
is deterministic: sorted entries, fixed timestamps and permissions.
"""

from __future__ import annotations

import json

from .entity import EntityExtension
from .taxonomy import build_files, catalog, spec, zip_bytes

REPORT_PACKAGE_TYPE = "https://xbrl.org/report-package/2023"
INLINE_DIR = "reports/inline"
XML_DIR = "reports/xbrl"
JSON_DIR = "reports/json"
TAXONOMY_DIR = "taxonomy"


def package_files(stem: str, inline: bytes, instance: bytes, report_json: bytes | None = None,
                  ext: EntityExtension | None = None) -> dict[str, bytes]:
    s = spec()
    files: dict[str, bytes] = {
        "META-INF/reportPackage.json": (json.dumps({"documentInfo": {"documentType": REPORT_PACKAGE_TYPE}},
                                                   indent=2) + "\n").encode("utf-8"),
        "META-INF/catalog.xml": catalog([(s.base_url, f"../{TAXONOMY_DIR}/")]),
        f"{INLINE_DIR}/{stem}.xhtml": inline,
        f"{XML_DIR}/{stem}.xbrl": instance,
    }
    if report_json is not None:
        files[f"{JSON_DIR}/{stem}.json"] = report_json
    for rel, data in build_files().items():
        if rel == "META-INF/taxonomyPackage.xml":
            files[rel] = data
        elif not rel.startswith("META-INF/"):
            files[f"{TAXONOMY_DIR}/{rel}"] = data
    if ext is not None:
        for rel, data in ext.files().items():
            files[f"{TAXONOMY_DIR}/{rel}"] = data
    return files


def report_package_bytes(stem: str, inline: bytes, instance: bytes, report_json: bytes | None = None,
                         ext: EntityExtension | None = None) -> bytes:
    return zip_bytes(package_files(stem, inline, instance, report_json, ext), stem)
