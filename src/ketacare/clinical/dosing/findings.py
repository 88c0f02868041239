"""What the dosing checks report: warnings and blocks, each with its reason and source,
and the prescriber's override that lets an order stand despite its blocks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"  # the order stands only with a recorded Override
    WARNING = "warning"  # shown to the prescriber; the order may go ahead
    INFO = "info"  # a note (e.g. a review prompt); changes nothing


class FindingCode(StrEnum):
    WEIGHT_STALE = "weight_stale"  # re-weigh
    WEIGHT_IN_FUTURE = "weight_in_future"
    ABOVE_SOFT_MAX = "above_soft_max"
    BELOW_SOFT_MIN = "below_soft_min"
    AT_OR_ABOVE_HARD_LIMIT = "at_or_above_hard_limit"
    ABOVE_SESSION_MAX = "above_session_max"
    ABOVE_CUMULATIVE_LIMIT = "above_cumulative_limit"
    SHORTER_THAN_MINIMUM_DURATION = "shorter_than_minimum_duration"
    BELOW_GUIDELINE_RANGE = "below_guideline_range"
    ROUNDED = "rounded"
    ROUNDS_TO_ZERO = "rounds_to_zero"
    BAG_TOO_SMALL = "bag_too_small"
    SALT_CONVERTED = "salt_converted"
    SALT_UNSTATED = "salt_unstated"
    OFF_TITRATION_STEP = "off_titration_step"
    ABOVE_STUDIED_RANGE = "above_studied_range"
    OUTSIDE_REPORTED_RANGE = "outside_reported_range"
    UNAPPROVED_PRODUCT = "unapproved_product"
    ESKETAMINE_DOSE_NOT_ALLOWED = "esketamine_dose_not_allowed"
    ESKETAMINE_DAY_ONE = "esketamine_day_one"
    ESKETAMINE_84_BEFORE_56 = "esketamine_84_before_56"
    ESKETAMINE_TOO_FREQUENT = "esketamine_too_frequent"
    ESKETAMINE_SAME_DAY = "esketamine_same_day"
    ESKETAMINE_REVIEW_BENEFIT = "esketamine_review_benefit"
    ESKETAMINE_DEVICE_GAP = "esketamine_device_gap"
    ESKETAMINE_REDUCED_DOSE = "esketamine_reduced_dose"  # suicidal-ideation regimen, 56 mg
    ESKETAMINE_BEYOND_STUDIED = "esketamine_beyond_studied"  # suicidal-ideation regimen, week 5+
    TITRATION_JUMP = "titration_jump"  # more than one titration step above the previous dose
    EVIDENCE_GRADE = "evidence_grade"  # IV chronic pain, per indication
    ABOVE_MAX_STRENGTH = "above_max_strength"


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    severity: Severity
    message: str
    source: str


@dataclass(frozen=True)
class Override:
    """A prescriber's decision to let an order stand despite its blocks; the reason is required
    and is recorded on the result (the Django side records who, when, and audits it)."""

    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("An override needs a reason.")


def blocks_in(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is Severity.BLOCK)


def warnings_in(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is not Severity.BLOCK)
