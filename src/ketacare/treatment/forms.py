"""Forms of the treatment pages: a new plan, a weight, and a dose order.

They parse what was posted and keep it after an error. The rules (limits, state machine, who
may sign) are the services' and the dosing engine's; a refusal comes back as a ValidationError
and `add_service_errors` puts it at the field it names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ketacare.clinical.dosing import SHIPPED_PROTOCOLS, SaltForm
from ketacare.clinical.measures import all_instruments
from ketacare.treatment import selectors
from ketacare.treatment.models import WeightUnitChoice

DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError back at the fields it names (the rest on top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, problems in exc.message_dict.items():
        field = key if key in form.fields else None
        for problem in problems:
            form.add_error(field, problem)


def _decimal(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=4,
        help_text=help_text,
        widget=forms.TextInput(attrs={**DECIMAL, "class": "calc-input"}),
    )


class PlanForm(forms.Form):
    protocol_code = forms.ChoiceField(
        label="Protocol",
        choices=[(code, p.name) for code, p in SHIPPED_PROTOCOLS.items()],
        initial="iv_racemic_depression",
    )
    indication = forms.CharField(
        label="Indication",
        max_length=200,
        help_text="What the plan treats, e.g. treatment-resistant depression.",
    )
    planned_sessions = forms.IntegerField(
        label="Planned sessions",
        min_value=1,
        max_value=100,
        initial=6,
        widget=forms.TextInput(attrs=NUMERIC),
    )
    goals = forms.CharField(
        label="Goals",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. PHQ-9 below 10 after the induction series.",
    )
    measures = forms.MultipleChoiceField(
        label="Measures to collect before each session",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["phq9"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [(i.code, i.short_name) for i in all_instruments()]

    def clean_indication(self) -> str:
        value = str(self.cleaned_data["indication"])
        if "\x00" in value:
            raise ValidationError("Remove the control characters.")
        return value


class WeightForm(forms.Form):
    value = forms.DecimalField(
        label="Weight",
        max_digits=6,
        decimal_places=2,
        widget=forms.TextInput(attrs=DECIMAL),
    )
    unit = forms.ChoiceField(
        label="Unit", choices=WeightUnitChoice.choices, initial=WeightUnitChoice.KG
    )


class OrderForm(forms.Form):
    """The dose as the prescriber asks for it, units explicit; the reasons only when needed."""

    dose = _decimal("Dose")
    dose_unit = forms.ChoiceField(
        label="Dose unit",
        choices=[(u, u) for u in selectors.DOSE_UNITS],
        widget=forms.Select(attrs={"class": "calc-input"}),
    )
    concentration_mg_per_ml = _decimal("Concentration (mg/mL)")
    concentration_salt_form = forms.ChoiceField(
        label="Concentration is labelled as",
        choices=[(s.value, s.value) for s in SaltForm],
        widget=forms.Select(attrs={"class": "calc-input"}),
    )
    bag_volume_ml = _decimal("Bag volume (mL)", required=False)
    duration_minutes = _decimal(
        "Duration (min)", required=False, help_text="Empty: the protocol's duration."
    )
    override_reason = forms.CharField(
        label="Reason for overriding the block",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    change_reason = forms.CharField(
        label="Reason for changing the dose",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when this dose differs from the current order (titration).",
    )

    def dose_request(self) -> selectors.DoseRequest:
        data = self.cleaned_data
        return selectors.DoseRequest(
            dose=Decimal(data["dose"]),
            dose_unit=data["dose_unit"],
            concentration_mg_per_ml=data["concentration_mg_per_ml"],
            concentration_salt_form=data["concentration_salt_form"],
            bag_volume_ml=data.get("bag_volume_ml"),
            duration_minutes=data.get("duration_minutes"),
            override_reason=data.get("override_reason") or "",
        )
