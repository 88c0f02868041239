"""Quantities with their unit in the type: a dose in mg can never be mistaken for one in mcg.

Each quantity wraps a `Decimal` (floats are refused) and only adds or compares with its own
type; every change of unit is an explicit method (`Micrograms.to_milligrams()`), so mixing
milligrams and micrograms is a mypy error and, at run time, a `TypeError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

_MCG_PER_MG = Decimal(1000)
_MINUTES_PER_HOUR = Decimal(60)


def _check(value: object, unit: str) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"A quantity in {unit} takes a Decimal, not {type(value).__name__}.")
    if not value.is_finite() or value < 0:
        raise ValueError(f"A quantity in {unit} must be a finite, non-negative number.")


# Text shows at most three decimals (a quotient such as 110.5 mg / 92 kg would otherwise print
# 28 digits); the arithmetic keeps every digit, and a rounded figure is marked with "≈".
DISPLAY_STEP = Decimal("0.001")


def _plain(value: Decimal) -> str:
    """A Decimal without exponent notation or trailing zeros beyond what it holds."""
    shown = value.quantize(DISPLAY_STEP) if value != value.quantize(DISPLAY_STEP) else value
    text = format(shown.normalize(), "f")
    return text if shown == value else f"≈{text}"


@dataclass(frozen=True, order=True)
class Milligrams:
    mg: Decimal

    def __post_init__(self) -> None:
        _check(self.mg, "mg")

    def __add__(self, other: Milligrams) -> Milligrams:
        if not isinstance(other, Milligrams):
            return NotImplemented
        return Milligrams(self.mg + other.mg)

    def to_micrograms(self) -> Micrograms:
        return Micrograms(self.mg * _MCG_PER_MG)

    def per_kg(self, weight_kg: Decimal) -> MgPerKg:
        return MgPerKg(self.mg / weight_kg)

    def volume_at(self, concentration: MgPerMl) -> Millilitres:
        return Millilitres(self.mg / concentration.mg_per_ml)

    def __str__(self) -> str:
        return f"{_plain(self.mg)} mg"


@dataclass(frozen=True, order=True)
class Micrograms:
    mcg: Decimal

    def __post_init__(self) -> None:
        _check(self.mcg, "mcg")

    def __add__(self, other: Micrograms) -> Micrograms:
        if not isinstance(other, Micrograms):
            return NotImplemented
        return Micrograms(self.mcg + other.mcg)

    def to_milligrams(self) -> Milligrams:
        return Milligrams(self.mcg / _MCG_PER_MG)

    def __str__(self) -> str:
        return f"{_plain(self.mcg)} mcg"


@dataclass(frozen=True, order=True)
class Millilitres:
    ml: Decimal

    def __post_init__(self) -> None:
        _check(self.ml, "mL")

    def amount_at(self, concentration: MgPerMl) -> Milligrams:
        return Milligrams(self.ml * concentration.mg_per_ml)

    def rate_over(self, duration: Minutes) -> MlPerHour:
        return MlPerHour(self.ml * _MINUTES_PER_HOUR / duration.minutes)

    def __str__(self) -> str:
        return f"{_plain(self.ml)} mL"


@dataclass(frozen=True, order=True)
class MgPerMl:
    """A concentration: milligrams of drug in each millilitre."""

    mg_per_ml: Decimal

    def __post_init__(self) -> None:
        _check(self.mg_per_ml, "mg/mL")
        if self.mg_per_ml == 0:
            raise ValueError("A concentration must be greater than zero.")

    def __str__(self) -> str:
        return f"{_plain(self.mg_per_ml)} mg/mL"


@dataclass(frozen=True, order=True)
class MgPerKg:
    mg_per_kg: Decimal

    def __post_init__(self) -> None:
        _check(self.mg_per_kg, "mg/kg")

    def for_weight(self, weight_kg: Decimal) -> Milligrams:
        return Milligrams(self.mg_per_kg * weight_kg)

    def over(self, duration: Minutes) -> MgPerKgPerHour:
        return MgPerKgPerHour(self.mg_per_kg * _MINUTES_PER_HOUR / duration.minutes)

    def __str__(self) -> str:
        return f"{_plain(self.mg_per_kg)} mg/kg"


@dataclass(frozen=True, order=True)
class MgPerKgPerHour:
    mg_per_kg_per_h: Decimal

    def __post_init__(self) -> None:
        _check(self.mg_per_kg_per_h, "mg/kg/h")

    def for_weight_over(self, weight_kg: Decimal, duration: Minutes) -> Milligrams:
        return Milligrams(self.mg_per_kg_per_h * weight_kg * duration.minutes / _MINUTES_PER_HOUR)

    def __str__(self) -> str:
        return f"{_plain(self.mg_per_kg_per_h)} mg/kg/h"


@dataclass(frozen=True, order=True)
class MlPerHour:
    ml_per_h: Decimal

    def __post_init__(self) -> None:
        _check(self.ml_per_h, "mL/h")

    def volume_over(self, duration: Minutes) -> Millilitres:
        return Millilitres(self.ml_per_h * duration.minutes / _MINUTES_PER_HOUR)

    def __str__(self) -> str:
        return f"{_plain(self.ml_per_h)} mL/h"


@dataclass(frozen=True, order=True)
class Minutes:
    minutes: Decimal

    def __post_init__(self) -> None:
        _check(self.minutes, "min")

    @property
    def hours(self) -> Decimal:
        return self.minutes / _MINUTES_PER_HOUR

    def __str__(self) -> str:
        return f"{_plain(self.minutes)} min"


@dataclass(frozen=True, order=True)
class PercentStrength:
    """A cream's strength as % w/w (1 % = 10 mg of drug per gram of cream)."""

    percent: Decimal

    def __post_init__(self) -> None:
        _check(self.percent, "%")
        if self.percent > 100:
            raise ValueError("A strength cannot exceed 100 %.")

    def __str__(self) -> str:
        return f"{_plain(self.percent)} %"


# A prescribed dose, in whichever of the three shapes a protocol uses.
Dose = MgPerKg | MgPerKgPerHour | Milligrams
