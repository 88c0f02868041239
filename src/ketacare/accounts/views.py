"""The org admin's staff list, with deactivation."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.services import staff_deactivate
from ketacare.measures.services import remission_threshold_set
from ketacare.screening.services import eligibility_thresholds_set
from ketacare.tenancy.access import access_object, require_permission, scoped
from ketacare.tenancy.forms import (
    EligibilityThresholdsForm,
    OrganisationSettingsForm,
    RemissionThresholdForm,
)
from ketacare.tenancy.models import Membership
from ketacare.tenancy.permissions import Permission
from ketacare.tenancy.services import organisation_settings_update


@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    admin = require_permission(request.user, Permission.MANAGE_STAFF)
    members = (
        scoped(Membership.objects.all(), admin).select_related("user").prefetch_related("clinics")
    )
    return render(request, "accounts/staff_list.html", {"members": members})


@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest) -> HttpResponse:
    admin = require_permission(request.user, Permission.MANAGE_STAFF)
    initial = {"idle_timeout_minutes": admin.organisation.idle_timeout_minutes}
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    form = OrganisationSettingsForm(posted if which == "signin" else None, initial=initial)
    remission = RemissionThresholdForm(posted if which == "remission" else None)
    current = admin.organisation.settings.get("eligibility", {})
    thresholds = EligibilityThresholdsForm(
        posted if which == "eligibility" else None, current=current
    )
    if which == "eligibility" and thresholds.is_valid():
        try:
            eligibility_thresholds_set(actor=request.user, overrides=thresholds.overrides())
        except ValidationError as exc:
            thresholds.add_error(None, exc)
        else:
            messages.success(request, "Eligibility thresholds saved.")
            return redirect("staff:settings")
    if which == "signin" and form.is_valid():
        try:
            organisation_settings_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("staff:settings")
    if which == "remission" and remission.is_valid():
        try:
            remission_threshold_set(actor=request.user, **remission.cleaned_data)
        except ValidationError as exc:
            remission.add_error(None, exc)
        else:
            messages.success(request, "Remission threshold saved.")
            return redirect("staff:settings")
    overrides = admin.organisation.settings.get("measures", {}).get("remission", {})
    context = {
        "form": form,
        "remission": remission,
        "thresholds": thresholds,
        "overrides": sorted(overrides.items()),
    }
    return render(request, "accounts/organisation_settings.html", context)


@require_POST
def deactivate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _, member = access_object(
        request.user,
        Membership.objects.select_related("user"),
        Permission.MANAGE_STAFF,
        public_id=public_id,
    )
    if member.user_id == request.user.pk:
        messages.error(request, "You cannot deactivate your own account.")
    else:
        staff_deactivate(actor=request.user, membership=member)
        messages.success(request, f"{member.user} can no longer sign in; their sessions ended.")
    return redirect("staff:list")
