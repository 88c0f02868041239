"""Which role may do what. The one place that says it; views, API and services ask here."""

from __future__ import annotations

from django.db import models

from ketacare.tenancy.models import Role


class Permission(models.TextChoices):
    VIEW_PATIENT = "view_patient", "See a patient's demographics and contacts"
    EDIT_PATIENT = "edit_patient", "Register a patient and edit demographics and contacts"
    VIEW_CLINICAL = "view_clinical", "See problems, medications, allergies, trials and consents"
    EDIT_CLINICAL = "edit_clinical", "Record problems, medications, allergies and trials"
    RECORD_CONSENT = "record_consent", "Record a signed consent"
    SEND_QUESTIONNAIRE = "send_questionnaire", "Send a questionnaire link or open the kiosk"
    ACKNOWLEDGE_SAFETY_ALERT = "acknowledge_safety_alert", "Acknowledge a safety alert"
    SIGN_TREATMENT_DECISION = (
        "sign_treatment_decision",
        "Sign eligibility decisions and countersign treatment consents",
    )
    VIEW_AUDIT = "view_audit", "Browse the audit trail"
    MANAGE_STAFF = "manage_staff", "Deactivate staff and change roles"


P = Permission
_ALL_CLINICAL = {
    P.VIEW_PATIENT,
    P.EDIT_PATIENT,
    P.VIEW_CLINICAL,
    P.EDIT_CLINICAL,
    P.RECORD_CONSENT,
    P.SEND_QUESTIONNAIRE,
    P.ACKNOWLEDGE_SAFETY_ALERT,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ORG_ADMIN: frozenset({P.VIEW_PATIENT, P.EDIT_PATIENT, P.VIEW_AUDIT, P.MANAGE_STAFF}),
    Role.PRESCRIBER: frozenset({*_ALL_CLINICAL, P.SIGN_TREATMENT_DECISION}),
    Role.NURSE: frozenset(_ALL_CLINICAL),
    # Front desk registers people and takes consents; they do not read the clinical record.
    Role.FRONT_DESK: frozenset(
        {P.VIEW_PATIENT, P.EDIT_PATIENT, P.RECORD_CONSENT, P.SEND_QUESTIONNAIRE}
    ),
    # Therapists see the record, give rating scales and respond to safety alerts.
    Role.THERAPIST: frozenset(
        {P.VIEW_PATIENT, P.VIEW_CLINICAL, P.SEND_QUESTIONNAIRE, P.ACKNOWLEDGE_SAFETY_ALERT}
    ),
    Role.BILLING: frozenset({P.VIEW_PATIENT}),
}


def role_may(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
