"""``disclosure verify DIR``: re-perform a report folder, every file of it.

1. ``manifest.json`` has the structure this tool writes (``export.manifest.Manifest``): anything
   else is a finding, never a crash. Its paths (``inventory``, ``prior``, every file) stay inside
   the folder, and the folder holds no symbolic link.
2. Every file recorded is there with its sha256 and size (and the role its folder gives it); no
   file was added. The input digest recorded is the one of the copies in ``inputs/``, ``factors/``
   and ``prior/``.
3. The pack is rendered again from those copies alone, into a folder of its own, by the function
   ``report`` runs (``pipeline.render``), with the settings the manifest records (the inventory's
   path, the Word reports' languages, the prior year, ``--force``; in process whatever the engine
   that made it), and every file of it is compared byte for byte with the pack's, manifest.json
   included: a file that differs is named, with its first differing values (results.json, the
   XBRL instance and Inline XBRL, the trace, the manifest's settings, JSON, the members of the zip
   files, CSV lines, Word paragraphs, workpaper cells); a file that one has and the other has not
   is named too. The manifest's settings are thereby checked against the copied report.yaml.
4. The XBRL validation: with the IFRS taxonomy package (``--ifrs-package``, else
   ``DISCLOSURE_IFRS_PACKAGE``, else report.yaml's ``xbrl.ifrs_package`` relative to the copied
   inventory) a pack that Arelle validated is validated again, and validation.json and the viewer
   compared byte for byte like the rest. Without it, validation.json is compared in what does not
   depend on Arelle (the facts, the project's own checks, and that it says it was validated), the
   viewer's files by their hashes only, and a note says so. A pack that was not validated is
   re-rendered without validation (where the run looked for the package is not compared).
5. ``issues.json`` and the workpapers' Issues sheet are re-rendered like the rest: the check's
   issues (the loader's and the calculation's) and the report's are derived again from the copies.
   What cannot be derived from them is carried from the pack's issues.json into the re-render: the
   factor library's issues as it was found when the pack was made (covered by the hashes alone), and
   the XBRL export's when the XBRL is not validated again (then compared with validation.json).
6. A pack made by the chunked or Dask engine: results.json is compared value by value (within
   1e-9: the partial sums are added in another order), the trace line by line, whatever files hold
   it; the rest byte for byte.

The pack digest (``export.manifest.pack_digest``) of the folder as found is reported, for the
assurer to compare with the one recorded at sign-off.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..core.cells import column_letter
from ..export import manifest

REL_TOL = 1e-12  # float summation order across platforms; far below any disclosed digit
ENGINE_REL_TOL = 1e-9   # results.json of the chunked and Dask engines (partial sums in another order)
MAX_DETAILS = 20     # differing values shown per file
RESULTS = "results.json"
VALIDATION = "validation.json"
VIEWER = "viewer/"
# the issues of validation.json that come from Arelle or from where the run looked for the package
ARELLE_CODES = frozenset({"xbrl-not-validated", "xbrl-arelle-failed", "xbrl-roundtrip"})


@dataclass
class Difference:
    kind: str      # malformed | outside | missing | unrecorded | altered | digest | extra | rerender | result |
    #                trace | xbrl | settings | manifest | validation | issues | content | factor | error
    where: str
    found: Any = None
    expected: Any = None
    reason: str = ""

    def render(self) -> str:
        text = f"[{self.kind}] {self.where}"
        if not (self.found is None and self.expected is None):
            text += f": found {self.found!r}, expected {self.expected!r}"
        return text + (f" ({self.reason})" if self.reason else "")


@dataclass
class Verification:
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked_files: int = 0        # hashed against the manifest
    compared_files: int = 0       # compared with the re-rendered pack
    compared_values: int = 0      # of results.json
    compared_lines: int = 0       # of the trace
    compared_facts: int = 0       # of the XBRL instance
    rerendered: bool = False
    revalidated: bool = False     # Arelle validated the re-rendered XBRL
    input_digest: str = ""        # of the copies, recomputed
    pack_digest: str = ""         # of the folder as found
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.differences


def _equal(a: Any, b: Any, rel_tol: float = REL_TOL) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-9)
    return a == b


def diff_values(a: Any, b: Any, path: str = "", rel_tol: float = REL_TOL) -> list[tuple[str, Any, Any]]:
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
                out += diff_values(a[k], b[k], p, rel_tol)
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
                out += diff_values(a[i], b[i], p, rel_tol)
        return out
    return [] if _equal(a, b, rel_tol) else [(path, a, b)]


def count_leaves(a: Any) -> int:
    if isinstance(a, dict):
        return sum(count_leaves(v) for v in a.values())
    if isinstance(a, list):
        return sum(count_leaves(v) for v in a)
    return 1


# --- the first differing values of a file, by its kind --------------------------------------------------

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _qname(el: Any) -> str:
    """An element's name as written (prefix:name), else in Clark notation."""
    q = etree.QName(el)
    if el.prefix:
        return f"{el.prefix}:{q.localname}"
    return f"{{{q.namespace}}}{q.localname}" if q.namespace else q.localname


def instance_facts(data: bytes) -> dict[tuple[str, str, str], str]:
    """Facts of an xBRL-XML instance keyed by (concept as prefix:name, context, unit and language)
    → value."""
    return {k: v[0] for k, v in _instance_items(data)[0].items()}


def _instance_items(data: bytes) -> tuple[dict[tuple[str, str, str], tuple[str, str]], dict[str, str]]:
    """An instance as (facts keyed by concept, context, unit and language → (value, the other
    attributes: decimals …)), (every other element: a context or unit by its id, the rest by its
    tag and position → its canonical XML)."""
    root = etree.fromstring(data)
    facts: dict[tuple[str, str, str], tuple[str, str]] = {}
    other: dict[str, str] = {}
    for n, el in enumerate(root):
        if not isinstance(el.tag, str):
            continue
        if el.get("contextRef") is not None:
            key = (_qname(el), el.get("contextRef") or "",
                   (el.get("unitRef") or "") + (f"@{el.get(XML_LANG)}" if el.get(XML_LANG) else ""))
            attrs = " ".join(f"{etree.QName(k).localname}={v}" for k, v in sorted(el.attrib.items())
                             if k not in ("contextRef", "unitRef", XML_LANG, "id"))
            facts[key] = ("".join(el.itertext()).strip(), attrs)
        else:
            ident = el.get("id")
            name = etree.QName(el).localname
            other[f"{name} {ident}" if ident else f"{name} #{n}"] = etree.tostring(el, method="c14n").decode()
    return facts, other


def _xbrl_details(rel: str, got: bytes, want: bytes) -> list[Difference]:
    try:
        gf, go = _instance_items(got)
        wf, wo = _instance_items(want)
    except etree.XMLSyntaxError as e:
        return [Difference("xbrl", f"{rel} is not well-formed XML: {e}")]
    out = []
    for key in sorted(set(gf) | set(wf)):
        g, w = gf.get(key), wf.get(key)
        if g == w:
            continue
        where = f"{rel} {key[0]} context {key[1]} {key[2]}".rstrip()
        if g is None or w is None:
            out.append(Difference("xbrl", where, "<absent>" if g is None else g[0], "<absent>" if w is None else w[0]))
        elif g[0] != w[0]:
            out.append(Difference("xbrl", where, g[0], w[0]))
        else:
            out.append(Difference("xbrl", f"{where} attributes", g[1], w[1]))
    for key in sorted(set(go) | set(wo)):
        if go.get(key) != wo.get(key):
            what = "absent" if key not in go else "added" if key not in wo else "differs"
            out.append(Difference("xbrl", f"{rel} {key} {what}"))
    return out


def _inline_items(data: bytes) -> dict[tuple[str, str, str], tuple[str, str]]:
    """The facts of an Inline XBRL document: (name, context, unit and language) → (text shown, the
    other attributes: decimals, scale, format, sign …)."""
    root = etree.fromstring(data)
    out: dict[tuple[str, str, str], tuple[str, str]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("contextRef") is None or el.get("name") is None:
            continue
        lang = next((a.get(XML_LANG) for a in el.iterancestors() if a.get(XML_LANG)), None) or el.get(XML_LANG)
        key = (el.get("name") or "", el.get("contextRef") or "", (el.get("unitRef") or "") + (f"@{lang}" if lang else ""))
        attrs = " ".join(f"{k}={v}" for k, v in sorted(el.attrib.items())
                         if k not in ("name", "contextRef", "unitRef", "id", XML_LANG))
        value = " ".join("".join(el.itertext()).split())
        if key in out:  # the same fact shown twice (text blocks in both languages): keep both
            value = out[key][0] + " | " + value
        out[key] = (value, attrs)
    return out


def _inline_details(rel: str, got: bytes, want: bytes) -> list[Difference]:
    try:
        g, w = _inline_items(got), _inline_items(want)
    except etree.XMLSyntaxError as e:
        return [Difference("xbrl", f"{rel} is not well-formed XML: {e}")]
    out = []
    for key in sorted(set(g) | set(w)):
        a, b = g.get(key), w.get(key)
        if a == b:
            continue
        where = f"{rel} {key[0]} context {key[1]} {key[2]}".rstrip()
        if a is None or b is None or a[0] != b[0]:
            out.append(Difference("xbrl", where, "<absent>" if a is None else a[0], "<absent>" if b is None else b[0]))
        else:
            out.append(Difference("xbrl", f"{where} attributes", a[1], b[1]))
    return out


def _json_details(rel: str, got: bytes, want: bytes, kind: str = "content", rel_tol: float = REL_TOL
                  ) -> list[Difference]:
    try:
        a = json.loads(got.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        return [Difference(kind, f"{rel} is not JSON: {type(e).__name__}: {e}")]
    b = json.loads(want.decode("utf-8"))
    found = [Difference(kind, f"{rel} {p}", x, y) for p, x, y in diff_values(a, b, rel_tol=rel_tol)]
    if rel == RESULTS:   # the totals first (as computed, then as published): what an assurer looks for first
        first = (f"{rel} totals.", f"{rel} published.totals.")
        found.sort(key=lambda d: next((i for i, p in enumerate(first) if d.where.startswith(p)), len(first)))
    return found


def _text_lines(data: bytes) -> list[str] | None:
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        return None


def _lines_details(rel: str, got: bytes, want: bytes) -> list[Difference]:
    """The lines of a text file that differ, as a line-by-line diff names them: a changed line with
    both texts, a line missing from the pack or added to it on its own (so that one deleted line
    is one finding, not a shift of every line after it)."""
    import difflib

    a, b = _text_lines(got), _text_lines(want)
    if a is None or b is None:
        return []
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            x = a[i1 + k] if i1 + k < i2 else "<absent>"
            y = b[j1 + k] if j1 + k < j2 else "<absent>"
            line = i1 + k + 1 if i1 + k < i2 else i2 + 1
            what = "missing" if x == "<absent>" else "added" if y == "<absent>" else ""
            out.append(Difference("content", f"{rel} line {line}", x, y, f"a line {what}" if what else ""))
    return out


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _paragraphs(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def _cells(xml: bytes, shared: list[str]) -> dict[str, Any]:
    root = etree.fromstring(xml)
    out: dict[str, Any] = {}
    row, col = 0, 0   # a row or cell without its reference is the next one (ECMA-376 Part 1, 18.3.1)
    for c in root.iter(f"{S}row", f"{S}c"):
        if c.tag == f"{S}row":
            row, col = int(c.get("r") or row + 1), 0
            continue
        _, col, _ = _cell_order(c.get("r") or "A0") if c.get("r") else (row, col + 1, "")
        ref = c.get("r") or f"{column_letter(col - 1)}{row}"
        v, f = c.find(f"{S}v"), c.find(f"{S}f")
        if c.get("t") == "inlineStr":
            value: Any = "".join(t.text or "" for t in c.iter(f"{S}t"))
        elif c.get("t") == "s" and v is not None and (v.text or "").isdigit() and int(v.text or 0) < len(shared):
            value = shared[int(v.text or 0)]
        else:
            value = v.text if v is not None else None
        out[ref] = (f"={f.text}" if f is not None and f.text else "") + ("" if value is None else str(value))
    return out


def _zip_details(rel: str, got: bytes, want: bytes, depth: int = 0) -> list[Difference]:
    """The members of two zip files (a report package, a Word report, the workpapers, the
    taxonomy package) that differ, each with its own first differences where it is XML."""
    try:
        za, zb = zipfile.ZipFile(io.BytesIO(got)), zipfile.ZipFile(io.BytesIO(want))
        na, nb = za.namelist(), zb.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return [Difference("content", f"{rel} is not a zip file: {type(e).__name__}: {e}")]
    out = [Difference("content", f"{rel} member {n}", "<absent>" if n not in na else "present",
                      "<absent>" if n not in nb else "present") for n in sorted(set(na) ^ set(nb))]
    shared: tuple[list[str], list[str]] | None = None
    for n in [n for n in nb if n in set(na)]:
        try:
            a, b = za.read(n), zb.read(n)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as e:  # a damaged member
            out.append(Difference("content", f"{rel} member {n} unreadable: {type(e).__name__}: {e}"))
            continue
        if a == b and za.getinfo(n).date_time == zb.getinfo(n).date_time:
            continue
        inner = f"{rel}/{n}"
        more: list[Difference] = []
        try:
            if a == b:
                more = [Difference("content", f"{inner} date", za.getinfo(n).date_time, zb.getinfo(n).date_time)]
            elif n.endswith(".xbrl"):
                more = _xbrl_details(inner, a, b)
            elif n.endswith((".xhtml", ".html")):
                more = _inline_details(inner, a, b)
            elif n == "word/document.xml" or (n.startswith("word/") and n.endswith(".xml") and b"<w:p" in b):
                pa, pb = _paragraphs(a), _paragraphs(b)
                more = [Difference("content", f"{inner} paragraph {i + 1}", x, y)
                        for i, (x, y) in enumerate(zip(pa, pb, strict=False)) if x != y]
                if len(pa) != len(pb):
                    more.append(Difference("content", f"{inner} paragraphs", len(pa), len(pb)))
            elif n.startswith("xl/worksheets/") and n.endswith(".xml"):
                if shared is None:
                    shared = (_shared(za), _shared(zb))
                ca, cb = _cells(a, shared[0]), _cells(b, shared[1])
                more = [Difference("content", f"{inner} cell {r}", ca.get(r, "<absent>"), cb.get(r, "<absent>"))
                        for r in sorted(set(ca) | set(cb), key=_cell_order) if ca.get(r) != cb.get(r)]
            elif n.endswith(".zip") and depth < 2:
                more = _zip_details(inner, a, b, depth + 1)
        except (etree.XMLSyntaxError, ValueError) as e:
            more = [Difference("content", f"{inner} is not well-formed: {type(e).__name__}: {e}")]
        out += more or [Difference("content", f"{inner} differs")]
    return out


def _shared(z: zipfile.ZipFile) -> list[str]:
    try:
        root = etree.fromstring(z.read("xl/sharedStrings.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return []
    return ["".join(t.text or "" for t in si.iter(f"{S}t")) for si in root.iter(f"{S}si")]


def _cell_order(ref: str) -> tuple[int, int, str]:
    col = "".join(ch for ch in ref if ch.isalpha())
    row = "".join(ch for ch in ref if ch.isdigit())
    n = 0
    for ch in col:
        n = n * 26 + (ord(ch.upper()) - 64)
    return int(row or 0), n, ref


def _trace_details(pack: Path, rerendered: Path, v: Verification) -> list[Difference]:
    """The pack's trace (read through the trace module, whichever engine wrote it) against the
    re-rendered one: the same lines in the same order, each value equal (numbers within REL_TOL)."""
    import numpy as np

    from ..compute import trace

    where = trace.find(pack)
    if where is None:
        return [Difference("missing", f"{trace.PARQUET} (or {trace.PARTS}/)")]
    name = where.relative_to(pack).as_posix()
    try:
        got = trace.read_trace(where)
    except Exception as e:  # an unreadable file: a difference, not a crash
        return [Difference("error", f"{name} unreadable: {type(e).__name__}: {e}")]
    want = trace.read_trace(rerendered)
    if len(got) != len(want):
        out = [Difference("trace", f"{name} lines", len(got), len(want))]
        have, should = set(got["line_id"].astype(str)), set(want["line_id"].astype(str))
        out += [Difference("trace", f"{name} line {x}", "<absent>", x, "a line missing")
                for x in want["line_id"].astype(str) if x not in have][:MAX_DETAILS]
        out += [Difference("trace", f"{name} line {x}", x, "<absent>", "a line added")
                for x in got["line_id"].astype(str) if x not in should][:MAX_DETAILS]
        return out
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
        for i in np.flatnonzero(~same)[:MAX_DETAILS]:
            out.append(Difference("trace", f"{name} line {ids[i]} {c}", x[i], y[i]))
    return out


BLOCK = 1 << 20
DETAIL_LIMIT = 64 << 20   # files larger than this are named with the offset where they start to differ


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes, read a block at a time."""
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(BLOCK), fb.read(BLOCK)
            if x != y:
                return False
            if not x:
                return True


def first_difference(a: Path, b: Path) -> int:
    """The offset of the first byte where two files differ (the shorter one's size if one is a
    prefix of the other)."""
    offset = 0
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(BLOCK), fb.read(BLOCK)
            if x != y:
                n = min(len(x), len(y))
                return offset + next((i for i in range(n) if x[i] != y[i]), n)
            if not x:
                return offset
            offset += len(x)


def _details(rel: str, got: bytes, want: bytes) -> list[Difference]:
    """What differs inside a file (its first differing values), by its kind."""
    try:
        if rel == RESULTS:
            out = _json_details(rel, got, want, "result")
        elif rel.endswith(".xbrl"):
            out = _xbrl_details(rel, got, want)
        elif rel.endswith(".xhtml"):
            out = _inline_details(rel, got, want)
        elif rel.endswith(".json"):
            out = _json_details(rel, got, want, "validation" if rel == VALIDATION else "content")
        elif rel.endswith((".zip", ".docx", ".xlsx")):
            out = _zip_details(rel, got, want)
        elif rel.endswith((".csv", ".yaml", ".yml", ".md", ".txt", ".html", ".js")):
            out = _lines_details(rel, got, want)
        else:
            out = []
    except Exception as e:  # a damaged file: named, never a crash
        out = [Difference("content", f"{rel} unreadable: {type(e).__name__}: {e}")]
    return out


# --- verify --------------------------------------------------------------------------------------------

def _validation_view(data: bytes) -> dict[str, Any] | None:
    """What validation.json holds that does not depend on Arelle or on where the run looked for
    the IFRS package: its schema, the facts counted, the project's own checks."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    issues = [i for i in doc.get("issues") or [] if isinstance(i, dict) and i.get("code") not in ARELLE_CODES
              and "arelle_code" not in (i.get("params") or {})]
    return {"schema": doc.get("schema"), "facts": doc.get("facts"), "own_checks": issues}


def _unvalidated_view(data: bytes) -> dict[str, Any] | None:
    """validation.json of a run that did not validate, without where it looked for the package."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    doc["issues"] = [{k: (None if k in ("message", "params") and i.get("code") == "xbrl-not-validated" else x)
                      for k, x in i.items()} if isinstance(i, dict) else i for i in doc.get("issues") or []]
    return doc


def _symlinks(folder: Path) -> list[str]:
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out.append(p.relative_to(folder).as_posix())
    return out


def verify(folder: Path, ifrs_package: str | Path | None = None,
           progress: Callable[[str, str], None] | None = None) -> Verification:
    """Re-perform the report folder ``folder`` (see the module's docstring). ``ifrs_package``: the
    IFRS taxonomy package, to validate the XBRL again; ``progress(stage, text)``: the re-render's
    stages as ``report`` shows them."""
    t0 = time.perf_counter()
    folder = Path(folder)
    v = Verification()
    try:
        _verify(folder, ifrs_package, progress, v)
    finally:
        v.seconds = time.perf_counter() - t0
    return v


def _verify(folder: Path, ifrs_package: str | Path | None, progress: Callable[[str, str], None] | None,
            v: Verification) -> None:
    d = v.differences
    if not folder.is_dir():
        d.append(Difference("missing", str(folder), reason="not a folder"))
        return
    mpath = folder / manifest.MANIFEST
    if mpath.is_symlink() or not mpath.is_file():
        d.append(Difference("missing", manifest.MANIFEST))
        return
    # 1 the manifest's structure, its paths, no symbolic link
    try:
        man = manifest.read(folder)
    except (OSError, manifest.ManifestError) as e:
        kind = "outside" if isinstance(e, manifest.ManifestPathError) else "malformed"
        d.append(Difference(kind, manifest.MANIFEST, reason=str(e).removeprefix(f"{manifest.MANIFEST}: ")))
        return
    links = _symlinks(folder)
    d += [Difference("outside", rel, reason="a symbolic link: a pack holds files only") for rel in links]
    inv = folder / man["inventory"]
    if not inv.exists():
        d.append(Difference("missing", f"{manifest.MANIFEST} inventory {man['inventory']}",
                            reason="no such file or folder in the pack"))
    if links:
        return  # nothing is read through a link

    # 2 hashes, and no file added
    recorded = man["files"]
    actual: dict[str, str] = {}
    present = set(manifest.files_of(folder))
    for rel in sorted(recorded):
        if rel not in present:
            d.append(Difference("missing", rel))
            continue
        v.checked_files += 1
        entry, p = recorded[rel], folder / rel
        actual[rel] = manifest.sha256(p)
        if actual[rel] != entry["sha256"]:
            d.append(Difference("altered", rel, actual[rel], entry["sha256"]))
        elif p.stat().st_size != entry["bytes"]:
            d.append(Difference("altered", f"{rel} bytes", p.stat().st_size, entry["bytes"]))
        if entry["role"] != manifest.role_of(rel):
            d.append(Difference("manifest", f"{manifest.MANIFEST} files.{rel}.role", entry["role"], manifest.role_of(rel)))
    for rel in sorted(present - set(recorded)):
        d.append(Difference("unrecorded", rel))
        actual[rel] = manifest.sha256(folder / rel)
    v.pack_digest = manifest.pack_digest({**actual, manifest.MANIFEST: manifest.sha256(mpath)})
    from ..pipeline import PackSettings

    pack = PackSettings.of(man)
    v.input_digest = manifest.input_digest(actual, pack.langs, pack.force, pack.inventory)
    if v.input_digest != man["input_digest"]:
        d.append(Difference("digest", f"{manifest.MANIFEST} input_digest", man["input_digest"], v.input_digest,
                            "recomputed from inputs/, factors/, prior/ and the settings recorded"))
    if not inv.exists():
        return

    # 3 re-render from the copies, in a folder of its own, and compare every file
    with tempfile.TemporaryDirectory(prefix="disclosure-verify-") as tmp:
        work = Path(tmp) / "pack"
        for rel in sorted(recorded):
            if manifest.role_of(rel) != "output" and rel in present:
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / rel, work / rel)
        work.mkdir(exist_ok=True)
        _rerender_and_compare(folder, work, man, pack, ifrs_package, progress, v, reported=set(present) ^ set(recorded))
    _factor_notes(folder, man, v)


def _rerender_and_compare(folder: Path, work: Path, man: dict[str, Any], pack: Any, ifrs_package: str | Path | None,
                          progress: Callable[[str, str], None] | None, v: Verification, reported: set[str]) -> None:
    from ..compute import trace
    from ..compute.results import ResultsError, read_results
    from ..pipeline import render

    d = v.differences
    if pack.prior and (work / pack.prior).is_file():
        try:
            read_results(work / pack.prior)
        except ResultsError as e:
            d.append(Difference("malformed", pack.prior, reason=str(e).split(": ", 1)[-1]))
            return
    carried = _carried_issues(folder)
    try:
        run = render(work, pack, Path(ifrs_package) if ifrs_package else None, validate=man["xbrl_validated"],
                     progress=progress, carried=carried)
    except Exception as e:  # a defect or an unreadable input: a difference, not a crash
        d.append(Difference("error", f"re-rendering failed: {type(e).__name__}: {e}".replace(str(work) + "/", "")))
        return
    if run.stopped:
        from ..core.issues import Severity

        errors = [i for i in run.issues if i.severity is Severity.ERROR]
        shown = "; ".join(f"{i.code} {i.location.file or ''} {i.location.row or ''}".strip() for i in errors[:5])
        d.append(Difference("rerender", f"{man['inventory']}", reason=f"the copied inputs have {len(errors)} errors, "
                            f"on which report stops (it was not forced): {shown}"))
        return
    v.rerendered = True
    v.revalidated = run.xbrl_validated
    partial = man["xbrl_validated"] and not run.xbrl_validated
    if partial:
        v.notes.append(f"{VALIDATION} compared without Arelle's findings, and {VIEWER} by its hashes only: the pack "
                       "was validated by Arelle and no IFRS taxonomy package was given to validate it again "
                       "(--ifrs-package, DISCLOSURE_IFRS_PACKAGE or report.yaml's xbrl.ifrs_package)")
    elif not man["xbrl_validated"]:
        v.notes.append("the pack's XBRL was not validated by Arelle (its validation.json says so): it was "
                       "rendered again without validation")
    engine = man["engine"]

    def by_value(rel: str) -> bool:
        """A file the chunked and Dask engines write otherwise: compared by its values below."""
        return engine != "inprocess" and (rel in (RESULTS, trace.PARQUET) or rel.startswith(trace.PARTS + "/"))

    def may_lack(rel: str) -> bool:
        """The Dask engine writes no trace.csv, the chunked engine none past ``trace.CSV_MAX_LINES``
        activity rows (it decides on the rows read; the in-process engine on the lines, so its re-rendered
        pack has the same files)."""
        return engine != "inprocess" and rel == trace.CSV

    def arelle_only(rel: str) -> bool:
        return partial and (rel == VALIDATION or rel.startswith(VIEWER))

    got_files = set(manifest.files_of(folder))
    want_files = set(manifest.files_of(work))
    for rel in sorted(got_files - want_files):
        if rel in reported or by_value(rel) or arelle_only(rel):
            continue
        d.append(Difference("extra", rel, reason="the re-rendered pack has no such file"))
    for rel in sorted(want_files - got_files):
        if rel in reported or by_value(rel) or may_lack(rel):
            continue
        d.append(Difference("missing", rel, reason="the re-rendered pack has it"))
    env_only = False
    for rel in sorted(got_files & want_files):
        if by_value(rel) or (arelle_only(rel) and rel != VALIDATION):
            continue
        a, b = folder / rel, work / rel
        v.compared_files += not (partial and rel == VALIDATION)
        if rel == VALIDATION and (partial or not same_bytes(a, b)):
            env_only = _compare_validation(a.read_bytes(), b.read_bytes(), partial, man, d) or env_only
            continue
        if same_bytes(a, b):
            continue
        if rel in (trace.PARQUET,) or rel.startswith(trace.PARTS + "/"):
            found = _trace_details(folder, work, v)
        elif max(a.stat().st_size, b.stat().st_size) > DETAIL_LIMIT:
            found = [Difference("content", rel, reason=f"differs from byte {first_difference(a, b):,} on")]
        else:
            found = _details(rel, a.read_bytes(), b.read_bytes())
        shown = found[:MAX_DETAILS]
        if len(found) > MAX_DETAILS:
            shown.append(Difference(shown[-1].kind, f"{rel}: {len(found) - MAX_DETAILS} more differences"))
        d += shown or [Difference("content", rel, reason="differs from the re-rendered file")]
    if engine != "inprocess":
        _compare_by_value(folder, work, v)
    if not run.xbrl_validated:
        d += _xbrl_issues_differences(carried.get("xbrl", []), folder / VALIDATION)
    _compare_manifest(folder, work, partial, env_only, v)
    # what was compared, counted in the re-rendered pack
    results = json.loads((work / RESULTS).read_text(encoding="utf-8"))
    v.compared_values = count_leaves(results)
    from ..export.xbrl import stem_of

    inst = work / f"{stem_of(results)}.xbrl"
    if inst.is_file():
        v.compared_facts = len(instance_facts(inst.read_bytes()))
    if not v.compared_lines:
        v.compared_lines = len(trace.read_trace(work, columns=["line_id"]))


def _carried_issues(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The entries of the pack's issues.json that the re-render cannot derive again from the
    pack's copies, by stage: the factor library's as it was found when the pack was made (the pack
    keeps only the datasets that loaded) and the XBRL export's (used when the XBRL is not validated
    again; then compared with validation.json, ``_xbrl_issues_differences``). An unreadable file
    carries nothing: the re-rendered issues.json then differs from it and is named."""
    from ..core.issues import ISSUES_FILE, read_pack

    try:
        entries = read_pack(folder / ISSUES_FILE)["issues"]
    except (OSError, ValueError, RecursionError):
        return {}
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in CARRIED_STAGES}   # none is none, carried too
    for e in entries:
        if isinstance(e, dict) and e.get("stage") in CARRIED_STAGES:
            out[e["stage"]].append(e)
    return out


CARRIED_STAGES = ("factors", "xbrl")
_ISSUE_KEYS = ("code", "severity", "table", "file", "sheet", "row", "column", "params")


def _xbrl_issues_differences(entries: list[dict[str, Any]], validation: Path) -> list[Difference]:
    """issues.json's XBRL entries, carried because the XBRL was not validated again, against the
    issues of validation.json (itself compared with the re-rendered one): code, severity, place and
    parameters, entry by entry."""
    from ..core.issues import ISSUES_FILE

    try:
        found = json.loads(validation.read_text(encoding="utf-8")).get("issues") or []
    except (OSError, ValueError, AttributeError, RecursionError):
        return []   # validation.json itself is named above
    got = sorted(({k: e.get(k) for k in _ISSUE_KEYS} for e in entries), key=repr)
    want = sorted(({k: e.get(k) for k in _ISSUE_KEYS} for e in found if isinstance(e, dict)), key=repr)
    if got == want:
        return []
    out = [Difference("issues", f"{ISSUES_FILE} (the XBRL export's): issue not in {VALIDATION}",
                      json.dumps(e, ensure_ascii=False), None) for e in got if e not in want]
    out += [Difference("issues", f"{ISSUES_FILE} (the XBRL export's): issue of {VALIDATION} missing", None,
                       json.dumps(e, ensure_ascii=False)) for e in want if e not in got]
    return out[:MAX_DETAILS] or [Difference("issues", f"{ISSUES_FILE} (the XBRL export's) differs from {VALIDATION}")]


def _compare_validation(got: bytes, want: bytes, partial: bool, man: dict[str, Any], d: list[Difference]) -> bool:
    """validation.json: without Arelle, in what does not depend on it; a pack not validated, but
    for where its run looked for the package. Returns whether it differs in that alone."""
    if partial:
        a, b = _validation_view(got), _validation_view(want)
        if a is None:
            d.append(Difference("validation", f"{VALIDATION} is not JSON"))
            return False
        try:
            claimed = json.loads(got.decode("utf-8")).get("validated")
        except (ValueError, AttributeError):
            claimed = None
        if claimed is not True:
            d.append(Difference("validation", f"{VALIDATION} validated", claimed, True,
                                f"{manifest.MANIFEST} records xbrl_validated true"))
        d += [Difference("validation", f"{VALIDATION} {p}", x, y) for p, x, y in diff_values(a, b)][:MAX_DETAILS]
        return False
    if not man["xbrl_validated"]:
        a, b = _unvalidated_view(got), _unvalidated_view(want)
        if a is not None and a == b:
            return True   # only where the run looked for the package differs
    d += _details(VALIDATION, got, want)[:MAX_DETAILS] or [Difference("validation", VALIDATION, reason="differs")]
    return False


def _compare_by_value(folder: Path, work: Path, v: Verification) -> None:
    """A chunked or Dask pack: results.json value by value, the trace line by line."""
    d = v.differences
    if not (folder / RESULTS).is_file():
        d.append(Difference("missing", RESULTS))
    else:
        found = _json_details(RESULTS, (folder / RESULTS).read_bytes(), (work / RESULTS).read_bytes(), "result",
                              ENGINE_REL_TOL)
        d += found[:MAX_DETAILS]
    d += _trace_details(folder, work, v)


def _compare_manifest(folder: Path, work: Path, partial: bool, env_only: bool, v: Verification) -> None:
    """manifest.json against the re-rendered one: its settings (from the copied report.yaml), the
    run's settings, the tool, entity, period and datasets. The file entries are compared with the
    files themselves, and the input digest with the copies, above."""
    a = json.loads((folder / manifest.MANIFEST).read_text(encoding="utf-8"))
    b = json.loads((work / manifest.MANIFEST).read_text(encoding="utf-8"))
    for m in (a, b):
        m.pop("files", None)
        m.pop("input_digest", None)
        if partial:
            m.pop("xbrl_validated", None)
    for path, x, y in diff_values(a, b):
        kind = "settings" if path.startswith("settings") else "manifest"
        reason = "from the copied report.yaml" if kind == "settings" else ""
        v.differences.append(Difference(kind, f"{manifest.MANIFEST} {path}", x, y, reason))
    if env_only:
        v.notes.append(f"{VALIDATION} differs from the re-rendered one only in where the run looked for the "
                       "IFRS taxonomy package")


def _factor_notes(folder: Path, man: dict[str, Any], v: Verification) -> None:
    """The datasets recorded against the pack's copies (the re-render used those), and a note when
    the installed tool ships a different file under the same id and version."""
    from ..factors import load_library

    installed, _ = load_library()
    for ds in man["factor_datasets"]:
        p = folder / manifest.FACTORS / ds["file"]
        if p.is_file() and manifest.sha256(p) != ds["sha256"]:
            v.differences.append(Difference("factor", f"{manifest.FACTORS}/{ds['file']} ({ds['id']}@{ds['version']})",
                                            manifest.sha256(p), ds["sha256"]))
        have = installed.get(ds["id"], ds["version"])
        if have is not None and have.sha256 != ds["sha256"]:
            v.notes.append(f"the installed dataset {ds['id']}@{ds['version']} differs from the one recorded; "
                           "the pack's copy was used")
