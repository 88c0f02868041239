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
    VIEW_SCHEDULE = "view_schedule", "See the clinic's calendars and floor board"
    BOOK_APPOINTMENT = "book_appointment", "Book, move, cancel and check in appointments"
    MANAGE_SCHEDULE = "manage_schedule", "Set appointment types, closures, the rota and ratios"
    CHART_SESSION = "chart_session", "Chart a treatment session: checks, dosing, vitals, recovery"
    OVERRIDE_SAFETY_CHECK = (
        "override_safety_check",
        "Override a failed pre-dose check, with a reason",
    )
    REVIEW_INCIDENT = "review_incident", "Review adverse-event incidents (medical director)"
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

_CALENDAR = {P.VIEW_SCHEDULE, P.BOOK_APPOINTMENT}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ORG_ADMIN: frozenset(
        {P.VIEW_PATIENT, P.EDIT_PATIENT, P.VIEW_AUDIT, P.MANAGE_STAFF, *_CALENDAR}
        | {P.MANAGE_SCHEDULE}
    ),
    # The prescriber overrides failed checks and reviews incidents as the medical director.
    Role.PRESCRIBER: frozenset(
        {*_ALL_CLINICAL, *_CALENDAR, P.SIGN_TREATMENT_DECISION, P.CHART_SESSION}
        | {P.OVERRIDE_SAFETY_CHECK, P.REVIEW_INCIDENT}
    ),
    Role.NURSE: frozenset({*_ALL_CLINICAL, *_CALENDAR, P.CHART_SESSION}),
    # Front desk registers people, takes consents and runs the calendar; they do not read the
    # clinical record.
    Role.FRONT_DESK: frozenset(
        {P.VIEW_PATIENT, P.EDIT_PATIENT, P.RECORD_CONSENT, P.SEND_QUESTIONNAIRE, *_CALENDAR}
        | {P.MANAGE_SCHEDULE}
    ),
    # Therapists see the record, give rating scales, respond to safety alerts and book their
    # integration sessions.
    Role.THERAPIST: frozenset(
        {P.VIEW_PATIENT, P.VIEW_CLINICAL, P.SEND_QUESTIONNAIRE, P.ACKNOWLEDGE_SAFETY_ALERT}
        | _CALENDAR
    ),
    Role.BILLING: frozenset({P.VIEW_PATIENT, P.VIEW_SCHEDULE}),
}


def role_may(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
