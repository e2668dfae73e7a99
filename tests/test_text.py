"""The one bilingual-text splitter (disclosure.core.text)."""

from __future__ import annotations

import random

from disclosure.core.text import has_cjk, pick, split, split_bilingual


def test_a_reason_in_both_languages_splits_at_the_separator() -> None:
    r = "无上游租赁资产 / no upstream leased assets"
    assert split(r) == ("无上游租赁资产", "no upstream leased assets")
    assert split_bilingual(r) == [("zh-CN", "无上游租赁资产"), ("en", "no upstream leased assets")]
    assert pick(r, "zh-CN") == "无上游租赁资产"
    assert pick(r, "en") == "no upstream leased assets"


def test_either_part_may_hold_the_separator_itself() -> None:
    # the first " / " with Chinese before it and none after it splits
    assert split("甲 / 乙 / gas A and B") == ("甲 / 乙", "gas A and B")
    assert split("按吨 / 公里计 / per tonne / km") == ("按吨 / 公里计", "per tonne / km")


def test_a_text_in_one_language_is_one_text() -> None:
    for t in ("no data / none", "只有中文 / 还是中文", "plain", "中文", "English / 中文"):
        assert split(t) is None
        assert pick(t, "en") == t and pick(t, "zh-CN") == t
    assert split_bilingual("only English") == [("en", "only English")]
    assert split_bilingual(" 只有中文 ") == [("zh-CN", "只有中文")]
    assert pick(None, "en") is None and pick("", "zh-CN") == ""


def test_split_gives_back_what_was_joined() -> None:
    """Hostile texts (separators, slashes, blanks, mixed scripts) joined as "zh / en" split back."""
    rng = random.Random(11)
    alphabet = ["中", "文", "a", "Z", " ", "/", " / ", "-", "、", "（", ")", "\n", "1", "é"]
    for _ in range(2000):
        zh = "中" + "".join(rng.choices(alphabet, k=rng.randrange(0, 8))).strip()
        en = "".join(c for c in rng.choices(alphabet, k=rng.randrange(0, 8)) if c not in "中文、（").strip()
        joined = f"{zh} / {en}"
        parts = split(joined)
        if en:
            assert parts is not None, joined
            assert has_cjk(parts[0]) and not has_cjk(parts[1])
            assert joined.startswith(parts[0]) and joined.endswith(parts[1])
            assert pick(joined, "en") == parts[1] and pick(joined, "zh-CN") == parts[0]
        for lang, text in split_bilingual(joined):
            assert lang in ("zh-CN", "en") and text in joined
