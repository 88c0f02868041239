"""Write operations on the patient registry: one function per use case, each audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.age import date_of_birth_problem
from ketacare.patients import selectors
from ketacare.patients.models import Consent, Patient, PatientOwned, PriorTreatmentTrial
from ketacare.patients.sections import ChartSection
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Organisation
from ketacare.tenancy.permissions import Permission

PATIENT_FIELDS = (
    "mrn", "legal_first_name", "legal_middle_name", "legal_last_name", "preferred_name",
    "pronouns", "date_of_birth", "sex_assigned_at_birth", "gender_identity", "email", "phone",
    "address_line1", "address_line2", "city", "state", "zip_code", "preferred_clinic", "status",
)  # fmt: skip


class StaleEditError(Exception):
    """Someone else saved this record after the form was opened."""

    def __init__(self, changed_fields: list[str], current: Patient) -> None:
        self.changed_fields = changed_fields
        self.current = current
        super().__init__(
            "Someone else changed this record while you were editing: "
            + ", ".join(changed_fields or ["(no visible fields)"])
        )


@dataclass(frozen=True)
class _Changes:
    fields: list[str]


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> _Changes:
    changed = []
    for name in allowed:
        if name not in data:
            continue
        value = data[name]
        field = instance._meta.get_field(name)
        if value is None and not field.null and field.get_internal_type() in TEXT_FIELDS:
            value = ""  # an API's null for an optional text field means "empty"
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return _Changes(changed)


TEXT_FIELDS = {"CharField", "TextField", "EmailField"}


def _refresh_search_keys(patient: Patient) -> None:
    patient.last_name_key = selectors.name_key(patient.legal_last_name)
    patient.first_name_key = selectors.name_key(patient.legal_first_name)
    patient.preferred_name_key = selectors.name_key(patient.preferred_name)


def _validate_patient(patient: Patient) -> None:
    errors: dict[str, list[str]] = {}
    if patient.date_of_birth:
        problem = date_of_birth_problem(patient.date_of_birth, timezone.localdate())
        if problem:
            errors["date_of_birth"] = [problem]
    if (
        patient.preferred_clinic
        and patient.preferred_clinic.organisation_id != patient.organisation_id
    ):
        errors["preferred_clinic"] = ["Choose one of your practice's clinics."]
    duplicate = Patient.objects.filter(organisation_id=patient.organisation_id, mrn=patient.mrn)
    if duplicate.exclude(pk=patient.pk).exists():
        errors["mrn"] = ["Another patient in this practice has this MRN."]
    try:
        # The MRN uniqueness constraint is checked just above, so its error sits at the field.
        patient.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _allocate_mrn(organisation: Organisation) -> str:
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    while True:
        candidate = f"{org.mrn_prefix}{org.next_mrn_number:06d}"
        org.next_mrn_number += 1
        if not Patient.objects.filter(organisation=org, mrn=candidate).exists():
            break
    org.save(update_fields=["next_mrn_number"])
    return candidate


def _save_unique(instance: Patient, **kwargs: Any) -> None:
    """Save, turning a lost race on the MRN into the same field error as the check."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationError({"mrn": ["Another patient in this practice has this MRN."]}) from exc


@transaction.atomic
def patient_register(*, actor: Actor, data: dict[str, Any]) -> Patient:
    membership = require_permission(actor, Permission.EDIT_PATIENT)
    patient = Patient(organisation=membership.organisation)
    _apply(patient, data, PATIENT_FIELDS)
    patient.mrn = (patient.mrn or "").strip().upper() or _allocate_mrn(membership.organisation)
    _refresh_search_keys(patient)
    _validate_patient(patient)
    _save_unique(patient)
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=patient,
        patient_public_id=patient.public_id,
        changed_fields=[f for f in PATIENT_FIELDS if data.get(f) not in (None, "")],
    )
    return patient


@transaction.atomic
def patient_update(
    *, actor: Actor, patient: Patient, data: dict[str, Any], expected_version: int
) -> Patient:
    require_permission(actor, Permission.EDIT_PATIENT)
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if "mrn" in data:
        data = {**data, "mrn": (data["mrn"] or "").strip().upper() or current.mrn}
    if current.version != expected_version:
        # What the saved record now says differently from what this person submitted.
        changed = [f for f in PATIENT_FIELDS if f in data and getattr(current, f) != data[f]]
        raise StaleEditError(changed, current)
    changes = _apply(current, data, PATIENT_FIELDS)
    if not changes.fields:
        return current
    _refresh_search_keys(current)
    _validate_patient(current)
    current.version += 1
    _save_unique(current)
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.public_id,
        changed_fields=changes.fields,
    )
    return current


def record_chart_view(*, actor: Actor, patient: Patient, sections: list[str]) -> None:
    record_event(
        actor=actor,
        action=AuditAction.VIEW,
        obj=patient,
        patient_public_id=patient.public_id,
        detail={"sections": sections},
    )


def record_search(*, actor: Actor, patients: list[Patient]) -> None:
    """A search discloses who matched: record which patients were shown (never the query)."""
    record_event(
        actor=actor,
        action=AuditAction.SEARCH,
        detail={"shown": [str(p.public_id) for p in patients]},
    )


def _validate_entry(entry: PatientOwned) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    for name in ("onset_date", "start_date"):
        value = getattr(entry, name, None)
        if value and value > today:
            errors[name] = ["This date is in the future."]
    start, end = getattr(entry, "start_date", None), getattr(entry, "end_date", None)
    if start and end and end < start:
        errors["end_date"] = ["The end date is before the start date."]
    if isinstance(entry, PriorTreatmentTrial) and end and end > today:
        # A trial is history; one still going has no end date yet (a future end would count
        # weeks that have not happened towards treatment resistance).
        errors["end_date"] = ["A past trial cannot end in the future; leave it empty if ongoing."]
    signed_at = getattr(entry, "signed_at", None)
    if signed_at and signed_at > timezone.now():
        errors["signed_at"] = ["A consent cannot be signed in the future."]
    try:
        # The date-order constraints are checked just above, so their errors sit at the field.
        entry.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def chart_entry_add(
    *, actor: Actor, patient: Patient, section: ChartSection, data: dict[str, Any]
) -> PatientOwned:
    membership = require_permission(actor, section.edit_permission)
    require_same_organisation(membership, patient.organisation_id, "patient")
    entry = section.model(
        organisation_id=patient.organisation_id,
        patient=patient,
        recorded_by_id=membership.user_id,
    )
    _apply(entry, data, section.fields)
    if section.slug == "consents":
        entry.witness_id = membership.user_id  # type: ignore[attr-defined]
    _validate_entry(entry)
    entry.save()
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=entry,
        patient_public_id=patient.public_id,
        changed_fields=[f for f in section.fields if data.get(f) not in (None, "")],
    )
    return entry


@transaction.atomic
def chart_entry_update(
    *, actor: Actor, entry: PatientOwned, section: ChartSection, data: dict[str, Any]
) -> PatientOwned:
    require_permission(actor, section.edit_permission)
    current = section.model._default_manager.select_for_update().get(pk=entry.pk)
    if isinstance(current, Consent) and current.withdrawn_at is not None:
        raise ValidationError(
            _withdrawn_words(current.withdrawn_at) + " It can no longer be changed; record a "
            "new consent if the patient agrees again."
        )
    changes = _apply(current, data, section.fields)
    if not changes.fields:
        return current
    if isinstance(current, Consent) and current.prescriber_signed_at is not None:
        # A prescriber signed this document as it was: it is not changed under their name.
        raise ValidationError(
            "A countersigned consent cannot be changed. Withdraw it and record a new one."
        )
    _validate_entry(current)
    current.save()
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=changes.fields,
    )
    return current


# ---- Consents: the prescriber's countersignature, withdrawal, printing -------------------------

WITHDRAWAL_REASON_MAX = 300


def _day(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {local.year}"


def _withdrawn_words(withdrawn_at: datetime) -> str:
    return f"This consent was withdrawn on {_day(withdrawn_at)}."


def _lock_consent(consent: Consent, organisation_id: int) -> Consent:
    try:
        return Consent.objects.select_for_update().get(
            pk=consent.pk, organisation_id=organisation_id
        )
    except Consent.DoesNotExist as exc:
        raise Http404("No such consent.") from exc


@transaction.atomic
def consent_countersign(*, actor: Actor, consent: Consent) -> Consent:
    """The prescriber's signature on a treatment consent or the Spravato REMS enrolment."""
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    current = _lock_consent(consent, membership.organisation_id)
    if not current.takes_prescriber_signature:
        raise ValidationError(
            f"A {current.get_kind_display().lower()} is not countersigned: only treatment "
            "consents and the Spravato REMS enrolment take a prescriber's signature."
        )
    if current.withdrawn_at is not None:
        raise ValidationError(
            _withdrawn_words(current.withdrawn_at)
            + " It cannot be countersigned; record a new consent if the patient agrees again."
        )
    if current.prescriber_signed_at is not None:
        raise ValidationError(
            f"Already countersigned by {current.prescriber_name} "
            f"on {_day(current.prescriber_signed_at)}."
        )
    current.prescriber_id = membership.user_id
    current.prescriber_name = str(actor)
    current.prescriber_signed_at = timezone.now()
    # A consent that no longer passes its own rules (e.g. a treatment consent recorded before
    # routes were required) is corrected first, then signed.
    current.full_clean()
    current.save(update_fields=["prescriber", "prescriber_name", "prescriber_signed_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=consent.patient.public_id,
        changed_fields=["prescriber", "prescriber_name", "prescriber_signed_at"],
    )
    return current


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent, reason: str) -> Consent:
    """The patient takes a consent back. The row is kept as signed; treatment is blocked."""
    membership = require_permission(actor, Permission.RECORD_CONSENT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ["Say why the consent is withdrawn (the patient's words if possible)."]}
        )
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise ValidationError(
            {"reason": [f"Keep the reason to {WITHDRAWAL_REASON_MAX} characters or fewer."]}
        )
    current = _lock_consent(consent, membership.organisation_id)
    if current.withdrawn_at is not None:
        raise ValidationError(_withdrawn_words(current.withdrawn_at))
    current.withdrawn_at = timezone.now()
    current.withdrawn_by_id = membership.user_id
    current.withdrawal_reason = reason
    # Only the withdrawal's own rule: a patient's withdrawal is recorded even when an older
    # consent would not pass today's field rules.
    current.validate_constraints()
    current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=consent.patient.public_id,
        changed_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"],
    )
    return current


@transaction.atomic
def record_consent_print(*, actor: Actor, consent: Consent) -> None:
    """Opening the printable copy discloses the consent: record it as an export."""
    record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=consent,
        patient_public_id=consent.patient.public_id,
        detail={"format": "html_print", "document_version": consent.document_version},
    )
