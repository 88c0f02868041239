"""Reads for the public site and the front desk's request queue (tenant-scoped)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.public.models import ConsultationRequest, RequestStatus
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Clinic
from ketacare.tenancy.permissions import Permission


def listed_clinics() -> QuerySet[Clinic]:
    """Clinics that chose to appear on the public site."""
    return Clinic.objects.filter(publicly_listed=True).select_related("organisation")


def request_queue(user: Actor) -> list[ConsultationRequest]:
    """The organisation's requests, new ones first, then newest first; the viewing is audited."""
    membership = require_permission(user, Permission.EDIT_PATIENT)
    queryset = scoped(ConsultationRequest.objects.all(), membership)
    rows: list[ConsultationRequest] = list(
        queryset.select_related("clinic", "handled_by", "patient")
        .annotate(
            is_new=Case(
                When(status=RequestStatus.NEW, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("is_new", "-created_at")[:200]
    )
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        organisation=membership.organisation,
        detail={"consultation_requests": [str(r.public_id) for r in rows]},
    )
    return rows


def get_request_for(user: Actor, public_id: object) -> ConsultationRequest:
    """One request of the user's organisation: 404 for anyone else's, 403 without permission."""
    queryset = ConsultationRequest.objects.select_related("clinic", "handled_by", "patient")
    return access_object(user, queryset, Permission.EDIT_PATIENT, public_id=public_id)[1]
