"""The organisation settings form."""

from __future__ import annotations

from django import forms


class OrganisationSettingsForm(forms.Form):
    idle_timeout_minutes = forms.IntegerField(
        label="Sign staff out after this many idle minutes",
        min_value=1,
        max_value=30,
        help_text="Between 1 and 30 minutes (HIPAA automatic logoff; 15 is the default).",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
