"""``disclosure diff DIR_A DIR_B``: why two report folders differ, line by line.

From their manifests and results: the tool version; the input files (added, removed, changed, with
the changed lines of text files); the factor datasets (id, version, content); the settings; then
the totals that moved. Every line names what changed, so a run whose only change is a factor
dataset version says so."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from ..compute.results import read_results
from ..export import manifest
from .verify import diff_values

MAX_LINES = 20  # changed lines shown per input file


def _results(folder: Path) -> dict[str, Any]:
    try:
        return dict(read_results(folder))
    except (OSError, ValueError):
        return {}


def _text_lines(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def explain(a: Path, b: Path) -> list[str]:
    """The lines saying why ``b`` differs from ``a``; :class:`~disclosure.export.manifest.ManifestError`
    when a manifest is not one this tool writes (each is checked against its definition)."""
    a, b = Path(a), Path(b)
    ma, mb = manifest.read(a), manifest.read(b)
    out: list[str] = []
    va, vb = (ma.get("tool") or {}).get("version"), (mb.get("tool") or {}).get("version")
    if va != vb:
        out.append(f"tool: disclosure {va} → {vb}")

    # inputs
    fa = {k: v for k, v in (ma.get("files") or {}).items() if v.get("role") == "input"}
    fb = {k: v for k, v in (mb.get("files") or {}).items() if v.get("role") == "input"}
    for rel in sorted(set(fa) | set(fb)):
        if rel not in fb:
            out.append(f"input removed: {rel}")
        elif rel not in fa:
            out.append(f"input added: {rel}")
        elif fa[rel]["sha256"] != fb[rel]["sha256"]:
            out.append(f"input changed: {rel}")
            la, lb = _text_lines(a / rel), _text_lines(b / rel)
            if la is not None and lb is not None:
                shown = 0
                for line in difflib.unified_diff(la, lb, lineterm="", n=0):
                    if line.startswith(("---", "+++")):
                        continue
                    if shown >= MAX_LINES:
                        out.append("    …")
                        break
                    out.append(f"    {line}")
                    shown += 1

    # factor datasets
    da = {d["id"]: d for d in ma.get("factor_datasets") or []}
    db = {d["id"]: d for d in mb.get("factor_datasets") or []}
    for ident in sorted(set(da) | set(db)):
        x, y = da.get(ident), db.get(ident)
        if y is None:
            out.append(f"factor dataset no longer used: {ident}@{x['version']}")
        elif x is None:
            out.append(f"factor dataset newly used: {ident}@{y['version']}")
        elif x["version"] != y["version"]:
            out.append(f"factor dataset {ident}: version {x['version']} → {y['version']}")
        elif x.get("sha256") != y.get("sha256"):
            out.append(f"factor dataset {ident}@{x['version']}: same version, different content "
                       f"(sha256 {str(x.get('sha256'))[:12]} → {str(y.get('sha256'))[:12]})")

    # settings
    for path, x, y in diff_values(ma.get("settings") or {}, mb.get("settings") or {}):
        if path.startswith("factor_pins"):
            out.append(f"setting {path} (factor version pin): {x} → {y}")
        else:
            out.append(f"setting {path}: {x} → {y}")
    for key in ("langs", "force", "engine"):   # how the pack was made (the engine changes no figure)
        if ma[key] != mb[key]:
            out.append(f"run {key}: {ma[key]} → {mb[key]}")
    for key in ("period", "entity"):
        for path, x, y in diff_values(ma.get(key) or {}, mb.get(key) or {}):
            out.append(f"{key} {path}: {x} → {y}")

    # what moved
    ra, rb = _results(a), _results(b)
    for path, x, y in diff_values(ra.get("totals") or {}, rb.get("totals") or {}):
        if isinstance(x, int | float) and isinstance(y, int | float):
            out.append(f"result totals.{path}: {x:,.4f} → {y:,.4f} ({y - x:+,.4f} tCO2e)")
        else:
            out.append(f"result totals.{path}: {x} → {y}")
    return out
