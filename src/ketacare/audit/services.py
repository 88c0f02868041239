"""Writing audit events. Every service that touches health information calls `record_event`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

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
    event = AuditEvent(
        **event_values(
            actor=actor,
            action=action,
            organisation=organisation,
            obj=obj,
            patient_public_id=patient_public_id,
            changed_fields=changed_fields,
            detail=detail,
        )
    )
    event.save(force_insert=True)
    return event


def event_values(
    *,
    actor: Actor,
    action: AuditAction,
    organisation: Organisation | None = None,
    obj: models.Model | None = None,
    patient_public_id: UUID | None = None,
    changed_fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every column of the event record_event appends, by attribute name: for a writer that
    inserts it with raw SQL in the same statement as the change it records (device_readings)."""
    membership = active_membership(actor)
    if organisation is None and membership is not None:
        organisation = membership.organisation
    origin = current_origin.get()
    org_id = organisation.pk if organisation is not None else None
    return {
        "chain": chain_for(org_id),
        "organisation_id": org_id,
        "actor_id": actor.pk if isinstance(actor, User) else None,
        "actor_role": membership.role if membership else getattr(actor, "kind", ""),
        "patient_public_id": patient_public_id,
        "object_type": obj._meta.label if obj is not None else "",
        "object_id": (
            str(getattr(obj, "public_id", None) or getattr(obj, "pk", "")) if obj else ""
        ),
        "action": AuditAction(action).value,
        "occurred_at": timezone.now(),
        "ip_address": origin.ip_address,
        "user_agent": origin.user_agent,
        "changed_fields": sorted(changed_fields),
        "detail": detail or {},
    }


def record_auth_event(*, user: User | None, action: AuditAction) -> AuditEvent:
    """Sign-in, sign-out and failures. A failure names no actor: the account may not exist."""
    if user is None:
        return record_event(actor=AnonymousUser(), action=action)
    return record_event(actor=user, action=action, obj=user)
