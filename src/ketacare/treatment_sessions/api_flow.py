"""The treatment day's flow as JSON: check-in, transitions, pre-checks and their override, dosing,
administrations, controlled-substance wastes, observations, adverse events, recovery scores and
discharge. Paths are written out in full (the router is mounted at the API root). A refusal is a
422 naming the field; a stale version is a 409 saying what changed (api.py's one handler);
another organisation's session is a 404."""

# No `from __future__ import annotations`: ninja reads the schema annotations at runtime.
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.scheduling.models import Appointment
from ketacare.tenancy.access import access_object
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import PreCheck, TreatmentSession
from ketacare.treatment_sessions.witness import authenticated_witness

router = Router(tags=["treatment day"])
NO_NUL = r"^[^\x00]*$"


class CheckOut(Schema):
    code: str
    status: str
    message: str
    values: dict[str, Any]
    override_reason: str


class BlockerOut(Schema):
    code: str
    label: str
    message: str


class SessionOut(Schema):
    public_id: UUID
    state: str
    route: str
    version: int
    checked_in_at: datetime
    first_dose_at: datetime | None
    dosing_ended_at: datetime | None
    ended_at: datetime | None
    transport_kind: str
    escort_present_at: datetime | None
    clinically_stable_at: datetime | None
    checks: list[CheckOut]
    blockers: list[BlockerOut]


class CreatedOut(Schema):
    public_id: UUID | None = None
    id: int | None = None


class CheckInIn(Schema):
    transport_kind: str = Field("", pattern=NO_NUL, max_length=10)
    escort_name: str = Field("", pattern=NO_NUL, max_length=150)
    escort_phone: str = Field("", pattern=NO_NUL, max_length=30)
    no_driving_acknowledged: bool = False


class TransitionIn(Schema):
    to: str = Field(..., max_length=20)
    reason: str = Field("", pattern=NO_NUL, max_length=2000)
    expected_version: int | None = None


class VersionIn(Schema):
    expected_version: int | None = None


class CheckIn(Schema):
    values: dict[str, Any] = Field(default_factory=dict)


class OverrideIn(Schema):
    reason: str = Field(..., pattern=NO_NUL, max_length=2000)


class AdministrationIn(Schema):
    kind: str = Field(..., max_length=20)
    given_at: datetime | None = None
    rate_ml_per_h: Decimal | None = None
    device_number: int | None = None
    lot_number: str = Field("", pattern=NO_NUL, max_length=40)
    drug: str = Field("", pattern=NO_NUL, max_length=120)
    amount: Decimal | None = None
    unit: str = Field("", pattern=NO_NUL, max_length=10)
    note: str = Field("", pattern=NO_NUL, max_length=500)


class ObservationIn(Schema):
    kind: str = Field(..., max_length=30)
    value: int
    observed_at: datetime | None = None
    note: str = Field("", pattern=NO_NUL, max_length=500)


class AdverseEventIn(Schema):
    event_type: str = Field(..., pattern=NO_NUL, max_length=100)
    onset_at: datetime | None = None
    ctcae_grade: int
    outcome: str = Field(..., max_length=20)
    serious: bool = False
    description: str = Field("", pattern=NO_NUL, max_length=4000)
    action_taken: str = Field("", pattern=NO_NUL, max_length=500)


class RecoveryScoreIn(Schema):
    scale: str = Field(..., max_length=10)
    items: dict[str, Any]
    scored_at: datetime | None = None


class DischargeIn(Schema):
    ready_to_leave_minutes: int | None = None
    expected_version: int | None = None


def _session(request: HttpRequest, public_id: UUID) -> TreatmentSession:
    return selectors.get_session_for(request.user, public_id)


def _out(session: TreatmentSession) -> dict[str, Any]:
    checks = PreCheck.objects.filter(session=session).order_by("code")
    return {
        **{name: getattr(session, name) for name in (
            "public_id", "state", "route", "version", "checked_in_at", "first_dose_at",
            "dosing_ended_at", "ended_at", "transport_kind", "escort_present_at",
            "clinically_stable_at",
        )},
        "checks": [
            {"code": c.code, "status": c.status, "message": c.message, "values": c.values,
             "override_reason": c.override_reason}
            for c in checks
        ],
        "blockers": [
            {"code": b.code, "label": b.label, "message": b.message}
            for b in selectors.dosing_blockers(session)
        ]
        if session.state in ("checked_in", "pre_checks")
        else [],
    }  # fmt: skip


@router.post("/appointments/{public_id}/check-in", response={201: SessionOut})
def check_in(request: HttpRequest, public_id: UUID, payload: CheckInIn) -> Any:
    _, appointment = access_object(
        request.user,
        Appointment.objects.select_related("plan"),
        Permission.CHART_SESSION,
        public_id=public_id,
    )
    session = services.session_check_in(
        actor=request.user, appointment=appointment, **payload.dict()
    )
    return Status(201, _out(session))


@router.get("/treatment-sessions/{public_id}", response=SessionOut)
def session_get(request: HttpRequest, public_id: UUID) -> Any:
    session = _session(request, public_id)
    record_event(
        actor=request.user,
        action=AuditAction.VIEW,
        obj=session,
        patient_public_id=session.patient.public_id,
    )
    return _out(session)


@router.post("/treatment-sessions/{public_id}/transition", response=SessionOut)
def session_transition(request: HttpRequest, public_id: UUID, payload: TransitionIn) -> Any:
    session = _session(request, public_id)
    if payload.to == "dosing":
        moved = services.dosing_start(
            actor=request.user, session=session, expected_version=payload.expected_version
        )
    else:
        moved = services.session_transition(
            actor=request.user,
            session=session,
            to=payload.to,
            reason=payload.reason,
            expected_version=payload.expected_version,
        )
    return _out(moved)


@router.post("/treatment-sessions/{public_id}/checks/run", response=SessionOut)
def checks_run(request: HttpRequest, public_id: UUID) -> Any:
    session = _session(request, public_id)
    services.precheck_run_automatic(actor=request.user, session=session)
    return _out(TreatmentSession.objects.get(pk=session.pk))


@router.post("/treatment-sessions/{public_id}/checks/{code}", response=SessionOut)
def check_record(request: HttpRequest, public_id: UUID, code: str, payload: CheckIn) -> Any:
    session = _session(request, public_id)
    services.precheck_record(actor=request.user, session=session, code=code, values=payload.values)
    return _out(TreatmentSession.objects.get(pk=session.pk))


@router.post("/treatment-sessions/{public_id}/checks/{code}/override", response=SessionOut)
def check_override(request: HttpRequest, public_id: UUID, code: str, payload: OverrideIn) -> Any:
    session = _session(request, public_id)
    check = PreCheck.objects.filter(session=session, code=code).first()
    if check is None:
        raise Http404("No such check.")
    services.precheck_override(actor=request.user, check=check, reason=payload.reason)
    return _out(TreatmentSession.objects.get(pk=session.pk))


@router.post("/treatment-sessions/{public_id}/administrations", response={201: CreatedOut})
def administration(request: HttpRequest, public_id: UUID, payload: AdministrationIn) -> Any:
    session = _session(request, public_id)
    row = services.administration_record(actor=request.user, session=session, **payload.dict())
    return Status(201, {"id": row.pk})


class WasteIn(Schema):
    """Ketamine wasted in front of a witness, who gives their own e-mail and password."""

    amount_mg: Decimal
    volume_ml: Decimal | None = None
    lot_number: str = Field(..., pattern=NO_NUL, max_length=40)
    method: str = Field(..., max_length=20)
    note: str = Field("", pattern=NO_NUL, max_length=500)
    wasted_at: datetime | None = None
    witness_email: str = Field(..., max_length=254)
    witness_password: str = Field(..., max_length=4096)


@router.post("/treatment-sessions/{public_id}/wastes", response={201: CreatedOut})
def waste(request: HttpRequest, public_id: UUID, payload: WasteIn) -> Any:
    session = _session(request, public_id)
    data = payload.dict()
    witness = authenticated_witness(
        request, data.pop("witness_email"), data.pop("witness_password")
    )
    row = services.waste_record(actor=request.user, session=session, witness=witness, **data)
    return Status(201, {"public_id": row.public_id})


@router.post("/treatment-sessions/{public_id}/observations", response={201: CreatedOut})
def observation(request: HttpRequest, public_id: UUID, payload: ObservationIn) -> Any:
    session = _session(request, public_id)
    row = services.observation_record(actor=request.user, session=session, **payload.dict())
    return Status(201, {"id": row.pk})


@router.post("/treatment-sessions/{public_id}/adverse-events", response={201: CreatedOut})
def adverse_event(request: HttpRequest, public_id: UUID, payload: AdverseEventIn) -> Any:
    session = _session(request, public_id)
    row = services.adverse_event_record(actor=request.user, session=session, **payload.dict())
    return Status(201, {"public_id": row.public_id})


@router.post("/treatment-sessions/{public_id}/recovery-scores", response={201: CreatedOut})
def recovery_score(request: HttpRequest, public_id: UUID, payload: RecoveryScoreIn) -> Any:
    session = _session(request, public_id)
    row = services.recovery_score_record(actor=request.user, session=session, **payload.dict())
    return Status(201, {"id": row.pk})


@router.post("/treatment-sessions/{public_id}/discharge", response=SessionOut)
def discharge(request: HttpRequest, public_id: UUID, payload: DischargeIn) -> Any:
    session = _session(request, public_id)
    done = services.session_discharge(
        actor=request.user,
        session=session,
        ready_to_leave_minutes=payload.ready_to_leave_minutes,
        expected_version=payload.expected_version,
    )
    return _out(done)
