"""Reading the audit trail: org admins only, always within their own organisation."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from ketacare.audit.models import AuditEvent
from ketacare.tenancy.access import Actor, require_permission, scoped
from ketacare.tenancy.permissions import Permission

PAGE_SIZE = 100


def audit_events_for(
    user: Actor,
    *,
    patient_public_id: UUID | None = None,
    actor_public_id: UUID | None = None,
) -> QuerySet[AuditEvent]:
    membership = require_permission(user, Permission.VIEW_AUDIT)
    events = scoped(AuditEvent.objects.all(), membership).select_related("actor", "seal")
    if patient_public_id is not None:
        events = events.filter(patient_public_id=patient_public_id)
    if actor_public_id is not None:
        events = events.filter(actor__public_id=actor_public_id)
    return events.order_by("-occurred_at", "-id")
