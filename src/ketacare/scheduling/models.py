"""Appointments and what they occupy: a chair or room and a member of staff, for the whole
time the patient is there (recovery and observation included). Times are stored in UTC and
shown in the clinic's zone."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.tenancy.models import Clinic, Membership, Organisation, Role, Route, TreatmentSpace


class AppointmentKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    TREATMENT = "treatment", "Treatment session"
    INTEGRATION = "integration", "Integration psychotherapy"
    FOLLOW_UP = "follow_up", "Follow-up"
    TELEHEALTH = "telehealth", "Telehealth visit"


class AppointmentType(models.Model):
    """What a practice books: how long it takes (chair time including recovery), whether it
    needs a chair or room, which role runs it and, for esketamine, a prescriber on site.
    Durations are the practice's own settings; the REMS observation floor is enforced by the
    treatment day, not by the calendar."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    route = models.CharField(max_length=30, choices=Route.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        help_text="The whole time in the chair or room, recovery and observation included."
    )
    needs_space = models.BooleanField(default=True)
    staff_role = models.CharField(max_length=20, choices=Role.choices)
    prescriber_on_site = models.BooleanField(
        default=False, help_text="A prescriber must be on site throughout (esketamine REMS)."
    )
    min_hours_between = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Least time between two of a patient's sessions."
    )
    max_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="scheduling_type_name_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0, duration_minutes__lte=720),
                name="scheduling_type_duration_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClinicSchedule(models.Model):
    """A clinic's scheduling settings. The nurse-to-patient ratio is the practice's own
    staffing policy (no source gives one): treatment sessions cannot be booked until it is set."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="schedule")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patients_per_nurse = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Schedule settings of {self.clinic}"


class ClinicClosure(models.Model):
    """A day the clinic is closed (holiday, training day)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["clinic", "date"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "date"], name="scheduling_closure_once")
        ]

    def __str__(self) -> str:
        return f"{self.clinic} closed {self.date}: {self.reason}"


class StaffShift(models.Model):
    """A member of staff on site at a clinic (the rota). Prescriber-on-site rules read it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="shifts")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["clinic", "starts_at"], name="scheduling_shift_clinic")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="scheduling_shift_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} at {self.clinic} {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"


# Statuses that hold the chair, the staff member and the patient's time.
OCCUPYING = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.COMPLETED,
)


class AppointmentSeries(models.Model):
    """Sessions booked together from a treatment plan, with the pattern they were proposed on."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT)
    plan = models.ForeignKey(
        "treatment.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    weekdays = models.JSONField(default=list, help_text="0=Monday … 6=Sunday")
    local_time = models.TimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "appointment series"

    def __str__(self) -> str:
        return f"Series of {self.appointment_type} from {self.created_at:%Y-%m-%d}"


class Appointment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    route = models.CharField(max_length=30, choices=Route.choices, blank=True)
    space = models.ForeignKey(
        TreatmentSpace,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    staff = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    plan = models.ForeignKey(
        "treatment.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    series = models.ForeignKey(
        AppointmentSeries,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    consultation_request = models.ForeignKey(
        "public.ConsultationRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to"
    )
    notes = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="scheduling_appt_clinic_start"),
            models.Index(fields=["space", "starts_at"], name="scheduling_appt_space_start"),
            models.Index(fields=["staff", "starts_at"], name="scheduling_appt_staff_start"),
            models.Index(fields=["patient", "starts_at"], name="scheduling_appt_patient_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="scheduling_appt_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def occupies(self) -> bool:
        return self.status in OCCUPYING
