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

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compute import results as results_file
from .compute import trace, years
from .core import outdir, ui
from .core import vocabulary as vocab
from .core.issues import ISSUES_FILE, Issue, Location, Severity, issue, pack_entries, write_pack
from .core.settings import Settings, resolve_path
from .engines import inprocess
from .export import manifest, workpapers
from .factors import FactorLibrary, folder_library, load_library
from .ingest import readers
from .ingest.inventory import Inventory
from .loader import inventory_blockers, load_inventory, settings_language

if TYPE_CHECKING:
    from .export.xbrl import ArelleWorker

STAGES = ["check", "compute", "xbrl", "word", "workpapers", "manifest"]
WORKPAPERS = "workpapers.xlsx"
# where an issue of the run was found (issues.json ``stage``): the check (the loader and the
# calculation, from the pack's copies: ``verify`` re-derives them), the factor library as found
# when it was copied into the pack, the XBRL export (validation.json), the report (the base year)
ISSUE_STAGES = ("check", "factors", "xbrl", "report")


class ReportUsageError(Exception):
    """The command was asked something it cannot do (exit code 2): an entry of the command line's
    words (``core/ui.yaml``) and its parameters, said in a language by :meth:`text` (in English by
    ``str``)."""

    def __init__(self, key: str, **params: Any):
        super().__init__(ui.text(key, "en", **params))
        self.key, self.params = key, params

    def text(self, lang: str) -> str:
        # a parameter that is itself said in a language (the --out refusal's reason) is said in this one
        return ui.text(self.key, lang, **{k: v.text(lang) if isinstance(v, outdir.OutFolderError) else v
                                          for k, v in self.params.items()})


@dataclass
class ReportRun:
    out: Path
    exit_code: int = 0
    stopped: bool = False
    results: dict[str, Any] | None = None
    issues: list[Issue] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    xbrl_seconds: dict[str, float] = field(default_factory=dict)  # inside the XBRL stage (XbrlExport.seconds)
    xbrl_validated: bool = False
    problems: list[str] = field(default_factory=list)   # stage failures, one line each
    language: str = "zh-CN"                             # of the messages: --lang's, else report.yaml's
    input_digest: str = ""                              # manifest.input_digest: printed in Word, tagged in XBRL
    pack_digest: str = ""                               # manifest.pack_digest, once the manifest is written
    rows: dict[str, Any] | None = None                  # results.json ``rows``: what became of the activity rows

    staged: list[tuple[str, Issue]] = field(default_factory=list)   # each issue with its stage (issues.json)
    # issues.json entries taken as a pack recorded them, by stage, where they cannot be derived
    # again from its copies (``render``): the factor library as it was found, and the XBRL export's
    # when it is not validated again
    carried: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for i in self.issues if i.severity is severity)

    def add(self, stage: str, issues: list[Issue]) -> None:
        """Issues found at ``stage`` (one of ``ISSUE_STAGES``)."""
        assert stage in ISSUE_STAGES, stage
        self.issues += issues
        self.staged += ((stage, i) for i in issues)

    def entries(self) -> list[dict[str, Any]]:
        """issues.json's entries: every issue of the run with its stage, the carried stages as
        carried (the XBRL export's only when this run did not validate)."""
        replaced = {s for s in self.carried if s != "xbrl" or not self.xbrl_validated}
        return pack_entries(((s, i) for s, i in self.staged if s not in replaced),
                            [e for s in sorted(replaced) for e in self.carried[s]])


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


def _copy_inventory(inventory: Path, dest: Path) -> tuple[Path, list[Issue]]:
    """Copy the inventory (a folder, or one workbook) into ``dest``; returns the path to read and
    the issues of what was not copied: a link to outside the inventory folder is never followed
    (``outside-inventory``), a link inside it is copied as the file it points at. Hidden files and
    folders are not copied."""
    dest.mkdir(parents=True, exist_ok=True)
    if inventory.is_file():  # a workbook, with report.yaml and disclosures.yaml beside it if there
        shutil.copyfile(inventory, dest / inventory.name)
        found = []
        for side in ("report.yaml", "disclosures.yaml"):
            p = inventory.parent / side
            if p.is_symlink() and not readers.inside(inventory.parent, p):
                found.append(issue("outside-inventory", Location(side), file=side))
            elif p.is_file():
                shutil.copyfile(p, dest / side)
        return dest / inventory.name, found
    issues: list[Issue] = []
    seen: set[Path] = set()
    for here, dirs, files in os.walk(inventory, followlinks=True):
        folder = Path(here)
        real = folder.resolve()
        if real in seen:   # a link back to a folder already copied: not twice (nor for ever)
            dirs[:] = []
            continue
        seen.add(real)
        rel_folder = folder.relative_to(inventory)
        keep = []
        for d in sorted(dirs):
            p = folder / d
            if d.startswith(".") or d == "__pycache__":
                continue
            if not readers.inside(inventory, p):
                issues.append(issue("outside-inventory", Location((rel_folder / d).as_posix()), file=(rel_folder / d).as_posix()))
                continue
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            p, rel = folder / name, rel_folder / name
            if name.startswith("."):
                continue
            if not readers.inside(inventory, p):
                issues.append(issue("outside-inventory", Location(rel.as_posix()), file=rel.as_posix()))
                continue
            if not p.is_file():
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest / rel)
    return dest, issues


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


MAIN_REASONS = 5   # the reasons a summary names, the most frequent first


def rows_summary(rows: dict[str, Any] | None, lang: str) -> str:
    """What became of the activity rows, in one clause of the run's language: read, counted,
    outside the boundary, left out, and the main reasons for leaving rows out (their codes)."""
    if not rows:
        return ""
    k = "en" if lang == "en" else "zh-CN"
    left = rows["excluded"] + rows["rejected"]
    text = ui.text("rows_summary", lang, read=rows["read"], included=rows["included"],
                   outside=rows["outside_boundary"], left=left)
    why = list(rows.get("left_out_by_reason", {}).items())
    if why:
        sep = ", " if k == "en" else "，"
        named = sep.join(f"{code} {n:,}" for code, n in why[:MAIN_REASONS]) + (sep + "…" if len(why) > MAIN_REASONS else "")
        text += ui.text("rows_reasons", lang, reasons=named)
    return text


def check_summary(issues: list[Issue], rows: dict[str, Any] | None, lang: str) -> str:
    """The issues by severity, then the activity rows (``rows_summary``): what `check`, `compute` and
    `report` close with."""
    counts = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    return ui.text("totals", lang, **counts) + rows_summary(rows, lang)


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
    computation (when it stopped on errors, without --force: only its ``rows``, no trace), the
    check's issues, the library's, the files written, and the report settings. The prior year is compared here as ``compute_pack``
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
    if r.results is None:   # stopped on errors (the check's or the calculation's): the rows, no trace
        return (_Computed({"rows": r.rows}, None, []) if r.rows else None), r.issues, lib_issues, [], loaded[0].settings
    res = r.results
    if prior_results is not None:
        res = years.with_prior(res, prior_results, loaded[0].settings.options.base_year_threshold)
        results_file.write_results(res, out / results_file.FILE)
    return _Computed(res, trace.read_trace(out), []), r.issues, lib_issues, list(r.paths), loaded[0].settings


def run_report(inventory: Path, out: Path, langs: tuple[str, ...] | None = None,
               ifrs_package: Path | None = None, force: bool = False, prior: Path | None = None,
               progress: Callable[[str, str], None] | None = None, engine: str = "inprocess",
               chunk_rows: int = 250_000, scheduler: str | None = None, lang: str | None = None) -> ReportRun:
    """The whole pack. ``engine`` chooses how stages 1 and 2 run: ``inprocess`` loads the inventory
    whole; ``chunked`` and ``dask`` check and compute the activities a chunk (partition) at a time
    (``chunk_rows``; ``scheduler``: an existing Dask scheduler's address) and the later stages read
    the trace back from its Parquet files. ``langs``: the Word reports' languages (None: report.yaml's
    ``language``, which also names the messages' language, ``ReportRun.language``). The IFRS package:
    ``ifrs_package``, else ``DISCLOSURE_IFRS_PACKAGE``, else report.yaml's ``xbrl.ifrs_package``
    (relative to the inventory folder). ``lang``: the language of the progress lines and of
    ``ReportRun.language`` (None: report.yaml's)."""
    if engine not in ENGINES:
        raise ReportUsageError("usage_engine", engine=repr(engine), engines=", ".join(ENGINES))
    say = progress or (lambda stage, text: None)
    inventory, out = Path(inventory), Path(out)
    prior_results = None
    if prior is not None:
        pf = prior / results_file.FILE if prior.is_dir() else prior
        if not pf.is_file():
            raise ReportUsageError("usage_prior_missing", path=pf)
        try:
            prior_results = results_file.read_results(pf)
        except ValueError as e:
            raise ReportUsageError("usage_prior_bad", reason=e) from None
    if not inventory.exists():
        raise ReportUsageError("usage_no_inventory", path=inventory)
    message_lang = lang or settings_language(inventory)
    try:
        with outdir.staged(out, inventory) as staging:
            run = _report_into(staging.folder, out, inventory, prior_results, pf if prior is not None else None,
                               langs, ifrs_package, force, say, engine, chunk_rows, scheduler, message_lang)
            if not run.stopped:
                outdir.publish(staging, "report")
                run.paths = {k: out / p.relative_to(staging.folder) for k, p in run.paths.items()}
    except outdir.OutFolderError as e:
        raise ReportUsageError("usage_out_refused", reason=e) from None
    return run


def _report_into(out: Path, final: Path, inventory: Path, prior_results: dict[str, Any] | None, pf: Path | None,
                 langs: tuple[str, ...] | None, ifrs_package: Path | None, force: bool,
                 say: Callable[[str, str], None], engine: str, chunk_rows: int, scheduler: str | None,
                 lang: str) -> ReportRun:
    """The pack written into the staging folder ``out`` (``run_report`` publishes it as ``final``;
    a run that stops leaves it unpublished, and an earlier pack at ``--out`` as it was); ``lang``:
    the messages' language."""
    from .export.xbrl import ArelleWorker

    with ArelleWorker() as started:   # Arelle imported on the other core while the inventory is checked
        return _report_staged(out, final, inventory, prior_results, pf, langs, ifrs_package, force, say, engine,
                              chunk_rows, scheduler, lang, started)


def _report_staged(out: Path, final: Path, inventory: Path, prior_results: dict[str, Any] | None, pf: Path | None,
                   langs: tuple[str, ...] | None, ifrs_package: Path | None, force: bool,
                   say: Callable[[str, str], None], engine: str, chunk_rows: int, scheduler: str | None,
                   lang: str, started: ArelleWorker) -> ReportRun:
    run = ReportRun(final, language=lang)
    # report.yaml's package, relative to the inventory folder the user gave (not the pack's copy of it)
    package_base = inventory if inventory.is_dir() else inventory.parent

    # 1 check: the inventory loaded and calculated, from the copies in the pack, nothing written yet
    # (the check is the calculation itself: every issue it raises is found here). The pack computes
    # from this copy: a link it did not follow is absent there, so its issue is one of the check's
    # (else a missing table, or for an optional one nothing, would be all it says)
    inv_path, copy_issues = _copy_inventory(inventory, out / manifest.INPUTS)
    if prior_results is not None and pf is not None:
        (out / manifest.PRIOR).mkdir()
        shutil.copyfile(pf, out / manifest.PRIOR / results_file.FILE)

    def pack_settings(settings: Settings) -> PackSettings:
        return PackSettings(inv_path.relative_to(out).as_posix(), tuple(langs or (settings.language,)),
                            f"{manifest.PRIOR}/{results_file.FILE}" if prior_results is not None else None,
                            force, engine)

    if engine == "inprocess":
        say("check", ui.text("reading", lang, inventory=inventory))
        checked = _check(run, inv_path, out, prior_results, langs, force, say, copy_library=True,
                         copy_issues=copy_issues)
        if checked is None:   # the staging folder is removed; an earlier pack at --out is left as it was
            return run
        inv, comp = checked
        _compute_and_render(out, run, pack_settings(inv.settings), inv, comp, ifrs_package, package_base, say,
                            validate=True, started=started)
    else:
        t = time.perf_counter()
        say("check", ui.text("reading_chunks", lang, inventory=inventory, rows=chunk_rows, engine=engine))
        comp, issues, lib_issues, paths, settings = _compute_engine(engine, inv_path, out, prior_results, force,
                                                                    chunk_rows, scheduler)
        run.add("check", copy_issues + issues)
        run.add("factors", lib_issues)
        run.rows = comp.results["rows"] if comp is not None else None
        say("check", check_summary(run.issues, run.rows, run.language) + ui.text("checked_with_calculation_note", run.language))
        if comp is None or (run.count(Severity.ERROR) and not force):
            run.stopped, run.exit_code = True, 1
            return run
        for p in paths:
            run.paths[p.relative_to(out).as_posix()] = p
        pack = pack_settings(settings)
        with _Workpapers(out, comp.trace, comp.results) as papers:
            _render_outputs(out, run, pack, pack.input_digest(out), comp, settings, ifrs_package, package_base, say,
                            validate=True, t=t, started=started, papers=papers)
    return run


def render(folder: Path, pack: PackSettings, ifrs_package: Path | None = None, validate: bool = True,
           progress: Callable[[str, str], None] | None = None,
           carried: dict[str, list[dict[str, Any]]] | None = None, lang: str | None = None) -> ReportRun:
    """Stages 1 to 6 from the copies of a pack alone, in process: ``folder`` holds ``inputs/``,
    ``factors/`` and ``prior/`` as a report wrote them (and nothing else); the outputs and
    manifest.json are written beside them with the settings ``pack`` records. The run ``report``
    makes, made again: ``verify`` re-renders a pack with it (into a folder of its own) and compares
    every file. The IFRS package: ``ifrs_package``, else ``DISCLOSURE_IFRS_PACKAGE``, else
    report.yaml's ``xbrl.ifrs_package`` relative to the copy of the inventory; ``validate=False``:
    none (the pack was not validated). ``carried``: issues.json entries by stage, as the pack
    recorded them, for the stages that cannot be derived again from its copies (``ReportRun.carried``).
    A run that stops on input errors writes nothing more (``ReportRun.stopped``)."""
    say = progress or (lambda stage, text: None)
    folder = Path(folder)
    run = ReportRun(folder, carried=dict(carried or {}), language=lang or settings_language(folder / pack.inventory))
    prior_results = results_file.read_results(folder / pack.prior) if pack.prior else None
    inv_path = folder / pack.inventory
    from .export.xbrl import ArelleWorker

    with ArelleWorker() if validate else contextlib.nullcontext() as started:
        checked = _check(run, inv_path, folder, prior_results, pack.langs, pack.force, say, copy_library=False)
        if checked is None:
            return run
        inv, comp = checked
        _compute_and_render(folder, run, pack, inv, comp, ifrs_package,
                            inv_path if inv_path.is_dir() else inv_path.parent, say, validate=validate, started=started)
    return run


def _check(run: ReportRun, inv_path: Path, out: Path, prior_results: dict[str, Any] | None,
           langs: tuple[str, ...] | None, force: bool, say: Callable[[str, str], None], copy_library: bool,
           copy_issues: list[Issue] | None = None) -> tuple[Inventory, inprocess.Computation] | None:
    """Stage 1 in process: the inventory copy loaded and calculated (the check is the calculation:
    every issue it raises is found here), from the copies in ``out`` (with ``copy_library``, the
    library's dataset files are copied into its ``factors/`` first; ``copy_issues``: what copying the
    inventory into the pack left out, first). None (the run stopped, exit 1) when it has errors and
    ``force`` is off, or has what ``--force`` cannot pass (``inventory_blockers``: a required table or
    setting without a value; then nothing is calculated); nothing is written then."""
    t = time.perf_counter()
    inv, issues = load_inventory(inv_path)
    issues = (copy_issues or []) + issues
    blocked = inventory_blockers(inv) if force and any(i.severity is Severity.ERROR for i in issues) else []
    if blocked:
        run.add("check", issues + blocked)
        run.seconds["check"] = time.perf_counter() - t
        say("check", check_summary(run.issues, None, run.language))
        run.stopped, run.exit_code = True, 1
        return None
    lib_issues = _library_copy(inv, out) if copy_library else []
    comp = inprocess.compute_pack(inv, prior_results, out / manifest.FACTORS)
    run.add("check", issues + comp.issues)
    run.add("factors", lib_issues)
    run.rows = comp.results["rows"]
    run.seconds["check"] = time.perf_counter() - t
    say("check", check_summary(run.issues, run.rows, run.language))
    if run.count(Severity.ERROR) and not force:
        run.stopped, run.exit_code = True, 1
        return None
    return inv, comp


def _compute_and_render(out: Path, run: ReportRun, pack: PackSettings, inv: Inventory,
                        comp: inprocess.Computation, ifrs_package: Path | None, package_base: Path,
                        say: Callable[[str, str], None], validate: bool, started: ArelleWorker | None = None) -> None:
    """Stage 2 in process: the computation checked in stage 1 written, then stages 3 to 6."""
    t = time.perf_counter()
    # the workpapers need the computation only (not its files): begun now, on a thread, they are
    # written while the trace, then the XBRL and the Word reports are
    with _Workpapers(out, comp.trace, comp.results) as papers:
        digest = pack.input_digest(out)   # the copies are complete: inputs, factors, prior
        for p in inprocess.write_outputs(comp, out):
            run.paths[p.name] = p
        _render_outputs(out, run, pack, digest, _Computed(comp.results, comp.trace, []), inv.settings, ifrs_package,
                        package_base, say, validate, t, started, papers)


class _Workpapers:
    """The workpapers written on a thread of their own from when they are begun (a context): the
    trace sheets first; their Summary and Issues sheets wait for every issue of the run, given by
    :meth:`finish`. Left without them (the run stopped), the thread stops at its next block of rows."""

    def __init__(self, out: Path, trace: Any, results: dict[str, Any]):
        from concurrent.futures import Future, ThreadPoolExecutor

        self.known: Future[list[dict[str, Any]]] = Future()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workpapers")
        known = self.known
        self._job = self._pool.submit(workpapers.write_workpapers, out / WORKPAPERS, trace, results, known.result,
                                      stop=lambda: known.done() and known.exception() is not None)

    def finish(self, entries: list[dict[str, Any]]) -> Path:
        """The workpapers written with the run's issues (issues.json's entries)."""
        self.known.set_result(entries)
        return self._job.result()

    def __enter__(self) -> _Workpapers:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.known.done():
            self.known.set_exception(RuntimeError("the report stopped before its issues were known"))
        self._pool.shutdown(wait=True)


def _render_outputs(out: Path, run: ReportRun, pack: PackSettings, digest: str, comp: _Computed,
                    settings: Settings, ifrs_package: Path | None, package_base: Path,
                    say: Callable[[str, str], None], validate: bool, t: float,
                    started: ArelleWorker | None, papers: _Workpapers) -> None:
    """Stages 3 to 6 from the computation written in ``out``: XBRL, Word, workpapers and
    issues.json, manifest. The check's and the library's issues are in ``run`` already.
    ``started``: the Arelle worker started with the run, which validates the XBRL; ``papers``: the
    workpapers, begun already, given the run's issues here."""
    run.input_digest = digest
    input_errors = run.count(Severity.ERROR) > 0   # forced past them
    run.add("report", base_year_issues(comp.results))
    run.results = comp.results
    run.seconds["compute"] = time.perf_counter() - t
    tt = comp.results["totals"]
    msg = run.language   # the messages' language (``lang`` below names each Word report's)
    say("compute", ui.text("computed_lines", msg, lines=len(comp.trace), s1=tt["scope1"], s2l=tt["scope2_location"],
                           s3=tt["scope3"]))

    # 3 XBRL and 4 Word at once: the XBRL stage writes its documents (briefly), then waits on
    # Arelle's worker process, which runs on another core while this thread renders the Word
    # reports. Neither reads what the other writes (Word reads results.json and the trace). The
    # issues, problems and messages are taken in the stages' order, XBRL's first.
    from concurrent.futures import ThreadPoolExecutor

    from .export.word import render as render_word
    from .export.xbrl import export_xbrl

    configured = resolve_path(settings.xbrl.ifrs_package, package_base)

    def xbrl_stage() -> tuple[Any, float]:
        t = time.perf_counter()
        exp = export_xbrl(out, out, ifrs_package=ifrs_package, configured=configured, validate=validate,
                          input_digest=digest, started=started)
        return exp, time.perf_counter() - t

    # 5 workpapers: on their own thread (``papers``), the trace sheets while XBRL and Word run;
    # their Summary and Issues sheets wait for every issue of the run (known after Word, below)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage") as pool:
        xbrl_job = pool.submit(xbrl_stage)
        t = time.perf_counter()
        word_paths: dict[str, Path] = {}
        word_said: list[tuple[str, str]] = []
        word_problems: list[str] = []
        for lang in pack.langs:
            target = out / f"report.{lang}.docx"
            try:
                word_paths[target.name] = render_word(out, target, lang, input_digest=digest)
                word_said.append(("word", str(target.name)))
            except Exception as e:  # the Word exporter failing must not lose the rest of the pack
                word_problems.append(ui.text("problem_word", msg, lang=lang, error=f"{type(e).__name__}: {e}"))
                word_said.append(("word", ui.text("word_failed", msg, lang=lang, error=e)))
        run.seconds["word"] = time.perf_counter() - t
        exp, run.seconds["xbrl"] = xbrl_job.result()

        run.add("xbrl", exp.issues)
        run.xbrl_validated = exp.validated
        run.paths.update({f"xbrl:{k}": p for k, p in exp.paths.items()})
        run.xbrl_seconds = exp.seconds
        xerr = exp.count(Severity.ERROR)
        say("xbrl", ui.text("xbrl_validated" if exp.validated else "xbrl_not_validated", msg,
                            facts=len(exp.facts.facts), errors=xerr))
        if xerr:
            run.exit_code = 1
            run.problems.append(ui.text("problem_xbrl", msg, errors=xerr))
        run.paths.update(word_paths)
        if word_problems:
            run.exit_code = 1
            run.problems += word_problems
        for stage, text in word_said:
            say(stage, text)

        # issues.json and the workpapers' last sheets: every issue of the run; "workpapers" times
        # what is left of them from here
        t = time.perf_counter()
        entries = run.entries()
        run.paths[ISSUES_FILE] = write_pack(entries, out / ISSUES_FILE)
        run.paths[WORKPAPERS] = papers.finish(entries)
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
