"""Public pages (no sign-in) and the front desk's consultation-request queue. Thin views."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.public import selectors, services
from ketacare.public.content import PAGES, PAGES_BY_SLUG
from ketacare.public.forms import (
    ClinicPageForm,
    ConsultationRequestForm,
    ConvertForm,
    PrescreenForm,
    TriageForm,
    answers_data,
    blank_prescreen_form,
    sign_answers,
)
from ketacare.public.models import ClinicPage, RequestStatus
from ketacare.public.prescreen import prescreen as judge
from ketacare.tenancy.models import Clinic


def _public(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request,
        template,
        {"learn_pages": PAGES, **context},
        status=status,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _public(request, "public/home.html", {})


@require_GET
def learn_index(request: HttpRequest) -> HttpResponse:
    return _public(request, "public/learn/index.html", {})


@require_GET
def learn_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = PAGES_BY_SLUG.get(slug)
    if page is None:
        raise Http404("No such page.")
    return _public(request, "public/learn/page.html", {"page": page})


@require_http_methods(["GET", "POST"])
def prescreen(request: HttpRequest) -> HttpResponse:
    """Answers in, result out; nothing is stored (no row, no audit event)."""
    if request.method != "POST":
        return _public(request, "public/prescreen.html", {"form": blank_prescreen_form()})
    form = PrescreenForm(request.POST)
    if not form.is_valid():
        return _public(request, "public/prescreen.html", {"form": form}, status=400)
    result = judge(form.answers())
    return _public(
        request,
        "public/prescreen_result.html",
        {"result": result, "signed_answers": sign_answers(answers_data(form))},
    )


def _clinic_from_query(request: HttpRequest) -> Clinic | None:
    wanted = request.GET.get("clinic", "")
    try:
        return selectors.listed_clinics().filter(public_id=wanted).first() if wanted else None
    except ValidationError:
        return None


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def consultation_request(request: HttpRequest) -> HttpResponse:
    clinics = selectors.listed_clinics()
    if request.method != "POST" or "from_prescreen" in request.POST:
        clinic = _clinic_from_query(request)
        initial = {"clinic": clinic.public_id if clinic else None}
        if "from_prescreen" in request.POST:
            initial["answers"] = request.POST.get("answers", "")
        form = ConsultationRequestForm(initial=initial, clinics=clinics)
        return _public(request, "public/request.html", {"form": form})
    form = ConsultationRequestForm(request.POST, clinics=clinics)
    if services.rate_limited(_client_ip(request)):
        form.is_valid()
        form.add_error(
            None,
            "We have had too many requests from your connection in the last hour. Please try "
            "again later, or call the clinic directly.",
        )
        return _public(request, "public/request.html", {"form": form}, status=429)
    if not form.is_valid():
        return _public(request, "public/request.html", {"form": form}, status=400)
    data = form.cleaned_data
    answers = data.get("answers")
    outcome = ""
    if answers:
        checked = PrescreenForm(answers)
        checked.is_valid()
        outcome = judge(checked.answers()).outcome.value
    try:
        services.request_consultation(
            clinic=data["clinic"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            preferred_times=data["preferred_times"],
            prescreen_answers=answers,
            prescreen_outcome=outcome,
        )
    except services.RequestRefused as exc:
        form.add_error(None, str(exc))
        return _public(request, "public/request.html", {"form": form}, status=400)
    return redirect("public:thanks")


@require_GET
def clinic_page(request: HttpRequest, clinic_id: str, slug: str) -> HttpResponse:
    page = selectors.published_clinic_page(clinic_id, slug)
    return _public(request, "public/clinic_page.html", {"page": page, "clinic": page.clinic})


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return _public(request, "public/thanks.html", {})


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    paths = [
        reverse("home"),
        reverse("public:learn"),
        *(reverse("public:learn_page", args=[p.slug]) for p in PAGES),
        reverse("public:prescreen"),
        reverse("public:request"),
        reverse("directory:finder"),
        *(
            reverse("public:clinic_page", args=[p.clinic.public_id, p.slug])
            for p in selectors.published_clinic_pages()
        ),
    ]
    return render(
        request,
        "public/sitemap.xml",
        {"urls": [base + p for p in paths]},
        content_type="application/xml",
    )


# --- The front desk's queue (signed-in staff of the request's organisation) ---


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    rows = selectors.request_queue(request.user)
    return render(request, "public/queue.html", {"rows": rows, "statuses": RequestStatus})


def _detail(
    request: HttpRequest,
    item: Any,
    *,
    triage: TriageForm | None = None,
    convert: ConvertForm | None = None,
    status: int = 200,
) -> HttpResponse:
    first, _, last = item.name.partition(" ")
    return render(
        request,
        "public/request_detail.html",
        {
            "item": item,
            "triage": triage or TriageForm(),
            "convert": convert
            or ConvertForm(
                initial={"legal_first_name": first, "legal_last_name": last, "status": "lead"}
            ),
            "is_open": item.status != RequestStatus.CONVERTED,
        },
        status=status,
    )


@require_GET
def request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.get_request_for(request.user, public_id)
    services.record_request_view(actor=request.user, item=item)
    return _detail(request, item)


@require_POST
def request_mark(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.get_request_for(request.user, public_id)
    form = TriageForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, triage=form, status=400)
    try:
        services.mark_request(
            actor=request.user,
            request=item,
            status=form.cleaned_data["status"],
            outcome_note=form.cleaned_data["outcome_note"],
        )
    except services.RequestRefused as exc:
        form.add_error(None, str(exc))
        return _detail(request, item, triage=form, status=400)
    return redirect("public:queue")


@require_POST
def request_convert(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.get_request_for(request.user, public_id)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, convert=form, status=400)
    try:
        patient = services.convert_request_to_patient(
            actor=request.user, request=item, **form.cleaned_data
        )
    except services.RequestRefused as exc:
        form.add_error(None, str(exc))
        return _detail(request, item, convert=form, status=400)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _detail(request, item, convert=form, status=400)
    return redirect("patients:chart", public_id=patient.public_id)


# --- Clinic pages: an organisation admin writes them for the organisation's clinics ---


@require_GET
def clinic_pages(request: HttpRequest) -> HttpResponse:
    pages = selectors.clinic_pages_for(request.user)
    return render(request, "public/clinic_pages.html", {"pages": pages})


def _page_form_view(request: HttpRequest, page: ClinicPage | None, clinics: Any) -> HttpResponse:
    initial = (
        {
            "clinic": page.clinic.public_id,
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "body": page.body,
            "published": page.published,
        }
        if page
        else {}
    )
    if request.method != "POST":
        form = ClinicPageForm(initial=initial, clinics=clinics)
        return render(request, "public/clinic_page_form.html", {"form": form, "page": page})
    form = ClinicPageForm(request.POST, clinics=clinics)
    if form.is_valid():
        try:
            if page is None:
                services.create_clinic_page(actor=request.user, **form.cleaned_data)
            else:
                services.change_clinic_page(actor=request.user, page=page, **form.cleaned_data)
        except services.ClinicPageRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("public:clinic_pages")
    return render(request, "public/clinic_page_form.html", {"form": form, "page": page}, status=400)


@require_http_methods(["GET", "POST"])
def clinic_page_create(request: HttpRequest) -> HttpResponse:
    clinics = selectors.page_clinics_for(request.user)
    return _page_form_view(request, None, clinics)


@require_http_methods(["GET", "POST"])
def clinic_page_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    page = selectors.get_clinic_page_for(request.user, public_id)
    clinics = selectors.page_clinics_for(request.user)
    return _page_form_view(request, page, clinics)
