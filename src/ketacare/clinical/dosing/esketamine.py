"""Intranasal esketamine (Spravato) session rules: allowed doses, day 1, 84 mg only after 56 mg,
sessions per treatment week, devices per dose and the gap between devices.

Two regimens from the label [S3a, S3d]: treatment-resistant depression (TRD: day 1 56 mg,
84 mg only after 56 mg, twice weekly in weeks 1-4 then weekly) and MDD with acute suicidal
ideation or behaviour (84 mg twice weekly for 4 weeks, reduced to 56 mg if not tolerated; use
beyond 4 weeks has not been systematically studied, so it is warned about, not blocked).

Treatment weeks count from the first session (day 1 opens week 1; days 1-7 are week 1), which
is how the label's "weeks 1-4 / 5-8 / 9 onward" read [S3a, S3d].
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from ketacare.clinical.dosing import sources
from ketacare.clinical.dosing.findings import Finding, FindingCode, Severity
from ketacare.clinical.dosing.quantities import Milligrams, Minutes

DEVICE_DOSE = Milligrams(Decimal(28))  # source: S3a, each device holds 28 mg
MIN_GAP_BETWEEN_DEVICES = timedelta(minutes=5)  # source: S3a/S3b, rest 5 min after each device
DAY_ONE_DOSE = Milligrams(Decimal(56))  # source: S3a, day-1 dose 56 mg
HIGH_DOSE = Milligrams(Decimal(84))  # source: S3a, 84 mg only after a first 56 mg dose
LABEL_DOSES = (Milligrams(Decimal(56)), Milligrams(Decimal(84)))  # source: S3a
LOW_DOSE_NON_US = Milligrams(Decimal(28))  # source: S3b (age ≥65, non-US label)
INDUCTION_WEEKS = 4  # source: S3a, weeks 1-4
INDUCTION_SESSIONS_PER_WEEK = 2  # source: S3a, twice weekly; rule 3 max 2/week
MAINTENANCE_SESSIONS_PER_WEEK = 1  # source: S3a weeks 5-8 weekly, week 9+ weekly or 2-weekly
SUICIDAL_IDEATION_DOSE = Milligrams(Decimal(84))  # source: S3a, 84 mg twice weekly
SUICIDAL_IDEATION_REDUCED_DOSE = Milligrams(Decimal(56))  # source: S3a, reduce to 56 mg
SUICIDAL_IDEATION_WEEKS = 4  # source: S3a, for 4 weeks; beyond that not systematically studied
SUICIDAL_IDEATION_SESSIONS_PER_WEEK = 2  # source: S3a, twice weekly


class EsketamineRegimen(StrEnum):
    TRD = "treatment-resistant depression"
    SUICIDAL_IDEATION = "MDD with acute suicidal ideation or behaviour"


class GivenDose(NamedTuple):
    """A dose already given (or ordered) on a date."""

    on: date
    dose: Milligrams


def allowed_doses(*, allow_28_mg: bool = False) -> tuple[Milligrams, ...]:
    return ((LOW_DOSE_NON_US,) if allow_28_mg else ()) + LABEL_DOSES


def devices_for(dose: Milligrams) -> int:
    """Number of 28 mg devices in a dose; refuses a dose that is not whole devices."""
    count, remainder = divmod(dose.mg, DEVICE_DOSE.mg)
    if remainder != 0 or count < 1:
        raise ValueError(f"{dose} is not a whole number of 28 mg devices.")
    return int(count)


def device_offsets(dose: Milligrams) -> tuple[Minutes, ...]:
    """Earliest start of each device after the first: 0, 5, 10 min for 84 mg."""
    gap = Decimal(MIN_GAP_BETWEEN_DEVICES.seconds // 60)
    return tuple(Minutes(gap * i) for i in range(devices_for(dose)))


def check_device_gaps(device_times: Sequence[datetime]) -> tuple[Finding, ...]:
    """A block for each device given less than 5 minutes after the one before it."""
    findings = []
    for number, (before, after) in enumerate(zip(device_times, device_times[1:], strict=False)):
        if after - before < MIN_GAP_BETWEEN_DEVICES:
            findings.append(
                Finding(
                    FindingCode.ESKETAMINE_DEVICE_GAP,
                    Severity.BLOCK,
                    f"Device {number + 2} was given {after - before} after device {number + 1}; "
                    "the label asks for 5 minutes' rest after each device.",
                    sources.SPRAVATO_DEVICE,
                )
            )
    return tuple(findings)


def treatment_week(first_session: date, on: date) -> int:
    return (on - first_session).days // 7 + 1


def _block(code: FindingCode, message: str, source: str = sources.RULE_3) -> Finding:
    return Finding(code, Severity.BLOCK, message, source)


def check_esketamine_session(
    history: Sequence[GivenDose | tuple[date, Milligrams]],
    proposed_date: date,
    proposed_dose: Milligrams,
    *,
    allow_28_mg: bool = False,
    regimen: EsketamineRegimen = EsketamineRegimen.TRD,
) -> tuple[Finding, ...]:
    """The findings for a proposed esketamine session, given every earlier session of the
    course (the first one opens treatment week 1)."""
    past = sorted((GivenDose(*given) for given in history), key=lambda g: g.on)
    if past and past[-1].on > proposed_date:
        raise ValueError("The proposed session is dated before a session in the history.")
    if regimen is EsketamineRegimen.SUICIDAL_IDEATION:
        return _check_suicidal_ideation_session(past, proposed_date, proposed_dose, allow_28_mg)
    findings: list[Finding] = []
    allowed = allowed_doses(allow_28_mg=allow_28_mg)
    if proposed_dose not in allowed:
        findings.append(
            _block(
                FindingCode.ESKETAMINE_DOSE_NOT_ALLOWED,
                f"{proposed_dose} is not an allowed dose ({', '.join(map(str, allowed))}).",
            )
        )
    if not past:
        first_allowed = ((LOW_DOSE_NON_US,) if allow_28_mg else ()) + (DAY_ONE_DOSE,)
        if proposed_dose not in first_allowed:
            findings.append(
                _block(
                    FindingCode.ESKETAMINE_DAY_ONE,
                    f"Day 1 is {DAY_ONE_DOSE}; {proposed_dose} cannot be the first dose.",
                )
            )
        return tuple(findings)
    if proposed_dose == HIGH_DOSE and all(g.dose != DAY_ONE_DOSE for g in past):
        findings.append(
            _block(
                FindingCode.ESKETAMINE_84_BEFORE_56,
                f"{HIGH_DOSE} is used only after a previous {DAY_ONE_DOSE} dose.",
            )
        )
    if any(g.on == proposed_date for g in past):
        findings.append(
            _block(
                FindingCode.ESKETAMINE_SAME_DAY,
                "A session is already recorded on this day.",
                sources.SPRAVATO_DOSING,
            )
        )
    first = past[0].on
    week = treatment_week(first, proposed_date)
    induction = week <= INDUCTION_WEEKS
    limit = INDUCTION_SESSIONS_PER_WEEK if induction else MAINTENANCE_SESSIONS_PER_WEEK
    in_week = sum(1 for g in past if treatment_week(first, g.on) == week)
    if in_week >= limit:
        findings.append(
            _block(
                FindingCode.ESKETAMINE_TOO_FREQUENT,
                f"Treatment week {week} already has {in_week} session(s); at most {limit} "
                f"per week {'in weeks 1-4' if week <= INDUCTION_WEEKS else 'from week 5'}.",
            )
        )
    if week > INDUCTION_WEEKS and all(treatment_week(first, g.on) <= INDUCTION_WEEKS for g in past):
        findings.append(
            Finding(
                FindingCode.ESKETAMINE_REVIEW_BENEFIT,
                Severity.INFO,
                "First session after induction: judge the therapeutic benefit of weeks 1-4 "
                "before continuing.",
                sources.SPRAVATO_DOSING,
            )
        )
    return tuple(findings)


def _check_suicidal_ideation_session(
    past: list[GivenDose], proposed_date: date, proposed_dose: Milligrams, allow_28_mg: bool
) -> tuple[Finding, ...]:
    """84 mg twice weekly for 4 weeks; 56 mg when 84 mg is not tolerated [S3a, S3d]. The TRD
    rules "day 1 is 56 mg" and "84 mg only after 56 mg" do not apply to this regimen."""
    source = sources.SPRAVATO_SUICIDAL_IDEATION
    findings: list[Finding] = []
    allowed = allowed_doses(allow_28_mg=allow_28_mg)
    if proposed_dose not in allowed:
        findings.append(
            _block(
                FindingCode.ESKETAMINE_DOSE_NOT_ALLOWED,
                f"{proposed_dose} is not an allowed dose ({', '.join(map(str, allowed))}).",
                source,
            )
        )
    elif proposed_dose != SUICIDAL_IDEATION_DOSE:
        findings.append(
            Finding(
                FindingCode.ESKETAMINE_REDUCED_DOSE,
                Severity.WARNING,
                f"This regimen is {SUICIDAL_IDEATION_DOSE} twice weekly; the label reduces it "
                f"to {SUICIDAL_IDEATION_REDUCED_DOSE} only when {SUICIDAL_IDEATION_DOSE} is not "
                "tolerated: record why.",
                source,
            )
        )
    if not past:
        return tuple(findings)
    if any(g.on == proposed_date for g in past):
        findings.append(
            _block(
                FindingCode.ESKETAMINE_SAME_DAY,
                "A session is already recorded on this day.",
                source,
            )
        )
    first = past[0].on
    week = treatment_week(first, proposed_date)
    if week > SUICIDAL_IDEATION_WEEKS:
        findings.append(
            Finding(
                FindingCode.ESKETAMINE_BEYOND_STUDIED,
                Severity.WARNING,
                f"Treatment week {week}: use beyond {SUICIDAL_IDEATION_WEEKS} weeks has not been "
                "systematically studied for MDD with acute suicidal ideation or behaviour.",
                source,
            )
        )
        return tuple(findings)
    in_week = sum(1 for g in past if treatment_week(first, g.on) == week)
    if in_week >= SUICIDAL_IDEATION_SESSIONS_PER_WEEK:
        findings.append(
            _block(
                FindingCode.ESKETAMINE_TOO_FREQUENT,
                f"Treatment week {week} already has {in_week} session(s); this regimen is "
                f"twice weekly (at most {SUICIDAL_IDEATION_SESSIONS_PER_WEEK} per week).",
                source,
            )
        )
    return tuple(findings)
