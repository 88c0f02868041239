"""Units in the types: mcg vs mg cannot be mixed, conversions are explicit, lb -> kg once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.dosing import (
    MgPerKg,
    MgPerKgPerHour,
    MgPerMl,
    Micrograms,
    Milligrams,
    Millilitres,
    Minutes,
    MlPerHour,
    PercentStrength,
)
from ketacare.clinical.units import Weight, WeightUnit, weight_in_kg


def test_milligrams_and_micrograms_do_not_add() -> None:
    with pytest.raises(TypeError):
        _ = Milligrams(Decimal(1)) + Micrograms(Decimal(1))  # type: ignore[operator]


def test_milligrams_and_micrograms_do_not_compare() -> None:
    with pytest.raises(TypeError):
        _ = Milligrams(Decimal(1)) < Micrograms(Decimal(1))  # type: ignore[operator]
    assert Milligrams(Decimal(1)) != Micrograms(Decimal(1000))  # type: ignore[comparison-overlap]


def test_conversion_between_mcg_and_mg_is_explicit_and_exact() -> None:
    # 500 mcg ÷ 1000 mcg/mg = 0.5 mg; 0.5 mg × 1000 = 500 mcg.
    assert Micrograms(Decimal(500)).to_milligrams() == Milligrams(Decimal("0.5"))
    assert Milligrams(Decimal("0.5")).to_micrograms() == Micrograms(Decimal(500))


@pytest.mark.parametrize(
    "kind", [Milligrams, Micrograms, Millilitres, MgPerKg, MgPerKgPerHour, MlPerHour, Minutes]
)
def test_a_float_is_refused(kind: type) -> None:
    with pytest.raises(TypeError):
        kind(0.1)


@pytest.mark.parametrize("kind", [Milligrams, Millilitres, MgPerKg, Minutes])
def test_a_negative_quantity_is_refused(kind: type) -> None:
    with pytest.raises(ValueError):
        kind(Decimal("-1"))


def test_a_zero_concentration_is_refused() -> None:
    with pytest.raises(ValueError):
        MgPerMl(Decimal(0))


def test_a_strength_above_100_percent_is_refused() -> None:
    with pytest.raises(ValueError):
        PercentStrength(Decimal("100.1"))


def test_units_are_printed_with_the_number() -> None:
    assert str(Milligrams(Decimal("40.0"))) == "40 mg"
    assert str(MlPerHour(Decimal(150))) == "150 mL/h"
    assert str(MgPerKg(Decimal("0.50"))) == "0.5 mg/kg"
    assert str(Micrograms(Decimal(250))) == "250 mcg"


def test_176_lb_is_79_8_kg() -> None:
    # 176 lb × 0.45359237 kg/lb = 79.83225712 kg -> 79.8 kg (0.1 kg, half up).
    assert weight_in_kg(Decimal(176), WeightUnit.LB) == Weight(Decimal("79.8"))


def test_rate_and_volume_round_trip_exactly_for_40_minutes() -> None:
    # 100 mL over 40 min = 100 × 60 ÷ 40 = 150 mL/h; 150 mL/h × 40 min ÷ 60 = 100 mL.
    rate = Millilitres(Decimal(100)).rate_over(Minutes(Decimal(40)))
    assert rate == MlPerHour(Decimal(150))
    assert rate.volume_over(Minutes(Decimal(40))) == Millilitres(Decimal(100))


def test_text_shows_three_decimals_and_marks_a_rounded_figure():
    from decimal import Decimal

    from ketacare.clinical.dosing.quantities import MgPerKg

    assert str(MgPerKg(Decimal("110.5") / Decimal("92"))) == "≈1.201 mg/kg"
    assert str(MgPerKg(Decimal("0.5"))) == "0.5 mg/kg"
