"""The consultation's eligibility assessment and the prescriber's signed decision per route.

The rules themselves are the clinical core's (`ketacare.clinical.eligibility`); these rows keep
what the prescriber recorded, what the rules said at signing, and what was decided.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ketacare.clinical import eligibility as rules
from ketacare.clinical.units import PLAUSIBLE_WEIGHT_KG
from ketacare.tenancy.models import Organisation, Route


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """Django choices from a clinical-core enum: the stored value is the core's own code."""
    return [(m.value, m.value.replace("_", " ").capitalize()) for m in enum]


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    ELIGIBLE_WITH_CAUTIONS = "eligible_with_cautions", "Eligible with cautions"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class EligibilityAssessment(models.Model):
    """What the prescriber found at the consultation. Editable while a draft; fixed once signed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_assessments"
    )
    status = models.CharField(
        max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    indications = models.JSONField(default=list, blank=True)
    indication_codes = models.JSONField(default=list, blank=True, help_text="ICD-10-CM codes")
    episode_start_date = models.DateField(null=True, blank=True)
    episode_notes = models.CharField(max_length=500, blank=True)
    pregnancy = models.CharField(
        max_length=20, choices=_choices(rules.PregnancyStatus), default="unknown"
    )
    alcohol_use = models.CharField(
        max_length=20, choices=_choices(rules.AlcoholUse), default="unknown"
    )
    substance_use_notes = models.CharField(max_length=500, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    # The ranges below catch typing errors on input; they are not clinical limits (those are
    # the eligibility rules' thresholds, each with its source).
    systolic_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(40), MaxValueValidator(300)]
    )
    diastolic_mmhg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    heart_rate_bpm = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(PLAUSIBLE_WEIGHT_KG[0]),
            MaxValueValidator(PLAUSIBLE_WEIGHT_KG[1]),
        ],
    )
    height_cm = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(100), MaxValueValidator(250)],
    )
    plan_serial = models.BooleanField("A series of treatments is planned", default=True)
    plan_frequent_high_dose = models.BooleanField(
        "Frequent high-dose treatment is planned", default=False
    )
    ecg = models.CharField(max_length=10, choices=_choices(rules.WorkupResult), default="not_done")
    liver_function_tests = models.CharField(
        max_length=10, choices=_choices(rules.WorkupResult), default="not_done"
    )
    pregnancy_test = models.CharField(
        max_length=10, choices=_choices(rules.PregnancyTestResult), default="not_done"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(
        blank=True, max_length=2000, help_text="Why not, when no route was found eligible"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(signed_by__isnull=False, signed_at__isnull=False),
                name="screening_signed_has_signer",
                violation_error_message="A signed assessment names who signed it and when.",
            )
        ]

    def __str__(self) -> str:
        return f"Eligibility assessment ({self.get_status_display()})"


class RouteDecision(models.Model):
    """The prescriber's decision for one route, beside what the rules said at that moment."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    assessment = models.ForeignKey(
        EligibilityAssessment, on_delete=models.PROTECT, related_name="decisions"
    )
    route = models.CharField(max_length=30, choices=Route.choices)
    rule_verdict = models.CharField(max_length=30, choices=Verdict.choices)
    decision = models.CharField(max_length=30, choices=Verdict.choices)
    reason = models.TextField(blank=True, max_length=2000)
    findings = models.JSONField(default=list)
    trd_label = models.CharField(max_length=40, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["route"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "route"], name="screening_one_decision_per_route"
            ),
            models.CheckConstraint(
                condition=models.Q(decision=models.F("rule_verdict")) | ~models.Q(reason=""),
                name="screening_override_has_reason",
                violation_error_message="A decision against the rules needs a written reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_route_display()}: {self.get_decision_display()}"

    @property
    def overrides_rules(self) -> bool:
        return self.decision != self.rule_verdict
