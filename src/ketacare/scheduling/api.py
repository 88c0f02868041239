"""Appointments as JSON: a clinic's appointments in a range, booking one, changing its status and
moving it. Paths are written out in full (the router is mounted at the API root). A refusal is a
422 naming the field (starts_at, ends_at, space, staff, ...); another organisation's clinic,
patient, chair or appointment is a 404; nothing is stored on a refusal."""

# No `from __future__ import annotations`: ninja reads the schema annotations at runtime.
from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from ketacare.patients.models import Patient
from ketacare.scheduling import selectors, services
from ketacare.scheduling.models import Appointment, AppointmentType
from ketacare.tenancy.access import require_permission, scoped
from ketacare.tenancy.models import Membership, TreatmentSpace
from ketacare.tenancy.permissions import Permission

router = Router(tags=["scheduling"])
NO_NUL = r"^[^\x00]*$"
MAX_RANGE = timedelta(days=62)


class AppointmentOut(Schema):
    public_id: UUID
    clinic: UUID
    patient: UUID
    patient_name: str
    appointment_type: UUID
    appointment_type_name: str
    kind: str
    route: str
    space: UUID | None
    space_name: str
    staff: UUID | None
    staff_name: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_reason: str
    session_number: int | None
    series: UUID | None
    version: int


class BookIn(Schema):
    clinic: UUID
    appointment_type: UUID
    patient: UUID
    starts_at: datetime = Field(..., description="aware ISO 8601 (with offset)")
    ends_at: datetime | None = Field(None, description="defaults to the type's duration")
    space: UUID | None = None
    staff: UUID | None = Field(None, description="the membership's public id")
    notes: str = Field("", max_length=500, pattern=NO_NUL)


class TransitionIn(Schema):
    to: str
    reason: str = Field("", max_length=500, pattern=NO_NUL)
    version: int | None = Field(None, description="the version read; 409 when it changed")


class MoveIn(Schema):
    starts_at: datetime
    space: UUID | None = None
    staff: UUID | None = None
    reason: str = Field("", max_length=500, pattern=NO_NUL)
    version: int | None = None


def _out(a: Appointment) -> AppointmentOut:
    return AppointmentOut(
        public_id=a.public_id,
        clinic=a.clinic.public_id,
        patient=a.patient.public_id,
        patient_name=a.patient.display_name,
        appointment_type=a.appointment_type.public_id,
        appointment_type_name=a.appointment_type.name,
        kind=a.kind,
        route=a.route,
        space=a.space.public_id if a.space else None,
        space_name=a.space.name if a.space else "",
        staff=a.staff.public_id if a.staff else None,
        staff_name=selectors.staff_name(a.staff) if a.staff else "",
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        status=a.status,
        status_reason=a.status_reason,
        session_number=a.session_number,
        series=a.series.public_id if a.series else None,
        version=a.version,
    )


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            {field: ["Give the time with its offset, e.g. 2027-03-15T09:00-05:00."]}
        )
    return value


def _space(request: HttpRequest, public_id: UUID | None) -> TreatmentSpace | None:
    if public_id is None:
        return None
    membership = require_permission(request.user, Permission.BOOK_APPOINTMENT)
    space = (
        scoped(TreatmentSpace.objects.select_related("clinic"), membership)
        .filter(public_id=public_id)
        .first()
    )
    if space is None:
        raise Http404("No such chair or room.")
    return space


def _staff(request: HttpRequest, public_id: UUID | None) -> Membership | None:
    if public_id is None:
        return None
    membership = require_permission(request.user, Permission.BOOK_APPOINTMENT)
    staff = (
        scoped(Membership.objects.select_related("user"), membership)
        .filter(public_id=public_id)
        .first()
    )
    if staff is None:
        raise ValidationError({"staff": ["Unknown member of staff."]})
    return staff


@router.get("/clinics/{clinic_id}/appointments", response=list[AppointmentOut])
def appointments_list(
    request: HttpRequest,
    clinic_id: UUID,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AppointmentOut]:
    """The clinic's appointments starting in [start, end) (at most 62 days; by default the
    seven days from now)."""
    clinic = selectors.get_clinic_for(request.user, clinic_id)
    start = _aware(start, "start") if start else timezone.now()
    end = _aware(end, "end") if end else start + timedelta(days=7)
    if end <= start:
        raise ValidationError({"end": ["The end must be after the start."]})
    if end - start > MAX_RANGE:
        raise ValidationError({"end": ["Ask for at most 62 days at a time."]})
    zone = services.clinic_zone(clinic)
    rows = list(
        selectors.calendar_appointments(
            request.user, clinic, start.astimezone(zone).date(), end.astimezone(zone).date()
        ).filter(starts_at__gte=start, starts_at__lt=end)
    )
    selectors.record_schedule_view(
        actor=request.user, page="api_appointments", appointments=rows, clinic=clinic
    )
    return [_out(a) for a in rows]


@router.post("/appointments", response={201: AppointmentOut})
def appointment_book(request: HttpRequest, payload: BookIn) -> Status[AppointmentOut]:
    membership = require_permission(request.user, Permission.BOOK_APPOINTMENT)
    clinic = selectors.get_clinic_for(request.user, payload.clinic, Permission.BOOK_APPOINTMENT)
    patient = scoped(Patient.objects.all(), membership).filter(public_id=payload.patient).first()
    if patient is None:
        raise Http404("No such patient.")
    kind_type = (
        scoped(AppointmentType.objects.all(), membership)
        .filter(public_id=payload.appointment_type)
        .first()
    )
    if kind_type is None:
        raise ValidationError({"appointment_type": ["Unknown appointment type."]})
    booking = services.Booking(
        clinic=clinic,
        appointment_type=kind_type,
        patient=patient,
        starts_at=_aware(payload.starts_at, "starts_at"),
        space=_space(request, payload.space),
        staff=_staff(request, payload.staff),
        ends_at=_aware(payload.ends_at, "ends_at") if payload.ends_at else None,
    )
    made = services.appointment_book(actor=request.user, booking=booking, notes=payload.notes)
    return Status(201, _out(selectors.get_appointment_for(request.user, made.public_id)))


@router.post("/appointments/{public_id}/transition", response=AppointmentOut)
def appointment_transition(
    request: HttpRequest, public_id: UUID, payload: TransitionIn
) -> AppointmentOut:
    appointment = selectors.get_appointment_for(
        request.user, public_id, Permission.BOOK_APPOINTMENT
    )
    services.appointment_transition(
        actor=request.user,
        appointment=appointment,
        to=payload.to,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return _out(selectors.get_appointment_for(request.user, public_id))


@router.post("/appointments/{public_id}/move", response={201: AppointmentOut})
def appointment_move(
    request: HttpRequest, public_id: UUID, payload: MoveIn
) -> Status[AppointmentOut]:
    """Move to a new time, chair or member of staff: answers the new appointment (the old one
    is kept as rescheduled)."""
    appointment = selectors.get_appointment_for(
        request.user, public_id, Permission.BOOK_APPOINTMENT
    )
    moved = services.appointment_move(
        actor=request.user,
        appointment=appointment,
        starts_at=_aware(payload.starts_at, "starts_at"),
        space=_space(request, payload.space),
        staff=_staff(request, payload.staff),
        expected_version=payload.version,
        reason=payload.reason,
    )
    return Status(201, _out(selectors.get_appointment_for(request.user, moved.public_id)))
