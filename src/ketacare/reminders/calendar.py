"""iCalendar for appointments: the private feeds and the booking confirmation's attachment.

Each event carries its clinic's zone (TZID, with the VTIMEZONE the calendar needs): a series
of 10:00 sessions stays at 10:00 across a change to or from daylight saving time, because
every session is its own event computed from the stored UTC time in the clinic's zone.

A patient's event says only "Appointment at <clinic>", the address and what to do before
coming: no type of treatment, no diagnosis."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from ketacare.reminders.policy import fasting_rules, preparation
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketacare.tenancy.models import Clinic

PRODID = "-//ketacare//appointments//EN"


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    """The clinic's zone (as `scheduling.services.clinic_zone`, which the scheduling services
    import this app from, so it is not imported back)."""
    return ZoneInfo(clinic.time_zone)


def clinic_address(clinic: Clinic) -> str:
    lines = [
        clinic.address_line1,
        clinic.address_line2,
        f"{clinic.city}, {clinic.state} {clinic.zip_code}",
    ]
    return ", ".join(line for line in lines if line)


def patient_summary(appointment: Appointment) -> str:
    return f"Appointment at {appointment.clinic.name}"


def patient_description(appointment: Appointment) -> str:
    lines = preparation(
        appointment.route,
        fasting_rules(appointment.organisation.settings, appointment.route),
        treatment=appointment.kind == AppointmentKind.TREATMENT,
    )
    if appointment.clinic.phone:
        lines.append(
            f"To change or cancel, call {appointment.clinic.name} on {appointment.clinic.phone}."
        )
    return "\n".join(lines)


def staff_summary(appointment: Appointment) -> str:
    """What a member of staff needs in their own calendar: the type, the patient's initials,
    the chair. The chart stays in ketacare."""
    patient = appointment.patient
    initials = (
        f"{(patient.preferred_name or patient.legal_first_name)[:1]}{patient.legal_last_name[:1]}"
    )
    space = f" · {appointment.space.name}" if appointment.space is not None else ""
    return f"{appointment.appointment_type.name} · {initials.upper()}{space}"


def _event(appointment: Appointment, summary: str, description: str, stamp: datetime) -> Event:
    zone = clinic_zone(appointment.clinic)
    event = Event()
    event.add("uid", f"{appointment.public_id}@ketacare")
    event.add("dtstamp", stamp)
    event.add("dtstart", timezone.localtime(appointment.starts_at, zone))
    event.add("dtend", timezone.localtime(appointment.ends_at, zone))
    event.add("summary", summary)
    event.add("location", clinic_address(appointment.clinic))
    if description:
        event.add("description", description)
    cancelled = appointment.status not in (
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.COMPLETED,
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(name: str, method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    if method:
        calendar.add("method", method)
    return calendar


def patient_calendar(
    appointments: Iterable[Appointment], name: str, *, method: str | None = None
) -> bytes:
    stamp = timezone.now()
    calendar = _calendar(name, method)
    for appointment in appointments:
        calendar.add_component(
            _event(
                appointment, patient_summary(appointment), patient_description(appointment), stamp
            )
        )
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def staff_calendar(appointments: Iterable[Appointment], name: str) -> bytes:
    stamp = timezone.now()
    calendar = _calendar(name)
    site = settings.SITE_URL.rstrip("/")
    for appointment in appointments:
        calendar.add_component(
            _event(appointment, staff_summary(appointment), f"Open in ketacare: {site}/", stamp)
        )
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
