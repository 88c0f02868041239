"""When the next set of vital signs is due, and whether it is overdue.

- IV infusion (rule 12; S25, S25a, S25c): a baseline before the infusion, then every 10 min
  during it and every 15 min after it until discharge; overdue when missed by more than 5 min.
  Each phase's timer runs from the phase start or the latest reading in the phase, whichever is
  later.
- Esketamine (rule 6; S3, S3a): a baseline before dosing; a reading between 35 and 45 min after
  the first device (the label's "about 40 min"); after that "as clinically warranted", which has
  no number: the clinic's `esketamine_interval_after_40_min` is required and may be None (no
  timer, the clinician decides).
- Every other route (IM/SC, oral/sublingual, compounded intranasal, topical): the reference gives
  no cadence, so `other_route_interval` is required; None reports "not configured". For these
  routes `infusion_started_at` carries the time the dose was given.

Rule 12's 5-minute grace is the only published one; it is applied to every fixed timer here
(the clinic's own intervals included) so that "overdue" means the same thing on every screen.
`overdue_by` is how far `now` is past the last acceptable moment (due time plus grace, or the
end of the esketamine window); the reading is overdue exactly when it is positive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ketacare.clinical.treatment_day import sources
from ketacare.clinical.treatment_day.model import (
    MAX_CLOCK_SKEW,
    Reason,
    Route,
    require_aware,
    route_of,
)

IV_EVERY_DURING_INFUSION = timedelta(minutes=10)  # source: rule 12; S25, S25a, S25c
IV_EVERY_AFTER_INFUSION = timedelta(minutes=15)  # source: rule 12; S25
OVERDUE_GRACE = timedelta(minutes=5)  # source: rule 12 (missed by more than 5 min)
ESKETAMINE_BP_CHECK_AT = timedelta(minutes=40)  # source: S3, S3a (about 40 min after dosing)
ESKETAMINE_BP_WINDOW = (timedelta(minutes=35), timedelta(minutes=45))  # source: rule 6


class Phase(StrEnum):
    PRE_DOSE = "pre_dose"
    DOSING = "dosing"  # IV infusion running; esketamine devices being given; a dose given
    OBSERVATION = "observation"  # after dosing, until discharge
    DISCHARGED = "discharged"


class CadenceStatus(StrEnum):
    BASELINE_REQUIRED = "baseline_required"
    NOT_YET_DUE = "not_yet_due"
    DUE = "due"
    OVERDUE = "overdue"
    NO_TIMER = "no_timer"  # as clinically warranted: the clinic set no fixed interval
    NOT_CONFIGURED = "not_configured"
    COMPLETE = "complete"


@dataclass(frozen=True)
class CadenceSettings:
    """The clinic's cadence settings. The first two have no default because the reference gives
    no number: each must be passed, None being an explicit choice."""

    esketamine_interval_after_40_min: timedelta | None
    other_route_interval: timedelta | None
    iv_every_during_infusion: timedelta = IV_EVERY_DURING_INFUSION  # source: rule 12; S25
    iv_every_after_infusion: timedelta = IV_EVERY_AFTER_INFUSION  # source: rule 12; S25
    overdue_grace: timedelta = OVERDUE_GRACE  # source: rule 12

    def __post_init__(self) -> None:
        for name in (
            "esketamine_interval_after_40_min",
            "other_route_interval",
            "iv_every_during_infusion",
            "iv_every_after_infusion",
        ):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                raise ValueError(f"{name} must be a positive interval.")
        if self.overdue_grace < timedelta(0):
            raise ValueError("overdue_grace cannot be negative.")


@dataclass(frozen=True)
class VitalsDue:
    status: CadenceStatus
    next_due_at: datetime | None
    overdue_by: timedelta
    reasons: tuple[Reason, ...]
    window: tuple[datetime, datetime] | None = None

    @property
    def overdue(self) -> bool:
        return self.status is CadenceStatus.OVERDUE


def _timer(
    *,
    base: datetime,
    interval: timedelta,
    grace: timedelta,
    now: datetime,
    source: str,
    what: str,
    notes: tuple[Reason, ...],
) -> VitalsDue:
    due = base + interval
    minutes = int(interval.total_seconds() // 60)
    if now < due:
        status, code = CadenceStatus.NOT_YET_DUE, "cadence.not_yet_due"
        text = f"Next reading due at {due.isoformat()} (every {minutes} min {what})."
    elif now <= due + grace:
        status, code = CadenceStatus.DUE, "cadence.due"
        text = f"A reading is due now (every {minutes} min {what})."
    else:
        status, code = CadenceStatus.OVERDUE, "cadence.overdue"
        text = (
            f"The reading due at {due.isoformat()} is overdue (every {minutes} min {what}; "
            f"overdue after {int(grace.total_seconds() // 60)} min)."
        )
    late = max(now - (due + grace), timedelta(0))
    return VitalsDue(status, due, late, (Reason(code, text, source), *notes))


def _latest(times: Iterable[datetime], since: datetime) -> datetime | None:
    return max((t for t in times if t >= since), default=None)


def _baseline_note(times: list[datetime], dosed_at: datetime, source: str) -> tuple[Reason, ...]:
    if any(t <= dosed_at for t in times):
        return ()
    return (
        Reason(
            "cadence.baseline_missing",
            "No baseline reading was recorded before dosing.",
            source,
        ),
    )


def _require(value: datetime | None, name: str, route: Route, phase: Phase) -> datetime:
    if value is None:
        raise ValueError(f"{name} is required for {route.value} in the {phase.value} phase.")
    return require_aware(value, name)


def vitals_cadence(
    *,
    route: Route | str,
    phase: Phase | str,
    infusion_started_at: datetime | None,
    infusion_ended_at: datetime | None,
    first_device_at: datetime | None,
    readings_times: Iterable[datetime],
    now: datetime,
    settings: CadenceSettings,
) -> VitalsDue:
    """The next vital-signs reading due for a session, and whether it is overdue. Keyword-only:
    three timestamps side by side are too easy to swap."""
    route, phase = route_of(route), Phase(phase)
    require_aware(now, "now")
    times = sorted(require_aware(t, "reading time") for t in readings_times)
    if times and times[-1] - now > MAX_CLOCK_SKEW:
        raise ValueError("A reading is dated in the future.")
    if phase is Phase.DISCHARGED:
        return VitalsDue(
            CadenceStatus.COMPLETE,
            None,
            timedelta(0),
            (
                Reason(
                    "cadence.complete", "Discharged: no further reading is due.", sources.IV_CADENCE
                ),
            ),
        )
    if route is Route.IV:
        return _iv(phase, infusion_started_at, infusion_ended_at, times, now, settings)
    if route is Route.ESKETAMINE:
        return _esketamine(phase, first_device_at, times, now, settings)
    return _other(route, phase, infusion_started_at, times, now, settings)


def _pre_dose(times: list[datetime], source: str) -> VitalsDue:
    if times:
        return VitalsDue(
            CadenceStatus.NOT_YET_DUE,
            None,
            timedelta(0),
            (
                Reason(
                    "cadence.baseline_recorded",
                    "Baseline recorded; the next reading is timed from the start of dosing.",
                    source,
                ),
            ),
        )
    return VitalsDue(
        CadenceStatus.BASELINE_REQUIRED,
        None,
        timedelta(0),
        (
            Reason(
                "cadence.baseline_required", "Record baseline vital signs before dosing.", source
            ),
        ),
    )


def _iv(
    phase: Phase,
    started: datetime | None,
    ended: datetime | None,
    times: list[datetime],
    now: datetime,
    settings: CadenceSettings,
) -> VitalsDue:
    source = sources.IV_CADENCE
    if phase is Phase.PRE_DOSE:
        return _pre_dose(times, source)
    start = _require(started, "infusion_started_at", Route.IV, phase)
    if start > now:
        raise ValueError("The infusion start is after now.")
    notes = _baseline_note(times, start, source)
    if phase is Phase.DOSING:
        if ended is not None:
            raise ValueError("The infusion has ended, so the phase is observation, not dosing.")
        anchor, interval, what = start, settings.iv_every_during_infusion, "during the infusion"
    else:
        anchor = _require(ended, "infusion_ended_at", Route.IV, phase)
        if not start <= anchor <= now:
            raise ValueError("The infusion end must lie between its start and now.")
        interval, what = settings.iv_every_after_infusion, "after the infusion"
    latest = _latest(times, anchor)
    return _timer(
        base=latest or anchor,
        interval=interval,
        grace=settings.overdue_grace,
        now=now,
        source=f"{source}; {sources.IV_OVERDUE}",
        what=what,
        notes=notes,
    )


def _esketamine(
    phase: Phase,
    first_device_at: datetime | None,
    times: list[datetime],
    now: datetime,
    settings: CadenceSettings,
) -> VitalsDue:
    if phase is Phase.PRE_DOSE:
        return _pre_dose(times, sources.SPRAVATO_BASELINE_BP)
    first = _require(first_device_at, "first_device_at", Route.ESKETAMINE, phase)
    if first > now:
        raise ValueError("The first device is dated after now.")
    notes = _baseline_note(times, first, sources.SPRAVATO_BASELINE_BP)
    opens, closes = first + ESKETAMINE_BP_WINDOW[0], first + ESKETAMINE_BP_WINDOW[1]
    window = (opens, closes)
    target = first + ESKETAMINE_BP_CHECK_AT
    in_window = any(opens <= t <= closes for t in times)
    after_window = _latest(times, closes)
    if not in_window:
        source = sources.SPRAVATO_BP_40_MIN
        if now < opens:
            reason = Reason(
                "cadence.esketamine_40_min_pending",
                f"Blood pressure due about 40 min after the first device ({target.isoformat()}; "
                "take it between 35 and 45 min).",
                source,
            )
            return VitalsDue(
                CadenceStatus.NOT_YET_DUE, target, timedelta(0), (reason, *notes), window
            )
        if now <= closes:
            reason = Reason(
                "cadence.esketamine_40_min_due",
                "The 40-minute blood pressure is due now (window 35-45 min after the first "
                "device).",
                source,
            )
            return VitalsDue(CadenceStatus.DUE, target, timedelta(0), (reason, *notes), window)
        missed = Reason(
            "cadence.esketamine_40_min_missed",
            "No blood pressure was taken 35-45 min after the first device; record why.",
            source,
        )
        if after_window is None:
            return VitalsDue(CadenceStatus.OVERDUE, target, now - closes, (missed, *notes), window)
        notes = (missed, *notes)
    interval = settings.esketamine_interval_after_40_min
    if interval is None:
        reason = Reason(
            "cadence.as_clinically_warranted",
            "The 40-minute reading is done; further readings as clinically warranted until "
            "blood pressure is stable at a safe level (the clinic has set no fixed interval).",
            sources.SPRAVATO_BP_AS_WARRANTED,
        )
        return VitalsDue(CadenceStatus.NO_TIMER, None, timedelta(0), (reason, *notes), window)
    latest = _latest(times, opens)
    result = _timer(
        base=latest or closes,
        interval=interval,
        grace=settings.overdue_grace,
        now=now,
        source=f"{sources.SPRAVATO_BP_AS_WARRANTED}; {sources.ORGANISATION_SETTING}",
        what="after the 40-minute reading",
        notes=notes,
    )
    return VitalsDue(result.status, result.next_due_at, result.overdue_by, result.reasons, window)


def _other(
    route: Route,
    phase: Phase,
    dosed_at: datetime | None,
    times: list[datetime],
    now: datetime,
    settings: CadenceSettings,
) -> VitalsDue:
    interval = settings.other_route_interval
    if interval is None:
        return VitalsDue(
            CadenceStatus.NOT_CONFIGURED,
            None,
            timedelta(0),
            (
                Reason(
                    "cadence.not_configured",
                    f"No vital-signs interval is configured for {route.value}; the reference "
                    "gives none, so the clinic must set one.",
                    sources.ORGANISATION_SETTING,
                ),
            ),
        )
    source = sources.ORGANISATION_SETTING
    if phase is Phase.PRE_DOSE:
        return _pre_dose(times, source)
    dosed = _require(dosed_at, "infusion_started_at (the dose time)", route, phase)
    if dosed > now:
        raise ValueError("The dose is dated after now.")
    latest = _latest(times, dosed)
    return _timer(
        base=latest or dosed,
        interval=interval,
        grace=settings.overdue_grace,
        now=now,
        source=source,
        what=f"for {route.value}",
        notes=_baseline_note(times, dosed, source),
    )
