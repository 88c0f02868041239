"""Reads for intake and eligibility. Every one takes the acting user and is tenant-scoped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ketacare.clinical import eligibility as rules
from ketacare.clinical.age import age_in_years
from ketacare.measures.models import Assessment as ScaleAssessment
from ketacare.patients.models import (
    Consent,
    Medication,
    Patient,
    PatientStatus,
    PriorTreatmentTrial,
)
from ketacare.screening.models import AssessmentStatus, EligibilityAssessment, RouteDecision
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Organisation
from ketacare.tenancy.permissions import Permission

WORKUP_WORDS = {
    rules.WorkupItem.ECG: "ECG",
    rules.WorkupItem.LIVER_FUNCTION_TESTS: "Liver tests",
    rules.WorkupItem.PREGNANCY_TEST: "Pregnancy test",
    rules.WorkupItem.BASELINE_BLOOD_PRESSURE: "Baseline blood pressure",
    rules.WorkupItem.BASELINE_DEPRESSION_SCALE: "Baseline PHQ-9 or MADRS",
}
# The depression scales whose baseline the TRD work-up asks for (reference.md section 9).
BASELINE_SCALES = ("phq9", "madrs")


def thresholds_for(organisation: Organisation) -> rules.Thresholds:
    """The organisation's thresholds: published defaults with its audited overrides."""
    return rules.Thresholds().with_overrides(organisation.settings.get("eligibility", {}))


def get_assessment_for(
    user: Actor, public_id: object, permission: Permission = Permission.VIEW_CLINICAL
) -> EligibilityAssessment:
    queryset = EligibilityAssessment.objects.select_related(
        "patient", "patient__organisation", "signed_by", "organisation"
    )
    return access_object(user, queryset, permission, public_id=public_id)[1]


def _trial(
    trial: PriorTreatmentTrial, episode_start: date | None, today: date
) -> rules.AntidepressantTrial:
    start = trial.start_date
    # An ongoing trial runs to today; no recorded end counts weeks beyond today.
    end = min(trial.end_date, today) if trial.end_date else (today if start else None)
    return rules.AntidepressantTrial(
        drug=trial.name,
        adequate_dose=trial.adequate_dose,
        outcome=rules.TrialOutcome(trial.outcome),
        current_episode=episode_start is None or start is None or start >= episode_start,
        start_date=start,
        end_date=end if start else None,
    )


def _medication(medication: Medication) -> rules.Medication:
    drug_class = (
        medication.drug_class
        if medication.drug_class in rules.DrugClass.__members__.values()
        else rules.DrugClass.OTHER
    )
    is_benzodiazepine = drug_class == rules.DrugClass.BENZODIAZEPINE
    return rules.Medication(
        name=medication.name,
        drug_class=rules.DrugClass(drug_class),
        diazepam_equivalent_mg_per_day=(
            medication.diazepam_equivalent_mg_per_day if is_benzodiazepine else None
        ),
        cyp=frozenset({rules.CypEffect(medication.cyp_effect)} if medication.cyp_effect else ()),
    )


def core_assessment(
    assessment: EligibilityAssessment,
    *,
    medications: list[Medication],
    trials: list[PriorTreatmentTrial],
    baseline_scale_recorded: bool,
) -> rules.Assessment:
    """The plain-values assessment the rules read, built from the record."""
    patient = assessment.patient
    today = timezone.localdate()
    blood_pressure = None
    if assessment.systolic_mmhg and assessment.diastolic_mmhg:
        blood_pressure = rules.BloodPressure(assessment.systolic_mmhg, assessment.diastolic_mmhg)
    return rules.Assessment(
        age_years=age_in_years(patient.date_of_birth, today),
        pregnancy=rules.PregnancyStatus(assessment.pregnancy),
        alcohol_use=rules.AlcoholUse(assessment.alcohol_use),
        plan=rules.PlannedTreatment(
            serial=assessment.plan_serial, frequent_high_dose=assessment.plan_frequent_high_dose
        ),
        indications=frozenset(rules.Indication(i) for i in assessment.indications),
        conditions=frozenset(rules.Condition(c) for c in assessment.conditions),
        medications=tuple(_medication(m) for m in medications if m.active),
        trials=tuple(
            _trial(t, assessment.episode_start_date, today)
            for t in trials
            if t.kind == "antidepressant"
        ),
        blood_pressure=blood_pressure,
        weight_kg=Decimal(assessment.weight_kg) if assessment.weight_kg else None,
        height_cm=Decimal(assessment.height_cm) if assessment.height_cm else None,
        workup=rules.WorkupResults(
            ecg=rules.WorkupResult(assessment.ecg),
            liver_function_tests=rules.WorkupResult(assessment.liver_function_tests),
            pregnancy_test=rules.PregnancyTestResult(assessment.pregnancy_test),
            baseline_depression_scale_recorded=baseline_scale_recorded,
        ),
    )


def has_baseline_scale(patient: Patient) -> bool:
    return ScaleAssessment.objects.filter(
        organisation_id=patient.organisation_id,
        patient=patient,
        instrument_code__in=BASELINE_SCALES,
        complete=True,
    ).exists()


def eligibility_report(assessment: EligibilityAssessment) -> rules.EligibilityReport:
    """What the rules say now about an assessment already fetched through the access gate."""
    patient = assessment.patient
    medications = list(
        Medication.objects.filter(patient=patient, organisation=patient.organisation_id)
    )
    trials = list(
        PriorTreatmentTrial.objects.filter(patient=patient, organisation=patient.organisation_id)
    )
    core = core_assessment(
        assessment,
        medications=medications,
        trials=trials,
        baseline_scale_recorded=has_baseline_scale(patient),
    )
    return rules.evaluate(core, thresholds_for(assessment.organisation))


def latest_assessment(patient: Patient) -> EligibilityAssessment | None:
    return (
        EligibilityAssessment.objects.filter(
            organisation_id=patient.organisation_id, patient=patient
        )
        .prefetch_related("decisions")
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True)
class ChartEligibility:
    """For the chart: the latest signed decision (with its decisions) and any draft open."""

    signed: EligibilityAssessment | None
    decisions: list[RouteDecision]
    draft: EligibilityAssessment | None


def chart_eligibility(patient: Patient) -> ChartEligibility:
    """Two queries at most, whatever the patient's history (the chart has a query budget)."""
    assessments = list(
        EligibilityAssessment.objects.filter(
            organisation_id=patient.organisation_id, patient=patient
        )
        .select_related("signed_by")
        .order_by("-created_at")[:10]
    )
    signed = next((a for a in assessments if a.status == AssessmentStatus.SIGNED), None)
    draft = next((a for a in assessments if a.status == AssessmentStatus.DRAFT), None)
    decisions = list(RouteDecision.objects.filter(assessment=signed)) if signed else []
    return ChartEligibility(signed=signed, decisions=decisions, draft=draft)


def body_mass_index(assessment: EligibilityAssessment) -> Decimal | None:
    """BMI from the recorded weight and height, as the clinical core computes it."""
    if not assessment.weight_kg or not assessment.height_cm:
        return None
    core = rules.Assessment(
        age_years=0,
        pregnancy=rules.PregnancyStatus.NOT_APPLICABLE,
        alcohol_use=rules.AlcoholUse.UNKNOWN,
        plan=rules.PlannedTreatment(serial=False, frequent_high_dose=False),
        weight_kg=Decimal(assessment.weight_kg),
        height_cm=Decimal(assessment.height_cm),
    )
    return core.body_mass_index


@dataclass
class WorklistRow:
    patient: Patient
    assessment: EligibilityAssessment | None
    missing: list[str] = field(default_factory=list)


def consultation_worklist(user: Actor) -> list[WorklistRow]:
    """Patients waiting for their consultation decision, with what is still missing."""
    membership = require_permission(user, Permission.VIEW_CLINICAL)
    patients: QuerySet[Patient] = scoped(Patient.objects.all(), membership).filter(
        status=PatientStatus.CONSULTATION
    )
    patients = patients.prefetch_related(
        Prefetch(
            "eligibility_assessments",
            queryset=EligibilityAssessment.objects.order_by("-created_at"),
            to_attr="assessments_newest_first",
        ),
        "medication_set",
        "priortreatmenttrial_set",
        Prefetch(
            "consent_set",
            queryset=Consent.objects.filter(kind__in=["ketamine", "esketamine_rems"]),
            to_attr="treatment_consents",
        ),
    ).order_by("legal_last_name", "legal_first_name")
    with_baseline = set(
        scoped(ScaleAssessment.objects.all(), membership)
        .filter(instrument_code__in=BASELINE_SCALES, complete=True)
        .values_list("patient_id", flat=True)
    )
    thresholds = thresholds_for(membership.organisation)
    rows = []
    for patient in patients:
        assessments = patient.assessments_newest_first
        row = WorklistRow(patient=patient, assessment=assessments[0] if assessments else None)
        if row.assessment is None:
            row.missing.append("Eligibility assessment not started")
        elif row.assessment.status == AssessmentStatus.DRAFT:
            row.missing.append("Eligibility decision not signed")
            row.assessment.patient = patient
            row.assessment.organisation = membership.organisation
            core = core_assessment(
                row.assessment,
                medications=list(patient.medication_set.all()),
                trials=list(patient.priortreatmenttrial_set.all()),
                baseline_scale_recorded=patient.pk in with_baseline,
            )
            report = rules.evaluate(core, thresholds)
            row.missing.extend(
                f"{WORKUP_WORDS.get(item, item)} pending"
                for item in report.workup_required
                if item != rules.WorkupItem.BASELINE_DEPRESSION_SCALE
            )
        if patient.pk not in with_baseline:
            row.missing.append("No baseline PHQ-9 or MADRS")
        if not patient.treatment_consents:
            row.missing.append("Treatment consent unsigned")
        rows.append(row)
    return rows
