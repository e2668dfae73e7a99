"""The command line: a thin typer app over the public API.

Exit codes: 0 success (warnings allowed), 1 the input has errors, 2 usage errors (typer's own).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from .core.issues import Severity, render_json, render_text

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
    "computed": {"zh-CN": "范围一 {s1:,.1f} tCO2e；范围二 位置法 {s2l:,.1f} / 市场法 {s2m:,.1f} tCO2e；范围三 {s3:,.1f} tCO2e",
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
    from .ingest.inventory import load_inventory

    inv, issues = load_inventory(inventory)
    language = (lang.value if lang else None) or inv.settings.language or "zh-CN"
    counts = {name: c for name, c in inv.counts.items()}
    by_sev = {s.value: sum(1 for i in issues if i.severity is s) for s in Severity}
    if fmt is Fmt.json:
        files = {name: {"file": inv.tables[name].file, "sheet": inv.tables[name].sheet,
                        "read": c.read, "accepted": c.accepted, "rejected": c.rejected}
                 for name, c in counts.items()}
        sys.stdout.write(render_json(issues, language, inventory=str(inventory), tables=files,
                                     counts=by_sev) + "\n")
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


@app.command()
def compute(
    inventory: Path = typer.Argument(..., help="清单文件夹或 XLSX 工作簿 / inventory folder or XLSX workbook"),
    out: Path = typer.Option(..., "--out", help="输出文件夹 / output folder"),
    lang: Lang | None = typer.Option(None, "--lang", help="zh-CN | en"),
    force: bool = typer.Option(False, "--force", help="清单有错误时仍然计算 / compute even when the inventory has errors"),
) -> None:
    """计算排放并写出 results.json 与逐行追溯表 / Compute emissions; write results.json and the trace."""
    from .compute import compute as run
    from .compute.write import write_outputs
    from .ingest.inventory import load_inventory

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


@app.command()
def template(
    out: Path = typer.Argument(..., help="输出的 .xlsx 文件 / the .xlsx file to write"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="zh-CN | en: which language comes first"),
) -> None:
    """生成空白输入工作簿 / Write a blank input workbook (bilingual headers, drop-downs, instructions)."""
    from .ingest.template import write_template

    write_template(out, lang.value)
    typer.echo(str(out))


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


