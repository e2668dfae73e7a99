"""The Word report: ``results.json`` (and the trace beside it) → a .docx in Chinese or English.

    render(results_dir, out, lang="zh-CN", template=None)    write the report
    missing_variables(template, results_dir=None)              what a template reads that the context lacks
    base.build()                                               the base template's bytes

Reads only the results folder (never the inventory or the engine): figures from ``results.json``
through ``export.numbers``, words from ``text.yaml``, narrative from ``results["disclosures"]``.
"""

from .render import ReportError, missing_variables, render

__all__ = ["ReportError", "missing_variables", "render"]
