"""Corrections on the monitoring screen: a wrong reading struck through with a reason, and an
adverse event corrected or brought up to date. Thin: the rules are the services'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.treatment_sessions import monitoring, services
from ketacare.treatment_sessions.forms import (
    AdverseEventEditForm,
    StrikeForm,
    add_service_errors,
)
from ketacare.treatment_sessions.models import AdverseEvent, TreatmentSession, VitalSignReading
from ketacare.treatment_sessions.services import StaleAdverseEventError
from ketacare.treatment_sessions.views import _after, _attempt, _render, _session, _zone

READINGS_LISTED = 20  # the newest; the session record lists them all


@dataclass(frozen=True)
class ReadingRow:
    reading: VitalSignReading
    at: datetime  # in the clinic's time
    strike_form: forms.Form


@dataclass(frozen=True)
class EventRow:
    event: AdverseEvent
    form: forms.Form


def strike_key(reading_id: int) -> str:
    return f"strike-{reading_id}"


def event_key(event: AdverseEvent) -> str:
    return f"ae-{event.public_id}"


def corrections_context(session: TreatmentSession, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """The newest readings, each with its strike form, and the adverse events, each with its
    edit form (a form the user just sent comes back bound, with its errors)."""
    zone = _zone(session)
    readings = list(
        monitoring.session_readings(session)
        .select_related("recorded_by")
        .order_by("-taken_at", "-pk")[:READINGS_LISTED]
    )
    rows = [
        ReadingRow(
            reading=r,
            at=timezone.localtime(r.taken_at, zone),
            strike_form=bound.get(strike_key(r.pk)) or StrikeForm(prefix=strike_key(r.pk)),
        )
        for r in readings
    ]
    events = session.adverse_events.select_related("incident_review").order_by("-onset_at")
    return {
        "reading_rows": rows,
        "reading_total": session.readings.count(),
        "event_rows": [
            EventRow(event=e, form=bound.get(event_key(e)) or _event_form(e, zone)) for e in events
        ],
    }


def _event_form(event: AdverseEvent, zone: ZoneInfo) -> AdverseEventEditForm:
    return AdverseEventEditForm(
        zone=zone,
        prefix=event_key(event),
        initial={
            "event_type": event.event_type,
            "onset_at": timezone.localtime(event.onset_at, zone).time(),
            "ctcae_grade": event.ctcae_grade,
            "action_taken": event.action_taken,
            "outcome": event.outcome,
            "serious": event.serious,
            "description": event.description,
            "version": event.version,
        },
    )


@require_POST
def reading_strike(request: HttpRequest, public_id: UUID, reading_id: int) -> HttpResponse:
    session = _session(request, public_id)
    reading = get_object_or_404(VitalSignReading, session=session, pk=reading_id)
    form = StrikeForm(request.POST, prefix=strike_key(reading.pk))
    return _attempt(
        request, session, tab="monitor", key=strike_key(reading.pk), form=form,
        action=lambda: monitoring.reading_strike(
            actor=request.user, reading=reading, reason=form.cleaned_data["reason"]
        ),
        notice=f"The {timezone.localtime(reading.taken_at, _zone(session)):%H:%M} reading is "
        "struck through: it stays on the record, off the chart, the timer and the alerts.",
    )  # fmt: skip


@require_POST
def adverse_event_edit(request: HttpRequest, public_id: UUID, event_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    event = get_object_or_404(AdverseEvent, session=session, public_id=event_id)
    zone = _zone(session)
    form = AdverseEventEditForm(request.POST, zone=zone, prefix=event_key(event))
    if form.is_valid():
        changes = dict(form.cleaned_data)
        version = int(changes.pop("version"))
        local = timezone.localtime(event.onset_at, zone)
        # The onset keeps its own day: the form edits the time of day.
        changes["onset_at"] = datetime.combine(local.date(), changes["onset_at"], tzinfo=zone)
        try:
            services.adverse_event_update(
                actor=request.user, event=event, expected_version=version, changes=changes
            )
        except StaleAdverseEventError as exc:
            return _render(request, session, "monitor", stale=str(exc), status=409)
        except ValidationError as exc:
            add_service_errors(form, exc, zone)
        else:
            return _after(
                request, session.public_id, "monitor", session.state,
                f"Adverse event “{changes['event_type']}” updated.",
            )  # fmt: skip
    return _render(request, session, "monitor", bound={event_key(event): form}, status=422)
