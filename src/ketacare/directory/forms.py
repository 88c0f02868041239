"""The finder's query string, validated: every field names its problem in plain words."""

from __future__ import annotations

from django import forms

from ketacare.tenancy.models import ConditionTreated, Route

MIN_RADIUS_MILES = 1
MAX_RADIUS_MILES = 500
DEFAULT_RADIUS_MILES = 50
RADIUS_CHOICES = (10, 25, 50, 100, 250, 500)


class FinderForm(forms.Form):
    near = forms.CharField(
        label="ZIP code or city, state",
        max_length=80,
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"placeholder": "60465 or Palos Hills, IL", "autocomplete": "postal-code"}
        ),
    )
    within = forms.IntegerField(
        label="Within (miles)",
        required=False,
        min_value=MIN_RADIUS_MILES,
        max_value=MAX_RADIUS_MILES,
        error_messages={
            "min_value": f"Search within {MIN_RADIUS_MILES} to {MAX_RADIUS_MILES} miles.",
            "max_value": f"Search within {MIN_RADIUS_MILES} to {MAX_RADIUS_MILES} miles.",
            "invalid": f"Enter a whole number of miles ({MIN_RADIUS_MILES} to {MAX_RADIUS_MILES}).",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 500}),
    )
    route = forms.ChoiceField(
        label="Treatment route",
        required=False,
        choices=[("", "Any route"), *Route.choices],
        error_messages={"invalid_choice": "Choose a route from the list."},
    )
    condition = forms.ChoiceField(
        label="Treats",
        required=False,
        choices=[("", "Any condition"), *ConditionTreated.choices],
        error_messages={"invalid_choice": "Choose a condition from the list."},
    )

    def clean_within(self) -> int:
        value = self.cleaned_data.get("within")
        return DEFAULT_RADIUS_MILES if value is None else value
