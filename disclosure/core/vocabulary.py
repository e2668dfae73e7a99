"""The one vocabulary: every enumeration the tool uses, each value once with its words.

The data is ``vocabulary.yaml`` beside this module (what an entry holds is described at its top).
It is read once, checked, and held as frozen records:

>>> from disclosure.core import vocabulary as vocab
>>> vocab.label("consolidation", "operational_control", "zh-CN")
'运营控制权法'
>>> vocab.label("consolidation", "operational_control", "en")
'operational control approach'
>>> vocab.member("source", "process")
'csdsx:IndustrialProcessesMember'
>>> vocab.TOTALS[:2]
('scope1', 'scope2_location')

The loader's accepted spellings (:meth:`Enumeration.spellings`), the template's drop-downs, every
exporter and the messages read their words from here, so a concept has one label per language
(and, where a sentence or a row needs the full name, one long label). A key the vocabulary does
not know is printed as it is (``label`` never fails on data).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from types import MappingProxyType
from typing import Any

from . import yamlfile

Key = str | int | bool
LANGS = ("zh-CN", "en")
_TERM_FIELDS = {"zh", "en", "long", "xbrl", "aliases", "retired"}


def lang_key(lang: str | None) -> str:
    """``zh`` or ``en``: the language a label is looked up in (zh-CN unless ``lang`` is English)."""
    return "en" if str(lang or "").lower().startswith("en") else "zh"


def cap(text: str) -> str:
    """A label as it starts a cell or a heading: its first letter upper case ("Scope 1", "GEC" stay)."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def spelling(text: Any) -> str:
    """The form an input spelling is compared in: NFKC, stripped, lower case, blanks and hyphens
    as underscores ("Purchased Electricity", "purchased-electricity" → "purchased_electricity")."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return "_".join(t.replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class Term:
    """One value of an enumeration and its words."""

    enumeration: str
    key: Key
    zh: str
    en: str
    zh_long: str
    en_long: str
    xbrl: str | None = None
    aliases: tuple[str, ...] = ()
    retired: tuple[tuple[str, str], ...] = ()     # (zh | en, a former name of this concept)
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def label(self, lang: str = "zh-CN", long: bool = False, capital: bool = False) -> str:
        k = lang_key(lang)
        text = (self.zh_long if long else self.zh) if k == "zh" else (self.en_long if long else self.en)
        return cap(text) if capital else text

    def pair(self, long: bool = False, capital: bool = True) -> tuple[str, str]:
        """(zh-CN, English): for the bilingual outputs (the Inline XBRL page, the workpapers)."""
        return self.label("zh-CN", long), self.label("en", long, capital)

    def labels(self, lang: str) -> tuple[str, ...]:
        """The label and the long label in ``lang`` (one entry if they are the same)."""
        short, full = self.label(lang), self.label(lang, long=True)
        return (short,) if short == full else (short, full)

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every input spelling of this value: the key, its labels, its aliases."""
        return (str(self.key), self.zh, self.en, self.zh_long, self.en_long, *self.aliases)

    def get(self, name: str, default: Any = None) -> Any:
        """A datum of the entry beyond its words (``scope`` of a source, ``takes`` of a setting …)."""
        return self.data.get(name, default)


@dataclass(frozen=True)
class Enumeration:
    name: str
    doc: str
    terms: tuple[Term, ...]

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: Key) -> Term:
        t = self.get(key)
        if t is None:
            raise KeyError(f"{self.name}: no value {key!r}")
        return t

    def get(self, key: object) -> Term | None:
        try:
            return self._index.get(key)  # type: ignore[arg-type]
        except TypeError:  # an unhashable value (a list from a bad file) is no key
            return None

    def keys(self) -> tuple[Key, ...]:
        return tuple(t.key for t in self.terms)

    def spellings(self) -> dict[str, Key]:
        """Every accepted input spelling (normalised by :func:`spelling`) → the key it means."""
        return dict(self._spellings)

    @cached_property
    def _index(self) -> dict[Key, Term]:
        return {t.key: t for t in self.terms}

    @cached_property
    def _spellings(self) -> tuple[tuple[str, Key], ...]:
        out: dict[str, Key] = {}
        for t in self.terms:
            for s in t.spellings:
                k = spelling(s)
                if k in out and out[k] != t.key:
                    raise ValueError(f"vocabulary.yaml {self.name}: {s!r} spells both {out[k]!r} and {t.key!r}")
                out[k] = t.key
        return tuple(out.items())


@dataclass(frozen=True)
class Vocabulary:
    enumerations: Mapping[str, Enumeration]

    def __getitem__(self, name: str) -> Enumeration:
        return self.enumerations[name]

    def __iter__(self) -> Iterator[Enumeration]:
        return iter(self.enumerations.values())

    def terms(self) -> Iterator[Term]:
        """Every term once (an enumeration that includes another shares its terms)."""
        seen: set[int] = set()
        for e in self:
            for t in e:
                if id(t) not in seen:
                    seen.add(id(t))
                    yield t

    def by_xbrl(self, qname: str) -> Term | None:
        return self._by_xbrl.get(qname)

    @cached_property
    def _by_xbrl(self) -> dict[str, Term]:
        return {t.xbrl: t for t in self.terms() if t.xbrl}


# --- reading the data --------------------------------------------------------------------------------

def _words(v: Any, where: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError(f"vocabulary.yaml {where}: a label must be a non-empty string")
    return v


def _term(name: str, key: Key, raw: Any) -> Term:
    where = f"{name}.{key}"
    if not isinstance(raw, dict):
        raise ValueError(f"vocabulary.yaml {where}: expected a mapping")
    zh, en = _words(raw.get("zh"), where), _words(raw.get("en"), where)
    long = raw.get("long") or {}
    retired = raw.get("retired") or {}
    if set(retired) - {"zh", "en"} or set(long) - {"zh", "en"}:
        raise ValueError(f"vocabulary.yaml {where}: long and retired take zh and en")
    return Term(
        enumeration=name, key=key, zh=zh, en=en,
        zh_long=_words(long.get("zh", zh), where), en_long=_words(long.get("en", en), where),
        xbrl=raw.get("xbrl"), aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        retired=tuple((k, _words(s, where)) for k in ("zh", "en") for s in retired.get(k) or ()),
        data=MappingProxyType({k: v for k, v in raw.items() if k not in _TERM_FIELDS}),
    )


def _check(v: Vocabulary) -> None:
    xbrl: dict[str, str] = {}
    for e in v:
        for lang in LANGS:
            seen: dict[str, Key] = {}
            for t in e:
                for text in t.labels(lang):
                    k = text.lower()
                    if k in seen and seen[k] != t.key:
                        raise ValueError(f"vocabulary.yaml {e.name}: {seen[k]!r} and {t.key!r} share the label {text!r}")
                    seen[k] = t.key
        e.spellings()  # raises on a spelling that means two values
    for t in v.terms():
        if t.xbrl:
            if t.xbrl in xbrl:
                raise ValueError(f"vocabulary.yaml: {t.xbrl} is the member of {xbrl[t.xbrl]} and {t.enumeration}.{t.key}")
            xbrl[t.xbrl] = f"{t.enumeration}.{t.key}"


def load(text: str) -> Vocabulary:
    """The vocabulary from the text of a vocabulary file, checked (a bad file is a programming error)."""
    data = yamlfile.load_package(text)
    enums: dict[str, Enumeration] = {}
    for name, raw in data.items():
        terms: list[Term] = []
        if raw.get("include"):
            terms += enums[raw["include"]].terms   # an enumeration included must come first
        terms += [_term(name, key, t) for key, t in (raw.get("values") or {}).items()]
        if not terms:
            raise ValueError(f"vocabulary.yaml {name}: no values")
        enums[name] = Enumeration(name, str(raw.get("doc") or ""), tuple(terms))
    v = Vocabulary(MappingProxyType(enums))
    _check(v)
    return v


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary of the package (read once)."""
    return load(resources.files(__package__).joinpath("vocabulary.yaml").read_text(encoding="utf-8"))


# --- the small API the readers use -------------------------------------------------------------------

def enumeration(name: str) -> Enumeration:
    return vocabulary()[name]


def term(name: str, key: Key) -> Term:
    """The term of ``key`` (KeyError if the enumeration has no such value)."""
    return vocabulary()[name][key]


def values(name: str) -> tuple[Key, ...]:
    """The keys of an enumeration, in the order of the vocabulary."""
    return vocabulary()[name].keys()


def label(name: str, key: Any, lang: str = "zh-CN", long: bool = False, capital: bool = False) -> str:
    """The label of a value in ``lang``; a value the enumeration does not know is printed as it is."""
    t = vocabulary()[name].get(key)
    if t is None:
        return "" if key is None else str(key)
    return t.label(lang, long, capital)


def pair(name: str, key: Any, long: bool = False) -> tuple[str, str]:
    """(zh-CN label, English label with a capital): for outputs that print both languages."""
    t = vocabulary()[name].get(key)
    return t.pair(long) if t is not None else (str(key), str(key))


def member(name: str, key: Any) -> str | None:
    """The XBRL member (or concept) of a value, or None."""
    t = vocabulary()[name].get(key)
    return t.xbrl if t is not None else None


def members(name: str) -> dict[Key, str]:
    """key → XBRL member of the values that have one, in order."""
    return {t.key: t.xbrl for t in vocabulary()[name] if t.xbrl}


def labels_of(name: str, keys: Any, lang: str = "zh-CN", long: bool = False) -> str:
    """Several values' labels as a list in ``lang`` (、 between Chinese labels, ", " between English)."""
    sep = ", " if lang_key(lang) == "en" else "、"
    return sep.join(label(name, k, lang, long) for k in keys)


def parse(name: str, text: Any) -> Key | None:
    """The key an input spelling means (its key, a label or an alias), or None."""
    if text is None:
        return None
    return vocabulary()[name].spellings().get(spelling(text))


TOTALS: tuple[str, ...] = tuple(str(k) for k in values("total"))
"""The eight totals of results.json, in the order the reports list them."""
