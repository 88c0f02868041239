"""Recovery, discharge and what follows the session: recovery scores (rule 13), the clinician's
"clinically stable" attestation, the escort present, the discharge gate and the discharge
instructions (rule 11); the esketamine REMS form is drafted by services.rems."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical import recovery as recovery_rules
from ketacare.clinical.treatment_day import discharge_readiness
from ketacare.tenancy.access import Actor
from ketacare.tenancy.models import Route
from ketacare.treatment_sessions import selectors
from ketacare.treatment_sessions.models import (
    RecoveryScale,
    RecoveryScore,
    SessionState,
    TreatmentSession,
)
from ketacare.treatment_sessions.services.flow import (
    chart_membership,
    checked_time,
    locked,
    move,
)
from ketacare.treatment_sessions.services.rems import rems_form_build

AFTER_DOSING = (SessionState.MONITORING, SessionState.RECOVERY)


def _threshold(session: TreatmentSession, scale: str) -> int:
    settings = selectors.day_settings(session.organisation)
    if scale == RecoveryScale.ALDRETE:
        return settings.aldrete_threshold
    threshold = settings.padss_threshold
    if threshold is None:
        raise ValidationError(
            {
                "scale": [
                    "Set the adapted PADSS threshold in the treatment-day settings first (the "
                    "reference gives none for the 8-point adapted form)."
                ]
            }
        )
    return threshold


def score_items(scale: str, items: dict[str, Any], threshold: int) -> recovery_rules.RecoveryScore:
    """The clinical core's score for stored items (ValueError for an answer it refuses)."""
    if scale == RecoveryScale.ALDRETE:
        names = {i.value for i in recovery_rules.AldreteItem}
    else:
        names = {i.value for i in recovery_rules.PadssItem}
    if set(items) != names:
        missing, extra = sorted(names - set(items)), sorted(set(items) - names)
        raise ValueError(
            "Score every item: "
            + ", ".join(sorted(names))
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(extra)})" if extra else "")
        )
    if scale == RecoveryScale.ALDRETE:
        return recovery_rules.modified_aldrete(**items, threshold=threshold)
    return recovery_rules.adapted_padss(**items, threshold=threshold)


@transaction.atomic
def recovery_score_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    scale: str,
    items: dict[str, Any],
    scored_at: datetime | None = None,
) -> RecoveryScore:
    """Score the modified Aldrete (threshold 9 unless the organisation set another, S17/S18) or
    the adapted PADSS (the organisation's threshold, required)."""
    membership = chart_membership(actor, session)
    current = locked(session)
    if current.state not in AFTER_DOSING:
        raise ValidationError({"state": ["Recovery is scored after dosing, before discharge."]})
    if scale not in RecoveryScale.values:
        raise ValidationError({"scale": ["Choose the modified Aldrete or the adapted PADSS."]})
    threshold = _threshold(current, scale)
    try:
        result = score_items(scale, dict(items), threshold)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"items": [str(exc)]}) from exc
    when = checked_time(scored_at, "scored_at", current)
    row = RecoveryScore.objects.create(
        organisation_id=current.organisation_id,
        session=current,
        scale=scale,
        items={i.item: i.answer for i in result.items},
        total=result.total,
        threshold=threshold,
        passed=result.passed,
        scored_at=when,
        scored_by=membership.user,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        patient_public_id=current.patient.public_id,
        detail={
            "session": str(current.public_id),
            "scale": scale,
            "total": result.total,
            "threshold": threshold,
            "passed": result.passed,
        },
    )
    return row


def _stamp(actor: Actor, session: TreatmentSession, fields: dict[str, Any]) -> TreatmentSession:
    for name, value in fields.items():
        setattr(session, name, value)
    session.version += 1
    session.save(update_fields=[*fields, "version", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=session,
        patient_public_id=session.patient.public_id,
        changed_fields=list(fields),
    )
    return session


@transaction.atomic
def clinically_stable_attest(
    *, actor: Actor, session: TreatmentSession, expected_version: int | None = None
) -> TreatmentSession:
    """The clinician's judgement that the patient is clinically stable (esketamine: after at
    least 2 h, S3; rule 6). Any member of staff who charts sessions may give it."""
    membership = chart_membership(actor, session)
    current = locked(session, expected_version)
    if current.state not in AFTER_DOSING:
        raise ValidationError({"state": ["Attest stability after dosing, before discharge."]})
    return _stamp(
        actor,
        current,
        {"clinically_stable_at": timezone.now(), "clinically_stable_by": membership.user},
    )


@transaction.atomic
def escort_present_record(
    *, actor: Actor, session: TreatmentSession, expected_version: int | None = None
) -> TreatmentSession:
    """The escort or arranged transport has arrived to take the patient home (rule 11)."""
    chart_membership(actor, session)
    current = locked(session, expected_version)
    if not (current.transport_kind and current.escort_name):
        raise ValidationError({"escort": ["Record who takes the patient home first."]})
    if current.state not in (SessionState.DOSING, *AFTER_DOSING):
        raise ValidationError({"state": ["The escort is recorded present before discharge."]})
    return _stamp(actor, current, {"escort_present_at": timezone.now()})


def discharge_gate(session: TreatmentSession, now: datetime) -> list[str]:
    """Every condition still unmet for discharge (empty when the patient may go)."""
    if session.first_dose_at is None:
        return ["No dose was charted: end the session as stopped early instead."]
    latest = selectors.latest_recovery_score(session)
    score = None
    if latest is not None:
        try:
            score = score_items(latest.scale, dict(latest.items), latest.threshold)
        except ValueError:  # pragma: no cover - stored items were scored when recorded
            score = None
    settings = selectors.day_settings(session.organisation)
    readiness = discharge_readiness(
        route=session.route,
        first_dose_at=session.first_dose_at,
        now=max(now, session.first_dose_at),
        score_result=score,
        clinically_stable_attested=session.clinically_stable_at is not None,
        escort_present=session.escort_present_at is not None,
        protocol_minimum_minutes=settings.minimum_observation_minutes(session.route),
        bp_falling_or_stable=(
            selectors.blood_pressure_not_rising(session)
            if session.route == Route.ESKETAMINE
            else None
        ),
    )
    return [reason.message for reason in readiness.unmet]


@transaction.atomic
def session_discharge(
    *,
    actor: Actor,
    session: TreatmentSession,
    now: datetime | None = None,
    ready_to_leave_minutes: int | None = None,
    expected_version: int | None = None,
) -> TreatmentSession:
    """Discharge the patient to their escort: refused, listing every unmet condition, until the
    observation time, the recovery score, the clinician's attestation, (esketamine) a blood
    pressure not rising, and the escort present all hold. The discharge instructions go to the
    patient by a background task; for esketamine the REMS form is drafted.
    `ready_to_leave_minutes` answers the REMS question "without the 2-h rule, when would the
    patient have been ready to leave?" (S4a)."""
    chart_membership(actor, session)
    current = locked(session, expected_version)
    if current.state != SessionState.RECOVERY:
        move(actor=actor, session=current, to=SessionState.DISCHARGED)  # raises the state error
    moment = now or timezone.now()
    unmet = discharge_gate(current, moment)
    if unmet:
        raise ValidationError({"discharge": unmet})
    if ready_to_leave_minutes is not None and (
        isinstance(ready_to_leave_minutes, bool) or not 0 <= ready_to_leave_minutes <= 24 * 60
    ):
        raise ValidationError({"ready_to_leave_minutes": ["Give minutes from the first device."]})
    moved = move(actor=actor, session=current, to=SessionState.DISCHARGED, at=moment)
    after_the_session(actor=actor, session=moved, ready_to_leave_minutes=ready_to_leave_minutes)
    return moved


def after_the_session(
    *, actor: Actor, session: TreatmentSession, ready_to_leave_minutes: int | None = None
) -> None:
    """Once dosed and ended (discharged or stopped early): the discharge instructions, and for
    esketamine the REMS Patient Monitoring Form."""
    if session.first_dose_at is None:
        return
    from ketacare.treatment_sessions.tasks import send_discharge_instructions

    session_id = session.pk
    transaction.on_commit(lambda: send_discharge_instructions.enqueue(session_id))
    if session.route == Route.ESKETAMINE:
        rems_form_build(actor=actor, session=session, ready_to_leave_minutes=ready_to_leave_minutes)
