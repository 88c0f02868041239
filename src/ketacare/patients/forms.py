"""Forms for the registry: field-level validation and accessible widgets. Rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.patients.models import Patient
from ketacare.patients.sections import ChartSection
from ketacare.patients.services import PATIENT_FIELDS
from ketacare.tenancy.models import Clinic, Organisation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, MRN or date of birth",
        max_length=100,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "type": "search"}),
    )


class PatientForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {"date_of_birth": DateInput()}
        help_texts = {"mrn": "Leave blank to assign the next number."}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mrn"].required = False
        clinic_field = self.fields["preferred_clinic"]
        clinic_field.queryset = Clinic.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.fields["zip_code"].widget.attrs["inputmode"] = "numeric"
        self.fields["state"].widget.attrs["placeholder"] = "IL"

    def clean_state(self) -> str:
        return str(self.cleaned_data.get("state") or "").upper()


class PatientEditForm(PatientForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


def section_form_class(section: ChartSection) -> type[forms.ModelForm]:  # type: ignore[type-arg]
    widgets: dict[str, forms.Widget] = {}
    for name in section.fields:
        field = section.model._meta.get_field(name)
        if field.get_internal_type() == "DateField":
            widgets[name] = DateInput()
        elif field.get_internal_type() == "DateTimeField":
            widgets[name] = DateTimeInput()
        elif field.get_internal_type() == "DecimalField":
            widgets[name] = forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"})
    return forms.modelform_factory(section.model, fields=section.fields, widgets=widgets)
