"""Age from date of birth, the way a chart shows it."""

from __future__ import annotations

from datetime import date

# The oldest verified human lived to 122; a date of birth implying more is a typing error.
MAX_PLAUSIBLE_AGE_YEARS = 125


def age_in_years(date_of_birth: date, on: date) -> int:
    """Completed years on `on`. A birthday on 29 February counts from 1 March in common years."""
    if date_of_birth > on:
        raise ValueError("The date of birth is after the date asked about.")
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)


def date_of_birth_problem(date_of_birth: date, today: date) -> str | None:
    """Why a date of birth cannot be right, or None when it is plausible."""
    if date_of_birth > today:
        return "The date of birth is in the future."
    if age_in_years(date_of_birth, today) > MAX_PLAUSIBLE_AGE_YEARS:
        return f"The date of birth makes the patient older than {MAX_PLAUSIBLE_AGE_YEARS}."
    return None
