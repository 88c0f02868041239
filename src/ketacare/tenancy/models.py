"""Organisation → Clinic → treatment space, and who works where in which role."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

ZIP_VALIDATOR = RegexValidator(r"^\d{5}(-\d{4})?$", "Enter a US ZIP code such as 60465.")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class Route(models.TextChoices):
    """How ketamine is given; clinics offer some of these."""

    IV = "iv", "IV infusion (racemic ketamine)"
    IM_SC = "im_sc", "Intramuscular / subcutaneous (racemic)"
    ESKETAMINE = "esketamine", "Intranasal esketamine (Spravato)"
    INTRANASAL_COMPOUNDED = "intranasal_compounded", "Intranasal compounded (racemic)"
    SUBLINGUAL_ORAL = "sublingual_oral", "Sublingual / oral lozenge or tablet"
    TOPICAL = "topical", "Topical compounded cream"


class ConditionTreated(models.TextChoices):
    """What a clinic says it treats, as listed in the public clinic finder."""

    DEPRESSION = "depression", "Depression"
    ANXIETY = "anxiety", "Anxiety"
    PTSD = "ptsd", "PTSD"
    CHRONIC_PAIN = "chronic_pain", "Chronic pain"
    OTHER = "other", "Other conditions"


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "Organisation admin"
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    THERAPIST = "therapist", "Therapist"
    BILLING = "billing", "Billing"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organisation(TimeStamped):
    """A practice: the tenant. Every row holding health information carries one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    # source: NIST SP 800-63B AAL2 via security-and-libraries.md H-04 (15 default, 30 ceiling)
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    mrn_prefix = models.CharField(max_length=6, blank=True, default="")
    next_mrn_number = models.PositiveIntegerField(default=1)
    # Organisation-level overrides of clinical defaults; every change goes through a service
    # that audits it.
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_timeout_minutes__gte=1, idle_timeout_minutes__lte=30),
                name="tenancy_org_idle_timeout_1_to_30",
                violation_error_message="The idle timeout must be between 1 and 30 minutes.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Clinic(TimeStamped):
    """A site where patients are seen, with its own address, hours and time zone."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="clinics")
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$")])
    zip_code = models.CharField(max_length=10, validators=[ZIP_VALIDATOR])
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(max_length=30)
    hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Opening hours by weekday, e.g. {"mon": ["08:00", "17:00"]}',
    )
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    routes_offered = models.JSONField(default=list, blank=True)
    publicly_listed = models.BooleanField(default=False)
    # What the public clinic finder shows (only for publicly listed clinics).
    conditions_treated = models.JSONField(
        default=list, blank=True, help_text='Values of ConditionTreated, e.g. ["depression"]'
    )
    esketamine_rems_certified = models.BooleanField(
        default=False, help_text="Certified under the Spravato (esketamine) REMS programme."
    )
    published_prices = models.JSONField(
        default=list,
        blank=True,
        help_text='Self-pay prices, e.g. [{"service": "IV infusion", "price_usd": 450}]',
    )
    insurance_policy = models.CharField(
        max_length=300,
        blank=True,
        help_text="e.g. Superbill provided for out-of-network reimbursement",
    )
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        indexes = [
            models.Index(
                fields=["publicly_listed", "latitude", "longitude"],
                name="tenancy_clinic_listed_geo",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="tenancy_clinic_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.routes_offered or []) - set(Route.values)
        if unknown:
            raise ValidationError({"routes_offered": f"Unknown routes: {sorted(unknown)}"})
        unknown = set(self.conditions_treated or []) - set(ConditionTreated.values)
        if unknown:
            raise ValidationError({"conditions_treated": f"Unknown conditions: {sorted(unknown)}"})
        for price in self.published_prices or []:
            if (
                not isinstance(price, dict)
                or set(price) != {"service", "price_usd"}
                or not isinstance(price["service"], str)
                or not isinstance(price["price_usd"], int)
                or price["price_usd"] < 0
            ):
                raise ValidationError(
                    {"published_prices": 'Each price is {"service": text, "price_usd": whole USD}.'}
                )


class TreatmentSpaceKind(models.TextChoices):
    CHAIR = "chair", "Treatment chair"
    ROOM = "room", "Room"


class TreatmentSpace(TimeStamped):
    """A chair or room where a patient is treated and recovers."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="spaces")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=TreatmentSpaceKind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="tenancy_space_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.clinic})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The organisation always follows the clinic; it is denormalised for scoping.
        self.organisation_id = self.clinic.organisation_id
        super().save(*args, **kwargs)


class Membership(TimeStamped):
    """A staff member's place in an organisation: one role, at one or more of its clinics."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    clinics = models.ManyToManyField(Clinic, related_name="staff", blank=True)
    is_active = models.BooleanField(default=True)
    licence_number = models.CharField(max_length=40, blank=True)
    dea_number = models.CharField(
        max_length=9,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}\d{7}$", "A DEA number is two letters and seven digits.")
        ],
    )

    class Meta:
        ordering = ["organisation", "user__email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="prescriber")
                | (models.Q(licence_number="") & models.Q(dea_number="")),
                name="tenancy_membership_licence_only_for_prescribers",
                violation_error_message="Licence and DEA numbers belong to prescribers.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"

    def clean(self) -> None:
        if self.role == Role.PRESCRIBER and not self.licence_number:
            raise ValidationError({"licence_number": "A prescriber needs a licence number."})
