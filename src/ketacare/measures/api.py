"""Measurement-based care's JSON API: rating scales, assessments, outcomes and safety alerts.

Same selectors and services as the pages; explicit schemas. Every path is written out in full
here (the router is mounted at the API root), so this file is the map of its URLs:
scales under /measures/instruments, a patient's scores under /patients/{public_id}/..., and the
organisation's safety alerts under /measures/alerts.
"""

# No `from __future__ import annotations`: ninja reads the schema annotations at runtime.
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from ketacare.clinical.measures import (
    Instrument,
    UnknownInstrumentError,
    all_instruments,
    get_instrument,
)
from ketacare.measures import selectors, services
from ketacare.measures.models import Assessment, AssessmentSource, SafetyAction, SafetyAlert
from ketacare.measures.selectors import InstrumentOutcome
from ketacare.patients import selectors as patient_selectors
from ketacare.patients import services as patient_services
from ketacare.tenancy.permissions import Permission

router = Router(tags=["measures"])

# An answer is a whole number or null (unanswered). Strict: `true`, `2.0` or `"2"` is refused
# by the schema rather than quietly read as a number.
Answer = Annotated[int | None, Field(strict=True)]


# Rating scales (not health information; signed-in staff only, like every route).


class BandOut(Schema):
    min: int
    max: int
    code: str
    label: str


class InstrumentSummaryOut(Schema):
    code: str
    version: str
    short_name: str
    name: str
    rater: str
    item_text_included: bool
    licence_status: str
    licence_note: str
    total_range: tuple[int, int] | None
    bands: list[BandOut]


class OptionOut(Schema):
    value: int
    label: str | None = Field(..., description="null where the wording is licensed")


class ItemOut(Schema):
    id: str
    # `construct` would shadow pydantic's BaseModel.construct: aliased, and the route
    # serialises by alias.
    construct_: str = Field(..., alias="construct")
    text: str | None = Field(..., description="null where the wording is licensed")
    scored: bool
    options: list[OptionOut]


class InstrumentOut(InstrumentSummaryOut):
    recall_period: str | None
    instructions: str | None
    licence_notice: str | None
    items: list[ItemOut]


def _summary(instrument: Instrument) -> dict[str, Any]:
    return {
        "code": instrument.code,
        "version": instrument.version,
        "short_name": instrument.short_name,
        "name": instrument.name,
        "rater": instrument.rater.value,
        "item_text_included": instrument.licence.item_text_included,
        "licence_status": instrument.licence.status.value,
        "licence_note": instrument.licence.note,
        "total_range": instrument.total_range,
        "bands": [
            {"min": b.min, "max": b.max, "code": b.code, "label": b.label}
            for b in instrument.severity_bands
        ],
    }


def _detail(instrument: Instrument) -> dict[str, Any]:
    return {
        **_summary(instrument),
        "recall_period": instrument.recall_period,
        "instructions": instrument.instructions,
        "licence_notice": instrument.licence.notice,
        "items": [
            {
                "id": item.id,
                "construct": item.construct,
                "text": item.text,
                "scored": item.scored,
                "options": [{"value": o.value, "label": o.label} for o in item.options],
            }
            for item in instrument.items
        ],
    }


@router.get("/measures/instruments", response=list[InstrumentSummaryOut])
def list_instruments(request: HttpRequest) -> Any:
    return [_summary(instrument) for instrument in all_instruments()]


@router.get("/measures/instruments/{code}", response=InstrumentOut, by_alias=True)
def get_instrument_detail(request: HttpRequest, code: str) -> Any:
    try:
        return _detail(get_instrument(code))
    except UnknownInstrumentError as exc:
        raise Http404("No such rating scale.") from exc


# A patient's assessments and outcomes.


class AssessmentIn(Schema):
    instrument: str = Field(..., min_length=1, max_length=30, description="e.g. phq9")
    answers: dict[str, Answer] = Field(..., description="item id → answer value, or null")
    completed_at: AwareDatetime | None = Field(None, description="defaults to now")


class AssessmentOut(Schema):
    public_id: UUID
    instrument_code: str
    instrument_version: str
    scoring_version: str
    complete: bool
    total: int | None
    band_code: str
    band_label: str
    safety_flagged: bool
    alerts: list[UUID] = Field(..., description="public ids of the safety alerts it raised")
    result: dict[str, Any] = Field(..., description="subscales, missing items, flags, reasons")
    source: str
    completed_at: datetime
    created_at: datetime


class ScorePointOut(Schema):
    assessment: UUID
    total: int
    completed_at: datetime


class OutcomeOut(Schema):
    instrument_code: str
    short_name: str
    assessments: int
    baseline: ScorePointOut | None
    latest: ScorePointOut | None
    change: int | None
    percent_change: str | None = Field(
        ..., description="change from baseline in percent, one decimal, exact (e.g. '-50.0')"
    )
    response: str | None
    remission: bool | None
    remission_threshold: int | None
    status_label: str
    reasons: list[str]


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    return {
        "public_id": assessment.public_id,
        "instrument_code": assessment.instrument_code,
        "instrument_version": assessment.instrument_version,
        "scoring_version": assessment.scoring_version,
        "complete": assessment.complete,
        "total": assessment.total,
        "band_code": assessment.band_code,
        "band_label": assessment.band_label,
        "safety_flagged": assessment.safety_flagged,
        "alerts": [alert.public_id for alert in assessment.alerts.all()],
        "result": assessment.result,
        "source": assessment.source,
        "completed_at": assessment.completed_at,
        "created_at": assessment.created_at,
    }


def _point(assessment: Assessment | None) -> dict[str, Any] | None:
    if assessment is None:
        return None
    return {
        "assessment": assessment.public_id,
        "total": assessment.total,
        "completed_at": assessment.completed_at,
    }


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _outcome_out(story: InstrumentOutcome) -> dict[str, Any]:
    outcome = story.outcome
    return {
        "instrument_code": story.instrument.code,
        "short_name": story.instrument.short_name,
        "assessments": len(story.points),
        "baseline": _point(story.baseline),
        "latest": _point(story.latest),
        "change": outcome.change if outcome else None,
        "percent_change": _percent(outcome.percent_change) if outcome else None,
        "response": outcome.response.value if outcome else None,
        "remission": outcome.remission if outcome else None,
        "remission_threshold": outcome.remission_threshold if outcome else None,
        "status_label": story.status_label,
        "reasons": list(outcome.reasons) if outcome else [],
    }


@router.post("/patients/{public_id}/assessments", response={201: AssessmentOut})
def record_assessment(request: HttpRequest, public_id: UUID, payload: AssessmentIn) -> Any:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    assessment = services.assessment_record(
        actor=request.user,
        patient=patient,
        instrument_code=payload.instrument,
        answers=payload.answers,
        source=AssessmentSource.API,
        completed_at=payload.completed_at,
    )
    return Status(201, _assessment_out(assessment))


@router.get("/patients/{public_id}/assessments", response=list[AssessmentOut])
def list_assessments(request: HttpRequest, public_id: UUID) -> Any:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.VIEW_CLINICAL)
    assessments = selectors.patient_assessments(request.user, patient).prefetch_related("alerts")
    found = [_assessment_out(a) for a in assessments.order_by("-completed_at", "-id")]
    patient_services.record_chart_view(actor=request.user, patient=patient, sections=["measures"])
    return found


@router.get("/patients/{public_id}/outcomes", response=list[OutcomeOut])
def list_outcomes(request: HttpRequest, public_id: UUID) -> Any:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.VIEW_CLINICAL)
    found = [_outcome_out(story) for story in selectors.patient_outcomes(request.user, patient)]
    patient_services.record_chart_view(actor=request.user, patient=patient, sections=["measures"])
    return found


# The organisation's safety alerts.


class AlertOut(Schema):
    public_id: UUID
    patient: UUID
    assessment: UUID
    instrument_code: str
    rule_id: str
    level: str
    item: str
    value: int
    reason: str
    recommended_action: str
    source: str
    status: str
    action: str
    action_note: str
    acknowledged_at: datetime | None
    created_at: datetime


class AcknowledgeIn(Schema):
    action: SafetyAction
    note: str = Field(..., max_length=2000, description="what was done")


def _alert_out(alert: SafetyAlert) -> dict[str, Any]:
    return {
        "public_id": alert.public_id,
        "patient": alert.patient.public_id,
        "assessment": alert.assessment.public_id,
        "instrument_code": alert.assessment.instrument_code,
        "rule_id": alert.rule_id,
        "level": alert.level,
        "item": alert.item,
        "value": alert.value,
        "reason": alert.reason,
        "recommended_action": alert.recommended_action,
        "source": alert.source,
        "status": alert.status,
        "action": alert.action,
        "action_note": alert.action_note,
        "acknowledged_at": alert.acknowledged_at,
        "created_at": alert.created_at,
    }


@router.get("/measures/alerts", response=list[AlertOut])
def list_open_alerts(request: HttpRequest) -> Any:
    alerts = list(selectors.open_alerts(request.user))
    services.record_alerts_view(actor=request.user, alerts=alerts)
    return [_alert_out(alert) for alert in alerts]


@router.post("/measures/alerts/{alert_id}/acknowledge", response=AlertOut)
def acknowledge_alert(request: HttpRequest, alert_id: UUID, payload: AcknowledgeIn) -> Any:
    alert = selectors.get_alert_for(request.user, alert_id)
    acknowledged = services.safety_alert_acknowledge(
        actor=request.user, alert=alert, action=payload.action, note=payload.note
    )
    acknowledged.assessment = alert.assessment  # already fetched; no second query
    return _alert_out(acknowledged)
