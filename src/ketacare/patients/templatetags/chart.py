"""Small display helpers for the chart."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(str(key)) if mapping else None


@register.filter
def entry_summary(entry: Any, slug: str) -> str:
    """One line per entry, in the words a clinician would write."""
    if slug == "medications":
        dose = f" {entry.dose_amount.normalize():f} {entry.dose_unit}" if entry.dose_amount else ""
        freq = f" {entry.frequency}" if entry.frequency else ""
        extra = ""
        if entry.diazepam_equivalent_mg_per_day is not None:
            dzp = entry.diazepam_equivalent_mg_per_day.normalize()
            extra = f" — {dzp:f} mg/day diazepam-equivalent"
        stopped = "" if entry.active else " (stopped)"
        return f"{entry.name}{dose}{freq} · {entry.get_drug_class_display()}{extra}{stopped}"
    if slug == "problems":
        return f"{entry.icd10_code} {entry.description} ({entry.get_status_display().lower()})"
    if slug == "trials":
        adequacy = "adequate" if entry.adequate_dose and entry.adequate_duration else "not adequate"
        return f"{entry.name} {entry.dose} · {adequacy} · {entry.get_outcome_display().lower()}"
    if slug == "contacts":
        return f"{entry.get_kind_display()}: {entry.name} ({entry.relationship}) {entry.phone}"
    if slug == "consents":
        signed = f"{entry.signed_at:%b %d, %Y}"
        return (
            f"{entry.get_kind_display()} v{entry.document_version}, "
            f"signed {signed} by {entry.signed_by_name}"
        )
    if slug == "allergies":
        return f"{entry.substance}: {entry.reaction} ({entry.get_severity_display().lower()})"
    return str(entry)
