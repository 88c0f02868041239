"""Giving rating scales, scoring them through the clinical core, and acting on safety alerts."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.measures import (
    SCORING_VERSION,
    Instrument,
    Rater,
    SafetyLevel,
    ScoreResult,
    UnknownInstrumentError,
    all_instruments,
    get_instrument,
    score,
    validate_answers,
)
from ketacare.measures.models import (
    Assessment,
    AssessmentSource,
    LinkChannel,
    MeasureSchedule,
    SafetyAction,
    SafetyAlert,
    SafetyAlertStatus,
    ScheduleFrequency,
    SelfReportLink,
)
from ketacare.patients.models import Patient
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Clinic, Organisation
from ketacare.tenancy.permissions import Permission

# Levels that must reach a clinician at once (suicidality); sedation and notices do not open an
# alert here: they belong to the treatment day's monitoring.
ALERTING_LEVELS = {SafetyLevel.ALERT, SafetyLevel.HIGH_RISK}
# How long a questionnaire link works. An operational choice, not a clinical number.
LINK_LIFETIME = timedelta(hours=72)
KIOSK_LINK_LIFETIME = timedelta(minutes=30)


class LinkRefused(Exception):
    """A questionnaire link that cannot be used: unknown, expired or already used."""

    def __init__(self, reason: str, link: SelfReportLink | None = None) -> None:
        self.reason = reason
        self.link = link
        super().__init__(reason)


class InvalidTransition(Exception):
    pass


def instrument_or_error(code: str, field: str = "instrument") -> Instrument:
    try:
        return get_instrument(code)
    except (UnknownInstrumentError, ValueError, KeyError) as exc:
        raise ValidationError({field: [f"Unknown rating scale {code!r}."]}) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value
    return value


def _result_record(result: ScoreResult) -> dict[str, Any]:
    """What we keep of the core's answer besides the total and band columns."""
    record: dict[str, Any] = _jsonable(
        {
            "subscales": {k: asdict(v) for k, v in result.subscales.items()},
            "missing_items": list(result.missing_items),
            "unanswered_safety_items": list(result.unanswered_safety_items),
            "safety_flags": [asdict(f) for f in result.safety_flags],
            "screen_positive": result.screen_positive,
            "screen_cutoff": result.screen_cutoff,
            "provisional_diagnosis": result.provisional_diagnosis,
            "risk_level": result.risk_level,
            "reasons": list(result.reasons),
        }
    )
    return record


def score_answers(instrument: Instrument, answers: Mapping[str, Any]) -> ScoreResult:
    """Validate and score, turning the core's refusals into field errors (`item_<id>`)."""
    cleaned: dict[str, int | None] = {}
    errors: dict[str, list[str]] = {}
    known = {item.id for item in instrument.items}
    for key, raw in answers.items():
        if key not in known:
            errors.setdefault("answers", []).append(f"{instrument.short_name} has no item {key!r}.")
            continue
        if raw in (None, ""):
            cleaned[key] = None
            continue
        try:
            cleaned[key] = int(raw) if not isinstance(raw, bool) else None
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
        except (TypeError, ValueError):
            errors[f"item_{key}"] = ["Choose one of the answers shown."]
    if errors:
        raise ValidationError(errors)
    try:
        validate_answers(instrument, cleaned)
    except ValueError as exc:
        # The core names the offending item first ("... item '3' is asked only when ...").
        named = re.search(r"item '([^']+)'", str(exc))
        key = f"item_{named.group(1)}" if named else "answers"
        raise ValidationError({key: [str(exc)]}) from exc
    return score(instrument, cleaned)


def _store(
    *,
    patient: Patient,
    instrument: Instrument,
    result: ScoreResult,
    source: AssessmentSource,
    administered_by: User | None,
    completed_at: datetime,
) -> tuple[Assessment, list[SafetyAlert]]:
    assessment = Assessment.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        scoring_version=result.scoring_version,
        answers=dict(result.answers),
        complete=result.complete,
        total=result.total,
        band_code=result.band.code if result.band else "",
        band_label=result.band.label if result.band else "",
        result=_result_record(result),
        safety_flagged=any(f.level in ALERTING_LEVELS for f in result.safety_flags),
        source=source,
        administered_by=administered_by,
        completed_at=completed_at,
    )
    alerts = [
        SafetyAlert.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            assessment=assessment,
            rule_id=flag.rule_id,
            level=flag.level.value,
            item=flag.item or "",
            value=flag.value,
            reason=flag.reason[:300],
            recommended_action=flag.action[:300],
            source=flag.source[:300],
        )
        for flag in result.safety_flags
        if flag.level in ALERTING_LEVELS
    ]
    if alerts:
        transaction.on_commit(lambda: _announce_alerts([a.pk for a in alerts]))
    return assessment, alerts


def _announce_alerts(alert_ids: list[int]) -> None:
    from ketacare.measures.tasks import notify_safety_alerts

    notify_safety_alerts.enqueue(alert_ids)


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, Any],
    source: AssessmentSource = AssessmentSource.STAFF,
    completed_at: datetime | None = None,
    require_complete: bool = False,
) -> Assessment:
    """A scale given in clinic (or through the API): scored, stored, alerts raised at once.

    With `require_complete`, a form missing any item the total needs is refused item by item.
    """
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, patient.organisation_id, "patient")
    instrument = instrument_or_error(instrument_code)
    result = score_answers(instrument, answers)
    if require_complete and result.missing_items:
        raise ValidationError(
            {
                f"item_{item_id}": ["Answer this item: the total needs every item."]
                for item_id in result.missing_items
            }
        )
    when = completed_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"completed_at": ["This time is in the future."]})
    assessment, alerts = _store(
        patient=patient,
        instrument=instrument,
        result=result,
        source=source,
        administered_by=membership.user,
        completed_at=when,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        patient_public_id=patient.public_id,
        detail={"instrument": instrument.code, "alerts": len(alerts)},
    )
    for alert in alerts:
        record_event(
            actor=actor, action=AuditAction.CREATE, obj=alert, patient_public_id=patient.public_id
        )
    return assessment


def self_report_instruments() -> list[Instrument]:
    """Scales a patient can fill alone: self-rated, with their wording shipped."""
    return [
        instrument
        for instrument in all_instruments()
        if instrument.rater in (Rater.SELF, Rater.CLINICIAN_OR_SELF)
        and all(item.text is not None for item in instrument.items)
    ]


def record_dashboard_view(*, actor: Actor, patient_ids: set[str]) -> None:
    """The dashboard lists patients (alerts, due scales, outcomes): record who was shown."""
    record_event(
        actor=actor,
        action=AuditAction.VIEW,
        detail={"page": "measures_dashboard", "shown": sorted(patient_ids)},
    )


def record_alerts_view(*, actor: Actor, alerts: list[SafetyAlert]) -> None:
    """A list of alerts discloses who screened at risk: record which patients were shown."""
    if alerts:
        record_event(
            actor=actor,
            action=AuditAction.VIEW,
            detail={
                "sections": ["safety_alerts"],
                "shown": sorted({str(alert.patient.public_id) for alert in alerts}),
            },
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(link: SelfReportLink) -> str:
    """The link's secret token, derived from its random id with a server-side key.

    Only its hash is stored, and the background sender can recompute it from the link's id,
    so the token never sits in the database or in a task's arguments.
    """
    digest = salted_hmac(
        "ketacare.measures.self-report-link", str(link.public_id), algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@transaction.atomic
def self_report_link_create(
    *,
    actor: Actor,
    patient: Patient,
    instrument_codes: list[str],
    channel: LinkChannel,
    clinic: Clinic | None = None,
) -> tuple[SelfReportLink, str]:
    """Make a single-use link; returns it with the token, which is never stored."""
    membership = require_permission(actor, Permission.SEND_QUESTIONNAIRE)
    require_same_organisation(membership, patient.organisation_id, "patient")
    codes = list(dict.fromkeys(instrument_codes))
    if not codes:
        raise ValidationError({"instruments": ["Choose at least one questionnaire."]})
    allowed = {instrument.code for instrument in self_report_instruments()}
    for code in codes:
        instrument = instrument_or_error(code, "instruments")
        if instrument.code not in allowed:
            raise ValidationError(
                {
                    "instruments": [
                        f"{instrument.short_name} is not a self-report questionnaire whose "
                        "wording ships with ketacare."
                    ]
                }
            )
    clinic = (
        clinic
        or patient.preferred_clinic
        or Clinic.objects.filter(organisation_id=patient.organisation_id).first()
    )
    if clinic is None or clinic.organisation_id != patient.organisation_id:
        raise ValidationError({"clinic": ["Choose one of your practice's clinics."]})
    if channel == LinkChannel.EMAIL and not patient.email:
        raise ValidationError({"channel": ["The patient has no e-mail address on file."]})
    if channel == LinkChannel.SMS and not patient.phone:
        raise ValidationError({"channel": ["The patient has no phone number on file."]})
    lifetime = KIOSK_LINK_LIFETIME if channel == LinkChannel.KIOSK else LINK_LIFETIME
    link = SelfReportLink(
        organisation_id=patient.organisation_id,
        clinic=clinic,
        patient=patient,
        instrument_codes=codes,
        channel=channel,
        expires_at=timezone.now() + lifetime,
        created_by=membership.user,
    )
    token = link_token(link)
    link.token_hash = _token_hash(token)
    link.save()
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=link,
        patient_public_id=patient.public_id,
        detail={"instruments": codes, "channel": channel},
    )
    if channel != LinkChannel.KIOSK:
        transaction.on_commit(lambda: _send_link(link.pk))
    return link, token


def _send_link(link_id: int) -> None:
    from ketacare.measures.tasks import send_self_report_link

    send_self_report_link.enqueue(link_id)


def _refuse(reason: str, link: SelfReportLink | None) -> LinkRefused:
    """Audit the refused attempt (in its own transaction: nothing else is written)."""
    with transaction.atomic():
        record_event(
            actor=_anonymous(),
            action=AuditAction.LINK_REFUSED,
            organisation=link.organisation if link else None,
            obj=link,
            patient_public_id=link.patient.public_id if link else None,
            detail={"reason": reason},
        )
    return LinkRefused(reason, link)


def _anonymous() -> Actor:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def self_report_link_open(
    token: str, *, organisation: Organisation | None = None
) -> SelfReportLink:
    """The link behind a token, or LinkRefused (audited) when it must not be used.

    With `organisation` (the kiosk, run by signed-in staff), a link of another organisation is
    refused as though it did not exist.
    """
    link = (
        SelfReportLink.objects.select_related("clinic", "patient", "organisation")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )
    if link is None:
        raise _refuse("unknown link", None)
    if organisation is not None and link.organisation_id != organisation.pk:
        raise _refuse("link of another organisation", None)
    if link.used_at is not None:
        raise _refuse("already used", link)
    if link.expires_at <= timezone.now():
        raise _refuse("expired", link)
    return link


def self_report_submit(
    *,
    token: str,
    answers: Mapping[str, Mapping[str, Any]],
    organisation: Organisation | None = None,
) -> tuple[list[Assessment], list[SafetyAlert]]:
    """The patient's answers, per questionnaire of the link. The link is spent on success.

    The link is checked before the transaction, so a refusal's audit event is kept.
    """
    link = self_report_link_open(token, organisation=organisation)
    with transaction.atomic():
        return _store_self_report(link, answers)


def _store_self_report(
    link: SelfReportLink, answers: Mapping[str, Mapping[str, Any]]
) -> tuple[list[Assessment], list[SafetyAlert]]:
    locked = SelfReportLink.objects.select_for_update().get(pk=link.pk)
    if locked.used_at is not None:
        raise LinkRefused("already used", link)
    results: list[tuple[Instrument, ScoreResult]] = []
    errors: dict[str, list[str]] = {}
    for code in link.instrument_codes:
        instrument = instrument_or_error(code)
        given = answers.get(code, {})
        try:
            result = score_answers(instrument, given)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors[f"{code}-{key}"] = messages
            continue
        if not result.complete:
            for item_id in result.missing_items:
                errors[f"{code}-item_{item_id}"] = ["Please answer this question."]
            continue
        results.append((instrument, result))
    if errors:
        raise ValidationError(errors)
    source = (
        AssessmentSource.KIOSK
        if link.channel == LinkChannel.KIOSK
        else (AssessmentSource.SELF_REPORT)
    )
    now = timezone.now()
    assessments: list[Assessment] = []
    alerts: list[SafetyAlert] = []
    for instrument, result in results:
        assessment, raised = _store(
            patient=link.patient,
            instrument=instrument,
            result=result,
            source=source,
            administered_by=None,
            completed_at=now,
        )
        assessments.append(assessment)
        alerts.extend(raised)
        record_event(
            actor=_anonymous(),
            action=AuditAction.SELF_REPORT,
            organisation=link.organisation,
            obj=assessment,
            patient_public_id=link.patient.public_id,
            detail={"link": str(link.public_id), "alerts": len(raised)},
        )
    locked.used_at = now
    locked.save(update_fields=["used_at"])
    return assessments, alerts


@transaction.atomic
def safety_alert_acknowledge(
    *, actor: Actor, alert: SafetyAlert, action: str, note: str
) -> SafetyAlert:
    """The only way an alert leaves the open list: a clinician, an action, and a note."""
    membership = require_permission(actor, Permission.ACKNOWLEDGE_SAFETY_ALERT)
    require_same_organisation(membership, alert.organisation_id, "alert")
    current = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    if current.status != SafetyAlertStatus.OPEN:
        raise InvalidTransition("This alert was already acknowledged.")
    errors: dict[str, list[str]] = {}
    if action not in SafetyAction.values:
        errors["action"] = ["Choose what was done."]
    if not (note or "").strip():
        errors["note"] = ["Write a short note of what was done."]
    elif len(note) > 2000:
        errors["note"] = ["Keep the note under 2000 characters."]
    if errors:
        raise ValidationError(errors)
    current.status = SafetyAlertStatus.ACKNOWLEDGED
    current.action = action
    current.action_note = note.strip()
    current.acknowledged_by = membership.user
    current.acknowledged_at = timezone.now()
    current.save()
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=["status", "action", "action_note"],
        detail={"action": action},
    )
    return current


@transaction.atomic
def measure_schedule_set(
    *, actor: Actor, patient: Patient, instrument_code: str, frequency: str
) -> MeasureSchedule:
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, patient.organisation_id, "patient")
    instrument_or_error(instrument_code, "instrument_code")
    if frequency not in ScheduleFrequency.values:
        raise ValidationError({"frequency": ["Choose how often."]})
    schedule = MeasureSchedule.objects.filter(
        patient=patient, instrument_code=instrument_code, active=True
    ).first()
    if schedule is None:
        schedule = MeasureSchedule.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            instrument_code=instrument_code,
            frequency=frequency,
            created_by=membership.user,
        )
        action = AuditAction.CREATE
    else:
        schedule.frequency = frequency
        schedule.save(update_fields=["frequency", "updated_at"])
        action = AuditAction.CHANGE
    record_event(actor=actor, action=action, obj=schedule, patient_public_id=patient.public_id)
    return schedule


@transaction.atomic
def measure_schedule_stop(*, actor: Actor, schedule: MeasureSchedule) -> None:
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, schedule.organisation_id, "schedule")
    schedule.active = False
    schedule.save(update_fields=["active", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=schedule,
        patient_public_id=schedule.patient.public_id,
        changed_fields=["active"],
    )


@transaction.atomic
def assessment_rescore(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Score stored answers again with today's scoring (after a fix). Explicit and audited."""
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, assessment.organisation_id, "assessment")
    instrument = get_instrument(assessment.instrument_code, assessment.instrument_version)
    result = score(instrument, assessment.answers)
    before = {"total": assessment.total, "scoring_version": assessment.scoring_version}
    assessment.scoring_version = SCORING_VERSION
    assessment.complete = result.complete
    assessment.total = result.total
    assessment.band_code = result.band.code if result.band else ""
    assessment.band_label = result.band.label if result.band else ""
    assessment.result = _result_record(result)
    assessment.save()
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=assessment,
        patient_public_id=assessment.patient.public_id,
        changed_fields=["total", "band_code", "result", "scoring_version"],
        detail={
            "rescored": True,
            "before": before,
            "after": {"total": result.total, "scoring_version": SCORING_VERSION},
        },
    )
    return assessment


@transaction.atomic
def remission_threshold_set(*, actor: Actor, instrument_code: str, threshold: int | None) -> None:
    """An organisation's own remission threshold for a scale (e.g. MADRS ≤ 10). Audited."""
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    instrument = instrument_or_error(instrument_code, "instrument_code")
    if threshold is not None and (
        instrument.total_range is None
        or not instrument.total_range[0] <= threshold <= instrument.total_range[1]
    ):
        raise ValidationError({"threshold": ["The threshold must be a possible total."]})
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    measures = dict(organisation.settings.get("measures", {}))
    remission = dict(measures.get("remission", {}))
    before = remission.get(instrument.code)
    if threshold is None:
        remission.pop(instrument.code, None)
    else:
        remission[instrument.code] = threshold
    measures["remission"] = remission
    organisation.settings = {**organisation.settings, "measures": measures}
    organisation.save(update_fields=["settings", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["settings"],
        detail={"remission": {instrument.code: {"from": before, "to": threshold}}},
    )
