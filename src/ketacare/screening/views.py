"""Consultation pages: the eligibility assessment screen with its live verdict, the signed
decision per route, the prescriber's worklist and the letter to the referrer.

Thin: parse, call a selector or service, render. The verdicts and every number come from the
clinical core (through `selectors`); this module only arranges them for the page.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.clinical import eligibility as rules
from ketacare.measures import selectors as measures_selectors
from ketacare.patients import selectors as patient_selectors
from ketacare.patients import services as patient_services
from ketacare.patients.models import Medication, Patient, PriorTreatmentTrial, Problem
from ketacare.patients.sections import SECTIONS
from ketacare.screening import selectors, services
from ketacare.screening.forms import AssessmentForm, SignForm, add_service_errors
from ketacare.screening.models import (
    AssessmentStatus,
    EligibilityAssessment,
    RouteDecision,
    Verdict,
)
from ketacare.tenancy.access import require_membership
from ketacare.tenancy.models import Route
from ketacare.tenancy.permissions import Permission, role_may

# How each verdict and finding is shown: in words, a tone (colour) and an icon, never colour
# alone.
VERDICT_TONE = {
    rules.Verdict.ELIGIBLE: "ok",
    rules.Verdict.ELIGIBLE_WITH_CAUTIONS: "warn",
    rules.Verdict.NOT_ELIGIBLE: "alert",
}
SEVERITY_WORDS = {
    rules.Severity.CONTRAINDICATION: ("Contraindication", "alert"),
    rules.Severity.WORKUP_REQUIRED: ("Work-up needed", "warn"),
    rules.Severity.CAUTION: ("Caution", "warn"),
    rules.Severity.INFO: ("Note", "info"),
}
# The TRD judgement has its own block on the panel; it is not repeated under every route.
TRD_RULE = "trd.evidence"
# Interaction findings that belong next to a medication of the registry's drug class.
INTERACTION_PREFIX_BY_CLASS = {
    "benzodiazepine": "interaction.benzodiazepine",
    "maoi": "interaction.maoi",
    "stimulant": "interaction.stimulant",
    "lamotrigine": "interaction.lamotrigine",
    "opioid": "interaction.opioid",
}
# What the letter gives as the rules' grounds for a route's decision.
GROUNDS = {
    rules.Severity.CONTRAINDICATION.value,
    rules.Severity.CAUTION.value,
    rules.Severity.WORKUP_REQUIRED.value,
}
BASELINE_SCALE_LINKS = (("phq9", "PHQ-9"), ("madrs", "MADRS"))


@dataclass(frozen=True)
class ShownFinding:
    rule_id: str
    severity: str
    word: str
    tone: str
    message: str
    source: str


def _shown(finding: rules.Finding) -> ShownFinding:
    word, tone = SEVERITY_WORDS[finding.severity]
    return ShownFinding(
        finding.rule_id, finding.severity.value, word, tone, finding.message, finding.source
    )


@dataclass(frozen=True)
class RoutePanel:
    code: str
    label: str
    short: str  # the label without its parenthesis, for the one-line summary
    verdict: str
    verdict_words: str
    tone: str
    findings: list[ShownFinding]
    notes: list[ShownFinding]


@dataclass
class VerdictPanel:
    """The report arranged for the page: what holds for every route once, then each route."""

    routes: list[RoutePanel]
    common: list[ShownFinding]
    common_notes: list[ShownFinding]
    trd: rules.TrdAssessment
    workup: list[str]
    interactions: list[ShownFinding] = field(default_factory=list)


def _panel(report: rules.EligibilityReport) -> VerdictPanel:
    per_route = [[f for f in judged.findings if f.rule_id != TRD_RULE] for judged in report.routes]
    shared = [f for f in per_route[0] if all(f in others for others in per_route[1:])]
    routes = []
    for judged, findings in zip(report.routes, per_route, strict=True):
        own = [f for f in findings if f not in shared]
        label = str(Route(judged.route.value).label)
        routes.append(
            RoutePanel(
                code=judged.route.value,
                label=label,
                short=label.split(" (")[0],
                verdict=judged.verdict.value,
                verdict_words=judged.verdict.label,
                tone=VERDICT_TONE[judged.verdict],
                findings=[_shown(f) for f in own if f.severity is not rules.Severity.INFO],
                notes=[_shown(f) for f in own if f.severity is rules.Severity.INFO],
            )
        )
    interactions: dict[rules.Finding, None] = {}
    for findings in per_route:
        interactions.update((f, None) for f in findings if f.rule_id.startswith("interaction."))
    return VerdictPanel(
        routes=routes,
        common=[_shown(f) for f in shared if f.severity is not rules.Severity.INFO],
        common_notes=[_shown(f) for f in shared if f.severity is rules.Severity.INFO],
        trd=report.trd,
        workup=[str(selectors.WORKUP_WORDS.get(item, item)) for item in report.workup_required],
        interactions=[_shown(f) for f in interactions],
    )


@dataclass(frozen=True)
class MedicationRow:
    medication: Medication
    findings: list[ShownFinding]


def _medication_rows(
    medications: list[Medication], panel: VerdictPanel
) -> tuple[list[MedicationRow], list[ShownFinding]]:
    """Each current medicine with the interaction findings about its class; the others
    (alcohol, enzyme effects) are returned apart."""
    rows: list[MedicationRow] = []
    placed: set[str] = set()
    for medication in medications:
        prefix = INTERACTION_PREFIX_BY_CLASS.get(medication.drug_class)
        found = [f for f in panel.interactions if prefix and f.rule_id.startswith(prefix)]
        placed.update(f.rule_id for f in found)
        rows.append(MedicationRow(medication, found))
    return rows, [f for f in panel.interactions if f.rule_id not in placed]


def _bmi(assessment: EligibilityAssessment) -> Decimal | None:
    """The body-mass index as the clinical core computes it from the weight and height.

    Only the index is read, which depends on neither medications nor trials.
    """
    return selectors.body_mass_index(assessment)


@dataclass
class Record:
    """What the assessment screen shows from the registry beside the assessment itself."""

    problems: list[Problem]
    medications: list[Medication]
    trials: list[PriorTreatmentTrial]


def _record(request: HttpRequest, patient: Patient) -> Record:
    def entries(slug: str) -> list[object]:
        return list(patient_selectors.section_entries(request.user, patient, SECTIONS[slug]))

    medications = [m for m in entries("medications") if isinstance(m, Medication) and m.active]
    return Record(
        problems=[p for p in entries("problems") if isinstance(p, Problem)],
        medications=medications,
        trials=[t for t in entries("trials") if isinstance(t, PriorTreatmentTrial)],
    )


def _live_context(
    assessment: EligibilityAssessment, medications: list[Medication], *, problems: list[str]
) -> dict[str, object]:
    """The parts of the screen that follow the typed values: the verdict panel, the BMI and
    the interaction findings beside the medications."""
    panel = _panel(selectors.eligibility_report(assessment))
    medication_rows, other_interactions = _medication_rows(medications, panel)
    return {
        "panel": panel,
        "bmi": _bmi(assessment),
        "medication_rows": medication_rows,
        "other_interactions": other_interactions,
        "preview_problems": problems,
    }


def _assessment(
    request: HttpRequest, assessment_id: UUID, permission: Permission
) -> EligibilityAssessment:
    return selectors.get_assessment_for(request.user, assessment_id, permission)


# ---- Start, screen, preview ---------------------------------------------------------------


@require_POST
def start(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    assessment = services.assessment_start(actor=request.user, patient=patient)
    return redirect("screening:assessment", assessment_id=assessment.public_id)


@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    saved = _assessment(request, assessment_id, Permission.EDIT_CLINICAL)
    membership = require_membership(request.user)
    patient = saved.patient
    record = _record(request, patient)
    signed = saved.status == AssessmentStatus.SIGNED
    # The form fills a copy, so a refused save never changes what the panel judges.
    typed = copy.copy(saved)
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        instance=typed,
        problems=record.problems,
        disabled=signed,
    )
    stale: Conflict | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(
                actor=request.user,
                assessment=saved,
                data=form.assessment_data(),
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleAssessmentError as exc:
            stale, form = _stale(request, saved, exc, record.problems)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.POST.get("then") == "sign":
                return redirect("screening:sign", assessment_id=saved.public_id)
            messages.success(request, "Assessment saved. The verdict below is for what you saved.")
            return redirect(reverse("screening:assessment", args=[saved.public_id]) + "#verdict")
    patient_services.record_chart_view(
        actor=request.user, patient=patient, sections=["eligibility"]
    )
    scales = [
        story
        for story in measures_selectors.patient_outcomes(request.user, patient)
        if story.instrument.code in selectors.BASELINE_SCALES
    ]
    current = stale.current if stale else saved
    context = {
        "assessment": current,
        "patient": patient,
        "form": form,
        "signed": signed,
        "stale": stale,
        "record": record,
        "scales": scales,
        "scale_links": BASELINE_SCALE_LINKS,
        "may_sign": role_may(membership.role, Permission.SIGN_TREATMENT_DECISION),
        **_live_context(current, record.medications, problems=[]),
    }
    status = 409 if stale else 200
    return render(request, "screening/assessment.html", context, status=status)


@dataclass(frozen=True)
class Conflict:
    """A stale save: the assessment as now saved, and each field changed, theirs and yours."""

    current: EligibilityAssessment
    changes: list[dict[str, str]]


def _stale(
    request: HttpRequest,
    saved: EligibilityAssessment,
    exc: services.StaleAssessmentError,
    problems: list[Problem],
) -> tuple[Conflict, AssessmentForm]:
    """Someone saved in between: keep what was typed, show what they changed, and let a second
    Save (now against their version) replace it deliberately."""
    current = exc.current
    current.patient, current.organisation = saved.patient, saved.organisation  # already fetched
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = AssessmentForm(data, instance=copy.copy(current), problems=problems)
    form.is_valid()
    changes = [
        {
            "label": str(form.fields[name].label or name),
            "theirs": _words(form, name, getattr(current, name)),
            "yours": _words(form, name, form.cleaned_data.get(name)),
        }
        for name in exc.changed_fields
        if name in form.fields
    ]
    return Conflict(current, changes), form


def _words(form: AssessmentForm, name: str, value: object) -> str:
    """A stored value in the words its field shows (choice labels, "yes"/"no", units)."""
    choices = dict(getattr(form.fields[name], "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value in (None, ""):
        return "blank"
    if name == "weight_kg":
        return f"{value} kg"
    return str(choices.get(value, value))


@require_POST
def preview(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    """The verdict for what is typed now, without saving it (htmx swaps the panel in)."""
    saved = _assessment(request, assessment_id, Permission.EDIT_CLINICAL)
    patient = saved.patient
    record = _record(request, patient)
    judged = saved
    problems: list[str] = []
    if saved.status == AssessmentStatus.DRAFT:
        typed = copy.copy(saved)  # never saved: the copy only carries the typed values
        form = AssessmentForm(request.POST, instance=typed, problems=record.problems)
        if form.is_valid():
            judged = typed
        else:
            problems = [
                f"{form.fields[name].label if name in form.fields else 'Form'}: {error}"
                for name, errors in form.errors.items()
                for error in errors
            ]
    patient_services.record_chart_view(
        actor=request.user, patient=patient, sections=["eligibility_preview"]
    )
    context = {
        "assessment": saved,
        "patient": patient,
        "live": True,
        **_live_context(judged, record.medications, problems=problems),
    }
    return render(request, "screening/partials/preview.html", context)


# ---- Sign --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = _assessment(request, assessment_id, Permission.SIGN_TREATMENT_DECISION)
    patient = assessment.patient
    if assessment.status != AssessmentStatus.DRAFT:
        messages.info(request, "This assessment is already signed; its decisions are below.")
        return redirect(reverse("patients:chart", args=[patient.public_id]) + "#consultation")
    report = selectors.eligibility_report(assessment)
    offered = patient.preferred_clinic.routes_offered if patient.preferred_clinic else []
    form = SignForm(
        request.POST if request.method == "POST" else None,
        report=report,
        preselected=offered or [],
        version=assessment.version,
    )
    changed_since = False
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] != assessment.version:
            # The draft was saved again after this page was opened: the verdicts shown may
            # be out of date, so show the current ones before anything is signed.
            changed_since = True
            form = SignForm(
                _with_version(request, assessment.version),
                report=report,
                preselected=offered,
                version=assessment.version,
            )
            form.is_valid()
        else:
            try:
                services.assessment_sign(
                    actor=request.user,
                    assessment=assessment,
                    choices=form.choices(),
                    outcome_note=form.cleaned_data.get("outcome_note", ""),
                    expected_version=form.cleaned_data["version"],
                )
            except services.StaleAssessmentError:
                # Saved again between the check above and the signature: show it again.
                return redirect("screening:sign", assessment_id=assessment.public_id)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _signed_words(form))
                return redirect(
                    reverse("patients:chart", args=[patient.public_id]) + "#consultation"
                )
    patient_services.record_chart_view(
        actor=request.user, patient=patient, sections=["eligibility"]
    )
    panel = _panel(report)
    context = {
        "assessment": assessment,
        "patient": patient,
        "form": form,
        "panel": panel,
        # The routes the patient's clinic offers first: those are usually the ones decided.
        "routes": sorted(
            zip(form.route_blocks(), panel.routes, strict=True),
            key=lambda pair: pair[0].code not in offered,
        ),
        "offered": offered,
        "changed_since": changed_since,
    }
    return render(request, "screening/sign.html", context)


def _with_version(request: HttpRequest, version: int) -> QueryDict:
    data = request.POST.copy()
    data["version"] = str(version)
    return data


def _signed_words(form: SignForm) -> str:
    decided = [
        f"{Route(route).label}: {rules.Verdict(choice.decision).label}"
        for route, choice in form.choices().items()
    ]
    return "Decision signed. " + "; ".join(decided) + "."


# ---- Worklist and letter ------------------------------------------------------------------


@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request.user)
    rows = selectors.consultation_worklist(request.user)
    # A worklist discloses who is waiting for a decision: recorded like a search, with the
    # patients shown.
    services.record_worklist_view(actor=request.user, patients=[row.patient for row in rows])
    context = {
        "rows": rows,
        "may_edit": role_may(membership.role, Permission.EDIT_CLINICAL),
    }
    return render(request, "screening/worklist.html", context)


@require_GET
def letter(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    assessment = _assessment(request, assessment_id, Permission.VIEW_CLINICAL)
    patient = assessment.patient
    if assessment.status != AssessmentStatus.SIGNED:
        messages.info(request, "The letter to the referrer is ready once the decision is signed.")
        return redirect("patients:chart", public_id=patient.public_id)
    order = list(Route.values)
    decisions = sorted(assessment.decisions.all(), key=lambda d: order.index(d.route))
    services.record_letter_export(actor=request.user, assessment=assessment)
    context = {
        "assessment": assessment,
        "patient": patient,
        "clinic": patient.preferred_clinic,
        "decisions": [_letter_line(d) for d in decisions],
        "trd_label": decisions[0].trd_label if decisions else "",
        "any_eligible": any(d.decision != Verdict.NOT_ELIGIBLE for d in decisions),
    }
    return render(request, "screening/letter.html", context)


@dataclass(frozen=True)
class LetterLine:
    route: str
    decision: str
    tone: str
    overrides: bool
    rules_words: str
    reason: str
    grounds: list[str]


def _letter_line(decision: RouteDecision) -> LetterLine:
    """One route's decision in plain words: the prescriber's reason, and the rules' grounds
    (the contraindications, cautions and missing work-up recorded at signing)."""
    verdict = rules.Verdict(decision.decision)
    return LetterLine(
        route=decision.get_route_display(),
        decision=verdict.label,
        tone=VERDICT_TONE[verdict],
        overrides=decision.overrides_rules,
        rules_words=rules.Verdict(decision.rule_verdict).label,
        reason=decision.reason,
        grounds=[
            str(f.get("message", ""))
            for f in decision.findings or []
            if f.get("severity") in GROUNDS
        ],
    )
