"""The org admin's view of the audit trail, by patient or by staff member."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketacare.accounts.models import User
from ketacare.audit.selectors import PAGE_SIZE, audit_events_for
from ketacare.patients.models import Patient
from ketacare.tenancy.access import require_permission, scoped
from ketacare.tenancy.permissions import Permission


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    membership = require_permission(request.user, Permission.VIEW_AUDIT)
    patient_id = _uuid_or_none(request.GET.get("patient"))
    actor_id = _uuid_or_none(request.GET.get("user"))
    events = list(
        audit_events_for(request.user, patient_public_id=patient_id, actor_public_id=actor_id)[
            :PAGE_SIZE
        ]
    )
    patients = {
        p.public_id: p
        for p in scoped(Patient.objects.all(), membership).filter(
            public_id__in={e.patient_public_id for e in events if e.patient_public_id}
        )
    }
    staff = User.objects.filter(membership__organisation=membership.organisation).order_by("email")
    context = {
        "events": [(e, patients.get(e.patient_public_id)) for e in events],
        "staff": staff,
        "patient_filter": patients.get(patient_id) if patient_id else None,
        "actor_filter": actor_id,
        "page_size": PAGE_SIZE,
    }
    return render(request, "audit/trail.html", context)
