"""Staff pages for a session's documents: the session record and REMS form PDFs, the REMS
submission tracker and the incident reviews list. Thin: parse, call a selector or service,
render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.tenancy.access import access_object
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions import documents, selectors, services
from ketacare.treatment_sessions.models import IncidentReview, RemsMonitoringForm


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file name carries no health information: the session's public id only.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def record_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = documents.session_for_document(request.user, public_id)
    pdf = documents.session_record_pdf(actor=request.user, session=session)
    return _pdf(pdf, f"session-record-{session.public_id}.pdf")


@require_GET
def discharge_instructions_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = documents.session_for_document(request.user, public_id)
    pdf = documents.discharge_instructions_pdf(actor=request.user, session=session)
    return _pdf(pdf, f"discharge-instructions-{session.public_id}.pdf")


@require_GET
def rems_form_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = documents.session_for_document(request.user, public_id)
    try:
        pdf = documents.rems_form_pdf(actor=request.user, session=session)
    except documents.NotAnEsketamineSession as exc:
        raise Http404("Only an esketamine session has a REMS monitoring form.") from exc
    return _pdf(pdf, f"rems-monitoring-form-{session.public_id}.pdf")


# --- the REMS submission tracker ----------------------------------------------------------------


@dataclass(frozen=True)
class TrackedForm:
    form: RemsMonitoringForm
    days_left: int
    errors: dict[str, list[str]]
    confirmation: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)


def _rems_page(
    request: HttpRequest,
    *,
    errors_for: int | None = None,
    errors: dict[str, list[str]] | None = None,
    typed: str = "",
    status: int = 200,
) -> HttpResponse:
    today: date = timezone.localdate()
    rows = [
        TrackedForm(
            form=form,
            days_left=(form.due_by - today).days,
            errors=(errors or {}) if form.pk == errors_for else {},
            confirmation=typed if form.pk == errors_for else "",
        )
        for form in selectors.rems_forms_open(request.user)
    ]
    context: dict[str, Any] = {
        "rows": rows,
        "overdue_count": sum(1 for row in rows if row.overdue),
        "today": today,
        "due_days": selectors.REMS_FORM_DUE_DAYS,
    }
    return render(request, "treatment_sessions/rems_forms.html", context, status=status)


@require_GET
def rems_forms(request: HttpRequest) -> HttpResponse:
    return _rems_page(request)


@require_POST
def rems_form_submitted(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _, form = access_object(
        request.user,
        RemsMonitoringForm.objects.select_related("session"),
        Permission.CHART_SESSION,
        session__public_id=public_id,
    )
    confirmation = request.POST.get("confirmation", "")
    try:
        services.rems_form_mark_submitted(actor=request.user, form=form, confirmation=confirmation)
    except ValidationError as exc:
        problems = getattr(exc, "message_dict", {"confirmation": exc.messages})
        return _rems_page(
            request, errors_for=form.pk, errors=problems, typed=confirmation, status=400
        )
    messages.success(request, f"REMS form marked submitted (confirmation {confirmation.strip()}).")
    return redirect(reverse("treatment_sessions:rems_forms"))


# --- incident reviews -------------------------------------------------------------------------


def _incidents_page(
    request: HttpRequest,
    *,
    errors_for: int | None = None,
    errors: dict[str, list[str]] | None = None,
    typed: str = "",
    status: int = 200,
) -> HttpResponse:
    reviews = list(selectors.open_incident_reviews(request.user))
    rows = [
        {
            "review": review,
            "event": review.adverse_event,
            "errors": (errors or {}) if review.pk == errors_for else {},
            "findings": typed if review.pk == errors_for else "",
        }
        for review in reviews
    ]
    return render(request, "treatment_sessions/incidents.html", {"rows": rows}, status=status)


@require_GET
def incidents(request: HttpRequest) -> HttpResponse:
    return _incidents_page(request)


@require_POST
def incident_close(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _, review = access_object(
        request.user,
        IncidentReview.objects.select_related("adverse_event"),
        Permission.REVIEW_INCIDENT,
        public_id=public_id,
    )
    findings = request.POST.get("findings", "")
    try:
        services.incident_review_close(actor=request.user, review=review, findings=findings)
    except ValidationError as exc:
        problems = getattr(exc, "message_dict", {"findings": exc.messages})
        return _incidents_page(
            request, errors_for=review.pk, errors=problems, typed=findings, status=400
        )
    messages.success(request, f"Incident review of “{review.adverse_event.event_type}” closed.")
    return redirect(reverse("treatment_sessions:incidents"))
