"""The extra-caution banner for IV infusions: age 50 or more, known hypertension, and the first
three infusions, where larger or severe blood-pressure rises were seen (rule 12; S25a, S25c)."""

from __future__ import annotations

from ketacare.clinical.treatment_day import sources
from ketacare.clinical.treatment_day.model import Reason

EXTRA_CAUTION_FROM_AGE_YEARS = 50  # source: S25c (larger rises with age >= 50); rule 12
EXTRA_CAUTION_FIRST_INFUSIONS = 3  # source: S25a (43 % of severe hypertension in infusions 1-3)


def extra_caution_reasons(
    *,
    age_years: int,
    known_hypertension: bool,
    infusion_number: int,
    from_age_years: int = EXTRA_CAUTION_FROM_AGE_YEARS,  # source: S25c
    first_infusions: int = EXTRA_CAUTION_FIRST_INFUSIONS,  # source: S25a
) -> tuple[Reason, ...]:
    """Why the session shows the extra-caution banner (empty: no banner). `infusion_number`
    counts from 1 for the patient's first infusion."""
    if age_years < 0:
        raise ValueError("The age cannot be negative.")
    if infusion_number < 1:
        raise ValueError("Infusions are counted from 1.")
    reasons: list[Reason] = []
    if age_years >= from_age_years:
        reasons.append(
            Reason(
                "caution.age",
                f"Age {age_years} (from {from_age_years}): larger blood-pressure rises are "
                "expected; watch closely.",
                sources.EXTRA_CAUTION_AGE,
            )
        )
    if known_hypertension:
        reasons.append(
            Reason(
                "caution.hypertension",
                "Known hypertension: larger and severe blood-pressure rises are more common; "
                "watch closely.",
                sources.EXTRA_CAUTION_HYPERTENSION,
            )
        )
    if infusion_number <= first_infusions:
        reasons.append(
            Reason(
                "caution.early_infusion",
                f"Infusion {infusion_number} of the first {first_infusions}: most severe "
                "blood-pressure rises happen in the first infusions; watch closely.",
                sources.EXTRA_CAUTION_FIRST_INFUSIONS,
            )
        )
    return tuple(reasons)
