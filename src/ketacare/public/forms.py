"""Public forms (pre-screen, consultation request) and the front desk's small forms."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple, cast

from django import forms
from django.conf import settings
from django.core import signing
from django.forms.boundfield import BoundField
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from ketacare.clinical.age import MAX_PLAUSIBLE_AGE_YEARS
from ketacare.patients.models import SexAssignedAtBirth
from ketacare.public.models import RequestStatus
from ketacare.public.prescreen import Answers
from ketacare.tenancy.models import Clinic

SIGNING_SALT = "ketacare.public.prescreen"

SEEKING_CHOICES = [
    ("depression", "Depression"),
    ("bipolar_depression", "Depression as part of bipolar disorder"),
    ("anxiety", "Anxiety"),
    ("ptsd", "PTSD (post-traumatic stress)"),
    ("chronic_pain", "Long-lasting (chronic) pain"),
    ("other", "Something else"),
]
TRIED_CHOICES = [("0", "None"), ("1", "One"), ("2", "Two"), ("3", "Three or more")]
YES_NO_UNSURE = [("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure")]
HELPED_CHOICES = [
    ("no", "No, not really"),
    ("a_little", "A little, but not enough"),
    ("yes", "Yes, they helped"),
    ("not_tolerated", "I had to stop because of side effects"),
    ("not_sure", "Not sure"),
]
PREGNANCY_CHOICES = [
    ("no", "No"),
    ("pregnant", "Yes, I am pregnant"),
    ("maybe", "I might be"),
    ("not_applicable", "This does not apply to me"),
]
BP_CHOICES = [
    ("normal", "No, my blood pressure is normal"),
    ("treated", "I have high blood pressure, and it is under control"),
    ("uncontrolled", "I have high blood pressure that is not under control"),
    ("not_sure", "Not sure"),
]
CONDITION_CHOICES = [
    (
        "psychosis_or_mania",
        "Psychosis or mania right now (hearing or seeing things, or very high mood)",
    ),
    ("aneurysm", "An aneurysm (a bulging blood vessel)"),
    ("avm", "An AVM (a tangle of blood vessels in the brain)"),
    ("brain_bleed", "A bleed in the brain in the past"),
    ("stroke", "A stroke in the past"),
    ("heart_disease", "Serious heart disease"),
    ("substance_use", "A problem with alcohol or drugs right now"),
    ("breastfeeding", "I am breastfeeding"),
]
MEDICINE_CHOICES = [
    ("benzodiazepine", "A benzodiazepine most days (for example diazepam, lorazepam, alprazolam)"),
    ("maoi", "An MAOI antidepressant (for example phenelzine, tranylcypromine)"),
    ("stimulant", "A stimulant (for example for ADHD)"),
    ("opioid", "An opioid pain medicine"),
    ("lamotrigine", "Lamotrigine"),
    ("sleeping_pill", "A sleeping pill (for example zolpidem)"),
]


class ChoiceOption(NamedTuple):
    """One radio button or tick box of a choice field, ready for public/choices.html."""

    value: str
    label: str
    id: str
    checked: bool


CHOICES_TEMPLATE = "public/choices.html"
FIELD_TEMPLATE = "field.html"
_BLANK_FIELDS: dict[tuple[str, str, str, str], SafeString] = {}


class ChoicesBoundField(BoundField):
    """A bound field that hands its template plain option tuples.

    The pre-screen has some forty options; rendering each through its widget templates
    (option.tag: two nested templates and a deep copy of the attributes per option) made it
    the slowest public page. public/choices.html writes the same <input> markup in one loop.
    """

    @cached_property
    def choice_options(self) -> list[ChoiceOption]:
        chosen = {str(v) for v in self.field.widget.format_value(self.value())}
        id_ = self.auto_id
        return [
            ChoiceOption(
                value=str(value),
                label=str(label),
                id=f"{id_}_{index}" if id_ else "",
                checked=str(value) in chosen,
            )
            for index, (value, label) in enumerate(cast(Any, self.field).choices)
        ]

    @property
    def choices_html(self) -> SafeString:
        """This choice field through public/choices.html."""
        return self._render(CHOICES_TEMPLATE)

    @property
    def field_html(self) -> SafeString:
        """This field through the site's field.html."""
        return self._render(FIELD_TEMPLATE)

    def _render(self, template: str) -> SafeString:
        """A blank form's fields never change (no data, no initial values, no errors), so they
        are rendered once per process and reused; a filled-in form is always rendered afresh
        and never cached (its answers stay private)."""
        if self.form.is_bound or self.form.initial or self.field.initial is not None:
            return render_to_string(template, {"field": self})
        key = (template, type(self.form).__qualname__, self.html_name, self.auto_id)
        html = _BLANK_FIELDS.get(key)
        if html is None or settings.DEBUG:
            html = _BLANK_FIELDS[key] = render_to_string(template, {"field": self})
        return html

    @cached_property
    def input_flags(self) -> dict[str, bool]:
        """Whether each input carries `required` and `aria-invalid` (as the widget decides)."""
        attrs = self.build_widget_attrs({})
        return {"required": bool(attrs.get("required")), "invalid": "aria-invalid" in attrs}


class PrescreenForm(forms.Form):
    bound_field_class = ChoicesBoundField

    seeking = forms.MultipleChoiceField(
        label="What are you looking for help with?",
        choices=SEEKING_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one."},
    )
    antidepressants_tried = forms.TypedChoiceField(
        label="How many antidepressant medicines have you tried?",
        choices=TRIED_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    taken_properly = forms.ChoiceField(
        label=(
            "Did you take them for at least several weeks, at the full dose your doctor aimed for?"
        ),
        choices=YES_NO_UNSURE,
        widget=forms.RadioSelect,
        required=False,
    )
    helped = forms.ChoiceField(
        label="Did they help?",
        choices=HELPED_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    pregnancy = forms.ChoiceField(
        label="Are you pregnant, or could you be?",
        choices=PREGNANCY_CHOICES,
        widget=forms.RadioSelect,
    )
    blood_pressure = forms.ChoiceField(
        label="Do you have high blood pressure?", choices=BP_CHOICES, widget=forms.RadioSelect
    )
    conditions = forms.MultipleChoiceField(
        label="Do any of these apply to you? Tick all that do.",
        choices=CONDITION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    medicines = forms.MultipleChoiceField(
        label="Do you take any of these medicines? Tick all that do.",
        choices=MEDICINE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    age = forms.IntegerField(
        label="How old are you?",
        min_value=0,
        max_value=MAX_PLAUSIBLE_AGE_YEARS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": "Enter your age as a whole number, like 34."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        tried = data.get("antidepressants_tried")
        if tried:
            if not data.get("taken_properly"):
                self.add_error("taken_properly", "Please answer this, or choose Not sure.")
            if not data.get("helped"):
                self.add_error("helped", "Please answer this, or choose Not sure.")
        return data

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            seeking=frozenset(data["seeking"]),
            antidepressants_tried=data["antidepressants_tried"],
            taken_properly=data.get("taken_properly") or "not_sure",
            helped=data.get("helped") or "not_sure",
            pregnancy=data["pregnancy"],
            blood_pressure=data["blood_pressure"],
            conditions=frozenset(data["conditions"]),
            medicines=frozenset(data["medicines"]),
            age=data["age"],
        )


def sign_answers(raw: dict[str, Any]) -> str:
    return signing.dumps(raw, salt=SIGNING_SALT, compress=True)


@cache
def blank_prescreen_form() -> PrescreenForm:
    """The blank pre-screen, built once per process. Building the form deep-copies some forty
    choices (about 0.2 ms, a fifth of the page); a blank form is only ever read to render it,
    and its fields' markup is cached the same way (_BLANK_FIELDS). Filled-in forms are always
    new instances."""
    return PrescreenForm()


def answers_data(form: PrescreenForm) -> dict[str, Any]:
    """The cleaned answers as JSON-safe values (what the signed field carries)."""
    data = form.cleaned_data
    return {
        "seeking": sorted(data["seeking"]),
        "antidepressants_tried": str(data["antidepressants_tried"]),
        "taken_properly": data.get("taken_properly") or "",
        "helped": data.get("helped") or "",
        "pregnancy": data["pregnancy"],
        "blood_pressure": data["blood_pressure"],
        "conditions": sorted(data["conditions"]),
        "medicines": sorted(data["medicines"]),
        "age": str(data["age"]),
    }


class ClinicChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Clinic) -> str:
        return f"{obj.name} — {obj.city}, {obj.state}"

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:  # e.g. not a UUID at all: same plain message
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc


class ConsultationRequestForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(
        label="E-mail",
        required=False,
        error_messages={"invalid": "Enter an e-mail like name@example.com."},
    )
    phone = forms.RegexField(
        label="Phone",
        required=False,
        max_length=30,
        regex=r"^[0-9+()\-. ]{7,30}$",
        error_messages={"invalid": "Enter a phone number using digits, spaces, + ( ) or -."},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    clinic = ClinicChoiceField(
        label="Preferred clinic",
        queryset=Clinic.objects.none(),
        to_field_name="public_id",
        empty_label="Choose a clinic",
        error_messages={"invalid_choice": "Choose one of the clinics in the list."},
    )
    preferred_times = forms.CharField(
        label="When is a good time to contact you?",
        required=False,
        max_length=500,
        help_text="For example: weekday mornings, or after 5 pm.",
    )
    consent = forms.BooleanField(
        label="I agree that the clinic may contact me about a consultation.",
        error_messages={"required": "Please tick this box so the clinic may contact you."},
    )
    # Hidden from people by CSS; a bot that fills every field gives itself away.
    website = forms.CharField(label="Leave this empty", required=False)
    answers = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean_answers(self) -> dict[str, Any] | None:
        token = self.cleaned_data.get("answers") or ""
        if not token:
            return None
        try:
            raw = signing.loads(token, salt=SIGNING_SALT)
        except signing.BadSignature as exc:
            raise forms.ValidationError(
                "Your pre-screen answers could not be checked. Please take the pre-screen again."
            ) from exc
        prescreen = PrescreenForm(raw if isinstance(raw, dict) else {})
        if not prescreen.is_valid():
            raise forms.ValidationError("Your pre-screen answers could not be read.")
        return answers_data(prescreen)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError("Your request could not be sent. Please try again.")
        if not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", "Give an e-mail or a phone number so the clinic can reach you.")
            self.add_error("phone", "Give a phone number or an e-mail so the clinic can reach you.")
        return data


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label="Mark as",
        choices=[(RequestStatus.CONTACTED, "Contacted"), (RequestStatus.DECLINED, "Declined")],
    )
    outcome_note = forms.CharField(
        label="Outcome note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConvertForm(forms.Form):
    legal_first_name = forms.CharField(label="Legal first name", max_length=100)
    legal_last_name = forms.CharField(label="Legal last name", max_length=100)
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )
    sex_assigned_at_birth = forms.ChoiceField(
        label="Sex assigned at birth", choices=SexAssignedAtBirth.choices
    )
    status = forms.ChoiceField(
        label="Patient status",
        choices=[("lead", "Lead"), ("consultation", "Consultation booked")],
    )


class ClinicPageForm(forms.Form):
    """An organisation admin's page for one of their clinics. The body is plain text."""

    clinic = forms.ModelChoiceField(
        queryset=Clinic.objects.none(), to_field_name="public_id", empty_label=None
    )
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80,
        label="Address (slug)",
        help_text="Lower-case letters, digits and hyphens, e.g. what-to-expect.",
    )
    summary = forms.CharField(max_length=300, required=False)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text="Plain text. Leave a blank line between paragraphs.",
    )
    published = forms.BooleanField(required=False, label="Published on the public site")

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics  # type: ignore[attr-defined]
