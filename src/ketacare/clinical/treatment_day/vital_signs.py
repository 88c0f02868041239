"""Vital signs on the treatment day: plausibility of an entered reading, the pre-dose blood
pressure gate, and the clinic's alert thresholds.

Three different kinds of number live here and must not be confused:
- `PLAUSIBLE_*` ranges refuse typing and device errors (SpO2 140 %, a heart rate of 0 from a
  lead that fell off). They are NOT clinical limits and say nothing about safety.
- The esketamine pre-dose gate (SBP > 140 or DBP > 90 needs a documented risk-benefit decision)
  is the label's [S3, S3c]. Racemic routes have no published gate: the clinic configures one.
- Alert thresholds during monitoring are clinic-configured (rule 12). The one candidate default
  the reference offers, SBP > 180 and/or DBP > 110 [S39], is `CANDIDATE_HYPERTENSION_S39`: a clinic
  may adopt it, but nothing applies it unless the clinic does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ketacare.clinical.treatment_day import sources
from ketacare.clinical.treatment_day.model import (
    MAX_CLOCK_SKEW,
    Reason,
    Route,
    require_aware,
    route_of,
)

# Typing/device-error guards, not clinical limits: a value outside is refused as impossible.
PLAUSIBLE_SYSTOLIC_MMHG = (40, 300)  # source: typing/device-error guard, not a clinical limit
PLAUSIBLE_DIASTOLIC_MMHG = (20, 200)  # source: typing/device-error guard, not a clinical limit
PLAUSIBLE_HEART_RATE_BPM = (20, 300)  # source: typing/device-error guard, not a clinical limit
PLAUSIBLE_RESPIRATORY_RATE_PER_MIN = (0, 80)  # source: typing/device-error guard; 0 = apnoea, real
PLAUSIBLE_SPO2_PERCENT = (1, 100)  # source: typing/device-error guard; a real low value is stored

# source: Spravato label [S3, S3c] ("as a general guide SBP > 140 or DBP > 90 mmHg")
ESKETAMINE_REVIEW_SYSTOLIC_ABOVE_MMHG = 140
ESKETAMINE_REVIEW_DIASTOLIC_ABOVE_MMHG = 90  # source: S3, S3c


def _range_problem(value: int, bounds: tuple[int, int], unit: str, name: str) -> str | None:
    low, high = bounds
    if low <= value <= high:
        return None
    return (
        f"{name} {value} {unit} is not possible; check the entry or the device (accepted "
        f"{low}-{high} {unit}: {sources.PLAUSIBILITY})."
    )


def _value_problems(
    *,
    systolic: int | None,
    diastolic: int | None,
    heart_rate: int | None,
    spo2: int | None,
    respiratory_rate: int | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    values = (systolic, diastolic, heart_rate, spo2, respiratory_rate)
    if all(value is None for value in values):
        problems["reading"] = "Enter at least one value."
        return problems
    if systolic is not None and (
        found := _range_problem(systolic, PLAUSIBLE_SYSTOLIC_MMHG, "mmHg", "Systolic")
    ):
        problems["systolic"] = found
    if diastolic is not None and (
        found := _range_problem(diastolic, PLAUSIBLE_DIASTOLIC_MMHG, "mmHg", "Diastolic")
    ):
        problems["diastolic"] = found
    if (
        systolic is not None
        and diastolic is not None
        and "systolic" not in problems
        and "diastolic" not in problems
        and systolic <= diastolic
    ):
        problems["systolic"] = (
            f"Systolic {systolic} mmHg must be greater than diastolic {diastolic} mmHg; "
            "check whether they were swapped."
        )
    if heart_rate == 0:
        problems["heart_rate"] = (
            "A heart rate of 0 from a monitor is a lead-off artefact; check the leads or probe "
            f"and measure again ({sources.PLAUSIBILITY})."
        )
    elif heart_rate is not None and (
        found := _range_problem(heart_rate, PLAUSIBLE_HEART_RATE_BPM, "/min", "Heart rate")
    ):
        problems["heart_rate"] = found
    if spo2 is not None and not 0 <= spo2 <= 100:
        problems["spo2"] = f"SpO2 {spo2} % is impossible: a saturation lies between 0 and 100 %."
    elif spo2 is not None and (found := _range_problem(spo2, PLAUSIBLE_SPO2_PERCENT, "%", "SpO2")):
        problems["spo2"] = found + " If the patient is truly this low, treat it as an emergency."
    if respiratory_rate is not None and (
        found := _range_problem(
            respiratory_rate, PLAUSIBLE_RESPIRATORY_RATE_PER_MIN, "/min", "Respiratory rate"
        )
    ):
        problems["respiratory_rate"] = found
    return problems


def validate_reading(
    *,
    systolic: int | None = None,
    diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    respiratory_rate: int | None = None,
    taken_at: datetime,
    now: datetime,
) -> dict[str, str]:
    """Field -> message for every value that cannot be right (empty when the reading is
    plausible). Each value is optional, but a reading needs at least one. A time more than
    `MAX_CLOCK_SKEW` in the future is refused. Raises only for a naive datetime."""
    require_aware(taken_at, "taken_at")
    require_aware(now, "now")
    problems = _value_problems(
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=respiratory_rate,
    )
    if taken_at - now > MAX_CLOCK_SKEW:
        problems["taken_at"] = (
            f"The reading is dated {taken_at.isoformat()}, in the future; check the device "
            "clock or the entry."
        )
    return problems


@dataclass(frozen=True)
class VitalReading:
    """One set of vital signs; any value may be missing (a reading may carry only some)."""

    taken_at: datetime
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None

    def __post_init__(self) -> None:
        require_aware(self.taken_at, "taken_at")

    def problems(self, now: datetime) -> dict[str, str]:
        return validate_reading(
            systolic=self.systolic,
            diastolic=self.diastolic,
            heart_rate=self.heart_rate,
            spo2=self.spo2,
            respiratory_rate=self.respiratory_rate,
            taken_at=self.taken_at,
            now=now,
        )


# --- the pre-dose blood-pressure gate ---------------------------------------------------------


def _check_limit(limit: int | None, bounds: tuple[int, int], name: str) -> None:
    if limit is not None and not bounds[0] <= limit <= bounds[1]:
        raise ValueError(f"{name} {limit} is outside {bounds[0]}-{bounds[1]}.")


@dataclass(frozen=True)
class VitalGates:
    """Pre-dose blood-pressure limits above which dosing needs a documented decision. None means
    no limit configured for that pressure."""

    systolic_above: int | None = None
    diastolic_above: int | None = None
    source: str = sources.ORGANISATION_SETTING

    def __post_init__(self) -> None:
        _check_limit(self.systolic_above, PLAUSIBLE_SYSTOLIC_MMHG, "systolic_above")
        _check_limit(self.diastolic_above, PLAUSIBLE_DIASTOLIC_MMHG, "diastolic_above")

    @property
    def configured(self) -> bool:
        return self.systolic_above is not None or self.diastolic_above is not None


ESKETAMINE_LABEL_GATE = VitalGates(
    systolic_above=ESKETAMINE_REVIEW_SYSTOLIC_ABOVE_MMHG,  # source: S3, S3c
    diastolic_above=ESKETAMINE_REVIEW_DIASTOLIC_ABOVE_MMHG,  # source: S3, S3c
    source=sources.SPRAVATO_BP_GATE,
)


class BpGateStatus(StrEnum):
    CLEAR = "clear"
    NEEDS_DECISION = "needs_decision"  # a documented risk-benefit decision before dosing
    NO_GATE_CONFIGURED = "no_gate_configured"


@dataclass(frozen=True)
class BpGateResult:
    status: BpGateStatus
    reasons: tuple[Reason, ...]


def predose_bp_gate(
    route: Route | str,
    systolic: int,
    diastolic: int,
    racemic_gate: VitalGates | None = None,
    *,
    esketamine_gate: VitalGates = ESKETAMINE_LABEL_GATE,
) -> BpGateResult:
    """Whether the pre-dose pressure needs a documented risk-benefit decision before dosing.
    Esketamine uses the label's guide (overridable through `esketamine_gate`); every racemic route
    uses the clinic's `racemic_gate`, and without one says so. Raises ValueError for a reading
    that fails the plausibility guard (validate it first)."""
    route = route_of(route)
    problems = _value_problems(
        systolic=systolic, diastolic=diastolic, heart_rate=None, spo2=None, respiratory_rate=None
    )
    if problems:
        raise ValueError("; ".join(problems.values()))
    gate = esketamine_gate if route is Route.ESKETAMINE else racemic_gate
    if gate is None or not gate.configured:
        return BpGateResult(
            BpGateStatus.NO_GATE_CONFIGURED,
            (
                Reason(
                    "bp_gate.not_configured",
                    f"No pre-dose blood-pressure gate is configured for {route.value}; the "
                    "reference gives none for racemic ketamine, so the clinic must set one.",
                    sources.ORGANISATION_SETTING,
                ),
            ),
        )
    over: list[Reason] = []
    if gate.systolic_above is not None and systolic > gate.systolic_above:
        over.append(
            Reason(
                "bp_gate.systolic_above",
                f"Systolic {systolic} mmHg is above {gate.systolic_above}: weigh the risk of a "
                "short-term rise against the benefit and document the decision before dosing.",
                gate.source,
            )
        )
    if gate.diastolic_above is not None and diastolic > gate.diastolic_above:
        over.append(
            Reason(
                "bp_gate.diastolic_above",
                f"Diastolic {diastolic} mmHg is above {gate.diastolic_above}: weigh the risk of "
                "a short-term rise against the benefit and document the decision before dosing.",
                gate.source,
            )
        )
    if over:
        return BpGateResult(BpGateStatus.NEEDS_DECISION, tuple(over))
    unset = [
        name
        for name, limit in (("systolic", gate.systolic_above), ("diastolic", gate.diastolic_above))
        if limit is None
    ]
    note = f" (no {unset[0]} limit is configured)" if unset else ""
    return BpGateResult(
        BpGateStatus.CLEAR,
        (
            Reason(
                "bp_gate.clear",
                f"Pre-dose blood pressure {systolic}/{diastolic} mmHg is within the gate{note}.",
                gate.source,
            ),
        ),
    )


# --- alert thresholds during monitoring -------------------------------------------------------


@dataclass(frozen=True)
class AlertThresholds:
    """The clinic's alert limits during monitoring (rule 12). Every limit defaults to None (not
    configured): the reference gives none except the S39 candidate below. The same thresholds
    serve every route, esketamine included."""

    systolic_above: int | None = None
    diastolic_above: int | None = None
    heart_rate_above: int | None = None
    heart_rate_below: int | None = None
    spo2_below: int | None = None
    respiratory_rate_above: int | None = None
    respiratory_rate_below: int | None = None
    source: str = sources.ALERTS_CLINIC

    def __post_init__(self) -> None:
        _check_limit(self.systolic_above, PLAUSIBLE_SYSTOLIC_MMHG, "systolic_above")
        _check_limit(self.diastolic_above, PLAUSIBLE_DIASTOLIC_MMHG, "diastolic_above")
        _check_limit(self.heart_rate_above, PLAUSIBLE_HEART_RATE_BPM, "heart_rate_above")
        _check_limit(self.heart_rate_below, PLAUSIBLE_HEART_RATE_BPM, "heart_rate_below")
        _check_limit(self.spo2_below, PLAUSIBLE_SPO2_PERCENT, "spo2_below")
        rr = PLAUSIBLE_RESPIRATORY_RATE_PER_MIN
        _check_limit(self.respiratory_rate_above, rr, "respiratory_rate_above")
        _check_limit(self.respiratory_rate_below, rr, "respiratory_rate_below")
        for low, high, name in (
            (self.heart_rate_below, self.heart_rate_above, "heart rate"),
            (self.respiratory_rate_below, self.respiratory_rate_above, "respiratory rate"),
        ):
            if low is not None and high is not None and low >= high:
                raise ValueError(f"The low {name} alert must be below the high one.")

    def unset(self) -> tuple[str, ...]:
        """Names of the limits not configured (a screen shows them so silence is not mistaken
        for safety)."""
        names = (
            "systolic_above",
            "diastolic_above",
            "heart_rate_above",
            "heart_rate_below",
            "spo2_below",
            "respiratory_rate_above",
            "respiratory_rate_below",
        )
        return tuple(name for name in names if getattr(self, name) is None)


# source: S39 (Del Sant 2020 defined transient hypertension as SBP > 180 and/or DBP > 110);
# rule 12 offers it as a candidate: applied only when a clinic adopts it.
CANDIDATE_HYPERTENSION_S39 = AlertThresholds(
    systolic_above=180,  # source: S39
    diastolic_above=110,  # source: S39
    source=sources.HYPERTENSION_S39,
)


@dataclass(frozen=True)
class Alert:
    code: str
    message: str
    value: int
    limit: int
    source: str


def reading_alerts(reading: VitalReading, thresholds: AlertThresholds) -> list[Alert]:
    """An alert for each value beyond a configured limit (strictly above an `_above` limit,
    strictly below a `_below` one). Values or limits that are missing raise no alert."""
    checks: tuple[tuple[str, str, int | None, int | None, bool, str], ...] = (
        ("systolic_above", "Systolic", reading.systolic, thresholds.systolic_above, True, "mmHg"),
        (
            "diastolic_above",
            "Diastolic",
            reading.diastolic,
            thresholds.diastolic_above,
            True,
            "mmHg",
        ),
        (
            "heart_rate_above",
            "Heart rate",
            reading.heart_rate,
            thresholds.heart_rate_above,
            True,
            "/min",
        ),
        (
            "heart_rate_below",
            "Heart rate",
            reading.heart_rate,
            thresholds.heart_rate_below,
            False,
            "/min",
        ),
        ("spo2_below", "SpO2", reading.spo2, thresholds.spo2_below, False, "%"),
        (
            "respiratory_rate_above",
            "Respiratory rate",
            reading.respiratory_rate,
            thresholds.respiratory_rate_above,
            True,
            "/min",
        ),
        (
            "respiratory_rate_below",
            "Respiratory rate",
            reading.respiratory_rate,
            thresholds.respiratory_rate_below,
            False,
            "/min",
        ),
    )
    alerts: list[Alert] = []
    for code, label, value, limit, above, unit in checks:
        if value is None or limit is None:
            continue
        if (above and value > limit) or (not above and value < limit):
            side = "above" if above else "below"
            alerts.append(
                Alert(
                    code=f"alert.{code}",
                    message=f"{label} {value} {unit} is {side} the alert limit of {limit} {unit}.",
                    value=value,
                    limit=limit,
                    source=thresholds.source,
                )
            )
    return alerts
