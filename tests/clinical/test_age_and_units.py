from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.age import age_in_years, date_of_birth_problem
from ketacare.clinical.units import WeightUnit, weight_in_kg


def test_age_counts_completed_years():
    assert age_in_years(date(1980, 5, 17), date(2026, 5, 16)) == 45
    assert age_in_years(date(1980, 5, 17), date(2026, 5, 17)) == 46


def test_a_leap_day_birthday_counts_from_the_first_of_march():
    assert age_in_years(date(2004, 2, 29), date(2026, 2, 28)) == 21
    assert age_in_years(date(2004, 2, 29), date(2026, 3, 1)) == 22


def test_a_future_date_of_birth_is_a_problem():
    assert date_of_birth_problem(date(2030, 1, 1), date(2026, 11, 25)) == (
        "The date of birth is in the future."
    )
    assert date_of_birth_problem(date(1890, 1, 1), date(2026, 11, 25)) is not None
    assert date_of_birth_problem(date(1990, 1, 1), date(2026, 11, 25)) is None


@given(st.dates(max_value=date(2026, 11, 25)), st.dates(min_value=date(2026, 11, 25)))
def test_age_is_never_negative_and_never_decreases(born, on):
    assert age_in_years(born, on) >= 0
    assert age_in_years(born, on) <= age_in_years(born, date(9999, 12, 31))


def test_pounds_are_converted_once_to_kilograms():
    assert weight_in_kg(Decimal("154"), WeightUnit.LB).kg == Decimal("69.9")
    assert weight_in_kg(Decimal("70"), WeightUnit.KG).kg == Decimal("70.0")
    assert str(weight_in_kg(Decimal("70"), WeightUnit.KG)) == "70.0 kg"


@pytest.mark.parametrize("value", [Decimal("0"), Decimal("-3")])
def test_a_weight_must_be_positive(value):
    with pytest.raises(ValueError, match="greater than zero"):
        weight_in_kg(value, WeightUnit.KG)


@given(st.decimals(min_value=Decimal("1"), max_value=Decimal("1000"), places=1))
def test_a_pound_is_always_less_than_a_kilogram(value):
    assert weight_in_kg(value, WeightUnit.LB).kg <= weight_in_kg(value, WeightUnit.KG).kg
