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


class EligibilityThresholdsForm(forms.Form):
    """One field per eligibility threshold, with its unit, meaning, default and source."""

    def __init__(self, *args: object, current: dict[str, object], **kwargs: object) -> None:
        from ketacare.clinical.eligibility import Thresholds

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for setting in Thresholds.settings():
            default = "no default: set it to judge" if setting.default is None else setting.default
            self.fields[setting.name] = forms.CharField(
                label=f"{setting.meaning} ({setting.unit})",
                required=False,
                initial=current.get(setting.name, ""),
                help_text=f"Published default: {default}. Source: {setting.source}",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": str(default)}),
            )

    def overrides(self) -> dict[str, str]:
        return {name: value.strip() for name, value in self.cleaned_data.items() if value.strip()}


class OrganisationSettingsForm(forms.Form):
    idle_timeout_minutes = forms.IntegerField(
        label="Sign staff out after this many idle minutes",
        min_value=1,
        max_value=30,
        help_text="Between 1 and 30 minutes (HIPAA automatic logoff; 15 is the default).",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
