"""Reads for reminders and calendar feeds. Each takes the acting user and is tenant-scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from ketacare.patients.models import Patient
from ketacare.reminders.models import CalendarFeed, EscortConfirmation, FeedOwner, Reminder
from ketacare.scheduling.models import Appointment
from ketacare.tenancy.access import Actor, require_membership, require_permission, scoped
from ketacare.tenancy.permissions import Permission


def my_feed(user: Actor) -> CalendarFeed | None:
    """The acting member of staff's live calendar feed, if any."""
    membership = require_membership(user)
    return (
        scoped(CalendarFeed.objects.all(), membership)
        .filter(owner=FeedOwner.STAFF, membership=membership, revoked_at__isnull=True)
        .first()
    )


def patient_feed(user: Actor, patient: Patient) -> CalendarFeed | None:
    membership = require_permission(user, Permission.VIEW_PATIENT)
    return (
        scoped(CalendarFeed.objects.all(), membership)
        .filter(owner=FeedOwner.PATIENT, patient=patient, revoked_at__isnull=True)
        .first()
    )


def appointment_reminders(user: Actor, appointment: Appointment) -> QuerySet[Reminder]:
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    return scoped(Reminder.objects.all(), membership).filter(appointment=appointment)


def escort_confirmation_for(user: Actor, appointment: Appointment) -> EscortConfirmation | None:
    """The escort's latest answer for an appointment (for the check-in screen)."""
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    return (
        scoped(EscortConfirmation.objects.select_related("contact"), membership)
        .filter(appointment=appointment)
        .first()
    )
