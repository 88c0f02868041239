"""The consultation's eligibility assessment as JSON: start, fill, judge and sign.

Same selectors and services as the pages; explicit schemas. Every path is written out in full
(the router is mounted at the API root): a patient's assessment is started under
/patients/{public_id}/eligibility, and then lives at /eligibility/{assessment_id}.
"""

# No `from __future__ import annotations`: ninja reads the schema annotations at runtime.
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ketacare.clinical import eligibility as rules
from ketacare.patients import selectors as patient_selectors
from ketacare.patients import services as patient_services
from ketacare.screening import selectors, services
from ketacare.screening.models import EligibilityAssessment, Verdict
from ketacare.tenancy.models import Route
from ketacare.tenancy.permissions import Permission

router = Router(tags=["eligibility"])

# Positive numbers only at the edge; the model's plausible ranges (e.g. 20-400 kg) are checked
# by the service and answer 422 naming the field too.
WeightKg = Annotated[Decimal, Field(gt=0, description="kilograms")]
HeightCm = Annotated[Decimal, Field(gt=0, description="centimetres")]
Mmhg = Annotated[int, Field(gt=0, description="mmHg")]
Bpm = Annotated[int, Field(gt=0, description="beats per minute")]
# ICD-10-CM as the problem list takes it (patients.models.ICD10_VALIDATOR), either case.
Icd10Code = Annotated[
    str, Field(max_length=8, pattern=r"^[A-TV-Za-tv-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?$")
]
# PostgreSQL refuses a NUL character in text: refuse it here as a 422 rather than a 500 there.
NO_NUL = r"^[^\x00]*$"


def _text(max_length: int, description: str | None = None) -> Any:
    return Field("", max_length=max_length, pattern=NO_NUL, description=description)


class EligibilityAssessmentIn(Schema):
    """The whole assessment as the prescriber records it (PUT replaces: an absent field takes
    its default), with the version that was read."""

    version: int = Field(..., description="the version you read; a stale one answers 409")
    indications: list[rules.Indication] = Field(default_factory=list)
    indication_codes: list[Icd10Code] = Field(default_factory=list, description="ICD-10-CM")
    episode_start_date: date | None = None
    episode_notes: str = _text(500)
    pregnancy: rules.PregnancyStatus = rules.PregnancyStatus.UNKNOWN
    alcohol_use: rules.AlcoholUse = rules.AlcoholUse.UNKNOWN
    substance_use_notes: str = _text(500)
    conditions: list[rules.Condition] = Field(default_factory=list)
    systolic_mmhg: Mmhg | None = None
    diastolic_mmhg: Mmhg | None = None
    heart_rate_bpm: Bpm | None = None
    weight_kg: WeightKg | None = None
    height_cm: HeightCm | None = None
    plan_serial: bool = Field(True, description="a series of treatments is planned")
    plan_frequent_high_dose: bool = Field(
        False, description="frequent high-dose treatment is planned (the prescriber's judgement)"
    )
    ecg: rules.WorkupResult = rules.WorkupResult.NOT_DONE
    liver_function_tests: rules.WorkupResult = rules.WorkupResult.NOT_DONE
    pregnancy_test: rules.PregnancyTestResult = rules.PregnancyTestResult.NOT_DONE


class EligibilityFindingOut(Schema):
    rule_id: str
    severity: str
    message: str
    source: str


class RouteDecisionOut(Schema):
    route: str
    rule_verdict: str = Field(..., description="what the rules said when it was signed")
    decision: str
    reason: str
    overrides_rules: bool
    findings: list[EligibilityFindingOut]
    trd_label: str
    decided_at: datetime


class EligibilityAssessmentOut(Schema):
    public_id: UUID
    patient: UUID
    status: str
    version: int
    indications: list[str]
    indication_codes: list[str]
    episode_start_date: date | None
    episode_notes: str
    pregnancy: str
    alcohol_use: str
    substance_use_notes: str
    conditions: list[str]
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    weight_kg: Decimal | None
    height_cm: Decimal | None
    plan_serial: bool
    plan_frequent_high_dose: bool
    ecg: str
    liver_function_tests: str
    pregnancy_test: str
    outcome_note: str
    signed_by: str | None = Field(..., description="the signing prescriber's name")
    signed_at: datetime | None
    decisions: list[RouteDecisionOut] = Field(
        ..., description="one per route decided; empty if draft"
    )
    created_at: datetime
    updated_at: datetime


class RouteVerdictOut(Schema):
    route: str
    verdict: str
    verdict_label: str
    findings: list[EligibilityFindingOut]


class TrdAssessmentOut(Schema):
    meets_trd: bool
    label: str
    adequate_trials: int
    required_trials: int
    borderline_trials: int
    baseline_scale_recorded: bool
    reasons: list[str]
    source: str


class EligibilityReportOut(Schema):
    assessment: UUID
    routes: list[RouteVerdictOut]
    trd: TrdAssessmentOut
    workup_required: list[str]


class RouteDecisionIn(Schema):
    decision: Verdict
    reason: str = _text(2000, "required when the decision goes against the rules")


class EligibilitySignIn(Schema):
    decisions: dict[Route, RouteDecisionIn] = Field(..., description="route → decision")
    outcome_note: str = _text(2000, "required when no route is decided eligible")


def _codes(values: list[Any]) -> list[str]:
    """Stored as the core's plain codes, each once, in the order given."""
    return list(dict.fromkeys(str(v) for v in values))


def _finding_out(finding: Any) -> dict[str, str]:
    if isinstance(finding, dict):  # as stored on a signed decision
        return {k: finding[k] for k in ("rule_id", "severity", "message", "source")}
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "message": finding.message,
        "source": finding.source,
    }


def _assessment_out(assessment: EligibilityAssessment) -> dict[str, Any]:
    signer = assessment.signed_by
    return {
        **{name: getattr(assessment, name) for name in services.ASSESSMENT_FIELDS},
        "public_id": assessment.public_id,
        "patient": assessment.patient.public_id,
        "status": assessment.status,
        "version": assessment.version,
        "outcome_note": assessment.outcome_note,
        "signed_by": (signer.full_name or signer.email) if signer else None,
        "signed_at": assessment.signed_at,
        "decisions": [
            {
                "route": d.route,
                "rule_verdict": d.rule_verdict,
                "decision": d.decision,
                "reason": d.reason,
                "overrides_rules": d.overrides_rules,
                "findings": [_finding_out(f) for f in d.findings],
                "trd_label": d.trd_label,
                "decided_at": d.decided_at,
            }
            for d in assessment.decisions.all()
        ],
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
    }


def _report_out(
    assessment: EligibilityAssessment, report: rules.EligibilityReport
) -> dict[str, Any]:
    trd = report.trd
    return {
        "assessment": assessment.public_id,
        "routes": [
            {
                "route": judged.route.value,
                "verdict": judged.verdict.value,
                "verdict_label": judged.verdict.label,
                "findings": [_finding_out(f) for f in judged.findings],
            }
            for judged in report.routes
        ],
        "trd": {
            "meets_trd": trd.meets_trd,
            "label": trd.label.value,
            "adequate_trials": trd.adequate_trials,
            "required_trials": trd.required_trials,
            "borderline_trials": trd.borderline_trials,
            "baseline_scale_recorded": trd.baseline_scale_recorded,
            "reasons": list(trd.reasons),
            "source": trd.source,
        },
        "workup_required": [item.value for item in report.workup_required],
    }


@router.post("/patients/{public_id}/eligibility", response={201: EligibilityAssessmentOut})
def start_assessment(request: HttpRequest, public_id: UUID) -> Any:
    """Open the patient's draft assessment, or return the one already in progress."""
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    draft = services.assessment_start(actor=request.user, patient=patient)
    draft.patient = patient  # already fetched; no second query
    return Status(201, _assessment_out(draft))


@router.get("/eligibility/{assessment_id}", response=EligibilityAssessmentOut)
def get_assessment(request: HttpRequest, assessment_id: UUID) -> Any:
    assessment = selectors.get_assessment_for(request.user, assessment_id)
    found = _assessment_out(assessment)
    patient_services.record_chart_view(
        actor=request.user, patient=assessment.patient, sections=["eligibility"]
    )
    return found


@router.put("/eligibility/{assessment_id}", response=EligibilityAssessmentOut)
def update_assessment(
    request: HttpRequest, assessment_id: UUID, payload: EligibilityAssessmentIn
) -> Any:
    assessment = selectors.get_assessment_for(request.user, assessment_id, Permission.EDIT_CLINICAL)
    data = payload.dict()
    version = data.pop("version")
    for name in ("indications", "conditions"):
        data[name] = _codes(data[name])
    data["indication_codes"] = _codes([code.upper() for code in data["indication_codes"]])
    for name in ("pregnancy", "alcohol_use", "ecg", "liver_function_tests", "pregnancy_test"):
        data[name] = str(data[name])
    updated = services.assessment_update(
        actor=request.user, assessment=assessment, data=data, expected_version=version
    )
    updated.patient = assessment.patient
    return _assessment_out(updated)


@router.get("/eligibility/{assessment_id}/report", response=EligibilityReportOut)
def get_report(request: HttpRequest, assessment_id: UUID) -> Any:
    """What the rules say now (for a signed assessment, its decisions keep what they said)."""
    assessment = selectors.get_assessment_for(request.user, assessment_id)
    found = _report_out(assessment, selectors.eligibility_report(assessment))
    patient_services.record_chart_view(
        actor=request.user, patient=assessment.patient, sections=["eligibility"]
    )
    return found


@router.post("/eligibility/{assessment_id}/sign", response=EligibilityAssessmentOut)
def sign_assessment(request: HttpRequest, assessment_id: UUID, payload: EligibilitySignIn) -> Any:
    assessment = selectors.get_assessment_for(
        request.user, assessment_id, Permission.SIGN_TREATMENT_DECISION
    )
    choices = {
        str(route): services.RouteChoice(decision=str(choice.decision), reason=choice.reason)
        for route, choice in payload.decisions.items()
    }
    signed = services.assessment_sign(
        actor=request.user,
        assessment=assessment,
        choices=choices,
        outcome_note=payload.outcome_note,
    )
    return _assessment_out(signed)
