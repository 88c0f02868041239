"""The bedside-monitor API: a monitor (or its gateway) posts readings for one treatment session,
one at a time or in batches; the live chart reads them back. Full paths in the decorators (the
router is mounted at the API root).

Posting readings accepts either a registered monitor's own token (`Authorization: Bearer
kcm_...`, see devices.py; no cookie, no CSRF, scoped to one clinic, revocable) or a signed-in
member of staff (session cookie, CSRF header, MFA done at sign in). Reading them back is for
staff only.
"""

# No `from __future__ import annotations`: ninja reads the schema annotations at runtime.
from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth
from pydantic import AwareDatetime, BaseModel

from ketacare.audit.middleware import origin_of
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions import device_readings, devices, monitoring
from ketacare.treatment_sessions.models import MonitorDevice, ReadingSource

router = Router(tags=["monitoring"])
NO_NUL = r"^[^\x00]*$"


class DeviceToken(HttpBearer):
    """A registered monitor's bearer token: the active device holding it. A token that is
    unknown or revoked answers 401 at once (the staff session is not tried: the caller is a
    device, and a cookie-less request would only fail the CSRF check)."""

    def authenticate(self, request: HttpRequest, token: str) -> MonitorDevice:
        device = devices.device_for_token(token)
        if device is None:
            raise AuthenticationError()
        return device


# The device's token first: a monitor sends no cookie, so its request never loads a session.
MONITOR_AUTH = [DeviceToken(), django_auth]


class ReadingIn(Schema):
    """One set of vital signs from a monitor. Values are checked by the clinical core's
    plausibility guard; the answer names the field it refuses."""

    device_id: str = Field(..., min_length=1, max_length=64, pattern=NO_NUL)
    taken_at: AwareDatetime = Field(..., description="the device's timestamp, with its offset")
    systolic: int | None = Field(None, description="mmHg")
    diastolic: int | None = Field(None, description="mmHg")
    heart_rate: int | None = Field(None, description="beats/min")
    spo2: int | None = Field(None, description="%")
    respiratory_rate: int | None = Field(None, description="breaths/min")
    on_oxygen: bool = False


class BatchReadingIn(BaseModel):
    """ReadingIn for batches, as a plain pydantic model: ninja's Schema wraps every item for
    reading ORM objects, a cost a thousand input items a request need not pay."""

    device_id: str = Field(..., min_length=1, max_length=64, pattern=NO_NUL)
    taken_at: AwareDatetime
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None
    on_oxygen: bool = False


class BatchIn(Schema):
    readings: list[BatchReadingIn] = Field(..., max_length=monitoring.MAX_BATCH)


class StoredOut(Schema):
    id: int
    duplicate: bool = False
    alerts: list[str] = Field(default_factory=list, description="alert codes the reading raised")


class BatchOut(Schema):
    accepted: int
    duplicates: int
    alerts: int


class ReadingOut(Schema):
    id: int
    taken_at: datetime
    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    spo2: int | None
    respiratory_rate: int | None
    on_oxygen: bool
    source: str
    device_id: str
    struck: bool


class ReadingsOut(Schema):
    session: UUID
    state: str
    readings: list[ReadingOut]


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: list[ErrorItem]


@router.post(
    "/treatment-sessions/{public_id}/readings",
    response={201: StoredOut, 200: StoredOut, 422: ErrorOut},
    auth=MONITOR_AUTH,
)
def post_reading(request: HttpRequest, public_id: UUID, payload: ReadingIn) -> Any:
    """A registered monitor's post is normally answered by the WSGI front (device_wsgi) before
    it gets here; where it does get here (Django's test client, another WSGI set-up) it is
    answered by the same function. A member of staff's post is charted as theirs."""
    if isinstance(request.auth, MonitorDevice):
        answer = device_readings.reading_post(
            token=request.headers["Authorization"].removeprefix("Bearer ").strip(),
            session_public_id=str(public_id),
            body=request.body,
            origin=origin_of(request),
        )
        response = JsonResponse(answer.body, status=answer.status)
        response["Cache-Control"] = "no-store"
        return response
    session = monitoring.monitored_session_for(request.user, public_id)
    try:
        reading = monitoring.reading_record(
            actor=request.user,
            session=session,
            source=ReadingSource.DEVICE,
            device_id=payload.device_id,
            **payload.dict(exclude={"device_id"}),
        )
    except monitoring.DuplicateReadingError as repeat:
        return Status(200, {"id": repeat.existing.pk, "duplicate": True})
    return Status(201, {"id": reading.pk, "alerts": monitoring.raised_codes(reading)})


@router.post(
    "/treatment-sessions/{public_id}/readings/batch",
    response={200: BatchOut, 422: ErrorOut},
    auth=MONITOR_AUTH,
)
def post_readings_batch(request: HttpRequest, public_id: UUID, payload: BatchIn) -> Any:
    device = request.auth if isinstance(request.auth, MonitorDevice) else None
    items = [monitoring.ReadingIn(**r.__dict__) for r in payload.readings]
    try:
        if device is not None:
            session = monitoring.device_session_for(device, public_id)
            result = monitoring.device_readings_ingest(
                device=device, session=session, readings=items
            )
        else:
            session = monitoring.monitored_session_for(request.user, public_id)
            result = monitoring.readings_ingest(actor=request.user, session=session, readings=items)
    except monitoring.ReadingsRefused as refused:
        detail = [
            {"loc": ["body", "readings", index, name], "msg": message}
            for index, name, message in refused.problems
        ]
        return Status(422, {"detail": detail})
    return {"accepted": result.accepted, "duplicates": result.duplicates, "alerts": result.alerts}


@router.get("/treatment-sessions/{public_id}/readings", response=ReadingsOut)
def get_readings(request: HttpRequest, public_id: UUID, since: AwareDatetime | None = None) -> Any:
    session = monitoring.monitored_session_for(request.user, public_id, Permission.VIEW_CLINICAL)
    rows = [
        {
            "id": r.pk,
            "taken_at": r.taken_at,
            "systolic": r.systolic,
            "diastolic": r.diastolic,
            "heart_rate": r.heart_rate,
            "spo2": r.spo2,
            "respiratory_rate": r.respiratory_rate,
            "on_oxygen": r.on_oxygen,
            "source": r.source,
            "device_id": r.device_id,
            "struck": bool(r.struck_reason),
        }
        for r in monitoring.session_readings(session, since)
    ]
    monitoring.readings_viewed(actor=request.user, session=session, count=len(rows))
    return {"session": session.public_id, "state": session.state, "readings": rows}
