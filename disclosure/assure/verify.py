"""``disclosure verify DIR``: re-perform a report folder.

1. Every file recorded in ``manifest.json`` is there with its sha256; no file was added.
2. The calculation is repeated from the pack's own copies (``inputs/``, ``factors/``, ``prior/``)
   with the installed tool, and the result compared with ``results.json`` value by value and with
   the trace (``trace.parquet``, or the Dask engine's ``trace/``) line by line.
3. The XBRL instance and the Inline XBRL are rebuilt from the recomputed results and compared fact
   by fact with the files in the folder.
4. The factor datasets recorded in results.json match the files in ``factors/`` (sha256); a
   different copy installed with the tool is reported as a notice (it never changes the pack).
5. ``issues.json``: the issues of the check (the loader's and the calculation's) and of the report
   (the base year) are derived again from the recomputation and compared entry by entry; those of
   the XBRL export with ``validation.json``. (The issues of loading the factor library as it was
   found when the pack was made, stage ``factors``, are covered by the hashes alone: the pack
   keeps only the datasets that loaded.)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..export import manifest

REL_TOL = 1e-12  # float summation order across platforms; far below any disclosed digit


@dataclass
class Difference:
    kind: str      # altered | missing | unrecorded | result | trace | xbrl | factor | issues | error
    where: str
    found: Any = None
    expected: Any = None

    def render(self) -> str:
        if self.found is None and self.expected is None:
            return f"[{self.kind}] {self.where}"
        return f"[{self.kind}] {self.where}: found {self.found!r}, expected {self.expected!r}"


@dataclass
class Verification:
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked_files: int = 0
    compared_values: int = 0
    compared_lines: int = 0
    compared_facts: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    return a == b


def diff_values(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every leaf where ``a`` (found) and ``b`` (expected) differ, with its JSON path."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in a:
                out.append((p, "<absent>", b[k]))
            elif k not in b:
                out.append((p, a[k], "<absent>"))
            else:
                out += diff_values(a[k], b[k], p)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            p = f"{path}[{i}]"
            if i >= len(a):
                out.append((p, "<absent>", b[i]))
            elif i >= len(b):
                out.append((p, a[i], "<absent>"))
            else:
                out += diff_values(a[i], b[i], p)
        return out
    return [] if _equal(a, b) else [(path, a, b)]


def count_leaves(a: Any) -> int:
    if isinstance(a, dict):
        return sum(count_leaves(v) for v in a.values())
    if isinstance(a, list):
        return sum(count_leaves(v) for v in a)
    return 1


def instance_facts(data: bytes) -> dict[tuple[str, str, str], str]:
    """Facts of an xBRL-XML instance keyed by (concept, context, unit)."""
    root = etree.fromstring(data)
    out: dict[tuple[str, str, str], str] = {}
    for el in root:
        if not isinstance(el.tag, str) or el.get("contextRef") is None:
            continue
        q = etree.QName(el)
        key = (f"{{{q.namespace}}}{q.localname}", el.get("contextRef") or "", (el.get("unitRef") or "")
               + (f"@{el.get('{http://www.w3.org/XML/1998/namespace}lang')}"
                  if el.get("{http://www.w3.org/XML/1998/namespace}lang") else ""))
        out[key] = "".join(el.itertext()).strip()
    return out


def _contexts(data: bytes) -> dict[str, str]:
    root = etree.fromstring(data)
    ns = "{http://www.xbrl.org/2003/instance}"
    return {c.get("id"): etree.tostring(c, method="c14n").decode() for c in root.iter(f"{ns}context")}


MAX_TRACE_DIFFERENCES = 20   # lines shown per column that differs


def _trace_differences(folder: Path, fresh: Any, v: Verification) -> list[Difference]:
    """The pack's trace (read through the trace module, whichever engine wrote it) against the
    recomputed one: the same lines in the same order, each value equal (numbers within REL_TOL)."""
    import numpy as np

    from ..compute import trace

    where = trace.find(folder)
    if where is None:
        return [Difference("missing", f"{trace.PARQUET} (or {trace.PARTS}/)")]
    name = where.relative_to(folder).as_posix()
    try:
        got = trace.read_trace(where)
    except Exception as e:  # an unreadable file: a difference, not a crash
        return [Difference("error", f"{name} unreadable: {type(e).__name__}: {e}")]
    want = trace.normalise(fresh)
    if len(got) != len(want):
        return [Difference("trace", f"{name} lines", len(got), len(want))]
    v.compared_lines = len(want)
    out: list[Difference] = []
    ids = want["line_id"].astype(object).to_numpy()
    for c in want.columns:
        if c not in got.columns:
            out.append(Difference("trace", f"{name} column {c}", "<absent>", c))
            continue
        a, b = got[c], want[c]
        if b.dtype == "float64":
            x, y = a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64")
            same = np.isclose(x, y, rtol=REL_TOL, atol=1e-9, equal_nan=True)
            x, y = x.astype(object), y.astype(object)
        else:  # whole columns: equal, or missing in both
            x = a.astype(object).where(a.notna(), None).to_numpy()
            y = b.astype(object).where(b.notna(), None).to_numpy()
            both = (a.isna() & b.isna()).to_numpy(dtype=bool)
            same = both | ((x == y) & ~a.isna().to_numpy(dtype=bool))
        for i in np.flatnonzero(~same)[:MAX_TRACE_DIFFERENCES]:
            out.append(Difference("trace", f"{name} line {ids[i]} {c}", x[i], y[i]))
    return out


MAX_ISSUE_DIFFERENCES = 20


def _issues_differences(folder: Path, checked: list[Any], results: dict[str, Any]) -> list[Difference]:
    """issues.json against the issues derived again: the check's (``checked``: the loader's and
    the calculation's) and the report's (the base year, from the recomputed results) entry by
    entry, the XBRL export's against validation.json (code, severity, place and parameters)."""
    from ..core.issues import ISSUES_FILE, pack_entries, read_pack
    from ..pipeline import base_year_issues

    path = folder / ISSUES_FILE
    if not path.is_file():
        return [Difference("missing", ISSUES_FILE)]
    try:
        entries = read_pack(path)["issues"]
    except (OSError, ValueError) as e:
        return [Difference("error", f"{ISSUES_FILE} unreadable: {e}")]
    out: list[Difference] = []
    want = pack_entries([*(("check", i) for i in checked), *(("report", i) for i in base_year_issues(results))])
    got = [e for e in entries if isinstance(e, dict) and e.get("stage") in ("check", "report")]
    out += _entry_differences(got, want, ISSUES_FILE)
    vpath = folder / "validation.json"
    if vpath.is_file():
        try:
            validation = json.loads(vpath.read_text(encoding="utf-8")).get("issues") or []
        except (OSError, ValueError) as e:
            return [*out, Difference("error", f"validation.json unreadable: {e}")]
        keys = ("code", "severity", "table", "file", "sheet", "row", "column", "params")
        xbrl = [{k: e.get(k) for k in keys} for e in entries if isinstance(e, dict) and e.get("stage") == "xbrl"]
        out += _entry_differences(sorted(xbrl, key=repr), sorted(({k: e.get(k) for k in keys} for e in validation),
                                                               key=repr), f"{ISSUES_FILE} (the XBRL export's)")
    return out


def _entry_differences(got: list[dict[str, Any]], want: list[dict[str, Any]], where: str) -> list[Difference]:
    if got == want:
        return []
    extra = [e for e in got if e not in want]
    missing = [e for e in want if e not in got]
    out = [Difference("issues", f"{where}: issue not derived again", json.dumps(e, ensure_ascii=False), None)
           for e in extra[:MAX_ISSUE_DIFFERENCES]]
    out += [Difference("issues", f"{where}: issue missing", None, json.dumps(e, ensure_ascii=False))
            for e in missing[:MAX_ISSUE_DIFFERENCES]]
    return out or [Difference("issues", f"{where}: the issues are not in their order")]


def verify(folder: Path) -> Verification:
    from ..compute.results import FILE, read_results, results_json
    from ..engines.inprocess import recompute_pack
    from ..export.xbrl import stem_of
    from ..export.xbrl.facts import build_facts
    from ..export.xbrl.inline import inline_bytes
    from ..export.xbrl.instance import instance_bytes

    folder = Path(folder)
    v = Verification()
    d = v.differences
    if not (folder / manifest.MANIFEST).is_file():
        d.append(Difference("missing", manifest.MANIFEST))
        return v
    try:
        man = manifest.read(folder)
    except (OSError, ValueError) as e:
        d.append(Difference("error", f"{manifest.MANIFEST} unreadable: {e}"))
        return v

    # 1 hashes
    recorded = man.get("files") or {}
    for rel in sorted(recorded):
        p = folder / rel
        if not p.is_file():
            d.append(Difference("missing", rel))
            continue
        v.checked_files += 1
        h = manifest.sha256(p)
        if h != recorded[rel]["sha256"]:
            d.append(Difference("altered", rel, h, recorded[rel]["sha256"]))
    for rel in manifest.files_of(folder):
        if rel not in recorded:
            d.append(Difference("unrecorded", rel))

    # 2 recompute
    try:
        results = read_results(folder / FILE)
    except (OSError, ValueError) as e:
        d.append(Difference("error", f"{FILE} unreadable: {e}"))
        return v
    prior = None
    if man.get("prior"):
        try:
            prior = read_results(folder / man["prior"])
        except (OSError, ValueError) as e:
            d.append(Difference("error", f"{man['prior']} unreadable: {e}"))
    inv_path = folder / (man.get("inventory") or manifest.INPUTS)
    try:
        _, loaded, comp = recompute_pack(inv_path, prior, folder / manifest.FACTORS)
    except Exception as e:  # a defect or an unreadable input: a difference, not a crash
        d.append(Difference("error", f"recomputation failed: {type(e).__name__}: {e}"))
        return v
    fresh = json.loads(results_json(comp.results))
    v.compared_values = count_leaves(fresh)
    for path, found, expected in diff_values(results, fresh):
        d.append(Difference("result", f"{FILE} {path}", found, expected))
    d += _trace_differences(folder, comp.trace, v)

    # 3 XBRL
    fs = build_facts(fresh)
    stem = stem_of(fresh)
    inst = folder / f"{stem}.xbrl"
    if inst.is_file():
        expected_bytes = instance_bytes(fs)
        got_bytes = inst.read_bytes()
        try:
            got, want = instance_facts(got_bytes), instance_facts(expected_bytes)
            v.compared_facts = len(want)
            for key in sorted(set(got) | set(want)):
                if got.get(key) != want.get(key):
                    d.append(Difference("xbrl", f"{inst.name} {key[0]} context {key[1]} {key[2]}".rstrip(),
                                        got.get(key, "<absent>"), want.get(key, "<absent>")))
            gc, wc = _contexts(got_bytes), _contexts(expected_bytes)
            for cid in sorted(set(gc) | set(wc)):
                if gc.get(cid) != wc.get(cid):
                    d.append(Difference("xbrl", f"{inst.name} context {cid} differs"))
        except etree.XMLSyntaxError as e:
            d.append(Difference("xbrl", f"{inst.name} is not well-formed XML: {e}"))
    else:
        d.append(Difference("missing", inst.name))
    ixf = folder / f"{stem}.xhtml"
    if ixf.is_file():
        tool = str((fresh.get("tool") or {}).get("version") or "")
        if ixf.read_bytes() != inline_bytes(fs, fresh, tool):
            d.append(Difference("xbrl", f"{ixf.name} differs from the Inline XBRL of the recomputed results"))

    # 5 issues.json
    d += _issues_differences(folder, loaded + comp.issues, comp.results)

    # 4 factor datasets
    from ..factors import load_library

    by_file = {(x.get("id"), x.get("version")): x.get("sha256") for x in man.get("factor_datasets") or []}
    installed, _ = load_library()
    for (ident, version), sha in sorted(by_file.items()):
        p = folder / manifest.FACTORS / f"{ident}@{version}.yaml"
        if p.is_file() and manifest.sha256(p) != sha:
            d.append(Difference("factor", f"{manifest.FACTORS}/{p.name} ({ident}@{version})", manifest.sha256(p), sha))
        ds = installed.get(ident, version)
        if ds is not None and ds.sha256 != sha:
            v.notes.append(f"the installed dataset {ident}@{version} differs from the one recorded; "
                           "the pack's copy was used")
    return v
