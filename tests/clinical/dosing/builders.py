"""Shared builders for the dosing tests (synthetic values only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ketacare.clinical.dosing import (
    IV_DEPRESSION,
    Concentration,
    MgPerMl,
    Milligrams,
    Protocol,
    RecordedWeight,
    SaltForm,
)
from ketacare.clinical.units import WeightUnit

TODAY = date(2025, 3, 10)
HALF_MG = Milligrams(Decimal("0.5"))


def kg(value: str, on: date = TODAY) -> RecordedWeight:
    return RecordedWeight(Decimal(value), WeightUnit.KG, on)


def lb(value: str, on: date = TODAY) -> RecordedWeight:
    return RecordedWeight(Decimal(value), WeightUnit.LB, on)


def hcl(mg_per_ml: str) -> Concentration:
    return Concentration(MgPerMl(Decimal(mg_per_ml)), SaltForm.HYDROCHLORIDE)


def iv_depression(step: Milligrams = HALF_MG) -> Protocol:
    return IV_DEPRESSION.configure(rounding_step=step)


def d(value: str) -> Decimal:
    return Decimal(value)
