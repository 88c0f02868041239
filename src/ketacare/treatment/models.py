"""Protocol settings per organisation, patient weights, treatment plans and signed dose orders.

The dose itself is the clinical core's (`ketacare.clinical.dosing`); an order keeps the whole
calculation as it was when the prescriber signed it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.tenancy.models import Organisation, Route


class ProtocolSettings(models.Model):
    """An organisation's values for the settings a shipped protocol leaves to the clinic."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    protocol_code = models.CharField(max_length=50)
    values = models.JSONField(default=dict, help_text="validated through Protocol.configure()")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["protocol_code"]
        verbose_name_plural = "protocol settings"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "protocol_code"], name="treatment_one_settings_per_protocol"
            )
        ]

    def __str__(self) -> str:
        return f"Settings for {self.protocol_code}"


class WeightUnitChoice(models.TextChoices):
    KG = "kg", "kilograms"
    LB = "lb", "pounds"


class WeightRecord(models.Model):
    """A measured body weight, kept in kg (converted once from lb) beside what was entered."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="weight_records"
    )
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    entered_value = models.DecimalField(max_digits=6, decimal_places=2)
    entered_unit = models.CharField(max_length=2, choices=WeightUnitChoice.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_kg__gt=0), name="treatment_weight_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class TreatmentPlan(models.Model):
    """A patient's course: protocol, route, indication, prescriber, series, goals and measures."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    route = models.CharField(max_length=30, choices=Route.choices)
    protocol_code = models.CharField(max_length=50)
    indication = models.CharField(max_length=200)
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    planned_sessions = models.PositiveSmallIntegerField()
    goals = models.TextField(blank=True, max_length=4000)
    measures = models.JSONField(default=list, blank=True, help_text="instrument codes")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_sessions__gt=0),
                name="treatment_plan_has_sessions",
            )
        ]

    def __str__(self) -> str:
        return f"{self.protocol_code} ({self.get_status_display()})"


class DoseOrder(models.Model):
    """One session's dose, signed by a prescriber, with the calculation that reached it.
    A titration is a new order that replaces the previous one and says why. A topical order
    has a strength (% w/w) instead of an amount in mg and a concentration."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="orders")
    session_number = models.PositiveSmallIntegerField()
    requested_dose = models.DecimalField(max_digits=9, decimal_places=4)
    requested_unit = models.CharField(max_length=10)
    dose_mg = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True
    )
    strength_percent = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="topical, % w/w"
    )
    concentration_salt_form = models.CharField(max_length=20)
    bag_volume_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    duration_minutes = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    volume_ml = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    rate_ml_per_h = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    calculation = models.JSONField(help_text="inputs, formula lines, warnings and blocks")
    override_reason = models.TextField(blank=True, max_length=2000)
    change_reason = models.TextField(blank=True, max_length=2000)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["plan", "signed_at", "created_at"]
        constraints = [
            # Either an amount in mg with its concentration, or a topical strength: never both.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        dose_mg__gt=0,
                        concentration_mg_per_ml__gt=0,
                        strength_percent__isnull=True,
                    )
                    | models.Q(
                        strength_percent__gt=0,
                        dose_mg__isnull=True,
                        concentration_mg_per_ml__isnull=True,
                    )
                ),
                name="treatment_order_dose_or_strength",
            ),
        ]

    def __str__(self) -> str:
        if self.strength_percent is not None:
            return f"Session {self.session_number}: {self.strength_percent} % w/w"
        return f"Session {self.session_number}: {self.dose_mg} mg"
