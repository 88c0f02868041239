"""Staff account operations."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction

from ketacare.accounts.models import User, UserSession
from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Membership
from ketacare.tenancy.permissions import Permission


@transaction.atomic
def staff_deactivate(*, actor: Actor, membership: Membership) -> None:
    """Turn a staff member's access off and end every session they have, at once."""
    admin = require_permission(actor, Permission.MANAGE_STAFF)
    require_same_organisation(admin, membership.organisation_id, "record")
    user: User = membership.user
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    user.is_active = False
    user.save(update_fields=["is_active", "updated_at"])
    end_all_sessions(user)
    record_event(actor=actor, action=AuditAction.DEACTIVATE, obj=user)


def end_all_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)
