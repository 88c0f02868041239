"""The prescriber's treatment-day settings form: the practice's own numbers where the reference
gives none (minimum observation for racemic routes, the adapted PADSS threshold, alert limits,
vital-sign intervals) and the overridable defaults (the Aldrete threshold). The services check
every value; this form only parses whole numbers and maps refusals back to the fields."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.clinical.treatment_day import CANDIDATE_HYPERTENSION_S39
from ketacare.tenancy.models import Route
from ketacare.treatment_sessions.monitoring import CADENCE_NAMES, THRESHOLD_NAMES
from ketacare.treatment_sessions.services.settings import OBSERVED_ROUTES

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "class": "num-input"}
ALERT_LABELS = {
    "systolic_above": "Alert when systolic is above (mmHg)",
    "diastolic_above": "Alert when diastolic is above (mmHg)",
    "heart_rate_above": "Alert when heart rate is above (/min)",
    "heart_rate_below": "Alert when heart rate is below (/min)",
    "spo2_below": "Alert when SpO2 is below (%)",
    "respiratory_rate_above": "Alert when respiratory rate is above (/min)",
    "respiratory_rate_below": "Alert when respiratory rate is below (/min)",
}
CADENCE_LABELS = {
    "esketamine_interval_after_40_min": (
        "Esketamine: minutes between readings after the 40-minute blood pressure "
        "(empty: as clinically warranted, no timer)"
    ),
    "other_route_interval": (
        "IM/SC, sublingual, compounded intranasal, topical: minutes between readings"
    ),
}


def _number(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, help_text=help_text,
        widget=forms.NumberInput(attrs=NUMBER),
    )  # fmt: skip


class TreatmentDaySettingsForm(forms.Form):
    aldrete_threshold = _number(
        "Modified Aldrete score needed for discharge",
        "Default 9 of 10 (Aldrete; reference rule 13).",
    )
    padss_threshold = _number(
        "Adapted PADSS score needed for discharge (out of 8)",
        "No default: the 9-of-10 rule was made for the full PADSS, which the adapted form is not.",
    )
    bp_gate_systolic = _number("Racemic routes: pre-dose systolic gate (above, mmHg)")
    bp_gate_diastolic = _number("Racemic routes: pre-dose diastolic gate (above, mmHg)")
    scales_max_age_days = _number("Pre-session rating scales count if done within (days)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for route in OBSERVED_ROUTES:
            self.fields[f"observation_{route}"] = _number(
                f"{Route(route).label}: minimum observation after the first dose (minutes)"
            )
        candidate = {
            "systolic_above": CANDIDATE_HYPERTENSION_S39.systolic_above,
            "diastolic_above": CANDIDATE_HYPERTENSION_S39.diastolic_above,
        }
        for name in THRESHOLD_NAMES:
            hint = ""
            if name in candidate:
                hint = f"One study's cut-off for transient hypertension: {candidate[name]} (S39)."
            self.fields[f"alert_{name}"] = _number(ALERT_LABELS[name], hint)
        for name in CADENCE_NAMES:
            self.fields[f"cadence_{name}"] = _number(CADENCE_LABELS[name])

    def service_values(self) -> tuple[dict[str, Any], dict[str, object], dict[str, int | None]]:
        data = self.cleaned_data
        day: dict[str, Any] = {
            "minimum_observation_minutes": {
                route: data[f"observation_{route}"]
                for route in OBSERVED_ROUTES
                if data.get(f"observation_{route}") is not None
            },
            "aldrete_threshold": data.get("aldrete_threshold"),
            "padss_threshold": data.get("padss_threshold"),
            "scales_max_age_days": data.get("scales_max_age_days"),
        }
        if data.get("bp_gate_systolic") is not None or data.get("bp_gate_diastolic") is not None:
            day["racemic_bp_gate"] = {
                "systolic_above": data.get("bp_gate_systolic"),
                "diastolic_above": data.get("bp_gate_diastolic"),
            }
        alerts = {name: data.get(f"alert_{name}") for name in THRESHOLD_NAMES}
        cadence = {name: data.get(f"cadence_{name}") for name in CADENCE_NAMES}
        return day, alerts, cadence

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each refusal at its field ("minimum_observation_minutes.iv" → observation_iv)."""
        for key, messages in errors.items():
            field = (
                key.replace("minimum_observation_minutes.", "observation_")
                .replace("racemic_bp_gate.systolic_above", "bp_gate_systolic")
                .replace("racemic_bp_gate.diastolic_above", "bp_gate_diastolic")
            )
            if f"alert_{key}" in self.fields:
                field = f"alert_{key}"
            elif f"cadence_{key}" in self.fields:
                field = f"cadence_{key}"
            self.add_error(field if field in self.fields else None, messages)
