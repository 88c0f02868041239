"""Controlled-substance waste on the dosing tab (the nurse charts what was wasted and a witness
confirms it with their own password on the same tablet) and the day's controlled-substance log.
Thin: the rules are services.waste's."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.treatment.models import DoseOrder
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.forms import WasteForm
from ketacare.treatment_sessions.models import Administration, DrugWaste, TreatmentSession
from ketacare.treatment_sessions.views import _attempt, _session, _zone
from ketacare.treatment_sessions.witness import authenticated_witness


def waste_context(
    session: TreatmentSession,
    now: datetime,
    bound: dict[str, forms.Form],
    order: DoseOrder | None,
    given: list[Administration],
) -> dict[str, Any]:
    """The waste card: the balance (racemic routes), the wastes charted, and the form. `order`
    and `given` are what the dosing screen has read already."""
    wastes = list(
        DrugWaste.objects.filter(session=session).select_related("recorded_by", "witnessed_by")
    )
    lots = services.ketamine_lots(given)
    return {
        "balance": services.balance_of(session, order, given, wastes, now),
        "wastes": wastes,
        "waste_form": bound.get("waste")
        or WasteForm(zone=_zone(session), initial={"lot_number": lots[-1] if lots else ""}),
    }


@require_POST
def waste(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = WasteForm(request.POST, zone=_zone(session))

    def action() -> None:
        data = form.cleaned_data
        witness = authenticated_witness(request, data["witness_email"], data["witness_password"])
        services.waste_record(
            actor=request.user,
            session=session,
            witness=witness,
            amount_mg=data["amount_mg"],
            volume_ml=data["volume_ml"],
            lot_number=data["lot_number"],
            method=data["method"],
            note=data["note"],
            wasted_at=form.at(data["wasted_at"]),
        )

    return _attempt(
        request,
        session,
        tab="dosing",
        key="waste",
        form=form,
        action=action,
        notice="Waste recorded and witnessed.",
    )


# --- the day's controlled-substance log -------------------------------------------------------


@require_GET
def controlled_substances(request: HttpRequest) -> HttpResponse:
    """One day's controlled-substance log for the practice (`?day=YYYY-MM-DD`, in the practice's
    time; today by default): the sessions that do not add up first. Audited as a read of each
    patient shown."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate(timezone=zone)
    try:
        day = date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        day = today
    start = datetime.combine(day, time.min, tzinfo=zone)
    rows = selectors.controlled_substance_day(request.user, start, start + timedelta(days=1))
    record_event(
        actor=request.user,
        action=AuditAction.VIEW,
        detail={
            "report": "controlled_substances",
            "day": day.isoformat(),
            "shown": [str(row.session.patient.public_id) for row in rows],
        },
    )
    context = {
        "rows": rows,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today else None,
        "unbalanced": sum(1 for row in rows if row.unbalanced),
        "wasted_mg": sum((w.amount_mg for row in rows for w in row.wastes), Decimal(0)),
    }
    return render(request, "treatment_sessions/controlled_substances.html", context)
