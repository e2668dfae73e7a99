"""The words of the command line, in zh-CN and English (``ui.yaml`` beside this module).

Every line the commands print besides the issues comes from here, in the run's one language. The
entries are ``str.format`` templates with one addition, for English plurals: ``{n:#row|rows}``
prints the number (with thousands separators) and the singular or the plural word:

>>> from disclosure.core import ui
>>> ui.text("totals", "en", error=1, warning=2, notice=0)
'1 error, 2 warnings, 0 notices'
>>> ui.text("totals", "zh-CN", error=1, warning=2, notice=0)
'错误 1 个，警告 2 个，提示 0 个'
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

from . import yamlfile
from .vocabulary import lang_key


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("#"):
            one, _, many = format_spec[1:].partition("|")
            n = value if isinstance(value, int | float) else 0
            return f"{value:,} {one if n == 1 else (many or one)}"
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()


@cache
def catalogue() -> dict[str, dict[str, str]]:
    data = yamlfile.load_package(resources.files(__package__).joinpath("ui.yaml").read_text(encoding="utf-8"))
    for key, entry in data.items():
        if set(entry) != {"zh", "en"}:
            raise ValueError(f"ui.yaml: {key!r} needs zh and en")
    return data


def text(key: str, lang: str, **params: Any) -> str:
    """The line ``key`` in ``lang`` (zh-CN unless English), filled with ``params``."""
    return _FORMAT.format(catalogue()[key][lang_key(lang)], **params)


def stage(name: str, lang: str) -> str:
    """A stage of ``report`` as its progress lines name it."""
    return text(f"stage_{name}", lang)


__all__ = ["catalogue", "stage", "text"]
