"""``disclosure report``: one command from an inventory to the whole pack.

    check → compute → XBRL + Inline XBRL (validated) → Word → workpapers → manifest

The pack is self-contained so that ``disclosure verify`` can re-perform it: the inventory is copied
into ``inputs/``, every factor dataset file of the library the run used into ``factors/`` (the run
computes from those copies), the prior year's results.json (``--prior``) into ``prior/``. Every
stage reads those copies alone: the check loads the inventory's copy, and stages 2 to 6
(``_compute_and_render``) compute from it and ``factors/`` and write the outputs. ``render`` runs
the same stages on a folder holding only a pack's copies: ``verify`` re-renders a pack with it,
into a folder of its own, and compares every file. The exporters stay leaves: this module calls
them, they never call back.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compute import results as results_file
from .compute import trace, years
from .core import vocabulary as vocab
from .core.issues import Issue, Severity, issue
from .core.settings import Settings, resolve_path
from .engines import inprocess
from .export import manifest, workpapers
from .factors import FactorLibrary, folder_library, load_library
from .ingest.inventory import Inventory
from .loader import load_inventory

STAGES = ["check", "compute", "xbrl", "word", "workpapers", "manifest"]
WORKPAPERS = "workpapers.xlsx"


class ReportUsageError(Exception):
    """The command was asked something it cannot do (exit code 2)."""


@dataclass
class ReportRun:
    out: Path
    exit_code: int = 0
    stopped: bool = False
    results: dict[str, Any] | None = None
    issues: list[Issue] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    xbrl_validated: bool = False
    problems: list[str] = field(default_factory=list)   # stage failures, one line each
    language: str = "zh-CN"                             # of the messages: report.yaml's
    input_digest: str = ""                              # manifest.input_digest: printed in Word, tagged in XBRL
    pack_digest: str = ""                               # manifest.pack_digest, once the manifest is written

    def count(self, severity: Severity) -> int:
        return sum(1 for i in self.issues if i.severity is severity)


@dataclass(frozen=True)
class PackSettings:
    """What a pack records besides its files and report.yaml (manifest.json), which re-rendering it
    needs: the inventory's path in the pack, the Word reports' languages, the prior year's results
    (``prior/results.json``), ``--force``, and the engine that computed it (recorded only: the
    outputs do not depend on it, and ``verify`` re-renders in process)."""
    inventory: str
    langs: tuple[str, ...]
    prior: str | None
    force: bool
    engine: str = "inprocess"

    def input_digest(self, folder: Path) -> str:
        """The input digest of the copies in ``folder`` with these settings."""
        return manifest.input_digest(manifest.source_hashes(folder), self.langs, self.force, self.inventory)

    def record(self) -> dict[str, Any]:
        return {"inventory": self.inventory, "langs": list(self.langs), "prior": self.prior, "force": self.force,
                "engine": self.engine}

    @classmethod
    def of(cls, man: dict[str, Any]) -> PackSettings:
        """The settings a (checked) manifest records."""
        return cls(man["inventory"], tuple(man["langs"]), man["prior"], man["force"], man["engine"])


def _copy_inventory(inventory: Path, dest: Path) -> Path:
    """Copy the inventory (a folder, or one workbook) into ``dest``; returns the path to read."""
    dest.mkdir(parents=True, exist_ok=True)
    if inventory.is_file():  # a workbook, with report.yaml and disclosures.yaml beside it if there
        shutil.copyfile(inventory, dest / inventory.name)
        for side in ("report.yaml", "disclosures.yaml"):
            if (inventory.parent / side).is_file():
                shutil.copyfile(inventory.parent / side, dest / side)
        return dest / inventory.name
    for p in sorted(inventory.rglob("*")):
        rel = p.relative_to(inventory)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts) or not p.is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest / rel)
    return dest


def prepare_out(out: Path) -> Path:
    """``out`` must be absent, empty, or an earlier report (or compute) folder, which a successful
    run replaces whole; anything else is refused. The pack is built in a staging folder beside it
    (returned), so a run that stops or fails leaves an earlier pack untouched."""
    if out.exists():
        if not out.is_dir():
            raise ReportUsageError(f"{out} is not a folder")
        if any(out.iterdir()) and not ((out / manifest.MANIFEST).is_file() or (out / "results.json").is_file()):
            raise ReportUsageError(f"{out} is not empty and is not a report folder; choose another --out")
    staging = out.with_name(f".{out.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _publish(staging: Path, out: Path, run: ReportRun) -> None:
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    run.paths = {k: out / p.relative_to(staging) for k, p in run.paths.items()}


def copy_library(library: FactorLibrary, dest: Path) -> list[Path]:
    """Every dataset file of ``library`` into the pack (``factors/``) as ``<id>@<version>.yaml``, its
    bytes as read: the run computes from these copies, so a dataset installed later never changes
    an existing pack."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for (ident, version), ds in sorted(library.datasets.items()):
        target = dest / f"{ident}@{version}.yaml"
        shutil.copyfile(ds.path, target)
        out.append(target)
    return out


def _library_copy(inv: Inventory, out: Path) -> list[Issue]:
    """The library the inventory asks for (the shipped datasets and its own folders), copied into
    the pack; returns the issues of loading it (a dataset file left out is named here only)."""
    dirs = [str(inv.folder / d) for d in inv.settings.factors.datasets]
    library, issues = load_library(dirs)
    copy_library(library, out / manifest.FACTORS)
    return issues


def _takes(setting: str) -> str | None:
    """The vocabulary enumeration of a setting's values (consolidation → consolidation), if any."""
    return vocab.term("setting", setting).get("takes") if setting in vocab.enumeration("setting") else None


def base_year_issues(results: dict[str, Any]) -> list[Issue]:
    """The base-year check's findings as issues (shown, not written into results.json)."""
    by = results.get("base_year")
    if not by:
        return []
    prior = "{start} – {end}".format(**(by.get("base_period") or {"start": "?", "end": "?"}))
    out = [issue("base-year-method-changed", what=x["item"], prior=x.get("prior"), current=x.get("current"),
                 enum=_takes(x["item"]) if x["change"] == "method_changed" else None)
           for x in by.get("log") or [] if x["change"] in ("method_changed", "factor_changed")]
    if by.get("recalculation_required"):
        share = by.get("structural_change_share")
        out.insert(0, issue("base-year-recalculation", prior=prior,
                            share="-" if share is None else f"{share:.1%}", threshold=f"{by['threshold']:.0%}"))
    return out


@dataclass
class _Computed:
    """What the later stages read of a computation, whichever engine made it."""
    results: dict[str, Any]
    trace: Any                 # the trace as a DataFrame
    issues: list[Issue]


ENGINES = ("inprocess", "chunked", "dask")


def _compute_engine(engine: str, inv_path: Path, out: Path, prior_results: dict[str, Any] | None,
                    force: bool, chunk_rows: int, scheduler: str | None
                    ) -> tuple[_Computed | None, list[Issue], list[Issue], list[Path], Settings]:
    """Check and compute with the chunked or Dask engine, from the pack's copies (the engine checks
    the activities a chunk at a time, so the inventory is never loaded whole). Returns the
    computation (None when it stopped on input errors), the check's issues, the library's, the
    files written, and the report settings. The prior year is compared here as ``compute_pack``
    does, and results.json rewritten with it; the trace is read back through the trace module, in the types the
    in-process trace has, so that the exporters write the same bytes whichever engine ran."""
    from .engines import chunked

    loaded = chunked.load_small(inv_path)   # the small tables, loaded once: the engine checks the rest
    lib_issues = _library_copy(loaded[0], out)
    library, more = folder_library(out / manifest.FACTORS)
    lib_issues += more
    if engine == "dask":
        from .engines.dask import compute_dask

        r = compute_dask(inv_path, out, scheduler=scheduler, chunk_rows=chunk_rows, force=force, library=library,
                         progress=False, loaded=loaded)
    else:
        r = chunked.compute_chunked(inv_path, out, chunk_rows=chunk_rows, force=force, library=library,
                                    progress=False, loaded=loaded)
    if r.results is None:
        return None, r.issues, lib_issues, [], loaded[0].settings
    res = r.results
    if prior_results is not None:
        res = years.with_prior(res, prior_results, loaded[0].settings.options.base_year_threshold)
        results_file.write_results(res, out / results_file.FILE)
    return _Computed(res, trace.read_trace(out), []), r.issues, lib_issues, list(r.paths), loaded[0].settings


def run_report(inventory: Path, out: Path, langs: tuple[str, ...] | None = None,
               ifrs_package: Path | None = None, force: bool = False, prior: Path | None = None,
               progress: Callable[[str, str], None] | None = None, engine: str = "inprocess",
               chunk_rows: int = 250_000, scheduler: str | None = None) -> ReportRun:
    """The whole pack. ``engine`` chooses how stages 1 and 2 run: ``inprocess`` loads the inventory
    whole; ``chunked`` and ``dask`` check and compute the activities a chunk (partition) at a time
    (``chunk_rows``; ``scheduler``: an existing Dask scheduler's address) and the later stages read
    the trace back from its Parquet files. ``langs``: the Word reports' languages (None: report.yaml's
    ``language``, which also names the messages' language, ``ReportRun.language``). The IFRS package:
    ``ifrs_package``, else ``DISCLOSURE_IFRS_PACKAGE``, else report.yaml's ``xbrl.ifrs_package``
    (relative to the inventory folder)."""
    if engine not in ENGINES:
        raise ReportUsageError(f"--engine: {engine!r} is not one of {', '.join(ENGINES)}")
    say = progress or (lambda stage, text: None)
    inventory, out = Path(inventory), Path(out)
    prior_results = None
    if prior is not None:
        pf = prior / results_file.FILE if prior.is_dir() else prior
        if not pf.is_file():
            raise ReportUsageError(f"--prior: {pf} not found (give an earlier report folder)")
        try:
            prior_results = results_file.read_results(pf)
        except ValueError as e:
            raise ReportUsageError(f"--prior: {e}") from None
    if not inventory.exists():
        raise ReportUsageError(f"{inventory} not found")
    final, out = out, prepare_out(out)
    run = ReportRun(final)
    # report.yaml's package, relative to the inventory folder the user gave (not the pack's copy of it)
    package_base = inventory if inventory.is_dir() else inventory.parent

    # 1 check
    inv_path = _copy_inventory(inventory, out / manifest.INPUTS)
    if prior_results is not None:
        (out / manifest.PRIOR).mkdir()
        shutil.copyfile(pf, out / manifest.PRIOR / results_file.FILE)

    def pack_settings(settings: Settings) -> PackSettings:
        return PackSettings(inv_path.relative_to(out).as_posix(), tuple(langs or (settings.language,)),
                            f"{manifest.PRIOR}/{results_file.FILE}" if prior_results is not None else None,
                            force, engine)

    if engine == "inprocess":
        say("check", f"reading {inventory}")
        inv = _check(run, inv_path, force, say)
        if inv is None:
            shutil.rmtree(out)  # the staging folder; an earlier pack at --out is left as it was
            return run
        lib_issues = _library_copy(inv, out)
        _compute_and_render(out, run, pack_settings(inv.settings), inv, prior_results, lib_issues,
                            ifrs_package, package_base, say, validate=True)
    else:
        t = time.perf_counter()
        say("check", f"reading {inventory} a chunk of {chunk_rows:,} activity rows at a time (--engine {engine})")
        comp, issues, lib_issues, paths, settings = _compute_engine(engine, inv_path, out, prior_results, force,
                                                                    chunk_rows, scheduler)
        run.language = settings.language
        run.issues += issues
        errors = sum(1 for i in issues if i.severity is Severity.ERROR)
        say("check", f"{errors} errors, {len(issues) - errors} warnings/notices (checked with the calculation)")
        if comp is None:
            run.issues += lib_issues
            shutil.rmtree(out)
            run.stopped, run.exit_code = True, 1
            return run
        for p in paths:
            run.paths[p.relative_to(out).as_posix()] = p
        pack = pack_settings(settings)
        _render_outputs(out, run, pack, pack.input_digest(out), comp, settings, lib_issues, errors > 0,
                        ifrs_package, package_base, say, validate=True, t=t)
    _publish(out, final, run)
    return run


def render(folder: Path, pack: PackSettings, ifrs_package: Path | None = None, validate: bool = True,
           progress: Callable[[str, str], None] | None = None) -> ReportRun:
    """Stages 1 to 6 from the copies of a pack alone, in process: ``folder`` holds ``inputs/``,
    ``factors/`` and ``prior/`` as a report wrote them (and nothing else); the outputs and
    manifest.json are written beside them with the settings ``pack`` records. The run ``report``
    makes, made again: ``verify`` re-renders a pack with it (into a folder of its own) and compares
    every file. The IFRS package: ``ifrs_package``, else ``DISCLOSURE_IFRS_PACKAGE``, else
    report.yaml's ``xbrl.ifrs_package`` relative to the copy of the inventory; ``validate=False``:
    none (the pack was not validated). A run that stops on input errors writes nothing more
    (``ReportRun.stopped``)."""
    say = progress or (lambda stage, text: None)
    folder = Path(folder)
    run = ReportRun(folder)
    prior_results = results_file.read_results(folder / pack.prior) if pack.prior else None
    inv_path = folder / pack.inventory
    inv = _check(run, inv_path, pack.force, say)
    if inv is None:
        return run
    _compute_and_render(folder, run, pack, inv, prior_results, [], ifrs_package,
                        inv_path if inv_path.is_dir() else inv_path.parent, say, validate=validate)
    return run


def _check(run: ReportRun, inv_path: Path, force: bool, say: Callable[[str, str], None]) -> Inventory | None:
    """Stage 1 in process: the inventory copy loaded and checked; None (the run stopped, exit 1)
    when it has errors and ``force`` is off."""
    t = time.perf_counter()
    inv, issues = load_inventory(inv_path)
    run.language = inv.settings.language
    run.issues += issues
    run.seconds["check"] = time.perf_counter() - t
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    say("check", f"{errors} errors, {len(issues) - errors} warnings/notices")
    if errors and not force:
        run.stopped, run.exit_code = True, 1
        return None
    return inv


def _compute_and_render(out: Path, run: ReportRun, pack: PackSettings, inv: Inventory,
                        prior_results: dict[str, Any] | None, lib_issues: list[Issue], ifrs_package: Path | None,
                        package_base: Path, say: Callable[[str, str], None], validate: bool) -> None:
    """Stage 2 in process, from the pack's copies (the inventory as loaded for the check, the
    dataset files in ``factors/``), then stages 3 to 6."""
    t = time.perf_counter()
    digest = pack.input_digest(out)   # the copies are complete: inputs, factors, prior
    comp = inprocess.compute_pack(inv, prior_results, out / manifest.FACTORS)
    for p in inprocess.write_outputs(comp, out):
        run.paths[p.name] = p
    errors = any(i.severity is Severity.ERROR for i in run.issues)
    _render_outputs(out, run, pack, digest, _Computed(comp.results, comp.trace, comp.issues), inv.settings,
                    lib_issues, errors, ifrs_package, package_base, say, validate, t)


def _render_outputs(out: Path, run: ReportRun, pack: PackSettings, digest: str, comp: _Computed,
                    settings: Settings, lib_issues: list[Issue], input_errors: bool, ifrs_package: Path | None,
                    package_base: Path, say: Callable[[str, str], None], validate: bool, t: float) -> None:
    """Stages 3 to 6 from the computation written in ``out``: XBRL, Word, workpapers, manifest."""
    run.input_digest = digest
    run.issues += lib_issues + comp.issues + base_year_issues(comp.results)
    run.results = comp.results
    run.seconds["compute"] = time.perf_counter() - t
    tt = comp.results["totals"]
    say("compute", f"{len(comp.trace):,} trace lines; Scope 1 {tt['scope1']:,.1f}, Scope 2 (location) "
                   f"{tt['scope2_location']:,.1f}, Scope 3 {tt['scope3']:,.1f} tCO2e")

    # 3 XBRL
    t = time.perf_counter()
    from .export.xbrl import export_xbrl

    configured = resolve_path(settings.xbrl.ifrs_package, package_base)
    exp = export_xbrl(out, out, ifrs_package=ifrs_package, configured=configured, validate=validate,
                      input_digest=digest)
    run.issues += exp.issues
    run.xbrl_validated = exp.validated
    run.paths.update({f"xbrl:{k}": p for k, p in exp.paths.items()})
    run.seconds["xbrl"] = time.perf_counter() - t
    xerr = exp.count(Severity.ERROR)
    say("xbrl", (f"{len(exp.facts.facts)} facts; validated by Arelle: {xerr} errors" if exp.validated else
                 f"{len(exp.facts.facts)} facts; NOT validated (no IFRS taxonomy package)"))
    if xerr:
        run.exit_code = 1
        run.problems.append(f"the XBRL has {xerr} validation errors (see validation.json)")

    # 4 Word
    t = time.perf_counter()
    from .export.word import render as render_word

    for lang in pack.langs:
        target = out / f"report.{lang}.docx"
        try:
            run.paths[target.name] = render_word(out, target, lang, input_digest=digest)
            say("word", str(target.name))
        except Exception as e:  # the Word exporter failing must not lose the rest of the pack
            run.exit_code = 1
            run.problems.append(f"Word ({lang}) failed: {type(e).__name__}: {e}")
            say("word", f"FAILED ({lang}): {e}")
    run.seconds["word"] = time.perf_counter() - t

    # 5 workpapers
    t = time.perf_counter()
    run.paths[WORKPAPERS] = workpapers.write_workpapers(out / WORKPAPERS, comp.trace, comp.results)
    run.seconds["workpapers"] = time.perf_counter() - t
    say("workpapers", WORKPAPERS)

    # 6 manifest
    t = time.perf_counter()
    run.paths[manifest.MANIFEST] = manifest.write(out, comp.results, {
        **pack.record(), "xbrl_validated": exp.validated, "input_digest": digest})
    run.pack_digest = manifest.pack_digest_of(out)
    run.seconds["manifest"] = time.perf_counter() - t
    say("manifest", manifest.MANIFEST)
    if input_errors or any(i.severity is Severity.ERROR for i in run.issues):
        run.exit_code = 1  # forced past input errors: the pack is written, the exit code still says so
