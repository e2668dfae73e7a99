"""Bilingual text: the one splitter of "中文 / English" and the one way of picking a language of it.

The engine and the user write some texts in both languages at once (the reason a Scope 3 category
is excluded, a line's exclusion reason): the Chinese text, `` / ``, the English text. Every reader
that needs one language of such a text uses :func:`pick`; the XBRL facts, which tag each language,
use :func:`split_bilingual`.

A text is bilingual when some `` / `` splits it into a part with Chinese characters and a part with
none; the first such separator counts, so either part may hold `` / `` itself ("一 / 二 / one",
"范围三 / Scope 3 / categories"). Anything else is one text, in the language its characters say.
"""

from __future__ import annotations

import re

SEPARATOR = " / "
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: object) -> bool:
    """Whether ``text`` holds a Chinese character."""
    return bool(_CJK.search(str(text)))


def split(text: object) -> tuple[str, str] | None:
    """(Chinese, English) of a "中文 / English" text, or None when it is not one."""
    t = str(text)
    start = 0
    while (i := t.find(SEPARATOR, start)) >= 0:
        zh, en = t[:i].strip(), t[i + len(SEPARATOR):].strip()
        if zh and en and has_cjk(zh) and not has_cjk(en):
            return zh, en
        start = i + 1
    return None


def split_bilingual(text: object) -> list[tuple[str, str]]:
    """'未提供活动数据 / no activity data supplied' → [("zh-CN", …), ("en", …)]; a text in one
    language → [(its language, the text)]."""
    parts = split(text)
    if parts is not None:
        return [("zh-CN", parts[0]), ("en", parts[1])]
    t = str(text).strip()
    return [("zh-CN" if has_cjk(t) else "en", t)]


def pick(text: str | None, lang: str) -> str | None:
    """The part of a "中文 / English" text in ``lang`` (zh-CN unless English); any other text as it is."""
    if not text:
        return text
    parts = split(text)
    if parts is None:
        return text
    return parts[1] if str(lang).lower().startswith("en") else parts[0]
