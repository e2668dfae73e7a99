"""Build the CJK font the charts ship with (disclosure/export/word/fonts/): Noto Sans CJK SC Regular
(SIL Open Font License 1.1) subset with fontTools to the characters a chart can print, and renamed
"Disclosure Sans SC" (a Modified Version under the OFL; the family name keeps clear of the system's
own Noto, so the charts can ask for this one by name).

    python tools/subset_font.py NotoSansCJK-Regular.ttc   # the .ttc or NotoSansCJKsc-Regular.otf

The characters: all of GB2312 (its 6,763 hanzi of levels 1 and 2, its punctuation and symbols),
ASCII and Latin-1, general punctuation, sub- and superscript digits (tCO₂e), CJK punctuation and
full-width forms, and every character of the vocabulary and the report's text (in case one lies
outside GB2312). A facility or entity name with a rarer character falls back to the next family.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "disclosure" / "export" / "word" / "fonts" / "DisclosureSansSC-Regular.otf"
FAMILY = "Disclosure Sans SC"
SOURCES = [ROOT / "disclosure" / "core" / "vocabulary.yaml", ROOT / "disclosure" / "export" / "word" / "text.yaml"]


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # the unassigned codes
                chars.add(bytes((hi, lo)).decode("gb2312"))
    return chars


def characters() -> set[str]:
    chars = gb2312()
    for lo, hi in ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2070, 0x209F), (0x3000, 0x303F),
                   (0xFF00, 0xFFEF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF)):
        chars.update(chr(c) for c in range(lo, hi + 1))
    for p in SOURCES:
        chars.update(p.read_text(encoding="utf-8"))
    return {c for c in chars if c.isprintable() or c == " "}


def load(path: Path) -> TTFont:
    if path.suffix.lower() == ".ttc":
        fonts = TTCollection(str(path)).fonts
        return next(f for f in fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    return TTFont(str(path))


def main(source: str) -> None:
    font = load(Path(source))
    opts = subset.Options()
    opts.layout_features = ["kern", "palt"]  # no vertical or locale alternates: horizontal SC only
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in characters()])
    sub.subset(font)
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 4, 16):
            rec.string = FAMILY
        elif rec.nameID == 6:
            rec.string = FAMILY.replace(" ", "") + "-Regular"
        elif rec.nameID == 3:
            rec.string = f"{FAMILY.replace(' ', '')}-Regular;{name.getDebugName(5)}"
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
        top = cff.topDictIndex[0]
        for key in ("FullName", "FamilyName"):
            if hasattr(top, key):
                setattr(top, key, FAMILY)
    font["head"].modified = font["head"].created  # deterministic bytes: no build time
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])
