"""The organisation settings form."""

from __future__ import annotations

from django import forms


def remission_choices() -> list[tuple[str, str]]:
    from ketacare.clinical.measures import all_instruments

    return [
        (i.code, f"{i.short_name} (default: at or below {i.outcomes.remission_max})")
        for i in all_instruments()
        if i.outcomes is not None and i.outcomes.remission_max is not None
    ]


class RemissionThresholdForm(forms.Form):
    instrument_code = forms.ChoiceField(label="Rating scale", choices=remission_choices)
    threshold = forms.IntegerField(
        label="Remission when the total is at or below",
        required=False,
        help_text="Leave empty to use the published default.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class OrganisationSettingsForm(forms.Form):
    idle_timeout_minutes = forms.IntegerField(
        label="Sign staff out after this many idle minutes",
        min_value=1,
        max_value=30,
        help_text="Between 1 and 30 minutes (HIPAA automatic logoff; 15 is the default).",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
