"""What each message says. Minimum necessary: the clinic, the time, the address, what to do
before coming, a link where one is needed. Never a diagnosis, a dose or a score.

Texts are composed when the message is sent, from the appointment as it is then."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ketacare.messaging.outbox import Attachment
from ketacare.reminders.calendar import (
    clinic_address,
    clinic_zone,
    patient_calendar,
    patient_description,
)
from ketacare.reminders.models import Channel, Reminder, ReminderKind
from ketacare.reminders.tokens import escort_token
from ketacare.scheduling.models import Appointment, AppointmentStatus


@dataclass(frozen=True)
class Composed:
    to: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = field(default=())


def when(appointment: Appointment) -> str:
    local = timezone.localtime(appointment.starts_at, clinic_zone(appointment.clinic))
    return f"{local:%A %B %-d at %-I:%M %p} ({local.tzname()})"


def _site(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def _footer(appointment: Appointment) -> str:
    clinic = appointment.clinic
    return f"To change or cancel, call {clinic.name} on {clinic.phone}." if clinic.phone else ""


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def patient_address(reminder: Reminder) -> str:
    patient = reminder.appointment.patient
    return patient.phone if reminder.channel == Channel.SMS else patient.email


def compose(reminder: Reminder, *, questionnaire_url: str = "") -> Composed:
    appointment = reminder.appointment
    clinic = appointment.clinic
    if reminder.kind == ReminderKind.ESCORT_CONFIRMATION:
        return _escort(reminder)
    to = patient_address(reminder)
    if reminder.kind == ReminderKind.QUESTIONNAIRE:
        body = _join(
            f"{clinic.name} has a short questionnaire for you before your appointment on "
            f"{when(appointment)}: {questionnaire_url}",
            "The link works once. If you need help now, call or text 988, or call 911.",
        )
        return Composed(to, f"A questionnaire from {clinic.name}", body)
    preparation = patient_description(appointment)
    address = f"Address: {clinic_address(clinic)}"
    if reminder.kind == ReminderKind.BOOKING_CONFIRMATION:
        series: list[Appointment] = (
            list(
                appointment.series.appointments.filter(
                    status=AppointmentStatus.BOOKED
                ).select_related("clinic", "organisation")
            )
            if appointment.series is not None
            else [appointment]
        )
        moved = appointment.rescheduled_from_id is not None
        if len(series) > 1:
            times = "\n".join(f"- {when(a)}" for a in series)
            opening = f"Your appointments at {clinic.name} are booked:\n{times}"
        else:
            verb = "has moved to" if moved else "is booked for"
            opening = f"Your appointment at {clinic.name} {verb} {when(appointment)}."
        body = _join(opening, address, preparation)
        attachments: tuple[Attachment, ...] = ()
        if reminder.channel == Channel.EMAIL:
            ics = patient_calendar(series, f"Appointments at {clinic.name}", method="PUBLISH")
            attachments = (Attachment("appointment.ics", ics, "text/calendar"),)
        subject = (
            f"Your appointment at {clinic.name}"
            if len(series) == 1
            else (f"Your appointments at {clinic.name}")
        )
        return Composed(to, subject, body, attachments)
    body = _join(
        f"Reminder: your appointment at {clinic.name} is on {when(appointment)}.",
        address,
        preparation,
    )
    if reminder.channel == Channel.SMS:
        body = _join(body, _footer(appointment))
    return Composed(to, f"Reminder: your appointment at {clinic.name}", body)


def _escort(reminder: Reminder) -> Composed:
    confirmation = reminder.escort_confirmation
    assert confirmation is not None  # noqa: S101  (a constraint of how the row is made)
    contact = confirmation.contact
    appointment = reminder.appointment
    clinic = appointment.clinic
    patient = appointment.patient
    first_name = patient.preferred_name or patient.legal_first_name
    url = _site(reverse("reminders:escort", kwargs={"token": escort_token(confirmation)}))
    body = _join(
        f"Hello {contact.name}, {first_name} named you as the adult who will take them home "
        f"from {clinic.name} ({clinic_address(clinic)}) on {when(appointment)}.",
        f"Please confirm you can: {url}",
        _footer(appointment),
    )
    to = contact.phone if reminder.channel == Channel.SMS else contact.email
    return Composed(to, f"Can you take {first_name} home from {clinic.name}?", body)
