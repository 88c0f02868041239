"""The monitoring screen: vital signs saved in place, the polled timer, alerts and chart,
observations in one tap, adverse events. Thin: the rules are the services'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from ketacare.clinical.treatment_day import CadenceStatus
from ketacare.treatment_sessions import charts, monitoring, selectors, services, views_corrections
from ketacare.treatment_sessions.forms import (
    AdverseEventForm,
    AlertAckForm,
    InterventionForm,
    ObservationForm,
    VitalsForm,
    add_service_errors,
    clock_text,
)
from ketacare.treatment_sessions.models import (
    IncidentReview,
    ObservationKind,
    TreatmentSession,
    VitalSignAlert,
)
from ketacare.treatment_sessions.services.dosing import observation_range
from ketacare.treatment_sessions.views import (
    CHARTING,
    POLL_SECONDS,
    QUICK_KINDS,
    SYMPTOM_WORDS,
    TABS,
    TYPED_KINDS,
    S,
    _attempt,
    _htmx,
    _reason_form,
    _render,
    _session,
    _tab_url,
    _zone,
)

# ---- Monitoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    status: str
    word: str
    detail: str
    overdue: bool
    due_at: datetime | None


def _timer(session: TreatmentSession, status: monitoring.VitalsStatus, now: datetime) -> Timer:
    zone = _zone(session)
    due = status.due
    if due is None:
        return Timer("problem", "Timer unavailable", status.problem, False, None)
    at = timezone.localtime(due.next_due_at, zone) if due.next_due_at else None
    detail = clock_text(" ".join(r.message for r in due.reasons), zone)
    if due.status is CadenceStatus.OVERDUE:
        late = max(1, int(due.overdue_by.total_seconds() // 60))
        word = f"OVERDUE by {late} min" + (f" (was due {at:%H:%M})" if at else "")
    elif due.status is CadenceStatus.DUE:
        word = "Vitals due now" + (f" (due {at:%H:%M})" if at else "")
    elif due.status is CadenceStatus.NOT_YET_DUE and at is not None:
        minutes = (
            max(0, int((due.next_due_at - now).total_seconds() // 60)) if due.next_due_at else 0
        )
        word = f"Next due {at:%H:%M} (in {minutes} min)"
    elif due.status is CadenceStatus.BASELINE_REQUIRED:
        word = "Baseline reading needed now"
    elif due.status is CadenceStatus.NO_TIMER:
        word = "As clinically warranted"
    elif due.status is CadenceStatus.COMPLETE:
        word = "No more readings due"
    else:
        word = "Cadence not configured"
    return Timer(str(due.status), word, detail, due.status is CadenceStatus.OVERDUE, at)


def _live_context(session: TreatmentSession, now: datetime) -> dict[str, Any]:
    zone = _zone(session)
    status = monitoring.vitals_status(session, now)
    series = monitoring.reading_series(session)
    window = None
    if status.esketamine_window is not None:
        window = tuple(timezone.localtime(t, zone) for t in status.esketamine_window)
    last = selectors.valid_readings(session).last()
    return {
        "timer": _timer(session, status, now),
        "vitals": status,
        "alerts": status.open_alerts,
        "bp_window": window,
        "last_reading": last,
        "last_reading_at": timezone.localtime(last.taken_at, zone) if last else None,
        "reading_count": len(series),
        "unset_limits": [name.replace("_", " ") for name in status.unset_thresholds],
        "chart": mark_safe(  # noqa: S308 - charts.vitals_chart_svg escapes every text it draws
            charts.vitals_chart_svg(
                series,
                title=f"Vital signs of {session.patient.display_name}",
                zone=zone,
                now=now,
            )
        ),
        "ack_form": AlertAckForm(),
    }


def vitals_context(
    session: TreatmentSession, now: datetime, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    last = selectors.valid_readings(session).last()
    initial = (
        {n: getattr(last, n) for n in VitalsForm.VALUES} | {"on_oxygen": last.on_oxygen}
        if last
        else {}
    )
    return {
        "vitals_form": bound.get("reading") or VitalsForm(zone=_zone(session), initial=initial),
        "takes_readings": session.state in monitoring.READING_STATES,
        **_live_context(session, now),
    }


@dataclass(frozen=True)
class QuickScale:
    kind: str
    label: str
    choices: list[tuple[int, str]]
    last: Any


def monitor_context(
    session: TreatmentSession, now: datetime, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    observations = list(session.observations.order_by("-observed_at", "-pk")[:30])
    latest = {}
    for o in reversed(observations):
        latest[o.kind] = o
    quick = []
    for kind in QUICK_KINDS:
        low, high = observation_range(kind)
        words = SYMPTOM_WORDS if kind != ObservationKind.SEDATION_MOAAS else {}
        quick.append(
            QuickScale(
                kind,
                ObservationKind(kind).label,
                [(v, words.get(v, str(v))) for v in range(low, high + 1)],
                latest.get(kind),
            )  # fmt: skip
        )
    typed = [
        (kind, ObservationKind(kind).label, observation_range(kind), latest.get(kind))
        for kind in TYPED_KINDS
    ]
    return {
        **vitals_context(session, now, bound),
        **views_corrections.corrections_context(session, bound),
        "quick_scales": quick,
        "typed_scales": typed,
        "observation_form": bound.get("observation"),
        "observations": observations[:8],
        "ae_form": bound.get("adverse_event") or AdverseEventForm(zone=_zone(session)),
        "charting": session.state in CHARTING,
        "recovery_form": bound.get(S.RECOVERY) or _reason_form(session, S.RECOVERY),
        "stop_form": bound.get(S.STOPPED_EARLY) or _reason_form(session, S.STOPPED_EARLY),
        "intervention_form": bound.get("intervention") or InterventionForm(zone=_zone(session)),
    }


@require_GET
def monitor_live(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The polled part of the monitoring screen: timer, alerts and chart."""
    session = _session(request, public_id)
    context = {"session": session, "poll_seconds": POLL_SECONDS,
               **_live_context(session, timezone.now())}  # fmt: skip
    monitoring.readings_viewed(actor=request.user, session=session,
                               count=context["reading_count"])  # fmt: skip
    return render(request, "treatment_sessions/partials/live.html", context)


@require_POST
def reading(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One set of vital signs, saved in place: the form comes back with the values kept (the
    next reading starts from them) and the live part is told to refresh."""
    session = _session(request, public_id)
    zone = _zone(session)
    form = VitalsForm(request.POST, zone=zone)
    tab = request.POST.get("tab") if request.POST.get("tab") in dict(TABS) else "monitor"
    saved = None
    if form.is_valid():
        try:
            saved = monitoring.reading_record(
                actor=request.user,
                session=session,
                taken_at=form.at(form.cleaned_data["taken_at"]) or timezone.now(),
                on_oxygen=form.cleaned_data["on_oxygen"],
                **form.values(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not _htmx(request):
        if saved is not None:
            return redirect(_tab_url(session, str(tab)))
        return _render(request, session, str(tab), bound={"reading": form}, status=422)
    if saved is not None:
        initial = {n: getattr(saved, n) for n in VitalsForm.VALUES} | {"on_oxygen": saved.on_oxygen}
        form = VitalsForm(zone=zone, initial=initial)
    response = render(
        request,
        "treatment_sessions/partials/vitals_form.html",
        {
            "session": session,
            "vitals_form": form,
            "tab": tab,
            "takes_readings": True,
            "saved": saved,
            "saved_at": timezone.localtime(saved.taken_at, zone) if saved else None,
        },
    )
    if saved is not None:
        response["HX-Trigger"] = "vitals-saved"
    return response


@require_POST
def alert_acknowledge(request: HttpRequest, public_id: UUID, alert_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    alert = VitalSignAlert.objects.filter(session=session, public_id=alert_id).first()
    form = AlertAckForm(request.POST)
    error = ""
    if alert is None:
        error = "This alert is not on this session."
    elif form.is_valid():
        try:
            monitoring.vital_alert_acknowledge(
                actor=request.user, alert=alert, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Say what was done about the alert."
    if not _htmx(request):
        if error:
            return _render(request, session, "monitor", notice="", stale=error, status=422)
        return redirect(_tab_url(session, "monitor"))
    context = {"session": session, "poll_seconds": POLL_SECONDS, "ack_error": error,
               "ack_error_alert": alert_id, **_live_context(session, timezone.now())}  # fmt: skip
    return render(request, "treatment_sessions/partials/live.html", context)


@require_POST
def observation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = ObservationForm(request.POST, zone=_zone(session))
    return _attempt(
        request, session, tab="monitor", key="observation", form=form,
        action=lambda: services.observation_record(
            actor=request.user, session=session, kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            observed_at=form.at(form.cleaned_data["observed_at"]),
        ),
        notice="Observation charted.",
    )  # fmt: skip


@require_POST
def adverse_event(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = AdverseEventForm(request.POST, zone=_zone(session))
    created: list[Any] = []

    def action() -> None:
        data = dict(form.cleaned_data)
        created.append(
            services.adverse_event_record(
                actor=request.user, session=session, onset_at=form.at(data.pop("onset_at")),
                **data,
            )
        )  # fmt: skip

    def notice() -> str:
        if created and IncidentReview.objects.filter(adverse_event=created[0]).exists():
            return ("Adverse event recorded. An incident review was opened (CTCAE grade 3 or "
                    "more) and the prescribers were told.")  # fmt: skip
        return "Adverse event recorded."

    return _attempt(
        request, session, tab="monitor", key="adverse_event", form=form, action=action,
        notice=notice,
    )  # fmt: skip
