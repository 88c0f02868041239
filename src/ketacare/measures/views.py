"""Rating-scale pages: outcomes per patient, entry in clinic, the clinic dashboard, and the
public self-report link. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.clinical.measures import (
    Instrument,
    UnknownInstrumentError,
    all_instruments,
    get_instrument,
)
from ketacare.measures import selectors, services
from ketacare.measures.due import due_status
from ketacare.measures.forms import (
    AcknowledgeAlertForm,
    QuestionnaireForm,
    ScheduleForm,
    SendLinkForm,
    StaffEntryForm,
)
from ketacare.measures.models import LinkChannel, MeasureSchedule, SafetyAlert, SelfReportLink
from ketacare.patients import selectors as patient_selectors
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient
from ketacare.scheduling.selectors import next_treatment_starts
from ketacare.tenancy.access import require_permission, scoped
from ketacare.tenancy.models import Clinic
from ketacare.tenancy.permissions import Permission, role_may


def treatment_session_times(patient: Patient) -> list[datetime]:
    """HOOK (treatment sessions): when each of the patient's treatment sessions started.

    The outcome charts draw a mark at each of these times. Treatment sessions do not exist yet;
    when `ketacare.treatment_sessions` lands, return its selector's start times here (one
    query for all of them, tenant-scoped through the acting user).
    """
    return []


def _instrument(code: str) -> Instrument:
    try:
        return get_instrument(code)
    except (UnknownInstrumentError, ValueError) as exc:
        raise Http404("No such rating scale.") from exc


def _patient(request: HttpRequest, public_id: UUID, permission: Permission) -> Patient:
    return patient_selectors.get_patient_for(request.user, public_id, permission)


def _schedules(request: HttpRequest, patient: Patient) -> list[MeasureSchedule]:
    return list(selectors.patient_schedules(request.user, patient))


def _outcomes_page(
    request: HttpRequest,
    patient: Patient,
    *,
    ack_forms: Mapping[UUID, AcknowledgeAlertForm] | None = None,
    schedule_form: ScheduleForm | None = None,
    send_form: SendLinkForm | None = None,
) -> HttpResponse:
    """The outcomes page, with any posted form that needs correcting; the view is audited."""
    membership = require_permission(request.user, Permission.VIEW_CLINICAL)
    # The scale given most often first (usually the one the treatment is judged by).
    outcomes = sorted(
        selectors.patient_outcomes(request.user, patient),
        key=lambda story: (-len(story.points), story.instrument.code),
    )
    alerts = list(selectors.open_alerts(request.user, patient=patient))
    ack_forms = ack_forms or {}
    last_done = {s.instrument.code: s.latest.completed_at for s in outcomes if s.latest}
    now = timezone.now()
    next_session = next_treatment_starts(request.user, [patient.pk]).get(patient.pk)
    schedules = [
        (
            s,
            due_status(
                s.frequency, last_done.get(s.instrument_code), now, next_session_at=next_session
            ),
        )
        for s in _schedules(request, patient)
    ]
    patient_services.record_chart_view(actor=request.user, patient=patient, sections=["measures"])
    context = {
        "patient": patient,
        "outcomes": outcomes,
        "alerts": [
            (a, ack_forms.get(a.public_id) or AcknowledgeAlertForm(alert_id=a.public_id))
            for a in alerts
        ],
        "schedules": schedules,
        "schedule_form": schedule_form or ScheduleForm(),
        "send_form": send_form or SendLinkForm(patient=patient),
        "instruments": all_instruments(),
        "session_times": treatment_session_times(patient),
        "may_acknowledge": role_may(membership.role, Permission.ACKNOWLEDGE_SAFETY_ALERT),
        "may_enter": role_may(membership.role, Permission.EDIT_CLINICAL),
        "may_send": role_may(membership.role, Permission.SEND_QUESTIONNAIRE),
    }
    return render(request, "measures/outcomes.html", context)


@require_GET
def outcomes(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.VIEW_CLINICAL)
    return _outcomes_page(request, patient)


@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, public_id: UUID, code: str) -> HttpResponse:
    patient = _patient(request, public_id, Permission.EDIT_CLINICAL)
    instrument = _instrument(code)
    posted = request.POST if request.method == "POST" else None
    form = StaffEntryForm(posted, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                actor=request.user,
                patient=patient,
                instrument_code=instrument.code,
                answers=form.answers(),
                completed_at=form.cleaned_data.get("completed_at"),
                require_complete=True,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            total = "no total" if assessment.total is None else f"total {assessment.total}"
            band = f" ({assessment.band_label})" if assessment.band_label else ""
            messages.success(request, f"{instrument.short_name} saved: {total}{band}.")
            if assessment.safety_flagged:
                messages.warning(
                    request, "A safety alert was opened from these answers. Review it below."
                )
            return redirect("measures:outcomes", public_id=patient.public_id)
    context = {"patient": patient, "instrument": instrument, "form": form}
    return render(request, "measures/entry.html", context)


@require_POST
def acknowledge(request: HttpRequest, alert_id: UUID) -> HttpResponse:
    alert: SafetyAlert = selectors.get_alert_for(request.user, alert_id)
    require_permission(request.user, Permission.ACKNOWLEDGE_SAFETY_ALERT)
    form = AcknowledgeAlertForm(request.POST, alert_id=alert.public_id)
    if form.is_valid():
        try:
            services.safety_alert_acknowledge(
                actor=request.user,
                alert=alert,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
            )
        except services.InvalidTransition as exc:
            messages.info(request, str(exc))
            return redirect("measures:outcomes", public_id=alert.patient.public_id)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Safety alert acknowledged; the action is on record.")
            return redirect("measures:outcomes", public_id=alert.patient.public_id)
    patient = _patient(request, alert.patient.public_id, Permission.VIEW_CLINICAL)
    return _outcomes_page(request, patient, ack_forms={alert.public_id: form})


@require_POST
def schedule_set(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.EDIT_CLINICAL)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            schedule = services.measure_schedule_set(
                actor=request.user, patient=patient, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Schedule saved: {_schedule_words(schedule)}.")
            return redirect("measures:outcomes", public_id=patient.public_id)
    return _outcomes_page(request, patient, schedule_form=form)


def _schedule_words(schedule: MeasureSchedule) -> str:
    name = _instrument(schedule.instrument_code).short_name
    return f"{name} {schedule.get_frequency_display().lower()}"


@require_POST
def schedule_stop(request: HttpRequest, public_id: UUID, schedule_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.EDIT_CLINICAL)
    schedule = selectors.get_schedule_for(
        request.user, patient, schedule_id, Permission.EDIT_CLINICAL
    )
    services.measure_schedule_stop(actor=request.user, schedule=schedule)
    messages.success(request, f"Schedule stopped: {_schedule_words(schedule)}.")
    return redirect("measures:outcomes", public_id=patient.public_id)


@require_POST
def send_link(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.VIEW_CLINICAL)
    require_permission(request.user, Permission.SEND_QUESTIONNAIRE)
    form = SendLinkForm(request.POST, patient=patient)
    if form.is_valid():
        try:
            link, _token = services.self_report_link_create(
                actor=request.user,
                patient=patient,
                instrument_codes=form.cleaned_data["instruments"],
                channel=LinkChannel(form.cleaned_data["channel"]),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            expires = timezone.localtime(link.expires_at).strftime("%b %-d, %H:%M")
            how = "by e-mail" if link.channel == LinkChannel.EMAIL else "by text message"
            messages.success(
                request, f"Questionnaire link sent {how}. It works once, until {expires}."
            )
            return redirect("measures:outcomes", public_id=patient.public_id)
    return _outcomes_page(request, patient, send_form=form)


@require_POST
def kiosk_start(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Hand the tablet to the patient: a kiosk link, then this browser is signed out so the
    patient reaches nothing but the questionnaire."""
    patient = _patient(request, public_id, Permission.VIEW_CLINICAL)
    require_permission(request.user, Permission.SEND_QUESTIONNAIRE)
    form = SendLinkForm(request.POST, patient=patient, kiosk=True)
    if form.is_valid():
        try:
            _link, token = services.self_report_link_create(
                actor=request.user,
                patient=patient,
                instrument_codes=form.cleaned_data["instruments"],
                channel=LinkChannel.KIOSK,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            logout(request)
            return redirect("measures:self_report", token=token)
    return _outcomes_page(request, patient, send_form=form)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = require_permission(request.user, Permission.VIEW_PATIENT)
    clinics = list(scoped(Clinic.objects.all(), membership).order_by("name"))
    wanted = request.GET.get("clinic", "")
    clinic = next((c for c in clinics if str(c.public_id) == wanted), None)
    clinical = role_may(membership.role, Permission.VIEW_CLINICAL)
    alerts: list[SafetyAlert] = []
    board = None
    if clinical:
        alerts = list(selectors.open_alerts(request.user, clinic=clinic))
        board = selectors.clinic_board(request.user, clinic=clinic)
    due = selectors.due_measures(request.user, clinic=clinic)
    shown = {str(a.patient.public_id) for a in alerts} | {
        str(d.schedule.patient.public_id) for d in due
    }
    if board is not None:
        shown |= {str(p.public_id) for rows in board.groups.values() for p, _ in rows}
    services.record_dashboard_view(actor=request.user, patient_ids=shown)
    context = {
        "clinics": clinics,
        "clinic": clinic,
        "alerts": alerts,
        "due": due,
        "board": board,
        "clinical": clinical,
    }
    return render(request, "measures/dashboard.html", context)


# --- The patient's side: a single-use link, no sign-in -------------------------------------

REFUSED_STATUS = {"unknown link": 404, "link of another organisation": 404}


def _refused(request: HttpRequest, exc: services.LinkRefused) -> HttpResponse:
    status = REFUSED_STATUS.get(exc.reason, 410)
    clinic = exc.link.clinic if exc.link is not None else None
    context = {"clinic": clinic, "reason": exc.reason, "expired": exc.reason == "expired"}
    return render(request, "measures/link_refused.html", context, status=status)


def _questionnaires(
    link: SelfReportLink, data: Mapping[str, Any] | None
) -> list[QuestionnaireForm]:
    return [
        QuestionnaireForm(data, instrument=get_instrument(code), prefix=code)
        for code in link.instrument_codes
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    """What the patient sees: the clinic's name and the questionnaires. Nothing else."""
    try:
        link = services.self_report_link_open(token)
    except services.LinkRefused as exc:
        return _refused(request, exc)
    forms = _questionnaires(link, request.POST if request.method == "POST" else None)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        answers = {form.instrument.code: form.answers() for form in forms}
        try:
            services.self_report_submit(token=token, answers=answers)
        except services.LinkRefused as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            _spread_errors(forms, exc)
        else:
            context = {"clinic": link.clinic, "kiosk": link.channel == LinkChannel.KIOSK}
            return render(request, "measures/self_report_thanks.html", context)
    context = {
        "clinic": link.clinic,
        "forms": forms,
        "posted": request.method == "POST",
        "kiosk": link.channel == LinkChannel.KIOSK,
    }
    return render(request, "measures/self_report.html", context)


def _spread_errors(forms: list[QuestionnaireForm], exc: ValidationError) -> None:
    """The service names errors `<code>-item_<id>`; each goes back to its questionnaire."""
    by_code = {form.instrument.code: form for form in forms}
    for key, problems in exc.message_dict.items():
        code, _, name = key.partition("-")
        form = by_code.get(code) or forms[0]
        form.add_service_errors(ValidationError({name or key: problems}))
