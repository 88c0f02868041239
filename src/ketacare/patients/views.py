"""Staff pages of the registry: parse the request, call a selector or service, render."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.measures import selectors as measures_selectors
from ketacare.patients import consent_documents, selectors, services
from ketacare.patients.forms import PatientEditForm, PatientForm, SearchForm, section_form_class
from ketacare.patients.models import Consent, Patient
from ketacare.patients.sections import SECTIONS, ChartSection
from ketacare.screening import selectors as screening_selectors
from ketacare.tenancy.access import require_membership, require_permission
from ketacare.tenancy.permissions import Permission, role_may


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Search runs on POST so names and dates of birth never sit in URLs or server logs."""
    require_permission(request.user, Permission.VIEW_PATIENT)
    form = SearchForm(request.POST or None)
    results: list[object] = []
    problem = ""
    searched = False
    if request.method == "POST" and form.is_valid():
        query, patients = selectors.search_patients(request.user, form.cleaned_data["q"])
        problem = query.problem or ""
        if problem:
            form.add_error("q", problem)
        else:
            searched = True
            results = list(patients)
            services.record_search(actor=request.user, patients=patients)
    context = {
        "form": form,
        "results": results,
        "searched": searched,
        "limit": selectors.SEARCH_LIMIT,
    }
    template = "patients/partials/results.html" if request.htmx else "patients/search.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    membership = require_permission(request.user, Permission.EDIT_PATIENT)
    form = PatientForm(request.POST or None, organisation=membership.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("patients:chart", public_id=patient.public_id)
    return render(request, "patients/register.html", {"form": form})


def chart(request: HttpRequest, public_id: UUID) -> HttpResponse:
    membership = require_membership(request.user)
    patient = selectors.get_patient_for(request.user, public_id)
    data = selectors.patient_chart(request.user, patient, membership)
    # Open safety alerts stay in the chart header until a clinician acknowledges them.
    clinical = role_may(membership.role, Permission.VIEW_CLINICAL)
    alerts = list(measures_selectors.open_alerts(request.user, patient=patient)) if clinical else []
    # The consultation decision (or the draft in progress) is clinical: shown to clinical roles.
    eligibility = screening_selectors.chart_eligibility(patient) if clinical else None
    shown = list(data.sections) + (["eligibility"] if clinical else [])
    services.record_chart_view(actor=request.user, patient=patient, sections=shown)
    context = {
        "chart": data,
        "patient": patient,
        "safety_alerts": alerts,
        "eligibility": eligibility,
    }
    return render(request, "patients/chart.html", context)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    membership = require_membership(request.user)
    patient = selectors.get_patient_for(request.user, public_id, Permission.EDIT_PATIENT)
    initial = {"version": patient.version}
    form = PatientEditForm(
        request.POST or None,
        instance=patient,
        initial=initial,
        organisation=membership.organisation,
    )
    stale: services.StaleEditError | None = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.patient_update(
                actor=request.user, patient=patient, data=data, expected_version=version
            )
        except services.StaleEditError as exc:
            stale = exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("patients:chart", public_id=patient.public_id)
    return render(request, "patients/edit.html", {"form": form, "patient": patient, "stale": stale})


def _section(slug: str) -> ChartSection:
    try:
        return SECTIONS[slug]
    except KeyError as exc:
        raise Http404("No such part of the record.") from exc


@require_http_methods(["GET", "POST"])
def entry_add(request: HttpRequest, public_id: UUID, section: str) -> HttpResponse:
    part = _section(section)
    patient = selectors.get_patient_for(request.user, public_id, part.edit_permission)
    form = section_form_class(part)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chart_entry_add(
                actor=request.user, patient=patient, section=part, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("patients:chart", public_id=patient.public_id)
    context = {"form": form, "patient": patient, "section": part, "entry": None}
    return render(request, "patients/entry_form.html", context)


@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, public_id: UUID, section: str, entry_id: UUID) -> HttpResponse:
    part = _section(section)
    patient = selectors.get_patient_for(request.user, public_id, part.edit_permission)
    entry = selectors.get_section_entry_for(request.user, patient, part, entry_id)
    form = section_form_class(part)(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.chart_entry_update(
                actor=request.user, entry=entry, section=part, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("patients:chart", public_id=patient.public_id)
    context = {"form": form, "patient": patient, "section": part, "entry": entry}
    return render(request, "patients/entry_form.html", context)


# ---- Consents: countersign, withdraw, print ----------------------------------------------------


class ConsentWithdrawalForm(forms.Form):
    # Kept beside its one view; move to forms.py with the next consent form.
    reason = forms.CharField(
        label="Why is the consent withdrawn?",
        max_length=services.WITHDRAWAL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In the patient's words where possible. Staff see it before any treatment.",
    )


def _consent(
    request: HttpRequest, public_id: UUID, entry_id: UUID, permission: Permission
) -> tuple[Patient, Consent]:
    """404 for another organisation's patient or consent, then 403 for the role."""
    patient = selectors.get_patient_for(request.user, public_id, permission)
    return patient, selectors.get_consent_for(request.user, patient, entry_id)


def _back_to_consents(patient: Patient) -> HttpResponse:
    return redirect(reverse("patients:chart", args=[patient.public_id]) + "#h-consents")


@require_POST
def consent_countersign(request: HttpRequest, public_id: UUID, entry_id: UUID) -> HttpResponse:
    patient, consent = _consent(request, public_id, entry_id, Permission.SIGN_TREATMENT_DECISION)
    try:
        services.consent_countersign(actor=request.user, consent=consent)
    except ValidationError as exc:
        messages.error(request, "Not countersigned: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Countersigned: {consent.get_kind_display()}.")
    if request.POST.get("back") == "print":
        return redirect("patients:consent_print", public_id=patient.public_id, entry_id=entry_id)
    return _back_to_consents(patient)


@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, public_id: UUID, entry_id: UUID) -> HttpResponse:
    patient, consent = _consent(request, public_id, entry_id, Permission.RECORD_CONSENT)
    form = ConsentWithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user, consent=consent, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Consent withdrawn: {consent.get_kind_display()}.")
            return _back_to_consents(patient)
    context = {
        "patient": patient,
        "consent": consent,
        "form": form,
        "route_words": consent_documents.route_words(consent.route) if consent.route else "",
    }
    return render(request, "patients/consent_withdraw.html", context)


@require_GET
def consent_print(request: HttpRequest, public_id: UUID, entry_id: UUID) -> HttpResponse:
    patient, consent = _consent(request, public_id, entry_id, Permission.VIEW_PATIENT)
    services.record_consent_print(actor=request.user, consent=consent)
    document = consent_documents.document_for(consent.kind, consent.route)
    context = {
        "patient": patient,
        "consent": consent,
        "clinic": patient.preferred_clinic,
        "document": document,
        "version_differs": document is not None and consent.document_version != document.version,
    }
    return render(request, "patients/consent_print.html", context)
