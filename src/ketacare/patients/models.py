"""The patient registry: who the patient is, and what is already known about them."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from ketacare.tenancy.models import ZIP_VALIDATOR, Clinic, Organisation, Route

PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9 ()\-.]{7,20}$", "Enter a phone number using digits, spaces, ( ) - or +."
)
# ICD-10-CM: a letter, a digit, a digit or letter, then optionally a dot and up to 4 characters.
ICD10_VALIDATOR = RegexValidator(
    r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$", "Enter an ICD-10-CM code such as F33.2."
)


class PatientStatus(models.TextChoices):
    LEAD = "lead", "Lead"
    CONSULTATION = "consultation", "Consultation"
    ACTIVE_TREATMENT = "active_treatment", "Active treatment"
    MAINTENANCE = "maintenance", "Maintenance"
    DISCHARGED = "discharged", "Discharged"


class SexAssignedAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Unknown / not disclosed"


class PatientOwned(models.Model):
    """Base for every row of a patient's record: it carries its organisation and patient."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Patient(models.Model):
    """A person the practice knows about, from first enquiry to discharge."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="patients"
    )
    mrn = models.CharField("MRN", max_length=20)
    legal_first_name = models.CharField(max_length=100)
    legal_middle_name = models.CharField(max_length=100, blank=True)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField()
    sex_assigned_at_birth = models.CharField(max_length=10, choices=SexAssignedAtBirth.choices)
    gender_identity = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True, validators=[PHONE_VALIDATOR])
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter state code.")],
    )
    zip_code = models.CharField("ZIP code", max_length=10, blank=True, validators=[ZIP_VALIDATOR])
    preferred_clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=PatientStatus.choices, default=PatientStatus.LEAD
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient_record",
    )
    # Lower-cased, accent-free copies of the names, maintained by the services, for search.
    last_name_key = models.CharField(max_length=100, editable=False, default="")
    first_name_key = models.CharField(max_length=100, editable=False, default="")
    preferred_name_key = models.CharField(max_length=100, editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "mrn"],
                name="patients_mrn_unique_per_organisation",
                violation_error_message="Another patient in this practice has this MRN.",
            ),
        ]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for prefix LIKE under any
            # collation; other databases ignore opclasses.
            models.Index(
                fields=["organisation", "last_name_key"],
                name="patients_last_name_key",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organisation", "first_name_key"],
                name="patients_first_name_key",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organisation", "preferred_name_key"],
                name="patients_pref_name_key",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["organisation", "date_of_birth"], name="patients_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"


class ContactKind(models.TextChoices):
    EMERGENCY = "emergency", "Emergency contact"
    ESCORT = "escort", "Escort / driver home"
    OTHER = "other", "Other contact"


class PatientContact(PatientOwned):
    """Someone to call: an emergency contact, or the escort who drives the patient home."""

    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=30, validators=[PHONE_VALIDATOR])
    email = models.EmailField(blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class ProblemStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"


class Problem(PatientOwned):
    """An entry on the problem list, coded in ICD-10-CM."""

    icd10_code = models.CharField("ICD-10-CM code", max_length=8, validators=[ICD10_VALIDATOR])
    description = models.CharField(max_length=200)
    onset_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE
    )

    class Meta:
        ordering = ["status", "icd10_code"]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"


class DrugClass(models.TextChoices):
    """The classes later safety checks look at (interactions with ketamine)."""

    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine"
    MAOI = "maoi", "MAOI"
    STIMULANT = "stimulant", "Stimulant"
    LAMOTRIGINE = "lamotrigine", "Lamotrigine"
    OPIOID = "opioid", "Opioid"
    NONBENZO_HYPNOTIC = "nonbenzo_hypnotic", "Non-benzodiazepine hypnotic (e.g. zolpidem)"
    THEOPHYLLINE = "theophylline", "Theophylline / aminophylline"
    OTHER = "other", "Other"


class CypEffect(models.TextChoices):
    """A strong effect on the enzymes that clear ketamine (CYP2B6, CYP3A4)."""

    CYP3A4_STRONG_INDUCER = "cyp3a4_strong_inducer", "Strong CYP3A4 inducer"
    CYP3A4_STRONG_INHIBITOR = "cyp3a4_strong_inhibitor", "Strong CYP3A4 inhibitor"
    CYP2B6_STRONG_INDUCER = "cyp2b6_strong_inducer", "Strong CYP2B6 inducer"
    CYP2B6_STRONG_INHIBITOR = "cyp2b6_strong_inhibitor", "Strong CYP2B6 inhibitor"


class Medication(PatientOwned):
    """A medicine the patient takes now (or took: `active` off with an end date)."""

    name = models.CharField(max_length=120)
    dose_amount = models.DecimalField(
        max_digits=8, decimal_places=3, validators=[MinValueValidator(0)], null=True, blank=True
    )
    dose_unit = models.CharField(max_length=20, blank=True, help_text="e.g. mg, mcg, mL")
    frequency = models.CharField(max_length=60, blank=True)
    drug_class = models.CharField(max_length=20, choices=DrugClass.choices, default=DrugClass.OTHER)
    diazepam_equivalent_mg_per_day = models.DecimalField(
        "diazepam-equivalent mg/day",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    cyp_effect = models.CharField(
        "effect on ketamine's enzymes",
        max_length=30,
        choices=CypEffect.choices,
        blank=True,
        help_text="Only for a strong CYP3A4 or CYP2B6 inducer or inhibitor.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-active", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(drug_class="benzodiazepine")
                | models.Q(diazepam_equivalent_mg_per_day__isnull=False),
                name="patients_benzodiazepine_has_diazepam_equivalent",
                violation_error_message=(
                    "A benzodiazepine needs its diazepam-equivalent dose per day."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="patients_medication_ends_after_start",
                violation_error_message="The end date is before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    UNKNOWN = "unknown", "Unknown"


class Allergy(PatientOwned):
    """A substance the patient reacts to."""

    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(
        max_length=10, choices=AllergySeverity.choices, default=AllergySeverity.UNKNOWN
    )

    class Meta:
        ordering = ["substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class TrialKind(models.TextChoices):
    ANTIDEPRESSANT = "antidepressant", "Antidepressant"
    AUGMENTATION = "augmentation", "Augmentation (e.g. antipsychotic, lithium)"
    PSYCHOTHERAPY = "psychotherapy", "Psychotherapy"
    ECT = "ect", "ECT"
    TMS = "tms", "TMS"
    KETAMINE = "ketamine", "Ketamine / esketamine"
    PAIN = "pain", "Pain treatment"
    OTHER = "other", "Other"


class TrialOutcome(models.TextChoices):
    NO_RESPONSE = "no_response", "No response"
    PARTIAL_RESPONSE = "partial_response", "Partial response"
    RESPONSE = "response", "Response"
    REMISSION = "remission", "Remission"
    NOT_TOLERATED = "not_tolerated", "Stopped: not tolerated"
    UNKNOWN = "unknown", "Unknown"


class PriorTreatmentTrial(PatientOwned):
    """A treatment already tried: what, how much, how long, and whether it was adequate."""

    kind = models.CharField(max_length=20, choices=TrialKind.choices)
    name = models.CharField(max_length=120, help_text="Drug or therapy, e.g. sertraline, CBT")
    dose = models.CharField(max_length=60, blank=True, help_text="e.g. 150 mg daily")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    adequate_dose = models.BooleanField(default=False)
    adequate_duration = models.BooleanField(default=False)
    outcome = models.CharField(
        max_length=20, choices=TrialOutcome.choices, default=TrialOutcome.UNKNOWN
    )
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="patients_trial_ends_after_start",
                violation_error_message="The end date is before the start date.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Consent to treatment (general)"
    KETAMINE = "ketamine", "Informed consent: ketamine therapy"
    ESKETAMINE_REMS = "esketamine_rems", "Spravato REMS patient enrolment"
    TELEHEALTH = "telehealth", "Telehealth consent"
    PRIVACY_NOTICE = "privacy_notice", "Notice of privacy practices acknowledged"
    RELEASE_OF_INFORMATION = "release_of_information", "Release of information"


class Consent(PatientOwned):
    """A signed consent: which document (and version), when, by whom, witnessed by whom.

    A treatment consent covers one route of ketamine; the Spravato REMS enrolment always covers
    intranasal esketamine. Treatment consents are countersigned by a prescriber. A consent can
    be withdrawn (when, by whom, why); it is then kept as it was, and blocks later treatment.
    """

    # The Spravato REMS Patient Enrollment Form is signed by both patient and prescriber
    # (source: SPRAVATO REMS [S4b, S4c]); treatment consents are countersigned by practice rule.
    PRESCRIBER_SIGNED_KINDS: ClassVar[frozenset[str]] = frozenset(
        {ConsentKind.TREATMENT, ConsentKind.KETAMINE, ConsentKind.ESKETAMINE_REMS}
    )
    ROUTE_KINDS: ClassVar[frozenset[str]] = frozenset(
        {ConsentKind.TREATMENT, ConsentKind.KETAMINE, ConsentKind.ESKETAMINE_REMS}
    )

    kind = models.CharField(max_length=30, choices=ConsentKind.choices)
    route = models.CharField(
        max_length=30,
        choices=Route.choices,
        blank=True,
        help_text="The route a treatment consent covers. The REMS enrolment is always esketamine.",
    )
    document_version = models.CharField(max_length=30)
    signed_at = models.DateTimeField()
    signed_by_name = models.CharField(
        max_length=150, help_text="The patient or their representative"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The name as it stood when the prescriber signed, so a later rename leaves the record as
    # signed (and the chart shows it without a query per row).
    prescriber_name = models.CharField(max_length=150, blank=True, editable=False)
    prescriber_signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.CharField(max_length=300, blank=True, editable=False)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        withdrawn_at__isnull=True,
                        withdrawn_by__isnull=True,
                        withdrawal_reason="",
                    )
                    | (
                        models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                        & ~models.Q(withdrawal_reason="")
                    )
                ),
                name="patients_consent_withdrawal_complete",
                violation_error_message="A withdrawal needs its time, who recorded it and why.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        prescriber__isnull=True,
                        prescriber_signed_at__isnull=True,
                        prescriber_name="",
                    )
                    | (
                        models.Q(prescriber__isnull=False, prescriber_signed_at__isnull=False)
                        & ~models.Q(prescriber_name="")
                    )
                ),
                name="patients_consent_prescriber_signature_complete",
                violation_error_message="A prescriber's signature needs the prescriber and time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.document_version}"

    def clean(self) -> None:
        super().clean()
        # The API sends null for an empty optional text; the column holds "" instead.
        self.route = self.route or ""
        self.notes = self.notes or ""
        if self.kind == ConsentKind.ESKETAMINE_REMS:
            # The REMS programme is for Spravato only, so the enrolment names no other route.
            if not self.route:
                self.route = Route.ESKETAMINE
            elif self.route != Route.ESKETAMINE:
                raise ValidationError(
                    {"route": "The Spravato REMS enrolment covers intranasal esketamine only."}
                )
        elif self.kind == ConsentKind.KETAMINE and not self.route:
            raise ValidationError(
                {"route": "Choose the route this treatment consent covers (e.g. IV infusion)."}
            )
        elif self.route and self.kind not in self.ROUTE_KINDS:
            raise ValidationError(
                {"route": f"A {self.get_kind_display().lower()} covers no route: leave it empty."}
            )

    @property
    def takes_prescriber_signature(self) -> bool:
        return self.kind in self.PRESCRIBER_SIGNED_KINDS

    @property
    def awaiting_prescriber_signature(self) -> bool:
        return (
            self.takes_prescriber_signature
            and self.prescriber_signed_at is None
            and self.withdrawn_at is None
        )
