"""Render the report: a docxtpl template, the context of a results folder, jinja2 in a sandbox.

A company's own template is untrusted input, so it is rendered by jinja2's
``ImmutableSandboxedEnvironment`` (no access to private attributes or to anything that changes
data) with autoescape on (``&`` and ``<`` in the user's text are kept as text, never dropped, and
text that looks like template syntax is printed, never run) and ``StrictUndefined`` (a variable the
context does not provide is an error, not a silent blank: ``disclosure word-vars`` lists them
beforehand).

The output is deterministic: the same results folder, language and template give the same bytes
(fixed zip entry times, core properties dated from the reporting period, charts without timestamps).
The page numbers of the contents are fields (see base.py): LibreOffice computes them as it lays the
pages out; the settings ask Word to update the fields when it opens the report.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ...compute.results import FILE, SCHEMA, ResultsError, read_results
from . import base, context

IMAGE_WIDTH_MM = 155


class ReportError(Exception):
    """A problem with the inputs of the report (results folder or template), shown to the user."""


class Picture:
    """A chart in the context, drawn when the template places it. It has no public attribute, so a
    template can place it and do nothing else with it (docxtpl's InlineImage would hand the
    document object to the template)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def __html__(self) -> str:
        return self._make().__html__()

    def __str__(self) -> str:
        return self.__html__()


def environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def load_results(folder: Path) -> dict[str, Any]:
    path = folder / FILE
    if not path.is_file():
        raise ReportError(f"{path}: 找不到结果文件，请先运行 disclosure compute / no results.json: run "
                          "`disclosure compute` first")
    try:
        return dict(read_results(path))
    except ResultsError as e:
        raise ReportError(f"结果文件无效 / not a results file of this tool: {e}") from e


def _template_bytes(template: Path | None) -> bytes:
    if template is None:
        return base.build()
    try:
        return template.read_bytes()
    except OSError as e:
        raise ReportError(f"{template}: 无法读取模板 / cannot read the template ({e.strerror})") from e


def render(results_dir: Path, out: Path, lang: str = "zh-CN", template: Path | None = None,
           input_digest: str | None = None) -> Path:
    """Write the report of ``results_dir`` to ``out``; returns ``out``. ``input_digest``: the report
    pack's, stated in the assurance section (``disclosure report`` gives it)."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    results = load_results(results_dir)
    try:
        tpl = DocxTemplate(io.BytesIO(_template_bytes(template)))
        tpl.init_docx()
    except Exception as e:  # not a .docx at all
        raise ReportError(f"{template}: 不是 Word 文档 / not a Word (.docx) document ({e})") from e

    def picture(draw: Callable[[], bytes]) -> Picture:
        return Picture(lambda: InlineImage(tpl, io.BytesIO(draw()), width=Mm(IMAGE_WIDTH_MM)))

    ctx = context.build(results, lang, results_dir, picture, input_digest)
    try:
        tpl.render(ctx, jinja_env=environment(), autoescape=True)
    except TemplateError as e:
        where = f" (line {e.lineno})" if getattr(e, "lineno", None) else ""
        raise ReportError(f"模板错误 / template error{where}: {e}; "
                          "用 disclosure word-vars 检查模板 / check the template with `disclosure word-vars`") from e
    _properties(tpl.docx, ctx, results)
    _update_fields_on_open(tpl.docx)
    buf = io.BytesIO()
    tpl.save(buf)
    data = base.fixed_zip(buf.getvalue(), _zip_time(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def _stamp(results: dict[str, Any]) -> dt.datetime:
    """The document's date: the end of the reporting period (never the time of rendering)."""
    end = (results.get("period") or {}).get("end")
    try:
        d = dt.date.fromisoformat(end) if end else dt.date(2000, 1, 1)
    except ValueError:
        d = dt.date(2000, 1, 1)
    return dt.datetime(d.year, d.month, d.day)


def _zip_time(results: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    s = _stamp(results)
    return (max(s.year, 1980), s.month, s.day, 0, 0, 0)


def _properties(doc: Any, ctx: dict[str, Any], results: dict[str, Any]) -> None:
    cp = doc.core_properties
    cp.title = ctx["report"]["title"]
    cp.subject = ctx["report"]["basis"]
    cp.author = ctx["report"]["entity_name"]
    cp.last_modified_by = "disclosure"
    cp.keywords = "CSDS 1; IFRS S2; GHG"
    cp.language = ctx["lang"]
    cp.comments = ""
    cp.revision = 1
    cp.created = cp.modified = _stamp(results)


# fields Word computes only when it updates them (not on its own, as it does PAGE in a footer)
_REFERENCE_FIELDS = re.compile(r"\s*(PAGEREF|TOC|REF|NOTEREF)\b", re.IGNORECASE)
# the elements that follow w:updateFields in w:settings (its schema's order)
_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
                        "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                        "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
                        "w:readModeInkLockDown", "w:smartTagType", "w:shapeDefaults", "w:doNotEmbedSmartTags",
                        "w:decimalSymbol", "w:listSeparator")


def _update_fields_on_open(doc: Any) -> None:
    """Set ``w:updateFields`` when the body has fields Word computes only on an update (the page
    numbers of the contents, a company template's TOC): Word then offers to update the fields as it
    opens the report, so its page numbers are right (LibreOffice computes them on layout anyway).
    Without such fields the settings are left as they are, and Word asks nothing; a template that
    says itself whether to update them (``w:updateFields``, on or off) is left as it says.

    Why the question rather than stored numbers: the numbers depend on the layout, which only a word
    processor knows; the base template's entries are stored without numbers, so a reader who declines
    sees the titles alone, never a wrong page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    body = doc.element.body
    codes = [el.text or "" for el in body.iter(qn("w:instrText"))]
    codes += [el.get(qn("w:instr")) or "" for el in body.iter(qn("w:fldSimple"))]
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is not None or not any(_REFERENCE_FIELDS.match(c) for c in codes):
        return
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    settings.insert_element_before(el, *_AFTER_UPDATE_FIELDS)


# --- which variables a template uses that the context lacks --------------------------------------------

_MISSING = object()
_UNKNOWN = object()


def template_xml(template: Path) -> str:
    """The template's body, headers and footers as docxtpl hands them to jinja2."""
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(_template_bytes(template)))
    doc = tpl.get_docx()
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI):
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    return xml


def missing_variables(template: Path | None, results_dir: Path | None = None, lang: str = "zh-CN") -> list[str]:
    """The variables (dotted paths, e.g. ``m.totalz``) the template reads that the context does not
    provide. Attributes of loop items are checked against the first item, so an empty list in the
    results used leaves them unchecked: give ``results_dir`` to check against real results."""
    results = load_results(results_dir) if results_dir is not None else {"schema": SCHEMA}
    ctx = context.build(results, lang, results_dir, picture=Picture)
    env = environment()
    try:
        ast = env.parse(template_xml(template))
    except TemplateError as e:
        raise ReportError(f"模板语法错误 / template syntax error (line {e.lineno}): {e}") from e
    except Exception as e:
        raise ReportError(f"{template}: 不是 Word 文档 / not a Word (.docx) document ({e})") from e
    found: set[str] = set()
    scope: dict[str, Any] = {**ctx, **dict.fromkeys(env.globals, _UNKNOWN)}
    _walk(ast, scope, found)
    return sorted(found)


def _step(obj: Any, key: Any) -> Any:
    if obj is _UNKNOWN or obj is _MISSING:
        return obj
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        return _UNKNOWN if isinstance(key, str) and hasattr(dict, key) else _MISSING
    if isinstance(obj, list | tuple):
        if isinstance(key, int):
            return obj[key] if -len(obj) <= key < len(obj) else _UNKNOWN
        return _UNKNOWN if isinstance(key, str) and hasattr(list, key) else _MISSING
    if obj is None or isinstance(obj, Picture):
        return _UNKNOWN
    return _UNKNOWN if hasattr(obj, str(key)) else _MISSING


def _resolve(node: nodes.Node, scope: dict[str, Any], found: set[str]) -> tuple[Any, str | None]:
    if isinstance(node, nodes.Name):
        if node.name in scope:
            return scope[node.name], node.name
        found.add(node.name)
        return _MISSING, None
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        obj, path = _resolve(node.node, scope, found)
        if isinstance(node, nodes.Getattr):
            key: Any = node.attr
        elif isinstance(node.arg, nodes.Const):
            key = node.arg.value
        else:
            _walk(node.arg, scope, found)
            return _UNKNOWN, None
        value = _step(obj, key)
        if value is _MISSING and obj is not _MISSING and path is not None:
            found.add(f"{path}.{key}")
            return _MISSING, None
        return value, (f"{path}.{key}" if path is not None else None)
    _walk(node, scope, found)
    return _UNKNOWN, None


def _bind(target: nodes.Node, value: Any, scope: dict[str, Any]) -> None:
    if isinstance(target, nodes.Name):
        scope[target.name] = value
    elif isinstance(target, nodes.Tuple):
        for item in target.items:
            _bind(item, _UNKNOWN, scope)


def _walk(node: nodes.Node, scope: dict[str, Any], found: set[str]) -> None:
    if isinstance(node, nodes.For):
        seq, _ = _resolve(node.iter, scope, found)
        first = seq[0] if isinstance(seq, list | tuple) and seq else _UNKNOWN
        if isinstance(seq, dict):
            first = _UNKNOWN
        inner = dict(scope)
        inner["loop"] = _UNKNOWN
        _bind(node.target, first, inner)
        if node.test is not None:
            _walk(node.test, inner, found)
        for child in node.body:
            _walk(child, inner, found)
        for child in node.else_:
            _walk(child, scope, found)
        return
    if isinstance(node, nodes.Assign):
        _walk(node.node, scope, found)
        _bind(node.target, _UNKNOWN, scope)
        return
    if isinstance(node, nodes.AssignBlock):
        for child in node.body:
            _walk(child, scope, found)
        _bind(node.target, _UNKNOWN, scope)
        return
    if isinstance(node, nodes.Macro | nodes.CallBlock):
        inner = dict(scope)
        for arg in getattr(node, "args", []):
            _bind(arg, _UNKNOWN, inner)
        inner["caller"] = _UNKNOWN
        if isinstance(node, nodes.Macro):
            scope[node.name] = _UNKNOWN
        for child in node.body:
            _walk(child, inner, found)
        return
    if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
        _resolve(node, scope, found)
        return
    for child in node.iter_child_nodes():
        _walk(child, scope, found)
