"""Work-up needed before treatment (reference.md rule 7, plus rule 8's baseline scale).

- ECG when cardiovascular risk is suspected or high [S2a].
- Liver tests when there is liver disease or risk (alcohol misuse counts), or when frequent
  high-dose treatment is planned [S2a]; the guideline also suggests repeating them afterwards.
- A pregnancy test when pregnancy has not been ruled out (pregnancy rules out racemic ketamine
  [S2a]; esketamine is not recommended in pregnancy [S3e]).
- A baseline blood pressure [S1b, S3].
- A baseline MADRS or PHQ-9 for a depressive indication (reference.md rule 8).

The work-up depends on the patient, not the route, so every route carries the same findings.
A missing item makes a route "eligible with cautions"; an abnormal ECG or liver test result is a
caution for the prescriber to review.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.clinical.eligibility import sources
from ketacare.clinical.eligibility.assessment import (
    DEPRESSIVE_INDICATIONS,
    AlcoholUse,
    Assessment,
    Condition,
    PregnancyStatus,
    PregnancyTestResult,
    WorkupResult,
)
from ketacare.clinical.eligibility.report import Finding, Severity, WorkupItem

ECG_TRIGGERS = {
    Condition.CARDIOVASCULAR_RISK: "cardiovascular risk",
    Condition.UNCONTROLLED_CARDIOVASCULAR_DISEASE: "poorly controlled cardiovascular disease",
    Condition.SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE: "severe coronary or myocardial disease",
}
LIVER_TRIGGERS = {
    Condition.LIVER_RISK: "liver risk",
    Condition.MODERATE_HEPATIC_DISEASE: "moderate hepatic disease",
    Condition.SEVERE_HEPATIC_DISEASE: "severe hepatic disease",
}


@dataclass(frozen=True)
class WorkupCheck:
    item: WorkupItem
    finding: Finding

    @property
    def missing(self) -> bool:
        return self.finding.severity is Severity.WORKUP_REQUIRED


def _test_check(
    item: WorkupItem,
    what: str,
    reasons: list[str],
    result: WorkupResult,
    source: str,
    after: str = "",
) -> WorkupCheck | None:
    rule_id = f"workup.{item.value}"
    why = ", ".join(reasons)
    if result is WorkupResult.ABNORMAL:
        return WorkupCheck(
            item,
            Finding(
                rule_id,
                Severity.CAUTION,
                f"The {what} is recorded as abnormal; review it before treatment.",
                source,
            ),
        )
    if not reasons:
        return None
    if result is WorkupResult.NOT_DONE:
        return WorkupCheck(
            item,
            Finding(
                rule_id,
                Severity.WORKUP_REQUIRED,
                f"A baseline {what} is needed before treatment ({why}).{after}",
                source,
            ),
        )
    return WorkupCheck(
        item,
        Finding(rule_id, Severity.INFO, f"Baseline {what} done and normal ({why}).", source),
    )


def _ecg(assessment: Assessment) -> WorkupCheck | None:
    reasons = [why for code, why in ECG_TRIGGERS.items() if code in assessment.conditions]
    return _test_check(WorkupItem.ECG, "ECG", reasons, assessment.workup.ecg, sources.COHEN_2018)


def _liver(assessment: Assessment) -> WorkupCheck | None:
    reasons = [why for code, why in LIVER_TRIGGERS.items() if code in assessment.conditions]
    if assessment.alcohol_use is AlcoholUse.MISUSE:
        reasons.append("alcohol misuse")
    if assessment.plan.frequent_high_dose:
        reasons.append("frequent high-dose treatment planned")
    return _test_check(
        WorkupItem.LIVER_FUNCTION_TESTS,
        "liver function test",
        reasons,
        assessment.workup.liver_function_tests,
        sources.COHEN_2018,
        after=" Consider repeating it after treatment.",
    )


def _pregnancy_test(assessment: Assessment) -> WorkupCheck | None:
    if assessment.pregnancy is not PregnancyStatus.UNKNOWN:
        return None
    source = sources.cite(sources.COHEN_2018, sources.SPRAVATO_INTERACTIONS)
    result = assessment.workup.pregnancy_test
    if result is PregnancyTestResult.NOT_DONE:
        return WorkupCheck(
            WorkupItem.PREGNANCY_TEST,
            Finding(
                "workup.pregnancy_test",
                Severity.WORKUP_REQUIRED,
                "Pregnancy has not been ruled out: a pregnancy test is needed, as pregnancy "
                "rules out racemic ketamine and esketamine is not recommended in pregnancy.",
                source,
            ),
        )
    if result is PregnancyTestResult.NEGATIVE:
        return WorkupCheck(
            WorkupItem.PREGNANCY_TEST,
            Finding(
                "workup.pregnancy_test",
                Severity.INFO,
                "The pregnancy test is negative.",
                source,
            ),
        )
    return None  # a positive test is a contraindication (condition.pregnancy)


def _baseline_bp(assessment: Assessment) -> WorkupCheck | None:
    if assessment.blood_pressure is not None:
        return None
    return WorkupCheck(
        WorkupItem.BASELINE_BLOOD_PRESSURE,
        Finding(
            "workup.baseline_blood_pressure",
            Severity.WORKUP_REQUIRED,
            "A baseline blood pressure is needed before treatment.",
            sources.cite(sources.SANACORA_CLINIC_SUMMARY, sources.SPRAVATO_BP),
        ),
    )


def _baseline_scale(assessment: Assessment) -> WorkupCheck | None:
    if not assessment.indications & DEPRESSIVE_INDICATIONS:
        return None
    if assessment.workup.baseline_depression_scale_recorded:
        return None
    return WorkupCheck(
        WorkupItem.BASELINE_DEPRESSION_SCALE,
        Finding(
            "workup.baseline_depression_scale",
            Severity.WORKUP_REQUIRED,
            "A baseline MADRS or PHQ-9 is needed for a depression plan (and for a TRD label).",
            sources.REFERENCE_RULE_8,
        ),
    )


def workup_checks(assessment: Assessment) -> tuple[WorkupCheck, ...]:
    """Every work-up rule that has something to say about this patient."""
    checks = (
        _ecg(assessment),
        _liver(assessment),
        _pregnancy_test(assessment),
        _baseline_bp(assessment),
        _baseline_scale(assessment),
    )
    return tuple(check for check in checks if check is not None)
