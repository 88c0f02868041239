"""The parts of a patient's record beyond demographics, and who may see and record each.

One registry, used by the chart, the add/edit pages, the services and the API, so a new
section is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.patients.models import (
    Allergy,
    Consent,
    Medication,
    PatientContact,
    PatientOwned,
    PriorTreatmentTrial,
    Problem,
)
from ketacare.tenancy.permissions import Permission


@dataclass(frozen=True)
class ChartSection:
    slug: str
    title: str
    singular: str
    model: type[PatientOwned]
    view_permission: Permission
    edit_permission: Permission
    fields: tuple[str, ...]


SECTIONS: dict[str, ChartSection] = {
    s.slug: s
    for s in (
        ChartSection(
            "contacts",
            "Contacts and escorts",
            "contact",
            PatientContact,
            Permission.VIEW_PATIENT,
            Permission.EDIT_PATIENT,
            ("kind", "name", "relationship", "phone", "email", "notes"),
        ),
        ChartSection(
            "problems",
            "Problem list",
            "problem",
            Problem,
            Permission.VIEW_CLINICAL,
            Permission.EDIT_CLINICAL,
            ("icd10_code", "description", "onset_date", "status"),
        ),
        ChartSection(
            "medications",
            "Current medications",
            "medication",
            Medication,
            Permission.VIEW_CLINICAL,
            Permission.EDIT_CLINICAL,
            (
                "name",
                "dose_amount",
                "dose_unit",
                "frequency",
                "drug_class",
                "diazepam_equivalent_mg_per_day",
                "cyp_effect",
                "start_date",
                "end_date",
                "active",
            ),
        ),
        ChartSection(
            "allergies",
            "Allergies",
            "allergy",
            Allergy,
            Permission.VIEW_CLINICAL,
            Permission.EDIT_CLINICAL,
            ("substance", "reaction", "severity"),
        ),
        ChartSection(
            "trials",
            "Prior treatment trials",
            "treatment trial",
            PriorTreatmentTrial,
            Permission.VIEW_CLINICAL,
            Permission.EDIT_CLINICAL,
            (
                "kind",
                "name",
                "dose",
                "start_date",
                "end_date",
                "adequate_dose",
                "adequate_duration",
                "outcome",
                "notes",
            ),
        ),
        ChartSection(
            "consents",
            "Consents",
            "consent",
            Consent,
            Permission.VIEW_PATIENT,
            Permission.RECORD_CONSENT,
            ("kind", "route", "document_version", "signed_at", "signed_by_name", "notes"),
        ),
    )
}
