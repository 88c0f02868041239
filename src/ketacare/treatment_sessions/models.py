"""The treatment day: one row per session from check-in to discharge, with what was checked,
given, measured and observed, each with its time and who recorded it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.tenancy.models import Clinic, Organisation, Route, TreatmentSpace


class SessionState(models.TextChoices):
    CHECKED_IN = "checked_in", "Checked in"
    PRE_CHECKS = "pre_checks", "Pre-checks"
    DOSING = "dosing", "Dosing"
    MONITORING = "monitoring", "Monitoring"
    RECOVERY = "recovery", "Recovery"
    DISCHARGED = "discharged", "Discharged"
    STOPPED_EARLY = "stopped_early", "Stopped early"
    DID_NOT_START = "did_not_start", "Did not start"


class TransportKind(models.TextChoices):
    ESCORT = "escort", "A responsible adult drives them home"
    TRANSPORT = "transport", "Arranged transport (taxi, medical transport)"


class TreatmentSession(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="treatment_session"
    )
    plan = models.ForeignKey(
        "treatment.TreatmentPlan", on_delete=models.PROTECT, related_name="sessions"
    )
    order = models.ForeignKey(
        "treatment.DoseOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    route = models.CharField(max_length=30, choices=Route.choices)
    space = models.ForeignKey(TreatmentSpace, null=True, blank=True, on_delete=models.PROTECT)
    state = models.CharField(
        max_length=20, choices=SessionState.choices, default=SessionState.CHECKED_IN
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The first dose given: infusion start, first esketamine device, injection.
    first_dose_at = models.DateTimeField(null=True, blank=True)
    dosing_ended_at = models.DateTimeField(null=True, blank=True)
    recovery_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True, max_length=2000)
    # How the patient gets home (rule 11): recorded before dosing, present before discharge.
    transport_kind = models.CharField(max_length=10, choices=TransportKind.choices, blank=True)
    escort_name = models.CharField(max_length=150, blank=True)
    escort_phone = models.CharField(max_length=30, blank=True)
    no_driving_acknowledged_at = models.DateTimeField(null=True, blank=True)
    escort_present_at = models.DateTimeField(null=True, blank=True)
    # Esketamine: the clinician says the patient is clinically stable (S3, rule 6).
    clinically_stable_at = models.DateTimeField(null=True, blank=True)
    clinically_stable_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instructions_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-checked_in_at"]
        indexes = [
            models.Index(fields=["clinic", "state"], name="tsession_clinic_state"),
        ]

    def __str__(self) -> str:
        return f"Session {self.public_id} ({self.get_state_display()})"


class SessionStep(models.Model):
    """One move of the session's state machine: when, by whom, why."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="steps")
    from_state = models.CharField(max_length=20, choices=SessionState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=SessionState.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or '—'} → {self.to_state}"


class CheckCode(models.TextChoices):
    CONSENT = "consent", "Treatment consent on file and not withdrawn"
    REMS_PATIENT = "rems_patient", "Patient enrolled in the esketamine REMS"
    REMS_SITE = "rems_site", "Site certified under the esketamine REMS"
    PRESCRIBER_ON_SITE = "prescriber_on_site", "Prescriber on site"
    PULSE_OXIMETER = "pulse_oximeter", "Pulse oximeter available"
    FASTING = "fasting", "Fasting times"
    PREDOSE_VITALS = "predose_vitals", "Pre-dose vital signs"
    PREGNANCY_TEST = "pregnancy_test", "Pregnancy test"
    MEDICATIONS = "medications", "Medication changes and interaction screen"
    SCALES = "scales", "Pre-session rating scales done"
    TRANSPORT = "transport", "Escort or transport and no-driving acknowledgement"


class CheckStatus(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    NEEDS_DECISION = "needs_decision", "Needs a prescriber's decision"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    OVERRIDDEN = "overridden", "Overridden by a prescriber"


class PreCheck(models.Model):
    """The latest result of one pre-dose check. Dosing starts only when every check has
    passed, does not apply, or was overridden by a prescriber with a reason."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="checks")
    code = models.CharField(max_length=30, choices=CheckCode.choices)
    status = models.CharField(max_length=20, choices=CheckStatus.choices)
    message = models.CharField(max_length=1000, blank=True)
    values = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    override_reason = models.TextField(blank=True, max_length=2000)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "code"]
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="tsession_check_once"),
            models.CheckConstraint(
                condition=~models.Q(status="overridden")
                | (~models.Q(override_reason="") & models.Q(overridden_by__isnull=False)),
                name="tsession_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.get_status_display()}"


class ReadingSource(models.TextChoices):
    MANUAL = "manual", "Entered by staff"
    DEVICE = "device", "Bedside monitor"


class VitalSignReading(models.Model):
    """One set of vital signs. Readings only append; a wrong one is struck through with a
    reason, never changed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    # Indexed by tsession_reading_time, which leads with it (one index less on the busiest write).
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    on_oxygen = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=ReadingSource.choices)
    device_id = models.CharField(max_length=64, blank=True)
    # Indexed only where staff recorded it (tsession_reading_by): a monitor's readings have none.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    struck_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["session", "taken_at", "pk"]
        indexes = [
            models.Index(fields=["session", "taken_at"], name="tsession_reading_time"),
            models.Index(
                fields=["recorded_by"],
                name="tsession_reading_by",
                condition=models.Q(recorded_by__isnull=False),
            ),
        ]
        constraints = [
            # A monitor's reading is stored once, however often it is posted.
            models.UniqueConstraint(
                fields=["session", "device_id", "taken_at"],
                condition=~models.Q(device_id=""),
                name="tsession_device_reading_once",
            ),
            models.CheckConstraint(
                condition=models.Q(systolic__isnull=True)
                | models.Q(diastolic__isnull=True)
                | models.Q(systolic__gt=models.F("diastolic")),
                name="tsession_reading_systolic_above_diastolic",
            ),
        ]

    def __str__(self) -> str:
        return f"Vitals at {self.taken_at:%H:%M}"


class ObservationKind(models.TextChoices):
    DISSOCIATION_CADSS = "dissociation_cadss", "Dissociation (CADSS)"
    DISSOCIATION_CLINIC = "dissociation_clinic", "Dissociation (clinic scale)"
    SEDATION_MOAAS = "sedation_moaas", "Sedation (MOAA/S)"
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    ANXIETY = "anxiety", "Anxiety"
    AGITATION = "agitation", "Agitation"


class Observation(models.Model):
    """A bedside observation: a scale score or a graded symptom, with its time."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="observations"
    )
    kind = models.CharField(max_length=30, choices=ObservationKind.choices)
    value = models.SmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    observed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "observed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class AdministrationKind(models.TextChoices):
    INFUSION_START = "infusion_start", "Infusion started"
    INFUSION_PAUSE = "infusion_pause", "Infusion paused"
    INFUSION_RESUME = "infusion_resume", "Infusion resumed"
    INFUSION_RATE = "infusion_rate", "Infusion rate changed"
    INFUSION_STOP = "infusion_stop", "Infusion stopped"
    DEVICE = "device", "Esketamine device used"
    DOSE = "dose", "Dose given (IM/SC, sublingual, intranasal, topical)"
    INTERVENTION = "intervention", "Intervention (antiemetic, oxygen, other)"


class Administration(models.Model):
    """Something given or done to the patient, with its time: the ketamine itself (infusion
    events, each esketamine device, a dose) and interventions such as an antiemetic or oxygen."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="administrations"
    )
    kind = models.CharField(max_length=20, choices=AdministrationKind.choices)
    given_at = models.DateTimeField()
    drug = models.CharField(max_length=120, blank=True)
    amount = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=10, blank=True)
    rate_ml_per_h = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    lot_number = models.CharField(max_length=40, blank=True)
    device_number = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "given_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.given_at:%H:%M}"


class WasteMethod(models.TextChoices):
    LEFT_IN_BAG = "left_in_bag", "Left in the bag or syringe after the dose"
    STOPPED_EARLY = "stopped_early", "Infusion stopped early"
    NOT_GIVEN = "not_given", "Prepared but not given"
    CONTAMINATED = "contaminated", "Dropped, contaminated or broken"
    OTHER = "other", "Other (say what in the note)"


class DrugWaste(models.Model):
    """Ketamine prepared for the patient and not given, wasted by one licensed member of staff in
    front of another, who confirms it with their own password (Schedule III: every milligram is
    given or wasted with a witness). Never changed: a wrong entry is answered by a new one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="wastes")
    drug = models.CharField(max_length=120)
    lot_number = models.CharField(max_length=40)
    amount_mg = models.DecimalField(max_digits=9, decimal_places=1)
    volume_ml = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    method = models.CharField(max_length=20, choices=WasteMethod.choices)
    note = models.CharField(max_length=500, blank=True)
    wasted_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "wasted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_mg__gt=0), name="tsession_waste_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(recorded_by=models.F("witnessed_by")),
                name="tsession_waste_witness_is_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_mg} mg {self.drug} wasted at {self.wasted_at:%H:%M}"


class AdverseEventOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    RESOLVING = "resolving", "Resolving"
    ONGOING = "ongoing", "Ongoing at discharge"
    TRANSFERRED = "transferred", "Transferred to emergency care"


class AdverseEvent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT)
    event_type = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=4000)
    onset_at = models.DateTimeField()
    ctcae_grade = models.PositiveSmallIntegerField()
    action_taken = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=20, choices=AdverseEventOutcome.choices)
    serious = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-onset_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ctcae_grade__gte=1, ctcae_grade__lte=5),
                name="tsession_ae_grade_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} (grade {self.ctcae_grade})"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Reviewed and closed"


class IncidentReview(models.Model):
    """Opened for every adverse event of CTCAE grade 3 or more (rule 15); the medical
    director closes it with findings."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    adverse_event = models.OneToOneField(
        AdverseEvent, on_delete=models.PROTECT, related_name="incident_review"
    )
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    opened_at = models.DateTimeField(default=timezone.now)
    findings = models.TextField(blank=True, max_length=8000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (~models.Q(findings="") & models.Q(reviewed_by__isnull=False)),
                name="tsession_incident_closed_with_findings",
            )
        ]

    def __str__(self) -> str:
        return f"Incident review of {self.adverse_event} ({self.status})"


class RecoveryScale(models.TextChoices):
    ALDRETE = "aldrete", "Modified Aldrete"
    PADSS = "padss", "Adapted PADSS"


class RecoveryScore(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="recovery_scores"
    )
    scale = models.CharField(max_length=10, choices=RecoveryScale.choices)
    items = models.JSONField()
    total = models.PositiveSmallIntegerField()
    threshold = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    scored_at = models.DateTimeField()
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["session", "scored_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} {self.total}/{self.threshold}"


class RemsFormStatus(models.TextChoices):
    DRAFT = "draft", "Not yet submitted"
    SUBMITTED = "submitted", "Submitted"


class RemsMonitoringForm(models.Model):
    """The esketamine REMS Patient Monitoring Form for one session, filled from the chart;
    due within 7 days of the session (S4a, S4b)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="rems_form"
    )
    fields = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=RemsFormStatus.choices, default=RemsFormStatus.DRAFT
    )
    due_by = models.DateField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmation = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["status", "due_by"]

    def __str__(self) -> str:
        return f"REMS monitoring form for {self.session} ({self.status})"


class VitalSignAlert(models.Model):
    """A reading beyond one of the clinic's alert limits (rule 12). Raised when the reading is
    stored; it stays until a clinician acknowledges it with a note of what was done."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="vital_alerts"
    )
    reading = models.ForeignKey(VitalSignReading, on_delete=models.CASCADE, related_name="alerts")
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    value = models.SmallIntegerField()
    limit = models.SmallIntegerField()
    source = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["session", "raised_at", "pk"]
        indexes = [models.Index(fields=["session", "acknowledged_at"], name="tsession_alert_open")]
        constraints = [
            models.UniqueConstraint(fields=["reading", "code"], name="tsession_alert_once"),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="tsession_alert_ack_names_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} at {self.raised_at:%H:%M}"


class MonitorDevice(models.Model):
    """A bedside monitor (or its gateway) that posts vital signs with its own bearer token,
    scoped to one clinic of one organisation. Only the token's SHA-256 is stored: the token is
    shown once when issued. Revoking sets `active` false and the token answers 401 at once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="monitor_devices")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"],
                condition=models.Q(active=True),
                name="tsession_monitor_device_name_once",
            )
        ]

    def __str__(self) -> str:
        return f"Monitor {self.name}"
