"""The one vocabulary (disclosure/core/vocabulary.yaml): its API, its checks, and that every reader
spells each concept with the vocabulary's label, one per language."""

from __future__ import annotations

import pytest

from disclosure.core import vocabulary as vocab
from disclosure.core.vocabulary import cap, load, spelling


def test_the_api_reads_one_entry_per_value() -> None:
    assert vocab.label("consolidation", "operational_control") == "运营控制权法"
    assert vocab.label("consolidation", "operational_control", "en") == "operational control approach"
    assert vocab.label("consolidation", "operational_control", "en", capital=True) == "Operational control approach"
    assert vocab.member("source", "process") == "csdsx:IndustrialProcessesMember"
    assert vocab.member("source", "scope3") is None
    assert vocab.label("instrument_type", "gec") == "绿证"
    assert vocab.label("instrument_type", "gec", long=True) == "可再生能源绿色电力证书"
    assert vocab.values("scope3_category") == tuple(range(1, 16))
    assert vocab.TOTALS == ("scope1", "scope2_location", "scope2_market", "scope3", "scope1_2_location",
                            "scope1_2_market", "scope1_2_3_location", "scope1_2_3_market")
    assert vocab.labels_of("unit_dimension", ["mass", "energy"], "zh-CN") == "质量、能量"
    assert vocab.labels_of("unit_dimension", ["mass", "energy"], "en") == "mass, energy"
    # a value the vocabulary does not know is printed as it is, never an error
    assert vocab.label("source", "volcano", "en") == "volcano"
    assert vocab.label("source", None) == ""
    assert vocab.term("total", "scope1").get("scopes") == [1]
    # an enumeration that includes another shares its terms
    assert vocab.term("target_metric", "scope1") is vocab.term("total", "scope1")


def test_every_label_and_alias_is_an_accepted_spelling() -> None:
    for text in ("purchased_electricity", "Purchased Electricity", "purchased-electricity", "外购电力",
                 " ＰＵＲＣＨＡＳＥＤ electricity "):
        assert vocab.parse("source", text) == "purchased_electricity", text
    assert vocab.parse("instrument_type", "绿色电力证书") == "gec"            # an alias
    assert vocab.parse("instrument_type", "可再生能源绿色电力证书") == "gec"  # the long label
    assert vocab.parse("data_quality", "一手") == "primary"
    assert vocab.parse("boolean", "否") is False and vocab.parse("boolean", "TRUE") is True
    assert vocab.parse("source", "电") is None and vocab.parse("source", None) is None
    assert spelling("Fuel-based  method") == "fuel_based_method"


def test_english_labels_read_inside_a_sentence() -> None:
    """Labels are stored as they read mid-sentence; a reader capitalises where a cell starts."""
    for t in vocab.vocabulary().terms():
        first = t.en.split()[0]
        assert t.en[0].islower() or first.isupper() or first in ("Scope", "IPCC", "China", "CH₄") or \
            any(c.isdigit() for c in first), (t.enumeration, t.key, t.en)
    assert cap("scope1") == "Scope1" and cap("GEC") == "GEC" and cap("") == ""


def test_a_bad_vocabulary_file_is_refused() -> None:
    with pytest.raises(ValueError, match="share the label"):
        load("e: {values: {a: {zh: 甲, en: x}, b: {zh: 甲, en: y}}}")
    with pytest.raises(ValueError, match="spells both"):
        load("e: {values: {a: {zh: 甲, en: x, aliases: [b]}, b: {zh: 乙, en: y}}}")
    with pytest.raises(ValueError, match="non-empty"):
        load("e: {values: {a: {zh: '', en: x}}}")
    with pytest.raises(ValueError, match="is the member of"):
        load("e: {values: {a: {zh: 甲, en: x, xbrl: 'p:M'}}}\nf: {values: {b: {zh: 乙, en: y, xbrl: 'p:M'}}}")
    with pytest.raises(ValueError, match="no values"):
        load("e: {doc: nothing}")
