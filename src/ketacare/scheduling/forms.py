"""Forms for the calendar, series booking and schedule settings. Parse only: every rule is
checked by the services, whose refusals come back at the field they name."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from ketacare.scheduling.models import AppointmentKind, AppointmentType
from ketacare.tenancy.models import Role, Route

WEEKDAY_CHOICES = [
    (0, "Mon"),
    (1, "Tue"),
    (2, "Wed"),
    (3, "Thu"),
    (4, "Fri"),
    (5, "Sat"),
    (6, "Sun"),
]
# Where a service names a field the form calls otherwise.
FIELD_ALIASES = {
    "starts_at": "start_time",
    "ends_at": "start_time",
    "patients_per_nurse": "patients",
}


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError back at the fields it names (the rest on top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, problems in exc.message_dict.items():
        name = key if key in form.fields else FIELD_ALIASES.get(key, "")
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


def _space_label(space: Any) -> str:
    return f"{space.name} ({space.clinic.name})"


def _staff_label(member: Any) -> str:
    return f"{str(member.user)} · {member.get_role_display()}"


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _staff_label(obj)


class SpaceChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MoveForm(forms.Form):
    """Move an appointment: a new local date and time, chair and member of staff."""

    day = forms.DateField(label="Date", widget=DateInput)
    start_time = forms.TimeField(label="Start time", widget=TimeInput)
    space = SpaceChoiceField(queryset=None, required=False, label="Chair or room")
    staff = StaffChoiceField(queryset=None, required=False, label="Staff")
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, spaces: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces
        self.fields["staff"].queryset = staff


class StatusForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class SeriesPatternForm(forms.Form):
    """The pattern a series is proposed on."""

    clinic = forms.ModelChoiceField(queryset=None, label="Clinic")
    appointment_type = forms.ModelChoiceField(queryset=None, label="Appointment type")
    first_date = forms.DateField(label="First date", widget=DateInput)
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Weekdays",
    )
    local_time = forms.TimeField(label="Time (clinic's local time)", widget=TimeInput)
    space = SpaceChoiceField(queryset=None, label="Chair")
    staff = StaffChoiceField(queryset=None, label="Nurse")
    count = forms.IntegerField(label="Sessions", min_value=1, max_value=52)

    def __init__(
        self, *args: Any, clinics: Any, types: Any, spaces: Any, staff: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["appointment_type"].queryset = types
        self.fields["space"].queryset = spaces
        self.fields["staff"].queryset = staff
        self.fields["space"].label_from_instance = _space_label  # type: ignore[attr-defined]
        self.fields["count"].widget.attrs["inputmode"] = "numeric"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clinic, space = data.get("clinic"), data.get("space")
        if clinic is not None and space is not None and space.clinic_id != clinic.pk:
            self.add_error("space", f"{space.name} is not at {clinic.name}.")
        return data


class ConsultationBookForm(forms.Form):
    clinic = forms.ModelChoiceField(queryset=None, label="Clinic")
    appointment_type = forms.ModelChoiceField(queryset=None, label="Appointment type")
    day = forms.DateField(label="Date", widget=DateInput)
    start_time = forms.TimeField(label="Start time", widget=TimeInput)
    staff = StaffChoiceField(queryset=None, label="With")
    space = SpaceChoiceField(queryset=None, required=False, label="Room (if the type needs one)")
    notes = forms.CharField(label="Notes", required=False, max_length=500)

    def __init__(
        self, *args: Any, clinics: Any, types: Any, spaces: Any, staff: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["appointment_type"].queryset = types
        self.fields["space"].queryset = spaces
        self.fields["staff"].queryset = staff
        self.fields["space"].label_from_instance = _space_label  # type: ignore[attr-defined]


class AppointmentTypeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "kind",
            "route",
            "duration_minutes",
            "needs_space",
            "staff_role",
            "prescriber_on_site",
            "min_hours_between",
            "max_per_week",
            "active",
        ]
        labels = {
            "duration_minutes": "Minutes in the chair or room (recovery included)",
            "min_hours_between": "Least hours between two sessions",
            "max_per_week": "Most per week",
            "needs_space": "Needs a chair or room",
            "staff_role": "Run by",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = AppointmentKind.choices
        self.fields["route"].choices = [("", "—"), *Route.choices]
        self.fields["staff_role"].choices = [
            (r.value, r.label) for r in (Role.NURSE, Role.PRESCRIBER, Role.THERAPIST)
        ]
        for name in ("duration_minutes", "min_hours_between", "max_per_week"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def validate_unique(self) -> None:
        # The service validates (organisation, name) once the organisation is set.
        return None


class ClosureForm(forms.Form):
    date = forms.DateField(label="Closed on", widget=DateInput)
    reason = forms.CharField(label="Reason", max_length=200)


class RatioForm(forms.Form):
    patients = forms.IntegerField(
        label="Patients in treatment per nurse",
        min_value=1,
        max_value=20,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="The practice's own staffing policy.",
    )


class ShiftForm(forms.Form):
    membership = StaffChoiceField(queryset=None, label="Who")
    day = forms.DateField(label="Date", widget=DateInput)
    start_time = forms.TimeField(label="From", widget=TimeInput)
    end_time = forms.TimeField(label="Until", widget=TimeInput)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = staff
