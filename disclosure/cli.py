"""The command line: a thin typer app over the public API.

Exit codes: 0 success (warnings allowed), 1 the input has errors, 2 usage errors (typer's own).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from .core import ui
from .core.issues import Issue, Severity, render_text, write_json
from .core.outdir import Staging


def _fold_long_words() -> None:
    """``--help`` folds a long run of Chinese characters onto the next line instead of cutting it
    with "…": rich ellipsises a word wider than its column, and Chinese text has no spaces to
    break at. Typer builds each help text through ``_make_rich_text``; its texts fold."""
    try:
        from typer import rich_utils
    except ImportError:  # pragma: no cover - typer without rich prints click's help
        return
    make = getattr(rich_utils, "_make_rich_text", None)
    if make is None or getattr(make, "folds", False):  # pragma: no cover - another typer
        return

    def folding(*args: object, **kwargs: object) -> object:
        out = make(*args, **kwargs)
        if hasattr(out, "overflow"):
            out.overflow = "fold"
        return out

    folding.folds = True  # type: ignore[attr-defined]
    rich_utils._make_rich_text = folding


class _Group(TyperGroup):
    """The command group, its help folded (``_fold_long_words``, applied when a help is shown:
    typer's rich formatting is imported then, not by every run)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _fold_long_words()
        super().format_help(ctx, formatter)


class _Command(TyperCommand):
    """A command, its help folded as the group's."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _fold_long_words()
        super().format_help(ctx, formatter)


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="企业气候信息披露工具 / Climate disclosure from a GHG inventory (CSDS No. 1, IFRS S2).")


def _command(name: str | None = None) -> Any:
    """``app.command``, the command's class the one that folds its help."""
    return app.command(name, cls=_Command)


class Fmt(StrEnum):
    text = "text"
    json = "json"


class Lang(StrEnum):
    zh = "zh-CN"
    en = "en"


def _t(key: str, lang: str, **kw: object) -> str:
    """A line of the command line's words (``core/ui.yaml``) in the run's language."""
    return ui.text(key, lang, **kw)


def _completeness(disclosures: dict[str, object], lang: str) -> list[str]:
    """``check``'s summary of the disclosures, a line per pillar with the items missing by their
    labels (or one line when none were given): the states the workbook's completeness sheet shows."""
    from .core import disclosure_items as di

    states = disclosures.get("states") or {}
    assert isinstance(states, dict)
    sep = ", " if lang == "en" else "、"
    if not disclosures.get("source"):
        names = sep.join(s.label(lang) for s in di.sections() if s.items())
        return [_t("disclosures_none", lang, sections=names)]
    if all(states.get(n.path) == "filled" for n in di.items()):
        return [_t("disclosures_complete", lang, total=len(di.items()))]
    lines = []
    for s in di.sections():
        items = s.items()
        if not items:
            continue
        count = {st: sum(1 for n in items if states.get(n.path) == st) for st in di.STATES}
        lines.append(_t("disclosures_pillar", lang, section=s.label(lang, capital=lang == "en"),
                        total=len(items), **count))
        missing = [di.label(n.path, lang).split(di.SEP, 1)[-1] if "." in n.path else n.label(lang)
                   for n in items if states.get(n.path) == "missing"]
        if missing and len(missing) < len(items):
            shown = sep.join(missing[:6]) + (sep + _t("disclosures_more", lang, n=len(missing) - 6)
                                             if len(missing) > 6 else "")
            lines.append(_t("disclosures_missing_items", lang, items=shown))
    return lines


def _version(value: bool) -> None:
    if value:
        from .core.version import __version__

        typer.echo(f"disclosure {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="显示版本号 / show the version and exit"),
) -> None:
    """企业气候信息披露工具 / Climate disclosure from a GHG inventory (CSDS No. 1, IFRS S2)."""


@_command()
def check(
    inventory: Path = typer.Argument(..., help="清单文件夹或 XLSX 工作簿 / inventory folder or XLSX workbook"),
    fmt: Fmt = typer.Option(Fmt.text, "--format", help="text | json"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en (default: report.yaml, else zh-CN)"),
) -> None:
    """检查清单并列出全部问题（含计算会报告的全部问题）/ Check an inventory and list every problem found,
    every one the calculation would report included."""
    from .engines.inprocess import compute as calculate
    from .loader import load_inventory
    from .pipeline import check_summary

    inv, issues = load_inventory(inventory)
    language = (lang.value if lang else None) or inv.settings.language or "zh-CN"
    # the gate: the calculation itself, run on the rows accepted, nothing written (exit 0 means
    # that every row will be calculated)
    comp = calculate(inv) if inv.tables else None   # no inventory at all: nothing to calculate
    issues = issues + (comp.issues if comp else [])
    rows = comp.results["rows"] if comp else None
    counts = {name: c for name, c in inv.counts.items()}
    by_sev = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    if fmt is Fmt.json:
        files = {name: {"file": inv.tables[name].file, "sheet": inv.tables[name].sheet,
                        "read": c.read, "accepted": c.accepted, "rejected": c.rejected}
                 for name, c in counts.items()}
        # written an issue at a time: the text of render_json without ever holding it whole
        write_json(issues, sys.stdout, language, inventory=str(inventory), tables=files, rows=rows, counts=by_sev,
                   disclosures=_completeness_json(dict(inv.disclosures), language))
        sys.stdout.write("\n")
    else:
        text = render_text(issues, language)
        if text:
            typer.echo(text)
        for name, c in counts.items():
            t = inv.tables[name]
            where = t.file + (f"[{t.sheet}]" if t.sheet else "")
            typer.echo(_t("table_counts", language, file=where, read=c.read, accepted=c.accepted, rejected=c.rejected))
        for line in _completeness(dict(inv.disclosures), language):
            typer.echo(line)
        typer.echo(check_summary(issues, rows, language))
    raise typer.Exit(1 if by_sev["error"] else 0)


def _completeness_json(disclosures: dict[str, object], lang: str) -> dict[str, object]:
    """``check --format json``'s view of the disclosures: per pillar, each item's state, label and
    the reason of a status."""
    from .core import disclosure_items as di

    states = disclosures.get("states") or {}
    status = disclosures.get("status") or {}
    assert isinstance(states, dict) and isinstance(status, dict)

    def reason(path: str) -> object:
        parts = path.split(".")
        for k in range(len(parts), 0, -1):
            got = status.get(".".join(parts[:k]))
            if got:
                r = got.get("reason") or {}
                return r.get("en" if lang == "en" else "zh") or r.get("zh" if lang == "en" else "en")
        return None

    return {"given": bool(disclosures.get("source")), "pillars": [
        {"pillar": s.key, "label": s.label(lang, capital=lang == "en"),
         "items": [{"field": n.path, "label": di.label(n.path, lang), "state": states.get(n.path, "missing"),
                    "reason": reason(n.path)} for n in s.items()]}
        for s in di.sections() if s.items()]}


class Engine(StrEnum):
    inprocess = "inprocess"
    chunked = "chunked"
    dask = "dask"


# the engine options, shared by compute and report
ENGINE_OPTION = typer.Option(
    Engine.inprocess, "--engine",
    help="inprocess：整表读入内存 / all in memory; chunked：分块检查与计算 / a chunk at a time; "
         "dask：在 Dask 集群上计算 / on a Dask cluster")
CHUNK_ROWS_OPTION = typer.Option(250_000, "--chunk-rows", min=1,
                                 help="chunked / dask：每块（分区）的活动数据行数 / activity rows per chunk (partition)")
SCHEDULER_OPTION = typer.Option(
    None, "--scheduler",
    help="dask：调度器地址（如 tcp://10.0.0.5:8786），不填则启动本机集群 / scheduler address; "
         "without one a local cluster is started")


TRACE_CSV_OPTION = typer.Option(
    False, "--trace-csv",
    help="总是写出 trace.csv（默认只在追溯表不超过 100,000 行时写出）/ always write trace.csv (by default only "
         "for a trace of at most 100,000 lines)")


@_command()
def compute(
    inventory: Path = typer.Argument(..., help="清单文件夹或 XLSX 工作簿 / inventory folder or XLSX workbook"),
    out: Path = typer.Option(..., "--out", help="输出文件夹 / output folder"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en"),
    force: bool = typer.Option(False, "--force", help="清单有错误时仍然计算 / compute even when the inventory has errors"),
    engine: Engine = ENGINE_OPTION,
    chunk_rows: int = CHUNK_ROWS_OPTION,
    scheduler: str | None = SCHEDULER_OPTION,
    trace_csv: bool = TRACE_CSV_OPTION,
) -> None:
    """计算排放并写出 results.json 与逐行追溯表 / Compute emissions; write results.json and the trace."""
    if scheduler and engine is not Engine.dask:
        raise typer.BadParameter("--scheduler 仅用于 --engine dask / only with --engine dask", param_hint="--scheduler")
    from .core import outdir

    try:
        with outdir.staged(out, inventory) as staging:
            if engine is Engine.inprocess:
                code = _compute_inprocess(inventory, out, staging, lang, force, trace_csv or None)
            else:
                code = _compute_streaming(inventory, out, staging, lang, force, engine, chunk_rows, scheduler,
                                          trace_csv)
    except outdir.OutFolderError as e:
        from .loader import settings_language

        language = (lang.value if lang else None) or settings_language(inventory)
        typer.echo(f"disclosure compute: {_t('usage_out_refused', language, reason=e.text(language))}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


def _published(out: Path, staging: Staging, paths: list[Path]) -> list[Path]:
    """The files written into the staging folder, published as ``out``'s (their paths there)."""
    from .core import outdir

    outdir.publish(staging, "compute")
    return [out / p.relative_to(staging.folder) for p in paths]


def _compute_inprocess(inventory: Path, out: Path, staging: Staging, lang: Lang | None, force: bool,
                       trace_csv: bool | None = None) -> int:
    from .engines.inprocess import TraceWriter, write_outputs
    from .engines.inprocess import compute as run
    from .loader import inventory_blockers, load_inventory
    from .pipeline import check_summary

    inv, issues = load_inventory(inventory)
    language = (lang.value if lang else None) or inv.settings.language or "zh-CN"
    blocked = inventory_blockers(inv) if force and any(i.severity is Severity.ERROR for i in issues) else []
    if blocked:   # what --force cannot pass: nothing is calculated
        issues += blocked
        typer.echo(render_text(issues, language))
        typer.echo(_t("stopped", language), err=True)
        return 1

    def wanted(so_far: list[Issue]) -> bool:   # the trace begun only where it will be published
        return force or not any(i.severity is Severity.ERROR for i in issues + so_far)

    # the trace written while the sums are made (TraceWriter), into the staging folder
    with TraceWriter(staging.folder, trace_csv, wanted) as written:
        comp = run(inv, on_trace=written)   # what check runs: its errors (input or calculation) stop here without --force
        all_issues = issues + comp.issues
        if any(i.severity is Severity.ERROR for i in all_issues) and not force:
            typer.echo(render_text(all_issues, language))
            typer.echo(check_summary(all_issues, comp.results["rows"], language), err=True)
            typer.echo(_t("stopped", language), err=True)
            return 1
        text = render_text(all_issues, language)
        if text:
            typer.echo(text, err=True)
        paths = _published(out, staging, write_outputs(comp, staging.folder, trace_csv, written))
    t = comp.results["totals"]
    typer.echo(_t("computed", language, s1=t["scope1"], s2l=t["scope2_location"], s2m=t["scope2_market"],
                  s3=t["scope3"]))
    typer.echo(check_summary(all_issues, comp.results["rows"], language))
    for p in paths:
        typer.echo(f"  {p}")
    _trace_note(out, paths, len(comp.trace), language)
    return 1 if any(i.severity is Severity.ERROR for i in all_issues) else 0


def _compute_streaming(inventory: Path, out: Path, staging: Staging, lang: Lang | None, force: bool, engine: Engine,
                       chunk_rows: int, scheduler: str | None, trace_csv: bool = False) -> int:
    """compute --engine chunked | dask: the same outputs, the activities read a chunk at a time
    (the trace as trace.parquet, or trace/part-*.parquet on Dask); progress on stderr."""
    if engine is Engine.dask:
        from .engines.dask import compute_dask

        result = compute_dask(inventory, staging.folder, scheduler=scheduler, chunk_rows=chunk_rows, force=force)
    else:
        from .engines.chunked import compute_chunked

        result = compute_chunked(inventory, staging.folder, chunk_rows=chunk_rows, force=force)
    from .compute import trace
    from .pipeline import check_summary

    language = (lang.value if lang else None) or result.language or "zh-CN"
    errors = any(i.severity is Severity.ERROR for i in result.issues)
    if result.results is None:   # errors, without --force: the engine kept nothing it wrote
        typer.echo(render_text(result.issues, language))
        typer.echo(check_summary(result.issues, result.rows, language), err=True)
        typer.echo(_t("stopped", language), err=True)
        return 1
    text = render_text(result.issues, language)
    if text:
        typer.echo(text, err=True)
    written = list(result.paths)
    if trace_csv and not any(p.name == trace.CSV for p in written):  # these engines decide before the end
        written.append(staging.folder / trace.CSV)
        trace.export_csv(staging.folder, written[-1])
    paths = _published(out, staging, written)
    t = result.results["totals"]
    typer.echo(_t("computed", language, s1=t["scope1"], s2l=t["scope2_location"], s2m=t["scope2_market"],
                  s3=t["scope3"]))
    typer.echo(check_summary(result.issues, result.results["rows"], language))
    for p in paths:
        typer.echo(f"  {p}")
    _trace_note(out, paths, int((result.results.get("lines") or {}).get("total") or 0), language)
    return 1 if errors else 0


def _trace_note(out: Path, paths: list[Path], lines: int, language: str) -> None:
    """When the trace is Parquet only (above the row limit): where it is and how to export its CSV."""
    from .compute import trace

    if any(p.name == trace.CSV for p in paths):
        return
    parquet = next((p for p in paths if p.name == trace.PARQUET), None)
    if parquet is None and any(p.parent.name == trace.PARTS and p.suffix == ".parquet" for p in paths):
        parquet = out / trace.PARTS   # the Dask engine's parts
    if parquet is not None:
        typer.echo(_t("trace_csv_omitted", language, path=parquet, lines=lines,
                      limit=trace.CSV_MAX_LINES, folder=out))


@_command("trace")
def trace_command(
    folder: Path = typer.Argument(..., help="compute 或 report 的输出文件夹 / a folder written by compute or report"),
    csv: bool = typer.Option(False, "--csv", help="导出 trace.csv / export trace.csv"),
    out: Path | None = typer.Option(None, "--out", help="输出文件（默认：结果文件夹中的 trace.csv；报告包旁的 "
                                                       "<包名>-trace.csv）/ the file to write (default: trace.csv in "
                                                       "a results folder; <pack>-trace.csv beside a report pack)"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en"),
) -> None:
    """由 Parquet 追溯表导出 trace.csv / Export trace.csv from a folder's Parquet trace, byte for byte the file
    the engine writes."""
    from .compute import trace

    language = lang.value if lang else _pack_language(folder)
    if not csv:
        typer.echo(f"disclosure trace: {_t('trace_csv_only', language)}", err=True)
        raise typer.Exit(2)
    if trace.find(folder) is None:
        typer.echo(f"disclosure trace: {_t('trace_not_found', language, path=folder)}", err=True)
        raise typer.Exit(2)
    # a report pack stays as its manifest lists it (verify would find the file added): beside it
    pack = (folder / "manifest.json").is_file()
    target = out if out is not None else (folder.parent / f"{folder.name}-{trace.CSV}" if pack else folder / trace.CSV)
    if pack and target.resolve().is_relative_to(folder.resolve()):
        typer.echo(f"disclosure trace: {_t('trace_into_pack', language, path=target, pack=folder)}", err=True)
        raise typer.Exit(2)
    try:
        lines = trace.export_csv(folder, target)
    except OSError as e:
        typer.echo(f"disclosure trace: {_t('trace_unwritable', language, path=target, reason=e.strerror or e)}",
                   err=True)
        raise typer.Exit(2) from None
    typer.echo(_t("trace_exported", language, source=trace.find(folder), lines=lines, path=target))


@_command()
def template(
    out: Path = typer.Argument(..., help="输出的 .xlsx 文件 / the .xlsx file to write"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="zh-CN | en：工作簿的语言 / the workbook's language"),
    force: bool = typer.Option(False, "--force", help="覆盖已有的文件 / overwrite an existing file"),
) -> None:
    """生成空白输入工作簿 / Write a blank input workbook (tables, settings, disclosures, completeness)."""
    from .ingest.template import write_template

    if out.exists() and not force:   # a filled workbook is never lost to a second `template`
        typer.echo(_t("template_exists", lang.value, path=out), err=True)
        raise typer.Exit(2)
    write_template(out, lang.value)
    typer.echo(_t("template_written", lang.value, path=out))


@_command()
def xbrl(
    results_dir: Path = typer.Argument(..., help="compute 的输出文件夹（含 results.json）/ folder written by compute"),
    out: Path = typer.Option(..., "--out", help="输出文件夹 / output folder"),
    ifrs_package: Path | None = typer.Option(
        None, "--ifrs-package",
        help="IFRS 可持续披露分类标准包 ifrs_sds_2024-04-26.zip（或环境变量 DISCLOSURE_IFRS_PACKAGE）/ "
             "the IFRS Sustainability Disclosure Taxonomy package (or DISCLOSURE_IFRS_PACKAGE)"),
    require_valid: bool = typer.Option(
        False, "--require-valid",
        help="未经校验或校验未通过时以退出码 1 结束 / exit 1 unless Arelle validated the output cleanly"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en"),
) -> None:
    """写出 XBRL、Inline XBRL、报告包与查看器页面，并用 Arelle 离线校验 / Write XBRL, Inline XBRL, the
    report package and the viewer page; validate them offline with Arelle."""
    from .compute.results import FILE, ResultsError, read_results
    from .export.xbrl import export_xbrl
    from .ingest.report import configured_ifrs_package

    results_file = results_dir / FILE if results_dir.is_dir() else results_dir
    if not results_file.is_file():
        typer.echo(f"disclosure xbrl: {results_file} not found (run `disclosure compute` first)", err=True)
        raise typer.Exit(2)
    try:
        results = read_results(results_file)
    except ResultsError as e:
        typer.echo(f"disclosure xbrl: {e}", err=True)
        raise typer.Exit(1) from None
    language = (lang.value if lang else None) or (results.get("settings") or {}).get("language") or "zh-CN"
    # report.yaml's xbrl.ifrs_package: beside results.json, or in a report pack's copy of the inventory
    folder = results_file.parent
    configured = configured_ifrs_package(folder) or configured_ifrs_package(folder / "inputs")
    exp = export_xbrl(folder, out, ifrs_package=ifrs_package, configured=configured)
    text = render_text(exp.issues, language)
    if text:
        typer.echo(text, err=True)
    en = language == "en"
    n = len(exp.facts.facts)
    if exp.validated:
        rt = exp.roundtrip
        typer.echo((f"XBRL: {n} facts; validated by Arelle: {exp.count(Severity.ERROR)} errors, "
                    f"{exp.count(Severity.WARNING)} warnings ({len(exp.inconsistencies)} inconsistencies); "
                    f"round trip: {rt.equal}/{rt.expected} equal") if en else
                   (f"XBRL：{n} 个事实；已经 Arelle 校验：错误 {exp.count(Severity.ERROR)} 个，警告 "
                    f"{exp.count(Severity.WARNING)} 个（不一致 {len(exp.inconsistencies)} 个）；"
                    f"回读比对：{rt.equal}/{rt.expected} 一致"))
    else:
        typer.echo(f"XBRL: {n} facts written; NOT validated (see the warning above)" if en else
                   f"XBRL：已写出 {n} 个事实；未经校验（见上方警告）")
    for p in exp.paths.values():
        typer.echo(f"  {p}")
    failed = exp.count(Severity.ERROR) > 0 or (require_valid and not exp.valid)
    raise typer.Exit(1 if failed else 0)


@_command()
def word(
    results_dir: Path = typer.Argument(..., help="compute 的输出文件夹（含 results.json）/ folder written by compute"),
    out: Path = typer.Option(..., "--out", help="输出的 .docx 文件 / the .docx file to write"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="zh-CN | en"),
    template: Path | None = typer.Option(None, "--template",
                                         help="企业自己的 Word 模板 / the company's own .docx template"),
) -> None:
    """写出 Word 格式的气候信息披露报告 / Write the climate disclosure report as a Word document."""
    from .export.word import ReportError, render

    try:
        path = render(results_dir, out, lang.value, template)
    except ReportError as e:
        typer.echo(f"disclosure word: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(path))


@_command("word-vars")
def word_vars(
    template: Path = typer.Argument(..., help="Word 模板 / the .docx template"),
    results_dir: Path | None = typer.Option(None, "--results",
                                            help="用这次计算的结果检查（列表项也能检查）/ check against these results"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="zh-CN | en"),
) -> None:
    """列出模板使用但报告未提供的变量 / List the variables a template uses that the report does not provide."""
    from .export.word import ReportError, missing_variables

    try:
        names = missing_variables(template, results_dir, lang.value)
    except ReportError as e:
        typer.echo(f"disclosure word-vars: {e}", err=True)
        raise typer.Exit(1) from None
    for name in names:
        typer.echo(name)
    typer.echo(f"{len(names)} missing" if lang is Lang.en else f"缺少 {len(names)} 个变量", err=True)
    raise typer.Exit(1 if names else 0)


class ReportLang(StrEnum):
    zh = "zh-CN"
    en = "en"
    all = "all"


@_command()
def report(
    inventory: Path = typer.Argument(..., help="清单文件夹或 XLSX 工作簿 / inventory folder or XLSX workbook"),
    out: Path = typer.Option(..., "--out", help="输出文件夹（空文件夹或以前的报告文件夹）/ output folder (empty, or an earlier report folder)"),
    lang: ReportLang | None = typer.Option(
        None, "--lang", help="报告与消息的语言 zh-CN | en | all（默认：report.yaml 的 language）/ language of the Word "
                             "report and the messages; all: both reports (default: report.yaml's language)"),
    ifrs_package: Path | None = typer.Option(
        None, "--ifrs-package", help="IFRS 分类标准包，用于 XBRL 校验 / the IFRS taxonomy package, to validate the XBRL"),
    force: bool = typer.Option(False, "--force", help="清单有错误时仍然继续 / go on when the inventory has errors"),
    prior: Path | None = typer.Option(None, "--prior", help="上一年度的报告文件夹 / the prior year's report folder"),
    engine: Engine = ENGINE_OPTION,
    chunk_rows: int = CHUNK_ROWS_OPTION,
    scheduler: str | None = SCHEDULER_OPTION,
) -> None:
    """一条命令生成完整报告包 / The whole pack in one command: check, compute, XBRL, Word, workpapers,
    manifest."""
    import time

    from .loader import settings_language
    from .pipeline import STAGES, ReportUsageError, check_summary, run_report

    langs = None if lang is None else ("zh-CN", "en") if lang is ReportLang.all else (lang.value,)
    t0 = time.perf_counter()
    # one language per run: --lang, else report.yaml's (with --lang all, the messages follow report.yaml)
    language = lang.value if lang in (ReportLang.zh, ReportLang.en) else settings_language(inventory)

    def progress(stage: str, text: str) -> None:
        typer.echo(_t("progress", language, n=STAGES.index(stage) + 1, total=len(STAGES),
                      stage=ui.stage(stage, language), text=text), err=True)

    try:
        if scheduler and engine is not Engine.dask:
            raise ReportUsageError("usage_scheduler")
        run = run_report(inventory, out, langs, ifrs_package, force, prior, progress, engine=engine.value,
                         chunk_rows=chunk_rows, scheduler=scheduler, lang=language)
    except ReportUsageError as e:
        typer.echo(f"disclosure report: {e.text(language)}", err=True)
        raise typer.Exit(2) from None
    if run.stopped:   # every issue, once, on stdout
        typer.echo(render_text(run.issues, language))
        typer.echo(check_summary(run.issues, run.rows, language), err=True)
        typer.echo(_t("stopped_report", language), err=True)
        raise typer.Exit(1)
    text = render_text([i for i in run.issues if i.severity is not Severity.NOTICE], language)
    if text:
        typer.echo(text, err=True)
    assert run.results is not None
    t = run.results["totals"]
    typer.echo(_t("computed", language, s1=t["scope1"], s2l=t["scope2_location"], s2m=t["scope2_market"],
                  s3=t["scope3"]))
    by = run.results.get("base_year")
    if by:
        share = by.get("structural_change_share")
        typer.echo(_t("base_year", language, share=_t("unknown_share", language) if share is None else f"{share:.1%}",
                      threshold=f"{by['threshold']:.0%}",
                      verdict=_t("base_year_required" if by["recalculation_required"] else "base_year_not_required",
                                 language)))
    typer.echo(check_summary(run.issues, run.rows, language))
    for p in run.problems:
        typer.echo(f"  ! {p}", err=True)
    typer.echo(_t("written_to", language, out=out, seconds=time.perf_counter() - t0))
    for p in sorted({str(p.relative_to(out)) for p in run.paths.values()}):
        typer.echo(f"  {p}")
    _trace_note(out, list(run.paths.values()), int((run.results.get("lines") or {}).get("total") or 0), language)
    typer.echo(_t("copies", language, folders="inputs/, factors/" + (", prior/" if prior else "")))
    typer.echo(_t("input_digest", language, digest=run.input_digest))
    typer.echo(_t("pack_digest", language, digest=run.pack_digest))
    raise typer.Exit(run.exit_code)


@_command()
def verify(
    folder: Path = typer.Argument(..., help="disclosure report 的输出文件夹 / a folder written by `disclosure report`"),
    ifrs_package: Path | None = typer.Option(
        None, "--ifrs-package",
        help="IFRS 分类标准包，用于重新校验 XBRL（或环境变量 DISCLOSURE_IFRS_PACKAGE）/ the IFRS taxonomy package, "
             "to validate the XBRL again (or DISCLOSURE_IFRS_PACKAGE)"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en（默认：报告包的语言 / default: the pack's)"),
) -> None:
    """复核报告包：校验清单与哈希，由包内输入重新生成全部文件并逐字节比对 / Re-perform a report folder: the
    manifest and every hash, then the whole pack rendered again from its inputs and compared byte for byte."""
    from .assure.verify import verify as run_verify
    from .pipeline import STAGES

    language = lang.value if lang else _pack_language(folder)
    if ifrs_package is not None and not ifrs_package.is_file():
        typer.echo(f"disclosure verify: {_t('no_ifrs_package', language, path=ifrs_package)}", err=True)
        raise typer.Exit(2)

    def progress(stage: str, text: str) -> None:
        typer.echo(_t("verify_progress", language, n=STAGES.index(stage) + 1, total=len(STAGES),
                      stage=ui.stage(stage, language), text=text), err=True)

    v = run_verify(folder, ifrs_package, progress)
    for d in v.differences:
        typer.echo(d.render())
    for n in v.notes:
        typer.echo(_t("verify_note", language, text=n), err=True)
    verdict = _t("verify_ok", language) if v.ok else _t("verify_differences", language, n=len(v.differences))
    typer.echo(_t("verify_summary", language, checked=v.checked_files, compared=v.compared_files,
                  values=v.compared_values, lines=v.compared_lines, facts=v.compared_facts, seconds=v.seconds,
                  revalidated=_t("verify_revalidated", language) if v.revalidated else "", verdict=verdict),
               err=True)
    if v.input_digest:
        typer.echo(_t("input_digest", language, digest=v.input_digest))
    if v.pack_digest:
        typer.echo(_t("pack_digest", language, digest=v.pack_digest))
    raise typer.Exit(0 if v.ok else 1)


def _pack_language(folder: Path) -> str:
    """The language a pack was reported in (its manifest's settings), for verify's and diff's lines."""
    import json

    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        lang = (man.get("settings") or {}).get("language")
    except (OSError, ValueError, AttributeError, RecursionError):   # a malformed manifest: verify names it
        return "zh-CN"
    return lang if lang in ("zh-CN", "en") else "zh-CN"


@_command()
def diff(
    folder_a: Path = typer.Argument(..., help="报告文件夹 A / report folder A"),
    folder_b: Path = typer.Argument(..., help="报告文件夹 B / report folder B"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en（默认：报告包 B 的语言 / default: pack B's)"),
) -> None:
    """解释两次运行的差异 / Explain the differences between two report folders, line by line."""
    from .assure.diff import explain
    from .export.manifest import ManifestError

    language = lang.value if lang else _pack_language(folder_b)
    for name in (folder_a, folder_b):
        if not (name / "manifest.json").is_file():
            typer.echo(f"disclosure diff: {_t('not_a_pack', language, path=name)}", err=True)
            raise typer.Exit(2)
    try:
        lines = explain(folder_a, folder_b)
    except ManifestError as e:  # not a manifest this tool writes: say which, never a traceback
        typer.echo(f"disclosure diff: {_t('not_this_version', language, error=e)}", err=True)
        raise typer.Exit(2) from None
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo(_t("no_differences", language), err=True)
    raise typer.Exit(1 if lines else 0)


@_command()
def view(
    folder: Path = typer.Argument(..., help="disclosure report 的输出文件夹 / a folder written by `disclosure report`"),
    print_path: bool = typer.Option(False, "--print-path",
                                    help="只打印页面路径，不打开浏览器 / print the page's path, open no browser"),
) -> None:
    """在浏览器中打开报告包的 XBRL 查看器页面 / Open the pack's XBRL viewer page in a browser."""
    import webbrowser

    from .export.xbrl import viewer_page

    page = viewer_page(folder)
    if page is None:
        typer.echo(f"disclosure view: {folder}: 没有查看器页面或 Inline XBRL 文件 / no viewer page or Inline XBRL "
                   "file (a `disclosure report` folder?)", err=True)
        raise typer.Exit(2)
    typer.echo(str(page))
    if print_path:
        raise typer.Exit(0)
    if not webbrowser.open(page.resolve().as_uri()):
        typer.echo("disclosure view: 未找到浏览器，请手动打开上面的文件 / no browser found: open the file above "
                   "yourself", err=True)
        raise typer.Exit(1)


def main() -> None:
    """Entry point. Bad input never reaches here as an exception (it is reported as issues); what
    does is a defect of the tool, shown in one line with exit code 3 (set DISCLOSURE_DEBUG=1 for the
    traceback)."""
    import gc
    import os

    # What the imports made (modules, classes, tables: a few hundred thousand objects) lives as long
    # as the process, which the command line owns: left out of the cyclic collector's later walks,
    # so that its full collections walk only what the command makes. The demo group: collections
    # took 0.13-0.14 s of a check and 0.39-0.44 s of a report, now 0.06-0.09 s and 0.18-0.20 s. A
    # program that imports the package keeps its collector as it was.
    gc.freeze()
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except Exception as e:  # pragma: no cover - the last guard against a traceback for users
        if os.environ.get("DISCLOSURE_DEBUG"):
            raise
        sys.stderr.write(f"disclosure: internal error ({type(e).__name__}: {e}); "
                         "please report it with DISCLOSURE_DEBUG=1 output\n")
        sys.exit(3)


