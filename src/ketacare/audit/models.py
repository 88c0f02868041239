"""The audit trail: an append-only log of who saw or changed what, sealed into hash chains.

An event is written in the same transaction as the change it records. Sealing (linking it into
its organisation's chain) happens afterwards, in order, by a background step, so a busy clinic
never waits on the chain head. Unsealed events are "pending", never "valid".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    DEACTIVATE = "deactivate", "Deactivated"
    SETTINGS_CHANGE = "settings_change", "Changed settings"
    DENIED = "denied", "Was refused"
    SELF_REPORT = "self_report", "Submitted by the patient (link)"
    LINK_REFUSED = "link_refused", "Refused a questionnaire link"
    PUBLIC_LINK = "public_link", "Opened or answered through a public link (escort, calendar feed)"
    DEVICE = "device", "Posted by a registered device"


SYSTEM_CHAIN = "system"


class AuditEvent(models.Model):
    """One thing that happened to health information or to access. Never updated, never deleted."""

    chain = models.CharField(max_length=40)
    # Indexed by audit_by_patient and audit_by_actor, which lead with it.
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    # Indexed only where there is an actor (audit_actor): a monitor's events have none.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    actor_role = models.CharField(max_length=20, blank=True)
    patient_public_id = models.UUIDField(null=True, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["organisation", "patient_public_id", "-occurred_at"],
                name="audit_by_patient",
            ),
            models.Index(
                fields=["organisation", "actor", "-occurred_at"],
                name="audit_by_actor",
                condition=models.Q(actor__isnull=False),
            ),
            models.Index(
                fields=["actor"], name="audit_actor", condition=models.Q(actor__isnull=False)
            ),
            # The sealer reads a chain's pending events in id order.
            models.Index(fields=["chain", "id"], name="audit_chain_order"),
        ]
        constraints = [
            models.CheckConstraint(
                # Only these happen without a signed-in person: a failed sign-in, and a patient
                # answering (or failing to open) a questionnaire link, a public link, and a
                # registered device (a bedside monitor) posting readings, named in `detail`.
                condition=models.Q(actor__isnull=False)
                | models.Q(
                    action__in=[
                        "login_failed",
                        "self_report",
                        "link_refused",
                        "public_link",
                        "device",
                    ]
                ),
                name="audit_event_names_an_actor",
                violation_error_message="Every audit event names who acted.",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type} by {self.actor_id}"

    def content(self) -> dict[str, object]:
        """What the seal's hash covers: every recorded fact of the event."""
        return {
            "id": self.pk,
            "chain": self.chain,
            "organisation": self.organisation_id,
            "actor": self.actor_id,
            "actor_role": self.actor_role,
            "patient": str(self.patient_public_id) if self.patient_public_id else None,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "action": self.action,
            "occurred_at": self.occurred_at.isoformat(),
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "changed_fields": self.changed_fields,
            "detail": self.detail,
        }


class AuditSeal(models.Model):
    """Links one event into its chain: position, previous hash, and the hash over both."""

    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    chain = models.CharField(max_length=40)
    sequence = models.PositiveBigIntegerField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_seal_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence}"


class AuditChainHead(models.Model):
    """The last seal of a chain: a lock point for the sealer, not evidence (verify ignores it)."""

    chain = models.CharField(max_length=40, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"{self.chain} at {self.sequence}"


class AuditSealProgress(models.Model):
    """How far the sealer has looked (one row): every event with an id at or below `swept_to_id`
    is sealed, or was never committed. The sealer's regular cycle looks only above it, so its
    work follows what is new, not the size of the trail; an hourly full sweep looks everywhere
    (see audit.chain)."""

    swept_to_id = models.PositiveBigIntegerField(default=0)
    full_sweep_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"sealed up to event {self.swept_to_id}"
