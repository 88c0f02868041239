"""The esketamine REMS Patient Monitoring Form (S4a, S4b): drafted from the chart when the
session ends, the answers the chart can only suggest confirmed by a clinician, then marked
submitted with the REMS confirmation within 7 days."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.dosing.esketamine import DEVICE_DOSE
from ketacare.patients.models import DrugClass, Medication
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Membership, Route
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions import selectors
from ketacare.treatment_sessions.models import (
    Administration,
    AdministrationKind,
    AdverseEvent,
    Observation,
    ObservationKind,
    PreCheck,
    RemsFormStatus,
    RemsMonitoringForm,
    SessionState,
    TreatmentSession,
)

REMS_CLASSES = {
    "benzodiazepines": DrugClass.BENZODIAZEPINE,
    "non_benzodiazepine_sedative_hypnotics": DrugClass.NONBENZO_HYPNOTIC,
    "psychostimulants": DrugClass.STIMULANT,
    "maois": DrugClass.MAOI,
    "opioids": DrugClass.OPIOID,  # the J&J video mentions opioids too (S4a/S4b)
}


def _bp_near(readings: list[Any], at: datetime | None) -> str | None:
    if at is None or not readings:
        return None
    best = min(readings, key=lambda r: abs((r.taken_at - at).total_seconds()))
    return f"{best.systolic}/{best.diastolic}"


def _vitals_acceptable(check: PreCheck | None) -> bool | None:
    if check is None:
        return None
    return check.status == "passed"


def rems_fields(session: TreatmentSession, ready_to_leave_minutes: int | None) -> dict[str, Any]:
    """The form's fields from the chart (reference.md section 3, REMS). Fields the chart cannot
    answer are None, for the clinician to complete."""
    patient, clinic = session.patient, session.clinic
    earlier = TreatmentSession.objects.filter(
        patient=patient,
        route=Route.ESKETAMINE,
        first_dose_at__isnull=False,
        first_dose_at__lt=session.first_dose_at,
    ).exclude(pk=session.pk)
    rems_check = PreCheck.objects.filter(session=session, code="rems_patient").first()
    classes = set(
        Medication.objects.filter(patient=patient, active=True).values_list("drug_class", flat=True)
    )
    devices = list(
        Administration.objects.filter(session=session, kind=AdministrationKind.DEVICE).order_by(
            "given_at"
        )
    )
    # A device charted without its amount holds 28 mg (S3a).
    dose_mg = sum((d.amount if d.amount is not None else DEVICE_DOSE.mg) for d in devices)
    readings = [
        r for r in selectors.valid_readings(session) if r.systolic is not None and r.diastolic
    ]
    pre = [r for r in readings if session.first_dose_at and r.taken_at <= session.first_dose_at]
    end = session.ended_at or timezone.now()
    first = session.first_dose_at
    minutes = int((end - first).total_seconds() // 60) if first else None
    observed = set(
        Observation.objects.filter(session=session)
        .exclude(kind=ObservationKind.SEDATION_MOAAS)
        .filter(value__gt=0)
        .values_list("kind", flat=True)
    )
    # MOAA/S 5 is the alert patient (responds readily to name); any lower score is sedation.
    sedated = Observation.objects.filter(
        session=session, kind=ObservationKind.SEDATION_MOAAS, value__lt=5
    ).exists()
    events = list(AdverseEvent.objects.filter(session=session).values_list("event_type", flat=True))
    prescriber = session.plan.prescriber
    vitals_check = PreCheck.objects.filter(session=session, code="predose_vitals").first()
    local_day = timezone.localtime(
        first or session.checked_in_at, ZoneInfo(clinic.time_zone)
    ).date()
    return {
        "patient_first_name": patient.legal_first_name,
        "patient_last_name": patient.legal_last_name,
        "patient_date_of_birth": patient.date_of_birth.isoformat(),
        "patient_sex": patient.sex_assigned_at_birth,
        "first_treatment": not earlier.exists(),
        "patient_enrolled": rems_check is not None and rems_check.status == "passed",
        "concomitant_medications": {k: v in classes for k, v in REMS_CLASSES.items()},
        "monitoring_provider_name": str(prescriber),
        "monitoring_provider_phone": clinic.phone,
        "monitoring_provider_email": prescriber.email,
        "setting_name": clinic.name,
        "setting_address": ", ".join(
            p
            for p in (
                clinic.address_line1,
                clinic.address_line2,
                clinic.city,
                clinic.state,
                clinic.zip_code,
            )
            if p
        ),
        "treatment_date": local_day.isoformat(),
        "dose": {56: "56 mg", 84: "84 mg"}.get(int(dose_mg), f"other ({int(dose_mg)} mg)"),
        "lot_numbers": sorted({d.lot_number for d in devices}),
        "total_minutes_first_device_to_end": minutes,
        "ready_to_leave_without_2h_rule_minutes": ready_to_leave_minutes,
        "vitals_acceptable_before_administration": _vitals_acceptable(vitals_check),
        "vitals_acceptable_before_end": (
            selectors.blood_pressure_not_rising(session)
            if session.state == SessionState.DISCHARGED
            else None
        ),
        "bp_before_administration": _bp_near(pre, first),
        "bp_at_40_minutes": _bp_near(
            [r for r in readings if first and r.taken_at > first],
            first + timedelta(minutes=40) if first else None,  # source: S3, S3a, S4a (~40 min)
        ),
        "bp_before_end": _bp_near(readings, end),
        "sedation": sedated,
        "dissociation": bool(
            observed & {ObservationKind.DISSOCIATION_CADSS, ObservationKind.DISSOCIATION_CLINIC}
        ),
        "respiratory_depression": any("respirat" in e.lower() for e in events),
        "other_adverse_events": events,
        "session_ended": session.state,
    }


def rems_form_build(
    *, actor: Actor, session: TreatmentSession, ready_to_leave_minutes: int | None = None
) -> RemsMonitoringForm:
    """Draft (or redraft, while unsubmitted) the session's REMS form; due 7 days after the
    session (S4a, S4b)."""
    fields = rems_fields(session, ready_to_leave_minutes)
    day = timezone.localtime(
        session.first_dose_at or session.checked_in_at, ZoneInfo(session.clinic.time_zone)
    ).date()
    form, created = RemsMonitoringForm.objects.get_or_create(
        session=session,
        defaults={
            "organisation_id": session.organisation_id,
            "fields": fields,
            "due_by": day + timedelta(days=selectors.REMS_FORM_DUE_DAYS),
        },
    )
    if not created and form.status == RemsFormStatus.DRAFT:
        # A redraft keeps what a clinician has already confirmed.
        review = form.fields.get(REVIEW_KEY)
        if review:
            fields |= {key: form.fields.get(key) for key in REVIEWED_ANSWERS}
            fields[REVIEW_KEY] = review
        form.fields = fields
        form.save(update_fields=["fields"])
    record_event(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=form,
        patient_public_id=session.patient.public_id,
        detail={"due_by": form.due_by.isoformat()},
    )
    return form


def _unsubmitted_form(
    actor: Actor, form: RemsMonitoringForm
) -> tuple[Membership, RemsMonitoringForm]:
    """The form as stored, locked for the change; refused once it has been submitted."""
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, form.organisation_id, "form")
    current = (
        RemsMonitoringForm.objects.select_for_update(of=("self",))
        .select_related("session__patient")
        .get(pk=form.pk)
    )
    if current.status == RemsFormStatus.SUBMITTED:
        raise ValidationError({"status": ["This form is already submitted."]})
    return membership, current


@transaction.atomic
def rems_form_mark_submitted(
    *, actor: Actor, form: RemsMonitoringForm, confirmation: str
) -> RemsMonitoringForm:
    """Record that the form went to the REMS (online or by fax), with its confirmation."""
    membership, current = _unsubmitted_form(actor, form)
    if not current.fields.get(REVIEW_KEY):
        raise ValidationError(
            {
                "confirmation": [
                    "Confirm the answers the chart can only suggest (vital signs before the end, "
                    "respiratory depression, when the patient would have been ready to leave) "
                    "before marking the form submitted."
                ]
            }
        )
    confirmation = confirmation.strip()
    if not confirmation:
        raise ValidationError(
            {"confirmation": ["Give the REMS confirmation number or fax receipt."]}
        )
    current.status = RemsFormStatus.SUBMITTED
    current.submitted_at = timezone.now()
    current.submitted_by = membership.user
    current.confirmation = confirmation[:100]
    current.save()
    record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=current,
        patient_public_id=current.session.patient.public_id,
        detail={"confirmation": current.confirmation},
    )
    return current


# The answers the chart can only suggest: a clinician confirms or corrects each before the form
# goes to the REMS. "Vital signs acceptable before the end" is suggested from the blood pressure
# not rising at the end (rule 6); "respiratory depression" from the adverse events charted; the
# REMS question (ready to leave without the 2-hour rule) from what was typed at discharge.
REVIEWED_ANSWERS = (
    "vitals_acceptable_before_end",
    "respiratory_depression",
    "ready_to_leave_without_2h_rule_minutes",
)
REVIEW_KEY = "reviewed"
MAX_READY_MINUTES = 24 * 60


def rems_suggestions(form: RemsMonitoringForm) -> dict[str, Any]:
    """What the chart suggests for each reviewed answer (the draft's own values)."""
    return {key: form.fields.get(key) for key in REVIEWED_ANSWERS}


@transaction.atomic
def rems_form_review(
    *,
    actor: Actor,
    form: RemsMonitoringForm,
    vitals_acceptable_before_end: object,
    respiratory_depression: object,
    ready_to_leave_without_2h_rule_minutes: object,
) -> RemsMonitoringForm:
    """A clinician confirms or corrects the answers the chart can only suggest. Each is required:
    Yes or No for the two questions, minutes from the start (1 to 1,440) for the REMS question.
    The form keeps who confirmed and when; the audit keeps what the chart had suggested."""
    membership, current = _unsubmitted_form(actor, form)
    errors: dict[str, list[str]] = {}
    answers: dict[str, Any] = {}
    for name, value in (
        ("vitals_acceptable_before_end", vitals_acceptable_before_end),
        ("respiratory_depression", respiratory_depression),
    ):
        if isinstance(value, bool):
            answers[name] = value
        else:
            errors[name] = ["Answer Yes or No."]
    minutes = ready_to_leave_without_2h_rule_minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["ready_to_leave_without_2h_rule_minutes"] = [
            "Give the minutes from the start of the session."
        ]
    elif not 1 <= minutes <= MAX_READY_MINUTES:
        errors["ready_to_leave_without_2h_rule_minutes"] = [
            f"Give a number of minutes from 1 to {MAX_READY_MINUTES:,}."
        ]
    else:
        answers["ready_to_leave_without_2h_rule_minutes"] = minutes
    if errors:
        raise ValidationError(errors)
    suggested = rems_suggestions(current)
    current.fields = {
        **current.fields,
        **answers,
        REVIEW_KEY: {
            "by": membership.user.get_full_name() or membership.user.email,
            "at": timezone.now().isoformat(),
        },
    }
    current.save(update_fields=["fields"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.session.patient.public_id,
        changed_fields=["fields"],
        detail={"suggested": suggested, "confirmed": answers},
    )
    return current
