"""The command line: a thin typer app over the public API.

Exit codes: 0 success (warnings allowed), 1 the input has errors, 2 usage errors (typer's own).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from .core.issues import Severity, render_text, write_json

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="企业气候信息披露工具 / Climate disclosure from a GHG inventory (CSDS No. 1, IFRS S2).")


class Fmt(StrEnum):
    text = "text"
    json = "json"


class Lang(StrEnum):
    zh = "zh-CN"
    en = "en"


_T = {
    "summary": {"zh-CN": "{file}：读取 {read} 行 = 接受 {accepted} 行 + 拒绝 {rejected} 行",
                "en": "{file}: {read} rows read = {accepted} accepted + {rejected} rejected"},
    "stopped": {"zh-CN": "清单有错误，未计算（用 --force 强制计算，有错误的行不计入）",
                "en": "the inventory has errors; nothing computed (--force computes without the rejected rows)"},
    "computed": {"zh-CN": "范围一 {s1:,.1f} tCO2e；范围二 基于位置 {s2l:,.1f} / 基于市场 {s2m:,.1f} tCO2e；范围三 {s3:,.1f} tCO2e",
                 "en": "Scope 1 {s1:,.1f} tCO2e; Scope 2 location-based {s2l:,.1f} / market-based {s2m:,.1f} tCO2e; Scope 3 {s3:,.1f} tCO2e"},
    "totals": {"zh-CN": "错误 {error} 个，警告 {warning} 个，提示 {notice} 个",
               "en": "{error} errors, {warning} warnings, {notice} notices"},
}


def _t(key: str, lang: str, **kw: object) -> str:
    return _T[key]["en" if lang == "en" else "zh-CN"].format(**kw)


@app.command()
def check(
    inventory: Path = typer.Argument(..., help="清单文件夹或 XLSX 工作簿 / inventory folder or XLSX workbook"),
    fmt: Fmt = typer.Option(Fmt.text, "--format", help="text | json"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en (default: report.yaml, else zh-CN)"),
) -> None:
    """检查清单并列出全部问题 / Check an inventory and list every problem found."""
    from .loader import load_inventory

    inv, issues = load_inventory(inventory)
    language = (lang.value if lang else None) or inv.settings.language or "zh-CN"
    counts = {name: c for name, c in inv.counts.items()}
    by_sev = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    if fmt is Fmt.json:
        files = {name: {"file": inv.tables[name].file, "sheet": inv.tables[name].sheet,
                        "read": c.read, "accepted": c.accepted, "rejected": c.rejected}
                 for name, c in counts.items()}
        # written an issue at a time: the text of render_json without ever holding it whole
        write_json(issues, sys.stdout, language, inventory=str(inventory), tables=files, counts=by_sev)
        sys.stdout.write("\n")
    else:
        text = render_text(issues, language)
        if text:
            typer.echo(text)
        for name, c in counts.items():
            t = inv.tables[name]
            where = t.file + (f"[{t.sheet}]" if t.sheet else "")
            typer.echo(_t("summary", language, file=where, read=f"{c.read:,}", accepted=f"{c.accepted:,}",
                          rejected=f"{c.rejected:,}"))
        typer.echo(_t("totals", language, **by_sev))
    raise typer.Exit(1 if by_sev["error"] else 0)


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


@app.command()
def compute(
    inventory: Path = typer.Argument(..., help="清单文件夹或 XLSX 工作簿 / inventory folder or XLSX workbook"),
    out: Path = typer.Option(..., "--out", help="输出文件夹 / output folder"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en"),
    force: bool = typer.Option(False, "--force", help="清单有错误时仍然计算 / compute even when the inventory has errors"),
    engine: Engine = ENGINE_OPTION,
    chunk_rows: int = CHUNK_ROWS_OPTION,
    scheduler: str | None = SCHEDULER_OPTION,
) -> None:
    """计算排放并写出 results.json 与逐行追溯表 / Compute emissions; write results.json and the trace."""
    if scheduler and engine is not Engine.dask:
        raise typer.BadParameter("--scheduler 仅用于 --engine dask / only with --engine dask", param_hint="--scheduler")
    if engine is not Engine.inprocess:
        _compute_streaming(inventory, out, lang, force, engine, chunk_rows, scheduler)
        return
    from .engines.inprocess import compute as run
    from .engines.inprocess import write_outputs
    from .loader import load_inventory

    inv, issues = load_inventory(inventory)
    language = (lang.value if lang else None) or inv.settings.language or "zh-CN"
    if any(i.severity is Severity.ERROR for i in issues) and not force:
        typer.echo(render_text(issues, language))
        typer.echo(_t("stopped", language), err=True)
        raise typer.Exit(1)
    comp = run(inv)
    all_issues = issues + comp.issues
    text = render_text(all_issues, language)
    if text:
        typer.echo(text, err=True)
    paths = write_outputs(comp, out)
    t = comp.results["totals"]
    typer.echo(_t("computed", language, s1=t["scope1"], s2l=t["scope2_location"], s2m=t["scope2_market"],
                  s3=t["scope3"]))
    for p in paths:
        typer.echo(f"  {p}")
    raise typer.Exit(1 if any(i.severity is Severity.ERROR for i in all_issues) else 0)


def _compute_streaming(inventory: Path, out: Path, lang: Lang | None, force: bool, engine: Engine,
                       chunk_rows: int, scheduler: str | None) -> None:
    """compute --engine chunked | dask: the same outputs, the activities read a chunk at a time
    (the trace as trace.parquet, or trace/part-*.parquet on Dask); progress on stderr."""
    if engine is Engine.dask:
        from .engines.dask import compute_dask

        result = compute_dask(inventory, out, scheduler=scheduler, chunk_rows=chunk_rows, force=force)
    else:
        from .engines.chunked import compute_chunked

        result = compute_chunked(inventory, out, chunk_rows=chunk_rows, force=force)
    language = (lang.value if lang else None) or result.language or "zh-CN"
    if result.results is None:
        typer.echo(render_text(result.issues, language))
        typer.echo(_t("stopped", language), err=True)
        raise typer.Exit(1)
    text = render_text(result.issues, language)
    if text:
        typer.echo(text, err=True)
    t = result.results["totals"]
    typer.echo(_t("computed", language, s1=t["scope1"], s2l=t["scope2_location"], s2m=t["scope2_market"],
                  s3=t["scope3"]))
    for p in result.paths:
        typer.echo(f"  {p}")
    raise typer.Exit(1 if any(i.severity is Severity.ERROR for i in result.issues) else 0)


@app.command()
def template(
    out: Path = typer.Argument(..., help="输出的 .xlsx 文件 / the .xlsx file to write"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="zh-CN | en: which language comes first"),
) -> None:
    """生成空白输入工作簿 / Write a blank input workbook (bilingual headers, drop-downs, instructions)."""
    from .ingest.template import write_template

    write_template(out, lang.value)
    typer.echo(str(out))


@app.command()
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


@app.command()
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


@app.command("word-vars")
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


@app.command()
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

    from .pipeline import STAGES, ReportUsageError, run_report

    langs = None if lang is None else ("zh-CN", "en") if lang is ReportLang.all else (lang.value,)
    t0 = time.perf_counter()

    def progress(stage: str, text: str) -> None:
        typer.echo(f"[{STAGES.index(stage) + 1}/{len(STAGES)} {stage}] {text}", err=True)

    try:
        if scheduler and engine is not Engine.dask:
            raise ReportUsageError("--scheduler 仅用于 --engine dask / only with --engine dask")
        run = run_report(inventory, out, langs, ifrs_package, force, prior, progress, engine=engine.value,
                         chunk_rows=chunk_rows, scheduler=scheduler)
    except ReportUsageError as e:
        typer.echo(f"disclosure report: {e}", err=True)
        raise typer.Exit(2) from None
    # one language per run: --lang, else report.yaml's (with --lang all, the messages follow report.yaml)
    language = lang.value if lang in (ReportLang.zh, ReportLang.en) else run.language
    text = render_text([i for i in run.issues if i.severity is not Severity.NOTICE], language)
    if text:
        typer.echo(text, err=True)
    if run.stopped:
        typer.echo(render_text(run.issues, language))
        typer.echo(_t("stopped", language).replace("未计算", "未生成报告"), err=True)
        raise typer.Exit(1)
    assert run.results is not None
    t = run.results["totals"]
    typer.echo(_t("computed", language, s1=t["scope1"], s2l=t["scope2_location"], s2m=t["scope2_market"],
                  s3=t["scope3"]))
    by = run.results.get("base_year")
    if by:
        share = by.get("structural_change_share")
        typer.echo(f"base year: structural change {share if share is None else f'{share:.1%}'} of the prior year "
                   f"(threshold {by['threshold']:.0%}); recalculation "
                   f"{'REQUIRED' if by['recalculation_required'] else 'not required'}")
    counts = {s.value: run.count(s) for s in Severity}
    typer.echo(_t("totals", language, **counts))
    for p in run.problems:
        typer.echo(f"  ! {p}", err=True)
    typer.echo(f"{out}/ ({time.perf_counter() - t0:.1f} s)")
    for p in sorted({str(p.relative_to(out)) for p in run.paths.values()}):
        typer.echo(f"  {p}")
    typer.echo("  inputs/, factors/" + (", prior/" if prior else "")
               + ("  (输入与因子数据集副本 / copies of the inputs and factor datasets, for `disclosure verify`)"))
    typer.echo(f"input digest: {run.input_digest}")
    typer.echo(f"pack digest: {run.pack_digest}")
    raise typer.Exit(run.exit_code)


@app.command()
def verify(
    folder: Path = typer.Argument(..., help="disclosure report 的输出文件夹 / a folder written by `disclosure report`"),
    ifrs_package: Path | None = typer.Option(
        None, "--ifrs-package",
        help="IFRS 分类标准包，用于重新校验 XBRL（或环境变量 DISCLOSURE_IFRS_PACKAGE）/ the IFRS taxonomy package, "
             "to validate the XBRL again (or DISCLOSURE_IFRS_PACKAGE)"),
) -> None:
    """复核报告包：校验清单与哈希，由包内输入重新生成全部文件并逐字节比对 / Re-perform a report folder: the
    manifest and every hash, then the whole pack rendered again from its inputs and compared byte for byte."""
    from .assure.verify import verify as run_verify
    from .pipeline import STAGES

    if ifrs_package is not None and not ifrs_package.is_file():
        typer.echo(f"disclosure verify: --ifrs-package {ifrs_package}: no such file", err=True)
        raise typer.Exit(2)

    def progress(stage: str, text: str) -> None:
        typer.echo(f"[verify: re-render {STAGES.index(stage) + 1}/{len(STAGES)} {stage}] {text}", err=True)

    v = run_verify(folder, ifrs_package, progress)
    for d in v.differences:
        typer.echo(d.render())
    for n in v.notes:
        typer.echo(f"note: {n}", err=True)
    typer.echo(f"{v.checked_files} files hashed; {v.compared_files} files re-rendered and compared byte for byte "
               f"({v.compared_values} values, {v.compared_lines} trace lines, {v.compared_facts} XBRL facts"
               f"{', validated again by Arelle' if v.revalidated else ''}) in {v.seconds:.1f} s: "
               f"{'OK' if v.ok else f'{len(v.differences)} differences'}", err=True)
    if v.input_digest:
        typer.echo(f"input digest: {v.input_digest}")
    if v.pack_digest:
        typer.echo(f"pack digest: {v.pack_digest}")
    raise typer.Exit(0 if v.ok else 1)


@app.command()
def diff(
    folder_a: Path = typer.Argument(..., help="报告文件夹 A / report folder A"),
    folder_b: Path = typer.Argument(..., help="报告文件夹 B / report folder B"),
) -> None:
    """解释两次运行的差异 / Explain the differences between two report folders, line by line."""
    from .assure.diff import explain
    from .export.manifest import ManifestError

    for name in (folder_a, folder_b):
        if not (name / "manifest.json").is_file():
            typer.echo(f"disclosure diff: {name}/manifest.json not found (a `disclosure report` folder?)", err=True)
            raise typer.Exit(2)
    try:
        lines = explain(folder_a, folder_b)
    except ManifestError as e:  # not a manifest this tool writes: say which, never a traceback
        typer.echo(f"disclosure diff: {e} (a `disclosure report` folder of this version?)", err=True)
        raise typer.Exit(2) from None
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("no differences", err=True)
    raise typer.Exit(1 if lines else 0)


def main() -> None:
    """Entry point. Bad input never reaches here as an exception (it is reported as issues); what
    does is a defect of the tool, shown in one line with exit code 3 (set DISCLOSURE_DEBUG=1 for the
    traceback)."""
    import os

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


