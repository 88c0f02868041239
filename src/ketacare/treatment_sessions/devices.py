"""Registered bedside monitors and their API tokens (security requirement H-09: per-client
credentials that can be revoked).

A token is 32 random bytes (URL-safe base64) behind a `kcm_` prefix. Only its SHA-256 is
stored: a random 256-bit secret needs no slow hash (nothing to guess from the digest), and a
digest lookup on a unique index costs one indexed query per request. The token is returned
once, by device_issue, and cannot be shown again; a lost token is revoked and a new one issued.

Issuing and revoking are access-control changes: an organisation administrator (MANAGE_STAFF)
does them, and each is audited without the token.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Clinic
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions.models import MonitorDevice

TOKEN_PREFIX = "kcm_"  # noqa: S105 - a prefix, not a secret
TAKEN = "An active monitor in this clinic has that name."
DEVICE_FIELDS = (
    "id",
    "public_id",
    "organisation_id",
    "clinic_id",
    "name",
    "active",
    "organisation__id",
    "organisation__settings",
)
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours; refused before hashing


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_for_token(token: str) -> MonitorDevice | None:
    """The active device holding this token, with its organisation, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    # Only what posting a reading needs: the device's name and scope, and the organisation's
    # settings (its alert limits).
    return (
        MonitorDevice.objects.select_related("organisation")
        .only(*DEVICE_FIELDS)
        .filter(token_hash=token_digest(token), active=True)
        .first()
    )


@transaction.atomic
def device_issue(*, actor: Actor, clinic: Clinic, name: str) -> tuple[MonitorDevice, str]:
    """Register a monitor for one clinic and return it with its token (shown once)."""
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    require_same_organisation(membership, clinic.organisation_id, "clinic")
    name = name.strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise ValidationError({"name": ["Name the monitor in 1 to 100 characters."]})
    if MonitorDevice.objects.filter(clinic=clinic, name=name, active=True).exists():
        raise ValidationError({"name": [TAKEN]})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = MonitorDevice(
        organisation_id=clinic.organisation_id,
        clinic=clinic,
        name=name,
        token_hash=token_digest(token),
        created_by_id=membership.user_id,
    )
    try:
        with transaction.atomic():
            device.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent registration of the same name
        raise ValidationError({"name": [TAKEN]}) from exc
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        organisation=membership.organisation,
        obj=device,
        detail={"monitor_device": name, "clinic": str(clinic.public_id)},
    )
    return device, token


@transaction.atomic
def device_revoke(*, actor: Actor, device: MonitorDevice) -> MonitorDevice:
    """Revoke a monitor's token: its next request answers 401."""
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    require_same_organisation(membership, device.organisation_id, "monitor")
    try:
        device = MonitorDevice.objects.select_for_update().get(pk=device.pk)
    except MonitorDevice.DoesNotExist as exc:
        raise Http404("No such monitor.") from exc
    if not device.active:
        raise ValidationError({"device": ["This monitor's token is already revoked."]})
    device.active = False
    device.revoked_at = timezone.now()
    device.revoked_by_id = membership.user_id
    device.save(update_fields=["active", "revoked_at", "revoked_by"])
    record_event(
        actor=actor,
        action=AuditAction.DEACTIVATE,
        organisation=membership.organisation,
        obj=device,
        changed_fields=["active", "revoked_at", "revoked_by"],
        detail={"monitor_device": device.name, "clinic": str(device.clinic.public_id)},
    )
    return device
