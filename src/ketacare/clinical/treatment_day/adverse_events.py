"""Adverse-event severity: CTCAE v5.0 grades 1-5 [S15]; grade 3 or more opens an incident review
(rule 15)."""

from __future__ import annotations

from enum import IntEnum

# source: S15, rule 15 (grade >= 3 opens an incident review)
INCIDENT_REVIEW_FROM_GRADE = 3


class CtcaeGrade(IntEnum):
    MILD = 1
    MODERATE = 2
    SEVERE = 3
    LIFE_THREATENING = 4
    DEATH = 5

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {  # source: S15 (CTCAE v5.0 general grade definitions, paraphrased)
    CtcaeGrade.MILD: "Mild: no or mild symptoms; observation only, no intervention.",
    CtcaeGrade.MODERATE: (
        "Moderate: minimal, local or non-invasive intervention; limits instrumental activities "
        "of daily living."
    ),
    CtcaeGrade.SEVERE: (
        "Severe or medically significant but not immediately life-threatening: hospitalisation "
        "indicated; disabling; limits self-care."
    ),
    CtcaeGrade.LIFE_THREATENING: "Life-threatening: urgent intervention indicated.",
    CtcaeGrade.DEATH: "Death related to the adverse event.",
}


def ctcae_grade(grade: CtcaeGrade | int) -> CtcaeGrade:
    """The grade for 1-5; anything else (including True/False) raises ValueError."""
    if isinstance(grade, bool) or not isinstance(grade, int):
        raise ValueError(f"{grade!r} is not a CTCAE grade (1-5).")
    try:
        return CtcaeGrade(grade)
    except ValueError:
        raise ValueError(f"{grade} is not a CTCAE grade (1-5).") from None


def needs_incident_review(grade: CtcaeGrade | int) -> bool:
    """True for grade 3 or more."""
    return ctcae_grade(grade) >= INCIDENT_REVIEW_FROM_GRADE
