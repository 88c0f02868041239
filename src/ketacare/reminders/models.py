"""Messages about appointments (confirmations, reminders, questionnaire links, escort
requests), each one a row that the sender works through, and private calendar feeds.

A `Reminder` row is the queue: the worker claims due rows, sends each with the row's
idempotency key and marks it sent (see `ketacare.reminders.sending`). No health information is
stored here: what a message says is composed when it is sent, from the appointment."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.tenancy.models import Organisation


class ReminderKind(models.TextChoices):
    BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
    APPOINTMENT = "appointment", "Appointment reminder"
    QUESTIONNAIRE = "questionnaire", "Questionnaire before the session"
    ESCORT_CONFIRMATION = "escort_confirmation", "Escort confirmation request"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled (appointment changed)"
    SKIPPED = "skipped", "Not sent (no longer useful)"
    FAILED = "failed", "Failed after retries"


class EscortConfirmation(models.Model):
    """A request to the patient's escort to confirm they will drive the patient home.

    Only a hash of the link's token is kept; the token is derived from `public_id` with a
    server-side key, so the sender can rebuild the link (like questionnaire links)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="escort_confirmations"
    )
    contact = models.ForeignKey(
        "patients.PatientContact", on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True) | models.Q(declined_at__isnull=True),
                name="reminders_escort_confirmed_or_declined",
            )
        ]

    def __str__(self) -> str:
        return f"Escort confirmation for {self.appointment_id}"


class Reminder(models.Model):
    """One message to send once: to whom (the patient or their escort), by which channel, when.

    `idempotency_key` is unique and travels with the message to the provider, so that a
    message sent just before a crash is recognised as a duplicate when it is sent again."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    hours_before = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The practice's offset this reminder was made for."
    )
    escort_confirmation = models.ForeignKey(
        EscortConfirmation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    self_report_link = models.ForeignKey(
        "measures.SelfReportLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="reminders_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="reminders_sent_has_sent_at",
                violation_error_message="A reminder is sent exactly when it has a sent time.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} due {self.due_at:%Y-%m-%d %H:%M}"


class FeedOwner(models.TextChoices):
    STAFF = "staff", "A member of staff"
    PATIENT = "patient", "A patient"


class CalendarFeed(models.Model):
    """A private iCalendar address for one member of staff or one patient.

    Only the token's hash is stored: the address is shown once, when it is made. Revoking it
    makes the address answer 404."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    owner = models.CharField(max_length=10, choices=FeedOwner.choices)
    membership = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner="staff", membership__isnull=False, patient__isnull=True)
                | models.Q(owner="patient", patient__isnull=False, membership__isnull=True),
                name="reminders_feed_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.get_owner_display().lower()} ({self.created_at:%Y-%m-%d})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
