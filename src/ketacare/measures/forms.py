"""Forms for rating scales: one radio group per item, alert acknowledgement, schedules, links.

Validation of answers is the clinical core's (through `services.score_answers`); these forms
only parse what was posted and put each refusal back at the item it is about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.clinical.measures import Instrument, Item, all_instruments
from ketacare.measures import services
from ketacare.measures.models import LinkChannel, SafetyAction, ScheduleFrequency
from ketacare.patients.models import Patient

# Past this many answers an item is shown as a row of numbered tiles (0-10 scales).
TILE_THRESHOLD = 5


def _option_label(value: int, label: str | None) -> str:
    return label if label else str(value)


@dataclass(frozen=True)
class ItemRow:
    """One question of a questionnaire as the template lays it out."""

    number: int
    item: Item
    field: forms.BoundField
    tiles: bool
    condition: str = ""

    @property
    def licensed(self) -> bool:
        return self.item.text is None


class QuestionnaireForm(forms.Form):
    """Every item of one instrument as a radio group named `item_<id>`.

    With `prefix` (the instrument code) several questionnaires share one page, as on a
    self-report link: the fields are then posted as `<code>-item_<id>`.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        instrument: Instrument,
        prefix: str | None = None,
        with_time: bool = False,
    ) -> None:
        super().__init__(data, prefix=prefix)
        self.instrument = instrument
        for item in instrument.items:
            choices = [(str(o.value), _option_label(o.value, o.label)) for o in item.options]
            self.fields[f"item_{item.id}"] = forms.ChoiceField(
                label=item.text or item.construct,
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choose one of the answers shown."},
            )
        if with_time:
            self.fields["completed_at"] = forms.DateTimeField(
                label="Filled in at",
                required=False,
                help_text="Leave as is when the scale is given now; clinic time.",
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
            )
            if not self.is_bound:
                self.initial["completed_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def rows(self) -> Iterator[ItemRow]:
        numbers = {item.id: n for n, item in enumerate(self.instrument.items, start=1)}
        for item in self.instrument.items:
            yield ItemRow(
                number=numbers[item.id],
                item=item,
                field=self[f"item_{item.id}"],
                tiles=len(item.options) > TILE_THRESHOLD,
                condition=self._condition(item, numbers),
            )

    def _condition(self, item: Item, numbers: Mapping[str, int]) -> str:
        """Skip logic in words: "Ask only when question 2 was answered “Yes”."."""
        when = item.enabled_when
        if when is None:
            return ""
        other = self.instrument.item(when.item)
        label = next((o.label for o in other.options if o.value == when.equals), None)
        answer = label or str(when.equals)
        return f"Ask only when question {numbers[when.item]} was answered “{answer}”."

    def answers(self) -> dict[str, str]:
        """Item id -> the posted value ("" when unanswered); scoring parses it."""
        cleaned = getattr(self, "cleaned_data", {})
        return {item.id: cleaned.get(f"item_{item.id}") or "" for item in self.instrument.items}

    def add_service_errors(self, exc: ValidationError, *, strip: str = "") -> None:
        """Put a service's refusal at the item it names (`item_<id>`), else at the top."""
        for key, messages in exc.message_dict.items():
            name = key.removeprefix(strip)
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)


class StaffEntryForm(QuestionnaireForm):
    """A scale given in clinic: every item it needs must be answered before anything is kept."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, instrument: Instrument) -> None:
        super().__init__(data, instrument=instrument, with_time=True)


class AcknowledgeAlertForm(forms.Form):
    action = forms.ChoiceField(
        label="What was done",
        choices=SafetyAction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what was done."},
    )
    note = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who you spoke to, what was decided, what happens next.",
        error_messages={"required": "Write a short note of what was done."},
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, alert_id: object) -> None:
        # Several alerts can share a page: each form's ids carry its alert.
        super().__init__(data, auto_id=f"ack-{alert_id}-%s")

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class _ChoicesForm(forms.Form):
    def _choice(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])


class ScheduleForm(_ChoicesForm):
    instrument_code = forms.ChoiceField(label="Scale")
    frequency = forms.ChoiceField(
        label="How often", choices=ScheduleFrequency.choices, initial="before_each_session"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("instrument_code").choices = [
            (i.code, f"{i.short_name} — {i.name}") for i in all_instruments()
        ]


class SendLinkForm(_ChoicesForm):
    instruments = forms.MultipleChoiceField(
        label="Questionnaires",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one questionnaire."},
    )
    channel = forms.ChoiceField(label="Send by", widget=forms.RadioSelect)

    def __init__(self, *args: Any, patient: Patient, kiosk: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # On the clinic's tablet the channel is the tablet itself.
        self.fields["channel"].required = not kiosk
        self._choice("instruments").choices = [
            (i.code, i.short_name) for i in services.self_report_instruments()
        ]
        email = patient.email or "no address on file"
        phone = patient.phone or "no number on file"
        self._choice("channel").choices = [
            (LinkChannel.EMAIL.value, f"E-mail ({email})"),
            (LinkChannel.SMS.value, f"Text message ({phone})"),
        ]
        self.fields["channel"].initial = (
            LinkChannel.EMAIL.value if patient.email or not patient.phone else LinkChannel.SMS.value
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)
