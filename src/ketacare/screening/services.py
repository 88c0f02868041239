"""The consultation's write operations: start and fill the assessment, sign decisions per route."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical import eligibility as rules
from ketacare.patients.models import Patient, PatientStatus
from ketacare.screening import selectors
from ketacare.screening.models import (
    AssessmentStatus,
    EligibilityAssessment,
    RouteDecision,
    Verdict,
)
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Organisation, Route
from ketacare.tenancy.permissions import Permission

ASSESSMENT_FIELDS = (
    "indications", "indication_codes", "episode_start_date", "episode_notes", "pregnancy",
    "alcohol_use", "substance_use_notes", "conditions", "systolic_mmhg", "diastolic_mmhg",
    "heart_rate_bpm", "weight_kg", "height_cm", "plan_serial", "plan_frequent_high_dose", "ecg",
    "liver_function_tests", "pregnancy_test",
)  # fmt: skip


class StaleAssessmentError(Exception):
    def __init__(self, changed_fields: list[str], current: EligibilityAssessment) -> None:
        self.changed_fields = changed_fields
        self.current = current
        super().__init__(
            "Someone else saved this assessment while you were editing: "
            + ", ".join(changed_fields or ["(no visible fields)"])
        )


@transaction.atomic
def assessment_start(*, actor: Actor, patient: Patient) -> EligibilityAssessment:
    """Open the patient's draft assessment (or the one already in progress)."""
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, patient.organisation_id, "patient")
    draft = EligibilityAssessment.objects.filter(
        patient=patient, status=AssessmentStatus.DRAFT
    ).first()
    if draft is not None:
        return draft
    draft = EligibilityAssessment.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        created_by=membership.user,
        # Start from the problem list's codes; the prescriber confirms the indication.
        indication_codes=list(
            patient.problem_set.filter(status="active").values_list("icd10_code", flat=True)
        ),
    )
    record_event(
        actor=actor, action=AuditAction.CREATE, obj=draft, patient_public_id=patient.public_id
    )
    return draft


def _validate_codes(data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, enum in (("indications", rules.Indication), ("conditions", rules.Condition)):
        for value in data.get(name) or []:
            try:
                enum(value)
            except ValueError:
                errors.setdefault(name, []).append(f"Unknown {name[:-1]} {value!r}.")
    return errors


def validate_assessment(assessment: EligibilityAssessment) -> None:
    """Field errors for an assessment about to be saved (model rules plus the core's checks)."""
    errors = _validate_codes(
        {"indications": assessment.indications, "conditions": assessment.conditions}
    )
    today = timezone.localdate()
    if assessment.episode_start_date and assessment.episode_start_date > today:
        errors["episode_start_date"] = ["The episode cannot start in the future."]
    if (
        assessment.systolic_mmhg
        and assessment.diastolic_mmhg
        and assessment.diastolic_mmhg >= assessment.systolic_mmhg
    ):
        errors["diastolic_mmhg"] = ["The diastolic pressure must be below the systolic."]
    if bool(assessment.systolic_mmhg) != bool(assessment.diastolic_mmhg):
        errors["systolic_mmhg"] = ["Enter both blood-pressure numbers, or neither."]
    try:
        assessment.full_clean()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assessment_update(
    *,
    actor: Actor,
    assessment: EligibilityAssessment,
    data: Mapping[str, Any],
    expected_version: int,
) -> EligibilityAssessment:
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, assessment.patient.organisation_id, "patient")
    current = EligibilityAssessment.objects.select_for_update().get(pk=assessment.pk)
    if current.status != AssessmentStatus.DRAFT:
        raise ValidationError("This assessment is signed; start a new one to change it.")
    if current.version != expected_version:
        changed = [f for f in ASSESSMENT_FIELDS if f in data and getattr(current, f) != data[f]]
        raise StaleAssessmentError(changed, current)
    changed = []
    for name in ASSESSMENT_FIELDS:
        if name in data and getattr(current, name) != data[name]:
            setattr(current, name, data[name])
            changed.append(name)
    if not changed:
        return current
    validate_assessment(current)
    current.version += 1
    current.save()
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=changed,
    )
    return current


@dataclass(frozen=True)
class RouteChoice:
    """What the prescriber decides for one route, and why when it goes against the rules."""

    decision: str
    reason: str = ""


@transaction.atomic
def assessment_sign(
    *,
    actor: Actor,
    assessment: EligibilityAssessment,
    choices: Mapping[str, RouteChoice],
    outcome_note: str = "",
    expected_version: int | None = None,
) -> EligibilityAssessment:
    """Sign the decision per route. A decision other than the rules' verdict needs a reason.

    Any route found eligible moves the patient to active treatment; otherwise the note of why
    not is required and the patient stays in consultation.
    """
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    require_same_organisation(membership, assessment.patient.organisation_id, "patient")
    current = (
        EligibilityAssessment.objects.select_for_update()
        .select_related("patient", "organisation")
        .get(pk=assessment.pk)
    )
    if current.status != AssessmentStatus.DRAFT:
        raise ValidationError("This assessment is already signed.")
    if expected_version is not None and current.version != expected_version:
        # The prescriber signs what they saw: a draft saved since then is shown again first.
        raise StaleAssessmentError([], current)
    report = selectors.eligibility_report(current)
    errors: dict[str, list[str]] = {}
    if not choices:
        errors["decisions"] = ["Record a decision for at least one route."]
    for route, choice in choices.items():
        if route not in Route.values:
            errors["decisions"] = [f"Unknown route {route!r}."]
            continue
        if choice.decision not in Verdict.values:
            errors[f"decision_{route}"] = ["Choose a decision."]
            continue
        verdict = report.for_route(route).verdict
        if choice.decision != verdict.value and not choice.reason.strip():
            errors[f"reason_{route}"] = [
                f"The rules say {verdict.label}: write why you decide otherwise."
            ]
    eligible = [
        r
        for r, c in choices.items()
        if c.decision in (Verdict.ELIGIBLE, Verdict.ELIGIBLE_WITH_CAUTIONS)
    ]
    if choices and not eligible and not outcome_note.strip():
        errors["outcome_note"] = ["No route is eligible: write why not (it goes to the referrer)."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for route, choice in choices.items():
        judged = report.for_route(route)
        decision = RouteDecision.objects.create(
            organisation_id=current.organisation_id,
            assessment=current,
            route=route,
            rule_verdict=judged.verdict.value,
            decision=choice.decision,
            reason=choice.reason.strip(),
            findings=[
                {
                    "rule_id": f.rule_id,
                    "severity": f.severity.value,
                    "message": f.message,
                    "source": f.source,
                }
                for f in judged.findings
            ],
            trd_label=report.trd.label.value,
            decided_by=membership.user,
            decided_at=now,
        )
        record_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            patient_public_id=current.patient.public_id,
            detail={
                "route": route,
                "rules": judged.verdict.value,
                "decision": choice.decision,
                "override": choice.decision != judged.verdict.value,
            },
        )
    current.status = AssessmentStatus.SIGNED
    current.signed_by = membership.user
    current.signed_at = now
    current.outcome_note = outcome_note.strip()
    current.save()
    patient = current.patient
    if eligible and patient.status in (PatientStatus.LEAD, PatientStatus.CONSULTATION):
        patient.status = PatientStatus.ACTIVE_TREATMENT
        patient.version += 1
        patient.save(update_fields=["status", "version", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=patient.public_id,
        changed_fields=["status", "signed_by", "signed_at"],
        detail={"thresholds": {k: str(v) for k, v in report.thresholds.overrides().items()}},
    )
    return current


def record_letter_export(*, actor: Actor, assessment: EligibilityAssessment) -> None:
    """Opening the printable letter to the referrer is a disclosure: audited as an export."""
    record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=assessment,
        patient_public_id=assessment.patient.public_id,
        detail={"format": "html_print", "document": "referrer_letter"},
    )


def record_worklist_view(*, actor: Actor, patients: list[Patient]) -> None:
    record_event(
        actor=actor,
        action=AuditAction.VIEW,
        detail={"page": "consultation_worklist", "shown": [str(p.public_id) for p in patients]},
    )


@transaction.atomic
def eligibility_thresholds_set(*, actor: Actor, overrides: Mapping[str, object]) -> Organisation:
    """Set the organisation's eligibility thresholds (the whole set: a setting left out returns
    to its published default). Refused values change nothing."""
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    before = dict(organisation.settings.get("eligibility", {}))
    errors: dict[str, list[str]] = {}
    for name, value in overrides.items():
        try:
            rules.Thresholds().with_overrides({name: value})
        except (rules.ThresholdError, ValueError, KeyError) as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    try:
        checked = rules.Thresholds().with_overrides(overrides)
    except (rules.ThresholdError, ValueError, KeyError) as exc:  # settings that clash together
        raise ValidationError({NON_FIELD_ERRORS: [str(exc)]}) from exc
    stored = {k: str(v) if v is not None else None for k, v in checked.overrides().items()}
    organisation.settings = {**organisation.settings, "eligibility": stored}
    organisation.save(update_fields=["settings", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["settings"],
        detail={"eligibility": {"from": before, "to": stored}},
    )
    return organisation
