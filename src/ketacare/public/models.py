"""A visitor's request to be contacted for a consultation (health-adjacent: it carries its
organisation and only staff of that organisation see it)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class RequestStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CONVERTED = "converted", "Converted to patient"
    DECLINED = "declined", "Declined"


class ConsultationRequest(models.Model):
    """Someone asked a listed clinic to contact them. Stored only because they asked."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="consultation_requests"
    )
    clinic = models.ForeignKey(
        "tenancy.Clinic", on_delete=models.PROTECT, related_name="consultation_requests"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    preferred_times = models.CharField(max_length=500, blank=True)
    prescreen_answers = models.JSONField(default=dict, blank=True)
    prescreen_outcome = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    outcome_note = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(phone=""),
                name="public_request_has_contact",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values),
                name="public_request_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Consultation request {self.public_id}"


class ClinicPage(models.Model):
    """A page a clinic writes for its public listing (education, what to expect). The body is
    plain text: paragraphs are split on blank lines when shown, and it is never treated as HTML.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="clinic_pages"
    )
    clinic = models.ForeignKey(
        "tenancy.Clinic", on_delete=models.PROTECT, related_name="clinic_pages"
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic_id", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "slug"], name="public_clinic_page_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def paragraphs(self) -> list[str]:
        """The body split on blank lines, each paragraph with its inner line breaks joined."""
        blocks = [block.strip() for block in self.body.replace("\r\n", "\n").split("\n\n")]
        return [" ".join(line.strip() for line in b.splitlines()) for b in blocks if b]
