"""The session's state machine, check-in, and how the patient gets home.

checked_in → pre_checks → dosing → monitoring → recovery → discharged; or stopped_early (from
dosing, monitoring or recovery) / did_not_start (from checked_in or pre_checks), each with a
reason. Every move is timed, attributed (a SessionStep and the session's timing fields), audited,
and keeps the scheduling appointment in step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.treatment_day import MAX_CLOCK_SKEW
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketacare.scheduling.services import appointment_transition
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Membership
from ketacare.tenancy.permissions import Permission
from ketacare.treatment.models import PlanStatus
from ketacare.treatment_sessions.models import (
    CheckCode,
    SessionState,
    SessionStep,
    TransportKind,
    TreatmentSession,
)

S = SessionState
# The session's state machine: the one place that says which move is allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.CHECKED_IN: frozenset({S.PRE_CHECKS, S.DID_NOT_START}),
    S.PRE_CHECKS: frozenset({S.DOSING, S.DID_NOT_START}),
    S.DOSING: frozenset({S.MONITORING, S.STOPPED_EARLY}),
    S.MONITORING: frozenset({S.RECOVERY, S.STOPPED_EARLY}),
    S.RECOVERY: frozenset({S.DISCHARGED, S.STOPPED_EARLY}),
}
NEEDS_REASON = frozenset({S.STOPPED_EARLY, S.DID_NOT_START})
ENDED = frozenset({S.DISCHARGED, S.STOPPED_EARLY, S.DID_NOT_START})
# Moves with their own service, because they have their own conditions.
OWN_SERVICE: dict[str, str] = {S.DOSING: "dosing_start", S.DISCHARGED: "session_discharge"}


class StaleSessionError(Exception):
    """The session changed since the caller read it (another nurse charted it)."""

    def __init__(self, expected_version: int, current: TreatmentSession) -> None:
        self.expected_version = expected_version
        self.current = current
        last = current.steps.order_by("-at", "-pk").select_related("by").first()
        self.changed_fields = ["state"]
        by = ""
        if last is not None:
            who = str(last.by)
            by = f", moved there by {who} at {timezone.localtime(last.at):%H:%M}"
        super().__init__(
            f"Someone else changed this session while you were looking at it: it is now "
            f"{current.get_state_display().lower()}{by} (version {current.version}, you had "
            f"version {expected_version})."
        )


def chart_membership(actor: Actor, session: TreatmentSession) -> Membership:
    """CHART_SESSION on one's own organisation's session; another's answers 404."""
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, session.organisation_id, "session")
    return membership


def locked(session: TreatmentSession, expected_version: int | None = None) -> TreatmentSession:
    """The session re-read under a row lock (two nurses charting are served one at a time)."""
    current = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("patient", "clinic", "plan", "appointment", "order", "organisation")
        .get(pk=session.pk)
    )
    if expected_version is not None and expected_version != current.version:
        raise StaleSessionError(expected_version, current)
    return current


def checked_time(value: datetime | None, field: str, session: TreatmentSession) -> datetime:
    """A charted time: aware, not in the future, not before check-in."""
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ValidationError({field: ["Give the time with its time zone."]})
    if value - now > MAX_CLOCK_SKEW:
        raise ValidationError({field: ["That time is in the future; check the clock."]})
    if value < session.checked_in_at:
        raise ValidationError({field: ["That time is before the patient checked in."]})
    return value


def _sync_appointment(actor: Actor, appointment: Appointment, to: str, reason: str = "") -> None:
    current = Appointment.objects.get(pk=appointment.pk)
    if current.status == to:
        return
    appointment_transition(actor=actor, appointment=current, to=to, reason=reason)


APPOINTMENT_FOR: dict[str, str] = {
    S.DOSING: AppointmentStatus.IN_PROGRESS,
    S.DISCHARGED: AppointmentStatus.COMPLETED,
    S.STOPPED_EARLY: AppointmentStatus.COMPLETED,
    S.DID_NOT_START: AppointmentStatus.CANCELLED,
}


def move(
    *,
    actor: Actor,
    session: TreatmentSession,
    to: str,
    reason: str = "",
    at: datetime | None = None,
) -> TreatmentSession:
    """Move a locked session (see `locked`) along the state machine: the step, the timing
    fields, the audit event and the appointment. Callers check their own conditions first."""
    membership = chart_membership(actor, session)
    if to not in S.values:
        raise ValidationError({"state": [f"Unknown state {to!r}."]})
    allowed = TRANSITIONS.get(session.state, frozenset())
    if to not in allowed:
        names = ", ".join(sorted(allowed)) or "nothing (the session has ended)"
        raise ValidationError(
            {"state": [f"A session in {session.state} cannot go to {to}; it may go to: {names}."]}
        )
    reason = reason.strip()
    if to in NEEDS_REASON and not reason:
        raise ValidationError({"reason": [f"Say why the session is {S(to).label.lower()}."]})
    when = at or timezone.now()
    before = session.state
    session.state = to
    session.state_changed_at = when
    session.version += 1
    changed = ["state", "state_changed_at", "version"]
    if to == S.MONITORING and session.dosing_ended_at is None:
        session.dosing_ended_at = when
        changed.append("dosing_ended_at")
    if to == S.RECOVERY:
        session.recovery_started_at = when
        changed.append("recovery_started_at")
    if to in ENDED:
        session.ended_at = when
        session.end_reason = reason
        changed += ["ended_at", "end_reason"]
        if to == S.STOPPED_EARLY and session.dosing_ended_at is None and session.first_dose_at:
            session.dosing_ended_at = when
            changed.append("dosing_ended_at")
    if to == S.DISCHARGED:
        session.discharged_by = membership.user
        changed.append("discharged_by")
    session.save(update_fields=[*changed, "updated_at"])
    SessionStep.objects.create(
        session=session, from_state=before, to_state=to, at=when, by=membership.user, reason=reason
    )
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=session,
        patient_public_id=session.patient.public_id,
        changed_fields=["state"],
        detail={"from": before, "to": to, **({"reason": reason} if reason else {})},
    )
    if to in APPOINTMENT_FOR:
        _sync_appointment(actor, session.appointment, APPOINTMENT_FOR[to], reason)
    return session


def transport_fields(
    session: TreatmentSession,
    *,
    transport_kind: str,
    escort_name: str,
    escort_phone: str,
    no_driving_acknowledged: bool,
) -> list[str]:
    """Record how the patient gets home; the changed field names."""
    errors: dict[str, list[str]] = {}
    if transport_kind not in TransportKind.values:
        errors["transport_kind"] = ["Choose an escort or arranged transport."]
    if not escort_name.strip():
        errors["escort_name"] = ["Give the escort's name or the transport company."]
    if not escort_phone.strip():
        errors["escort_phone"] = ["Give a phone number to reach the escort or transport."]
    if errors:
        raise ValidationError(errors)
    session.transport_kind = transport_kind
    session.escort_name = escort_name.strip()[:150]
    session.escort_phone = escort_phone.strip()[:30]
    changed = ["transport_kind", "escort_name", "escort_phone"]
    if no_driving_acknowledged and session.no_driving_acknowledged_at is None:
        session.no_driving_acknowledged_at = timezone.now()
        changed.append("no_driving_acknowledged_at")
    return changed


@transaction.atomic
def session_check_in(
    *,
    actor: Actor,
    appointment: Appointment,
    transport_kind: str = "",
    escort_name: str = "",
    escort_phone: str = "",
    no_driving_acknowledged: bool = False,
) -> TreatmentSession:
    """Open the treatment day for a booked treatment appointment. Without an escort or transport
    the check-in goes ahead, but the transport pre-check fails (dosing is blocked) until one is
    recorded (rule 11)."""
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, appointment.organisation_id, "appointment")
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("plan", "patient", "clinic")
        .get(pk=appointment.pk)
    )
    if appointment.kind != AppointmentKind.TREATMENT:
        raise ValidationError({"appointment": ["Only a treatment appointment opens a session."]})
    if TreatmentSession.objects.filter(appointment=appointment).exists():
        raise ValidationError({"appointment": ["This appointment is already checked in."]})
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        raise ValidationError(
            {
                "appointment": [
                    f"A {appointment.get_status_display().lower()} appointment cannot "
                    "be checked in."
                ]
            }
        )
    plan = appointment.plan
    if plan is None:
        raise ValidationError({"plan": ["The appointment has no treatment plan: link one first."]})
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(
            {"plan": [f"The treatment plan is {plan.get_status_display().lower()}, not active."]}
        )
    now = timezone.now()
    session = TreatmentSession(
        organisation_id=appointment.organisation_id,
        clinic=appointment.clinic,
        patient=appointment.patient,
        appointment=appointment,
        plan=plan,
        route=plan.route,
        space=appointment.space,
        state=S.CHECKED_IN,
        state_changed_at=now,
        checked_in_at=now,
        checked_in_by=membership.user,
    )
    if transport_kind or escort_name or escort_phone:
        transport_fields(
            session,
            transport_kind=transport_kind,
            escort_name=escort_name,
            escort_phone=escort_phone,
            no_driving_acknowledged=no_driving_acknowledged,
        )
    session.save()
    SessionStep.objects.create(
        session=session, from_state="", to_state=S.CHECKED_IN, at=now, by=membership.user
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=session,
        patient_public_id=appointment.patient.public_id,
        detail={"appointment": str(appointment.public_id), "route": session.route},
    )
    _sync_appointment(actor, appointment, AppointmentStatus.CHECKED_IN)
    return session


@transaction.atomic
def session_transition(
    *,
    actor: Actor,
    session: TreatmentSession,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
) -> TreatmentSession:
    """Move a session along its state machine. Dosing and discharge have their own services
    (`dosing_start`, `session_discharge`), because each has its own conditions."""
    chart_membership(actor, session)
    current = locked(session, expected_version)
    if to in OWN_SERVICE:
        raise ValidationError({"state": [f"Use {OWN_SERVICE[to]} to move a session to {to}."]})
    moved = move(actor=actor, session=current, to=to, reason=reason)
    if to == S.STOPPED_EARLY:
        from ketacare.treatment_sessions.services.recovery import after_the_session

        after_the_session(actor=actor, session=moved)
    return moved


@transaction.atomic
def transport_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    transport_kind: str,
    escort_name: str,
    escort_phone: str,
    no_driving_acknowledged: bool,
    expected_version: int | None = None,
) -> TreatmentSession:
    """Record the escort or arranged transport and the no-driving acknowledgement (rule 11)."""
    chart_membership(actor, session)
    current = locked(session, expected_version)
    if current.state in ENDED:
        raise ValidationError({"state": ["The session has ended."]})
    changed = transport_fields(
        current,
        transport_kind=transport_kind,
        escort_name=escort_name,
        escort_phone=escort_phone,
        no_driving_acknowledged=no_driving_acknowledged,
    )
    current.version += 1
    current.save(update_fields=[*changed, "version", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=changed,
    )
    # The transport pre-check follows what was recorded.
    from ketacare.treatment_sessions.services.checks import refresh_automatic_check

    refresh_automatic_check(actor=actor, session=current, code=CheckCode.TRANSPORT)
    return current


def audit_detail(**values: Any) -> dict[str, Any]:
    """Values for an audit event, as strings (dates and decimals are not JSON)."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
