"""Forms of the treatment-day screens: they parse what the nurse typed (numbers, clinic-local
times) and carry the service's refusals back to the field. No clinical rule lives here: ranges,
gates and limits are the services' and the clinical core's."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.treatment_sessions.models import (
    AdverseEventOutcome,
    TransportKind,
    WasteMethod,
)

NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off", "class": "num-input"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off", "class": "num-input"}
TIME = {"class": "time-input"}


ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)")


def clock_text(text: str, zone: ZoneInfo) -> str:
    """A message with its ISO 8601 moments shown as the clinic's wall-clock time (14:05)."""

    def local(match: re.Match[str]) -> str:
        try:
            moment = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        return timezone.localtime(moment, zone).strftime("%H:%M")

    return ISO_MOMENT.sub(local, text)


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, zone: ZoneInfo | None = None
) -> None:
    """Put a service's ValidationError back at the fields it names (the rest on top)."""
    if not hasattr(exc, "error_dict"):
        for problem in exc.messages:
            form.add_error(None, clock_text(problem, zone) if zone else problem)
        return
    for key, problems in exc.message_dict.items():
        field = key if key in form.fields else None
        for problem in problems:
            form.add_error(field, clock_text(problem, zone) if zone else problem)


class ClinicForm(forms.Form):
    """A form whose times are typed in the clinic's time zone (today, unless a date is given).

    A treatment-day screen shows several of these at once (the infusion, an intervention, a
    waste...), each with its own "Time" field: `id_prefix` keeps their element ids apart, so a
    label always names its own field."""

    id_prefix = ""

    def __init__(self, *args: Any, zone: ZoneInfo | None = None, **kwargs: Any) -> None:
        self.zone = zone or ZoneInfo("UTC")
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def today(self) -> date:
        return timezone.localtime(timezone.now(), self.zone).date()

    def at(self, value: time | None) -> datetime | None:
        """A clinic-local time of today as an aware datetime; None means now."""
        if value is None:
            return None
        return datetime.combine(self.today(), value, tzinfo=self.zone)

    def local(self, value: datetime | None) -> datetime | None:
        """A naive datetime-local value read in the clinic's zone."""
        if value is None:
            return None
        if timezone.is_aware(value):
            value = timezone.make_naive(value, timezone.get_current_timezone())
        return value.replace(tzinfo=self.zone)


def _time_field(label: str = "Time") -> forms.TimeField:
    return forms.TimeField(
        label=f"{label} (empty = now)",
        required=False,
        widget=forms.TimeInput(attrs={**TIME, "type": "time"}, format="%H:%M"),
    )


def _local_datetime(label: str, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _whole(label: str, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, widget=forms.TextInput(attrs=NUMERIC))


class VersionForm(forms.Form):
    """The session version the user saw: a stale write is refused with what changed."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TransportForm(VersionForm):
    transport_kind = forms.ChoiceField(
        label="How the patient gets home",
        choices=TransportKind.choices,
        widget=forms.RadioSelect,
    )
    escort_name = forms.CharField(label="Escort or transport name", max_length=150)
    escort_phone = forms.CharField(
        label="Phone",
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    no_driving_acknowledged = forms.BooleanField(
        label="The patient acknowledges: no driving or hazardous activity until the next day "
        "after a restful sleep.",
        required=False,
    )


class CheckInForm(forms.Form):
    """Check-in: the ride home may be recorded now or later (dosing waits for it)."""

    transport_kind = forms.ChoiceField(
        label="How the patient gets home",
        choices=[("", "Not known yet"), *TransportKind.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    escort_name = forms.CharField(label="Escort or transport name", max_length=150, required=False)
    escort_phone = forms.CharField(
        label="Phone",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    no_driving_acknowledged = TransportForm.base_fields["no_driving_acknowledged"]


class FastingForm(ClinicForm):
    last_solids_at = _local_datetime("Last solid food")
    last_fatty_food_at = _local_datetime("Last fatty food (if any)")
    last_clear_liquids_at = _local_datetime("Last clear liquid")
    last_nasal_steroid_at = _local_datetime("Last nasal steroid or decongestant (if any)")

    def values(self) -> dict[str, Any]:
        return {
            name: self.local(self.cleaned_data.get(name))
            for name in self.fields
            if self.cleaned_data.get(name) is not None
        }


class VitalsForm(ClinicForm):
    """One set of vital signs; the plausibility guard is the clinical core's."""

    id_prefix = "vit"
    systolic = _whole("Systolic")
    diastolic = _whole("Diastolic")
    heart_rate = _whole("HR /min")
    spo2 = _whole("SpO2 %")
    respiratory_rate = _whole("RR /min")
    on_oxygen = forms.BooleanField(label="On oxygen", required=False)
    taken_at = _time_field("Taken at")

    VALUES = ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) is not None for name in self.VALUES):
            raise ValidationError("Enter at least one value.")
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.VALUES}


class PregnancyForm(forms.Form):
    result = forms.ChoiceField(
        label="Pregnancy test",
        choices=[
            ("negative", "Negative"),
            ("positive", "Positive"),
            ("not_applicable", "Not applicable"),
        ],  # fmt: skip
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Why not applicable", required=False, max_length=300)


class PulseOximeterForm(forms.Form):
    available = forms.TypedChoiceField(
        label="Pulse oximeter",
        choices=[("yes", "Available"), ("no", "Not available")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class PrescriberOnSiteForm(forms.Form):
    prescriber_name = forms.CharField(label="Prescriber on site", max_length=150)


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for dosing despite this check",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InfusionForm(ClinicForm):
    id_prefix = "inf"
    kind = forms.CharField(widget=forms.HiddenInput)
    rate_ml_per_h = forms.DecimalField(
        label="Rate (mL/h)",
        required=False,
        max_digits=9,
        decimal_places=3,
        widget=forms.TextInput(attrs=DECIMAL),
    )
    lot_number = forms.CharField(label="Vial lot (at start)", max_length=40, required=False)
    given_at = _time_field()


class DeviceForm(ClinicForm):
    id_prefix = "dev"
    device_number = forms.IntegerField(widget=forms.HiddenInput)
    lot_number = forms.CharField(label="Lot number", max_length=40, required=False)
    given_at = _time_field()


class InterventionForm(ClinicForm):
    id_prefix = "int"
    drug = forms.CharField(label="Drug or intervention", max_length=120, required=False)
    amount = forms.DecimalField(
        label="Amount",
        required=False,
        max_digits=9,
        decimal_places=3,
        widget=forms.TextInput(attrs=DECIMAL),
    )
    unit = forms.CharField(label="Unit", max_length=10, required=False)
    given_at = _time_field()


class DoseForm(ClinicForm):
    id_prefix = "dose"
    amount = forms.DecimalField(
        label="Dose (mg)", max_digits=9, decimal_places=3, widget=forms.TextInput(attrs=DECIMAL)
    )
    lot_number = forms.CharField(label="Vial lot", max_length=40, required=False)
    given_at = _time_field()


class WasteForm(ClinicForm):
    """Ketamine wasted in front of a witness, who types their own e-mail and password on the
    same tablet (checked by the view; never stored, never shown again)."""

    id_prefix = "waste"
    amount_mg = forms.CharField(label="Amount wasted (mg)", widget=forms.TextInput(attrs=DECIMAL))
    volume_ml = forms.CharField(
        label="Volume (mL, optional)", required=False, widget=forms.TextInput(attrs=DECIMAL)
    )
    lot_number = forms.CharField(label="Lot number", max_length=40)
    method = forms.ChoiceField(
        label="How it came to be wasted", choices=WasteMethod.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", max_length=500, required=False)
    wasted_at = _time_field("Wasted at")
    witness_email = forms.EmailField(
        label="Witness's e-mail", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    witness_password = forms.CharField(
        label="Witness's password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ObservationForm(ClinicForm):
    id_prefix = "obs"
    kind = forms.CharField(widget=forms.HiddenInput)
    value = forms.IntegerField(label="Score", widget=forms.TextInput(attrs=NUMERIC))
    observed_at = _time_field("Observed at")


class AdverseEventForm(ClinicForm):
    id_prefix = "ae"
    event_type = forms.CharField(label="What happened", max_length=100)
    onset_at = _time_field("Onset")
    ctcae_grade = forms.TypedChoiceField(
        label="CTCAE grade",
        coerce=int,
        choices=[(g, str(g)) for g in range(1, 6)],
        widget=forms.RadioSelect,
    )
    action_taken = forms.CharField(label="Action taken", max_length=500, required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=AdverseEventOutcome.choices)
    serious = forms.BooleanField(label="Serious adverse event", required=False)
    description = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdverseEventEditForm(AdverseEventForm):
    """An adverse event corrected or brought up to date (its outcome, most often), at the
    version the user saw. Each is shown with a form prefix of its own, which keeps its ids apart."""

    id_prefix = ""
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["onset_at"].required = True
        self.fields["onset_at"].label = "Onset"


class StrikeForm(forms.Form):
    """A wrong reading struck through: it stays on the record with the reason."""

    reason = forms.CharField(label="Why is this reading wrong?", max_length=300)


class ReasonForm(VersionForm):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AlertAckForm(forms.Form):
    note = forms.CharField(label="What was done", max_length=2000)


ITEM_LABELS = {"spo2": "SpO2", "activity_mental_status": "Activity and mental status",
               "nausea_vomiting": "Nausea and vomiting"}  # fmt: skip


class ScoreForm(forms.Form):
    """A recovery score: one radio group per item, answers from the clinical core's choices."""

    def __init__(self, *args: Any, items: list[tuple[str, list[tuple[str, str]]]], **kw: Any):
        super().__init__(*args, **kw)
        for name, choices in items:
            self.fields[name] = forms.ChoiceField(
                label=ITEM_LABELS.get(name, name.replace("_", " ").capitalize()),
                choices=choices,
                widget=forms.RadioSelect,
            )


class DischargeForm(VersionForm):
    ready_to_leave_minutes = forms.IntegerField(
        label="Without the 2-hour rule, when would the patient have been ready to leave? "
        "(minutes after the first device)",
        required=False,
        widget=forms.TextInput(attrs=NUMERIC),
    )
