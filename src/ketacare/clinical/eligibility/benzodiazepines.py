"""Benzodiazepine doses converted to diazepam equivalents.

reference.md has no equivalence table, so the one used here is the Ashton Manual's, cited below.
The values are the Manual's *approximate* oral doses equivalent to diazepam 10 mg; conversions
between benzodiazepines are rough and individual responses vary.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

DIAZEPAM_REFERENCE_MG = Decimal("10")

# source: Ashton, Benzodiazepines: How They Work and How to Withdraw (the Ashton Manual), 2002,
# approximate equivalents to diazepam 10 mg
DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG: Mapping[str, Decimal] = MappingProxyType(
    {
        "alprazolam": Decimal("0.5"),
        "chlordiazepoxide": Decimal("25"),
        "clonazepam": Decimal("0.5"),
        "diazepam": Decimal("10"),
        "lorazepam": Decimal("1"),
        "oxazepam": Decimal("20"),
        "temazepam": Decimal("20"),
    }
)


def known_benzodiazepines() -> tuple[str, ...]:
    """The drug names the table converts, in alphabetical order."""
    return tuple(sorted(DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG))


def diazepam_equivalent_mg(drug: str, daily_mg: Decimal) -> Decimal:
    """The diazepam-equivalent dose in mg/day of `daily_mg` mg/day of `drug` (generic name).

    Raises ValueError for a drug the table does not hold or a negative or non-finite dose.
    """
    key = drug.strip().lower()
    equivalent = DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG.get(key)
    if equivalent is None:
        raise ValueError(
            f"{drug!r} is not in the diazepam-equivalence table (Ashton Manual); known: "
            f"{', '.join(known_benzodiazepines())}. Enter its diazepam-equivalent dose directly."
        )
    if isinstance(daily_mg, bool) or not isinstance(daily_mg, Decimal | int):
        raise ValueError(f"A daily dose must be a Decimal in mg, not {daily_mg!r}.")
    daily = Decimal(daily_mg)
    if not daily.is_finite() or daily < 0:
        raise ValueError(f"A daily dose of {daily_mg} mg is not a valid dose.")
    return daily * DIAZEPAM_REFERENCE_MG / equivalent
