"""``manifest.json``: the sha256 of every file of a report folder, the tool version, the factor
datasets used (id, version, sha256), the settings, and what re-rendering the pack needs (the
inventory's path in it, the Word reports' languages, the prior year, ``--force``, the engine).
Deterministic: sorted keys, no timestamps, paths relative to the folder with '/' separators.

Its structure is declared once, below (``Manifest``, strict: a key it does not declare, a value of
another type or a path leaving the folder is an error); :func:`read` checks a file against it and
raises :class:`ManifestError`, which ``verify`` reports as a finding and ``diff`` as a usage error.

Two digests, both sha256 in hexadecimal:

- the **input digest** (:func:`input_digest`): one hash over what determines every output of the
  pack, computable before the outputs are written (the Word report prints it, the XBRL tags it as
  ``csdsx:InputDigestOfReport``). It is the sha256 of the UTF-8 bytes of the JSON document
  ``{"files": {PATH: SHA256, …}, "force": …, "inventory": …, "langs": […], "schema":
  "disclosure.input-digest/1"}`` written with sorted keys, no spaces (``separators=(",", ":")``)
  and ``ensure_ascii=False``, where ``files`` holds every file under ``inputs/``, ``factors/``
  and ``prior/`` (relative POSIX paths) and the three settings are the manifest's own. report.yaml
  and disclosures.yaml are among the inputs; the tool's version and the IFRS taxonomy package
  (which only validates) are not in it: the same digest and the same tool version give the same
  pack. It can be recomputed from ``manifest.json`` alone (the files of role input, factor, prior).
- the **pack digest** (:func:`pack_digest`): one hash over the sorted file hashes of the pack,
  ``manifest.json`` included (so that an edit of the manifest's settings shows as well): the
  sha256 of the lines ``SHA256  PATH`` (two spaces; the format of ``sha256sum``), one a file,
  sorted by path, each ending in ``\\n``. ``report`` and ``verify`` print it: an assurer records
  it at sign-off, and any later edit of the pack changes it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict only from Python 3.12

from ..compute.results import Entity, Period, Settings, Tool
from ..core.version import __version__

MANIFEST = "manifest.json"
SCHEMA = "disclosure.manifest/2"     # 2: input_digest; the structure checked on reading
INPUT_DIGEST_SCHEMA = "disclosure.input-digest/1"
INPUTS = "inputs"     # the inventory as read, copied into the pack
FACTORS = "factors"   # every factor dataset file of the library the run used
PRIOR = "prior"       # the prior year's results.json, when --prior was given
SOURCES = (INPUTS, FACTORS, PRIOR)   # the folders the pack is re-rendered from
ROLES = {INPUTS: "input", FACTORS: "factor", PRIOR: "prior"}

_STRICT = ConfigDict(extra="forbid", strict=True)
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


@with_config(_STRICT)
class FileEntry(TypedDict):
    sha256: Sha256
    bytes: int
    role: Literal["input", "factor", "prior", "output"]


@with_config(_STRICT)
class DatasetEntry(TypedDict):
    id: str
    version: str
    sha256: Sha256
    file: str


@with_config(_STRICT)
class Manifest(TypedDict):
    schema: Literal["disclosure.manifest/2"]
    tool: Tool
    entity: Entity
    period: Period
    settings: Settings
    factor_datasets: list[DatasetEntry]
    files: dict[str, FileEntry]          # every file of the folder but the manifest
    # what re-rendering the pack needs, besides its files
    inventory: str                       # the inventory's path: inputs, or inputs/<workbook>
    langs: list[Literal["zh-CN", "en"]]  # the Word reports written
    prior: str | None                    # prior/results.json, with --prior
    force: bool
    engine: Literal["inprocess", "chunked", "dask"]
    xbrl_validated: bool                 # Arelle validated the XBRL (with the IFRS package)
    input_digest: Sha256


class ManifestError(ValueError):
    """A manifest.json that is not one this tool writes: unreadable, another schema, another
    structure, or a path that leaves the folder (:class:`ManifestPathError`)."""


class ManifestPathError(ManifestError):
    """A manifest.json whose paths leave the folder, or name a place where no such file belongs."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def files_of(folder: Path) -> list[str]:
    """Every file under ``folder`` except the manifest, as sorted relative POSIX paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST)


def role_of(rel: str) -> str:
    top = rel.split("/", 1)[0]
    return ROLES.get(top, "output") if "/" in rel else "output"


def input_digest(hashes: Mapping[str, str], langs: Iterable[str], force: bool, inventory: str) -> str:
    """The input digest (see the module's docstring) of the files ``hashes`` (relative path →
    sha256; the files outside ``inputs/``, ``factors/`` and ``prior/`` are left out here)."""
    doc = {"schema": INPUT_DIGEST_SCHEMA, "files": {rel: h for rel, h in hashes.items() if role_of(rel) != "output"},
           "langs": list(langs), "force": bool(force), "inventory": inventory}
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_hashes(folder: Path) -> dict[str, str]:
    """The sha256 of every file under the folder's ``inputs/``, ``factors/`` and ``prior/``."""
    return {rel: sha256(folder / rel) for rel in files_of(folder) if role_of(rel) != "output"}


def pack_digest(hashes: Mapping[str, str]) -> str:
    """The pack digest (see the module's docstring) of ``hashes``: relative path → sha256 of every
    file of the pack, manifest.json included."""
    text = "".join(f"{hashes[rel]}  {rel}\n" for rel in sorted(hashes))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_digest_of(folder: Path, manifest: Mapping[str, Any] | None = None) -> str:
    """The pack digest of a folder this tool wrote: from the file hashes its manifest records
    (``manifest``, else read), and the manifest's own."""
    man = manifest if manifest is not None else read(folder)
    return pack_digest({**{rel: e["sha256"] for rel, e in man["files"].items()}, MANIFEST: sha256(folder / MANIFEST)})


def build(folder: Path, results: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The manifest of ``folder``; ``extra``: inventory, langs, prior, force, engine, xbrl_validated
    and input_digest."""
    files = {rel: {"sha256": sha256(folder / rel), "bytes": (folder / rel).stat().st_size, "role": role_of(rel)}
             for rel in files_of(folder)}
    man = {
        "schema": SCHEMA,
        "tool": {"name": "disclosure", "version": __version__},
        "entity": results.get("entity"),
        "period": results.get("period"),
        "settings": results.get("settings"),
        "factor_datasets": [{"id": d.get("id"), "version": d.get("version"), "sha256": d.get("sha256"),
                             "file": d.get("file")} for d in results.get("factor_datasets") or []],
        "files": files,
        **extra,
    }
    check(man, "manifest")
    return man


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(folder: Path, results: dict[str, Any], extra: dict[str, Any]) -> Path:
    path = folder / MANIFEST
    path.write_text(dumps(build(folder, results, extra)), encoding="utf-8")
    return path


# --- reading ---------------------------------------------------------------------------------------------

@cache
def _adapter() -> TypeAdapter:
    return TypeAdapter(Manifest)


_SEGMENT = re.compile(r"[^\x00-\x1f\x7f/\\:]+")


def inside(rel: str) -> bool:
    """Whether ``rel`` is a relative POSIX path that stays inside the folder: no leading '/', no
    drive or backslash, no empty, '.' or '..' segment, no control character."""
    parts = rel.split("/")
    return bool(rel) and all(_SEGMENT.fullmatch(p) and p not in (".", "..") for p in parts)


def path_errors(man: Mapping[str, Any]) -> list[str]:
    """The manifest's paths that leave the folder or sit where no such file belongs: ``inventory``
    (``inputs`` or a file in it), ``prior`` (``prior/results.json``), every recorded file, and each
    dataset's file name."""
    out = []
    inv = man.get("inventory")
    if not (isinstance(inv, str) and inside(inv) and (inv == INPUTS or inv.startswith(INPUTS + "/"))):
        out.append(f"inventory {inv!r}: not {INPUTS}/ or a path inside it")
    prior = man.get("prior")
    if prior is not None and prior != f"{PRIOR}/results.json":
        out.append(f"prior {prior!r}: not {PRIOR}/results.json")
    for rel in man.get("files") or {}:
        if not inside(rel) or rel == MANIFEST:
            out.append(f"files {rel!r}: not a path inside the folder")
    for d in man.get("factor_datasets") or []:
        f = d.get("file") if isinstance(d, dict) else None
        if not (isinstance(f, str) and inside(f) and "/" not in f):
            out.append(f"factor_datasets file {f!r}: not a file name")
    return out


def check(man: Any, where: str = MANIFEST) -> None:
    """Raise :class:`ManifestError` unless ``man`` has the structure of ``Manifest`` and its paths
    stay inside the folder."""
    if not isinstance(man, dict):
        raise ManifestError(f"{where}: expected an object, found {type(man).__name__}")
    if man.get("schema") != SCHEMA:
        raise ManifestError(f"{where}: expected schema {SCHEMA}, found {man.get('schema')!r}"
                            + (" (written by an earlier version of the tool)"
                               if str(man.get("schema", "")).startswith("disclosure.manifest/") else ""))
    try:
        _adapter().validate_python(man, strict=True)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        shown = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ManifestError(f"{where}: not the structure of {SCHEMA}: {shown}{more}") from None
    bad = path_errors(man)
    if bad:
        raise ManifestPathError(f"{where}: {'; '.join(bad[:5])}" + (f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""))


def read(folder: Path) -> Manifest:
    """The manifest of a report folder, checked (:class:`ManifestError` when it is not one this
    tool writes; ``FileNotFoundError`` when there is none)."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ManifestError(f"{MANIFEST}: not readable as JSON ({type(e).__name__}: {e})") from None
    check(data)
    return data
