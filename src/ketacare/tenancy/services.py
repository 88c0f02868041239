"""Changes to an organisation's own settings. Each is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.tenancy.access import Actor, require_permission
from ketacare.tenancy.models import Organisation
from ketacare.tenancy.permissions import Permission


@transaction.atomic
def organisation_settings_update(*, actor: Actor, idle_timeout_minutes: int) -> Organisation:
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    before = organisation.idle_timeout_minutes
    organisation.idle_timeout_minutes = idle_timeout_minutes
    try:
        organisation.full_clean()
    except ValidationError as exc:
        raise ValidationError(
            {"idle_timeout_minutes": exc.message_dict.get("idle_timeout_minutes", exc.messages)}
        ) from exc
    if before == idle_timeout_minutes:
        return organisation
    organisation.save(update_fields=["idle_timeout_minutes", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["idle_timeout_minutes"],
        detail={"idle_timeout_minutes": {"from": before, "to": idle_timeout_minutes}},
    )
    return organisation
