"""Output folders that are never lost: the one rule of ``report --out`` and ``compute --out``.

A run writes into a folder of its own (``--out``) only when that folder is

- absent (it is created, with its parents),
- empty, or
- a folder this tool wrote: it holds the marker :data:`MARKER` that every run writes last, listing
  every file the run wrote, and (for a report pack) ``manifest.json``; every file in the folder is
  listed in both. A user's ``thesis.docx`` beside a stray ``results.json``, a home folder with a
  ``manifest.json`` and ``.ssh/``, an older pack with a file added: all refused, nothing touched.

It is not the inventory folder nor inside it (a pack there would be copied into the next pack's
``inputs/``, and packs would nest and grow); a link given as ``--out`` is followed to the folder it
names (and stays a link to it); ``--out .`` is the current folder.

The run writes into a staging folder made beside the target by ``tempfile.mkdtemp`` (a name no
other folder has, so no folder of anyone's is ever taken for it or deleted), removed on every way
out of :func:`staged` (an error, an exception, Ctrl-C) unless :func:`publish` moved its files into
the target. Publishing keeps the target folder itself (its permissions, a link to it, a shell in
it): the earlier run's files are moved out, the new ones in, the marker last.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ui

MARKER = ".disclosure-output.json"
SCHEMA = "disclosure.output/1"
MANIFEST = "manifest.json"      # a report pack's manifest (export/manifest.py writes it)
KINDS = ("report", "compute")
_NOTE = ("written by disclosure; the next `disclosure report` or `disclosure compute` with this folder as "
         "--out replaces the files listed here (and refuses if the folder holds any other)")


class OutFolderError(Exception):
    """``--out`` cannot be written: a usage error (exit code 2); nothing was touched. An entry of the
    command line's words (``core/ui.yaml``, ``out_*``) and its parameters, said in a language by
    :meth:`text` (in English by ``str``); a parameter ``why`` is itself such an entry's key."""

    def __init__(self, key: str, **params: Any):
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        params = dict(self.params)
        if "why" in params:
            params["why"] = ui.text(params["why"], lang, marker=MARKER, manifest=MANIFEST,
                                    error=params.pop("error", ""))
        if "foreign" in params:
            params["foreign"] = _show(params["foreign"], lang)
        return ui.text(self.key, lang, **params)


@dataclass(frozen=True)
class Staging:
    folder: Path      # where the run writes
    target: Path      # the folder it becomes (``--out``, its links followed)


def files_in(folder: Path) -> list[str]:
    """Every file (and link) under ``folder`` as sorted relative POSIX paths, the marker excepted."""
    out = []
    for here, dirs, files in os.walk(folder):      # links to folders are listed, not followed
        base = Path(here)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            rel = (base / name).relative_to(folder).as_posix()
            if rel != MARKER:
                out.append(rel)
    return sorted(out)


def _listed(folder: Path) -> tuple[set[str] | None, tuple[str, str]]:
    """The files the marker of ``folder`` lists (None when it has no readable marker), and why not
    (a key of ``core/ui.yaml`` and the error's name)."""
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, ("out_why_no_marker", "")
    except (OSError, ValueError) as e:
        return None, ("out_why_marker_unreadable", type(e).__name__)
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or doc.get("kind") not in KINDS \
            or not isinstance(doc.get("files"), list) or not all(isinstance(f, str) for f in doc["files"]):
        return None, ("out_why_marker_foreign", "")
    listed = set(doc["files"])
    if doc["kind"] == "report":
        try:
            man = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            files = man.get("files") if isinstance(man, dict) else None
            if not isinstance(files, dict):
                raise ValueError("no files")
        except (OSError, ValueError) as e:
            return None, ("out_why_manifest_unreadable", type(e).__name__)
        listed &= {*files, MANIFEST}
    return listed, ("", "")


def _show(names: list[str], lang: str, n: int = 5) -> str:
    sep = ", " if lang == "en" else "、"
    more = ui.text("out_more", lang, n=len(names) - n) if len(names) > n else ""
    return sep.join(names[:n]) + more


def target_of(out: Path, inventory: Path | None = None) -> Path:
    """The folder ``--out`` names, checked as the module says; raises :class:`OutFolderError`."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise OutFolderError("out_dangling_link", out=out)
    target = Path(os.path.realpath(out))     # ".", "..", links: the folder itself
    if target.exists() and not target.is_dir():
        raise OutFolderError("out_is_file", out=out)
    if inventory is not None:
        inv = Path(os.path.realpath(inventory))
        if inv.is_dir() and (target == inv or target.is_relative_to(inv)):
            raise OutFolderError("out_inside_inventory", out=out, inventory=inventory)
    if target.is_dir() and any(target.iterdir()):
        listed, why = _listed(target)
        if listed is None:
            raise OutFolderError("out_not_ours", out=out, why=why[0], error=why[1])
        foreign = [f for f in files_in(target) if f not in listed]   # walked only when it has our marker
        if foreign:
            raise OutFolderError("out_foreign", out=out, foreign=foreign)
    return target


@contextmanager
def staged(out: Path, inventory: Path | None = None) -> Iterator[Staging]:
    """A staging folder beside ``--out`` (checked by :func:`target_of`), removed on leaving unless
    published."""
    target = target_of(out, inventory)
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield Staging(folder, target)
    finally:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)


def publish(staging: Staging, kind: str) -> None:
    """The staged files become ``--out``'s: the marker written (listing them), the target's earlier
    files (a folder this tool wrote: checked again) moved out and removed, the new ones moved in."""
    if kind not in KINDS:
        raise ValueError(kind)
    target = target_of(staging.target)       # again: nothing may have been added meanwhile
    files = files_in(staging.folder)
    (staging.folder / MARKER).write_text(json.dumps({"schema": SCHEMA, "kind": kind, "note": _NOTE, "files": files},
                                                    ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not target.exists():
        staging.folder.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    try:
        for entry in sorted(target.iterdir()):
            entry.rename(old / entry.name)
        entries = sorted(staging.folder.iterdir(), key=lambda p: p.name == MARKER)   # the marker last
        for entry in entries:
            entry.rename(target / entry.name)
    finally:
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["KINDS", "MARKER", "OutFolderError", "Staging", "files_in", "publish", "staged", "target_of"]
