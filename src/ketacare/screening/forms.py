"""Forms of the consultation: the eligibility assessment and the signed decision per route.

They parse and lay out what was posted. The rules are the clinical core's and the services':
the assessment form runs `services.validate_assessment` on what was typed, so a preview and a
save refuse the same values with the same words, and the sign form leaves "a decision against
the rules needs a reason" to `services.assessment_sign`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.boundfield import BoundWidget

from ketacare.clinical import eligibility as rules
from ketacare.clinical.units import WeightUnit, weight_in_kg
from ketacare.patients.forms import DateInput
from ketacare.patients.models import Problem
from ketacare.screening import services
from ketacare.screening.models import EligibilityAssessment, Verdict
from ketacare.tenancy.models import Route

INDICATION_LABELS = {
    rules.Indication.MAJOR_DEPRESSIVE_DISORDER: "Major depressive disorder",
    rules.Indication.MDD_WITH_ACUTE_SUICIDAL_IDEATION: (
        "Major depressive disorder with acute suicidal ideation or behaviour"
    ),
    rules.Indication.BIPOLAR_DEPRESSION: "Bipolar depression",
    rules.Indication.CHRONIC_PAIN: "Chronic pain",
    rules.Indication.OTHER: "Other indication",
}

C = rules.Condition
# The checklist in the groups the clinical core documents (assessment.Condition).
CONDITION_GROUPS: tuple[tuple[str, str, tuple[tuple[rules.Condition, str], ...]], ...] = (
    (
        "Esketamine label contraindications",
        "On the Spravato label's list; racemic routes get a caution to weigh.",
        (
            (C.ANEURYSMAL_VASCULAR_DISEASE, "Aneurysmal vascular disease (aorta, intracranial, "
             "peripheral arteries)"),
            (C.ARTERIOVENOUS_MALFORMATION, "Arteriovenous malformation (AVM)"),
            (C.INTRACEREBRAL_HAEMORRHAGE_HISTORY, "History of intracerebral haemorrhage"),
            (C.ESKETAMINE_HYPERSENSITIVITY, "Hypersensitivity to esketamine or an excipient"),
            (C.KETAMINE_HYPERSENSITIVITY, "Hypersensitivity to ketamine"),
            (C.BP_RISE_SERIOUS_HAZARD, "A rise in blood pressure would be a serious hazard "
             "(your judgement)"),
        ),
    ),
    (
        "Racemic ketamine contraindications",
        "From the racemic guideline and label.",
        (
            (C.UNCONTROLLED_CARDIOVASCULAR_DISEASE, "Poorly controlled cardiovascular disease"),
            (C.SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE, "Severe coronary or myocardial disease"),
            (C.UNCONTROLLED_HYPERTENSION, "Uncontrolled hypertension"),
            (C.CEREBROVASCULAR_ACCIDENT, "Cerebrovascular accident (stroke)"),
            (C.CEREBRAL_TRAUMA, "Cerebral trauma"),
            (C.ECLAMPSIA_OR_PRE_ECLAMPSIA, "Eclampsia or pre-eclampsia"),
            (C.ACTIVE_PSYCHOSIS, "Active psychosis"),
            (C.ACTIVE_MANIA, "Active mania"),
            (C.SEVERE_HEPATIC_DISEASE, "Severe hepatic disease"),
            (C.MODERATE_HEPATIC_DISEASE, "Moderate hepatic disease"),
            (C.RAISED_INTRACRANIAL_PRESSURE, "Raised intracranial pressure"),
            (C.RAISED_INTRAOCULAR_PRESSURE, "Raised intraocular pressure"),
            (C.ACTIVE_SUBSTANCE_USE_DISORDER, "Active substance use disorder"),
            (C.BREASTFEEDING, "Breastfeeding"),
        ),
    ),
    (
        "Cautions and work-up triggers",
        "Each adds a caution or asks for a test before treatment.",
        (
            (C.KNOWN_HYPERTENSION, "Known hypertension (controlled or not)"),
            (C.CARDIOVASCULAR_RISK, "Cardiovascular risk suspected or high (asks for an ECG)"),
            (C.LIVER_RISK, "Liver risk, e.g. chronic hepatitis (asks for liver tests)"),
        ),
    ),
)  # fmt: skip
CONDITION_LABELS = {code: label for _, _, items in CONDITION_GROUPS for code, label in items}

PREGNANCY_CHOICES = [
    (rules.PregnancyStatus.NOT_APPLICABLE.value, "Cannot become pregnant"),
    (rules.PregnancyStatus.NOT_PREGNANT.value, "Not pregnant (established today)"),
    (rules.PregnancyStatus.UNKNOWN.value, "Could be pregnant, not yet established"),
    (rules.PregnancyStatus.PREGNANT.value, "Pregnant"),
]
ALCOHOL_CHOICES = [
    (rules.AlcoholUse.NONE.value, "None"),
    (rules.AlcoholUse.OCCASIONAL.value, "Occasional"),
    (rules.AlcoholUse.REGULAR.value, "Regular"),
    (rules.AlcoholUse.MISUSE.value, "Misuse"),
    (rules.AlcoholUse.UNKNOWN.value, "Not asked yet"),
]
WORKUP_CHOICES = [
    (rules.WorkupResult.NOT_DONE.value, "Not done"),
    (rules.WorkupResult.NORMAL.value, "Normal"),
    (rules.WorkupResult.ABNORMAL.value, "Abnormal"),
]
PREGNANCY_TEST_CHOICES = [
    (rules.PregnancyTestResult.NOT_DONE.value, "Not done"),
    (rules.PregnancyTestResult.NEGATIVE.value, "Negative"),
    (rules.PregnancyTestResult.POSITIVE.value, "Positive"),
]
WEIGHT_UNIT_CHOICES = [(WeightUnit.KG.value, "kg"), (WeightUnit.LB.value, "lb")]


def _number(**attrs: str) -> forms.NumberInput:
    # "live-number": the assessment form re-asks the rules as these are typed (htmx keyup).
    return forms.NumberInput(attrs={"class": "live-number", **attrs})


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError back at the fields it names (the rest on top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, problems in exc.message_dict.items():
        field = key if key in form.fields else None
        for problem in problems:
            form.add_error(field, problem)


class AssessmentForm(forms.ModelForm):  # type: ignore[type-arg]
    """Every field of the draft, plus its version (stale edits are refused, not lost)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    indications = forms.MultipleChoiceField(
        label="Indication",
        required=False,
        choices=[(code.value, label) for code, label in INDICATION_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    indication_codes = forms.MultipleChoiceField(
        label="ICD-10-CM codes from the problem list",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.MultipleChoiceField(
        label="Medical history",
        required=False,
        choices=[(code.value, label) for code, label in CONDITION_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    pregnancy = forms.ChoiceField(
        label="Pregnancy", choices=PREGNANCY_CHOICES, widget=forms.RadioSelect
    )
    alcohol_use = forms.ChoiceField(
        label="Alcohol use", choices=ALCOHOL_CHOICES, widget=forms.RadioSelect
    )
    ecg = forms.ChoiceField(label="ECG", choices=WORKUP_CHOICES, widget=forms.RadioSelect)
    liver_function_tests = forms.ChoiceField(
        label="Liver function tests", choices=WORKUP_CHOICES, widget=forms.RadioSelect
    )
    pregnancy_test = forms.ChoiceField(
        label="Pregnancy test", choices=PREGNANCY_TEST_CHOICES, widget=forms.RadioSelect
    )
    # Entered in kg or lb; converted once, by the clinical core, to the kilograms stored.
    weight_kg = forms.DecimalField(
        label="Weight",
        required=False,
        min_value=Decimal("0.1"),
        max_digits=6,
        decimal_places=2,
        widget=_number(inputmode="decimal", step="0.1"),
    )
    weight_unit = forms.ChoiceField(
        label="Weight unit",
        choices=WEIGHT_UNIT_CHOICES,
        initial=WeightUnit.KG.value,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = EligibilityAssessment
        fields = list(services.ASSESSMENT_FIELDS)
        widgets = {
            "episode_start_date": DateInput(),
            "episode_notes": forms.Textarea(attrs={"rows": 2}),
            "substance_use_notes": forms.Textarea(attrs={"rows": 2}),
            "systolic_mmhg": _number(inputmode="numeric"),
            "diastolic_mmhg": _number(inputmode="numeric"),
            "heart_rate_bpm": _number(inputmode="numeric"),
            "height_cm": _number(inputmode="decimal", step="0.1"),
        }
        labels = {
            "episode_start_date": "Current episode began",
            "episode_notes": "Episode notes",
            "systolic_mmhg": "Systolic (mmHg)",
            "diastolic_mmhg": "Diastolic (mmHg)",
            "heart_rate_bpm": "Heart rate (beats/min)",
            "height_cm": "Height (cm)",
            "substance_use_notes": "Substance use notes",
        }
        help_texts = {
            "episode_start_date": "Trials that began before it do not count toward TRD.",
            "plan_frequent_high_dose": "Your judgement; it asks for liver tests.",
        }

    def __init__(
        self, *args: Any, problems: Sequence[Problem] = (), disabled: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indication_codes"].choices = self._code_choices(problems)  # type: ignore[attr-defined]
        self.initial.setdefault("version", self.instance.version)
        if disabled:
            for field in self.fields.values():
                field.disabled = True

    def _code_choices(self, problems: Sequence[Problem]) -> list[tuple[str, str]]:
        choices: dict[str, str] = {}
        for problem in problems:
            resolved = " (resolved)" if problem.status == "resolved" else ""
            choices.setdefault(
                problem.icd10_code, f"{problem.icd10_code} · {problem.description}{resolved}"
            )
        # A code kept on the assessment stays choosable after it left the problem list.
        for code in self.instance.indication_codes or []:
            choices.setdefault(code, f"{code} · no longer on the problem list")
        return list(choices.items())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weight = cleaned.get("weight_kg")
        unit = cleaned.get("weight_unit") or WeightUnit.KG.value
        if weight is not None:
            try:
                cleaned["weight_kg"] = weight_in_kg(weight, WeightUnit(unit)).kg
            except ValueError as exc:
                self.add_error("weight_kg", str(exc))
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        # The service's own checks (blood pressure pairs, dates, codes), so the preview and the
        # save refuse the same values and the rules are never asked about a refused one.
        try:
            services.validate_assessment(self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)

    def assessment_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.ASSESSMENT_FIELDS}

    def condition_groups(self) -> list[tuple[str, str, list[BoundWidget]]]:
        options = {w.data["value"]: w for w in self["conditions"].subwidgets}
        return [
            (title, note, [options[code.value] for code, _ in items])
            for title, note, items in CONDITION_GROUPS
        ]


class VerdictRadio(forms.RadioSelect):
    """The decision radios of one route; the option matching the rules' verdict is marked, so
    the page can show (in CSS, without script) when a decision goes against the rules."""

    def __init__(self, rules_value: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rules_value = rules_value

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] == self.rules_value:
            option["attrs"]["data-rules"] = "true"
        return option


@dataclass(frozen=True)
class RouteBlock:
    """One route on the sign page: what the rules say and the prescriber's three fields."""

    code: str
    label: str
    verdict: rules.Verdict
    decide: forms.BoundField
    decision: forms.BoundField
    reason: forms.BoundField


class SignForm(forms.Form):
    """A decision per route the prescriber ticks, preselected with the rules' verdict."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome_note = forms.CharField(
        label="Outcome note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Goes to the referrer in the letter. Required when no route is eligible: say why "
            "not and what you suggest instead."
        ),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        report: rules.EligibilityReport,
        preselected: Iterable[str],
        version: int,
    ) -> None:
        super().__init__(data, initial={"version": version})
        self.report = report
        chosen = set(preselected)
        for route in Route:
            verdict = report.for_route(route.value).verdict
            self.fields[f"decide_{route.value}"] = forms.BooleanField(
                label=f"Decide {route.label} now", required=False, initial=route.value in chosen
            )
            self.fields[f"decision_{route.value}"] = forms.ChoiceField(
                label="Decision",
                required=False,
                initial=verdict.value,
                choices=Verdict.choices,
                widget=VerdictRadio(rules_value=verdict.value),
                error_messages={"invalid_choice": "Choose one of the three decisions."},
            )
            self.fields[f"reason_{route.value}"] = forms.CharField(
                label="Reason",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Required when you decide otherwise than the rules.",
            )

    def decided_routes(self) -> list[str]:
        return [r.value for r in Route if self.cleaned_data.get(f"decide_{r.value}")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for route in self.decided_routes():
            if not cleaned.get(f"decision_{route}") and f"decision_{route}" not in self.errors:
                self.add_error(f"decision_{route}", "Choose a decision for this route.")
        return cleaned

    def choices(self) -> dict[str, services.RouteChoice]:
        return {
            route: services.RouteChoice(
                decision=self.cleaned_data[f"decision_{route}"],
                reason=self.cleaned_data.get(f"reason_{route}", ""),
            )
            for route in self.decided_routes()
        }

    def route_blocks(self) -> list[RouteBlock]:
        blocks = []
        for route in Route:
            judged = self.report.for_route(route.value)
            blocks.append(
                RouteBlock(
                    code=route.value,
                    label=route.label,
                    verdict=judged.verdict,
                    decide=self[f"decide_{route.value}"],
                    decision=self[f"decision_{route.value}"],
                    reason=self[f"reason_{route.value}"],
                )
            )
        return blocks

    @property
    def routes_error(self) -> list[str]:
        """The "decide at least one route" refusal, shown above the routes."""
        return [str(error) for error in self.errors.get(NON_FIELD_ERRORS, [])]
