"""XBRL and Inline XBRL export of a computed results folder, validated by Arelle.

``export_xbrl(results_dir, out)`` writes, from results.json alone:

- ``<stem>.xbrl``: the xBRL-XML instance;
- ``<stem>.xhtml``: the Inline XBRL report (the whole climate report as a bilingual page);
- ``<stem>.json``: the xBRL-JSON report (OIM);
- ``<stem>.zip``: the XBRL report package holding the three, with the extension taxonomy and the
  report's entity extension;
- ``taxonomy/csds_<date>.zip``: the project's extension taxonomy package;
- ``taxonomy/<stem>-entity.zip``: the report's entity extension (its own members) as a package;
- ``viewer/xbrlviewer.html`` with ``viewer/ixbrlviewer.js``: the ixbrl-viewer page (needs Arelle
  and the IFRS package);
- ``validation.json``: every issue (Arelle's messages, the consistency checks, the round trip).

Modules: ``facts`` (results → fact records), ``taxonomy`` (the extension, from ``concepts.yaml``)
and its ``formulas``, ``entity`` (the report's members), ``narrative`` and ``statements`` (the text
blocks written from results.json), ``instance``, ``inline`` and ``xbrljson`` (the writers),
``package``, ``validate`` (Arelle in a worker process, with calculation 1.1, the formula assertions
and the inconsistent-duplicate check), ``checks`` (the project's consistency checks), ``roundtrip``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...compute.results import FILE, read_results
from ...core.issues import Issue, Severity, issue, sort_key
from ...core.settings import any_place_hint
from . import checks, roundtrip, taxonomy
from .facts import FactSet, build_facts, stem_of
from .inline import inline_bytes
from .instance import instance_bytes
from .package import report_package_bytes
from .validate import ArelleRun, ArelleWorker, issues_from, run_arelle
from .xbrljson import json_bytes

__all__ = ["VIEWER_PAGE", "ArelleWorker", "XbrlExport", "export_xbrl", "stem_of", "viewer_page"]

VIEWER_PAGE = "viewer/xbrlviewer.html"   # the ixbrl-viewer page, relative to the output folder


def viewer_page(folder: Path) -> Path | None:
    """The page to open for a pack (``disclosure view``): the viewer page, else (the pack was written
    without the IFRS package, so without a viewer) the Inline XBRL report itself; None if neither."""
    folder = Path(folder)
    if folder.is_file():
        return folder if folder.suffix in (".html", ".xhtml") else None
    page = folder / VIEWER_PAGE
    if page.is_file():
        return page
    return next(iter(sorted(folder.glob("*.xhtml"))), None)


@dataclass
class XbrlExport:
    paths: dict[str, Path]
    facts: FactSet
    issues: list[Issue]
    validated: bool = False
    ifrs_package: Path | None = None
    ifrs_origin: str = ""
    roundtrip: roundtrip.RoundTrip | None = None
    arelle: ArelleRun | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for i in self.issues if i.severity is severity)

    @property
    def inconsistencies(self) -> list[Issue]:
        return [i for i in self.issues if i.code in ("xbrl-inconsistent", "xbrl-arelle-inconsistent",
                                                     "xbrl-dimension-not-allowed")]

    @property
    def valid(self) -> bool:
        """Validated by Arelle, no error, no inconsistency, and an exact round trip."""
        return (self.validated and self.count(Severity.ERROR) == 0 and not self.inconsistencies
                and self.roundtrip is not None and self.roundtrip.exact)


def export_xbrl(results: dict[str, Any] | Path, out: Path, ifrs_package: str | Path | None = None,
                viewer: bool = True, validate: bool = True, configured: Path | None = None,
                input_digest: str | None = None, started: ArelleWorker | None = None) -> XbrlExport:
    """Write and validate the XBRL of a results folder (or of results in memory). The IFRS package:
    ``ifrs_package`` (the option), else ``DISCLOSURE_IFRS_PACKAGE``, else ``configured`` (the report
    settings' ``xbrl.ifrs_package``, resolved by the caller), see ``taxonomy.ifrs_package``.
    ``input_digest``: a report pack's (tagged when given). ``started``: an Arelle worker started
    ahead, which validates (``validate.ArelleWorker``)."""
    t0 = time.perf_counter()
    if isinstance(results, Path | str):
        path = Path(results) / FILE if Path(results).is_dir() else Path(results)
        results = read_results(path)
    assert isinstance(results, dict)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fs = build_facts(results, input_digest)
    issues: list[Issue] = [issue("xbrl-not-tagged", reason=n) for n in fs.notes]
    stem = stem_of(results)
    tool = str((results.get("tool") or {}).get("version") or "")
    inline = inline_bytes(fs, results, tool)
    instance = instance_bytes(fs)
    report_json = json_bytes(fs)
    ext = fs.ext
    assert ext is not None
    paths = {
        "instance": out / f"{stem}.xbrl",
        "inline": out / f"{stem}.xhtml",
        "json": out / f"{stem}.json",
        "package": out / f"{stem}.zip",
        "taxonomy": out / "taxonomy" / taxonomy.package_name(),
        "entity_taxonomy": out / "taxonomy" / ext.package_name(),
    }
    paths["instance"].write_bytes(instance)
    paths["inline"].write_bytes(inline)
    paths["json"].write_bytes(report_json)
    paths["package"].write_bytes(report_package_bytes(stem, inline, instance, report_json, ext))
    paths["taxonomy"].parent.mkdir(exist_ok=True)
    paths["taxonomy"].write_bytes(taxonomy.package_bytes())
    paths["entity_taxonomy"].write_bytes(ext.package_bytes(fs.entity["name_zh"], fs.entity["name_en"]))
    issues += checks.check(fs)
    t_write = time.perf_counter() - t0

    exp = XbrlExport(paths, fs, issues, seconds={"write": t_write})
    pkg, origin = taxonomy.ifrs_package(ifrs_package, configured) if validate else (None, "")
    exp.ifrs_package, exp.ifrs_origin = pkg, origin
    if pkg is None:
        issues.append(issue("xbrl-not-validated", looked_for=origin or "-",
                            setting=any_place_hint("xbrl.ifrs_package", taxonomy.spec().ifrs["package_file"])))
    else:
        vdir = (out / VIEWER_PAGE).parent if viewer else None
        if vdir is not None:
            vdir.mkdir(exist_ok=True)
        run = run_arelle([paths["package"]], [pkg], read_facts=True, viewer_dest=vdir, started=started)
        exp.arelle = run
        exp.seconds["arelle"] = run.seconds
        exp.seconds.update({f"arelle {k}": v for k, v in run.breakdown().items()})
        issues += issues_from(run)
        if run.error is None:
            exp.validated = True
            read = [f for r in run.results for f in r.facts if f["document"] == paths["inline"].name]
            exp.roundtrip = roundtrip.compare(fs, read, results)
            issues += exp.roundtrip.issues
            if vdir is not None and (out / VIEWER_PAGE).is_file():
                paths["viewer"] = out / VIEWER_PAGE
    exp.issues = sorted(issues, key=lambda i: (sort_key(i), i.params))
    paths["report"] = out / "validation.json"
    paths["report"].write_text(_report_json(exp, str((results.get("settings") or {}).get("language") or "zh-CN")),
                               encoding="utf-8")
    exp.seconds["total"] = time.perf_counter() - t0
    return exp


def _report_json(exp: XbrlExport, lang: str) -> str:
    rt = exp.roundtrip
    payload = {
        "schema": "disclosure.xbrl-validation/1",
        "validated": exp.validated,
        "ifrs_package": exp.ifrs_package.name if exp.ifrs_package else None,
        "facts": len(exp.facts.facts),
        "errors": exp.count(Severity.ERROR),
        "warnings": exp.count(Severity.WARNING),
        "inconsistencies": len(exp.inconsistencies),
        "roundtrip": None if rt is None else {"expected": rt.expected, "read_back": rt.read_back,
                                              "equal": rt.equal, "exact": rt.exact},
        "issues": [i.to_dict(lang) for i in exp.issues],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
