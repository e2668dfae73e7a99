"""The disclosure items, each declared once (``disclosure_items.yaml`` beside this module).

A climate report says more than its GHG numbers: governance, strategy, risk management, targets,
the cross-industry metrics, carbon-market participation, assurance. Each thing it says is a node of
one tree, declared with its key, its kind (text, a number, a share, a year, a value of a vocabulary
enumeration), its label and its help in zh-CN and English, and where the workbook holds it. The
readers of disclosures.yaml and of the workbook's pillar sheets, the template that writes those
sheets and the completeness sheet, ``check``'s messages and results.json's ``disclosures.states``
all walk this tree:

>>> from disclosure.core import disclosure_items as di
>>> di.node("metrics.physical_risk.description").kind
'text'
>>> di.label("metrics.physical_risk.description", "zh-CN")
'跨行业指标 › 易受物理风险影响的资产或业务活动 › 说明'
>>> di.label("targets.2.gases", "en")
'Climate-related targets › item 2 › gases'

An *item* is what has a state (filled, missing, not disclosed, not applicable): a leaf outside a
list, or a list as a whole (its rows are checked field by field, but the completeness view counts
the list). Optional leaves and lists are not items.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from . import vocabulary as vocab
from . import yamlfile

LEAF_KINDS = ("text", "str", "number", "share", "year", "enum")
STATES = tuple(str(k) for k in vocab.values("disclosure_state"))   # filled, missing, not_disclosed, not_applicable
DECLARED = ("not_disclosed", "not_applicable")                       # the states a user writes
SEP = " › "


@dataclass(frozen=True)
class Node:
    """One node of the tree: a group (``children``), a list (``columns`` as ``children``) or a leaf."""

    key: str
    path: str                       # dotted, as disclosures.yaml nests it ("strategy.time_horizons.short")
    kind: str                       # group | list | one of LEAF_KINDS
    zh: str
    en: str
    help_zh: str = ""
    help_en: str = ""
    enum: str = ""                  # the vocabulary enumeration of an ``enum`` leaf
    optional: bool = False
    section: str = ""               # the pillar it belongs to
    sheet_zh: str = ""              # the workbook sheet that holds it ("" : its parent's)
    sheet_en: str = ""
    children: tuple[Node, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    @property
    def is_leaf(self) -> bool:
        return self.kind in LEAF_KINDS

    def label(self, lang: str = "zh-CN", capital: bool = False) -> str:
        text = self.en if vocab.lang_key(lang) == "en" else self.zh
        return vocab.cap(text) if capital else text

    def help(self, lang: str = "zh-CN") -> str:
        return self.help_en if vocab.lang_key(lang) == "en" else self.help_zh

    def sheet(self, lang: str = "zh-CN") -> str:
        return self.sheet_en if vocab.lang_key(lang) == "en" else self.sheet_zh

    def child(self, key: str) -> Node | None:
        return next((c for c in self.children if c.key == key), None)

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, in order (a list's columns included)."""
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class Section:
    """A pillar of the completeness view: its key, labels and its top-level nodes."""

    key: str
    zh: str
    en: str
    nodes: tuple[Node, ...]

    def label(self, lang: str = "zh-CN", capital: bool = False) -> str:
        text = self.en if vocab.lang_key(lang) == "en" else self.zh
        return vocab.cap(text) if capital else text

    def items(self) -> list[Node]:
        return [n for top in self.nodes for n in _items(top)]


# --- reading the declarations ---------------------------------------------------------------------------

def _words(raw: dict[str, Any], where: str) -> tuple[str, str]:
    if "term" in raw:
        name, _, key = str(raw["term"]).partition(".")
        t = vocab.term(name, key)
        return t.zh, t.en
    zh, en = raw.get("zh"), raw.get("en")
    if not (isinstance(zh, str) and zh and isinstance(en, str) and en):
        raise ValueError(f"disclosure_items.yaml {where}: zh and en (or term) are required")
    return zh, en


_NODE_KEYS = {"kind", "zh", "en", "term", "help", "fields", "columns", "enum", "optional", "section", "sheet"}


def _node(key: str, raw: dict[str, Any], prefix: str, section: str) -> Node:
    path = f"{prefix}{key}"
    if not isinstance(raw, dict) or set(raw) - _NODE_KEYS:
        raise ValueError(f"disclosure_items.yaml {path}: unknown keys {sorted(set(raw) - _NODE_KEYS)}")
    zh, en = _words(raw, path)
    section = raw.get("section", section)
    help_ = raw.get("help") or {}
    sheet = raw.get("sheet") or {}
    if "fields" in raw:
        kind = "group"
        children = tuple(_node(k, v, path + ".", section) for k, v in raw["fields"].items())
    elif raw.get("kind") == "list":
        kind = "list"
        children = tuple(_node(k, v, path + ".", section) for k, v in raw["columns"].items())
        if any(not c.is_leaf for c in children):
            raise ValueError(f"disclosure_items.yaml {path}: a list's columns are leaves")
    else:
        kind = raw.get("kind", "")
        children = ()
        if kind not in LEAF_KINDS:
            raise ValueError(f"disclosure_items.yaml {path}: kind {kind!r}")
        if kind == "enum":
            vocab.enumeration(raw.get("enum", ""))   # KeyError for an enumeration the vocabulary lacks
    return Node(key, path, kind, zh, en, str(help_.get("zh", "")), str(help_.get("en", "")),
                str(raw.get("enum", "")), bool(raw.get("optional")), section,
                str(sheet.get("zh", "")), str(sheet.get("en", "")), children)


@dataclass(frozen=True)
class Tree:
    roots: tuple[Node, ...]
    sections: tuple[Section, ...]


@cache
def tree() -> Tree:
    """The declarations, read once (a bad file is a programming error)."""
    text = resources.files(__package__).joinpath("disclosure_items.yaml").read_text(encoding="utf-8")
    data = yamlfile.load_package(text)
    roots = tuple(_node(k, v, "", "") for k, v in data["items"].items())
    sections = []
    for key, words in data["sections"].items():
        nodes = tuple(r for r in roots if r.section == key)
        sections.append(Section(key, words["zh"], words["en"], nodes))
    orphans = [r.path for r in roots if r.section not in data["sections"]]
    if orphans:
        raise ValueError(f"disclosure_items.yaml: no section for {orphans}")
    return Tree(roots, tuple(sections))


def roots() -> tuple[Node, ...]:
    """The top-level nodes: the keys of disclosures.yaml, in the report's order."""
    return tree().roots


def sections() -> tuple[Section, ...]:
    return tree().sections


def section(key: str) -> Section:
    return next(s for s in sections() if s.key == key)


def node(path: str) -> Node | None:
    """The node at a dotted path; a list row's number is skipped ("targets.2.gases" is the column)."""
    cur: Node | None = None
    level: tuple[Node, ...] = roots()
    for part in path.split("."):
        if cur is not None and cur.is_list and part.isdigit():
            continue
        cur = next((n for n in level if n.key == part), None)
        if cur is None:
            return None
        level = cur.children
    return cur


def _items(n: Node) -> Iterator[Node]:
    if n.optional:
        return
    if n.is_group:
        for c in n.children:
            yield from _items(c)
    else:
        yield n


def items() -> list[Node]:
    """Every item (a non-optional leaf outside a list, or a non-optional list), in the report's order."""
    return [n for r in roots() for n in _items(r)]


def section_of(path: str) -> Section | None:
    top = node(path.split(".")[0])
    return next((s for s in sections() if top is not None and s.key == top.section), None)


def label(path: str, lang: str = "zh-CN") -> str:
    """The human label of a dotted path: the labels of its nodes from the top, a list row as
    "第 2 项" / "item 2" (the first capitalised in English)."""
    en = vocab.lang_key(lang) == "en"
    parts: list[str] = []
    cur: Node | None = None
    level: tuple[Node, ...] = roots()
    for part in path.split("."):
        if cur is not None and cur.is_list and part.isdigit():
            parts.append(f"item {part}" if en else f"第 {part} 项")
            continue
        nxt = next((n for n in level if n.key == part), None)
        if nxt is None:
            parts.append(part)
            level = ()
            cur = None
            continue
        cur = nxt
        parts.append(cur.label(lang))
        level = cur.children
    if parts and en:
        parts[0] = vocab.cap(parts[0])
    return SEP.join(parts)


def bilingual_label(path: str) -> str:
    """ "中文 / English" label of a path (a message parameter printed in its language)."""
    return f"{label(path, 'zh-CN')} / {label(path, 'en')}"


def state_label(state: str, lang: str = "zh-CN") -> str:
    return vocab.label("disclosure_state", state, lang)


__all__ = [
    "DECLARED", "LEAF_KINDS", "SEP", "STATES", "Node", "Section", "bilingual_label", "items", "label", "node",
    "roots", "section", "section_of", "sections", "state_label", "tree",
]
