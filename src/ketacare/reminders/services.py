"""Writes for reminders and calendar feeds: making the reminders of an appointment (called by
the scheduling services inside their transactions), the practice's reminder settings, the
escort's answer, and private calendar feeds. Sending is in `ketacare.reminders.sending`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.measures.models import MeasureSchedule, ScheduleFrequency
from ketacare.patients.models import ContactKind, Patient, PatientContact
from ketacare.reminders.calendar import patient_calendar, staff_calendar
from ketacare.reminders.models import (
    CalendarFeed,
    Channel,
    EscortConfirmation,
    FeedOwner,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from ketacare.reminders.policy import MAX_HOURS_BEFORE, ReminderSettings, reminder_settings
from ketacare.reminders.tokens import escort_token, new_feed_token, token_hash
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketacare.tenancy.access import (
    Actor,
    require_membership,
    require_permission,
    require_same_organisation,
)
from ketacare.tenancy.models import Organisation
from ketacare.tenancy.permissions import Permission

# What someone holding a public link (the escort, a patient's calendar app) did: recorded
# without a signed-in person. The audit table admits such events only for listed actions;
# AuditAction.PUBLIC_LINK is that action once the audit app has it, and until then these
# events are filed as self_report with detail {"public_link": ...} to tell them apart.
PUBLIC_LINK_ACTION: AuditAction = getattr(AuditAction, "PUBLIC_LINK", AuditAction.SELF_REPORT)

# How far a feed looks back and ahead. A calendar shows what is coming; history is in ketacare.
FEED_PAST = timedelta(days=7)
FEED_AHEAD = timedelta(days=180)


def _patient_channel(patient: Patient) -> Channel | None:
    """Reminders go by text when there is a phone number (read at once), else by e-mail."""
    if patient.phone:
        return Channel.SMS
    if patient.email:
        return Channel.EMAIL
    return None


def _confirmation_channel(patient: Patient) -> Channel | None:
    """The booking confirmation prefers e-mail: it carries the calendar (.ics) attachment."""
    if patient.email:
        return Channel.EMAIL
    return Channel.SMS if patient.phone else None


def before_session_instruments(patient: Patient) -> list[str]:
    """The scales the patient fills before each session, among those they can fill alone."""
    from ketacare.measures.services import self_report_instruments

    allowed = {instrument.code for instrument in self_report_instruments()}
    codes = MeasureSchedule.objects.filter(
        patient=patient, active=True, frequency=ScheduleFrequency.BEFORE_EACH_SESSION
    ).values_list("instrument_code", flat=True)
    return [code for code in codes if code in allowed]


def _key(appointment: Appointment, *parts: object) -> str:
    return "-".join(["r", appointment.public_id.hex, *(str(p) for p in parts)])


def appointment_reminders_sync(*, actor: Actor, appointment: Appointment) -> list[Reminder]:
    """Bring the appointment's reminders in line with it: a booked appointment gets its
    confirmation, reminders, questionnaire link and escort request (each made once: the
    idempotency key is the identity); any other status cancels what is still waiting.

    Call it inside the scheduling service's transaction, after the appointment is written:
    the rows are the queue, so they commit or roll back with the booking."""
    if appointment.status != AppointmentStatus.BOOKED:
        cancelled = Reminder.objects.filter(
            appointment=appointment, status=ReminderStatus.PENDING
        ).update(status=ReminderStatus.CANCELLED, updated_at=timezone.now())
        if cancelled:
            _audit_sync(actor, appointment, {"cancelled": cancelled})
        return []
    now = timezone.now()
    if appointment.starts_at <= now:
        return []
    created = [r for r in _wanted(actor, appointment, now) if r is not None]
    if created:
        _audit_sync(actor, appointment, {"created": sorted({r.kind for r in created})})
    return created


def _audit_sync(actor: Actor, appointment: Appointment, detail: dict[str, object]) -> None:
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        organisation=appointment.organisation,
        obj=appointment,
        patient_public_id=appointment.patient.public_id,
        changed_fields=["reminders"],
        detail={"reminders": detail},
    )


def _wanted(actor: Actor, appointment: Appointment, now: datetime) -> list[Reminder | None]:
    patient = appointment.patient
    settings = reminder_settings(appointment.organisation.settings)
    made: list[Reminder | None] = []
    confirm = _confirmation_channel(patient)
    if confirm is not None:
        key = (
            f"r-s{appointment.series.public_id.hex}-booking_confirmation-{confirm}"
            if appointment.series_id is not None and appointment.series is not None
            else _key(appointment, ReminderKind.BOOKING_CONFIRMATION, confirm)
        )
        made.append(_make(actor, appointment, ReminderKind.BOOKING_CONFIRMATION, confirm, now, key))
    channel = _patient_channel(patient)
    if channel is not None:
        for hours in settings.appointment_hours:
            due = appointment.starts_at - timedelta(hours=hours)
            if due > now:  # a reminder whose time has passed at booking adds nothing
                key = _key(appointment, ReminderKind.APPOINTMENT, hours, channel)
                made.append(
                    _make(actor, appointment, ReminderKind.APPOINTMENT, channel, due, key, hours)
                )
    if appointment.kind != AppointmentKind.TREATMENT:
        return made
    if channel is not None and before_session_instruments(patient):
        hours = settings.questionnaire_hours
        due = max(now, appointment.starts_at - timedelta(hours=hours))
        key = _key(appointment, ReminderKind.QUESTIONNAIRE, channel)
        made.append(_make(actor, appointment, ReminderKind.QUESTIONNAIRE, channel, due, key, hours))
    made.append(_escort_request(actor, appointment, settings, now))
    return made


def _make(
    actor: Actor,
    appointment: Appointment,
    kind: ReminderKind,
    channel: Channel,
    due_at: datetime,
    key: str,
    hours: int | None = None,
    escort: EscortConfirmation | None = None,
) -> Reminder | None:
    if Reminder.objects.filter(idempotency_key=key).exists():
        return None
    return Reminder.objects.create(
        organisation_id=appointment.organisation_id,
        appointment=appointment,
        kind=kind,
        channel=channel,
        hours_before=hours,
        escort_confirmation=escort,
        due_at=due_at,
        idempotency_key=key,
        created_by=actor if actor.is_authenticated else None,
    )


def _escort_request(
    actor: Actor, appointment: Appointment, settings: ReminderSettings, now: datetime
) -> Reminder | None:
    contact = PatientContact.objects.filter(
        patient=appointment.patient, kind=ContactKind.ESCORT
    ).first()
    if contact is None:
        return None
    channel = Channel.SMS if contact.phone else Channel.EMAIL if contact.email else None
    if channel is None:
        return None
    key = _key(appointment, ReminderKind.ESCORT_CONFIRMATION, contact.public_id.hex, channel)
    if Reminder.objects.filter(idempotency_key=key).exists():
        return None
    confirmation = EscortConfirmation(
        organisation_id=appointment.organisation_id, appointment=appointment, contact=contact
    )
    confirmation.token_hash = token_hash(escort_token(confirmation))
    confirmation.save()
    due = max(now, appointment.starts_at - timedelta(hours=settings.escort_hours))
    return _make(
        actor,
        appointment,
        ReminderKind.ESCORT_CONFIRMATION,
        channel,
        due,
        key,
        settings.escort_hours,
        escort=confirmation,
    )


@transaction.atomic
def reminder_settings_set(
    *,
    actor: Actor,
    appointment_hours: Sequence[int],
    questionnaire_hours: int,
    escort_hours: int,
) -> ReminderSettings:
    """The practice's reminder offsets (hours before the appointment). Audited."""
    membership = require_permission(actor, Permission.MANAGE_SCHEDULE)
    errors: dict[str, list[str]] = {}
    hours = sorted(set(appointment_hours), reverse=True)
    if len(hours) > 4:
        errors["appointment_hours"] = ["Choose at most four reminders."]
    elif any(not 1 <= h <= MAX_HOURS_BEFORE for h in hours):
        errors["appointment_hours"] = [f"Each reminder is 1 to {MAX_HOURS_BEFORE} hours before."]
    for name, value in (
        ("questionnaire_hours", questionnaire_hours),
        ("escort_hours", escort_hours),
    ):
        if not 1 <= value <= MAX_HOURS_BEFORE:
            errors[name] = [f"Choose 1 to {MAX_HOURS_BEFORE} hours before."]
    if errors:
        raise ValidationError(errors)
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    before = reminder_settings(organisation.settings)
    chosen = ReminderSettings(tuple(hours), questionnaire_hours, escort_hours)
    organisation.settings = {**organisation.settings, "reminders": chosen.as_json()}
    organisation.save(update_fields=["settings", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["settings"],
        detail={"reminders": {"from": before.as_json(), "to": chosen.as_json()}},
    )
    return chosen


# The escort's answer (public: the link's token is the only key).


class EscortLinkRefused(Exception):
    """An escort link that is unknown, or whose appointment is no longer booked or is past."""


def escort_confirmation_open(token: str) -> EscortConfirmation:
    confirmation = (
        EscortConfirmation.objects.select_related(
            "appointment__clinic", "appointment__patient", "contact", "organisation"
        )
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if confirmation is None:
        raise EscortLinkRefused("unknown link")
    appointment = confirmation.appointment
    if appointment.status != AppointmentStatus.BOOKED or appointment.ends_at <= timezone.now():
        raise EscortLinkRefused("no longer needed")
    return confirmation


@transaction.atomic
def escort_confirmation_viewed(*, confirmation: EscortConfirmation) -> None:
    """The page shows the patient's first name and appointment time: record the disclosure."""
    record_event(
        actor=AnonymousUser(),
        action=PUBLIC_LINK_ACTION,
        organisation=confirmation.organisation,
        obj=confirmation,
        patient_public_id=confirmation.appointment.patient.public_id,
        detail={"public_link": "escort_confirmation", "did": "viewed"},
    )


@transaction.atomic
def escort_confirmation_answer(*, token: str, confirmed: bool) -> EscortConfirmation:
    """The escort says they will (or cannot) take the patient home. They may change their
    answer until the appointment; each answer is audited."""
    found = escort_confirmation_open(token)
    confirmation = EscortConfirmation.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    confirmation.confirmed_at = now if confirmed else None
    confirmation.declined_at = None if confirmed else now
    confirmation.save(update_fields=["confirmed_at", "declined_at"])
    record_event(
        actor=AnonymousUser(),
        action=PUBLIC_LINK_ACTION,
        organisation=found.organisation,
        obj=confirmation,
        patient_public_id=found.appointment.patient.public_id,
        changed_fields=["confirmed_at", "declined_at"],
        detail={
            "public_link": "escort_confirmation",
            "did": "confirmed" if confirmed else "declined",
        },
    )
    confirmation.appointment = found.appointment
    confirmation.contact = found.contact
    return confirmation


# Private calendar feeds.


@transaction.atomic
def calendar_feed_create(
    *, actor: Actor, patient: Patient | None = None
) -> tuple[CalendarFeed, str]:
    """A new private feed address, for the acting member of staff or for a patient. Any
    earlier address of the same owner stops working. Returns the token, which is not stored."""
    membership = require_membership(actor)
    if patient is not None:
        membership = require_permission(actor, Permission.EDIT_PATIENT)
        require_same_organisation(membership, patient.organisation_id, "patient")
        owner = Q(owner=FeedOwner.PATIENT, patient=patient)
    else:
        owner = Q(owner=FeedOwner.STAFF, membership=membership)
    now = timezone.now()
    CalendarFeed.objects.filter(owner, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=membership.user
    )
    token = new_feed_token()
    feed = CalendarFeed.objects.create(
        organisation_id=membership.organisation_id,
        owner=FeedOwner.PATIENT if patient is not None else FeedOwner.STAFF,
        membership=None if patient is not None else membership,
        patient=patient,
        token_hash=token_hash(token),
        created_by=membership.user,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=feed,
        patient_public_id=patient.public_id if patient is not None else None,
        detail={"owner": feed.owner},
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: Actor, feed: CalendarFeed) -> CalendarFeed:
    membership = require_membership(actor)
    require_same_organisation(membership, feed.organisation_id, "feed")
    if feed.owner == FeedOwner.PATIENT:
        require_permission(actor, Permission.EDIT_PATIENT)
    elif feed.membership_id != membership.pk:
        raise PermissionDenied("Only its owner may turn off a member of staff's calendar feed.")
    current = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.revoked_by = membership.user
        current.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=current,
            patient_public_id=current.patient.public_id if current.patient else None,
            changed_fields=["revoked_at"],
        )
    return current


def calendar_feed_open(token: str) -> CalendarFeed | None:
    """The live feed behind a token, or None (unknown or revoked: the view answers 404)."""
    return (
        CalendarFeed.objects.select_related("organisation", "patient", "membership__user")
        .filter(token_hash=token_hash(token or ""), revoked_at__isnull=True)
        .first()
    )


def _feed_appointments(feed: CalendarFeed) -> QuerySet[Appointment]:
    now = timezone.now()
    appointments = Appointment.objects.filter(
        organisation_id=feed.organisation_id,
        starts_at__gte=now - FEED_PAST,
        starts_at__lte=now + FEED_AHEAD,
    ).select_related("clinic", "organisation", "patient", "appointment_type", "space")
    if feed.owner == FeedOwner.PATIENT:
        # The patient's calendar: what is still to come (a cancelled one is left out).
        return appointments.filter(
            patient=feed.patient, status=AppointmentStatus.BOOKED, ends_at__gte=now
        )
    return appointments.filter(
        staff_id=feed.membership_id,
        status__in=[
            AppointmentStatus.BOOKED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.IN_PROGRESS,
            AppointmentStatus.COMPLETED,
        ],
    )


@transaction.atomic
def calendar_feed_render(*, feed: CalendarFeed) -> bytes:
    """The feed's calendar. Each fetch is audited with the patients it showed."""
    appointments = list(_feed_appointments(feed))
    if feed.owner == FeedOwner.PATIENT:
        assert feed.patient is not None  # noqa: S101  (the owner constraint)
        body = patient_calendar(appointments, f"{feed.organisation.name} appointments")
    else:
        body = staff_calendar(appointments, f"{feed.organisation.name}: my appointments")
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    shown = sorted({str(a.patient.public_id) for a in appointments})
    if feed.membership is not None:
        # A member of staff's own feed, read with their token: filed under their name.
        record_event(
            actor=feed.membership.user,
            action=AuditAction.VIEW,
            organisation=feed.organisation,
            obj=feed,
            detail={"page": "calendar_feed", "shown": shown},
        )
    else:
        record_event(
            actor=AnonymousUser(),
            action=PUBLIC_LINK_ACTION,
            organisation=feed.organisation,
            obj=feed,
            patient_public_id=feed.patient.public_id if feed.patient else None,
            detail={"public_link": "calendar_feed", "did": "read", "shown": shown},
        )
    return body
