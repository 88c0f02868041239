"""Recovery and discharge: the recovery scores, the attestation, the escort and the discharge
gate with every unmet reason. Thin: the rules are the services'."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.tenancy.models import Route
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.forms import DischargeForm, ScoreForm, VersionForm, clock_text
from ketacare.treatment_sessions.models import RecoveryScale, TreatmentSession
from ketacare.treatment_sessions.views import (
    ALDRETE_ITEMS,
    PADSS_ITEMS,
    S,
    _attempt,
    _reason_form,
    _score_choices,
    _session,
    _version,
    _versioned,
    _zone,
)

# ---- Recovery and discharge ------------------------------------------------------------------


def recovery_context(
    session: TreatmentSession, now: datetime, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    zone = _zone(session)
    latest = selectors.latest_recovery_score(session)
    due = selectors.reassessment_due(session, now)
    in_recovery = session.state in (S.MONITORING, S.RECOVERY)
    padss_threshold = selectors.day_settings(session.organisation).padss_threshold
    context: dict[str, Any] = {
        "aldrete_form": bound.get("aldrete") or ScoreForm(items=_score_choices(ALDRETE_ITEMS)),
        "padss_form": bound.get("padss") or ScoreForm(items=_score_choices(PADSS_ITEMS)),
        "padss_threshold": padss_threshold,
        "aldrete_threshold": selectors.day_settings(session.organisation).aldrete_threshold,
        "latest_score": latest,
        "scores": list(session.recovery_scores.order_by("-scored_at", "-pk")[:6]),
        "reassessment": due,
        "reassess_at": timezone.localtime(due.due_at, zone) if due and due.due_at else None,
        "in_recovery": in_recovery,
        "is_esketamine": session.route == Route.ESKETAMINE,
        "version_form": _versioned(session),
        "discharge_form": bound.get("discharge")
        or DischargeForm(initial={"version": session.version}, auto_id="dis-%s"),
        "attest_form": bound.get("attest"),
        "escort_form": bound.get("escort"),
        "unmet": [
            clock_text(reason, zone)
            for reason in (
                services.discharge_gate(session, now) if session.state == S.RECOVERY else []
            )
        ],
        "recovery_move_form": bound.get(S.RECOVERY) or _reason_form(session, S.RECOVERY),
        "ended_local": timezone.localtime(session.ended_at, zone) if session.ended_at else None,
        "instructions_local": (
            timezone.localtime(session.instructions_sent_at, zone)
            if session.instructions_sent_at
            else None
        ),
        "stable_local": (
            timezone.localtime(session.clinically_stable_at, zone)
            if session.clinically_stable_at
            else None
        ),
        "escort_local": (
            timezone.localtime(session.escort_present_at, zone)
            if session.escort_present_at
            else None
        ),
    }
    return context


@require_POST
def recovery_score(request: HttpRequest, public_id: UUID, scale: str) -> HttpResponse:
    session = _session(request, public_id)
    items = ALDRETE_ITEMS if scale == RecoveryScale.ALDRETE else PADSS_ITEMS
    form = ScoreForm(request.POST, items=_score_choices(items))
    return _attempt(
        request, session, tab="recovery", key=scale, form=form,
        action=lambda: services.recovery_score_record(
            actor=request.user, session=session, scale=scale, items=dict(form.cleaned_data)
        ),
        notice="Recovery score recorded.",
    )  # fmt: skip


@require_POST
def attest_stable(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = VersionForm(request.POST, auto_id=False)
    return _attempt(
        request, session, tab="recovery", key="attest", form=form,
        action=lambda: services.clinically_stable_attest(
            actor=request.user, session=session, expected_version=_version(form)
        ),
        notice="Clinically stable: attested.",
    )  # fmt: skip


@require_POST
def escort_present(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = VersionForm(request.POST, auto_id=False)
    return _attempt(
        request, session, tab="recovery", key="escort", form=form,
        action=lambda: services.escort_present_record(
            actor=request.user, session=session, expected_version=_version(form)
        ),
        notice="Escort present.",
    )  # fmt: skip


@require_POST
def discharge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = DischargeForm(request.POST, auto_id="dis-%s")
    return _attempt(
        request, session, tab="recovery", key="discharge", form=form,
        action=lambda: services.session_discharge(
            actor=request.user, session=session, expected_version=_version(form),
            ready_to_leave_minutes=form.cleaned_data.get("ready_to_leave_minutes"),
        ),
        notice="Discharged to the escort. The discharge instructions are on their way.",
    )  # fmt: skip
