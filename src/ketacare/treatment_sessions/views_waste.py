"""Controlled-substance waste on the dosing tab: the nurse charts what was wasted and a witness
confirms it with their own password on the same tablet. Thin: the rules are services.waste's."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from ketacare.treatment_sessions import services
from ketacare.treatment_sessions.forms import WasteForm
from ketacare.treatment_sessions.models import AdministrationKind as K
from ketacare.treatment_sessions.models import DrugWaste, TreatmentSession
from ketacare.treatment_sessions.views import _attempt, _session, _zone
from ketacare.treatment_sessions.witness import authenticated_witness


def waste_context(
    session: TreatmentSession, now: datetime, bound: dict[str, forms.Form], given: list[Any]
) -> dict[str, Any]:
    """The waste card: the balance (racemic routes), the wastes charted, and the form."""
    lots = [a.lot_number for a in given if a.lot_number and a.kind != K.INTERVENTION]
    return {
        "balance": services.session_balance(session, now),
        "wastes": list(
            DrugWaste.objects.filter(session=session).select_related("recorded_by", "witnessed_by")
        ),
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
