"""A treatment session already in monitoring, built without the session-flow services: the
appointment is booked through scheduling, the plan and the session rows are created directly."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from ketacare.scheduling.models import AppointmentType, StaffShift
from ketacare.tenancy.models import Role, Route
from ketacare.treatment.models import PlanStatus, TreatmentPlan
from ketacare.treatment_sessions.models import SessionState, TreatmentSession
from tests.scheduling import builders as b

PROTOCOLS = {Route.IV: "iv_racemic_depression", Route.ESKETAMINE: "esketamine_trd"}


def monitoring_session(  # type: ignore[no-untyped-def]
    practice,
    *,
    route: str = Route.IV,
    state: str = SessionState.MONITORING,
    first_dose_at: datetime | None = None,
    dosing_ended_at: datetime | None = None,
    patient=None,
    hour: int = 9,
) -> TreatmentSession:
    """A session of `route` in `state`, checked in an hour ago, with the dose times given. A
    second session in the same practice needs another `hour` (the chair is taken) or patient."""
    patient = patient or practice.patient
    chairs = list(practice.clinic.spaces.all()) or b.open_clinic(practice, chairs=4)
    b.set_ratio(practice, 4)
    name = "IV infusion" if route == Route.IV else "Esketamine session"
    kind = AppointmentType.objects.filter(organisation=practice.organisation, name=name).first()
    if kind is None:
        kind = b.iv_type(practice) if route == Route.IV else b.esketamine_type(practice)
    day = b.next_weekday(2)
    if route == Route.ESKETAMINE and not StaffShift.objects.filter(clinic=practice.clinic).exists():
        b.on_rota(practice, Role.PRESCRIBER, day)
    appointment = b.book(practice, kind, b.local(day, time(hour)), space=chairs[0], patient=patient)
    nurse = practice.staff[Role.NURSE]
    plan = TreatmentPlan.objects.create(
        organisation=practice.organisation,
        patient=patient,
        route=route,
        protocol_code=PROTOCOLS.get(route, "iv_racemic_depression"),
        indication="treatment-resistant depression",
        prescriber=practice.staff[Role.PRESCRIBER],
        planned_sessions=6,
        status=PlanStatus.ACTIVE,
        created_by=practice.staff[Role.PRESCRIBER],
    )
    now = timezone.now()
    return TreatmentSession.objects.create(
        organisation=practice.organisation,
        clinic=practice.clinic,
        patient=patient,
        appointment=appointment,
        plan=plan,
        route=route,
        space=chairs[0],
        state=state,
        checked_in_by=nurse,
        checked_in_at=now - timedelta(minutes=60),
        first_dose_at=first_dose_at,
        dosing_ended_at=dosing_ended_at,
    )
