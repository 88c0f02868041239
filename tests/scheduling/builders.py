"""A clinic ready to book: hours, chairs, appointment types, a ratio and a rota.

Durations, spacing and the ratio here are a test practice's own settings, not clinical facts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketacare.scheduling import services
from ketacare.scheduling.models import AppointmentKind, AppointmentType
from ketacare.tenancy.models import Clinic, Role, Route, TreatmentSpace

CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS_8_TO_6 = {key: ["08:00", "18:00"] for key in ("mon", "tue", "wed", "thu", "fri", "sat")}


def open_clinic(practice, chairs: int = 2, hours=None) -> list[TreatmentSpace]:  # type: ignore[no-untyped-def]
    clinic: Clinic = practice.clinic
    clinic.hours = hours or WEEKDAYS_8_TO_6
    clinic.time_zone = "America/Chicago"
    clinic.routes_offered = [Route.IV, Route.ESKETAMINE]
    clinic.esketamine_rems_certified = True
    clinic.save()
    return [
        TreatmentSpace.objects.create(clinic=clinic, name=f"Chair {n}", kind="chair")
        for n in range(1, chairs + 1)
    ]


def iv_type(practice, **values) -> AppointmentType:  # type: ignore[no-untyped-def]
    return services.appointment_type_save(
        actor=practice.staff[Role.FRONT_DESK],
        clinic=practice.clinic,
        values={
            "name": "IV infusion",
            "kind": AppointmentKind.TREATMENT,
            "route": Route.IV,
            "duration_minutes": 120,
            "staff_role": Role.NURSE,
            "min_hours_between": 48,
            **values,
        },
    )


def esketamine_type(practice, **values) -> AppointmentType:  # type: ignore[no-untyped-def]
    return services.appointment_type_save(
        actor=practice.staff[Role.FRONT_DESK],
        clinic=practice.clinic,
        values={
            "name": "Esketamine session",
            "kind": AppointmentKind.TREATMENT,
            "route": Route.ESKETAMINE,
            "duration_minutes": 150,
            "staff_role": Role.NURSE,
            "prescriber_on_site": True,
            "max_per_week": 2,
            **values,
        },
    )


def consultation_type(practice, **values) -> AppointmentType:  # type: ignore[no-untyped-def]
    return services.appointment_type_save(
        actor=practice.staff[Role.FRONT_DESK],
        clinic=practice.clinic,
        values={
            "name": "Consultation",
            "kind": AppointmentKind.CONSULTATION,
            "duration_minutes": 60,
            "staff_role": Role.PRESCRIBER,
            "needs_space": False,
            **values,
        },
    )


def set_ratio(practice, patients: int = 2) -> None:  # type: ignore[no-untyped-def]
    services.patients_per_nurse_set(
        actor=practice.staff[Role.FRONT_DESK], clinic=practice.clinic, patients=patients
    )


def on_rota(practice, role: str, day: date, start: time = time(8), end: time = time(18)):  # type: ignore[no-untyped-def]
    return services.staff_shift_add(
        actor=practice.staff[Role.FRONT_DESK],
        clinic=practice.clinic,
        membership=practice.staff[role].membership,
        starts_at=datetime.combine(day, start, tzinfo=CHICAGO),
        ends_at=datetime.combine(day, end, tzinfo=CHICAGO),
    )


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=CHICAGO)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The next given weekday (0=Monday) strictly after `after` (default: today)."""
    day = (after or datetime.now(CHICAGO).date()) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def book(
    practice, appointment_type, starts_at, space=None, staff_role=Role.NURSE, patient=None, **kw
):  # type: ignore[no-untyped-def]
    return services.appointment_book(
        actor=practice.staff[Role.FRONT_DESK],
        booking=services.Booking(
            clinic=practice.clinic,
            appointment_type=appointment_type,
            patient=patient or practice.patient,
            starts_at=starts_at,
            space=space,
            staff=practice.staff[staff_role].membership,
        ),
        **kw,
    )
