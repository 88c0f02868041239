"""Vital signs on the treatment day: readings typed by a nurse or posted by a bedside monitor,
the clinic's alert limits and the alerts they raise, the cadence timer, the extra-caution
banner, and the series the live chart draws.

Clinical judgement lives in ketacare.clinical.treatment_day (plausibility, alert limits,
cadence, cautions); this module stores, scopes and audits.

Audit volume: a monitor posts about one reading a minute per patient. Each single reading
appends one CREATE event (one row, sealed into the organisation's chain later by the background
step, so a busy clinic never waits on the chain); a batch appends one CREATE event for the whole
batch naming the session and the counts. A clinic day of 40 patients for 8 hours is about
19,000 single-reading events, which the audit table takes without strain; monitors that can
batch should use the batch endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.age import age_in_years
from ketacare.clinical.treatment_day import (
    Alert,
    AlertThresholds,
    CadenceSettings,
    CadenceStatus,
    Phase,
    Reason,
    VitalReading,
    VitalsDue,
    extra_caution_reasons,
    reading_alerts,
    validate_reading,
    vitals_cadence,
)
from ketacare.tenancy.access import (
    Actor,
    access_object,
    require_permission,
    require_same_organisation,
)
from ketacare.tenancy.models import Organisation, Route
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions.models import (
    MonitorDevice,
    ReadingSource,
    SessionState,
    TreatmentSession,
    VitalSignAlert,
    VitalSignReading,
)

# A session takes readings from check-in (baseline) until it ends.
READING_STATES = frozenset(
    {
        SessionState.CHECKED_IN,
        SessionState.PRE_CHECKS,
        SessionState.DOSING,
        SessionState.MONITORING,
        SessionState.RECOVERY,
    }
)
ENDED_STATES = frozenset(
    {SessionState.DISCHARGED, SessionState.STOPPED_EARLY, SessionState.DID_NOT_START}
)
_RAISED = "_ketacare_raised_alert_codes"  # set on a reading by _reading_store
MAX_BATCH = 1_000  # one request; a monitor catching up after an outage sends several
ALERTS_KEY = "vital_alerts"  # Organisation.settings
CADENCE_KEY = "vitals_cadence"  # Organisation.settings
THRESHOLD_NAMES = (
    "systolic_above",
    "diastolic_above",
    "heart_rate_above",
    "heart_rate_below",
    "spo2_below",
    "respiratory_rate_above",
    "respiratory_rate_below",
)
CADENCE_NAMES = ("esketamine_interval_after_40_min", "other_route_interval")
VALUE_NAMES = ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")
# What storing a reading reads of its session (the rest of the row is not needed).
SESSION_FIELDS_FOR_READINGS = (
    "id",
    "public_id",
    "organisation_id",
    "clinic_id",
    "state",
    "patient__id",
    "patient__public_id",
)
# Hypertensive diseases in ICD-10-CM (I10-I16), for the extra-caution banner.
HYPERTENSION_ICD10_PREFIXES = ("I10", "I11", "I12", "I13", "I15", "I16")


class DuplicateReadingError(Exception):
    """The monitor already posted a reading with this device and timestamp: it is stored once."""

    def __init__(self, existing: VitalSignReading) -> None:
        super().__init__("This reading was already stored.")
        self.existing = existing


class ReadingsRefused(ValidationError):
    """A batch refused as a whole; `problems` names each reading by its index and field."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        super().__init__({f"readings[{i}].{name}": [message] for i, name, message in problems})


@dataclass(frozen=True)
class ReadingIn:
    """One reading of a batch, as the monitor sent it."""

    taken_at: datetime
    device_id: str
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None
    on_oxygen: bool = False


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    alerts: int


# --- access ----------------------------------------------------------------------------------


def monitored_session_for(
    actor: Actor, public_id: UUID | str, permission: Permission = Permission.CHART_SESSION
) -> TreatmentSession:
    """The session to chart: 404 across organisations, then 403 for a role that may not."""
    queryset = TreatmentSession.objects.select_related("organisation", "patient")
    return access_object(actor, queryset, permission, public_id=public_id)[1]


def _require_charting(actor: Actor, session: TreatmentSession) -> None:
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, session.organisation_id, "treatment session")
    _require_taking_readings(session)


def device_session_for(device: MonitorDevice, public_id: UUID | str) -> TreatmentSession:
    """The session a registered monitor posts to: its own clinic's, else 404. Only what storing
    a reading needs is read (the patient's public id for the audit event)."""
    try:
        session = (
            TreatmentSession.objects.select_related("patient")
            .only(*SESSION_FIELDS_FOR_READINGS)
            .get(public_id=public_id, organisation_id=device.organisation_id)
        )
    except (TreatmentSession.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such treatment session.") from exc
    session.organisation = device.organisation  # already loaded with the device
    return session


def _require_device_charting(device: MonitorDevice, session: TreatmentSession) -> None:
    """A device charts only its own clinic's sessions (another's answers 404, as it would to
    staff of another organisation), and only while the session takes readings."""
    if session.organisation_id != device.organisation_id or session.clinic_id != device.clinic_id:
        raise Http404("No such treatment session.")
    _require_taking_readings(session)


def _require_taking_readings(session: TreatmentSession) -> None:
    if session.state not in READING_STATES:
        raise ValidationError(
            {
                "session": [
                    f"The session is {session.get_state_display().lower()}: it takes no "
                    "more readings."
                ]
            }
        )


@dataclass(frozen=True)
class _Poster:
    """Who stores readings: a signed-in member of staff, or a registered device (then `actor`
    is anonymous, recorded_by stays empty and the audit event names the device)."""

    actor: Actor
    device: MonitorDevice | None = None

    @property
    def recorded_by_id(self) -> int | None:
        if self.device is not None or not self.actor.is_authenticated:
            return None
        return int(self.actor.pk)

    def audit(self, *, session: TreatmentSession, obj: Any, detail: dict[str, Any]) -> None:
        if self.device is None:
            record_event(
                actor=self.actor,
                action=AuditAction.CREATE,
                organisation=session.organisation,
                obj=obj,
                patient_public_id=session.patient.public_id,
                detail=detail,
            )
            return
        record_event(
            actor=AnonymousUser(),
            action=AuditAction.DEVICE,
            organisation=session.organisation,
            obj=obj,
            patient_public_id=session.patient.public_id,
            detail=device_audit_detail(
                device_public_id=self.device.public_id,
                device_name=self.device.name,
                detail=detail,
            ),
        )


def device_audit_detail(
    *, device_public_id: UUID, device_name: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """An audit event's detail for what a registered device stored: the device names itself
    (the event has no member of staff as actor)."""
    return {
        "device": str(device_public_id),
        "device_name": device_name,
        "did": AuditAction.CREATE.value,
        **detail,
    }


# --- readings --------------------------------------------------------------------------------


READING_SOURCES = frozenset(ReadingSource.values)


def source_problems(source: str, device_id: str) -> dict[str, str]:
    if source not in READING_SOURCES:
        return {"source": f"{source!r} is not a reading source (manual or device)."}
    if len(device_id) > 64:
        return {"device_id": "A device id has at most 64 characters."}
    if "\x00" in device_id:
        return {"device_id": "The device id contains a NUL character."}
    if source == ReadingSource.DEVICE and not device_id:
        return {"device_id": "A monitor's reading names its device."}
    return {}


def _as_core(reading: VitalSignReading | ReadingIn) -> VitalReading:
    return VitalReading(
        taken_at=reading.taken_at,
        systolic=reading.systolic,
        diastolic=reading.diastolic,
        heart_rate=reading.heart_rate,
        spo2=reading.spo2,
        respiratory_rate=reading.respiratory_rate,
    )


def _alerts_for(
    session: TreatmentSession, reading: VitalSignReading, thresholds: AlertThresholds, now: datetime
) -> list[VitalSignAlert]:
    alerts = [
        alert_row(organisation_id=session.organisation_id, alert=alert, now=now)
        for alert in reading_alerts(_as_core(reading), thresholds)
    ]
    for row in alerts:
        row.session = session
        row.reading = reading
    return alerts


def alert_row(*, organisation_id: int, alert: Alert, now: datetime) -> VitalSignAlert:
    """The alert to store for one limit a reading crossed (its session and reading set by the
    caller)."""
    return VitalSignAlert(
        organisation_id=organisation_id,
        code=alert.code,
        message=alert.message[:300],
        value=alert.value,
        limit=alert.limit,
        source=alert.source[:300],
        raised_at=now,
    )


def reading_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    taken_at: datetime,
    systolic: int | None = None,
    diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    respiratory_rate: int | None = None,
    on_oxygen: bool = False,
    source: str = ReadingSource.MANUAL,
    device_id: str = "",
) -> VitalSignReading:
    """Append one set of vital signs, raise its alerts, audit it. A monitor's reading already
    stored (same device and timestamp) raises DuplicateReadingError carrying the stored one."""
    _require_charting(actor, session)
    return _reading_store(
        poster=_Poster(actor),
        session=session,
        taken_at=taken_at,
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=respiratory_rate,
        on_oxygen=on_oxygen,
        source=source,
        device_id=device_id,
    )


def _reading_store(
    *,
    poster: _Poster,
    session: TreatmentSession,
    taken_at: datetime,
    systolic: int | None,
    diastolic: int | None,
    heart_rate: int | None,
    spo2: int | None,
    respiratory_rate: int | None,
    on_oxygen: bool,
    source: str,
    device_id: str,
) -> VitalSignReading:
    now = timezone.now()
    problems = source_problems(source, device_id) or validate_reading(
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=respiratory_rate,
        taken_at=taken_at,
        now=now,
    )
    if problems:
        raise ValidationError({name: [message] for name, message in problems.items()})
    reading = VitalSignReading(
        organisation_id=session.organisation_id,
        session=session,
        taken_at=taken_at,
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=respiratory_rate,
        on_oxygen=on_oxygen,
        source=source,
        device_id=device_id,
        recorded_by_id=poster.recorded_by_id,
        recorded_at=now,
    )
    try:
        # Its own transaction (a savepoint inside a caller's): a repeat of a monitor's reading
        # fails on the unique constraint and leaves nothing behind.
        with transaction.atomic():
            reading.save(force_insert=True)
            alerts = _alerts_for(session, reading, alert_thresholds(session.organisation), now)
            if alerts:
                VitalSignAlert.objects.bulk_create(alerts)
            poster.audit(
                session=session,
                obj=reading,
                detail={
                    "session": str(session.public_id),
                    "source": source,
                    **({"alerts": [a.code for a in alerts]} if alerts else {}),
                },
            )
        reading.__dict__[_RAISED] = [a.code for a in alerts]
    except IntegrityError:
        existing = (
            VitalSignReading.objects.filter(
                session=session, device_id=device_id, taken_at=taken_at
            ).first()
            if device_id
            else None
        )
        if existing is None:
            raise
        raise DuplicateReadingError(existing) from None
    return reading


def raised_codes(reading: VitalSignReading) -> list[str]:
    """The alert codes a reading raised as it was stored (looked up for an older reading)."""
    codes = reading.__dict__.get(_RAISED)
    if codes is None:
        codes = [alert.code for alert in reading.alerts.all()]
    return list(codes)


def readings_ingest(
    *, actor: Actor, session: TreatmentSession, readings: Sequence[ReadingIn]
) -> IngestResult:
    """Store a monitor's batch: every reading is checked first and one bad value refuses the
    whole batch (ReadingsRefused names index and field); a reading already stored, or repeated
    within the batch, is counted as a duplicate and stored once."""
    _require_charting(actor, session)
    return _readings_store(poster=_Poster(actor), session=session, readings=readings)


def device_readings_ingest(
    *, device: MonitorDevice, session: TreatmentSession, readings: Sequence[ReadingIn]
) -> IngestResult:
    """readings_ingest for a registered monitor posting with its own token."""
    _require_device_charting(device, session)
    return _readings_store(
        poster=_Poster(AnonymousUser(), device), session=session, readings=readings
    )


def _readings_store(
    *, poster: _Poster, session: TreatmentSession, readings: Sequence[ReadingIn]
) -> IngestResult:
    if not readings:
        raise ValidationError({"readings": ["Send at least one reading."]})
    if len(readings) > MAX_BATCH:
        raise ValidationError({"readings": [f"Send at most {MAX_BATCH} readings at a time."]})
    now = timezone.now()
    problems: list[tuple[int, str, str]] = []
    for index, item in enumerate(readings):
        found = source_problems(ReadingSource.DEVICE, item.device_id) or validate_reading(
            systolic=item.systolic,
            diastolic=item.diastolic,
            heart_rate=item.heart_rate,
            spo2=item.spo2,
            respiratory_rate=item.respiratory_rate,
            taken_at=item.taken_at,
            now=now,
        )
        problems.extend((index, name, message) for name, message in found.items())
    if problems:
        raise ReadingsRefused(problems)

    earliest = min(item.taken_at for item in readings)
    latest = max(item.taken_at for item in readings)
    # Ids, not instances: the request's user is a lazy object, slow to assign a thousand times.
    recorded_by = poster.recorded_by_id
    seen = set(
        VitalSignReading.objects.filter(
            session=session, taken_at__gte=earliest, taken_at__lte=latest
        )
        .exclude(device_id="")
        .values_list("device_id", "taken_at")
    )
    rows: list[ReadingIn] = []
    for item in readings:
        key = (item.device_id, item.taken_at)
        if key in seen:
            continue
        seen.add(key)
        rows.append(item)
    thresholds = alert_thresholds(session.organisation)
    with transaction.atomic():
        # ignore_conflicts: a concurrent post of the same reading is stored once all the same.
        _insert_readings(session, rows, recorded_by, now)
        raised = _batch_alerts(session, rows, thresholds, now)
        poster.audit(
            session=session,
            obj=session,
            detail={
                "vital_sign_readings": len(rows),
                "duplicates": len(readings) - len(rows),
                "taken_from": earliest.isoformat(),
                "taken_to": latest.isoformat(),
                **({"alerts": raised} if raised else {}),
            },
        )
    return IngestResult(
        accepted=len(rows), duplicates=len(readings) - len(rows), alerts=len(raised)
    )


_COLUMNS = ("taken_at", *VALUE_NAMES, "on_oxygen", "device_id")
_ARRAY_TYPES = ("timestamptz", *("int" for _ in VALUE_NAMES), "boolean", "text")


def _insert_readings(
    session: TreatmentSession, rows: list[ReadingIn], recorded_by: int | None, now: datetime
) -> None:
    """Insert a batch's new readings in one statement; a reading stored meanwhile by a
    concurrent post of the same batch is skipped (ON CONFLICT DO NOTHING, as bulk_create's
    ignore_conflicts). On PostgreSQL the values go as one array per column through unnest():
    the ORM's bulk_create spends about 0.1 ms of Python a row preparing values and SQL, most of
    a 500-reading request. Other databases (SQLite in tests) use bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        VitalSignReading.objects.bulk_create(
            [
                VitalSignReading(
                    organisation_id=session.organisation_id,
                    session_id=session.pk,
                    source=ReadingSource.DEVICE,
                    recorded_by_id=recorded_by,
                    recorded_at=now,
                    **{name: getattr(row, name) for name in _COLUMNS},
                )
                for row in rows
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        return
    meta = VitalSignReading._meta
    fixed = ("organisation", "session", "source", "recorded_by", "recorded_at", "struck_reason")
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(column[name] for name in (*fixed, *_COLUMNS))  # in the SELECT's order
    arrays = ", ".join(f"%s::{kind}[]" for kind in _ARRAY_TYPES)
    sql = (
        f"INSERT INTO {meta.db_table} ({columns}) "  # noqa: S608 - names from the model
        f"SELECT %s, %s, %s, %s, %s, '', u.* FROM unnest({arrays}) AS u "
        "ON CONFLICT DO NOTHING"
    )
    values: list[Any] = [[getattr(row, name) for row in rows] for name in _COLUMNS]
    fixed_values: list[Any] = [
        session.organisation_id,
        session.pk,
        ReadingSource.DEVICE.value,
        recorded_by,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fixed_values, now, *values])


def _batch_alerts(
    session: TreatmentSession,
    rows: list[ReadingIn],
    thresholds: AlertThresholds,
    now: datetime,
) -> list[str]:
    """Alerts for the stored rows that cross a limit. bulk_create(ignore_conflicts) returns no
    ids, so only the (rare) alerting readings are looked up again."""
    crossing = [row for row in rows if reading_alerts(_as_core(row), thresholds)]
    if not crossing:
        return []
    stored = {
        (r.device_id, r.taken_at): r
        for r in VitalSignReading.objects.filter(
            session=session,
            taken_at__in=[row.taken_at for row in crossing],
            device_id__in={row.device_id for row in crossing},
        )
    }
    alerts = [
        alert
        for row in crossing
        if (saved := stored.get((row.device_id, row.taken_at))) is not None
        for alert in _alerts_for(session, saved, thresholds, now)
    ]
    VitalSignAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return [a.code for a in alerts]


@transaction.atomic
def reading_strike(*, actor: Actor, reading: VitalSignReading, reason: str) -> VitalSignReading:
    """Strike a wrong reading through with a reason. It stays on the record (and in the audit
    trail) but leaves the chart, the cadence and the open alerts' count."""
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, reading.organisation_id, "reading")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the reading is wrong."]})
    if len(reason) > 300 or "\x00" in reason:
        raise ValidationError({"reason": ["Give the reason in at most 300 characters."]})
    locked = VitalSignReading.objects.select_for_update().select_related("session__patient")
    reading = locked.get(pk=reading.pk)
    if reading.struck_reason:
        raise ValidationError({"reason": ["This reading is already struck through."]})
    reading.struck_reason = reason
    reading.save(update_fields=["struck_reason"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        organisation=membership.organisation,
        obj=reading,
        patient_public_id=reading.session.patient.public_id,
        changed_fields=["struck_reason"],
        detail={"session": str(reading.session.public_id), "reason": reason},
    )
    return reading


# --- alerts ----------------------------------------------------------------------------------


def alert_thresholds(organisation: Organisation) -> AlertThresholds:
    """The organisation's alert limits; a limit never set is None (no alert, and the screen
    says the limit is not configured)."""
    return thresholds_from(organisation.settings)


def thresholds_from(settings: Mapping[str, Any]) -> AlertThresholds:
    """alert_thresholds from an organisation's settings as stored."""
    stored = settings.get(ALERTS_KEY) or {}
    limits: dict[str, Any] = {
        name: int(stored[name]) for name in THRESHOLD_NAMES if stored.get(name) is not None
    }
    return AlertThresholds(**limits)


@transaction.atomic
def alert_thresholds_set(*, actor: Actor, values: Mapping[str, object]) -> Organisation:
    """Set the organisation's alert limits during monitoring (rule 12: clinic-configured). The
    whole set: a limit left out or None is not configured. Limits are clinical judgement, so a
    prescriber sets them. Refused values change nothing."""
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, int | None] = {}
    for name, value in values.items():
        if name not in THRESHOLD_NAMES:
            errors[name] = ["Not an alert limit."]
        elif value is None or value == "":
            cleaned[name] = None
        else:
            try:
                number = int(str(value))
                one: dict[str, Any] = {name: number}
                AlertThresholds(**one)
            except ValueError as exc:
                errors[name] = [str(exc) if "outside" in str(exc) else "Give a whole number."]
            else:
                cleaned[name] = number
    if errors:
        raise ValidationError(errors)
    together: dict[str, Any] = {k: v for k, v in cleaned.items() if v is not None}
    try:
        AlertThresholds(**together)
    except ValueError as exc:  # limits that clash together (low above high)
        raise ValidationError({NON_FIELD_ERRORS: [str(exc)]}) from exc
    before = dict(organisation.settings.get(ALERTS_KEY) or {})
    stored = {name: cleaned.get(name) for name in THRESHOLD_NAMES}
    organisation.settings = {**organisation.settings, ALERTS_KEY: stored}
    organisation.save(update_fields=["settings", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["settings"],
        detail={ALERTS_KEY: {"from": before, "to": stored}},
    )
    return organisation


@transaction.atomic
def vital_alert_acknowledge(*, actor: Actor, alert: VitalSignAlert, note: str) -> VitalSignAlert:
    """A clinician has seen the alert; the note says what was done (recheck, pause, call)."""
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, alert.organisation_id, "alert")
    note = note.strip()
    if not note:
        raise ValidationError({"note": ["Say what was done about the alert."]})
    if len(note) > 2000 or "\x00" in note:
        raise ValidationError({"note": ["Keep the note to 2,000 characters."]})
    alert = (
        VitalSignAlert.objects.select_for_update()
        .select_related("session__patient")
        .get(pk=alert.pk)
    )
    if alert.acknowledged_at is not None:
        raise ValidationError({"note": ["This alert was already acknowledged."]})
    alert.acknowledged_by = membership.user
    alert.acknowledged_at = timezone.now()
    alert.note = note
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        organisation=membership.organisation,
        obj=alert,
        patient_public_id=alert.session.patient.public_id,
        changed_fields=["acknowledged_by", "acknowledged_at", "note"],
        detail={"session": str(alert.session.public_id), "code": alert.code},
    )
    return alert


def open_alerts(session: TreatmentSession) -> QuerySet[VitalSignAlert]:
    """Alerts not yet acknowledged, on readings not struck through, oldest first."""
    return (
        VitalSignAlert.objects.filter(
            session=session,
            organisation_id=session.organisation_id,
            acknowledged_at__isnull=True,
        )
        .filter(reading__struck_reason="")
        .select_related("reading")
    )


# --- cadence ---------------------------------------------------------------------------------


def cadence_settings(organisation: Organisation) -> CadenceSettings:
    """The clinic's intervals where the reference gives no number (None: not configured)."""
    stored = organisation.settings.get(CADENCE_KEY) or {}
    intervals: dict[str, Any] = {
        name: timedelta(minutes=int(stored[name])) if stored.get(name) is not None else None
        for name in CADENCE_NAMES
    }
    return CadenceSettings(**intervals)


@transaction.atomic
def cadence_settings_set(
    *,
    actor: Actor,
    esketamine_interval_after_40_min: int | None,
    other_route_interval: int | None,
) -> Organisation:
    """Minutes between readings where the reference has no number: esketamine after the
    40-minute check (None: as clinically warranted), and routes other than IV and esketamine."""
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    stored = {
        "esketamine_interval_after_40_min": esketamine_interval_after_40_min,
        "other_route_interval": other_route_interval,
    }
    errors = {
        name: ["Give a number of minutes from 1 to 240, or leave it empty."]
        for name, value in stored.items()
        if value is not None and not 1 <= value <= 240
    }
    if errors:
        raise ValidationError(errors)
    before = dict(organisation.settings.get(CADENCE_KEY) or {})
    organisation.settings = {**organisation.settings, CADENCE_KEY: stored}
    organisation.save(update_fields=["settings", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["settings"],
        detail={CADENCE_KEY: {"from": before, "to": stored}},
    )
    return organisation


@dataclass(frozen=True)
class VitalsStatus:
    """What the monitoring screen shows above the chart."""

    due: VitalsDue | None
    problem: str  # why the timer could not be worked out (inconsistent session times)
    caution: tuple[Reason, ...]
    open_alerts: list[VitalSignAlert]
    unset_thresholds: tuple[str, ...]
    esketamine_window: tuple[datetime, datetime] | None = None
    notes: tuple[Reason, ...] = field(default=())

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due.status is CadenceStatus.OVERDUE


def _phase(session: TreatmentSession) -> Phase:
    if session.state in ENDED_STATES:
        return Phase.DISCHARGED
    if session.first_dose_at is None:
        return Phase.PRE_DOSE
    if session.dosing_ended_at is None:
        return Phase.DOSING
    return Phase.OBSERVATION


def _known_hypertension(session: TreatmentSession) -> bool:
    from ketacare.patients.models import Problem, ProblemStatus
    from ketacare.screening.models import AssessmentStatus, EligibilityAssessment

    problems = Problem.objects.filter(
        patient_id=session.patient_id,
        organisation_id=session.organisation_id,
        status=ProblemStatus.ACTIVE,
    ).values_list("icd10_code", flat=True)
    if any(code.upper().startswith(HYPERTENSION_ICD10_PREFIXES) for code in problems):
        return True
    latest = (
        EligibilityAssessment.objects.filter(
            patient_id=session.patient_id,
            organisation_id=session.organisation_id,
            status=AssessmentStatus.SIGNED,
        )
        .order_by("-signed_at")
        .values_list("conditions", flat=True)
        .first()
    )
    return bool(latest) and bool(
        {"known_hypertension", "uncontrolled_hypertension"} & set(latest or [])
    )


def caution_reasons(session: TreatmentSession, now: datetime) -> tuple[Reason, ...]:
    """The IV extra-caution banner (rule 12): age 50 or more, known hypertension, first three
    infusions. Counted infusions are the patient's earlier IV sessions in which dosing began."""
    if session.route != Route.IV:
        return ()
    earlier = (
        TreatmentSession.objects.filter(
            patient_id=session.patient_id,
            organisation_id=session.organisation_id,
            route=Route.IV,
            first_dose_at__isnull=False,
            checked_in_at__lt=session.checked_in_at,
        )
        .exclude(pk=session.pk)
        .count()
    )
    return extra_caution_reasons(
        age_years=age_in_years(session.patient.date_of_birth, timezone.localdate(now)),
        known_hypertension=_known_hypertension(session),
        infusion_number=earlier + 1,
    )


def vitals_status(session: TreatmentSession, now: datetime) -> VitalsStatus:
    """The next reading due and whether it is overdue (rule 12: missed by more than 5 min),
    the esketamine 40-minute blood pressure window (rule 6), the extra-caution banner, open
    alerts, and the alert limits the clinic has not set. Only readings with a blood pressure
    count for the timer: rule 12 repeats BP, HR and SpO2 together and rule 6 asks for BP."""
    times = list(
        VitalSignReading.objects.filter(
            session=session, struck_reason="", systolic__isnull=False
        ).values_list("taken_at", flat=True)
    )
    due: VitalsDue | None = None
    problem = ""
    try:
        due = vitals_cadence(
            route=session.route,
            phase=_phase(session),
            infusion_started_at=session.first_dose_at,
            infusion_ended_at=session.dosing_ended_at,
            first_device_at=session.first_dose_at,
            readings_times=times,
            now=now,
            settings=cadence_settings(session.organisation),
        )
    except ValueError as exc:
        problem = str(exc)
    return VitalsStatus(
        due=due,
        problem=problem,
        caution=caution_reasons(session, now),
        open_alerts=list(open_alerts(session)),
        unset_thresholds=alert_thresholds(session.organisation).unset(),
        esketamine_window=due.window if due is not None else None,
    )


# --- the live chart --------------------------------------------------------------------------


@dataclass(frozen=True)
class VitalSeries:
    """A session's readings as columns, oldest first: what the live chart draws."""

    times: list[datetime]
    systolic: list[int | None]
    diastolic: list[int | None]
    heart_rate: list[int | None]
    spo2: list[int | None]
    respiratory_rate: list[int | None]

    def __len__(self) -> int:
        return len(self.times)


def session_readings(
    session: TreatmentSession, since: datetime | None = None
) -> QuerySet[VitalSignReading]:
    """Every reading of the session, struck ones included (a screen shows them struck)."""
    readings = VitalSignReading.objects.filter(
        session=session, organisation_id=session.organisation_id
    ).order_by("taken_at", "pk")
    if since is not None:
        readings = readings.filter(taken_at__gt=since)
    return readings


def reading_series(session: TreatmentSession, since: datetime | None = None) -> VitalSeries:
    """The chart's columns; struck readings are left out."""
    rows: list[tuple[Any, ...]] = list(
        session_readings(session, since)
        .filter(struck_reason="")
        .values_list("taken_at", *VALUE_NAMES)
    )
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), (), ()]
    return VitalSeries(*(list(column) for column in columns))


def readings_viewed(*, actor: Actor, session: TreatmentSession, count: int) -> None:
    """Audit a read of the session's vital signs (the live chart polls: one row a poll)."""
    record_event(
        actor=actor,
        action=AuditAction.VIEW,
        organisation=session.organisation,
        obj=session,
        patient_public_id=session.patient.public_id,
        detail={"vital_sign_readings": count},
    )
