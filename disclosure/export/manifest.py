"""``manifest.json``: the sha256 of every file of a report folder, the tool version, the factor
datasets used (id, version, sha256) and the settings. Deterministic: sorted keys, no timestamps,
paths relative to the folder with '/' separators."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..core.outdir import MANIFEST, MARKER  # the manifest's name: declared with the folder rule
from ..core.version import __version__

SCHEMA = "disclosure.manifest/1"
INPUTS = "inputs"     # the inventory as read, copied into the pack
FACTORS = "factors"   # every factor dataset file of the library the run used
PRIOR = "prior"       # the prior year's results.json, when --prior was given


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def files_of(folder: Path) -> list[str]:
    """Every file under ``folder`` except the manifest and the output folder's marker (written after
    the manifest, ``core.outdir``), as sorted relative POSIX paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).as_posix() not in (MANIFEST, MARKER))


def role_of(rel: str) -> str:
    top = rel.split("/", 1)[0]
    return {INPUTS: "input", FACTORS: "factor", PRIOR: "prior"}.get(top, "output") if "/" in rel else "output"


def build(folder: Path, results: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    files = {rel: {"sha256": sha256(folder / rel), "bytes": (folder / rel).stat().st_size, "role": role_of(rel)}
             for rel in files_of(folder)}
    return {
        "schema": SCHEMA,
        "tool": {"name": "disclosure", "version": __version__},
        "entity": results.get("entity"),
        "period": results.get("period"),
        "settings": results.get("settings"),
        "factor_datasets": [{"id": d.get("id"), "version": d.get("version"), "sha256": d.get("sha256"),
                             "file": d.get("file")} for d in results.get("factor_datasets") or []],
        "files": files,
        **(extra or {}),
    }


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(folder: Path, results: dict[str, Any], extra: dict[str, Any] | None = None) -> Path:
    path = folder / MANIFEST
    path.write_text(dumps(build(folder, results, extra)), encoding="utf-8")
    return path


def read(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
