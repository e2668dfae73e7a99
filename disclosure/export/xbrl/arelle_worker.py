"""The Arelle worker, run as a script in a process of its own (see ``validate.run_arelle``).

It imports Arelle (and ixbrl-viewer when a viewer is asked for) and nothing of the disclosure
package, so starting it costs only Arelle's own import. Usage:
``python arelle_worker.py JOB.json RESULT.json``; the job names the entries, the taxonomy packages,
whether to read the facts back and where to write the viewer. Always offline. Started ahead of its
job (``python arelle_worker.py --wait``), it imports Arelle, then reads one line from stdin, the
two files' paths separated by a tab, and runs that job; an empty stdin ends it.

Each result also carries the worker's own timings (``seconds``): Arelle's import, the whole session,
the facts read back, and per report document the load, validation and formula run, as Arelle logs
them (its ``info`` messages, which never become issues).

Speed, with nothing of the validation left out: the cyclic garbage collector is off while Arelle
works (its object graph of DTS models is large and lives until the session ends, so each pass
walked it to free nothing: about a tenth of the worker's time) and runs once between two entries
instead; and the process ends with ``os._exit`` once the result is written, skipping the
interpreter's teardown of that graph (3 to 4 s on the demo).
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any


def _viewer_options(dest: str) -> dict[str, Any]:
    from iXBRLViewerPlugin.constants import DEFAULT_VIEWER_PATH

    return {"saveViewerDest": dest, "viewerURL": DEFAULT_VIEWER_PATH, "viewerNoCopyScript": False,
            "validationMessages": False, "useStubViewer": False, "viewerBasenameSuffix": "",
            "packageDownloadURL": None, "zipViewerOutput": False}


def _import_arelle() -> tuple[Any, Any, Any]:
    from arelle.api.Session import Session
    from arelle.logging.handlers.StructuredMessageLogHandler import StructuredMessageLogHandler
    from arelle.RuntimeOptions import RuntimeOptions

    return Session, StructuredMessageLogHandler, RuntimeOptions


def _worker(entries: list[str], packages: list[str], read_facts: bool,
            viewer_dest: str | None = None, validate: bool = True) -> list[dict[str, Any]]:
    t = time.perf_counter()
    Session, StructuredMessageLogHandler, RuntimeOptions = _import_arelle()
    imported = time.perf_counter() - t   # about 0 in a worker started ahead: imported while it waited
    out = []
    for n, entry in enumerate(entries):
        if n:
            gc.collect()   # the previous entry's models, closed: one pass between entries
        t = time.perf_counter()
        extra: dict[str, Any] = {}
        if viewer_dest and n == 0:
            import iXBRLViewerPlugin

            extra = {"plugins": str(Path(iXBRLViewerPlugin.__file__).parent),
                     "pluginOptions": _viewer_options(viewer_dest)}
        checks: dict[str, Any] = {}
        if validate:   # calculation 1.1 (round to nearest), inconsistent duplicates, the formula assertions
            checks = {"calcs": "c11r", "validateDuplicateFacts": "inconsistent", "formulaAction": "run",
                      "formulaUnsatisfiedAsserError": True}
        opts = RuntimeOptions(entrypointFile=entry, packages=packages or None, validate=validate, utrValidate=validate,
                              workOffline=True, baseTaxonomyValidationMode="none", validationExitCode=True,
                              disablePersistentConfig=True, keepOpen=True, logFile="logToBuffer",
                              internetConnectivity="offline", **checks, **extra)
        handler = StructuredMessageLogHandler()  # a new one per run: it accumulates
        with Session() as session:
            session.run(opts, logHandler=handler)
            models = [m for m in session.get_models() if m.modelDocument is not None]
            log = session.get_log_messages()
            t_run = time.perf_counter() - t
            messages = [_message(m, models) for m in log]
            # judged by the messages: with formulas in the DTS run() is False even when every
            # assertion holds (Arelle counts the assertion results as errors); a duplicate fact set
            # is logged as a warning, and fails the run here
            ok = bool(models) and not any(_fails(m) for m in messages)
            facts: list[dict[str, Any]] = []
            docs = []
            for model in models:
                docs.append(model.modelDocument.basename)
                if read_facts and model.modelDocument.type in _inline_types():
                    facts += [_fact(f, model.modelDocument.basename) for f in model.facts]
        seconds = {"import": imported if n == 0 else 0.0, "session": t_run,
                   "read": time.perf_counter() - t - t_run, "documents": _document_seconds(messages)}
        out.append({"entry": entry, "ok": ok, "messages": messages, "facts": facts, "documents": docs,
                    "seconds": seconds})
    return out


# Arelle's own timing lines (info messages, never issues): "x.xhtml loaded in 2.42 secs at …",
# "validated in 2.48 secs", "formula validation and execution in 1.02 secs"
_TIMED = (("load", re.compile(r"^loaded in ([0-9.]+) secs")), ("validate", re.compile(r"^validated in ([0-9.]+) secs")),
          ("formula", re.compile(r"^formula validation and execution in ([0-9.]+) secs")))


def _document_seconds(messages: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    by_doc: dict[str, dict[str, float]] = {}
    for m in messages:
        if m["level"] != "INFO":
            continue
        for step, pattern in _TIMED:
            hit = pattern.match(str(m["message"]))
            if hit:
                key = m["document"] or "-"
                by_doc.setdefault(key, {})[step] = by_doc.get(key, {}).get(step, 0.0) + float(hit.group(1))
    return by_doc


FAILING_LEVELS = {"ERROR", "CRITICAL", "FATAL", "EXCEPTION", "INCONSISTENCY"}
FAILING_CODES = {"arelle:duplicateFacts"}


def _fails(m: dict[str, Any]) -> bool:
    return str(m["level"]).upper() in FAILING_LEVELS or m["code"] in FAILING_CODES


def _inline_types() -> tuple[int, ...]:
    from arelle.ModelDocument import Type

    return (Type.INLINEXBRL, Type.INLINEXBRLDOCUMENTSET)


def _prefixed(qn: Any) -> str:
    return f"{qn.prefix}:{qn.localName}" if qn is not None and qn.prefix else str(qn)


def _message(m: dict[str, Any], models: list[Any]) -> dict[str, Any]:
    """Arelle's structured message with the concept and context of the object it refers to."""
    refs = m.get("refs") or []
    out = {"level": m.get("levelname", ""), "code": m.get("messageCode", ""), "message": m.get("msg", ""),
           "document": "", "line": None, "concept": "", "context": ""}
    for ref in refs:
        href = str(ref.get("href") or "")
        doc = href.split("#")[0].rsplit("/", 1)[-1]
        out["document"] = doc
        out["line"] = ref.get("sourceLine")
        oid = ref.get("objectId")
        for model in models:
            if oid and model.modelDocument.basename == doc:
                obj = model.modelObject(oid)
                qn = getattr(obj, "qname", None)
                ctx = getattr(obj, "context", None)
                if qn is not None and ctx is not None:    # a fact
                    out["concept"] = _prefixed(qn)
                    out["context"] = getattr(ctx, "id", "") or ""
                elif getattr(obj, "localName", "") == "context":
                    out["context"] = obj.get("id") or ""
                break
        break
    return out


def _fact(f: Any, document: str) -> dict[str, Any]:
    ctx = f.context
    dims = []
    if ctx is not None:
        for dim_qn, mem in sorted(ctx.qnameDims.items(), key=lambda kv: str(kv[0])):
            if mem.isExplicit:
                dims.append((_prefixed(dim_qn), _prefixed(mem.memberQname)))
            else:
                dims.append((_prefixed(dim_qn), (mem.typedMember.stringValue or "").strip()))
    period: tuple[str, ...] = ()
    if ctx is not None:
        if ctx.isInstantPeriod:
            period = ("instant", str(_date_text(ctx, "instant")))
        elif ctx.isStartEndPeriod:
            period = ("duration", str(_date_text(ctx, "startDate")), str(_date_text(ctx, "endDate")))
    unit = None
    if f.unit is not None:
        num, den = f.unit.measures
        unit = (tuple(_prefixed(q) for q in num), tuple(_prefixed(q) for q in den))
    return {"id": f.id, "document": document, "concept": _prefixed(f.qname), "value": f.value,
            "numeric": bool(f.isNumeric), "decimals": f.decimals, "unit": unit, "lang": f.xmlLang or None,
            "dims": dims, "period": period, "context": ctx.id if ctx is not None else None}


def _date_text(ctx: Any, local: str) -> str:
    for el in ctx.period.iterchildren():
        if getattr(el, "localName", None) == local:
            return (el.text or "").strip()
    return ""


def main(argv: list[str]) -> int:
    gc.disable()
    if argv[1:] == ["--wait"]:   # started ahead (validate.ArelleWorker): Arelle imported, then the job's files
        _import_arelle()
        line = sys.stdin.readline().rstrip("\n")
        if not line:   # closed unused
            return 0
        argv = [argv[0], *line.split("\t")]
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    result = _worker(job["entries"], job["packages"], job["read_facts"], job.get("viewer_dest"),
                     job.get("validate", True))
    Path(argv[2]).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)   # the result is written and closed: skip the teardown of Arelle's objects
