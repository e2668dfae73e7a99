"""Currency (issue 12, item 5): the spend meets its factor in the factor's currency.

Rates are the user's (``options.currency_rates``: the presentation currency per unit of a currency),
never constants; every figure below is computed by hand from the rates and factors written in the
test. The factor values are illustrative, not published factors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_compute import category, line, run

from disclosure.core.issues import Severity

SPEND_USD = """
    record_id,facility_id,source,scope3_category,activity,quantity,unit,method
    S1,F1,scope3,1,咨询服务,"10,000",USD,spend_based
"""
USD_FACTOR = """
    factor_id,activity,unit,gas,value,value_unit,source,year
    U-USD,咨询服务,USD,CO2e,0.73,kgCO2e/USD,illustrative factor per US dollar,2020
"""
CNY_FACTOR = """
    factor_id,activity,unit,gas,value,value_unit,source,year
    U-CNY,咨询服务,万元,CO2e,0.5,tCO2e/万元,illustrative factor per 10^4 yuan,2020
"""


def test_a_usd_row_factor_on_usd_spend_in_a_cny_report(tmp_path: Path) -> None:
    """The issue's case: CNY report, USD: 7.0, 10,000 USD × 0.73 kgCO2e/USD = 7.3 tCO2e (it used
    to be converted to CNY first and then dropped as a unit mismatch, the category at 0)."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,ef_value,ef_unit,gas
        S1,F1,scope3,1,咨询服务,"10,000",USD,0.73,kgCO2e/USD,CO2e
    """, report={"options": {"currency_rates": {"USD": 7.0}}})
    s1 = line(comp, "S1")
    assert (s1["status"], s1["co2e"]) == ("included", pytest.approx(7.3))
    assert (s1["converted_quantity"], s1["converted_unit"]) == (pytest.approx(10_000), "USD")
    assert pd.isna(s1["fx_rate"])              # no rate was applied: the factor is per USD
    assert category(comp, 1) == pytest.approx(7.3)


def test_a_usd_user_factor_on_usd_spend_needs_no_rate(tmp_path: Path) -> None:
    comp = run(tmp_path, SPEND_USD, factors=USD_FACTOR)
    s1 = line(comp, "S1")
    assert (s1["status"], s1["factor_id"], s1["co2e"]) == ("included", "U-USD", pytest.approx(7.3))
    assert not [i for i in comp.issues if i.code == "currency-rate-missing"]


def test_a_cny_factor_on_usd_spend_takes_the_rate(tmp_path: Path) -> None:
    """10,000 USD × 7.0 CNY/USD = 70,000 CNY = 7 万元; × 0.5 tCO2e/万元 = 3.5 tCO2e."""
    comp = run(tmp_path, SPEND_USD, factors=CNY_FACTOR, report={"options": {"currency_rates": {"USD": 7.0}}})
    s1 = line(comp, "S1")
    assert s1["fx_rate"] == 7.0
    assert (s1["converted_quantity"], s1["converted_unit"]) == (pytest.approx(70_000), "CNY")
    assert s1["co2e"] == pytest.approx(3.5)


def test_a_usd_factor_on_cny_spend_takes_the_inverse_rate(tmp_path: Path) -> None:
    """70,000 元 ÷ 7.0 CNY/USD = 10,000 USD; × 0.73 kgCO2e/USD = 7.3 tCO2e."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,method
        S1,F1,scope3,1,咨询服务,7,万元,spend_based
    """, factors=USD_FACTOR, report={"options": {"currency_rates": {"USD": 7.0}}})
    s1 = line(comp, "S1")
    assert s1["fx_rate"] == pytest.approx(1 / 7.0)
    assert (s1["converted_quantity"], s1["converted_unit"]) == (pytest.approx(10_000), "USD")
    assert s1["co2e"] == pytest.approx(7.3)


def test_a_factor_in_the_spends_own_currency_comes_first(tmp_path: Path) -> None:
    """Two factors for the activity, per USD and per 万元: USD spend takes the USD one (no rate)."""
    both = USD_FACTOR + CNY_FACTOR.strip().splitlines()[-1] + "\n"
    comp = run(tmp_path, SPEND_USD, factors=both, report={"options": {"currency_rates": {"USD": 7.0}}})
    assert line(comp, "S1")["factor_id"] == "U-USD"


def test_two_foreign_currencies_through_the_presentation_currency(tmp_path: Path) -> None:
    """HKD spend, USD factor, CNY report: HKD 0.91 and USD 7.1 CNY per unit give 0.91 / 7.1 USD per
    HKD; 100,000 HKD → 12,816.90 USD × 0.73 kg = 9.3563 tCO2e."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,method
        S1,F1,scope3,1,咨询服务,"100,000",HKD,spend_based
    """, factors=USD_FACTOR, report={"options": {"currency_rates": {"USD": 7.1, "HKD": 0.91}}})
    s1 = line(comp, "S1")
    assert s1["fx_rate"] == pytest.approx(0.91 / 7.1)
    assert s1["converted_quantity"] == pytest.approx(100_000 * 0.91 / 7.1)
    assert s1["co2e"] == pytest.approx(100_000 * 0.91 / 7.1 * 0.73 / 1000)
    assert round(s1["co2e"], 4) == 9.3563


def test_deflated_to_the_factors_price_year_after_the_conversion(tmp_path: Path) -> None:
    """CNY spend of 2025 → USD at 7.0 → 2020 prices (the factor's year) with the index given:
    70,000 元 / 7.0 = 10,000 USD × 100/120 = 8,333.33 USD × 0.73 kg = 6.0833 tCO2e."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,method
        S1,F1,scope3,1,咨询服务,"70,000",元,spend_based
    """, factors=USD_FACTOR, report={"options": {"currency_rates": {"USD": 7.0},
                                                 "price_index": {2020: 100, 2025: 120}}})
    s1 = line(comp, "S1")
    assert (s1["fx_rate"], s1["deflator"]) == (pytest.approx(1 / 7.0), pytest.approx(100 / 120))
    assert (s1["converted_quantity"], s1["converted_unit"]) == (pytest.approx(10_000 * 100 / 120), "USD")
    assert s1["co2e"] == pytest.approx(10_000 * 100 / 120 * 0.73 / 1000)
    assert round(s1["co2e"], 4) == 6.0833


@pytest.mark.parametrize(("spend", "factors", "rates", "missing"), [
    (SPEND_USD, CNY_FACTOR, {}, "USD"),                             # CNY factor, USD spend, no USD rate
    (SPEND_USD.replace(",USD,", ",EUR,"), USD_FACTOR, {"USD": 7.0}, "EUR"),   # the spend's rate missing
    (SPEND_USD.replace(",USD,", ",万元,").replace('"10,000"', "1"), USD_FACTOR, {}, "USD"),  # the factor's
])
def test_a_missing_rate_names_the_currency(tmp_path: Path, spend: str, factors: str, rates: dict,
                                           missing: str) -> None:
    comp = run(tmp_path, spend, factors=factors, report={"options": {"currency_rates": rates}})
    s1 = line(comp, "S1")
    assert (s1["status"], s1["reason"], s1["co2e"]) == ("excluded", "currency-rate-missing", 0.0)
    found = [i for i in comp.issues if i.code == "currency-rate-missing"]
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    p = dict(found[0].params)
    assert (p["currency"], p["target"], found[0].location.row, found[0].location.column) == (missing, "CNY", 2, "unit")
    assert f"options: {{currency_rates: {{{missing}: …}}}}" in found[0].message("en")


def test_spend_without_any_factor_is_no_factor_not_a_rate(tmp_path: Path) -> None:
    comp = run(tmp_path, SPEND_USD)
    s1 = line(comp, "S1")
    assert (s1["status"], s1["reason"]) == ("excluded", "no-factor")


def test_spend_in_the_presentation_currency_is_as_before(tmp_path: Path) -> None:
    """万元 spend on a 万元 factor: converted to 元 (CNY), no rate: 3 万元 × 0.5 = 1.5 tCO2e."""
    comp = run(tmp_path, """
        record_id,facility_id,source,scope3_category,activity,quantity,unit,method
        S1,F1,scope3,1,咨询服务,3,万元,spend_based
    """, factors=CNY_FACTOR)
    s1 = line(comp, "S1")
    assert (s1["converted_quantity"], s1["converted_unit"], s1["co2e"]) == (30_000, "CNY", pytest.approx(1.5))
    assert pd.isna(s1["fx_rate"]) and pd.isna(s1["deflator"])
