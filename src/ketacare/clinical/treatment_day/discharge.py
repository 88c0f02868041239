"""Whether a patient may be discharged, with every unmet condition, and the discharge
instructions every patient receives.

Conditions (all must hold):
- observation time: esketamine at least 120 min after the first device [S3, S3a, S4; rule 6]
  (a longer protocol minimum lengthens it, a shorter one does not shorten it); every other route
  the protocol's minimum, which the reference does not give, so it is required and a missing
  one is an unmet condition;
- a clinician's "clinically stable" attestation: esketamine rule 6 [S3]; racemic routes, "not
  released until fully recovered" [S12];
- esketamine only: blood pressure falling or stable; if not, keep monitoring [S3; rule 6];
- a recovery score at or above its threshold (modified Aldrete or adapted PADSS; rule 13);
- an escort or arranged transport (rule 11; S12, S3a, S4c).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketacare.clinical.recovery import RecoveryScore
from ketacare.clinical.treatment_day import sources
from ketacare.clinical.treatment_day.model import (
    Reason,
    Route,
    require_aware,
    route_of,
    whole_minutes_up,
)

# source: S3, S3a (monitor at least 2 hours), S4 (REMS: >= 2 h); rule 6 (>= 120 min)
ESKETAMINE_MINIMUM_OBSERVATION = timedelta(minutes=120)

# source: rule 11; S3a, S4c (no driving or hazardous activity until the next day after a
# restful sleep; transport arranged). Our own wording.
DISCHARGE_INSTRUCTIONS = (
    "Do not drive, ride a bike, operate machinery or do anything else hazardous for the rest "
    "of today.",
    "Wait until tomorrow, after a restful night's sleep, before you drive or do any of these "
    "things again.",
    "Go home with your escort or the transport arranged for you; do not travel home alone.",
)
DISCHARGE_INSTRUCTIONS_TEXT = " ".join(DISCHARGE_INSTRUCTIONS)


@dataclass(frozen=True)
class DischargeReadiness:
    ready: bool
    unmet: tuple[Reason, ...]
    met: tuple[Reason, ...]
    observation_ends_at: datetime | None


def _observation(
    route: Route, first_dose_at: datetime, now: datetime, protocol_minimum_minutes: int | None
) -> tuple[Reason, datetime | None, bool]:
    if protocol_minimum_minutes is not None and (
        isinstance(protocol_minimum_minutes, bool) or protocol_minimum_minutes <= 0
    ):
        raise ValueError("The protocol's minimum observation must be a positive number of minutes.")
    protocol = (
        timedelta(minutes=protocol_minimum_minutes)
        if protocol_minimum_minutes is not None
        else None
    )
    if route is Route.ESKETAMINE:
        minimum = max(ESKETAMINE_MINIMUM_OBSERVATION, protocol or timedelta(0))
        source = sources.SPRAVATO_OBSERVATION
        if protocol is not None and protocol > ESKETAMINE_MINIMUM_OBSERVATION:
            source = f"{source}; {sources.ORGANISATION_SETTING}"
        what = "after the first device"
    elif protocol is None:
        return (
            Reason(
                "discharge.observation_not_configured",
                f"No minimum observation time is set for {route.value}; the reference gives "
                "none, so the protocol must set one.",
                sources.ORGANISATION_SETTING,
            ),
            None,
            False,
        )
    else:
        minimum, source, what = protocol, sources.ORGANISATION_SETTING, "after the dose"
    ends = first_dose_at + minimum
    total = int(minimum.total_seconds() // 60)
    if now >= ends:
        return (
            Reason("discharge.observation_done", f"Observed for {total} min {what}.", source),
            ends,
            True,
        )
    left = whole_minutes_up(ends - now)
    return (
        Reason(
            "discharge.observation_not_done",
            f"Observation must last at least {total} min {what}: {left} min to go "
            f"(until {ends.isoformat()}).",
            source,
        ),
        ends,
        False,
    )


def _score(score_result: RecoveryScore | None) -> tuple[Reason, bool]:
    if score_result is None:
        return (
            Reason(
                "discharge.score_missing",
                "No recovery score (modified Aldrete or adapted PADSS) has been recorded.",
                sources.DISCHARGE_SCORE,
            ),
            False,
        )
    text = f"{score_result.total}/{score_result.maximum} (threshold {score_result.threshold})"
    if score_result.passed:
        return Reason(
            "discharge.score_passed", f"Recovery score {text}.", score_result.source
        ), True
    return (
        Reason(
            "discharge.score_below_threshold",
            f"Recovery score {text} does not pass: " + " ".join(score_result.reasons),
            score_result.source,
        ),
        False,
    )


def discharge_readiness(
    *,
    route: Route | str,
    first_dose_at: datetime,
    now: datetime,
    score_result: RecoveryScore | None,
    clinically_stable_attested: bool,
    escort_present: bool,
    protocol_minimum_minutes: int | None = None,
    bp_falling_or_stable: bool | None = None,
) -> DischargeReadiness:
    """Ready only when every condition holds; `unmet` lists every one that does not.
    `first_dose_at` is the first esketamine device, or the start of the dose on other routes.
    `bp_falling_or_stable` is a gate for esketamine only (None = not yet judged)."""
    route = route_of(route)
    require_aware(first_dose_at, "first_dose_at")
    require_aware(now, "now")
    if first_dose_at > now:
        raise ValueError("The first dose is dated after now.")
    checks: list[tuple[Reason, bool]] = []
    observed, ends, done = _observation(route, first_dose_at, now, protocol_minimum_minutes)
    checks.append((observed, done))
    stable_source = (
        sources.SPRAVATO_OBSERVATION if route is Route.ESKETAMINE else sources.KETALAR_RECOVERED
    )
    checks.append(
        (
            Reason(
                "discharge.clinically_stable"
                if clinically_stable_attested
                else "discharge.not_attested_stable",
                "A clinician attested that the patient is clinically stable."
                if clinically_stable_attested
                else "A clinician must attest that the patient is clinically stable.",
                stable_source,
            ),
            clinically_stable_attested,
        )
    )
    if route is Route.ESKETAMINE:
        if bp_falling_or_stable is None:
            bp = Reason(
                "discharge.bp_trend_unknown",
                "Record whether blood pressure is falling or stable at a safe level.",
                sources.SPRAVATO_BP_FALLING,
            )
        elif bp_falling_or_stable:
            bp = Reason(
                "discharge.bp_falling",
                "Blood pressure is falling or stable.",
                sources.SPRAVATO_BP_FALLING,
            )
        else:
            bp = Reason(
                "discharge.bp_not_falling",
                "Blood pressure is not falling: keep monitoring.",
                sources.SPRAVATO_BP_FALLING,
            )
        checks.append((bp, bool(bp_falling_or_stable)))
    checks.append(_score(score_result))
    checks.append(
        (
            Reason(
                "discharge.escort_present" if escort_present else "discharge.no_escort",
                "An escort or arranged transport is recorded."
                if escort_present
                else "Record an escort or arranged transport before discharge; the patient may "
                "not drive.",
                sources.ESCORT,
            ),
            escort_present,
        )
    )
    unmet = tuple(reason for reason, ok in checks if not ok)
    met = tuple(reason for reason, ok in checks if ok)
    return DischargeReadiness(ready=not unmet, unmet=unmet, met=met, observation_ends_at=ends)
