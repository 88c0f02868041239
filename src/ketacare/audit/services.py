"""Writing audit events. Every service that touches health information calls `record_event`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db import models

from ketacare.accounts.models import User
from ketacare.audit.context import current_origin
from ketacare.audit.models import SYSTEM_CHAIN, AuditAction, AuditEvent
from ketacare.tenancy.access import Actor, active_membership
from ketacare.tenancy.models import Organisation


def chain_for(organisation_id: int | None) -> str:
    """One chain per organisation, so organisations never queue behind each other."""
    return f"org-{organisation_id}" if organisation_id else SYSTEM_CHAIN


def record_event(
    *,
    actor: Actor,
    action: AuditAction,
    organisation: Organisation | None = None,
    obj: models.Model | None = None,
    patient_public_id: UUID | None = None,
    changed_fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    membership = active_membership(actor)
    if organisation is None and membership is not None:
        organisation = membership.organisation
    origin = current_origin.get()
    org_id = organisation.pk if organisation is not None else None
    return AuditEvent.objects.create(
        chain=chain_for(org_id),
        organisation_id=org_id,
        actor=actor if isinstance(actor, User) else None,
        actor_role=membership.role if membership else getattr(actor, "kind", ""),
        patient_public_id=patient_public_id,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or getattr(obj, "pk", "")) if obj else "",
        action=action,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        changed_fields=sorted(changed_fields),
        detail=detail or {},
    )


def record_auth_event(*, user: User | None, action: AuditAction) -> AuditEvent:
    """Sign-in, sign-out and failures. A failure names no actor: the account may not exist."""
    if user is None:
        return record_event(actor=AnonymousUser(), action=action)
    return record_event(actor=user, action=action, obj=user)
