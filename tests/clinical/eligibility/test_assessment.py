"""Inputs are checked when built, so a rule never sees an impossible value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.eligibility import BloodPressure, Condition, Route
from tests.clinical.eligibility.builders import clean


@pytest.mark.parametrize("age", [-1, 126, True])
def test_an_implausible_age_is_refused(age: object) -> None:
    with pytest.raises(ValueError):
        clean(age_years=age)


@pytest.mark.parametrize(("systolic", "diastolic"), [(80, 80), (70, 90), (0, -1), (400, 90)])
def test_an_impossible_blood_pressure_is_refused(systolic: int, diastolic: int) -> None:
    with pytest.raises(ValueError):
        BloodPressure(systolic, diastolic)


def test_weight_height_and_bmi_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        clean(weight_kg=Decimal(70), height_cm=Decimal(170), bmi=Decimal(24))


@pytest.mark.parametrize("field", ["weight_kg", "height_cm", "bmi"])
def test_a_zero_body_measure_is_refused(field: str) -> None:
    with pytest.raises(ValueError):
        clean(**{field: Decimal(0)})


def test_stored_codes_convert_and_an_unknown_code_is_refused() -> None:
    assessment = clean(conditions=frozenset({"arteriovenous_malformation"}))
    assert assessment.conditions == {Condition.ARTERIOVENOUS_MALFORMATION}
    with pytest.raises(ValueError):
        clean(conditions=frozenset({"dragon_pox"}))


def test_routes_use_the_app_ids() -> None:
    assert [route.value for route in Route] == [
        "iv",
        "im_sc",
        "esketamine",
        "intranasal_compounded",
        "sublingual_oral",
        "topical",
    ]
    assert [route for route in Route if not route.is_racemic] == [Route.ESKETAMINE]


def test_bmi_is_exact_until_shown() -> None:
    assert clean(weight_kg=Decimal(81), height_cm=Decimal(180)).body_mass_index == Decimal(25)
    assert clean().body_mass_index is None
