"""A registered bedside monitor posting one reading: the busiest write of the treatment day.

A monitor posts about one reading a minute per patient, and a gateway in front of a ward of
monitors posts many a second. This is the one implementation of that post, reached by the
WSGI front door (device_wsgi) before Django's handler (a monitor has no browser session, cookie
or CSRF token for the middleware to look at) and by the API's own
`POST /api/treatment-sessions/{id}/readings` when a device token reaches it through Django.

What it does, in order, with two statements to the database:
1. One SELECT: the active device holding the token's digest (never cached, so a revoked token
   answers 401 at once), its organisation's settings (the alert limits), and the session in the
   device's organisation with its patient. A session of another organisation or another clinic
   answers 404, as it would to staff.
2. In Python: the body read field by field, the session's state, the clinical core's
   plausibility guard (`validate_reading`) and alert limits (`reading_alerts`), as the staff path.
3. One INSERT statement (PostgreSQL): the reading, its alerts and its audit event, as one
   transaction: all three or none. A repeat of a stored reading (same device and device time)
   inserts nothing and answers 200 with the stored reading's id. Other databases (SQLite in
   development and tests) save the same three records in one ORM transaction.

Answers: 201 `{"id", "duplicate": false, "alerts": [codes]}`; 200 for a repeat; 401 for a token
that is not an active device's; 404 for a session the device may not chart; 422 naming the field
for a value that is missing, mistyped or impossible, or a session that has ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import psycopg
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from ketacare.audit.context import RequestOrigin
from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.audit.services import event_values
from ketacare.clinical.treatment_day import (
    AlertThresholds,
    VitalReading,
    reading_alerts,
    validate_reading,
)
from ketacare.patients.models import Patient
from ketacare.tenancy.models import Organisation
from ketacare.treatment_sessions import devices, monitoring
from ketacare.treatment_sessions.models import (
    MonitorDevice,
    ReadingSource,
    SessionState,
    TreatmentSession,
    VitalSignAlert,
    VitalSignReading,
)

NOT_FOUND = {"detail": "Not found."}
UNAUTHENTICATED = {"detail": "Sign in first."}


@dataclass(frozen=True)
class Answer:
    """What the API answers: a status and a JSON body."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class _Device:
    """What a post needs to know of the device and its organisation. On PostgreSQL it is kept
    between posts (by the token's digest): the insert itself checks that the device is still
    active and that the organisation's settings are still the ones its alerts were worked out
    from (their digest), so nothing kept here can be stale when a reading is stored."""

    public_id: UUID
    name: str
    organisation_id: int
    settings: dict[str, Any]
    settings_digest: str
    thresholds: AlertThresholds  # the organisation's alert limits, from `settings`
    event: dict[str, Any]  # the columns every audit event of this device's posts shares


@dataclass(frozen=True)
class _Target:
    device: _Device
    session_id: int
    session_state: str
    patient_public_id: UUID


_devices: dict[str, _Device] = {}  # by token digest; PostgreSQL only
MAX_DEVICES_KEPT = 10_000


def _remember(digest: str, device: _Device) -> None:
    if len(_devices) >= MAX_DEVICES_KEPT:
        _devices.clear()
    _devices[digest] = device


def forget_devices() -> None:
    """Drop what is kept of devices (tests; nothing else needs it)."""
    _devices.clear()


def _refused(problems: dict[str, str]) -> Answer:
    detail = [
        {"loc": ["body"] if name == "body" else ["body", name], "msg": message}
        for name, message in problems.items()
    ]
    return Answer(422, {"detail": detail})


def reading_post(
    *, token: str, session_public_id: str, body: bytes, origin: RequestOrigin
) -> Answer:
    """Store one reading a device posted with its token (the module's docstring says how)."""
    if not token.startswith(devices.TOKEN_PREFIX) or len(token) > devices.MAX_TOKEN_LENGTH:
        return Answer(401, UNAUTHENTICATED)
    try:
        session_uuid: UUID | None = UUID(session_public_id)
    except ValueError:
        session_uuid = None
    digest = devices.token_digest(token)
    now = timezone.now()
    reading, problems = _read_body(body, now)
    device = _devices.get(digest) if connection.vendor == "postgresql" else None
    target = None
    if device is None or reading is None or session_uuid is None:
        # Who is asking comes first: 401 and 404 before any complaint about the body.
        checked = _checked_target(digest, session_uuid)
        if isinstance(checked, Answer):
            return checked
        if reading is None:
            return _refused(problems)
        device, target = checked.device, checked
    if session_uuid is None:  # the look-up has answered 404 already
        return Answer(404, NOT_FOUND)
    return _store(digest, device, target, session_uuid, reading, now, origin)


def _checked_target(digest: str, session_uuid: UUID | None) -> _Target | Answer:
    """The device and session as stored now, or the answer refusing the post: 401 for a token
    no active device holds, 404 for a session the device may not chart, 422 for a session that
    has ended."""
    found = _lookup(digest, session_uuid)
    if found is None:
        return Answer(401, UNAUTHENTICATED)
    if isinstance(found, _Device):
        return Answer(404, NOT_FOUND)
    if found.session_state not in monitoring.READING_STATES:
        state = SessionState(found.session_state).label.lower()
        return _refused({"session": f"The session is {state}: it takes no more readings."})
    return found


# --- the lookup ------------------------------------------------------------------------------


@cache
def _lookup_sql(vendor: str) -> str:
    device = MonitorDevice._meta.db_table
    organisation = Organisation._meta.db_table
    session = TreatmentSession._meta.db_table
    patient = Patient._meta.db_table
    settings_digest = "md5(o.settings::text)" if vendor == "postgresql" else "''"
    return (
        "SELECT d.public_id, d.name, d.organisation_id, o.settings, "  # noqa: S608 - model names
        f"{settings_digest}, s.id, s.state, p.public_id "
        f"FROM {device} d JOIN {organisation} o ON o.id = d.organisation_id "
        f"LEFT JOIN {session} s ON s.public_id = %s AND s.organisation_id = d.organisation_id "
        "AND s.clinic_id = d.clinic_id "
        f"LEFT JOIN {patient} p ON p.id = s.patient_id "
        "WHERE d.token_hash = %s AND d.active = %s"
    )


def _lookup(digest: str, session_uuid: UUID | None) -> _Target | _Device | None:
    """The target; only the device when the session is not one it may chart (unknown, another
    organisation's or another clinic's); None when no active device holds the token. On
    PostgreSQL the device is kept for the next post."""
    public_id = TreatmentSession._meta.get_field("public_id")
    session_param = public_id.get_db_prep_value(session_uuid, connection) if session_uuid else None
    row = _fetchone(_lookup_sql(connection.vendor), [session_param, digest, True])
    if row is None:
        _devices.pop(digest, None)
        return None
    device_pid, name, organisation_id, settings, settings_digest, session_id, state, patient = row
    settings = json.loads(settings) if isinstance(settings, str) else (settings or {})
    event = event_values(
        actor=AnonymousUser(),
        action=AuditAction.DEVICE,
        organisation=Organisation(pk=organisation_id),
    )
    event["object_type"] = VitalSignReading._meta.label  # its id is the reading's, once stored
    device = _Device(
        public_id=UUID(str(device_pid)),
        name=name,
        organisation_id=organisation_id,
        settings=settings,
        settings_digest=settings_digest,
        thresholds=monitoring.thresholds_from(settings),
        event=event,
    )
    if connection.vendor == "postgresql":
        _remember(digest, device)
    if session_id is None:
        return device
    return _Target(
        device=device,
        session_id=session_id,
        session_state=state,
        patient_public_id=UUID(str(patient)),
    )


# --- the body --------------------------------------------------------------------------------


VALUE_FIELDS = ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")


@dataclass(frozen=True)
class _Reading:
    device_id: str
    taken_at: datetime
    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    spo2: int | None
    respiratory_rate: int | None
    on_oxygen: bool


def _read_body(body: bytes, now: datetime) -> tuple[_Reading | None, dict[str, str]]:
    """The reading, or the problem with each field (the names the API's schema documents):
    missing or mistyped, then the clinical core's plausibility guard."""
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None, {"body": "Send the reading as a JSON object."}
    if not isinstance(data, dict):
        return None, {"body": "Send the reading as a JSON object."}
    problems: dict[str, str] = {}
    device_id = data.get("device_id")
    if not isinstance(device_id, str):
        problems["device_id"] = "Name the device that took the reading."
    taken_at = _aware_datetime(data.get("taken_at"))
    if taken_at is None:
        problems["taken_at"] = (
            "Give the device's time with its offset, e.g. 2026-11-25T09:30:00+00:00."
        )
    values: dict[str, int | None] = {}
    for name in VALUE_FIELDS:
        value = data.get(name)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            values[name] = value
        else:
            problems[name] = "Give a whole number, or leave it out."
    on_oxygen = data.get("on_oxygen", False)
    if not isinstance(on_oxygen, bool):
        problems["on_oxygen"] = "Say true or false."
    if problems or taken_at is None or not isinstance(device_id, str):
        return None, problems
    problems = monitoring.source_problems(ReadingSource.DEVICE, device_id) or validate_reading(
        taken_at=taken_at, now=now, **values
    )
    if problems:
        return None, problems
    return _Reading(device_id=device_id, taken_at=taken_at, on_oxygen=on_oxygen, **values), {}


def _aware_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


# --- storing ---------------------------------------------------------------------------------


def _store(
    digest: str,
    device: _Device,
    target: _Target | None,
    session_uuid: UUID,
    posted: _Reading,
    now: datetime,
    origin: RequestOrigin,
) -> Answer:
    if connection.vendor != "postgresql":
        assert target is not None  # noqa: S101 - reading_post looks it up on other databases
        reading, alerts, event = _records(device, session_uuid, posted, now, origin)
        stored = _save_together(target, reading, alerts, event)
        if stored is None:
            return _repeat(posted, target.session_id)
        return Answer(201, {"id": stored, "duplicate": False, "alerts": [a.code for a in alerts]})
    for _ in range(2):
        reading, alerts, event = _records(device, session_uuid, posted, now, origin)
        stored = _insert_together(digest, device, session_uuid, reading, alerts, event)
        if stored is not None:
            codes = [a.code for a in alerts]
            return Answer(201, {"id": stored, "duplicate": False, "alerts": codes})
        # Nothing stored: a repeat, or something changed since the device was last seen.
        checked = _checked_target(digest, session_uuid)
        if isinstance(checked, Answer):
            return checked
        if checked.device.settings_digest == device.settings_digest:
            return _repeat(posted, checked.session_id)
        device = checked.device  # the alert limits changed: work the alerts out again
    return Answer(503, {"detail": "The clinic's settings are changing; post the reading again."})


def _repeat(posted: _Reading, session_id: int) -> Answer:
    """A repeat of a stored reading (the unique constraint's three columns): its id."""
    stored = (
        VitalSignReading.objects.filter(
            session_id=session_id, device_id=posted.device_id, taken_at=posted.taken_at
        )
        .values_list("pk", flat=True)
        .first()
    )
    if stored is None:
        return Answer(503, {"detail": "The reading was not stored; post it again."})
    return Answer(200, {"id": stored, "duplicate": True, "alerts": []})


def _records(
    device: _Device, session_uuid: UUID, posted: _Reading, now: datetime, origin: RequestOrigin
) -> tuple[dict[str, Any], list[VitalSignAlert], dict[str, Any]]:
    """The reading's columns, the alerts it raises under the organisation's limits (unsaved),
    and its audit event's columns; the session and the patient are filled in as they are
    stored. Plain columns rather than model instances: building three instances and preparing
    their values field by field costs more than the rest of the request's Python."""
    reading: dict[str, Any] = {
        "organisation_id": device.organisation_id,
        "taken_at": posted.taken_at,
        "systolic": posted.systolic,
        "diastolic": posted.diastolic,
        "heart_rate": posted.heart_rate,
        "spo2": posted.spo2,
        "respiratory_rate": posted.respiratory_rate,
        "on_oxygen": posted.on_oxygen,
        "source": ReadingSource.DEVICE.value,
        "device_id": posted.device_id,
        "recorded_by_id": None,
        "recorded_at": now,
        "struck_reason": "",
    }
    alerts = [
        monitoring.alert_row(organisation_id=device.organisation_id, alert=alert, now=now)
        for alert in reading_alerts(_as_core(posted), device.thresholds)
    ]
    codes = [alert.code for alert in alerts]
    event = device.event | {
        "occurred_at": now,
        "ip_address": origin.ip_address,
        "user_agent": origin.user_agent,
        "detail": monitoring.device_audit_detail(
            device_public_id=device.public_id,
            device_name=device.name,
            detail={
                "session": str(session_uuid),
                "source": ReadingSource.DEVICE.value,
                **({"alerts": codes} if codes else {}),
            },
        ),
    }
    return reading, alerts, event


def _as_core(reading: _Reading) -> VitalReading:
    return VitalReading(
        taken_at=reading.taken_at,
        systolic=reading.systolic,
        diastolic=reading.diastolic,
        heart_rate=reading.heart_rate,
        spo2=reading.spo2,
        respiratory_rate=reading.respiratory_rate,
    )


@cache
def _fields(model: type[models.Model], skip: tuple[str, ...]) -> tuple[models.Field[Any, Any], ...]:
    """The columns an insert writes with values, in order; the fields in `skip` are left out
    (the statement fills them from the inserted reading and the target, and puts them last)."""
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in skip and f.attname not in skip
    )


def _columns(model: type[models.Model], skip: tuple[str, ...], last: str) -> tuple[str, str]:
    """The column list (the skipped columns after the others) and the value placeholders, each
    cast to its column's type."""
    quote = connection.ops.quote_name
    fields = _fields(model, skip)
    columns = ", ".join([*(quote(str(f.column)) for f in fields), last])
    placeholders = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    return columns, placeholders


@cache
def _json_columns(model: type[models.Model], skip: tuple[str, ...]) -> tuple[bool, ...]:
    return tuple(isinstance(f, models.JSONField) for f in _fields(model, skip))


def _params(model: type[models.Model], skip: tuple[str, ...], values: dict[str, Any]) -> list[Any]:
    """The values for _columns's placeholders, from columns by attribute name (a KeyError
    names a column left out). The casts in the statement do the rest; JSON goes as jsonb."""
    return [
        Jsonb(values[f.attname]) if is_json else values[f.attname]
        for f, is_json in zip(_fields(model, skip), _json_columns(model, skip), strict=True)
    ]


READING_SKIP = ("session",)
READING_STATE_VALUES = sorted(str(state.value) for state in monitoring.READING_STATES)
ALERT_SKIP = ("reading", "session")
EVENT_SKIP = ("object_id", "patient_public_id")


@cache
def _insert_sql(alerts: int) -> str:
    """One statement. `target` is the session, found only if the token's device is still
    active, in the organisation and with the settings the alerts were worked out from, and the
    session is the device's clinic's and still takes readings. Then the reading (nothing if it
    is a repeat), its `alerts` alerts and its audit event; it answers the reading's id. Names
    come from the models; every value is a parameter."""
    device = MonitorDevice._meta.db_table
    organisation = Organisation._meta.db_table
    session = TreatmentSession._meta.db_table
    patient = Patient._meta.db_table
    readings = VitalSignReading._meta.db_table
    alerts_table = VitalSignAlert._meta.db_table
    events = AuditEvent._meta.db_table
    sql = [
        "WITH target AS (SELECT s.id AS session_id, p.public_id AS patient "  # noqa: S608
        f"FROM {device} d JOIN {organisation} o ON o.id = d.organisation_id "
        f"JOIN {session} s ON s.public_id = %s::uuid AND s.organisation_id = d.organisation_id "
        "AND s.clinic_id = d.clinic_id "
        f"JOIN {patient} p ON p.id = s.patient_id "
        "WHERE d.token_hash = %s AND d.active AND d.organisation_id = %s "
        "AND md5(o.settings::text) = %s AND s.state = ANY(%s::text[]))"
    ]
    columns, placeholders = _columns(VitalSignReading, READING_SKIP, "session_id")
    sql.append(
        f", reading AS (INSERT INTO {readings} ({columns}) "  # noqa: S608
        f"SELECT {placeholders}, target.session_id FROM target "
        "ON CONFLICT DO NOTHING RETURNING id, session_id)"
    )
    columns, placeholders = _columns(VitalSignAlert, ALERT_SKIP, "reading_id, session_id")
    sql.extend(
        f", alert_{n} AS (INSERT INTO {alerts_table} ({columns}) "  # noqa: S608
        f"SELECT {placeholders}, reading.id, reading.session_id FROM reading)"
        for n in range(alerts)
    )
    columns, placeholders = _columns(AuditEvent, EVENT_SKIP, "object_id, patient_public_id")
    sql.append(
        f", event AS (INSERT INTO {events} ({columns}) "  # noqa: S608
        f"SELECT {placeholders}, reading.id::text, target.patient FROM reading, target) "
        "SELECT id FROM reading"
    )
    return "".join(sql)


def _insert_together(
    digest: str,
    device: _Device,
    session_uuid: UUID,
    reading: dict[str, Any],
    alerts: list[VitalSignAlert],
    event: dict[str, Any],
) -> int | None:
    """The reading, its alerts and its audit event in one statement (in autocommit, its own
    transaction); None when nothing was stored."""
    params: list[Any] = [
        session_uuid,
        digest,
        device.organisation_id,
        device.settings_digest,
        READING_STATE_VALUES,
    ]
    params.extend(_params(VitalSignReading, READING_SKIP, reading))
    for alert in alerts:
        params.extend(_params(VitalSignAlert, ALERT_SKIP, alert.__dict__))
    params.extend(_params(AuditEvent, EVENT_SKIP, event))
    row = _fetchone(_insert_sql(len(alerts)), params)
    return int(row[0]) if row else None


def _fetchone(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run one statement and return its first row. On PostgreSQL the statement is bound and
    prepared on the server (as psycopg does for a plain INSERT): planned once per connection,
    not parsed and planned again for every reading as Django's client-side cursor would."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()  # type: ignore[no-any-return]
    with connection.wrap_database_errors:
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchone()


def _save_together(
    target: _Target,
    reading: dict[str, Any],
    alerts: list[VitalSignAlert],
    event: dict[str, Any],
) -> int | None:
    """The same three records through the ORM, in one transaction (databases other than
    PostgreSQL); None for a repeat, which leaves nothing behind."""
    row = VitalSignReading(session_id=target.session_id, **reading)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            for alert in alerts:
                alert.session_id = target.session_id
                alert.reading = row
            VitalSignAlert.objects.bulk_create(alerts)
            event = {
                **event,
                "object_id": str(row.pk),
                "patient_public_id": target.patient_public_id,
            }
            AuditEvent(**event).save(force_insert=True)
    except IntegrityError:
        if not VitalSignReading.objects.filter(
            session_id=target.session_id, device_id=row.device_id, taken_at=row.taken_at
        ).exists():
            raise
        return None
    return int(row.pk)
