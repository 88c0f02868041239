"""Rating scales given to patients, their scores, self-report links, schedules and safety alerts.

Scoring itself is the clinical core's (`ketacare.clinical.measures`); these rows keep what was
answered, what the core said about it, and with which instrument and scoring versions.
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.tenancy.models import Clinic, Organisation


class AssessmentSource(models.TextChoices):
    STAFF = "staff", "Entered by staff in clinic"
    SELF_REPORT = "self_report", "Patient self-report (link)"
    KIOSK = "kiosk", "Check-in kiosk"
    API = "api", "API"


class Assessment(models.Model):
    """One administration of one instrument: the answers and the core's result."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    instrument_code = models.CharField(max_length=30)
    instrument_version = models.CharField(max_length=20)
    scoring_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict)
    complete = models.BooleanField()
    total = models.IntegerField(null=True, blank=True)
    band_code = models.CharField(max_length=40, blank=True)
    band_label = models.CharField(max_length=80, blank=True)
    result = models.JSONField(default=dict, help_text="Subscales, screen, reasons")
    safety_flagged = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=AssessmentSource.choices)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [
            models.Index(
                fields=["organisation", "patient", "instrument_code", "-completed_at"],
                name="measures_by_patient",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(complete=True) | models.Q(total__isnull=True),
                name="measures_incomplete_has_no_total",
                violation_error_message="An incomplete assessment has no total.",
            )
        ]

    def __str__(self) -> str:
        total = self.total if self.total is not None else "incomplete"
        return f"{self.instrument_code.upper()} {total}"


class SafetyAction(models.TextChoices):
    ASSESSMENT_DONE = "assessment_done", "Risk assessment done"
    SAFETY_PLAN = "safety_plan", "Safety plan made or reviewed"
    REFERRAL = "referral", "Referred (crisis team, psychiatry, therapist)"
    EMERGENCY_SERVICES = "emergency_services", "Emergency services called"


class SafetyAlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class SafetyAlert(models.Model):
    """A positive safety item. Stays open on the chart and dashboard until a clinician
    acknowledges it with a documented action. Never deleted, never dismissed silently."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="alerts")
    rule_id = models.CharField(max_length=60)
    level = models.CharField(max_length=20)
    item = models.CharField(max_length=20, blank=True)
    value = models.IntegerField()
    reason = models.CharField(max_length=300)
    recommended_action = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=SafetyAlertStatus.choices, default=SafetyAlertStatus.OPEN
    )
    action = models.CharField(max_length=30, choices=SafetyAction.choices, blank=True)
    action_note = models.TextField(blank=True, max_length=2000)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "-created_at"]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="alerts_open")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (
                    ~models.Q(action="")
                    & ~models.Q(action_note="")
                    & models.Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False)
                ),
                name="measures_alert_acknowledged_with_action",
                violation_error_message="An alert is acknowledged only with an action and a note.",
            )
        ]

    def __str__(self) -> str:
        return f"Safety alert: {self.reason}"


class LinkChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"
    KIOSK = "kiosk", "Clinic tablet (kiosk)"


class SelfReportLink(models.Model):
    """A single-use, expiring link that lets a patient fill questionnaires without signing in.

    Only a hash of the token is stored: the link itself exists only in the message sent.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="self_report_links"
    )
    instrument_codes = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=LinkChannel.choices)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Self-report link ({self.get_channel_display()})"

    def clinic_tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.clinic.time_zone)


class ScheduleFrequency(models.TextChoices):
    BEFORE_EACH_SESSION = "before_each_session", "Before every session"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    EVERY_TWO_WEEKS = "every_two_weeks", "Every two weeks"
    MONTHLY = "monthly", "Every four weeks"


class MeasureSchedule(models.Model):
    """ "PHQ-9 before every session, PCL-5 weekly": which scale a patient fills, and how often."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="measure_schedules"
    )
    instrument_code = models.CharField(max_length=30)
    frequency = models.CharField(max_length=30, choices=ScheduleFrequency.choices)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["instrument_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument_code"],
                condition=models.Q(active=True),
                name="measures_one_active_schedule_per_scale",
                violation_error_message="This patient already has a schedule for this scale.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.get_frequency_display().lower()}"
