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
from ketacare.treatment_sessions.services.rems import REVIEW_KEY


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


YES_NO_QUESTIONS = (
    ("vitals_acceptable_before_end", "Vital signs in an acceptable range before the end?"),
    ("respiratory_depression", "Respiratory depression during the session?"),
)


@dataclass(frozen=True)
class ReviewQuestion:
    key: str
    question: str
    chosen: str  # "yes", "no" or ""
    errors: list[str]


@dataclass(frozen=True)
class TrackedForm:
    form: RemsMonitoringForm
    days_left: int
    errors: dict[str, list[str]]
    confirmation: str
    review_errors: dict[str, list[str]]
    review: dict[str, Any]  # the answers shown in the review form: typed, confirmed or suggested

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)

    @property
    def questions(self) -> list[ReviewQuestion]:
        return [
            ReviewQuestion(key, question, self.review.get(key, ""), self.review_errors.get(key, []))
            for key, question in YES_NO_QUESTIONS
        ]

    @property
    def reviewed(self) -> dict[str, str] | None:
        reviewed = self.form.fields.get(REVIEW_KEY)
        return reviewed if isinstance(reviewed, dict) else None


def _rems_page(
    request: HttpRequest,
    *,
    errors_for: int | None = None,
    errors: dict[str, list[str]] | None = None,
    typed: str = "",
    review_errors: dict[str, list[str]] | None = None,
    review_typed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    today: date = timezone.localdate()
    rows = []
    for form in selectors.rems_forms_open(request.user):
        mine = form.pk == errors_for
        rows.append(
            TrackedForm(
                form=form,
                days_left=(form.due_by - today).days,
                errors=(errors or {}) if mine else {},
                confirmation=typed if mine else "",
                review_errors=(review_errors or {}) if mine else {},
                review=(review_typed or {}) if mine and review_typed else _review_shown(form),
            )
        )
    context: dict[str, Any] = {
        "rows": rows,
        "overdue_count": sum(1 for row in rows if row.overdue),
        "today": today,
        "due_days": selectors.REMS_FORM_DUE_DAYS,
    }
    return render(request, "treatment_sessions/rems_forms.html", context, status=status)


def _review_shown(form: RemsMonitoringForm) -> dict[str, Any]:
    """The review form's answers: as confirmed, else as the chart suggests ("yes"/"no"/"")."""
    shown: dict[str, Any] = {}
    for key, value in services.rems_suggestions(form).items():
        shown[key] = {True: "yes", False: "no", None: ""}.get(value, value)
    return shown


@require_GET
def rems_forms(request: HttpRequest) -> HttpResponse:
    return _rems_page(request)


def _tracked(request: HttpRequest, public_id: UUID) -> RemsMonitoringForm:
    return access_object(
        request.user,
        RemsMonitoringForm.objects.select_related("session"),
        Permission.CHART_SESSION,
        session__public_id=public_id,
    )[1]


@require_POST
def rems_form_review(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A clinician confirms or corrects the answers the chart can only suggest."""
    form = _tracked(request, public_id)
    typed = {key: request.POST.get(key, "").strip() for key in services.REVIEWED_ANSWERS}
    yes_no = {"yes": True, "no": False}
    minutes = typed["ready_to_leave_without_2h_rule_minutes"]
    try:
        services.rems_form_review(
            actor=request.user,
            form=form,
            vitals_acceptable_before_end=yes_no.get(typed["vitals_acceptable_before_end"]),
            respiratory_depression=yes_no.get(typed["respiratory_depression"]),
            ready_to_leave_without_2h_rule_minutes=int(minutes) if minutes.isdigit() else None,
        )
    except ValidationError as exc:
        problems = getattr(exc, "message_dict", {"status": exc.messages})
        return _rems_page(
            request, errors_for=form.pk, review_errors=problems, review_typed=typed, status=400
        )
    messages.success(request, "REMS answers confirmed; the form can be marked submitted.")
    return redirect(reverse("treatment_sessions:rems_forms"))


@require_POST
def rems_form_submitted(request: HttpRequest, public_id: UUID) -> HttpResponse:
    form = _tracked(request, public_id)
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
