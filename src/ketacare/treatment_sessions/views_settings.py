"""The practice's treatment-day settings, for prescribers. Thin: read, parse, call the one
service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.tenancy.access import require_permission
from ketacare.tenancy.models import Organisation
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions import monitoring, selectors
from ketacare.treatment_sessions.forms_settings import TreatmentDaySettingsForm
from ketacare.treatment_sessions.services.settings import (
    OBSERVED_ROUTES,
    treatment_day_page_save,
)


def _initial(organisation: Organisation) -> dict[str, Any]:
    day = selectors.day_settings(organisation)
    gate = day.raw.get("racemic_bp_gate") or {}
    limits = monitoring.alert_thresholds(organisation)
    cadence = monitoring.cadence_settings(organisation)
    initial: dict[str, Any] = {
        "aldrete_threshold": day.aldrete_threshold,
        "padss_threshold": day.padss_threshold,
        "bp_gate_systolic": gate.get("systolic_above"),
        "bp_gate_diastolic": gate.get("diastolic_above"),
        "scales_max_age_days": day.scales_max_age_days,
    }
    for route in OBSERVED_ROUTES:
        initial[f"observation_{route}"] = day.minimum_observation_minutes(route)
    for name in monitoring.THRESHOLD_NAMES:
        initial[f"alert_{name}"] = getattr(limits, name)
    for name in monitoring.CADENCE_NAMES:
        interval = getattr(cadence, name)
        initial[f"cadence_{name}"] = int(interval.total_seconds() // 60) if interval else None
    return initial


@require_http_methods(["GET", "POST"])
def treatment_day_settings(request: HttpRequest) -> HttpResponse:
    membership = require_permission(request.user, Permission.SIGN_TREATMENT_DECISION)
    organisation = membership.organisation
    form = TreatmentDaySettingsForm(request.POST or None, initial=_initial(organisation))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            day_values, alert_limits, intervals = form.service_values()
            # Fasting rules are not on this page: keep the practice's as they are.
            fasting = selectors.day_settings(organisation).raw.get("fasting")
            if fasting:
                day_values["fasting"] = fasting
            try:
                treatment_day_page_save(
                    actor=request.user,
                    day_values=day_values,
                    alert_limits=alert_limits,
                    cadence=intervals,
                )
            except ValidationError as exc:
                form.add_service_errors(exc.message_dict)
            else:
                messages.success(request, "Treatment-day settings saved.")
                return redirect("treatment_sessions:settings")
        status = 400
    observation = [form[f"observation_{route}"] for route in OBSERVED_ROUTES]
    alerts = [form[f"alert_{name}"] for name in monitoring.THRESHOLD_NAMES]
    cadence = [form[f"cadence_{name}"] for name in monitoring.CADENCE_NAMES]
    context = {
        "form": form,
        "observation": observation,
        "alerts": alerts,
        "cadence": cadence,
        "scores": [form["aldrete_threshold"], form["padss_threshold"]],
        "gates": [form["bp_gate_systolic"], form["bp_gate_diastolic"], form["scales_max_age_days"]],
    }
    return render(request, "treatment_sessions/settings.html", context, status=status)
