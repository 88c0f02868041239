"""Units made explicit. Weights are kilograms; pounds are accepted at input and converted once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

# source: NIST SP 811 (1 lb = 0.45359237 kg exactly, by definition of the international pound)
KG_PER_LB = Decimal("0.45359237")


# What a body weight entry may be before it is taken for a typing error (a guard on input, not
# a clinical limit; every clinical weight rule is the protocol's, with its source).
PLAUSIBLE_WEIGHT_KG = (Decimal(20), Decimal(400))


class WeightUnit(StrEnum):
    KG = "kg"
    LB = "lb"


@dataclass(frozen=True)
class Weight:
    """A body weight. Only ever constructed through `weight_in_kg`, so `kg` is always kilograms."""

    kg: Decimal

    def __str__(self) -> str:
        return f"{self.kg} kg"


def weight_in_kg(value: Decimal, unit: WeightUnit) -> Weight:
    """Convert an entered weight to kilograms, rounded to 0.1 kg. Refuses non-positive values."""
    if value <= 0:
        raise ValueError("A weight must be greater than zero.")
    kg = value * KG_PER_LB if unit is WeightUnit.LB else value
    return Weight(kg=kg.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
