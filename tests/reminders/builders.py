"""A practice whose patient can be reminded: a phone, an e-mail, an escort, a booked session.

Offsets and durations are a test practice's settings, not clinical facts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta  # noqa: F401  (time is used by tests)

from ketacare.patients.models import ContactKind, PatientContact
from ketacare.reminders.services import appointment_reminders_sync
from ketacare.scheduling.models import Appointment
from ketacare.tenancy.models import Role
from tests.scheduling import builders as b


def reachable(practice, *, phone: str = "(555) 010-1234", email: str = "marigold@example.test"):  # type: ignore[no-untyped-def]
    patient = practice.patient
    patient.phone = phone
    patient.email = email
    patient.save()
    return patient


def escort(practice, name: str = "Rowan Ashdown", phone: str = "(555) 010-7777") -> PatientContact:  # type: ignore[no-untyped-def]
    return PatientContact.objects.create(
        organisation=practice.organisation,
        patient=practice.patient,
        kind=ContactKind.ESCORT,
        name=name,
        phone=phone,
    )


def session_day(days_ahead: int = 6) -> date:
    """A weekday at least `days_ahead` days away (the test clinic opens Monday–Saturday)."""
    day = datetime.now(tz=b.CHICAGO).date() + timedelta(days=days_ahead)
    while day.weekday() == 6:
        day += timedelta(days=1)
    return day


def _ready(practice):  # type: ignore[no-untyped-def]
    """Open the clinic and make the types once per practice."""
    if not hasattr(practice, "_reminders_ready"):
        chairs = b.open_clinic(practice)
        b.set_ratio(practice, 2)
        practice._reminders_ready = (chairs, b.iv_type(practice), b.esketamine_type(practice))
    return practice._reminders_ready


def book_session(
    practice, kind: str = "esketamine", day: date | None = None, at: time = time(10)
) -> Appointment:  # type: ignore[no-untyped-def]
    """Book a treatment session and make its reminders, as the scheduling service will."""
    chairs, iv, esketamine = _ready(practice)
    day = day or session_day()
    if kind == "esketamine":
        kind_type = esketamine
        b.on_rota(practice, Role.PRESCRIBER, day)
    else:
        kind_type = iv
    appointment = b.book(practice, kind_type, b.local(day, at), space=chairs[0])
    appointment_reminders_sync(actor=practice.staff[Role.FRONT_DESK], appointment=appointment)
    return appointment


def local(day: date, at: time) -> datetime:
    return b.local(day, at)
